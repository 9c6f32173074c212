//! The RBAC authorizer against Roles, ClusterRoles and bindings stored in a server.

use serde_json::json;

use super::{binding, create, namespace, role, server_with};
use crate::apiserver::auth::{
    UserInfo,
    attributes::{RequestAttributes, ResourceAttributes},
};

fn rollouts(verb: &str, ns: &str, name: &str) -> RequestAttributes {
    RequestAttributes::resource(
        verb,
        ResourceAttributes {
            namespace: ns.into(),
            group: "ramp.dev".into(),
            version: "v1alpha1".into(),
            resource: "rollouts".into(),
            name: name.into(),
            ..Default::default()
        },
    )
}

fn core(verb: &str, ns: &str, resource: &str) -> RequestAttributes {
    RequestAttributes::resource(
        verb,
        ResourceAttributes {
            namespace: ns.into(),
            version: "v1".into(),
            resource: resource.into(),
            ..Default::default()
        },
    )
}

fn user(name: &str, groups: &[&str]) -> UserInfo {
    UserInfo::new(name, groups).with_authenticated_group()
}

fn approver_rule() -> serde_json::Value {
    json!({"apiGroups": ["ramp.dev"], "resources": ["rollouts"], "verbs": ["get", "list", "approve"]})
}

#[test]
fn a_rolebinding_to_a_clusterrole_grants_only_in_its_namespace() {
    let server = server_with(&[
        namespace("shop"),
        namespace("bank"),
        role(None, "rollout-approver", approver_rule()),
        binding(
            Some("shop"),
            "approvers",
            "ClusterRole",
            "rollout-approver",
            json!([{"kind": "User", "name": "alice"}]),
        ),
    ]);
    let alice = user("alice", &[]);
    let yes = server.authorize(&alice, &rollouts("approve", "shop", "web"));
    assert!(yes.allowed);
    assert_eq!(
        yes.reason,
        r#"RBAC: allowed by RoleBinding "approvers/shop" of ClusterRole "rollout-approver" to User "alice""#
    );
    assert!(!server.authorize(&alice, &rollouts("approve", "bank", "web")).allowed, "other namespace");
    assert!(!server.authorize(&alice, &rollouts("list", "", "")).allowed, "all namespaces");
    assert!(!server.authorize(&alice, &rollouts("patch", "shop", "web")).allowed, "verb not granted");
    assert!(!server.authorize(&user("bob", &[]), &rollouts("get", "shop", "web")).allowed, "other user");
}

#[test]
fn subjects_match_users_groups_and_service_accounts() {
    let server = server_with(&[
        namespace("shop"),
        namespace("ci"),
        role(Some("shop"), "reader", json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]})),
        // A ServiceAccount without a namespace is the RoleBinding's own namespace's.
        binding(
            Some("shop"),
            "readers",
            "Role",
            "reader",
            json!([{"kind": "Group", "name": "devs"}, {"kind": "ServiceAccount", "name": "robot"}]),
        ),
        role(None, "lister", json!({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["list"]})),
        binding(
            None,
            "listers",
            "ClusterRole",
            "lister",
            json!([
                {"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"},
                // In a ClusterRoleBinding a ServiceAccount needs its namespace: this one is no one.
                {"kind": "ServiceAccount", "name": "nobody"},
            ]),
        ),
    ]);
    let sa = |ns: &str, name: &str| {
        user(
            &format!("system:serviceaccount:{ns}:{name}"),
            &["system:serviceaccounts", &format!("system:serviceaccounts:{ns}")],
        )
    };
    let list_pods = core("list", "shop", "pods");
    let dev = server.authorize(&user("carol", &["devs"]), &list_pods);
    assert_eq!(dev.reason, r#"RBAC: allowed by RoleBinding "readers/shop" of Role "reader" to Group "devs""#);
    let robot = server.authorize(&sa("shop", "robot"), &list_pods);
    assert_eq!(
        robot.reason,
        r#"RBAC: allowed by RoleBinding "readers/shop" of Role "reader" to ServiceAccount "robot/shop""#
    );
    assert!(!server.authorize(&sa("ci", "robot"), &list_pods).allowed, "robot of another namespace");
    assert!(!server.authorize(&user("carol", &["ops"]), &list_pods).allowed, "other group");
    let deployer = server.authorize(&sa("ci", "deployer"), &core("list", "shop", "configmaps"));
    assert_eq!(
        deployer.reason,
        r#"RBAC: allowed by ClusterRoleBinding "listers" of ClusterRole "lister" to ServiceAccount "deployer/ci""#
    );
    assert!(!server.authorize(&sa("ci", "nobody"), &core("list", "shop", "configmaps")).allowed);
    assert!(!server.authorize(&sa("", "nobody"), &core("list", "shop", "configmaps")).allowed);
}

#[test]
fn a_missing_role_is_skipped_and_named_in_the_refusal() {
    let server = server_with(&[
        namespace("shop"),
        binding(Some("shop"), "dangling", "Role", "gone", json!([{"kind": "User", "name": "alice"}])),
        binding(
            None,
            "dangling-cluster",
            "ClusterRole",
            "gone-too",
            json!([{"kind": "User", "name": "alice"}]),
        ),
    ]);
    let refused = server.authorize(&user("alice", &[]), &core("get", "shop", "pods"));
    assert!(!refused.allowed);
    assert_eq!(
        refused.reason,
        r#"RBAC: [clusterrole.rbac.authorization.k8s.io "gone-too" not found, role.rbac.authorization.k8s.io "gone" not found]"#
    );
    // A refusal without resolution errors says nothing more, as the real authorizer.
    assert_eq!(server.authorize(&user("bob", &[]), &core("get", "shop", "pods")).reason, "");
}

#[test]
fn system_masters_may_do_anything_and_the_default_roles_do_what_they_do() {
    let server = server_with(&[namespace("shop")]);
    let admin = UserInfo::default_admin();
    let anything = server.authorize(&admin, &rollouts("approve", "shop", "web"));
    assert!(anything.allowed);
    assert_eq!(anything.reason, "", "the privileged-group authorizer gives no reason");
    let nobody = user("nobody", &[]);
    // system:discovery and system:basic-user, bound to system:authenticated.
    for path in ["/api", "/apis", "/apis/ramp.dev/v1alpha1", "/version", "/openapi/v3", "/healthz"] {
        assert!(server.authorize(&nobody, &RequestAttributes::non_resource("get", path)).allowed, "{path}");
    }
    assert!(!server.authorize(&nobody, &RequestAttributes::non_resource("get", "/metrics")).allowed);
    let ssar = RequestAttributes::resource(
        "create",
        ResourceAttributes {
            group: "authorization.k8s.io".into(),
            resource: "selfsubjectaccessreviews".into(),
            ..Default::default()
        },
    );
    assert!(server.authorize(&nobody, &ssar).allowed);
    assert!(!server.authorize(&nobody, &core("list", "shop", "pods")).allowed);
    // system:public-info-viewer is for anonymous users too; discovery is not.
    let anonymous = UserInfo::anonymous();
    assert!(server.authorize(&anonymous, &RequestAttributes::non_resource("get", "/healthz")).allowed);
    assert!(!server.authorize(&anonymous, &RequestAttributes::non_resource("get", "/apis")).allowed);
}

#[test]
fn view_edit_and_admin_aggregate_labelled_cluster_roles() {
    let server = server_with(&[namespace("shop")]);
    // A CRD's resources added to `view` by a labelled ClusterRole, as charts do.
    let mut ramp_view = role(
        None,
        "ramp-view",
        json!({"apiGroups": ["ramp.dev"], "resources": ["rollouts"], "verbs": ["get", "list", "watch"]}),
    );
    ramp_view["metadata"]["labels"] = json!({"rbac.authorization.k8s.io/aggregate-to-view": "true"});
    create(&server, &ramp_view);
    for (who, role) in [("viewer", "view"), ("editor", "edit"), ("boss", "admin")] {
        create(
            &server,
            &binding(Some("shop"), who, "ClusterRole", role, json!([{"kind": "User", "name": who}])),
        );
    }
    let can = |who: &str, request: &RequestAttributes| server.authorize(&user(who, &[]), request).allowed;
    let get_secret = core("get", "shop", "secrets");
    let patch_rs = RequestAttributes::resource(
        "patch",
        ResourceAttributes {
            namespace: "shop".into(),
            group: "apps".into(),
            resource: "replicasets".into(),
            name: "rs".into(),
            ..Default::default()
        },
    );
    let create_rolebinding = RequestAttributes::resource(
        "create",
        ResourceAttributes {
            namespace: "shop".into(),
            group: "rbac.authorization.k8s.io".into(),
            resource: "rolebindings".into(),
            ..Default::default()
        },
    );
    assert!(can("viewer", &core("list", "shop", "pods")));
    assert!(can("viewer", &rollouts("get", "shop", "web")), "aggregated from ramp-view");
    assert!(!can("viewer", &rollouts("patch", "shop", "web")));
    assert!(!can("viewer", &get_secret), "view does not read secrets");
    assert!(!can("viewer", &patch_rs));
    assert!(can("editor", &get_secret));
    assert!(can("editor", &patch_rs));
    assert!(can("editor", &rollouts("list", "shop", "")), "edit aggregates view");
    assert!(!can("editor", &create_rolebinding));
    assert!(can("boss", &create_rolebinding));
    assert!(can("boss", &rollouts("watch", "shop", "")), "admin aggregates edit, which aggregates view");
    assert!(!can("boss", &rollouts("get", "bank", "web")), "a RoleBinding stays in its namespace");
}
