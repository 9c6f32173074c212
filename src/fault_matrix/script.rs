//! The person's part of a cell (a pause, a promote, an approval, an abort when the metrics
//! are gone), each step waiting for the state it needs, and the end state checked in detail.

use std::{sync::Mutex, time::Duration};

use serde_json::Value;

use super::{Cell, Checker, End, MatrixError, PATIENCE, Strategy, scenario as sc, world::World};

/// The person's part: the requests each strategy's rollout waits for, then its end state.
pub(super) async fn script(
    world: &World,
    cell: Cell,
    v1: &str,
    checker: &Mutex<Checker>,
) -> Result<(), MatrixError> {
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
                sc::phase(r) == "Paused"
                    && r.pointer("/status/observedGeneration") == r.pointer("/metadata/generation")
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
                // No measurement, no verdict: the analysis holds the canary where it is
                // (inconclusive) or aborts it; held, a person aborts.
                let held = sc::wait_for(world, "the canary held at its analysis", PATIENCE, |_, r| {
                    sc::phase(r) == "Aborted"
                        || (sc::phase(r) == "Paused" && sc::status(r, "currentStep") == 2)
                })
                .await?;
                if sc::phase(&held) == "Aborted" {
                    "p1"
                } else {
                    sc::request(world, "x1", "abort", Some(&v2))?;
                    "x1"
                }
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
    let max_step = checker.lock().unwrap_or_else(std::sync::PoisonError::into_inner).checked.max_step;
    verify(world, cell, &done, end, v1, &v2, last_request, max_step)
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
#[allow(clippy::too_many_arguments)] // the end state and every fact it is checked against
fn verify(
    world: &World,
    cell: Cell,
    r: &Value,
    end: End,
    v1: &str,
    v2: &str,
    last_request: &str,
    max_step: Option<i64>,
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
    let approved = sc::status(r, "approvals").as_array().is_some_and(|a| {
        a.iter().any(|x| x["by"] == sc::REQUESTER && x["revision"] == v2 && x["approved"] == true)
    });
    if last_request == "a1" && !approved {
        wrong.push(format!("the approval a1 is not in status.approvals: {}", sc::status(r, "approvals")));
    }
    if end == End::Aborted && sc::status(r, "abortedRevision") != v2 {
        wrong.push(format!("abortedRevision {}, not {v2}", sc::status(r, "abortedRevision")));
    }
    if end == End::Aborted && max_step.is_some_and(|s| s > 2) {
        wrong.push(format!("went past its analysis (step 2) to step {max_step:?} without a verdict"));
    }
    if wrong.is_empty() { Ok(()) } else { Err(MatrixError::WrongEnd(wrong.join("; "))) }
}
