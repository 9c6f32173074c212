//! Authentication and authorization, as kube-apiserver does them with `--token-auth-file`,
//! service-account tokens and `--authorization-mode=RBAC`.
//!
//! ```text
//!  request ─► authenticate (Authorization: Bearer T)
//!               │ unknown T: 401 Unauthorized
//!               │ no header at all: the default admin (a simplification, see docs/sim.md)
//!               ▼
//!             UserInfo {name, uid, groups + system:authenticated}
//!               ▼
//!             authorize (RequestAttributes from method + path: verb, group, resource, ...)
//!               │ system:masters: allowed
//!               │ RBAC: ClusterRoleBindings, then RoleBindings of the namespace
//!               │ refused: 403 Forbidden in the real server's words
//!               ▼
//!             handle (the user reaches the reviews and the audit log)
//! ```
//!
//! The same authorizer answers SubjectAccessReviews, so what a review says and what a request
//! meets are one decision.

pub mod attributes;
pub mod authenticate;
pub mod authorizer;
pub mod bootstrap;
pub mod csv;
pub mod enforce;
pub mod reviews;
pub mod rules;
pub mod token_request;
pub mod tokens;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use self::{
    attributes::{RequestAttributes, ResourceAttributes},
    authorizer::Decision,
    tokens::{TokenFileError, Tokens},
};

/// The group whose members may do everything (`user.SystemPrivilegedGroup`).
pub const SYSTEM_MASTERS: &str = "system:masters";
/// The group every authenticated user is in.
pub const AUTHENTICATED: &str = "system:authenticated";
/// The group of requests no authenticator recognised.
pub const UNAUTHENTICATED: &str = "system:unauthenticated";
/// The user of requests no authenticator recognised.
pub const ANONYMOUS: &str = "system:anonymous";
/// The user a request without any credentials is taken for (the hollow cluster's default
/// kubeconfig has none): kubeadm's admin, in `system:masters`.
pub const DEFAULT_ADMIN: &str = "kubernetes-admin";
/// A static token every server knows, for [`DEFAULT_ADMIN`]: the kubeconfig of an HTTPS
/// cluster carries it, because kubectl asks for a user name and password at the terminal when a
/// TLS cluster's user has no credentials at all.
pub const ADMIN_TOKEN: &str = "hollow-admin-token";
/// The prefix of service-account user names.
pub const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";

/// Who made a request (`user.Info`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// User name (`alice`, `system:serviceaccount:shop:robot`).
    pub name: String,
    /// The user's uid.
    pub uid: String,
    /// Groups, in the order the authenticator gave them.
    pub groups: Vec<String>,
    /// Extra attributes (`authentication.kubernetes.io/credential-id`).
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// A user with these groups and no uid or extras.
    pub fn new(name: impl Into<String>, groups: &[&str]) -> Self {
        Self {
            name: name.into(),
            uid: String::new(),
            groups: groups.iter().map(|g| (*g).to_string()).collect(),
            extra: BTreeMap::new(),
        }
    }

    /// The user of a request without credentials: [`DEFAULT_ADMIN`].
    pub fn default_admin() -> Self {
        Self::new(DEFAULT_ADMIN, &[SYSTEM_MASTERS, AUTHENTICATED])
    }

    /// The anonymous user (`system:anonymous`, group `system:unauthenticated`).
    pub fn anonymous() -> Self {
        Self::new(ANONYMOUS, &[UNAUTHENTICATED])
    }

    /// Whether the user is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// Adds `system:authenticated` unless the user already has it or
    /// `system:unauthenticated`, or is anonymous (the `AuthenticatedGroupAdder`).
    #[must_use]
    pub fn with_authenticated_group(mut self) -> Self {
        if self.name != ANONYMOUS && !self.in_group(AUTHENTICATED) && !self.in_group(UNAUTHENTICATED) {
            self.groups.push(AUTHENTICATED.to_string());
        }
        self
    }

    /// The `authentication.k8s.io/v1` UserInfo JSON (`username`, `uid`, `groups`, `extra`),
    /// with Go's `omitempty`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        if !self.name.is_empty() {
            out.insert("username".into(), self.name.clone().into());
        }
        if !self.uid.is_empty() {
            out.insert("uid".into(), self.uid.clone().into());
        }
        if !self.groups.is_empty() {
            out.insert("groups".into(), self.groups.clone().into());
        }
        if !self.extra.is_empty() {
            out.insert("extra".into(), serde_json::json!(self.extra));
        }
        serde_json::Value::Object(out)
    }
}

/// The service-account user name of `namespace`/`name`.
pub fn service_account_user(namespace: &str, name: &str) -> String {
    format!("{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}")
}
