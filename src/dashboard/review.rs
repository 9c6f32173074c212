//! The Kubernetes reviewer: a TokenReview says who holds a token, a SubjectAccessReview
//! whether they may use a verb on a Rollout. Both are created with the controller's own
//! client (its role allows `create` on `tokenreviews` and `subjectaccessreviews`), and their
//! answers are kept briefly.

use std::time::Duration;

use futures::{FutureExt, future::BoxFuture};
use k8s_openapi::api::{
    authentication::v1::{TokenReview, TokenReviewSpec},
    authorization::v1::{ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec},
};
use kube::{Api, Client, api::PostParams};

use super::{
    auth::{Access, Identity, ReviewError, Reviewer, Source},
    cache::{TtlCache, key},
};
use crate::controller::act::bounded;

/// How long a valid token is trusted without asking again: a revoked token works at most
/// this long.
pub const AUTHENTICATED_FOR: Duration = Duration::from_secs(30);
/// How long an invalid token is remembered (so guessing costs the API server nothing).
pub const REJECTED_FOR: Duration = Duration::from_secs(5);
/// How long an access answer is kept: a changed RoleBinding takes effect within this.
pub const AUTHORIZED_FOR: Duration = Duration::from_secs(10);
/// Answers kept of each kind (a few per user and Rollout page).
const CAPACITY: usize = 4096;

/// Reviews with the API server.
pub struct KubeReviewer {
    client: Client,
    tokens: TtlCache<Option<Identity>>,
    access: TtlCache<bool>,
}

impl KubeReviewer {
    /// A reviewer asking through `client`.
    pub fn new(client: Client) -> Self {
        Self { client, tokens: TtlCache::new(CAPACITY), access: TtlCache::new(CAPACITY) }
    }

    async fn token_review(&self, token: &str) -> Result<Option<Identity>, ReviewError> {
        let review = TokenReview {
            spec: TokenReviewSpec { token: Some(token.into()), audiences: None },
            ..Default::default()
        };
        let api: Api<TokenReview> = Api::all(self.client.clone());
        let out = bounded(api.create(&PostParams::default(), &review)).await.map_err(review_error)?;
        let Some(status) = out.status else { return Ok(None) };
        if status.authenticated != Some(true) {
            return Ok(None);
        }
        let user = status.user.unwrap_or_default();
        let Some(username) = user.username.filter(|u| !u.is_empty()) else { return Ok(None) };
        Ok(Some(Identity {
            username,
            uid: user.uid.unwrap_or_default(),
            groups: user.groups.unwrap_or_default(),
            extra: user.extra.unwrap_or_default().into_iter().collect(),
            source: Source::Kubernetes,
        }))
    }

    async fn access_review(&self, who: &Identity, what: &Access) -> Result<bool, ReviewError> {
        let review = SubjectAccessReview { spec: sar_spec(who, what), ..Default::default() };
        let api: Api<SubjectAccessReview> = Api::all(self.client.clone());
        let out = bounded(api.create(&PostParams::default(), &review)).await.map_err(review_error)?;
        Ok(out.status.is_some_and(|s| s.allowed && s.denied != Some(true)))
    }
}

/// The SubjectAccessReview's spec: `who`, and `what` on `rollouts.ramp.dev`.
pub fn sar_spec(who: &Identity, what: &Access) -> SubjectAccessReviewSpec {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    SubjectAccessReviewSpec {
        user: Some(who.username.clone()),
        uid: some(&who.uid),
        groups: Some(who.groups.clone()),
        extra: (!who.extra.is_empty()).then(|| who.extra.clone().into_iter().collect()),
        resource_attributes: Some(ResourceAttributes {
            group: Some("ramp.dev".into()),
            resource: Some("rollouts".into()),
            verb: Some(what.verb.as_str().into()),
            namespace: some(&what.namespace),
            name: some(&what.name),
            ..Default::default()
        }),
        non_resource_attributes: None,
    }
}

fn review_error(e: kube::Error) -> ReviewError {
    match e {
        kube::Error::Api(s) if s.code == 401 || s.code == 403 => ReviewError::Refused(s.message),
        other => ReviewError::Unavailable(other.to_string()),
    }
}

fn access_key(who: &Identity, what: &Access) -> super::cache::Key {
    let mut parts: Vec<&[u8]> = vec![
        who.username.as_bytes(),
        who.uid.as_bytes(),
        what.verb.as_str().as_bytes(),
        what.namespace.as_bytes(),
        what.name.as_bytes(),
    ];
    parts.extend(who.groups.iter().map(|g| g.as_bytes()));
    // Extra attributes can change what a webhook authorizer says.
    let extra: Vec<String> = who.extra.iter().map(|(k, v)| format!("{k}={}", v.join(","))).collect();
    parts.extend(extra.iter().map(|e| e.as_bytes()));
    key(&parts)
}

impl Reviewer for KubeReviewer {
    fn authenticate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<Identity>, ReviewError>> {
        async move {
            let k = key(&[b"token", token.as_bytes()]);
            if let Some(known) = self.tokens.get(&k) {
                return Ok(known);
            }
            let found = self.token_review(token).await?;
            let ttl = if found.is_some() { AUTHENTICATED_FOR } else { REJECTED_FOR };
            self.tokens.put(k, found.clone(), ttl);
            Ok(found)
        }
        .boxed()
    }

    fn authorize<'a>(
        &'a self,
        who: &'a Identity,
        what: &'a Access,
    ) -> BoxFuture<'a, Result<bool, ReviewError>> {
        async move {
            if who.source != Source::Kubernetes {
                // Not an identity the API server knows: it may do nothing here.
                return Ok(false);
            }
            let k = access_key(who, what);
            if let Some(known) = self.access.get(&k) {
                return Ok(known);
            }
            let allowed = self.access_review(who, what).await?;
            self.access.put(k, allowed, AUTHORIZED_FOR);
            Ok(allowed)
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::auth::Verb;

    #[test]
    fn the_review_asks_about_the_rollout_with_the_users_groups() {
        let who = Identity {
            username: "alice".into(),
            uid: "u-1".into(),
            groups: vec!["release-managers".into(), "system:authenticated".into()],
            extra: Default::default(),
            source: Source::Kubernetes,
        };
        let spec = serde_json::to_value(sar_spec(&who, &Access::on(Verb::Approve, "shop", "web"))).unwrap();
        assert_eq!(
            spec,
            serde_json::json!({
                "user": "alice", "uid": "u-1", "groups": ["release-managers", "system:authenticated"],
                "resourceAttributes": {"group": "ramp.dev", "resource": "rollouts", "verb": "approve",
                                       "namespace": "shop", "name": "web"},
            })
        );
        let all = serde_json::to_value(sar_spec(&who, &Access::list(""))).unwrap();
        assert_eq!(
            all["resourceAttributes"],
            serde_json::json!({"group": "ramp.dev", "resource": "rollouts", "verb": "list"})
        );
        assert_ne!(
            access_key(&who, &Access::on(Verb::Approve, "shop", "web")),
            access_key(&who, &Access::on(Verb::Abort, "shop", "web")),
        );
    }
}
