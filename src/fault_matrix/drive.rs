//! One cell's run after v1 is Healthy: the checker over the cluster's changes, the fault
//! switched on, the new image, the fault's own actions (kills, the end of the flapping) beside
//! the person's script, and the evidence that the fault was there.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use hollow::apiserver::{faults::FaultCounts, store::ResourceId};
use serde_json::Value;

use super::{
    Cell, CheckSpec, Checked, Checker, FLAPPING, Fault, MatrixError, Outcome, PATIENCE, invariants,
    scenario as sc,
    script::script,
    world::{self, World},
};

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
                let now = server.clock.now();
                for ch in changes.iter().filter(|ch| ch.key.namespace == world::NAMESPACE) {
                    c.apply(ch, now);
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
        Fault::Conflicts => s.conflict_rate = 0.2,
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

pub(super) async fn drive(world: &World, cell: Cell, out: &mut Outcome) -> Result<(), MatrixError> {
    let healthy_v1 = sc::wait_for(world, "v1 Healthy", PATIENCE, |_, r| {
        sc::phase(r) == "Healthy" && !sc::status(r, "stableRevision").is_null()
    })
    .await?;
    let v1 = sc::status(&healthy_v1, "stableRevision").as_str().unwrap_or_default().to_string();
    let (entry_services, route, _) = sc::entry(cell.strategy);
    let requests: Vec<String> = ["p1", "x1", "a1"].iter().map(|s| (*s).to_string()).collect();
    let spec = CheckSpec {
        entry_services,
        route,
        budget: Some(([("app".to_string(), "web".to_string())].into(), sc::MIN_AVAILABLE)),
        floor_always: !matches!(cell.fault, Fault::PodKills | Fault::ReadinessFlapping),
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
    let script = script(world, cell, &v1, &checker);
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
    if cell.fault == Fault::MetricsDown {
        let errors = provider_errors(world);
        (out.fault_seen, out.evidence) = (errors > 0, format!("{errors} measurements failed"));
    }
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
                    world
                        .kill_pod(p.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default())?;
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

/// Measurements the provider could not take, over every AnalysisRun.
fn provider_errors(world: &World) -> i64 {
    world
        .objects("ramp.dev", "analysisruns")
        .iter()
        .flat_map(|r| {
            r.pointer("/status/metricResults").and_then(Value::as_array).cloned().unwrap_or_default()
        })
        .map(|m| m["error"].as_i64().unwrap_or(0))
        .sum()
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
        Fault::ReadinessFlapping => n(checked.flaps, "Ready→not Ready"),
        Fault::SlowKubelets => {
            let s = checked.slowest_ready_secs;
            (s >= 7, format!("slowest pod Ready in {s}s"))
        }
        // Counted where they happen (the provider, the AnalysisRun): see `run_into`, `drive`.
        Fault::MetricsDown | Fault::MetricsSlow => (false, String::new()),
    }
}
