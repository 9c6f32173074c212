//! Crash safety: the controller is killed right after each single write it makes, in turn,
//! and started again; every run must end where an uninterrupted run ends. On tokio's paused
//! clock, from snapshots: an uninterrupted run forks the hollow cluster right after each of
//! the controller's writes (before the controller sees the answer), and each fork is then
//! carried on by a freshly started controller, as a restarted process would find the cluster.
//!
//! Two scenarios: a rolling update (deploy, then a new image), and a full canary (routed by a
//! Gateway API HTTPRoute) with an analysis step, an approval gate, a `confirmPromotion` webhook
//! and an `onComplete` notification, whose receiver counts each delivery by its
//! `X-Ramp-Delivery` id.
//!
//! What Ramp guarantees, and the runs assert (docs/gates.md): nothing is lost (every gate is
//! asked and every notification delivered) and nothing is made twice (no second ReplicaSet,
//! AnalysisRun or approval record). A webhook delivery is repeated after a crash only if the
//! receiver had answered it before the crash and the controller had not yet recorded that in
//! status (a gate's confirmation in `status.approvals`, a notification's removal from
//! `status.notifications`); the repeat carries the same delivery id.

use crate::common;

use std::sync::Arc;

use common::crash::{NS, Scenario, call, every_crash_point, healthy_on_new, settled};
use hollow::apiserver::ApiServer;
use serde_json::{Value, json};

fn rolling(_hooks: &str) -> Value {
    json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web", "namespace": NS},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                 "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "100ms"}},
                              "spec": {"containers": [{"name": "web", "image": "web:v1"}]}}}
    })
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_controller_killed_after_any_write_of_a_rolling_update_finishes_it_when_restarted() {
    let s = Scenario {
        name: "rolling update",
        rollout: rolling,
        install: |_, _, _| {},
        act: |_| None,
        done: |server, r| healthy_on_new(r) && settled(server, r, 4),
        from_deploy: true,
    };
    every_crash_point(&s).await;
}

fn canary(hooks: &str) -> Value {
    json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web", "namespace": NS},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "strategy": {"canary": {"stableService": "web-stable", "canaryService": "web-canary",
                     "trafficRouting": {"gatewayApi": {"httpRoute": "web"}},
                     "steps": [{"setWeight": 50},
                               {"analysis": {"templates": [{"templateName": "success-rate"}]}},
                               {"approval": {"message": "ship it?"}}]}},
                 "webhooks": [
                     {"name": "qa", "type": "confirmPromotion", "url": format!("{hooks}/confirm"), "timeout": "1h"},
                     {"name": "done", "type": "onComplete", "url": format!("{hooks}/complete"), "timeout": "1h"}],
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "1s"}},
                              "spec": {"containers": [{"name": "web", "image": "web:v1"}]}}}
    })
}

fn install_canary(server: &Arc<ApiServer>, sli: &str, _hooks: &str) {
    let crd: Value =
        serde_saphyr::from_str(include_str!("../../examples/gateway-api/httproute-crd.yaml")).unwrap();
    call(server, http::Method::POST, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", &crd);
    for name in ["web-stable", "web-canary"] {
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": NS},
                         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}});
        call(server, http::Method::POST, "/api/v1/namespaces/default/services", &svc);
    }
    let route = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": NS},
        "spec": {"parentRefs": [{"name": "gateway"}], "rules": [{"backendRefs": [
            {"name": "web-stable", "port": 80, "weight": 100}, {"name": "web-canary", "port": 80, "weight": 0}]}]}});
    call(
        server,
        http::Method::POST,
        "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes",
        &route,
    );
    let template = json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "AnalysisTemplate",
        "metadata": {"name": "success-rate", "namespace": NS},
        "spec": {"metrics": [{"name": "success-rate", "interval": "2s", "count": 2, "noData": "wait",
            "provider": {"web": {"url": format!("{sli}/sim/sli?version={{{{rollout.canaryHash}}}}&min=5"),
                                 "jsonPath": "$.successRate", "timeout": "1h"}},
            "judge": {"threshold": {"successCondition": "result >= 0.95", "failureCondition": "result < 0.95"}}}]}});
    call(
        server,
        http::Method::POST,
        "/apis/ramp.dev/v1alpha1/namespaces/default/analysistemplates",
        &template,
    );
}

/// The approver: at the approval gate (step 2) of the new revision, approve it once.
fn approve_at_the_gate(r: &Value) -> Option<Value> {
    let st = &r["status"];
    let asked =
        r.pointer("/metadata/annotations/ramp.dev~1request").and_then(Value::as_str).unwrap_or_default();
    let at_gate =
        st["phase"] == "Paused" && st["currentStep"] == 2 && st["updatedRevision"] != st["stableRevision"];
    (at_gate && !asked.contains("\"a1\"")).then(|| {
        let req = json!({"id": "a1", "op": "approve", "by": "alice", "revision": st["updatedRevision"]});
        json!({"metadata": {"annotations": {"ramp.dev/request": req.to_string()}}})
    })
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_controller_killed_after_any_write_of_a_canary_with_gates_finishes_it_once_when_restarted() {
    let s = Scenario {
        name: "canary with analysis, approval and webhooks",
        rollout: canary,
        install: install_canary,
        act: approve_at_the_gate,
        done: |server, r| {
            healthy_on_new(r)
                && settled(server, r, 2)
                && r.pointer("/status/notifications").is_none_or(|n| n.as_array().is_some_and(Vec::is_empty))
        },
        from_deploy: false,
    };
    let points = every_crash_point(&s).await;
    assert!(points >= 15, "a canary with gates takes many writes ({points})");
}
