//! `RuleAllows` as a table: one rule, one request, allowed or not.

use serde_json::json;

use super::super::{
    attributes::{RequestAttributes, ResourceAttributes},
    rules::PolicyRule,
};

fn req(verb: &str, group: &str, resource: &str, subresource: &str, name: &str) -> RequestAttributes {
    RequestAttributes::resource(
        verb,
        ResourceAttributes {
            namespace: "shop".into(),
            group: group.into(),
            version: "v1".into(),
            resource: resource.into(),
            subresource: subresource.into(),
            name: name.into(),
        },
    )
}

fn path(verb: &str, p: &str) -> RequestAttributes {
    RequestAttributes::non_resource(verb, p)
}

fn rule(v: serde_json::Value) -> PolicyRule {
    serde_json::from_value(v).unwrap()
}

#[test]
fn rules_match_as_rbac_matches_them() {
    let approve =
        rule(json!({"verbs": ["approve", "promote"], "apiGroups": ["ramp.dev"], "resources": ["rollouts"]}));
    let all = rule(json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}));
    let pods = rule(json!({"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}));
    let status =
        rule(json!({"verbs": ["patch"], "apiGroups": ["ramp.dev"], "resources": ["rollouts/status"]}));
    let scale = rule(json!({"verbs": ["update"], "apiGroups": ["apps"], "resources": ["*/scale"]}));
    let named = rule(
        json!({"verbs": ["get", "list", "create"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["settings"]}),
    );
    let urls = rule(json!({"verbs": ["get"], "nonResourceURLs": ["/healthz", "/apis/*"]}));
    let any_url = rule(json!({"verbs": ["*"], "nonResourceURLs": ["*"]}));
    let cases: Vec<(&str, &PolicyRule, RequestAttributes, bool)> = vec![
        // Custom verbs are plain verbs: granted when named, and only then.
        ("custom verb named", &approve, req("approve", "ramp.dev", "rollouts", "", "web"), true),
        ("second custom verb", &approve, req("promote", "ramp.dev", "rollouts", "", ""), true),
        ("verb not named", &approve, req("get", "ramp.dev", "rollouts", "", "web"), false),
        ("other group", &approve, req("approve", "argoproj.io", "rollouts", "", "web"), false),
        ("wildcards grant custom verbs", &all, req("abort", "ramp.dev", "rollouts", "", "web"), true),
        ("wildcards grant subresources", &all, req("update", "apps", "deployments", "scale", "web"), true),
        ("core group", &pods, req("list", "", "pods", "", ""), true),
        ("core rule, apps group", &pods, req("list", "apps", "pods", "", ""), false),
        // A resource does not grant its subresources.
        ("resource is not its status", &pods, req("get", "", "pods", "status", "p"), false),
        ("subresource named", &status, req("patch", "ramp.dev", "rollouts", "status", "web"), true),
        ("subresource is not the resource", &status, req("patch", "ramp.dev", "rollouts", "", "web"), false),
        ("*/scale", &scale, req("update", "apps", "deployments", "scale", "web"), true),
        ("*/scale any resource", &scale, req("update", "apps", "replicasets", "scale", "web"), true),
        ("*/scale not the resource", &scale, req("update", "apps", "deployments", "", "web"), false),
        ("*/scale not status", &scale, req("update", "apps", "deployments", "status", "web"), false),
        // resourceNames limit named requests; a request without a name is not granted.
        ("named object", &named, req("get", "", "configmaps", "", "settings"), true),
        ("other object", &named, req("get", "", "configmaps", "", "other"), false),
        ("list has no name", &named, req("list", "", "configmaps", "", ""), false),
        ("create has no name", &named, req("create", "", "configmaps", "", ""), false),
        // Non-resource URLs: exact, or a prefix ending in *.
        ("exact url", &urls, path("get", "/healthz"), true),
        ("prefix url", &urls, path("get", "/apis/ramp.dev/v1alpha1"), true),
        ("prefix needs its prefix", &urls, path("get", "/apis"), false),
        ("url verb", &urls, path("post", "/healthz"), false),
        ("any url", &any_url, path("delete", "/anything"), true),
        // Resource rules never grant paths and URL rules never grant resources.
        ("resource rule, path", &all, path("get", "/healthz"), false),
        ("url rule, resource", &any_url, req("get", "", "pods", "", "p"), false),
    ];
    for (what, rule, request, allowed) in cases {
        assert_eq!(rule.allows(&request), allowed, "{what}: {rule:?} / {request:?}");
    }
}

#[test]
fn rules_read_from_role_objects_and_back() {
    let role = json!({"rules": [
        {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["a"]},
        {"verbs": ["get"], "nonResourceURLs": ["/x"]},
    ]});
    let rules = PolicyRule::of_role(&role);
    assert_eq!(
        rules,
        vec![
            PolicyRule::resources(&["get"], &[""], &["pods"]).names(&["a"]),
            PolicyRule::urls(&["get"], &["/x"])
        ]
    );
    assert_eq!(rules[1].to_json(), json!({"verbs": ["get"], "nonResourceURLs": ["/x"]}));
    assert!(PolicyRule::of_role(&json!({})).is_empty());
}
