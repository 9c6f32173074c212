//! The real kubectl with bearer tokens (`--token`): `auth whoami`, `auth can-i`, refusals in the
//! real words, `create token`, and RBAC objects from `kubectl apply` and `kubectl create`
//! (which sends them as protobuf).

use crate::common::kubectl::Kubectl;

const RBAC: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: rollout-operator
rules:
  - apiGroups: ["ramp.dev"]
    resources: ["rollouts"]
    verbs: ["get", "list", "watch", "patch", "approve"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: devs-operate-rollouts
  namespace: shop
subjects:
  - kind: Group
    name: devs
    apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: rollout-operator
  apiGroup: rbac.authorization.k8s.io
"#;

/// A cluster with the Rollout CRD, namespaces `shop` and `bank`, the Rollout `shop/web`, and
/// the tokens `t-alice` (alice, group devs) and `t-bob` (bob).
async fn world(name: &str) -> Kubectl {
    // kubectl sends a token only to an https server.
    let k = Kubectl::start_tls(name).await;
    k.running.server.auth().add_token("t-alice", "alice", "uid-alice", &["devs"]);
    k.running.server.auth().add_token("t-bob", "bob", "uid-bob", &[] as &[&str]);
    k.ok(&["apply", "-f", "crds/rollout.yaml"]).await;
    k.ok(&["wait", "--for=condition=established", "crd/rollouts.ramp.dev", "--timeout=10s"]).await;
    k.ok(&["create", "namespace", "shop"]).await;
    k.ok(&["create", "namespace", "bank"]).await;
    let root = crate::common::kubectl::workspace_root();
    let example = std::fs::read_to_string(root.join("examples/rolling.yaml")).unwrap();
    let web = example.split("---").next().unwrap().replace("namespace: default", "namespace: shop");
    let file = k.dir.join("web.yaml");
    std::fs::write(&file, web).unwrap();
    k.ok(&["apply", "-f", file.to_str().unwrap()]).await;
    k
}

/// `kubectl auth can-i` as `token`: its answer and whether it exited 0.
async fn can_i(k: &Kubectl, token: &str, args: &[&str]) -> (String, bool) {
    let mut all = vec!["--token", token, "auth", "can-i"];
    all.extend_from_slice(args);
    let out = k.run(&all).await;
    (String::from_utf8_lossy(&out.stdout).trim().to_string(), out.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_whoami_can_i_and_refusals() {
    let k = world("auth-can-i").await;
    let rbac = k.dir.join("rbac.yaml");
    std::fs::write(&rbac, RBAC).unwrap();
    let applied = k.ok(&["apply", "-f", rbac.to_str().unwrap()]).await;
    assert!(applied.contains("clusterrole.rbac.authorization.k8s.io/rollout-operator created"), "{applied}");

    let whoami = k.ok(&["--token", "t-alice", "auth", "whoami"]).await;
    let rows: Vec<Vec<&str>> = whoami.lines().map(|l| l.split_whitespace().collect()).collect();
    assert!(rows.contains(&vec!["Username", "alice"]), "{whoami}");
    assert!(rows.contains(&vec!["UID", "uid-alice"]), "{whoami}");
    assert!(rows.contains(&vec!["Groups", "[devs", "system:authenticated]"]), "{whoami}");
    let admin = k.ok(&["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]).await;
    assert_eq!(admin, "kubernetes-admin", "no credentials: the default admin");

    assert_eq!(
        can_i(&k, "t-alice", &["patch", "rollouts.ramp.dev", "-n", "shop"]).await,
        ("yes".into(), true)
    );
    assert_eq!(
        can_i(&k, "t-alice", &["approve", "rollouts.ramp.dev/web", "-n", "shop"]).await,
        ("yes".into(), true)
    );
    assert_eq!(
        can_i(&k, "t-alice", &["patch", "rollouts.ramp.dev", "-n", "bank"]).await,
        ("no".into(), false)
    );
    assert_eq!(
        can_i(&k, "t-alice", &["delete", "rollouts.ramp.dev", "-n", "shop"]).await,
        ("no".into(), false)
    );
    assert_eq!(can_i(&k, "t-bob", &["get", "rollouts.ramp.dev", "-n", "shop"]).await, ("no".into(), false));
    assert_eq!(can_i(&k, "t-bob", &["get", "/healthz"]).await, ("yes".into(), true));
    let (list, _) = can_i(&k, "t-alice", &["--list", "-n", "shop"]).await;
    let rollout_row = list.lines().find(|l| l.starts_with("rollouts.ramp.dev")).unwrap_or_default();
    assert!(rollout_row.contains("[get list watch patch approve]"), "{list}");

    let got = k.ok(&["--token", "t-alice", "get", "rollouts", "-n", "shop", "-o", "name"]).await;
    assert_eq!(got.trim(), "rollout.ramp.dev/web");
    let listed = k.fails(&["--token", "t-alice", "get", "rollouts", "-n", "bank"]).await;
    assert!(
        listed.contains(r#"Error from server (Forbidden): rollouts.ramp.dev is forbidden: User "alice" cannot list resource "rollouts" in API group "ramp.dev" in the namespace "bank""#),
        "{listed}"
    );
    // kubectl patch reads the object first: bob may read, not write.
    k.ok(&["create", "role", "rollout-reader", "--verb=get", "--resource=rollouts.ramp.dev", "-n", "shop"])
        .await;
    k.ok(&["create", "rolebinding", "bob-reads", "--role=rollout-reader", "--user=bob", "-n", "shop"]).await;
    let patched = k
        .fails(&[
            "--token",
            "t-bob",
            "patch",
            "rollout",
            "web",
            "-n",
            "shop",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"paused":true}}"#,
        ])
        .await;
    assert!(
        patched.contains(r#"Error from server (Forbidden): rollouts.ramp.dev "web" is forbidden: User "bob" cannot patch resource "rollouts" in API group "ramp.dev" in the namespace "shop""#),
        "{patched}"
    );
    k.ok(&[
        "--token",
        "t-alice",
        "patch",
        "rollout",
        "web",
        "-n",
        "shop",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"paused":true}}"#,
    ])
    .await;
    let unknown = k.fails(&["--token", "t-nobody", "get", "pods"]).await;
    assert!(unknown.contains("error: You must be logged in to the server (Unauthorized)"), "{unknown}");
    // The audit log knows who paused it.
    let audit = k.running.server.audit.lock().unwrap();
    let pause = audit
        .iter()
        .rev()
        .find(|e| e.method == "PATCH" && e.path.ends_with("/rollouts/web") && e.code == 200)
        .unwrap();
    assert_eq!(pause.user, "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_create_token_and_roles_for_a_service_account() {
    let k = world("auth-token").await;
    k.ok(&["create", "serviceaccount", "robot", "-n", "shop"]).await;
    let token = k.ok(&["create", "token", "robot", "-n", "shop"]).await.trim().to_string();
    assert_eq!(token.split('.').count(), 3, "a JWT-shaped token: {token}");
    let me = k
        .ok(&[
            "--token",
            &token,
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username} {.status.userInfo.groups}",
        ])
        .await;
    assert_eq!(
        me,
        r#"system:serviceaccount:shop:robot ["system:serviceaccounts","system:serviceaccounts:shop","system:authenticated"]"#
    );
    let err = k.fails(&["create", "token", "ghost", "-n", "shop"]).await;
    assert!(err.contains(r#"serviceaccounts "ghost" not found"#), "{err}");

    // kubectl create sends these as protobuf.
    let role = k
        .ok(&["create", "role", "reader", "--verb=get,list", "--resource=rollouts.ramp.dev", "-n", "shop"])
        .await;
    assert!(role.contains("role.rbac.authorization.k8s.io/reader created"), "{role}");
    k.ok(&["create", "rolebinding", "reader", "--role=reader", "--serviceaccount=shop:robot", "-n", "shop"])
        .await;
    k.ok(&["create", "clusterrole", "ns-reader", "--verb=get,list", "--resource=namespaces"]).await;
    k.ok(&[
        "create",
        "clusterrolebinding",
        "robot-ns",
        "--clusterrole=ns-reader",
        "--serviceaccount=shop:robot",
    ])
    .await;
    let rules = k.ok(&["get", "role", "reader", "-n", "shop", "-o", "jsonpath={.rules}"]).await;
    assert_eq!(rules, r#"[{"apiGroups":["ramp.dev"],"resources":["rollouts"],"verbs":["get","list"]}]"#);
    let bound = k.ok(&["get", "rolebinding", "reader", "-n", "shop", "-o", "wide"]).await;
    assert!(bound.contains("Role/reader") && bound.contains("shop/robot"), "{bound}");

    let listed = k.ok(&["--token", &token, "get", "rollouts", "-n", "shop", "-o", "name"]).await;
    assert_eq!(listed.trim(), "rollout.ramp.dev/web");
    assert!(k.ok(&["--token", &token, "get", "namespaces", "-o", "name"]).await.contains("namespace/bank"));
    let refused = k.fails(&["--token", &token, "delete", "rollout", "web", "-n", "shop"]).await;
    assert!(
        refused.contains(r#"rollouts.ramp.dev "web" is forbidden: User "system:serviceaccount:shop:robot" cannot delete resource "rollouts" in API group "ramp.dev" in the namespace "shop""#),
        "{refused}"
    );
    // The default roles are there to bind.
    let roles = k.ok(&["get", "clusterroles", "-o", "name"]).await;
    for name in ["cluster-admin", "admin", "edit", "view", "system:discovery", "system:auth-delegator"] {
        assert!(
            roles.lines().any(|l| l == format!("clusterrole.rbac.authorization.k8s.io/{name}")),
            "{name}: {roles}"
        );
    }
}
