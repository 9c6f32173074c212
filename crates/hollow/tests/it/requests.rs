//! Requests the real API server refuses or answers in a particular way, answered the same:
//! malformed selectors and list options, resourceVersions not reached yet, DELETE answers,
//! JSON Patch failures and timestamps.

use crate::common;

use std::sync::Arc;

use common::http::{call, get, post, q};
use hollow::{apiserver::ApiServer, clock};
use serde_json::{Value, json};

fn server() -> Arc<ApiServer> {
    ApiServer::new(clock::Clock::virtual_at(clock::epoch()))
}

const CMS: &str = "/api/v1/namespaces/default/configmaps";

async fn with_configmaps(s: &Arc<ApiServer>, names: &[&str]) {
    for n in names {
        let a = post(s, CMS, &json!({"metadata": {"name": n, "labels": {"app": "web"}}})).await;
        assert_eq!(a.code, 201, "{}", a.body);
    }
}

fn assert_status(body: &Value, code: u16, reason: &str, message: &str) {
    assert_eq!(body["kind"], "Status", "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["reason"], reason, "{body}");
    assert_eq!(body["message"], message, "{body}");
}

#[tokio::test]
async fn malformed_label_selectors_are_400s_with_the_parsers_message() {
    let s = server();
    with_configmaps(&s, &["a"]).await;
    let key = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    for (sel, message) in [
        ("=x", "found '=', expected: !, identifier, or 'end of string'".to_string()),
        ("a b=c", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt".into()),
        ("a in (x", "unable to parse requirement: found '', expected: ',' or ')'".into()),
        ("!", "unable to parse requirement: found '', expected: identifier".into()),
        ("app,", "found '', expected: identifier after ','".into()),
        ("-app=web", format!("unable to parse requirement: <nil>: Invalid value: \"-app\": {key}")),
        ("rank>high", "unable to parse requirement: values[0]: Invalid value: \"high\": for 'Gt', 'Lt' operators, the value must be an integer".into()),
    ] {
        let a = get(&s, &format!("{CMS}?labelSelector={}", q(sel))).await;
        assert_eq!(a.code, 400, "{sel}: {}", a.body);
        assert_status(&a.body, 400, "BadRequest", &message);
    }
    // `a in ()` is `a in ("")` to the real parser: valid, and it selects nothing here.
    let a = get(&s, &format!("{CMS}?labelSelector={}", q("app in ()"))).await;
    assert_eq!((a.code, a.body["items"].as_array().map(Vec::len)), (200, Some(0)), "{}", a.body);
}

#[tokio::test]
async fn field_selectors_are_checked_against_the_kinds_fields() {
    let s = server();
    with_configmaps(&s, &["a", "b"]).await;
    let a = get(&s, &format!("{CMS}?fieldSelector={}", q("data.k=v"))).await;
    assert_status(
        &a.body,
        400,
        "BadRequest",
        "\"data.k\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
    );
    let a = get(&s, &format!("/api/v1/pods?fieldSelector={}", q("spec.bogus=x"))).await;
    assert_status(&a.body, 400, "BadRequest", "field label not supported: spec.bogus");
    let a = get(&s, &format!("/api/v1/pods?fieldSelector={}", q("status.phase"))).await;
    assert_status(
        &a.body,
        400,
        "BadRequest",
        "invalid selector: 'status.phase'; can't understand 'status.phase'",
    );
    let a = get(&s, &format!("{CMS}?fieldSelector={}", q("metadata.name!=a"))).await;
    assert_eq!(a.body["items"][0]["metadata"]["name"], "b");
    assert_eq!(a.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn list_options_are_decoded_and_validated_like_the_real_server() {
    let s = server();
    with_configmaps(&s, &["a", "b", "c"]).await;
    let a = get(&s, &format!("{CMS}?limit=ten")).await;
    assert_status(&a.body, 400, "BadRequest", "strconv.ParseInt: parsing \"ten\": invalid syntax");
    let a = get(&s, &format!("{CMS}?continue=!!")).await;
    assert_status(
        &a.body,
        400,
        "BadRequest",
        "invalid continue token: continue key is not valid: illegal base64 data at input byte 0",
    );
    let a = get(&s, &format!("{CMS}?resourceVersion=abc")).await;
    assert_status(
        &a.body,
        400,
        "BadRequest",
        "invalid resource version: resourceVersion: Invalid value: \"abc\": strconv.ParseUint: parsing \"abc\": invalid syntax",
    );
    let a = get(&s, &format!("{CMS}?resourceVersionMatch=NotOlderThan")).await;
    assert_status(
        &a.body,
        422,
        "Invalid",
        "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
    );
    assert_eq!(a.body["details"]["causes"][0]["field"], "resourceVersionMatch");
    let a = get(&s, &format!("{CMS}?resourceVersion=0&resourceVersionMatch=Exact")).await;
    assert_status(
        &a.body,
        422,
        "Invalid",
        "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
    );
    let a = get(&s, &format!("{CMS}?resourceVersion=1&resourceVersionMatch=Sometimes")).await;
    assert_eq!(a.code, 422);
    assert!(a.body["message"].as_str().unwrap().contains("Unsupported value: \"Sometimes\""), "{}", a.body);
    // Pages: the real token format, remainingItemCount, and a continue that refuses a resourceVersion.
    let page = get(&s, &format!("{CMS}?limit=2")).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(page.body["metadata"]["remainingItemCount"], 1);
    let token = page.body["metadata"]["continue"].as_str().unwrap().to_string();
    let rest = get(&s, &format!("{CMS}?limit=2&continue={token}")).await;
    assert_eq!(rest.body["items"][0]["metadata"]["name"], "c");
    assert!(rest.body["metadata"].get("continue").is_none());
    let a = get(&s, &format!("{CMS}?limit=2&continue={token}&resourceVersion=5")).await;
    assert_status(
        &a.body,
        400,
        "BadRequest",
        "specifying resource version is not allowed when using continue",
    );
}

#[tokio::test]
async fn a_resource_version_not_reached_yet_is_the_real_504() {
    let s = server();
    with_configmaps(&s, &["a"]).await;
    let current: u64 =
        get(&s, CMS).await.body["metadata"]["resourceVersion"].as_str().unwrap().parse().unwrap();
    let far = current + 100;
    for path in [format!("{CMS}?resourceVersion={far}"), format!("{CMS}/a?resourceVersion={far}")] {
        let a = get(&s, &path).await;
        assert_status(
            &a.body,
            504,
            "Timeout",
            &format!("Timeout: Too large resource version: {far}, current: {current}"),
        );
        assert_eq!(a.body["details"]["retryAfterSeconds"], 1);
        assert_eq!(a.body["details"]["causes"][0]["reason"], "ResourceVersionTooLarge");
        assert_eq!(a.headers["retry-after"], "1");
    }
    assert_eq!(get(&s, &format!("{CMS}?resourceVersion={current}")).await.code, 200);
    assert_eq!(get(&s, &format!("{CMS}/a?resourceVersion={current}")).await.code, 200);
}

#[tokio::test]
async fn delete_answers_a_status_or_the_object_as_the_kinds_registry_does() {
    let s = server();
    with_configmaps(&s, &["a", "b", "c"]).await;
    let uid = get(&s, &format!("{CMS}/a")).await.body["metadata"]["uid"].clone();
    let a = call(&s, "DELETE", &format!("{CMS}/a"), &[], None).await;
    assert_eq!(a.code, 200);
    assert_eq!(
        a.body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
               "details": {"name": "a", "group": "", "kind": "configmaps", "uid": uid}})
    );
    // Pods (ReturnDeletedObject) answer with the object.
    let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}});
    assert_eq!(post(&s, "/api/v1/namespaces/default/pods", &pod).await.code, 201);
    let a = call(&s, "DELETE", "/api/v1/namespaces/default/pods/p", &[], None).await;
    assert_eq!((a.code, a.body["kind"].as_str()), (200, Some("Pod")), "{}", a.body);
    // A finalizer keeps the object: 200 with deletionTimestamp, 202 when orphanDependents is false.
    let held = json!({"metadata": {"name": "held", "finalizers": ["example.com/hold"]}});
    assert_eq!(post(&s, CMS, &held).await.code, 201);
    let a = call(&s, "DELETE", &format!("{CMS}/held"), &[], Some(&json!({"orphanDependents": false}))).await;
    assert_eq!(a.code, 202, "{}", a.body);
    assert_eq!(a.body["kind"], "ConfigMap");
    assert!(a.body["metadata"]["deletionTimestamp"].is_string(), "{}", a.body);
    let a = call(&s, "DELETE", &format!("{CMS}/held"), &[], None).await;
    assert_eq!((a.code, a.body["kind"].as_str()), (200, Some("ConfigMap")));
    // Foreground always leaves the GC a finalizer, dependents or not.
    let a =
        call(&s, "DELETE", &format!("{CMS}/b"), &[], Some(&json!({"propagationPolicy": "Foreground"}))).await;
    assert_eq!(a.body["metadata"]["finalizers"], json!(["foregroundDeletion"]), "{}", a.body);
    // Preconditions: the storage's conflict message.
    let c_uid = get(&s, &format!("{CMS}/c")).await.body["metadata"]["uid"].as_str().unwrap().to_string();
    let a =
        call(&s, "DELETE", &format!("{CMS}/c"), &[], Some(&json!({"preconditions": {"uid": "nope"}}))).await;
    assert_status(
        &a.body,
        409,
        "Conflict",
        &format!(
            "Operation cannot be fulfilled on configmaps \"c\": StorageError: invalid object, Code: 4, Key: /registry/configmaps/default/c, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: nope, UID in object meta: {c_uid}"
        ),
    );
    let a =
        call(&s, "DELETE", &format!("{CMS}/c"), &[], Some(&json!({"propagationPolicy": "Sometimes"}))).await;
    assert_eq!(a.code, 422, "{}", a.body);
}

#[tokio::test]
async fn delete_collection_answers_the_list_it_deleted() {
    let s = server();
    with_configmaps(&s, &["a", "b"]).await;
    assert_eq!(post(&s, CMS, &json!({"metadata": {"name": "other"}})).await.code, 201);
    let a = call(&s, "DELETE", &format!("{CMS}?labelSelector=app%3Dweb"), &[], None).await;
    assert_eq!((a.code, a.body["kind"].as_str()), (200, Some("ConfigMapList")), "{}", a.body);
    let names: Vec<&str> =
        a.body["items"].as_array().unwrap().iter().map(|i| i["metadata"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b"]);
    let left = get(&s, CMS).await;
    assert_eq!(left.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn json_patch_follows_the_vendored_library_and_fails_with_a_bare_422() {
    let s = server();
    with_configmaps(&s, &["a"]).await;
    let patch = |ops: Value| {
        let s = s.clone();
        async move {
            call(
                &s,
                "PATCH",
                &format!("{CMS}/a"),
                &[("content-type", "application/json-patch+json")],
                Some(&ops),
            )
            .await
        }
    };
    // replace of a missing member adds it (the issue that asked for this).
    let a = patch(json!([{"op": "replace", "path": "/data", "value": {"k": "v"}}])).await;
    assert_eq!((a.code, &a.body["data"]), (200, &json!({"k": "v"})), "{}", a.body);
    let a = patch(json!([{"op": "test", "path": "/data/k", "value": "v"}, {"op": "move", "from": "/data/k", "path": "/data/m"},
                         {"op": "copy", "from": "/data/m", "path": "/data/n"}])).await;
    assert_eq!(a.body["data"], json!({"m": "v", "n": "v"}), "{}", a.body);
    let a = patch(json!([{"op": "test", "path": "/data/m", "value": "other"}])).await;
    assert_eq!(
        a.body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "the server rejected our request due to an error in our request", "reason": "Invalid",
               "details": {}, "code": 422})
    );
    let a = patch(json!({"op": "add"})).await;
    assert_status(
        &a.body,
        400,
        "BadRequest",
        "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
    );
}

#[tokio::test]
async fn timestamps_are_re_encoded_per_type_and_bad_ones_are_400s() {
    let s = server();
    const LEASES: &str = "/apis/coordination.k8s.io/v1/namespaces/default/leases";
    let lease = json!({"metadata": {"name": "l"}, "spec": {"holderIdentity": "a", "renewTime": "2026-01-01T01:00:00.250000+01:00"}});
    let a = post(&s, LEASES, &lease).await;
    assert_eq!(a.code, 201, "{}", a.body);
    assert_eq!(a.body["spec"]["renewTime"], "2026-01-01T00:00:00.250000Z");
    assert_eq!(a.body["metadata"]["creationTimestamp"], "2026-01-01T00:00:00Z");
    let bad = json!({"metadata": {"name": "m"}, "spec": {"renewTime": "2026-01-01T00:00:00Z"}});
    let a = post(&s, LEASES, &bad).await;
    assert_status(
        &a.body,
        400,
        "BadRequest",
        "Lease in version \"v1\" cannot be handled as a Lease: parsing time \"2026-01-01T00:00:00Z\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse \"Z\" as \".000000\"",
    );
    let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}});
    assert_eq!(post(&s, "/api/v1/namespaces/default/pods", &pod).await.code, 201);
    let status = json!({"status": {"startTime": "yesterday"}});
    let a = call(
        &s,
        "PATCH",
        "/api/v1/namespaces/default/pods/p/status",
        &[("content-type", "application/merge-patch+json")],
        Some(&status),
    )
    .await;
    assert_eq!(a.code, 400, "{}", a.body);
    assert!(
        a.body["message"].as_str().unwrap().ends_with("cannot parse \"yesterday\" as \"2006\""),
        "{}",
        a.body
    );
}
