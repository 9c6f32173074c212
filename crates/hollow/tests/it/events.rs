//! Events: one store through `v1` and `events.k8s.io/v1`, validated like the real server,
//! printed by the real Event printer, visible to `kubectl get events` and `kubectl describe`,
//! and expired an hour after their last write by the virtual clock.

use crate::common;

use std::{sync::Arc, time::Duration};

use common::{
    http::{call, get, post, q, table},
    kubectl::Kubectl,
};
use hollow::{apiserver::ApiServer, clock};
use serde_json::{Value, json};

const CORE: &str = "/api/v1/namespaces/default/events";
const NEW: &str = "/apis/events.k8s.io/v1/namespaces/default/events";

fn server() -> Arc<ApiServer> {
    ApiServer::new(clock::Clock::virtual_at(clock::epoch()))
}

fn new_style(name: &str) -> Value {
    json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": name},
           "eventTime": "2026-01-01T00:00:00.123456Z", "reportingController": "ramp.dev/controller",
           "reportingInstance": "ramp-0", "action": "Scale", "reason": "Scaled", "type": "Normal",
           "note": "scaled web to 3", "regarding": {"kind": "Deployment", "name": "web", "namespace": "default"}})
}

#[tokio::test]
async fn one_store_seen_through_both_apis() {
    let s = server();
    let a = post(&s, NEW, &new_style("scaled")).await;
    assert_eq!(a.code, 201, "{}", a.body);
    assert_eq!(
        (a.body["apiVersion"].as_str(), a.body["note"].as_str()),
        (Some("events.k8s.io/v1"), Some("scaled web to 3"))
    );
    let core = get(&s, &format!("{CORE}/scaled")).await.body;
    assert_eq!(core["apiVersion"], "v1");
    assert_eq!(core["message"], "scaled web to 3");
    assert_eq!(core["involvedObject"]["name"], "web");
    assert_eq!(core["reportingComponent"], "ramp.dev/controller");
    assert_eq!(core["eventTime"], "2026-01-01T00:00:00.123456Z");
    assert_eq!((core["firstTimestamp"].clone(), core["lastTimestamp"].clone()), (Value::Null, Value::Null));
    // And the other way: a v1 Event is an events.k8s.io Event with deprecated fields.
    let old = json!({"metadata": {"name": "pulled"}, "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "default"},
                     "reason": "Pulled", "message": "pulled nginx", "type": "Normal", "count": 2,
                     "source": {"component": "kubelet"}, "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z"});
    assert_eq!(post(&s, CORE, &old).await.code, 201);
    let ev = get(&s, &format!("{NEW}/pulled")).await.body;
    assert_eq!(ev["regarding"]["name"], "web-1");
    assert_eq!(ev["deprecatedCount"], 2);
    assert_eq!(ev["deprecatedSource"]["component"], "kubelet");
    let list = get(&s, &format!("{NEW}?fieldSelector={}", q("regarding.name=web"))).await.body;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["metadata"]["name"], "scaled");
    // Patch through the new API, read through the old.
    let patch = json!({"note": "scaled web to 4"});
    let a = call(
        &s,
        "PATCH",
        &format!("{NEW}/scaled"),
        &[("content-type", "application/merge-patch+json")],
        Some(&patch),
    )
    .await;
    assert_eq!(a.code, 200, "{}", a.body);
    assert_eq!(get(&s, &format!("{CORE}/scaled")).await.body["message"], "scaled web to 4");
    let a = call(&s, "DELETE", &format!("{NEW}/scaled"), &[], None).await;
    assert_eq!(
        a.body["details"],
        json!({"name": "scaled", "group": "events.k8s.io", "kind": "events", "uid": core["metadata"]["uid"]})
    );
    assert_eq!(get(&s, &format!("{CORE}/scaled")).await.code, 404);
}

#[tokio::test]
async fn validated_like_the_real_server() {
    let s = server();
    let mut ev = new_style("bad");
    ev["type"] = json!("Info");
    ev["note"] = json!("x".repeat(1025));
    ev.as_object_mut().unwrap().remove("action");
    let a = post(&s, NEW, &ev).await;
    assert_eq!(a.code, 422, "{}", a.body);
    assert_eq!(
        a.body["message"],
        "Event.events.k8s.io \"bad\" is invalid: [action: Required value, message: Invalid value: \"\": can have at most 1024 characters, type: Invalid value: \"\": has invalid value: Info]"
    );
    let causes: Vec<&str> = a.body["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(causes, ["action", "message", "type"]);
    let mut ev = new_style("noTime");
    ev.as_object_mut().unwrap().remove("eventTime");
    ev["deprecatedCount"] = json!(3);
    let a = post(&s, NEW, &ev).await;
    assert_eq!(
        a.body["message"],
        "Event.events.k8s.io \"noTime\" is invalid: [eventTime: Required value, count: Invalid value: \"\": needs to be unset]"
    );
    // v1 keeps the legacy rules only: namespaces must agree.
    let old = json!({"metadata": {"name": "elsewhere"}, "involvedObject": {"kind": "Pod", "name": "p", "namespace": "other"}, "reason": "X"});
    let a = post(&s, CORE, &old).await;
    assert_eq!(a.code, 422);
    assert_eq!(
        a.body["message"],
        "Event \"elsewhere\" is invalid: involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"
    );
}

#[tokio::test]
async fn events_expire_an_hour_after_their_last_write() {
    let s = server();
    assert_eq!(post(&s, NEW, &new_style("early")).await.code, 201);
    s.clock.advance(Duration::from_secs(1800));
    assert_eq!(post(&s, NEW, &new_style("late")).await.code, 201);
    s.clock.advance(Duration::from_secs(1800));
    let names = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&get(&s, CORE).await.body), ["late"]);
    assert_eq!(names(&get(&s, NEW).await.body), ["late"]);
    s.clock.advance(Duration::from_secs(1800));
    assert_eq!(s.expire_events(), 1);
    assert!(names(&get(&s, CORE).await.body).is_empty());
}

#[tokio::test]
async fn the_event_printer_columns() {
    let s = server();
    assert_eq!(post(&s, NEW, &new_style("scaled")).await.code, 201);
    // eventTime is 0.123456 s past the epoch: 149.88 s later is 2m29s, as Go's HumanDuration truncates.
    s.clock.advance(Duration::from_secs(150));
    for path in [CORE, NEW] {
        let t = table(&s, path).await.body;
        let cols: Vec<(&str, i64)> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str().unwrap(), c["priority"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            cols,
            [
                ("Last Seen", 0),
                ("Type", 0),
                ("Reason", 0),
                ("Object", 0),
                ("Subobject", 1),
                ("Source", 1),
                ("Message", 0),
                ("First Seen", 1),
                ("Count", 1),
                ("Name", 1)
            ]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "2m29s",
                "Normal",
                "Scaled",
                "deployment/web",
                "",
                "ramp.dev/controller, ramp-0",
                "scaled web to 3",
                "2m29s",
                1,
                "scaled"
            ])
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_events_and_describe_show_them() {
    let k = Kubectl::start("events").await;
    k.ok(&["create", "deployment", "web", "--image=nginx:1.27"]).await;
    let uid = k.ok(&["get", "deployment", "web", "-o", "jsonpath={.metadata.uid}"]).await;
    let mut ev = new_style("scaled");
    ev["regarding"]["uid"] = json!(uid);
    ev["regarding"]["apiVersion"] = json!("apps/v1");
    let file = k.dir.join("event.json");
    std::fs::write(&file, ev.to_string()).unwrap();
    k.ok(&["create", "-f", file.to_str().unwrap()]).await;
    let got = k.ok(&["get", "events"]).await;
    let header: Vec<&str> = got.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], "{got}");
    assert!(got.contains("deployment/web") && got.contains("scaled web to 3"), "{got}");
    let described = k.ok(&["describe", "deployment", "web"]).await;
    let events = described.split("Events:").nth(1).unwrap_or_default();
    assert!(events.contains("Scaled") && events.contains("scaled web to 3"), "{described}");
}

#[tokio::test]
async fn watches_through_events_k8s_io_see_the_converted_objects() {
    use futures::StreamExt;
    use tower::ServiceExt;
    let s = server();
    assert_eq!(post(&s, NEW, &new_style("scaled")).await.code, 201);
    let req = http::Request::builder()
        .uri(format!("{NEW}?watch=true&resourceVersion=0"))
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = s.router().oneshot(req).await.unwrap();
    let mut stream = resp.into_body().into_data_stream();
    let mut buf = Vec::new();
    while !buf.contains(&b'\n') {
        buf.extend_from_slice(&stream.next().await.unwrap().unwrap());
    }
    let line = buf.split(|b| *b == b'\n').next().unwrap();
    let ev: Value = serde_json::from_slice(line).unwrap();
    assert_eq!(ev["type"], "ADDED");
    assert_eq!(ev["object"]["apiVersion"], "events.k8s.io/v1");
    assert_eq!(ev["object"]["note"], "scaled web to 3");
    assert_eq!(ev["object"]["regarding"]["name"], "web");
}
