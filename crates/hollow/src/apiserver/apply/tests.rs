//! Behaviour of `apply` and `track_update`, table by table.

use serde_json::{Value, json};

use super::*;
use crate::apiserver::list_type::builtin;

fn lists(path: &str) -> ListType {
    builtin("Deployment", path)
}

fn by<'a>(manager: &'a str, now: &'a str) -> Write<'a> {
    Write { manager, subresource: None, now, list_type: &lists }
}

fn deploy(spec: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
        "spec": spec})
}

fn with_labels(labels: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": labels}})
}

fn container(name: &str, image: &str) -> Value {
    json!({"name": name, "image": image})
}

fn pod_spec(containers: Value) -> Value {
    json!({"template": {"spec": {"containers": containers}}})
}

/// (manager, operation) of each entry, in order.
fn managers(obj: &Value) -> Vec<(String, String)> {
    let list = obj["metadata"]["managedFields"].as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|e| (e["manager"].as_str().unwrap().to_string(), e["operation"].as_str().unwrap().to_string()))
        .collect()
}

fn entry<'v>(obj: &'v Value, manager: &str) -> &'v Value {
    obj["metadata"]["managedFields"].as_array().unwrap().iter().find(|e| e["manager"] == manager).unwrap()
}

fn owned(obj: &Value, manager: &str) -> Value {
    entry(obj, manager)["fieldsV1"].clone()
}

fn conflicts(res: Result<Value, ApplyError>) -> Vec<Conflict> {
    match res {
        Err(ApplyError::Conflict(c)) => c,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn create_by_apply() {
    let config = deploy(json!({"replicas": 2, "template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1", "ports": [{"containerPort": 80}]}]}}}));
    let obj = apply(None, &config, false, &by("ramp", "t1")).unwrap();
    assert_eq!(managed::without(&obj), config);
    assert_eq!(
        obj["metadata"]["managedFields"],
        json!([{"manager": "ramp", "operation": "Apply", "apiVersion": "apps/v1", "time": "t1",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {
                "f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}, "f:ports": {
                    "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}}}}}}}}}])
    );
}

#[test]
fn reapplying_the_same_configuration_changes_nothing() {
    let config = deploy(json!({"replicas": 2}));
    let first = apply(None, &config, false, &by("ramp", "t1")).unwrap();
    let again = apply(Some(&first), &config, false, &by("ramp", "t2")).unwrap();
    assert_eq!(again, first);
    let changed = apply(Some(&first), &deploy(json!({"replicas": 3})), false, &by("ramp", "t3")).unwrap();
    assert_eq!(changed["spec"]["replicas"], 3);
    assert_eq!(entry(&changed, "ramp")["time"], "t3");
}

#[test]
fn a_label_no_longer_applied_is_removed_unless_someone_else_owns_it() {
    let cases = [
        // (other manager's labels, labels left after ramp re-applies only `a`)
        (None, json!({"a": "1"})),
        (Some(json!({"b": "2"})), json!({"a": "1", "b": "2"})),
        (Some(json!({"c": "3"})), json!({"a": "1", "c": "3"})),
    ];
    for (other, left) in cases {
        let mut obj =
            apply(None, &with_labels(json!({"a": "1", "b": "2"})), false, &by("ramp", "t1")).unwrap();
        if let Some(labels) = other {
            obj = apply(Some(&obj), &with_labels(labels), false, &by("kubectl", "t2")).unwrap();
        }
        let after = apply(Some(&obj), &with_labels(json!({"a": "1"})), false, &by("ramp", "t3")).unwrap();
        assert_eq!(after["metadata"]["labels"], left);
        assert_eq!(owned(&after, "ramp"), json!({"f:metadata": {"f:labels": {"f:a": {}}}}));
    }
    let obj = apply(None, &with_labels(json!({"a": "1"})), false, &by("ramp", "t1")).unwrap();
    let bare = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
    let after = apply(Some(&obj), &bare, false, &by("ramp", "t2")).unwrap();
    assert_eq!(after["metadata"], json!({"name": "web", "namespace": "default"}));
}

#[test]
fn two_managers_owning_different_fields_are_both_kept() {
    let obj = apply(None, &deploy(json!({"replicas": 2})), false, &by("kubectl", "t1")).unwrap();
    let obj = apply(Some(&obj), &deploy(json!({"paused": true})), false, &by("ramp", "t2")).unwrap();
    assert_eq!(obj["spec"], json!({"replicas": 2, "paused": true}));
    assert_eq!(managers(&obj), [("kubectl".into(), "Apply".into()), ("ramp".into(), "Apply".into())]);
    assert_eq!(owned(&obj, "kubectl"), json!({"f:spec": {"f:replicas": {}}}));
    assert_eq!(owned(&obj, "ramp"), json!({"f:spec": {"f:paused": {}}}));
}

#[test]
fn conflicts_name_the_owner_and_field() {
    let applied = apply(None, &deploy(json!({"replicas": 2})), false, &by("kubectl", "t1")).unwrap();
    let updated = track_update(None, &deploy(json!({"replicas": 2})), &by("kubectl-client-side-apply", "t1"));
    let cases = [
        (&applied, "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas"),
        (
            &updated,
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: \
             .spec.replicas",
        ),
    ];
    for (live, message) in cases {
        let res = apply(Some(live), &deploy(json!({"replicas": 5})), false, &by("ramp", "t2"));
        let found = conflicts(res);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].field.as_str(), found[0].manager.as_str()),
            (".spec.replicas", managers(live)[0].0.as_str())
        );
        assert_eq!(conflict_message(&found, "apps/v1"), message);
        // The same value is shared, not a conflict.
        let shared = apply(Some(live), &deploy(json!({"replicas": 2})), false, &by("ramp", "t2")).unwrap();
        assert_eq!(owned(&shared, "ramp"), json!({"f:spec": {"f:replicas": {}}}));
        assert_eq!(owned(&shared, &managers(live)[0].0)["f:spec"]["f:replicas"], json!({}));
    }
}

#[test]
fn several_conflicts_are_grouped_by_manager() {
    let obj =
        apply(None, &deploy(json!({"replicas": 2, "paused": false})), false, &by("kubectl", "t1")).unwrap();
    let obj = track_update(
        Some(&obj),
        &deploy(json!({"replicas": 2, "paused": false, "minReadySeconds": 1})),
        &by("kubectl-edit", "t2"),
    );
    let res = apply(
        Some(&obj),
        &deploy(json!({"replicas": 3, "paused": true, "minReadySeconds": 9})),
        false,
        &by("ramp", "t3"),
    );
    let found = conflicts(res);
    let fields: Vec<(&str, &str)> = found.iter().map(|c| (c.manager.as_str(), c.field.as_str())).collect();
    assert_eq!(
        fields,
        [
            ("kubectl", ".spec.paused"),
            ("kubectl", ".spec.replicas"),
            ("kubectl-edit", ".spec.minReadySeconds")
        ]
    );
    assert_eq!(
        conflict_message(&found, "apps/v1"),
        "Apply failed with 3 conflicts: conflicts with \"kubectl\":\n- .spec.paused\n- .spec.replicas\n\
         conflicts with \"kubectl-edit\" using apps/v1:\n- .spec.minReadySeconds"
    );
    assert_eq!(ApplyError::Conflict(found.clone()).to_string(), "Apply failed with 3 conflict(s)");
    let status = conflict_status(&found, "apps/v1");
    assert_eq!(status["code"], 409);
    assert_eq!(
        status["details"]["causes"][2],
        json!({"reason": "FieldManagerConflict", "message": "conflict with \"kubectl-edit\" using apps/v1",
            "field": ".spec.minReadySeconds"})
    );
}

#[test]
fn force_takes_the_fields_over() {
    let obj =
        apply(None, &deploy(json!({"replicas": 2, "paused": true})), false, &by("kubectl", "t1")).unwrap();
    let forced = apply(Some(&obj), &deploy(json!({"replicas": 5})), true, &by("ramp", "t2")).unwrap();
    assert_eq!(forced["spec"], json!({"replicas": 5, "paused": true}));
    assert_eq!(owned(&forced, "kubectl"), json!({"f:spec": {"f:paused": {}}}));
    assert_eq!(owned(&forced, "ramp"), json!({"f:spec": {"f:replicas": {}}}));
    // A manager left owning nothing disappears.
    let only = apply(None, &deploy(json!({"replicas": 2})), false, &by("kubectl", "t1")).unwrap();
    let forced = apply(Some(&only), &deploy(json!({"replicas": 5})), true, &by("ramp", "t2")).unwrap();
    assert_eq!(managers(&forced), [("ramp".into(), "Apply".into())]);
}

#[test]
fn an_edit_then_an_apply_of_the_same_field_conflicts() {
    let obj = apply(None, &deploy(json!({"replicas": 2})), false, &by("ramp", "t1")).unwrap();
    let mut edited = obj.clone();
    edited["spec"]["replicas"] = json!(7);
    let edited = track_update(Some(&obj), &edited, &by("kubectl-edit", "t2"));
    assert_eq!(managers(&edited), [("kubectl-edit".into(), "Update".into())]);
    assert_eq!(entry(&edited, "kubectl-edit")["time"], "t2");
    let found = conflicts(apply(Some(&edited), &deploy(json!({"replicas": 2})), false, &by("ramp", "t3")));
    assert_eq!(
        conflict_message(&found, "apps/v1"),
        "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas"
    );
}

#[test]
fn applying_one_container_leaves_the_others_alone() {
    let created = track_update(
        None,
        &deploy(pod_spec(json!([container("web", "web:1"), container("sidecar", "proxy:1")]))),
        &by("injector", "t1"),
    );
    let obj =
        apply(Some(&created), &deploy(pod_spec(json!([container("web", "web:2")]))), true, &by("ramp", "t2"))
            .unwrap();
    assert_eq!(
        obj["spec"]["template"]["spec"]["containers"],
        json!([container("web", "web:2"), container("sidecar", "proxy:1")])
    );
    let web = "k:{\"name\":\"web\"}";
    let sidecar = "k:{\"name\":\"sidecar\"}";
    let injector = owned(&obj, "injector");
    let containers = &injector["f:spec"]["f:template"]["f:spec"]["f:containers"];
    assert_eq!(containers[sidecar], json!({".": {}, "f:image": {}, "f:name": {}}));
    assert_eq!(containers[web], json!({".": {}, "f:name": {}}));
    // Without force, only the image conflicts.
    let found = conflicts(apply(
        Some(&created),
        &deploy(pod_spec(json!([container("web", "web:2")]))),
        false,
        &by("ramp", "t2"),
    ));
    assert_eq!(
        found.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
        [".spec.template.spec.containers[name=\"web\"].image"]
    );
    // Dropping the container from ramp's configuration deletes only what nobody else owns.
    let mine =
        apply(Some(&obj), &deploy(pod_spec(json!([container("extra", "x")]))), false, &by("ramp", "t3"))
            .unwrap();
    assert_eq!(
        mine["spec"]["template"]["spec"]["containers"],
        json!([{"name": "web"}, container("sidecar", "proxy:1"), container("extra", "x")])
    );
}

#[test]
fn fields_v1_of_a_deployment_round_trip() {
    let config = deploy(json!({"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"rollingUpdate": {"maxSurge": "25%"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
            "containers": [{"name": "web", "image": "nginx", "env": [{"name": "A", "value": "1"}],
                "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 53, "protocol": "UDP"}],
                "resources": {}}],
            "volumes": [{"name": "cfg", "configMap": {"name": "cfg"}}], "tolerations": [{"key": "k"}]}}}));
    let mut with_meta = config.clone();
    with_meta["metadata"]["finalizers"] = json!(["a/b", "c"]);
    let obj = apply(None, &with_meta, false, &by("ramp", "t1")).unwrap();
    let fields = owned(&obj, "ramp");
    let set = FieldSet::from_fields_v1(&fields).unwrap();
    assert_eq!(set.to_fields_v1(), fields);
    let text = serde_json::to_string(&fields).unwrap();
    for expected in [
        "\"v:\\\"a/b\\\"\":{}",
        "\"k:{\\\"containerPort\\\":53,\\\"protocol\\\":\\\"UDP\\\"}\"",
        "\"f:resources\":{}",
        "\"f:tolerations\":{}",
        "\"f:maxSurge\":{}",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
}

#[test]
fn invalid_configurations_are_refused() {
    let w = by("ramp", "t1");
    let cases = [
        (json!([1]), "the applied configuration must be an object"),
        (json!({"metadata": {"managedFields": []}}), "metadata.managedFields must be nil"),
        (
            deploy(pod_spec(json!([{"image": "x"}]))),
            "failed to create typed patch object (apps/v1, Kind=Deployment): .spec.template.spec.containers: \
             element 0: associative list with keys has an element that omits key field \"name\" (and doesn't \
             have default value)",
        ),
    ];
    for (config, message) in cases {
        assert_eq!(apply(None, &config, false, &w), Err(ApplyError::Invalid(message.into())));
    }
}

#[test]
fn updates_take_fields_from_others_and_release_removed_ones() {
    let w = by("ramp", "t1");
    let obj = apply(None, &deploy(json!({"replicas": 2, "paused": true})), false, &w).unwrap();
    let mut new = obj.clone();
    new["spec"] = json!({"replicas": 2, "minReadySeconds": 5});
    let obj = track_update(Some(&obj), &new, &by("editor", "t2"));
    assert_eq!(owned(&obj, "ramp"), json!({"f:spec": {"f:replicas": {}}}));
    assert_eq!(owned(&obj, "editor"), json!({"f:spec": {"f:minReadySeconds": {}}}));
    // A write that changes nothing changes no entry.
    assert_eq!(track_update(Some(&obj), &obj, &by("other", "t3")), obj);
    // `[{}]` clears managedFields, and an object with a uid stays untracked afterwards.
    let mut reset = obj.clone();
    reset["metadata"]["managedFields"] = json!([{}]);
    reset["metadata"]["uid"] = json!("u1");
    let cleared = track_update(Some(&obj), &reset, &by("other", "t3"));
    assert!(cleared["metadata"].get("managedFields").is_none());
    let mut later = cleared.clone();
    later["spec"]["replicas"] = json!(9);
    assert!(
        track_update(Some(&cleared), &later, &by("other", "t4"))["metadata"].get("managedFields").is_none()
    );
    // The first apply to it finds every field owned by "before-first-apply".
    let found = conflicts(apply(Some(&later), &deploy(json!({"replicas": 1})), false, &w));
    assert_eq!(found[0].manager, "before-first-apply");
}

#[test]
fn status_writes_own_only_status() {
    let obj = apply(None, &deploy(json!({"replicas": 2})), false, &by("ramp", "t1")).unwrap();
    let mut new = obj.clone();
    new["status"] = json!({"replicas": 2, "conditions": [{"type": "Available", "status": "True"}]});
    let status_writer = Write { subresource: Some("status"), ..by("controller", "t2") };
    let obj = track_update(Some(&obj), &new, &status_writer);
    let e = entry(&obj, "controller");
    assert_eq!(e["subresource"], "status");
    assert_eq!(
        e["fieldsV1"],
        json!({"f:status": {".": {}, "f:replicas": {}, "f:conditions": {".": {},
            "k:{\"type\":\"Available\"}": {".": {}, "f:type": {}, "f:status": {}}}}})
    );
    // A status apply merges only status, keyed conditions and all.
    let cfg = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 9}, "status": {"conditions": [{"type": "Progressing", "status": "True"}]}});
    let ramp_status = Write { subresource: Some("status"), ..by("ramp", "t3") };
    let obj = apply(Some(&obj), &cfg, false, &ramp_status).unwrap();
    assert_eq!(obj["spec"]["replicas"], 2);
    assert_eq!(obj["status"]["conditions"].as_array().unwrap().len(), 2);
    assert_eq!(managers(&obj).len(), 3);
}

#[test]
fn kubectl_takes_over_from_client_side_apply() {
    const LAST: &str = "kubectl.kubernetes.io/last-applied-configuration";
    let config = deploy(json!({"replicas": 2, "paused": true}));
    let mut created = config.clone();
    created["metadata"]["annotations"] = json!({LAST: config.to_string()});
    let live = track_update(None, &created, &by("kubectl-client-side-apply", "t1"));
    let mut scaled = live.clone();
    scaled["spec"]["paused"] = json!(false);
    let live = track_update(Some(&live), &scaled, &by("hpa", "t2"));
    let next = deploy(json!({"replicas": 3, "paused": true}));
    // Fields still as last applied move to `kubectl`; others' changes still conflict.
    let found = conflicts(apply(Some(&live), &next, false, &by("kubectl", "t3")));
    assert_eq!(
        conflict_message(&found, "apps/v1"),
        "Apply failed with 1 conflict: conflict with \"hpa\" using apps/v1: .spec.paused"
    );
    let next = deploy(json!({"replicas": 3, "paused": false}));
    let obj = apply(Some(&live), &next, false, &by("kubectl", "t3")).unwrap();
    assert_eq!(obj["spec"]["replicas"], 3);
    assert_eq!(obj["metadata"]["annotations"][LAST], format!("{}\n", serde_json::to_string(&next).unwrap()));
    assert!(owned(&obj, "kubectl-client-side-apply")["f:spec"].get("f:replicas").is_none());
    // Any other applier conflicts as usual.
    assert_eq!(conflicts(apply(Some(&live), &next, false, &by("ramp", "t3"))).len(), 1);
}
