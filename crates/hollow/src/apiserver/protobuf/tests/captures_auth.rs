//! Bodies the real `kubectl` v1.32 sends for RBAC objects, `kubectl auth` and `kubectl create
//! token` (`testdata/capture`). For the RBAC kinds and `auth whoami` the expected JSON is what
//! kubectl printed (`-o json`) when served the same bytes back; for the others (kubectl prints
//! no object) it is what the Go types give the captured fields.

use serde_json::json;

use super::super::decode;

#[test]
fn create_role() {
    // kubectl create role r1 --verb=get,list --resource=pods,rollouts.ramp.dev -n shop
    let got = decode(include_bytes!("../testdata/capture/create_role.pb")).unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "Role", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "r1", "namespace": "shop", "creationTimestamp": null},
            "rules": [
                {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]},
                {"verbs": ["get", "list"], "apiGroups": ["ramp.dev"], "resources": ["rollouts"]},
            ],
        })
    );
}

#[test]
fn create_rolebinding() {
    // kubectl create rolebinding rb1 --role=r1 --user=alice --group=devs --serviceaccount=shop:robot -n shop
    let got = decode(include_bytes!("../testdata/capture/create_rolebinding.pb")).unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "RoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "rb1", "namespace": "shop", "creationTimestamp": null},
            "subjects": [
                {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
                {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs"},
                {"kind": "ServiceAccount", "name": "robot", "namespace": "shop"},
            ],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r1"},
        })
    );
}

#[test]
fn create_clusterrole_and_clusterrolebinding() {
    // kubectl create clusterrole cr1 --verb=get --resource=pods --non-resource-url=/x
    let role = decode(include_bytes!("../testdata/capture/create_clusterrole.pb")).unwrap();
    assert_eq!(
        role,
        json!({
            "kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "cr1", "creationTimestamp": null},
            "rules": [
                {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]},
                {"verbs": ["get"], "nonResourceURLs": ["/x"]},
            ],
        })
    );
    // kubectl create clusterrolebinding crb1 --clusterrole=cr2 --user=alice
    let binding = decode(include_bytes!("../testdata/capture/create_clusterrolebinding.pb")).unwrap();
    assert_eq!(
        binding,
        json!({
            "kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "crb1", "creationTimestamp": null},
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cr2"},
        })
    );
}

#[test]
fn auth_whoami_and_create_token() {
    // kubectl auth whoami
    let whoami = decode(include_bytes!("../testdata/capture/auth_whoami.pb")).unwrap();
    assert_eq!(
        whoami,
        json!({
            "kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": null}, "status": {"userInfo": {}},
        })
    );
    // kubectl create token robot -n shop --duration=10m
    let token = decode(include_bytes!("../testdata/capture/create_token.pb")).unwrap();
    assert_eq!(
        token,
        json!({
            "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": null},
            "spec": {"audiences": null, "expirationSeconds": 600, "boundObjectRef": null},
            "status": {"token": "", "expirationTimestamp": null},
        })
    );
}

#[test]
fn auth_can_i() {
    let review = |attrs: serde_json::Value| {
        json!({
            "kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": null}, "spec": attrs, "status": {"allowed": false},
        })
    };
    // kubectl auth can-i patch rollouts.ramp.dev -n shop
    assert_eq!(
        decode(include_bytes!("../testdata/capture/auth_can_i.pb")).unwrap(),
        review(
            json!({"resourceAttributes": {"namespace": "shop", "verb": "patch", "group": "ramp.dev", "resource": "rollouts"}})
        )
    );
    // kubectl auth can-i approve rollouts.ramp.dev/web -n shop --subresource=status
    assert_eq!(
        decode(include_bytes!("../testdata/capture/auth_can_i_subresource.pb")).unwrap(),
        review(json!({"resourceAttributes": {
            "namespace": "shop", "verb": "approve", "group": "ramp.dev", "resource": "rollouts",
            "subresource": "status", "name": "web",
        }}))
    );
    // kubectl auth can-i get /healthz
    assert_eq!(
        decode(include_bytes!("../testdata/capture/auth_can_i_path.pb")).unwrap(),
        review(json!({"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}))
    );
    // kubectl auth can-i --list -n shop
    assert_eq!(
        decode(include_bytes!("../testdata/capture/auth_can_i_list.pb")).unwrap(),
        json!({
            "kind": "SelfSubjectRulesReview", "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": null}, "spec": {"namespace": "shop"},
            "status": {"resourceRules": null, "nonResourceRules": null, "incomplete": false},
        })
    );
}
