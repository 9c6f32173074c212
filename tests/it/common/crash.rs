//! Crash points on tokio's paused clock: an uninterrupted run forks the hollow cluster right
//! after each write of the controller (before the controller sees the answer); each fork is
//! then carried on by a freshly started controller, as a restarted process finds the cluster,
//! and must end where the uninterrupted run ended. A webhook receiver counts deliveries by
//! `X-Ramp-Delivery` id across the crash (those before it, from the uninterrupted run, and the
//! restarted controller's).

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Router, extract::State, http::HeaderMap, routing::post};
use hollow::{
    apiserver::{ApiServer, store::ResourceId},
    clock::Clock,
    controllers::Controllers,
};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::paused::{Instance, cluster};

pub const NS: &str = "default";

/// One write's aftermath: the cluster as the write left it, and how many webhook deliveries
/// the receiver had by then.
struct Snapshot {
    server: Arc<ApiServer>,
    at: Timestamp,
    delivered: usize,
}

/// One delivery the receiver answered 2xx: (run, event type, delivery id).
type Delivery = (usize, String, String);

/// Receives webhook calls for every run (runs are one after another), answering 200.
#[derive(Clone, Default)]
struct Receiver {
    log: Arc<Mutex<Vec<Delivery>>>,
    run: Arc<AtomicUsize>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap) -> &'static str {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    r.log.lock().unwrap().push((r.run.load(Ordering::SeqCst), h("x-ramp-event"), h("x-ramp-delivery")));
    "ok"
}

/// The metrics provider for the analysis: the SLI of whichever cluster is current.
#[derive(Clone)]
struct Metrics {
    current: Arc<Mutex<Arc<ApiServer>>>,
}

async fn sli(State(m): State<Metrics>, req: axum::extract::Request) -> axum::response::Response {
    let router = m.current.lock().unwrap().router();
    tower::ServiceExt::oneshot(router, req).await.unwrap()
}

/// What a finished run leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// (image, ramp.dev/revision, replicas) of every ReplicaSet.
    replica_sets: Vec<(String, String, i64)>,
    /// (point, phase) of every AnalysisRun.
    analysis_runs: Vec<(String, String)>,
    /// (revision, step, by, approved) of every approval record.
    approvals: Vec<(String, i64, String, bool)>,
    phase: String,
    last_request: Option<String>,
    stable_is_updated: bool,
    /// Distinct delivery ids per event type.
    deliveries: BTreeMap<String, usize>,
}

/// A scenario: what to install, what the person does, and when it is over.
pub struct Scenario {
    pub name: &'static str,
    pub rollout: fn(&str) -> Value,
    /// Installs what the Rollout needs besides itself (Services, route, template).
    pub install: fn(&Arc<ApiServer>, &str, &str),
    /// The person's part, run at every poll: returns a write to make, if any.
    pub act: fn(&Value) -> Option<Value>,
    /// Whether the run is over.
    pub done: fn(&Arc<ApiServer>, &Value) -> bool,
    /// Whether snapshots start with the first deploy (else with the new image).
    pub from_deploy: bool,
}

pub fn call(server: &Arc<ApiServer>, method: http::Method, path: &str, body: &Value) -> Value {
    let ct = if method == http::Method::PATCH { "application/merge-patch+json" } else { "application/json" };
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", ct)
        .body(serde_json::to_vec(body).unwrap())
        .unwrap();
    let answer = server.call(&req);
    assert!(answer.code.is_success(), "{path}: {} {}", answer.code, answer.body);
    answer.body
}

pub fn objects(server: &Arc<ApiServer>, group: &str, plural: &str) -> Vec<Arc<Value>> {
    server.store.list(&ResourceId::new(group, plural), Some(NS)).0
}

pub fn rollout(server: &Arc<ApiServer>) -> Value {
    objects(server, "ramp.dev", "rollouts").first().map(|r| (**r).clone()).unwrap_or(Value::Null)
}

pub const ROLLOUT: &str = "/apis/ramp.dev/v1alpha1/namespaces/default/rollouts";

pub fn set_image(server: &Arc<ApiServer>, image: &str) {
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}});
    call(server, http::Method::PATCH, &format!("{ROLLOUT}/web"), &patch);
}

pub fn healthy_on_new(r: &Value) -> bool {
    let s = &r["status"];
    s["phase"] == "Healthy"
        && s["observedGeneration"] == r["metadata"]["generation"]
        && r["metadata"]["generation"].as_i64() > Some(1)
        && s["stableRevision"] == s["updatedRevision"]
}

/// Every old ReplicaSet at zero and the new one Ready at `size`.
pub fn settled(server: &Arc<ApiServer>, r: &Value, size: i64) -> bool {
    let new = r.pointer("/status/updatedRevision").and_then(Value::as_str).unwrap_or_default();
    objects(server, "apps", "replicasets").iter().all(|rs| {
        let hash = rs.pointer("/metadata/labels/pod-template-hash").and_then(Value::as_str);
        let want = if hash == Some(new) { size } else { 0 };
        rs.pointer("/spec/replicas").and_then(Value::as_i64) == Some(want)
            && rs.pointer("/status/readyReplicas").and_then(Value::as_i64).unwrap_or(0) == want
    })
}

/// The user's edit: once v1 is Healthy, the image becomes v2.
fn v1_done(r: &Value) -> bool {
    r["spec"]["template"]["spec"]["containers"][0]["image"] == "web:v1"
        && r["status"]["phase"] == "Healthy"
        && r["status"]["observedGeneration"] == r["metadata"]["generation"]
}

/// Runs the controller on `server` until the scenario is done; snapshots after each write
/// when `snapshots` is given (from the first deploy, or from the new image on).
async fn run(
    s: &Scenario,
    server: &Arc<ApiServer>,
    receiver: &Receiver,
    snapshots: Option<Arc<Mutex<Vec<Snapshot>>>>,
) -> Outcome {
    let controllers = tokio::spawn(Controllers::new(server.clone()).run());
    let traffic = [hollow::traffic::Target::new(NS, "web-stable", 50.0)];
    server.traffic.lock().unwrap().set_targets(traffic.to_vec());
    server.faults.touch();
    let mut instance = Instance::start(server, "ramp-x1");
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(s.from_deploy));
    if let Some(snaps) = &snapshots {
        let (server, receiver, armed) = (server.clone(), receiver.clone(), armed.clone());
        let snaps = snaps.clone();
        instance.on_write(Some(Arc::new(move || {
            if armed.load(Ordering::SeqCst) {
                let at = server.clock.now();
                let delivered = receiver.log.lock().unwrap().len();
                snaps.lock().unwrap().push(Snapshot {
                    server: server.fork(Clock::virtual_at(at)),
                    at,
                    delivered,
                });
            }
        })));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3600);
    loop {
        let r = rollout(server);
        if (s.done)(server, &r) {
            break;
        }
        if v1_done(&r) {
            armed.store(true, Ordering::SeqCst);
            set_image(server, "web:v2");
            continue;
        }
        if let Some(patch) = (s.act)(&r) {
            call(server, http::Method::PATCH, &format!("{ROLLOUT}/web"), &patch);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}: never done; status {}",
            s.name,
            serde_json::to_string(&r["status"]).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    instance.on_write(None);
    instance.kill();
    controllers.abort();
    outcome(server, receiver)
}

fn outcome(server: &Arc<ApiServer>, receiver: &Receiver) -> Outcome {
    let run = receiver.run.load(Ordering::SeqCst);
    let r = rollout(server);
    let st = &r["status"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut replica_sets: Vec<(String, String, i64)> = objects(server, "apps", "replicasets")
        .iter()
        .map(|rs| {
            (
                text(&rs["spec"]["template"]["spec"]["containers"][0]["image"]),
                text(&rs["metadata"]["annotations"]["ramp.dev/revision"]),
                rs["spec"]["replicas"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    replica_sets.sort();
    let mut analysis_runs: Vec<(String, String)> = objects(server, "ramp.dev", "analysisruns")
        .iter()
        .map(|a| (text(&a["spec"]["point"]), text(&a["status"]["phase"])))
        .collect();
    analysis_runs.sort();
    let mut approvals: Vec<(String, i64, String, bool)> = st["approvals"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            (text(&a["revision"]), a["step"].as_i64().unwrap_or(0), text(&a["by"]), a["approved"] == true)
        })
        .collect();
    approvals.sort();
    let mut deliveries: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for (_, event, id) in receiver.log.lock().unwrap().iter().filter(|d| d.0 == run) {
        deliveries.entry(event.clone()).or_default().insert(id.clone());
    }
    Outcome {
        replica_sets,
        analysis_runs,
        approvals,
        phase: text(&st["phase"]),
        last_request: st["lastRequest"]["id"].as_str().map(str::to_string),
        stable_is_updated: st["stableRevision"] == st["updatedRevision"],
        deliveries: deliveries.into_iter().map(|(k, v)| (k, v.len())).collect(),
    }
}

/// The deliveries of fork run `run` from `snap`: those before the crash (the uninterrupted
/// run's, up to the snapshot) and the restarted controller's.
fn deliveries_of(receiver: &Receiver, snap: &Snapshot, run: usize) -> Vec<Delivery> {
    let log = receiver.log.lock().unwrap();
    let before = log.iter().filter(|d| d.0 == 0).take(snap.delivered).cloned();
    let before: Vec<Delivery> = before.map(|(_, e, id)| (run, e, id)).collect();
    before.into_iter().chain(log.iter().filter(|d| d.0 == run).cloned()).collect()
}

/// Runs `s` uninterrupted, then from every snapshot; returns the number of crash points.
pub async fn every_crash_point(s: &Scenario) -> usize {
    let receiver = Receiver::default();
    let app = Router::new().route("/{*path}", post(receive)).with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hooks = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (server, _) = cluster().await;
    let metrics = Metrics { current: Arc::new(Mutex::new(server.clone())) };
    let app = Router::new().fallback(sli).with_state(metrics.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sli_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    (s.install)(&server, &sli_url, &hooks);
    call(&server, http::Method::POST, ROLLOUT, &(s.rollout)(&hooks));
    let snaps = Arc::new(Mutex::new(Vec::new()));
    let clean = run(s, &server, &receiver, Some(snaps.clone())).await;
    let snaps = std::mem::take(&mut *snaps.lock().unwrap());
    println!("{}: an uninterrupted run makes {} writes; {clean:?}", s.name, snaps.len());
    assert!(snaps.len() >= 6, "a rollout takes several writes ({})", snaps.len());
    let clean_log: Vec<Delivery> = receiver.log.lock().unwrap().clone();
    for (id_count, (_, event, id)) in clean_log.iter().enumerate() {
        let n = clean_log.iter().filter(|d| d.2 == *id).count();
        assert_eq!(n, 1, "uninterrupted: {event} {id} delivered once ({id_count})");
    }

    let mut repeats = 0;
    for (i, snap) in snaps.iter().enumerate() {
        let k = i + 1;
        receiver.run.store(k, Ordering::SeqCst);
        let server = snap.server.fork(Clock::tokio_at(snap.at));
        *metrics.current.lock().unwrap() = server.clone();
        let got = run(s, &server, &receiver, None).await;
        let mut want = clean.clone();
        // Deliveries count as one run: before the crash and after the restart.
        let all = deliveries_of(&receiver, snap, k);
        let mut distinct: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        for (_, e, id) in &all {
            distinct.entry(e.clone()).or_default().insert(id.clone());
        }
        want.deliveries = clean.deliveries.clone();
        let mut got = got;
        got.deliveries = distinct.iter().map(|(e, ids)| (e.clone(), ids.len())).collect();
        assert_eq!(got, want, "{}: killed after write {k} of {}", s.name, snaps.len());
        // Each delivery once; twice only if answered before the crash and not yet recorded.
        let at_crash = rollout(&snap.server);
        for (_, event, id) in &all {
            let times = all.iter().filter(|d| d.2 == *id).count();
            if times == 1 {
                continue;
            }
            let before = deliveries_of(&receiver, snap, k).iter().take(snap.delivered).any(|d| d.2 == *id);
            let unrecorded = match event.as_str() {
                "confirmPromotion" => !at_crash["status"]["approvals"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|a| a["step"] == -2 && a["by"] == "webhook/qa"),
                _ => at_crash["status"]["notifications"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|n| n["id"] == id.as_str()),
            };
            assert!(
                times == 2 && before && unrecorded,
                "{}: killed after write {k}: {event} {id} delivered {times} times (before the crash: {before}, unrecorded then: {unrecorded})",
                s.name
            );
            repeats += 1;
        }
    }
    println!(
        "{}: {} crash points, {} deliveries repeated after a crash (allowed)",
        s.name,
        snaps.len(),
        repeats / 2
    );
    snaps.len()
}
