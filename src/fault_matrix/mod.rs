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

mod drive;
mod invariants;
mod metrics;
mod scenario;
mod script;
mod table;
mod world;

use std::time::Duration;

use hollow::apiserver::faults::FaultCounts;

use self::{drive::drive, scenario as sc, world::World};
pub use self::{
    invariants::{CheckSpec, Checked, Checker},
    metrics::Provider,
    table::{render_details, render_grid},
};

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
    /// 20% of updates and patches answered 409 Conflict.
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
            Fault::Conflicts => "20% of updates and patches answered 409 Conflict",
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

    /// The state the rollout must end in under this fault (without metrics a canary holds
    /// at its analysis until a person aborts it).
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
pub(crate) const PATIENCE: Duration = Duration::from_secs(30 * 60);
/// How long the flapping lasts.
pub(crate) const FLAPPING: Duration = Duration::from_secs(60);

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
    if cell.fault == Fault::MetricsSlow {
        let n = endpoint.answered.load(std::sync::atomic::Ordering::Relaxed);
        (out.fault_seen, out.evidence) = (n > 0, format!("{n} answers 4 s late"));
    }
    world.stop().await;
    drop(endpoint);
    result
}

/// Runs every cell that `keep` selects, one after another, each in its own paused
/// current-thread runtime; calls `each` with every outcome as it comes.
pub fn run_all(
    keep: impl Fn(&Cell) -> bool,
    mut each: impl FnMut(&Outcome),
) -> Result<Vec<Outcome>, MatrixError> {
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
