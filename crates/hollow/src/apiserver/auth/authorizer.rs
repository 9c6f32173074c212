//! The authorizer: `system:masters` may do everything; everyone else gets what RBAC grants,
//! evaluated from the Roles, ClusterRoles and bindings in the store on every request (there is
//! no cache to lag behind a write).
//!
//! RBAC walks the ClusterRoleBindings, then (for a namespaced request) the RoleBindings of the
//! request's namespace; a binding applies when one of its subjects is the user (`User`), one of
//! the user's groups (`Group`) or the user's service account (`ServiceAccount`, its namespace
//! defaulting to the RoleBinding's). A RoleBinding to a ClusterRole grants the ClusterRole's
//! rules in the binding's namespace only. A binding whose role is missing is skipped and named
//! in the reason of a refusal (`RBAC: role.rbac.authorization.k8s.io "x" not found`). A
//! ClusterRole with an `aggregationRule` has the rules of the ClusterRoles its selectors pick
//! (what the aggregation controller would write into it), found when evaluated.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{
    SERVICE_ACCOUNT_PREFIX, SYSTEM_MASTERS, UserInfo, attributes::RequestAttributes, rules::PolicyRule,
};
use crate::apiserver::{
    ApiServer,
    selectors::object_selects,
    store::{ObjectKey, ResourceId},
};

/// The RBAC API group.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The answer to "may this user do this?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Allowed.
    pub allowed: bool,
    /// Why: which binding allowed it (`RBAC: allowed by ClusterRoleBinding ...`), or what RBAC
    /// could not resolve when it did not; `""` otherwise (as the real authorizer, whose
    /// refusal says nothing more).
    pub reason: String,
}

/// Where a rule came from, worded as RBAC's describers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// `ClusterRoleBinding` or `RoleBinding`.
    pub binding_kind: &'static str,
    /// Binding name (`name`, or `name/namespace` for a RoleBinding).
    pub binding: String,
    /// `Role` or `ClusterRole`.
    pub role_kind: String,
    /// Role name.
    pub role: String,
    /// The subject that matched, described (`User "alice"`, `ServiceAccount "robot/shop"`).
    pub subject: String,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {:?} of {} {:?} to {}",
            self.binding_kind, self.binding, self.role_kind, self.role, self.subject
        )
    }
}

/// The rules that apply to a user in a namespace, with their sources, and the errors met
/// resolving them (in the order RBAC visits them).
#[derive(Clone, Debug, Default)]
pub struct Applicable {
    /// `(source, rule)`, ClusterRoleBindings first.
    pub rules: Vec<(Source, PolicyRule)>,
    /// Bindings whose role could not be resolved.
    pub errors: Vec<String>,
}

fn rbac(plural: &str) -> ResourceId {
    ResourceId::new(RBAC_GROUP, plural)
}

fn name_of(obj: &Value) -> &str {
    obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default()
}

/// The index of the first subject of a binding that is `user` (`appliesTo`).
fn applies_to(user: &UserInfo, subjects: &[Value], binding_namespace: &str) -> Option<usize> {
    subjects.iter().position(|s| {
        let (kind, name) = (s["kind"].as_str().unwrap_or_default(), s["name"].as_str().unwrap_or_default());
        match kind {
            "User" => user.name == name,
            "Group" => user.in_group(name),
            "ServiceAccount" => {
                let ns = s["namespace"].as_str().filter(|n| !n.is_empty()).unwrap_or(binding_namespace);
                !ns.is_empty() && user.name == format!("{SERVICE_ACCOUNT_PREFIX}{ns}:{name}")
            }
            _ => false,
        }
    })
}

/// `describeSubject`.
fn describe_subject(subject: &Value, binding_namespace: &str) -> String {
    let (kind, name) =
        (subject["kind"].as_str().unwrap_or_default(), subject["name"].as_str().unwrap_or_default());
    if kind == "ServiceAccount" {
        let ns = subject["namespace"].as_str().filter(|n| !n.is_empty()).unwrap_or(binding_namespace);
        return format!("{kind} {:?}", format!("{name}/{ns}"));
    }
    format!("{kind} {name:?}")
}

/// Go's `utilerrors.NewAggregate(errs).Error()`: one message, or `[a, b]` without repeats.
pub fn aggregate(errors: &[String]) -> String {
    let mut seen = Vec::new();
    for e in errors {
        if !seen.contains(e) {
            seen.push(e.clone());
        }
    }
    match (errors.len(), seen.len()) {
        (0, _) => String::new(),
        (1, _) | (_, 1) => seen.concat(),
        _ => format!("[{}]", seen.join(", ")),
    }
}

impl ApiServer {
    /// Whether `user` may do `request`: `system:masters` always; otherwise RBAC.
    pub fn authorize(&self, user: &UserInfo, request: &RequestAttributes) -> Decision {
        if user.in_group(SYSTEM_MASTERS) {
            return Decision { allowed: true, reason: String::new() };
        }
        let namespace = request.resource.as_ref().map(|r| r.namespace.as_str()).unwrap_or_default();
        let applicable = self.applicable_rules(user, namespace);
        if let Some((source, _)) = applicable.rules.iter().find(|(_, rule)| rule.allows(request)) {
            return Decision { allowed: true, reason: format!("RBAC: allowed by {source}") };
        }
        let reason = if applicable.errors.is_empty() {
            String::new()
        } else {
            format!("RBAC: {}", aggregate(&applicable.errors))
        };
        Decision { allowed: false, reason }
    }

    /// Every rule RBAC grants `user` in `namespace` (cluster-wide rules included), in the order
    /// RBAC visits them: ClusterRoleBindings by name, then the namespace's RoleBindings by name.
    pub fn applicable_rules(&self, user: &UserInfo, namespace: &str) -> Applicable {
        let mut out = Applicable::default();
        let (cluster_bindings, _) = self.store.list(&rbac("clusterrolebindings"), None);
        for binding in &cluster_bindings {
            self.visit_binding(user, binding, "", &mut out);
        }
        if !namespace.is_empty() {
            let (bindings, _) = self.store.list(&rbac("rolebindings"), Some(namespace));
            for binding in &bindings {
                self.visit_binding(user, binding, namespace, &mut out);
            }
        }
        out
    }

    fn visit_binding(&self, user: &UserInfo, binding: &Value, namespace: &str, out: &mut Applicable) {
        let subjects =
            binding.get("subjects").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let Some(index) = applies_to(user, subjects, namespace) else { return };
        let role_ref = &binding["roleRef"];
        let (role_kind, role) =
            (role_ref["kind"].as_str().unwrap_or_default(), role_ref["name"].as_str().unwrap_or_default());
        let rules = match self.role_rules(role_kind, role, namespace) {
            Ok(rules) => rules,
            Err(e) => {
                out.errors.push(e);
                return;
            }
        };
        let name = name_of(binding);
        let source = Source {
            binding_kind: if namespace.is_empty() { "ClusterRoleBinding" } else { "RoleBinding" },
            binding: if namespace.is_empty() { name.to_string() } else { format!("{name}/{namespace}") },
            role_kind: role_kind.to_string(),
            role: role.to_string(),
            subject: describe_subject(&subjects[index], namespace),
        };
        out.rules.extend(rules.into_iter().map(|r| (source.clone(), r)));
    }

    /// The rules a binding's roleRef grants (`GetRoleReferenceRules`); the lister's NotFound
    /// message when the role is missing.
    fn role_rules(&self, kind: &str, name: &str, namespace: &str) -> Result<Vec<PolicyRule>, String> {
        let key = |plural: &str, ns: &str| ObjectKey {
            resource: rbac(plural),
            namespace: ns.to_string(),
            name: name.to_string(),
        };
        match kind {
            "Role" => self
                .store
                .get(&key("roles", namespace))
                .map(|role| PolicyRule::of_role(&role))
                .ok_or_else(|| format!("role.{RBAC_GROUP} {name:?} not found")),
            "ClusterRole" => self
                .store
                .get(&key("clusterroles", ""))
                .map(|role| self.cluster_role_rules(&role, &mut BTreeSet::new()))
                .ok_or_else(|| format!("clusterrole.{RBAC_GROUP} {name:?} not found")),
            other => Err(format!("unsupported role reference kind: {other:?}")),
        }
    }

    /// A ClusterRole's rules; for an aggregated one, the rules of every other ClusterRole its
    /// selectors pick (in name order, without repeats), themselves aggregated.
    fn cluster_role_rules(&self, role: &Value, seen: &mut BTreeSet<String>) -> Vec<PolicyRule> {
        let Some(selectors) = role.pointer("/aggregationRule/clusterRoleSelectors").and_then(Value::as_array)
        else {
            return PolicyRule::of_role(role);
        };
        seen.insert(name_of(role).to_string());
        let (all, _) = self.store.list(&rbac("clusterroles"), None);
        let mut rules: Vec<PolicyRule> = Vec::new();
        for other in &all {
            if seen.contains(name_of(other)) || !selectors.iter().any(|s| object_selects(s, other)) {
                continue;
            }
            for rule in self.cluster_role_rules(other, seen) {
                if !rules.contains(&rule) {
                    rules.push(rule);
                }
            }
        }
        rules
    }
}
