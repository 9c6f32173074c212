//! Webhooks end to end, through the controller on the hollow cluster, against a local
//! receiver: a `confirmPromotion` gate holds while its receiver answers 500 and opens on a 2xx;
//! every call is signed with HMAC-SHA256 and the signature verifies; a receiver that never
//! answers delays no rollout, its own included.

use crate::common;

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU16, AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use common::{
    harness::{Instance, setup},
    rollouts::{phase, set_image, wait_for},
};
use k8s_openapi::{ByteString, api::core::v1::Secret};
use kube::{
    Api,
    api::{ObjectMeta, PostParams},
    runtime::wait::await_condition,
};
use ramp::{
    api::{Rollout, RolloutPhase},
    gates::sign,
};
use serde_json::{Value, json};
use tokio::sync::Notify;

const KEY: &str = "s3cret-hmac-key";

/// One call the receiver got.
#[derive(Clone, Debug)]
struct Call {
    path: String,
    event: String,
    signature: String,
    body: Bytes,
}

/// A local receiver: records every call, answers `code`, or holds the call until released
/// when `hold` is set.
#[derive(Clone, Default)]
struct Receiver {
    calls: Arc<Mutex<Vec<Call>>>,
    code: Arc<AtomicU16>,
    held: Arc<AtomicUsize>,
    hold: Arc<std::sync::atomic::AtomicBool>,
    release: Arc<Notify>,
}

impl Receiver {
    async fn start(code: u16) -> (Self, String) {
        let r = Receiver::default();
        r.code.store(code, Ordering::SeqCst);
        let app = Router::new().route("/{*path}", post(receive)).with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (r, url)
    }

    fn calls(&self, event: &str) -> Vec<Call> {
        self.calls.lock().unwrap().iter().filter(|c| c.event == event).cloned().collect()
    }

    /// Waits (wall clock, bounded) until `n` calls are held; returns how many are.
    async fn wait_held(&self, n: usize) -> usize {
        for _ in 0..600 {
            let held = self.held.load(Ordering::SeqCst);
            if held >= n {
                return held;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("fewer than {n} calls held");
    }

    /// Waits (wall clock, bounded) until `event` was called `n` times.
    async fn wait_calls(&self, event: &str, n: usize) -> Vec<Call> {
        for _ in 0..600 {
            let got = self.calls(event);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("fewer than {n} {event} calls: {:?}", self.calls.lock().unwrap());
    }
}

async fn receive(
    State(r): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    r.calls.lock().unwrap().push(Call {
        path: uri.path().into(),
        event: h("x-ramp-event"),
        signature: h("x-ramp-signature-256"),
        body,
    });
    if r.hold.load(Ordering::SeqCst) {
        r.held.fetch_add(1, Ordering::SeqCst);
        r.release.notified().await;
    }
    StatusCode::from_u16(r.code.load(Ordering::SeqCst)).unwrap()
}

fn canary(name: &str, webhooks: Value) -> Rollout {
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": name},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": name}},
                 "strategy": {"canary": {"steps": [{"setWeight": 50}]}},
                 "webhooks": webhooks,
                 "template": {"metadata": {"labels": {"app": name}, "annotations": {"sim.ramp.dev/readiness-delay": "100ms"}},
                              "spec": {"containers": [{"name": "app", "image": "app:v1"}]}}}
    }))
    .unwrap()
}

async fn secret(client: &kube::Client) {
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let s = Secret {
        metadata: ObjectMeta { name: Some("hooks".into()), ..Default::default() },
        data: Some(BTreeMap::from([("hmac".to_string(), ByteString(KEY.as_bytes().to_vec()))])),
        ..Default::default()
    };
    secrets.create(&PostParams::default(), &s).await.unwrap();
}

fn signed(c: &Call) -> bool {
    sign::verify(KEY.as_bytes(), &c.body, &c.signature)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirm_promotion_gate_holds_on_a_500_opens_on_a_2xx_and_every_call_is_signed() {
    let (running, client) = setup().await;
    secret(&client).await;
    let (rx, url) = Receiver::start(500).await;
    let hooks = json!([
        {"name": "qa", "type": "confirmPromotion", "url": format!("{url}/confirm"), "timeout": "2s",
         "secretRef": {"name": "hooks", "key": "hmac"}},
        {"name": "done", "type": "onComplete", "url": format!("{url}/complete"),
         "secretRef": {"name": "hooks", "key": "hmac"}, "metadata": {"team": "payments"}},
    ]);
    let mut ctl = Instance::start(&running.url(), "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &canary("web", hooks)).await.unwrap();
    wait_for(&api, "v1 healthy", |r| phase(r) == Some(RolloutPhase::Healthy)).await;

    set_image(&api, "app:v2").await;
    let waiting = |r: &Rollout| {
        r.status
            .as_ref()
            .is_some_and(|s| s.pause_conditions.iter().any(|c| c.reason == "AwaitingPromotionConfirmation"))
    };
    wait_for(&api, "waiting for qa", waiting).await;
    // Asked again after the 500 (backoff 1 s): still held, the gate never opened.
    let asked = rx.wait_calls("confirmPromotion", 2).await;
    let r = api.get("web").await.unwrap();
    assert!(waiting(&r) && phase(&r) == Some(RolloutPhase::Paused), "{:?}", r.status);
    assert!(asked.iter().all(signed), "every call carries a valid signature");
    let doc: Value = serde_json::from_slice(&asked[0].body).unwrap();
    assert_eq!(doc["rollout"]["name"], "web");
    assert_eq!(doc["type"], "confirmPromotion");
    assert_eq!(doc["revision"], json!(r.status.as_ref().unwrap().updated_revision));
    assert_eq!(asked[0].path, "/confirm");

    rx.code.store(204, Ordering::SeqCst);
    let v2 = r.status.unwrap().updated_revision.unwrap();
    let done = wait_for(&api, "v2 promoted", |r| {
        phase(r) == Some(RolloutPhase::Healthy)
            && r.status.as_ref().and_then(|s| s.stable_revision.as_deref()) == Some(v2.as_str())
    })
    .await;
    let st = done.status.unwrap();
    assert!(
        st.approvals.iter().any(|a| a.by == "webhook/qa" && a.step == -2 && a.revision == v2),
        "the confirmation is durable in status: {:?}",
        st.approvals
    );
    let complete = rx.wait_calls("onComplete", 1).await;
    assert!(signed(&complete[0]));
    let doc: Value = serde_json::from_slice(&complete[0].body).unwrap();
    assert_eq!(
        (doc["reason"].as_str(), doc["metadata"]["team"].as_str()),
        (Some("RolloutCompleted"), Some("payments"))
    );
    // A signature over another body does not verify.
    assert!(!sign::verify(KEY.as_bytes(), b"{}", &complete[0].signature));

    ctl.stop().await;
    running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_answers_delays_no_rollout() {
    let (running, client) = setup().await;
    let (rx, url) = Receiver::start(200).await;
    rx.hold.store(true, Ordering::SeqCst);
    let hooks = json!([{"name": "audit", "type": "event", "url": format!("{url}/events"), "timeout": "1h"}]);
    let mut ctl = Instance::start(&running.url(), "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &canary("slow", hooks)).await.unwrap();
    api.create(&PostParams::default(), &canary("other", json!([]))).await.unwrap();
    let healthy = |name: &'static str| {
        let api = api.clone();
        async move {
            tokio::time::timeout(
                Duration::from_secs(120),
                await_condition(api, name, |r: Option<&Rollout>| {
                    r.and_then(|r| r.status.as_ref()).and_then(|s| s.phase) == Some(RolloutPhase::Healthy)
                }),
            )
            .await
            .unwrap()
            .unwrap();
        }
    };
    healthy("slow").await;
    healthy("other").await;
    // The receiver got the first rollout's events and holds them, unanswered, for good.
    let held_before = rx.wait_held(1).await;
    for name in ["slow", "other"] {
        let patch =
            json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:v2"}]}}}});
        api.patch(name, &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&patch)).await.unwrap();
    }
    let promoted = |name: &'static str| {
        let api = api.clone();
        async move {
            tokio::time::timeout(
                Duration::from_secs(120),
                await_condition(api, name, |r: Option<&Rollout>| {
                    r.and_then(|r| r.status.as_ref()).is_some_and(|s| {
                        s.phase == Some(RolloutPhase::Healthy)
                            && s.stable_revision.is_some()
                            && s.stable_revision == s.updated_revision
                            && s.current_step == Some(1)
                    })
                }),
            )
            .await
            .unwrap()
            .unwrap();
        }
    };
    // Both are promoted while those calls hang: nothing waits on them.
    promoted("slow").await;
    promoted("other").await;
    rx.wait_held(held_before + 1).await;
    rx.release.notify_waiters();
    ctl.stop().await;
    running.stop().await.unwrap();
}
