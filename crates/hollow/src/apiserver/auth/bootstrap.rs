//! The default ClusterRoles and ClusterRoleBindings every cluster starts with (the RBAC
//! bootstrap policy), stored as ordinary objects: `kubectl get clusterrole view` works and a
//! binding to `view`, `edit`, `admin` or `cluster-admin` grants what it grants on a real
//! cluster, for the kinds the hollow cluster serves (rules for kinds it does not serve, such as
//! StatefulSets, are kept so the roles read like the real ones).
//!
//! `view`, `edit` and `admin` are aggregated: their rules are those of the ClusterRoles their
//! selectors pick (`system:aggregate-to-*`, and any ClusterRole labelled like them, e.g. one
//! that adds a CRD's resources to `view`), resolved when evaluated.

use serde_json::{Value, json};

use super::rules::PolicyRule;
use crate::apiserver::{
    ApiServer,
    objects::{Part, Writer},
};

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "update", "patch", "delete", "deletecollection"];
const READ_WRITE: &[&str] =
    &["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
const AGGREGATE_TO: &str = "rbac.authorization.k8s.io/aggregate-to-";

fn rule(verbs: &[&str], group: &str, resources: &[&str]) -> PolicyRule {
    PolicyRule::resources(verbs, &[group], resources)
}

/// One default ClusterRole: name, extra labels, rules, and the `aggregate-to-*` label its
/// aggregationRule selects (if aggregated).
struct Role {
    name: &'static str,
    labels: Vec<(String, &'static str)>,
    rules: Vec<PolicyRule>,
    aggregates: Option<&'static str>,
}

fn plain(name: &'static str, rules: Vec<PolicyRule>) -> Role {
    Role { name, labels: Vec::new(), rules, aggregates: None }
}

fn aggregate_label(to: &str) -> (String, &'static str) {
    (format!("{AGGREGATE_TO}{to}"), "true")
}

fn view_rules() -> Vec<PolicyRule> {
    vec![
        rule(
            READ,
            "",
            &[
                "pods",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/status",
                "endpoints",
                "persistentvolumeclaims",
                "persistentvolumeclaims/status",
                "configmaps",
            ],
        ),
        rule(
            READ,
            "",
            &[
                "limitranges",
                "resourcequotas",
                "bindings",
                "events",
                "pods/status",
                "resourcequotas/status",
                "namespaces/status",
                "replicationcontrollers/status",
                "pods/log",
            ],
        ),
        rule(READ, "", &["namespaces"]),
        rule(READ, "discovery.k8s.io", &["endpointslices"]),
        rule(
            READ,
            "apps",
            &[
                "controllerrevisions",
                "statefulsets",
                "statefulsets/status",
                "statefulsets/scale",
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/status",
                "deployments/scale",
                "replicasets",
                "replicasets/status",
                "replicasets/scale",
            ],
        ),
        rule(READ, "autoscaling", &["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
        rule(READ, "batch", &["jobs", "cronjobs", "cronjobs/status", "jobs/status"]),
        rule(READ, "policy", &["poddisruptionbudgets", "poddisruptionbudgets/status"]),
        rule(READ, "networking.k8s.io", &["networkpolicies", "ingresses", "ingresses/status"]),
    ]
}

fn edit_rules() -> Vec<PolicyRule> {
    vec![
        rule(
            READ,
            "",
            &["pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"],
        ),
        rule(&["impersonate"], "", &["serviceaccounts"]),
        rule(WRITE, "", &["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
        rule(&["create"], "", &["pods/eviction"]),
        rule(
            WRITE,
            "",
            &[
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/proxy",
                "persistentvolumeclaims",
                "configmaps",
                "secrets",
                "events",
            ],
        ),
        rule(&["create"], "", &["serviceaccounts/token"]),
        rule(
            WRITE,
            "apps",
            &[
                "statefulsets",
                "statefulsets/scale",
                "daemonsets",
                "deployments",
                "deployments/scale",
                "deployments/rollback",
                "replicasets",
                "replicasets/scale",
            ],
        ),
        rule(WRITE, "autoscaling", &["horizontalpodautoscalers"]),
        rule(WRITE, "batch", &["jobs", "cronjobs"]),
        rule(WRITE, "policy", &["poddisruptionbudgets"]),
        rule(WRITE, "networking.k8s.io", &["networkpolicies", "ingresses"]),
        rule(READ_WRITE, "coordination.k8s.io", &["leases"]),
    ]
}

fn roles() -> Vec<Role> {
    let discovery = [
        "/livez",
        "/readyz",
        "/healthz",
        "/version",
        "/version/",
        "/openapi",
        "/openapi/*",
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
    ];
    let public = ["/livez", "/readyz", "/healthz", "/version", "/version/"];
    vec![
        plain("cluster-admin", vec![rule(&["*"], "*", &["*"]), PolicyRule::urls(&["*"], &["*"])]),
        plain("system:discovery", vec![PolicyRule::urls(&["get"], &discovery)]),
        plain("system:public-info-viewer", vec![PolicyRule::urls(&["get"], &public)]),
        plain(
            "system:basic-user",
            vec![
                rule(
                    &["create"],
                    "authorization.k8s.io",
                    &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                ),
                rule(&["create"], "authentication.k8s.io", &["selfsubjectreviews"]),
            ],
        ),
        plain(
            "system:auth-delegator",
            vec![
                rule(&["create"], "authentication.k8s.io", &["tokenreviews"]),
                rule(&["create"], "authorization.k8s.io", &["subjectaccessreviews"]),
            ],
        ),
        Role { name: "admin", labels: Vec::new(), rules: Vec::new(), aggregates: Some("admin") },
        Role {
            name: "edit",
            labels: vec![aggregate_label("admin")],
            rules: Vec::new(),
            aggregates: Some("edit"),
        },
        Role {
            name: "view",
            labels: vec![aggregate_label("edit")],
            rules: Vec::new(),
            aggregates: Some("view"),
        },
        Role {
            name: "system:aggregate-to-admin",
            labels: vec![aggregate_label("admin")],
            rules: vec![
                rule(&["create"], "authorization.k8s.io", &["localsubjectaccessreviews"]),
                rule(READ_WRITE, "rbac.authorization.k8s.io", &["roles", "rolebindings"]),
            ],
            aggregates: None,
        },
        Role {
            name: "system:aggregate-to-edit",
            labels: vec![aggregate_label("edit")],
            rules: edit_rules(),
            aggregates: None,
        },
        Role {
            name: "system:aggregate-to-view",
            labels: vec![aggregate_label("view")],
            rules: view_rules(),
            aggregates: None,
        },
    ]
}

/// `(binding and role name, group subjects)` of the default ClusterRoleBindings.
const BINDINGS: &[(&str, &[&str])] = &[
    ("cluster-admin", &["system:masters"]),
    ("system:discovery", &["system:authenticated"]),
    ("system:basic-user", &["system:authenticated"]),
    ("system:public-info-viewer", &["system:authenticated", "system:unauthenticated"]),
];

fn metadata(name: &str, extra_labels: &[(String, &str)]) -> Value {
    let mut labels = json!({"kubernetes.io/bootstrapping": "rbac-defaults"});
    for (k, v) in extra_labels {
        labels[k] = json!(v);
    }
    json!({
        "name": name,
        "labels": labels,
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
    })
}

/// The default ClusterRoles, as objects.
pub fn cluster_roles() -> Vec<Value> {
    roles()
        .into_iter()
        .map(|r| {
            let mut obj = json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": metadata(r.name, &r.labels),
                "rules": r.rules.iter().map(PolicyRule::to_json).collect::<Vec<_>>(),
            });
            if let Some(to) = r.aggregates {
                obj["aggregationRule"] = json!({"clusterRoleSelectors": [{"matchLabels": {format!("{AGGREGATE_TO}{to}"): "true"}}]});
            }
            obj
        })
        .collect()
}

/// The default ClusterRoleBindings, as objects.
pub fn cluster_role_bindings() -> Vec<Value> {
    BINDINGS
        .iter()
        .map(|(name, groups)| {
            json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": metadata(name, &[]),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                "subjects": groups.iter().map(|g| json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g})).collect::<Vec<_>>(),
            })
        })
        .collect()
}

impl ApiServer {
    /// Stores the default ClusterRoles and ClusterRoleBindings (a new server's start).
    pub(crate) fn bootstrap_rbac(&self) {
        let writer = Writer { manager: "kube-apiserver".into(), dry_run: false, strict: false };
        for (plural, objects) in
            [("clusterroles", cluster_roles()), ("clusterrolebindings", cluster_role_bindings())]
        {
            let Some(def) = self.registry.lookup(super::authorizer::RBAC_GROUP, "v1", plural) else {
                continue;
            };
            for obj in objects {
                let name = obj["metadata"]["name"].as_str().unwrap_or_default().to_string();
                if let Err(e) = self.commit(&def, None, &name, None, obj, Part::Main, &writer, true) {
                    tracing::error!(%name, error = %e.message, "a default RBAC object was refused");
                }
            }
        }
    }
}
