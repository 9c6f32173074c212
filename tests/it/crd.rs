//! The generated CRD: committed copy matches the types, it fits a client-side apply, it has
//! the names, subresources and columns users rely on, and its CEL rules reject what they say.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use ramp::api::crd::{crds_yaml, rollout_crd};
use serde_json::{Value, json};

/// `kubectl apply` stores the object in an annotation limited to 256 KiB in total.
const LAST_APPLIED_LIMIT: usize = 256 * 1024;

fn crd() -> CustomResourceDefinition {
    rollout_crd().expect("CRD generates")
}

fn schema() -> Value {
    let crd = crd();
    serde_json::to_value(crd.spec.versions[0].schema.as_ref().unwrap().open_api_v3_schema.as_ref().unwrap())
        .unwrap()
}

#[test]
fn committed_crds_match_the_types() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/crds/rollout.yaml"))
        .expect("crds/rollout.yaml exists");
    assert!(
        committed == crds_yaml().unwrap(),
        "crds/rollout.yaml is stale: regenerate it with `cargo run -- crd > crds/rollout.yaml`"
    );
}

#[test]
fn committed_reference_matches_the_types() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reference.md"))
        .expect("docs/reference.md exists");
    let generated = ramp::api::reference::reference_markdown().unwrap();
    assert!(
        committed == generated,
        "docs/reference.md is stale: regenerate it with `cargo run -- crd --reference > docs/reference.md`"
    );
    for field in ["`spec.strategy.rollingUpdate.maxSurge`", "`spec.progressDeadline` | duration | `\"10m\"`"]
    {
        assert!(generated.contains(field), "{field} missing");
    }
}

#[test]
fn crd_fits_a_client_side_apply() {
    // Each CRD is applied (and annotated) on its own.
    for crd in ramp::api::crd::all_crds().unwrap() {
        let name = crd.metadata.name.clone().unwrap_or_default();
        let yaml = serde_saphyr::to_string(&crd).unwrap();
        let json = serde_json::to_string(&crd).unwrap();
        assert!(yaml.len() < LAST_APPLIED_LIMIT, "{name}: YAML is {} bytes", yaml.len());
        assert!(
            json.len() < LAST_APPLIED_LIMIT,
            "{name}: JSON (what the annotation holds) is {} bytes",
            json.len()
        );
    }
    assert!(crds_yaml().unwrap().starts_with("# "), "the stream starts with the generated-file header");
}

#[test]
fn names_subresources_and_columns() {
    let crd = crd();
    assert_eq!(crd.metadata.name.as_deref(), Some("rollouts.ramp.dev"));
    assert_eq!(crd.spec.group, "ramp.dev");
    assert_eq!(crd.spec.scope, "Namespaced");
    assert_eq!(crd.spec.names.short_names, Some(vec!["rro".to_string()]));
    assert_eq!(crd.spec.names.categories, Some(vec!["ramp".to_string()]));
    let v = &crd.spec.versions[0];
    assert_eq!(v.name, "v1alpha1");
    let sub = v.subresources.as_ref().expect("subresources");
    assert!(sub.status.is_some());
    let scale = sub.scale.as_ref().expect("scale subresource for HPA");
    assert_eq!(scale.spec_replicas_path, ".spec.replicas");
    assert_eq!(scale.status_replicas_path, ".status.replicas");
    assert_eq!(scale.label_selector_path.as_deref(), Some(".status.selector"));
    let columns: Vec<&str> = v.additional_printer_columns.iter().flatten().map(|c| c.name.as_str()).collect();
    assert_eq!(columns, ["Desired", "Current", "Up-to-date", "Available", "Phase", "Step", "Weight", "Age"]);
}

#[test]
fn conditions_merge_per_type_and_defaults_are_in_the_schema() {
    let s = schema();
    let conditions = s.pointer("/properties/status/properties/conditions").unwrap();
    assert_eq!(conditions["x-kubernetes-list-type"], "map");
    assert_eq!(conditions["x-kubernetes-list-map-keys"], json!(["type"]));
    let spec = s.pointer("/properties/spec/properties").unwrap();
    assert_eq!(spec["replicas"]["default"], 1);
    assert_eq!(spec["revisionHistoryLimit"]["default"], 10);
    assert_eq!(spec["progressDeadline"]["default"], "10m");
    let surge = s
        .pointer("/properties/spec/properties/strategy/properties/rollingUpdate/properties/maxSurge")
        .unwrap();
    assert_eq!(surge["x-kubernetes-int-or-string"], true);
}

fn rollout(spec_patch: Value) -> Value {
    let mut spec = json!({
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}},
        "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}}
    });
    merge(&mut spec, spec_patch);
    json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"}, "spec": spec})
}

fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(&k);
                } else {
                    merge(b.entry(k).or_insert(Value::Null), v);
                }
            }
        }
        (b, p) => *b = p,
    }
}

/// Messages of the CEL rules that fail for `obj`.
fn cel_failures(obj: &Value) -> Vec<String> {
    match kube_cel::validate(&schema(), obj, None) {
        Ok(()) => Vec::new(),
        Err(errors) => errors.iter().map(|e| format!("{}: {}", e.field_path, e.message)).collect(),
    }
}

#[test]
fn cel_rules_accept_a_valid_rollout() {
    assert_eq!(cel_failures(&rollout(json!({}))), Vec::<String>::new());
    let canary = rollout(json!({"strategy": {"rollingUpdate": null, "canary": {
        "stableService": "web-stable", "canaryService": "web-canary",
        "trafficRouting": {"gatewayApi": {"httpRoute": "web"}},
        "steps": [{"setWeight": 20}, {"pause": {"duration": "1h30m"}}, {"approval": {}},
                  {"setCanaryScale": {"weight": 50}}, {"pause": {}}]}}}));
    assert_eq!(cel_failures(&canary), Vec::<String>::new());
}

#[test]
fn cel_rules_reject_what_the_api_server_must_refuse() {
    let cases = [
        (json!({"template": null}), "exactly one of template or workloadRef"),
        (
            json!({"workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}),
            "exactly one of template or workloadRef",
        ),
        (json!({"strategy": {"canary": {}}}), "exactly one of rollingUpdate, blueGreen or canary"),
        (json!({"strategy": {"rollingUpdate": null}}), "exactly one of rollingUpdate, blueGreen or canary"),
        (
            json!({"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}}),
            "must not both be 0",
        ),
        (json!({"strategy": {"rollingUpdate": {"maxUnavailable": "101%"}}}), "0% to 100%"),
        (json!({"strategy": {"rollingUpdate": {"maxUnavailable": -1}}}), "0% to 100%"),
        (json!({"strategy": {"rollingUpdate": {"maxSurge": "lots"}}}), "percentage such as 25%"),
        (json!({"progressDeadline": "5 min"}), "must be a duration"),
        (
            json!({"strategy": {"rollingUpdate": null, "canary": {"steps": [{"setWeight": 10, "pause": {}}]}}}),
            "exactly one of setWeight, pause",
        ),
        (
            json!({"strategy": {"rollingUpdate": null, "canary": {"steps": [{"pause": {"duration": "soon"}}]}}}),
            "must be a duration",
        ),
        (
            json!({"strategy": {"rollingUpdate": null, "canary": {"trafficRouting": {"gatewayApi": {"httpRoute": "r"}}}}}),
            "trafficRouting needs stableService and canaryService",
        ),
        (
            json!({"strategy": {"rollingUpdate": null, "blueGreen": {"activeService": "a", "previewService": "a"}}}),
            "previewService must differ",
        ),
        (
            json!({"strategy": {"rollingUpdate": null, "blueGreen": {"activeService": "a", "autoPromotionAfter": "1m",
                "approval": {"required": 2}}}}),
            "approval replaces automatic promotion",
        ),
        (
            json!({"strategy": {"rollingUpdate": null, "canary": {"steps": [{"approval": {"timeout": "a while"}}]}}}),
            "must be a duration",
        ),
    ];
    for (patch, want) in cases {
        let failures = cel_failures(&rollout(patch.clone()));
        assert!(
            failures.iter().any(|f| f.contains(want)),
            "{patch} should fail with {want:?}, got {failures:?}"
        );
    }
}

#[test]
fn setweight_bounds_are_in_the_schema() {
    let s = schema();
    let w = s.pointer("/properties/spec/properties/strategy/properties/canary/properties/steps/items/properties/setWeight").unwrap();
    assert_eq!((w["minimum"].as_f64(), w["maximum"].as_f64()), (Some(0.0), Some(100.0)));
}
