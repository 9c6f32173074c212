//! The pipeline against the schema Ramp generates (`crds/rollout.yaml`; the fixture is its
//! `openAPIV3Schema` as JSON, descriptions removed).

use serde_json::{Value, json};

use super::*;

fn schema() -> Value {
    serde_json::from_str(include_str!("testdata/rollout-schema.json")).expect("fixture is JSON")
}

fn rollout() -> Value {
    json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {"duration": "1m"}}]}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    })
}

/// The object after the decode steps, with `edit` applied first.
fn admitted(edit: impl FnOnce(&mut Value)) -> Value {
    let mut obj = rollout();
    edit(&mut obj);
    prune(&schema(), &mut obj);
    apply_defaults(&schema(), &mut obj);
    obj
}

fn causes(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    validate(&schema(), &admitted(edit), None).iter().map(ToString::to_string).collect()
}

/// The single cause of an edit, with its reason.
fn one(edit: impl FnOnce(&mut Value)) -> (String, &'static str) {
    let all = validate(&schema(), &admitted(edit), None);
    assert_eq!(all.len(), 1, "{all:?}");
    (all[0].to_string(), all[0].reason)
}

const NOT_CHECKED: &str = "<nil>: Invalid value: null: some validation rules were not checked because the \
                           object was invalid; correct the existing errors to complete validation";

#[test]
fn defaults_and_a_valid_rollout() {
    let obj = admitted(|_| {});
    assert_eq!(obj["spec"]["replicas"], json!(1));
    assert_eq!(obj["spec"]["progressDeadline"], json!("10m"));
    assert_eq!(obj["spec"]["revisionHistoryLimit"], json!(10));
    assert!(obj["spec"].get("paused").is_none());
    assert_eq!(validate(&schema(), &obj, None), []);
    let kept = admitted(|o| o["spec"]["replicas"] = json!(3));
    assert_eq!(kept["spec"]["replicas"], json!(3));
}

#[test]
fn prunes_unknown_fields() {
    let mut obj = rollout();
    obj["spec"]["foo"] = json!("bar");
    obj["spec"]["strategy"]["canary"]["steps"][1]["pause"]["forever"] = json!(true);
    obj["metadata"]["annotations"] = json!({"a": "b"});
    assert_eq!(prune(&schema(), &mut obj), ["spec.foo", "spec.strategy.canary.steps[1].pause.forever"]);
    assert!(obj["spec"].get("foo").is_none());
    assert_eq!(obj["metadata"]["annotations"], json!({"a": "b"}));
}

#[test]
fn openapi_value_checks() {
    type Edit = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(Edit, &str, &str)> = vec![
        (
            Box::new(|o| o["spec"]["replicas"] = json!(-1)),
            "spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0",
            "FieldValueInvalid",
        ),
        (
            Box::new(|o| o["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = json!(101)),
            "spec.strategy.canary.steps[0].setWeight: Invalid value: 101: \
             spec.strategy.canary.steps[0].setWeight in body should be less than or equal to 100",
            "FieldValueInvalid",
        ),
        (
            Box::new(|o| o["spec"]["replicas"] = json!("three")),
            r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
            "FieldValueTypeInvalid",
        ),
        (
            Box::new(|o| o["spec"]["progressDeadline"] = json!("1".repeat(30) + "m10s")),
            "spec.progressDeadline: Too long: may not be more than 32 bytes",
            "FieldValueTooLong",
        ),
        (
            Box::new(|o| o["spec"]["strategy"]["canary"]["analysis"] = json!({"templates": []})),
            "spec.strategy.canary.analysis.templates: Invalid value: 0: \
             spec.strategy.canary.analysis.templates in body should have at least 1 items",
            "FieldValueInvalid",
        ),
        (
            Box::new(|o| {
                let t = json!({"templateName": "t"});
                o["spec"]["strategy"]["canary"]["analysis"] = json!({"templates": vec![t; 17]});
            }),
            "spec.strategy.canary.analysis.templates: Too many: 17: must have at most 16 items",
            "FieldValueTooMany",
        ),
        (
            Box::new(|o| o["spec"]["strategy"] = json!({"blueGreen": {"activeService": ""}})),
            r#"spec.strategy.blueGreen.activeService: Invalid value: "": spec.strategy.blueGreen.activeService in body should be at least 1 chars long"#,
            "FieldValueInvalid",
        ),
        (
            Box::new(|o| o["spec"]["strategy"] = json!({"rollingUpdate": {"maxSurge": true}})),
            r#"spec.strategy.rollingUpdate.maxSurge: Invalid value: "boolean": spec.strategy.rollingUpdate.maxSurge in body must be of type integer,string: "boolean""#,
            "FieldValueTypeInvalid",
        ),
        (
            Box::new(|o| o["status"] = json!({"lastProgressTime": "yesterday"})),
            r#"status.lastProgressTime: Invalid value: "yesterday": status.lastProgressTime in body must be of type date-time: "yesterday""#,
            "FieldValueTypeInvalid",
        ),
        (
            Box::new(|o| o["spec"]["template"]["metadata"]["labels"]["tier"] = json!(5)),
            r#"spec.template.metadata.labels.tier: Invalid value: "integer": spec.template.metadata.labels.tier in body must be of type string: "integer""#,
            "FieldValueTypeInvalid",
        ),
    ];
    for (edit, message, reason) in cases {
        let (got, got_reason) = one_or_blocked(edit);
        assert_eq!(got, message);
        assert_eq!(got_reason, reason, "{message}");
    }
}

/// The first cause (a blocking one is followed by the not-checked note).
fn one_or_blocked(edit: impl FnOnce(&mut Value)) -> (String, &'static str) {
    let all = validate(&schema(), &admitted(edit), None);
    match all.as_slice() {
        [c] => (c.to_string(), c.reason),
        [c, note] if c.blocks_cel() && note.to_string() == NOT_CHECKED => (c.to_string(), c.reason),
        other => panic!("unexpected causes {other:?}"),
    }
}

#[test]
fn required_enum_and_duplicate_keys() {
    assert_eq!(
        causes(|o| {
            if let Some(spec) = o["spec"].as_object_mut() {
                spec.remove("selector");
            }
        }),
        ["spec.selector: Required value", NOT_CHECKED]
    );
    assert_eq!(
        causes(|o| {
            if let Some(spec) = o["spec"].as_object_mut() {
                spec.remove("template");
            }
            o["spec"]["workloadRef"] = json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "scaleDown": "sometimes"});
        }),
        [
            r#"spec.workloadRef.scaleDown: Unsupported value: "sometimes": supported values: "never", "onSuccess", "progressively""#,
            NOT_CHECKED
        ]
    );
    let cond = |t: &str| json!({"type": t, "status": "True", "reason": "R", "message": "", "lastTransitionTime": "2025-01-01T00:00:00Z"});
    let (msg, reason) = one(|o| o["status"] = json!({"conditions": [cond("Ready"), cond("Ready")]}));
    assert_eq!(
        (msg.as_str(), reason),
        (r#"status.conditions[1]: Duplicate value: {"type":"Ready"}"#, "FieldValueDuplicate")
    );
}

#[test]
fn nulls_and_int32() {
    // A nullable field may be null; a non-nullable one is pruned before validation.
    assert_eq!(causes(|o| o["spec"]["strategy"]["canary"]["maxSurge"] = Value::Null), Vec::<String>::new());
    assert_eq!(causes(|o| o["spec"]["paused"] = Value::Null), Vec::<String>::new());
    let mut raw = admitted(|_| {});
    raw["spec"]["paused"] = Value::Null;
    assert_eq!(
        validate(&schema(), &raw, None)[0].to_string(),
        r#"spec.paused: Invalid value: "null": spec.paused in body must be of type boolean: "null""#
    );
    // The server strips `format: int32` before validating: no range check.
    assert_eq!(causes(|o| o["spec"]["replicas"] = json!(3_000_000_000_i64)), Vec::<String>::new());
}

#[test]
fn cel_rules_from_the_crd() {
    let (msg, reason) = one(|o| {
        o["spec"]["strategy"] = json!({"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}});
    });
    assert_eq!(
        msg,
        r#"spec.strategy.rollingUpdate: Invalid value: "object": maxSurge and maxUnavailable must not both be 0"#
    );
    assert_eq!(reason, "FieldValueInvalid");
    assert_eq!(
        one(|o| o["spec"]["workloadRef"] =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}))
        .0,
        r#"spec: Invalid value: "object": exactly one of template or workloadRef must be set"#
    );
    assert_eq!(
        one(|o| o["spec"]["strategy"] = json!({"rollingUpdate": {"maxSurge": "25 %"}})).0,
        r#"spec.strategy.rollingUpdate.maxSurge: Invalid value: "": must be a non-negative integer or a percentage such as 25%"#
    );
    assert_eq!(
        one(|o| o["spec"]["strategy"]["canary"]["steps"][1]["setWeight"] = json!(50)).0,
        "spec.strategy.canary.steps[1]: Invalid value: \"object\": a step sets exactly one of setWeight, pause, \
         analysis, approval or setCanaryScale"
    );
}

#[test]
fn several_causes_together() {
    let all = causes(|o| {
        o["spec"]["strategy"]["rollingUpdate"] = json!({});
        o["spec"]["progressDeadline"] = json!("soon");
        o["spec"]["replicas"] = json!(-2);
    });
    assert_eq!(
        all,
        [
            "spec.replicas: Invalid value: -2: spec.replicas in body should be greater than or equal to 0",
            r#"spec.progressDeadline: Invalid value: "string": must be a duration such as 30s, 5m or 1h30m (units ms, s, m, h, d)"#,
            r#"spec.strategy: Invalid value: "object": exactly one of rollingUpdate, blueGreen or canary must be set"#,
        ]
    );
}

#[test]
fn updates_ratchet_unchanged_fields() {
    let mut old = admitted(|o| o["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = json!(150));
    old["spec"]["replicas"] = json!(-1);
    let new = admitted(|o| {
        o["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = json!(150);
        o["spec"]["replicas"] = json!(-1);
        o["spec"]["paused"] = json!(true);
    });
    assert!(validate(&schema(), &new, None).len() > 1);
    assert_eq!(validate(&schema(), &new, Some(&old)), []);
    let changed = admitted(|o| o["spec"]["replicas"] = json!(-3));
    assert_eq!(
        validate(&schema(), &changed, Some(&old)).iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["spec.replicas: Invalid value: -3: spec.replicas in body should be greater than or equal to 0"]
    );
}

#[test]
fn invalid_messages() {
    let c = |f: &str, m: &str| FieldCause { reason: "FieldValueInvalid", message: m.into(), field: f.into() };
    assert_eq!(invalid_message("Rollout", "ramp.dev", "web", &[]), r#"Rollout.ramp.dev "web" is invalid"#);
    assert_eq!(
        invalid_message("Rollout", "ramp.dev", "web", &[c("spec.replicas", "Invalid value: -1: x")]),
        r#"Rollout.ramp.dev "web" is invalid: spec.replicas: Invalid value: -1: x"#
    );
    let two = [c("a", "Invalid value: 1: x"), c("a", "Invalid value: 1: x"), c("b", "Required value")];
    assert_eq!(
        invalid_message("Pod", "", "p", &two),
        r#"Pod "p" is invalid: [a: Invalid value: 1: x, b: Required value]"#
    );
    assert_eq!(
        c("spec", "Required value").to_json(),
        json!({"reason": "FieldValueInvalid", "message": "Required value", "field": "spec"})
    );
}

#[test]
fn checks_the_crd_does_not_use() {
    let schema = json!({"type": "object", "properties": {
        "name": {"type": "string", "pattern": "^[a-z]+$"},
        "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "multipleOf": 0.25},
        "tags": {"type": "array", "uniqueItems": true, "items": {"type": "string"}},
        "labels": {"type": "object", "minProperties": 1, "maxProperties": 2, "additionalProperties": {"type": "string"}},
    }});
    let obj =
        json!({"name": "Web", "ratio": 0.3, "tags": ["a", "a"], "labels": {"a": "1", "b": "2", "c": "3"}});
    let got: Vec<String> = validate(&schema, &obj, None).iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "labels: Too many: 3: must have at most 2 items",
            r#"name: Invalid value: "Web": name in body should match '^[a-z]+$'"#,
            "ratio: Invalid value: 0.3: ratio in body should be a multiple of 0.25",
            r#"tags: Invalid value: "": tags in body shouldn't contain duplicates"#,
        ]
    );
    let zero = json!({"ratio": 0, "labels": {}});
    let got: Vec<String> = validate(&schema, &zero, None).iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "labels: Invalid value: 0: labels in body should have at least 1 properties",
            "ratio: Invalid value: 0: ratio in body should be greater than 0",
        ]
    );
}

/// One compiled rule set across writes, as a served CRD keeps it: the remembered outcome is
/// only ever the outcome of the same spec (new and old), whatever came before.
#[test]
fn remembered_rule_outcomes_are_the_outcomes_of_the_same_spec() {
    let s = schema();
    let rules = Rules::compile(&s).expect("the Rollout schema has rules");
    let check = |obj: &Value, old: Option<&Value>| -> Vec<String> {
        validate_compiled(&s, Some(&rules), obj, old).iter().map(ToString::to_string).collect()
    };
    let valid = admitted(|_| {});
    let both_zero = |o: &mut Value| {
        o["spec"]["strategy"] = json!({"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}});
    };
    let invalid = admitted(both_zero);
    let refused = causes(both_zero);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(check(&valid, None), Vec::<String>::new());
    assert_eq!(check(&invalid, None), refused, "a new spec is evaluated, not the memo of the last");
    assert_eq!(check(&invalid, None), refused, "the same spec again: the same answer");
    // A status write over the stored invalid spec: unchanged, so ratcheted.
    let mut with_status = invalid.clone();
    with_status["status"] = json!({"phase": "Progressing"});
    assert_eq!(check(&with_status, Some(&invalid)), Vec::<String>::new());
    assert_eq!(check(&invalid, None), refused, "the old value is part of what is remembered");
    assert_eq!(check(&valid, Some(&invalid)), Vec::<String>::new());
}
