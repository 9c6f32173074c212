//! kube-rs with a token: over TCP from a kubeconfig with `token:`, and in process.

use hollow::{clock::Clock, embedded, transport};
use k8s_openapi::api::{
    authentication::v1::{SelfSubjectReview, TokenReview, TokenReviewSpec},
    authorization::v1::{
        ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec, SubjectAccessReview,
        SubjectAccessReviewSpec,
    },
    core::v1::ConfigMap,
};
use kube::{
    Api, Client,
    api::{ListParams, PostParams},
    config::{KubeConfigOptions, Kubeconfig},
};
use serde_json::json;

async fn client_for(running: &embedded::Running, token: &str) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(&embedded::kubeconfig_with_token(&running.url(), token)).unwrap();
    let config =
        kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap();
    Client::try_from(config).unwrap()
}

fn approve(namespace: &str) -> ResourceAttributes {
    ResourceAttributes {
        namespace: Some(namespace.into()),
        verb: Some("approve".into()),
        group: Some("ramp.dev".into()),
        resource: Some("rollouts".into()),
        name: Some("web".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn kube_rs_over_tcp_with_a_token_kubeconfig() {
    let running = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
    let server = running.server.clone();
    server.auth().add_token("t-alice", "alice", "uid-alice", &["devs"]);
    let alice = client_for(&running, "t-alice").await;
    let admin = Client::try_from(kube::Config::new(running.url().parse().unwrap())).unwrap();

    // Who am I, and what may I do.
    let me = Api::<SelfSubjectReview>::all(alice.clone())
        .create(&PostParams::default(), &serde_json::from_value(json!({"metadata": {}})).unwrap())
        .await
        .unwrap();
    let info = me.status.unwrap().user_info.unwrap();
    assert_eq!(info.username.as_deref(), Some("alice"));
    assert_eq!(info.groups.unwrap(), ["devs", "system:authenticated"]);

    let err = Api::<ConfigMap>::namespaced(alice.clone(), "default")
        .list(&ListParams::default())
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else { panic!("{err:?}") };
    assert_eq!(status.code, 403);
    assert_eq!(status.reason, "Forbidden");
    assert_eq!(
        status.message,
        "configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\""
    );

    let ssar = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(approve("default")),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = Api::<SelfSubjectAccessReview>::all(alice.clone())
        .create(&PostParams::default(), &ssar)
        .await
        .unwrap();
    assert!(!answer.status.unwrap().allowed);

    // What the dashboard does: TokenReview, then SubjectAccessReview for the user it names.
    let review = TokenReview {
        spec: TokenReviewSpec { token: Some("t-alice".into()), ..Default::default() },
        ..Default::default()
    };
    let reviewed =
        Api::<TokenReview>::all(admin.clone()).create(&PostParams::default(), &review).await.unwrap();
    let status = reviewed.status.unwrap();
    assert_eq!(status.authenticated, Some(true));
    let user = status.user.unwrap();
    let sar = |user: &k8s_openapi::api::authentication::v1::UserInfo| SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: user.username.clone(),
            groups: user.groups.clone(),
            uid: user.uid.clone(),
            resource_attributes: Some(approve("default")),
            ..Default::default()
        },
        ..Default::default()
    };
    let sars = Api::<SubjectAccessReview>::all(admin.clone());
    assert!(!sars.create(&PostParams::default(), &sar(&user)).await.unwrap().status.unwrap().allowed);
    let binding = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "approvers"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "rollout-approver"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "devs"}],
    });
    let role = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "rollout-approver"},
        "rules": [{"apiGroups": ["ramp.dev"], "resources": ["rollouts"], "verbs": ["approve"]}],
    });
    let roles: Api<k8s_openapi::api::rbac::v1::ClusterRole> = Api::all(admin.clone());
    roles.create(&PostParams::default(), &serde_json::from_value(role).unwrap()).await.unwrap();
    let bindings: Api<k8s_openapi::api::rbac::v1::ClusterRoleBinding> = Api::all(admin.clone());
    bindings.create(&PostParams::default(), &serde_json::from_value(binding).unwrap()).await.unwrap();
    let allowed = sars.create(&PostParams::default(), &sar(&user)).await.unwrap().status.unwrap();
    assert!(allowed.allowed);
    assert_eq!(
        allowed.reason.as_deref(),
        Some(
            "RBAC: allowed by ClusterRoleBinding \"approvers\" of ClusterRole \"rollout-approver\" to Group \"devs\""
        )
    );
    running.stop().await.unwrap();
}

#[tokio::test]
async fn kube_rs_over_https_trusts_the_test_ca() {
    let running = embedded::start_tls("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
    assert!(running.url().starts_with("https://127.0.0.1:"));
    running.server.auth().add_token("t-alice", "alice", "uid-alice", &["devs"]);
    let alice = client_for(&running, "t-alice").await;
    let me = Api::<SelfSubjectReview>::all(alice)
        .create(&PostParams::default(), &serde_json::from_value(json!({"metadata": {}})).unwrap())
        .await
        .unwrap();
    assert_eq!(me.status.unwrap().user_info.unwrap().username.as_deref(), Some("alice"));
    // Without credentials over TLS: still the default admin.
    let kubeconfig = Kubeconfig::from_yaml(&running.kubeconfig()).unwrap();
    let config =
        kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap();
    let admin = Client::try_from(config).unwrap();
    assert!(Api::<ConfigMap>::namespaced(admin, "default").list(&ListParams::default()).await.is_ok());
    running.stop().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn in_process_client_with_a_token() {
    let server = hollow::apiserver::ApiServer::new(Clock::tokio_at(hollow::clock::epoch()));
    server.auth().add_token("t-bob", "bob", "", &[] as &[&str]);
    let bob = transport::client_with_token(&server, "t-bob");
    let err = Api::<ConfigMap>::namespaced(bob, "default").list(&ListParams::default()).await.unwrap_err();
    assert!(matches!(err, kube::Error::Api(ref s) if s.code == 403), "{err:?}");
    let nobody = transport::client_with_token(&server, "t-nobody");
    let err = Api::<ConfigMap>::namespaced(nobody, "default").list(&ListParams::default()).await.unwrap_err();
    assert!(matches!(err, kube::Error::Api(ref s) if s.code == 401 && s.reason == "Unauthorized"), "{err:?}");
    let admin = transport::client(&server);
    assert!(Api::<ConfigMap>::namespaced(admin, "default").list(&ListParams::default()).await.is_ok());
}
