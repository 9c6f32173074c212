//! Who is asking, as the API server sees it: `kubectl auth whoami`'s SelfSubjectReview
//! (`POST /apis/authentication.k8s.io/v1/selfsubjectreviews`) gives the user name and groups
//! the server authenticated. A server that does not serve it (404, or a proxy that refuses
//! it) leaves the kubeconfig context's user name, else `$USER`, with no groups.

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::{Api, api::PostParams};
use serde_json::Value;

use super::target::Target;

/// A requester's identity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// The user name.
    pub username: String,
    /// Their groups (empty when the server did not say).
    pub groups: Vec<String>,
    /// Whether the API server said so (false: taken from the kubeconfig).
    pub authenticated: bool,
}

/// Reads a SelfSubjectReview's answer (`status.userInfo`); `None` when it names nobody.
pub fn from_review(review: &Value) -> Option<Identity> {
    let info = review.pointer("/status/userInfo")?;
    let username = info.get("username").and_then(Value::as_str).filter(|u| !u.is_empty())?.to_string();
    let groups = info
        .get("groups")
        .and_then(Value::as_array)
        .map(|g| g.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    Some(Identity { username, groups, authenticated: true })
}

/// Asks the API server; falls back to the kubeconfig user (see the module docs).
pub async fn whoami(client: &kube::Client, target: &Target) -> Identity {
    let api: Api<SelfSubjectReview> = Api::all(client.clone());
    let review = SelfSubjectReview::default();
    match api.create(&PostParams::default(), &review).await {
        Ok(answer) => {
            if let Some(id) = serde_json::to_value(&answer).ok().as_ref().and_then(from_review) {
                return id;
            }
        }
        Err(e) => tracing::debug!(error = %e, "SelfSubjectReview not available; using the kubeconfig user"),
    }
    fallback(target)
}

/// The kubeconfig context's user, else `$USER`.
fn fallback(target: &Target) -> Identity {
    let username = target.kubeconfig_user().or_else(|| std::env::var("USER").ok()).unwrap_or_default();
    Identity { username, groups: Vec::new(), authenticated: false }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_review_gives_the_user_and_groups() {
        let answer = json!({
            "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
            "metadata": {"creationTimestamp": null},
            "status": {"userInfo": {"username": "alice@example.com", "uid": "u-1",
                                    "groups": ["sre", "system:authenticated"]}},
        });
        let id = from_review(&answer).unwrap();
        assert_eq!(id.username, "alice@example.com");
        assert_eq!(id.groups, vec!["sre", "system:authenticated"]);
        assert!(id.authenticated);
    }

    #[test]
    fn without_a_review_the_kubeconfig_context_names_the_user() {
        let dir = std::env::temp_dir().join(format!("ramp-whoami-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kubeconfig");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://x'}}]\n\
             users: [{name: ci-bot, user: {}}, {name: other, user: {}}]\n\
             contexts: [{name: a, context: {cluster: c, user: ci-bot}}, {name: b, context: {cluster: c, user: other}}]\n\
             current-context: a\n",
        )
        .unwrap();
        let target = Target { kubeconfig: Some(path.clone()), ..Default::default() };
        assert_eq!(
            fallback(&target),
            Identity { username: "ci-bot".into(), groups: vec![], authenticated: false }
        );
        let other = Target { kubeconfig: Some(path), context: Some("b".into()), ..Default::default() };
        assert_eq!(fallback(&other).username, "other");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_review_that_names_nobody_is_not_an_identity() {
        assert_eq!(from_review(&json!({"status": {"userInfo": {}}})), None);
        assert_eq!(from_review(&json!({"status": {}})), None);
        let no_groups = from_review(&json!({"status": {"userInfo": {"username": "bob"}}})).unwrap();
        assert!(no_groups.groups.is_empty());
    }
}
