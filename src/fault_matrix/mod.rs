//! The fault matrix: every strategy rolled out on the hollow cluster under every fault, one
//! cell at a time, with the real controller (`controller::run`) on tokio's clock. Under
//! `tokio::time::pause` a cell's minutes of rollout take a fraction of a second and run the
//! same way every time (the faults' random choices are seeded).
//!
//! ```text
//!  cell = strategy × fault
//!    World (fork of a cluster with the CRDs) ─► Rollout v1 Healthy ─► checks start, fault on
//!    ─► image v2 ─► the script (pause/resume, promote, approve) ─► the expected end state
//!    Checker: every change of the cluster, in order (traffic only to Ready pods, budget kept,
//!             status loses nothing)
//! ```
//!
//! Each cell passes when the rollout reaches the state it must reach (promoted, or for a
//! canary whose metrics provider is down, aborted back to stable) within its time, every
//! check held at every change, and the fault was really injected. Run by
//! `tests/it/fault_matrix.rs` and printed by `ramp bench faults`; the results are recorded in
//! `docs/reliability.md`.

mod invariants;
mod metrics;
mod scenario;
mod table;
mod world;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use hollow::apiserver::{faults::FaultCounts, store::ResourceId};
use serde_json::Value;

pub use self::{
    invariants::{CheckSpec, Checked, Checker},
    metrics::Provider,
    table::{render_details, render_grid},
};
use self::{scenario as sc, world::World};

/// Why a cell could not be set up or did not get where it had to.
#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    /// The cluster or the scenario's objects could not be made.
    #[error("setting up the cell failed: {0}")]
    Setup(String),
    /// The hollow cluster refused one of the scenario's own requests.
    #[error("{what} was refused with {code}: {message}")]
    Refused {
        /// The request.
        what: String,
        /// HTTP status.
        code: u16,
        /// `Status.message`.
        message: String,
    },
    /// A state the scenario waits for never came.
    #[error("never reached: {what} (waited {after:?}); status {status}")]
    NotReached {
        /// The state.
        what: String,
        /// How long it waited (tokio time).
        after: Duration,
        /// The Rollout's status at the end.
        status: String,
    },
    /// The end state is not the one it must be.
    #[error("wrong end state: {0}")]
    WrongEnd(String),
}

/// The strategies of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// A rolling update (maxSurge 1, maxUnavailable 1), paused and resumed on the way.
    RollingUpdate,
    /// Blue-green with an approval gate before the switch.
    BlueGreen,
    /// A canary sized by replica ratio: promote at a pause, analysis, approval gate.
    CanaryReplicas,
    /// The same canary with its weights on a Gateway API HTTPRoute.
    CanaryGateway,
}

impl Strategy {
    /// Every strategy, in the table's order.
    pub const ALL: [Strategy; 4] =
        [Strategy::RollingUpdate, Strategy::BlueGreen, Strategy::CanaryReplicas, Strategy::CanaryGateway];

    /// Its name in the table and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::RollingUpdate => "rolling",
            Strategy::BlueGreen => "blue-green",
            Strategy::CanaryReplicas => "canary-replicas",
            Strategy::CanaryGateway => "canary-gateway",
        }
    }

    /// Whether its rollout runs an analysis (the canaries).
    pub fn has_analysis(self) -> bool {
        matches!(self, Strategy::CanaryReplicas | Strategy::CanaryGateway)
    }
}

/// The faults of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// No fault: the baseline.
    None,
    /// 10% of API requests answered 500.
    ServerErrors,
    /// 10% of API requests answered 429 with `Retry-After: 1`.
    Throttling,
    /// 10% of updates and patches answered 409 Conflict.
    Conflicts,
    /// Every watch cut 3 s after it opened.
    WatchDrops,
    /// 200 ms added to every API request.
    ApiLatency,
    /// Mid-rollout, one Ready pod of each version killed.
    PodKills,
    /// A third of the pods flap (2 s Ready, 2 s not) for the first minute of the rollout.
    ReadinessFlapping,
    /// Kubelets 5 s slower to report pods Ready.
    SlowKubelets,
    /// The metrics provider refuses every connection (a canary's analysis).
    MetricsDown,
    /// The metrics provider answers after 4 s.
    MetricsSlow,
}

impl Fault {
    /// Every fault, in the table's order.
    pub const ALL: [Fault; 11] = [
        Fault::None,
        Fault::ServerErrors,
        Fault::Throttling,
        Fault::Conflicts,
        Fault::WatchDrops,
        Fault::ApiLatency,
        Fault::PodKills,
        Fault::ReadinessFlapping,
        Fault::SlowKubelets,
        Fault::MetricsDown,
        Fault::MetricsSlow,
    ];

    /// Its name in the table and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::ServerErrors => "api-errors-500",
            Fault::Throttling => "api-throttling-429",
            Fault::Conflicts => "conflicts-409",
            Fault::WatchDrops => "watch-drops",
            Fault::ApiLatency => "api-latency",
            Fault::PodKills => "pod-kills",
            Fault::ReadinessFlapping => "readiness-flapping",
            Fault::SlowKubelets => "slow-kubelets",
            Fault::MetricsDown => "metrics-down",
            Fault::MetricsSlow => "metrics-slow",
        }
    }

    /// What it does, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Fault::None => "no fault (baseline)",
            Fault::ServerErrors => "10% of API requests answered 500",
            Fault::Throttling => "10% of API requests answered 429, Retry-After 1 s",
            Fault::Conflicts => "10% of updates and patches answered 409 Conflict",
            Fault::WatchDrops => "every watch cut 3 s after it opened",
            Fault::ApiLatency => "200 ms added to every API request",
            Fault::PodKills => "one Ready pod of each version killed mid-rollout",
            Fault::ReadinessFlapping => "a third of the pods flap (2 s Ready / 2 s not) for a minute",
            Fault::SlowKubelets => "pods Ready 5 s later than their probes say",
            Fault::MetricsDown => "the analysis' metrics provider refuses connections",
            Fault::MetricsSlow => "the analysis' metrics provider answers after 4 s",
        }
    }

    /// Whether the fault means anything for `strategy` (a metrics provider only for analysis).
    pub fn applies_to(self, strategy: Strategy) -> bool {
        !matches!(self, Fault::MetricsDown | Fault::MetricsSlow) || strategy.has_analysis()
    }

    /// The state the rollout must end in under this fault.
    pub fn expected(self) -> End {
        if self == Fault::MetricsDown { End::Aborted } else { End::Promoted }
    }
}

/// One cell of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cell {
    /// The strategy.
    pub strategy: Strategy,
    /// The fault.
    pub fault: Fault,
}

/// Every cell of the matrix, by fault then strategy.
pub fn cells() -> Vec<Cell> {
    Fault::ALL
        .iter()
        .flat_map(|&fault| Strategy::ALL.iter().map(move |&strategy| Cell { strategy, fault }))
        .filter(|c| c.fault.applies_to(c.strategy))
        .collect()
}

/// Where a rollout ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The new version is stable, at full size, with all traffic.
    Promoted,
    /// Back on the old version: traffic and capacity on stable, the new one at zero.
    Aborted,
}

impl End {
    /// In words.
    pub fn name(self) -> &'static str {
        match self {
            End::Promoted => "promoted",
            End::Aborted => "aborted",
        }
    }
}

/// What a cell did.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The cell.
    pub cell: Cell,
    /// Where it had to end.
    pub expected: End,
    /// Why it did not get there, if it did not.
    pub failure: Option<String>,
    /// Checks broken, in order.
    pub violations: Vec<String>,
    /// How often each check ran.
    pub checked: Checked,
    /// Faults injected during the rollout.
    pub injected: FaultCounts,
    /// Whether the fault was really there (a cell where it never fired proves nothing).
    pub fault_seen: bool,
    /// Evidence of the fault, in words.
    pub evidence: String,
    /// Time from the new version to the end state, on the cell's (virtual) clock.
    pub rollout_time: Duration,
    /// Requests and writes the controller sent during the rollout.
    pub requests: (u64, u64),
    /// Wall time the cell took.
    pub wall: Duration,
}

impl Outcome {
    /// Whether the cell passed: the right end, every check held, the fault was there.
    pub fn passed(&self) -> bool {
        self.failure.is_none() && self.violations.is_empty() && self.fault_seen
    }
}

/// How long a cell may take to reach each state (tokio time).
const PATIENCE: Duration = Duration::from_secs(30 * 60);
/// How long the flapping lasts.
const FLAPPING: Duration = Duration::from_secs(60);

/// Now, by the system clock: the wall time of a cell.
#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
fn wall() -> std::time::Instant {
    std::time::Instant::now()
}

/// Runs one cell. Call on a current-thread runtime with tokio's clock paused (the cell then
/// takes a fraction of a second; on a real clock it takes minutes).
pub async fn run(cell: Cell) -> Outcome {
    let started = wall();
    let mut outcome = Outcome {
        cell,
        expected: cell.fault.expected(),
        failure: None,
        violations: Vec::new(),
        checked: Checked::default(),
        injected: FaultCounts::default(),
        fault_seen: false,
        evidence: String::new(),
        rollout_time: Duration::ZERO,
        requests: (0, 0),
        wall: Duration::ZERO,
    };
    if let Err(e) = run_into(cell, &mut outcome).await {
        outcome.failure = Some(e.to_string());
    }
    outcome.wall = started.elapsed();
    outcome
}

async fn run_into(cell: Cell, out: &mut Outcome) -> Result<(), MatrixError> {
    let world = World::new()?;
    let provider = match cell.fault {
        Fault::MetricsDown => Provider::Down,
        Fault::MetricsSlow => Provider::Slow(Duration::from_secs(4)),
        _ => Provider::Up,
    };
    let endpoint = metrics::start(&world.server, provider).await?;
    let flapping = cell.fault == Fault::ReadinessFlapping;
    sc::install(&world, cell.strategy, &endpoint.url, flapping)?;
    world.start_controller();
    let result = drive(&world, cell, out).await;
    world.stop().await;
    drop(endpoint);
    result
}

/// The checker over the cluster's changes, from now on.
fn start_checker(world: &World, spec: CheckSpec) -> (Arc<Mutex<Checker>>, tokio::task::JoinHandle<()>) {
    let mut checker = Checker::new(spec);
    let from = world.server.store.current_rv();
    for (group, plural) in [
        ("", "pods"),
        ("", "services"),
        ("gateway.networking.k8s.io", "httproutes"),
        ("apps", "replicasets"),
        ("ramp.dev", "rollouts"),
    ] {
        for o in world.server.store.list(&ResourceId::new(group, plural), Some(world::NAMESPACE)).0 {
            checker.seed(group, plural, o);
        }
    }
    let checker = Arc::new(Mutex::new(checker));
    let (server, shared) = (world.server.clone(), checker.clone());
    let task = tokio::spawn(async move {
        let Ok((_, mut rx)) = server.store.watch_from(from) else { return };
        let mut cursor = from;
        loop {
            // The log, not the broadcast, is the record: a lagging receiver loses nothing.
            let changes = server.store.changes_since(cursor).unwrap_or_default();
            {
                let mut c = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                for ch in changes.iter().filter(|ch| ch.key.namespace == world::NAMESPACE) {
                    c.apply(ch);
                }
            }
            if let Some(last) = changes.last() {
                cursor = last.rv;
            }
            match rx.recv().await {
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    (checker, task)
}

/// The fault's settings while it is on.
fn settings(fault: Fault) -> hollow::apiserver::faults::FaultSettings {
    let mut s = hollow::apiserver::faults::FaultSettings::default();
    match fault {
        Fault::ServerErrors => s.error_rate = 0.1,
        Fault::Throttling => {
            s.throttle_rate = 0.1;
            s.retry_after_seconds = 1;
        }
        Fault::Conflicts => s.conflict_rate = 0.1,
        Fault::WatchDrops => s.watch_drop_every_ms = 3_000,
        Fault::ApiLatency => s.api_latency_ms = 200,
        Fault::ReadinessFlapping => {
            s.readiness_flap_rate = 1.0 / 3.0;
            s.readiness_flap_ms = 2_000;
        }
        Fault::SlowKubelets => s.kubelet_delay_ms = 5_000,
        Fault::None | Fault::PodKills | Fault::MetricsDown | Fault::MetricsSlow => {}
    }
    s
}

async fn drive(world: &World, cell: Cell, out: &mut Outcome) -> Result<(), MatrixError> {
    let healthy_v1 = sc::wait_for(world, "v1 Healthy", PATIENCE, |_, r| {
        sc::phase(r) == "Healthy" && !sc::status(r, "stableRevision").is_null()
    })
    .await?;
    let v1 = sc::status(&healthy_v1, "stableRevision").as_str().unwrap_or_default().to_string();
    let (entry_services, route, _) = sc::entry(cell.strategy);
    let requests: Vec<String> = ["p1", "a1"].iter().map(|s| (*s).to_string()).collect();
    let spec = CheckSpec {
        entry_services,
        route,
        budget: Some(([("app".to_string(), "web".to_string())].into(), sc::MIN_AVAILABLE)),
        rollout: "web".into(),
        requests,
    };
    let (checker, checking) = start_checker(world, spec);
    let before = (world.server.faults.counts(), world.traffic.counts());
    world.server.faults.set(settings(cell.fault));
    let t0 = tokio::time::Instant::now();
    sc::set_image(world, "web:v2")?;
    // The fault's own actions, beside the script.
    let side = side_effects(world, cell.fault, &v1);
    let script = script(world, cell, &v1);
    let (side_result, script_result) = futures::future::join(side, script).await;
    out.rollout_time = t0.elapsed();
    world.server.faults.set(hollow::apiserver::faults::FaultSettings::default());
    let after = (world.server.faults.counts(), world.traffic.counts());
    out.injected = minus(after.0, before.0);
    out.requests = (after.1.0 - before.1.0, after.1.1 - before.1.1);
    // Let the checker read the last changes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    checking.abort();
    {
        let c = checker.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.violations.clone_from(&c.violations);
        out.checked = c.checked;
    }
    (out.fault_seen, out.evidence) = evidence(cell.fault, &out.injected, &out.checked, &side_result);
    script_result?;
    side_result.map(|_| ())
}

fn minus(a: FaultCounts, b: FaultCounts) -> FaultCounts {
    FaultCounts {
        errors: a.errors - b.errors,
        throttled: a.throttled - b.throttled,
        conflicts: a.conflicts - b.conflicts,
        watch_drops: a.watch_drops - b.watch_drops,
        delayed: a.delayed - b.delayed,
        pods_killed: a.pods_killed - b.pods_killed,
    }
}

/// What a side effect did: a count to show as evidence.
type Side = Result<u64, MatrixError>;

/// Kills pods mid-rollout, or ends the flapping after its minute; counts what it did.
async fn side_effects(world: &World, fault: Fault, v1: &str) -> Side {
    match fault {
        Fault::PodKills => {
            // Mid-rollout: once the new version has a Ready pod beside the old one's.
            let rs = sc::wait_for(world, "a Ready pod of each version", PATIENCE, |w, _| {
                let sets = sc::replica_sets(w);
                sets.iter().any(|s| s.1 != v1 && s.3 > 0) && sets.iter().any(|s| s.1 == v1 && s.3 > 0)
            })
            .await;
            rs?;
            let mut killed = 0;
            for new in [false, true] {
                let victim = world.objects("", "pods").into_iter().find(|p| {
                    let hash = p.pointer("/metadata/labels/pod-template-hash").and_then(Value::as_str);
                    invariants::ready(p) && (hash == Some(v1)) != new
                });
                if let Some(p) = victim {
                    world.kill_pod(p.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default())?;
                    killed += 1;
                }
            }
            Ok(killed)
        }
        Fault::ReadinessFlapping => {
            tokio::time::sleep(FLAPPING).await;
            world.server.faults.update(|s| s.readiness_flap_rate = 0.0);
            Ok(0)
        }
        _ => Ok(0),
    }
}

fn evidence(fault: Fault, i: &FaultCounts, checked: &Checked, side: &Side) -> (bool, String) {
    let n = |v: u64, what: &str| (v > 0, format!("{v} {what}"));
    match fault {
        Fault::None => (true, "-".into()),
        Fault::ServerErrors => n(i.errors, "× 500"),
        Fault::Throttling => n(i.throttled, "× 429"),
        Fault::Conflicts => n(i.conflicts, "× 409"),
        Fault::WatchDrops => n(i.watch_drops, "watches cut"),
        Fault::ApiLatency => n(i.delayed, "requests delayed"),
        Fault::PodKills => n(*side.as_ref().unwrap_or(&0), "pods killed"),
        Fault::ReadinessFlapping | Fault::SlowKubelets => n(checked.unready, "Ready→not Ready"),
        Fault::MetricsDown | Fault::MetricsSlow => (true, "see the AnalysisRun".into()),
    }
}

/// The person's part: the requests each strategy's rollout waits for, then its end state.
async fn script(world: &World, cell: Cell, v1: &str) -> Result<(), MatrixError> {
    let new_revision = sc::wait_for(world, "the new revision", PATIENCE, |_, r| {
        sc::status(r, "updatedRevision").as_str().is_some_and(|h| h != v1)
    })
    .await?;
    let v2 = sc::status(&new_revision, "updatedRevision").as_str().unwrap_or_default().to_string();
    let last_request = match cell.strategy {
        Strategy::RollingUpdate => {
            sc::wait_for(world, "the first new pod", PATIENCE, |_, r| {
                sc::status(r, "updatedReplicas").as_i64().unwrap_or(0) >= 1
            })
            .await?;
            // A rolling update pauses through its spec (`kubectl rollout pause` style).
            sc::set_paused(world, true)?;
            sc::wait_for(world, "paused by spec.paused", PATIENCE, |_, r| {
                sc::phase(r) == "Paused" && r.pointer("/status/observedGeneration") == r.pointer("/metadata/generation")
            })
            .await?;
            let held = sc::replica_sets(world).into_iter().map(|s| (s.0, s.2)).collect::<Vec<_>>();
            tokio::time::sleep(Duration::from_secs(10)).await;
            let now = sc::replica_sets(world).into_iter().map(|s| (s.0, s.2)).collect::<Vec<_>>();
            if now != held {
                return Err(MatrixError::WrongEnd(format!("kept scaling while paused: {held:?} → {now:?}")));
            }
            sc::set_paused(world, false)?;
            ""
        }
        Strategy::BlueGreen => {
            sc::wait_for(world, "the approval gate before the switch", PATIENCE, |_, r| {
                sc::phase(r) == "Paused"
            })
            .await?;
            sc::request(world, "a1", "approve", Some(&v2))?;
            "a1"
        }
        Strategy::CanaryReplicas | Strategy::CanaryGateway => {
            sc::wait_for(world, "the pause at step 1", PATIENCE, |_, r| {
                sc::phase(r) == "Paused" && sc::status(r, "currentStep") == 1
            })
            .await?;
            sc::request(world, "p1", "promote", Some(&v2))?;
            if cell.fault.expected() == End::Aborted {
                "p1"
            } else {
                // Promoted once: it must stop again at the approval gate (step 3).
                sc::wait_for(world, "the approval gate at step 3", PATIENCE, |_, r| {
                    sc::phase(r) == "Paused" && sc::status(r, "currentStep") == 3
                })
                .await?;
                sc::request(world, "a1", "approve", Some(&v2))?;
                "a1"
            }
        }
    };
    let end = cell.fault.expected();
    let done = sc::wait_for(world, &format!("{} end state", end.name()), PATIENCE, |w, r| {
        reached(w, r, end, v1, &v2)
    })
    .await?;
    verify(world, cell, &done, end, v1, &v2, last_request)
}

/// Whether the Rollout and its ReplicaSets are at `end`.
fn reached(world: &World, r: &Value, end: End, v1: &str, v2: &str) -> bool {
    let sets = sc::replica_sets(world);
    let size = |hash: &str| sets.iter().find(|s| s.1 == hash).map_or((0, 0), |s| (s.2, s.3));
    let others_empty = |keep: &str| sets.iter().all(|s| s.1 == keep || s.2 == 0);
    let current = r.pointer("/status/observedGeneration") == r.pointer("/metadata/generation");
    match end {
        End::Promoted => {
            current
                && sc::phase(r) == "Healthy"
                && sc::status(r, "stableRevision") == v2
                && size(v2) == (sc::REPLICAS, sc::REPLICAS)
                && others_empty(v2)
        }
        End::Aborted => {
            sc::phase(r) == "Aborted"
                && sc::status(r, "stableRevision") == v1
                && size(v1) == (sc::REPLICAS, sc::REPLICAS)
                && others_empty(v1)
        }
    }
}

/// The end state in detail: where traffic goes, what status kept.
fn verify(
    world: &World,
    cell: Cell,
    r: &Value,
    end: End,
    v1: &str,
    v2: &str,
    last_request: &str,
) -> Result<(), MatrixError> {
    let mut wrong = Vec::new();
    let stable = if end == End::Promoted { v2 } else { v1 };
    let svc = match cell.strategy {
        Strategy::RollingUpdate => None,
        Strategy::BlueGreen => Some("web-active"),
        Strategy::CanaryReplicas | Strategy::CanaryGateway => Some("web-stable"),
    };
    if let Some(svc) = svc
        && sc::selected_hash(world, svc).as_deref() != Some(stable)
    {
        wrong.push(format!("{svc} selects {:?}, not {stable}", sc::selected_hash(world, svc)));
    }
    if cell.strategy == Strategy::CanaryGateway && sc::weights(world) != Some((100, 0)) {
        wrong.push(format!("route weights {:?}, not all on stable", sc::weights(world)));
    }
    if !last_request.is_empty() && sc::status(r, "lastRequest")["id"] != last_request {
        wrong.push(format!("lastRequest {}, not {last_request}", sc::status(r, "lastRequest")));
    }
    let approved = sc::status(r, "approvals")
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x["by"] == sc::REQUESTER && x["revision"] == v2 && x["approved"] == true));
    if last_request == "a1" && !approved {
        wrong.push(format!("the approval a1 is not in status.approvals: {}", sc::status(r, "approvals")));
    }
    if end == End::Aborted && sc::status(r, "abortedRevision") != v2 {
        wrong.push(format!("abortedRevision {}, not {v2}", sc::status(r, "abortedRevision")));
    }
    if wrong.is_empty() { Ok(()) } else { Err(MatrixError::WrongEnd(wrong.join("; "))) }
}

/// Runs every cell that `keep` selects, one after another, each in its own paused
/// current-thread runtime; calls `each` with every outcome as it comes.
pub fn run_all(keep: impl Fn(&Cell) -> bool, mut each: impl FnMut(&Outcome)) -> Result<Vec<Outcome>, MatrixError> {
    let mut all = Vec::new();
    for cell in cells().into_iter().filter(|c| keep(c)) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .map_err(|e| MatrixError::Setup(format!("cannot start a runtime: {e}")))?;
        let outcome = rt.block_on(run(cell));
        each(&outcome);
        all.push(outcome);
    }
    Ok(all)
}
