//! Who is asking and what they may do. A [`Reviewer`] answers both questions; the
//! Kubernetes one asks the API server (TokenReview, SubjectAccessReview, see `review.rs`),
//! the static one reads a token file (`tokens.rs`, for `ramp demo` only).
//!
//! Every request that reads or acts carries a token: `Authorization: Bearer TOKEN` (scripts)
//! or the session cookie the login form set (browsers). Reading a Rollout needs verb `get`
//! on `rollouts.ramp.dev` (the list needs `list`); each action needs its own custom verb on
//! that Rollout, so an administrator can grant `approve` without `abort`.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use serde::Serialize;

/// Someone the reviewer authenticated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// The user name (`system:serviceaccount:ns:name` for a service account).
    pub username: String,
    /// The user's uid, if the authenticator gives one.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// The user's groups.
    pub groups: Vec<String>,
    /// Extra attributes the authenticator gave (handed back in each access review).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
    /// Who vouched for it.
    pub source: Source,
}

/// Where an identity comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// A TokenReview by the API server; access is asked with SubjectAccessReviews.
    Kubernetes,
    /// The static token file of `ramp demo`: full rights, no reviews.
    TokenFile,
}

/// The verbs the dashboard asks about, on `rollouts` of API group `ramp.dev`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Verb {
    /// Read one Rollout (the detail page and API).
    Get,
    /// Read the list.
    List,
    /// `promote` and `promote --full`.
    Promote,
    /// `abort`.
    Abort,
    /// `retry`.
    Retry,
    /// `approve` an approval step.
    Approve,
    /// `reject` an approval step.
    Reject,
}

impl Verb {
    /// The verbs of the action buttons, in their order on the page.
    pub const ACTIONS: [Verb; 5] = [Verb::Promote, Verb::Abort, Verb::Retry, Verb::Approve, Verb::Reject];

    /// The verb as RBAC rules name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Promote => "promote",
            Verb::Abort => "abort",
            Verb::Retry => "retry",
            Verb::Approve => "approve",
            Verb::Reject => "reject",
        }
    }
}

/// What is asked: a verb on Rollouts, in a namespace (empty: every namespace), on one by
/// name or on all.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Access {
    /// The verb.
    pub verb: Verb,
    /// The namespace; empty for a cluster-wide question.
    pub namespace: String,
    /// The Rollout's name; empty for all of them.
    pub name: String,
}

impl Access {
    /// `verb` on Rollout `name` in `namespace`.
    pub fn on(verb: Verb, namespace: &str, name: &str) -> Self {
        Self { verb, namespace: namespace.into(), name: name.into() }
    }

    /// `list` of Rollouts in `namespace` (empty: all namespaces).
    pub fn list(namespace: &str) -> Self {
        Self { verb: Verb::List, namespace: namespace.into(), name: String::new() }
    }
}

/// Why a review could not be made (as opposed to a "no").
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The API server did not answer the review.
    #[error("cannot review the request with the API server: {0}")]
    Unavailable(String),
    /// The API server refused the review itself (the controller lacks RBAC to create
    /// TokenReviews or SubjectAccessReviews).
    #[error(
        "the API server refused the review ({0}); the controller's role must allow creating tokenreviews and subjectaccessreviews"
    )]
    Refused(String),
}

/// Authenticates tokens and authorizes identities.
pub trait Reviewer: Send + Sync {
    /// Who holds `token`; `None` when the token is not valid.
    fn authenticate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<Identity>, ReviewError>>;

    /// Whether `who` may do `what`.
    fn authorize<'a>(
        &'a self,
        who: &'a Identity,
        what: &'a Access,
    ) -> BoxFuture<'a, Result<bool, ReviewError>>;
}
