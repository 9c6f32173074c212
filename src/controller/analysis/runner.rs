//! Measures AnalysisRuns: each metric at its own deadline (no global ticker — a run's
//! reconcile asks to be woken when its next metric is due), judged purely
//! (`ramp_core::analysis`), recorded with its evidence in the run's status by one
//! server-side apply. A run's status change wakes its Rollout (it owns the run), so a failed
//! verdict reaches the planner at once.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use futures::future::join_all;
use k8s_openapi::{api::core::v1::Secret, apimachinery::pkg::apis::meta::v1::Time};
use kube::{
    Api, Client, Resource, ResourceExt,
    api::{Patch, PatchParams},
    runtime::{
        controller::Action as Requeue,
        events::{Event, EventType},
        reflector::{ObjectRef, Store},
    },
};
use serde_json::json;
use tokio::sync::watch;

use super::provider::{Credentials, Providers, Request};
use crate::{
    api::{
        Rollout,
        analysis::{AnalysisPhase, AnalysisRun, AnalysisRunStatus, Metric, MetricResult, SecretKeyRef},
    },
    controller::{act::bounded, clock::Clock, lease::Leadership, metrics::Metrics},
};
use ramp_core::analysis::{measure::measure, substitute::promql_duration, tally};

/// What the runner shares.
pub struct Runner {
    /// API client.
    pub client: Client,
    /// The clock.
    pub clock: Clock,
    /// Whether this instance may write.
    pub leadership: watch::Receiver<Leadership>,
    /// The providers.
    pub providers: Providers,
    /// Events.
    pub recorder: crate::controller::events::Recorder,
    /// Rollouts (for the weight applied now).
    pub rollouts: Store<Rollout>,
    /// Metrics.
    pub metrics: Metrics,
}

/// Why a run could not be advanced.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// Writing the run's status failed.
    #[error("failed to write the status of AnalysisRun {name}")]
    Write {
        /// The run.
        name: String,
        /// Cause.
        #[source]
        source: kube::Error,
    },
    /// Stopping the Jobs of a finished run failed.
    #[error("failed to stop the Jobs of AnalysisRun {name}")]
    StopJobs {
        /// The run.
        name: String,
        /// Cause.
        #[source]
        source: kube::Error,
    },
}

/// Retry delay after a failed status write.
const RETRY: Duration = Duration::from_secs(1);
/// Longest wait before looking at a running Job again (its changes wake the run sooner).
const JOB_POLL: Duration = Duration::from_secs(5);

/// A Secret's key, or why not.
pub(crate) async fn secret(client: &Client, ns: &str, r: &SecretKeyRef) -> Result<String, String> {
    let api: Api<Secret> = Api::namespaced(client.clone(), ns);
    let s = bounded(api.get(&r.name)).await.map_err(|e| format!("Secret {}: {e}", r.name))?;
    let bytes = s
        .data
        .as_ref()
        .and_then(|d| d.get(&r.key))
        .ok_or_else(|| format!("Secret {} has no key {}", r.name, r.key))?;
    String::from_utf8(bytes.0.clone()).map_err(|_| format!("Secret {} key {} is not UTF-8", r.name, r.key))
}

/// Placeholder values and credentials for one measurement of `metric`.
async fn inputs(
    r: &Runner,
    run: &AnalysisRun,
    metric: &Metric,
) -> Result<(BTreeMap<String, String>, Vec<String>, Credentials), String> {
    let ns = run.namespace().unwrap_or_default();
    let mut values = BTreeMap::new();
    let mut secrets = Vec::new();
    for a in &run.spec.args {
        let v = match (&a.value, &a.value_from) {
            (Some(v), _) => v.clone(),
            (None, Some(from)) => {
                let v = secret(&r.client, &ns, &from.secret_key_ref).await?;
                secrets.push(v.clone());
                v
            }
            (None, None) => return Err(format!("argument {} has no value", a.name)),
        };
        values.insert(a.name.clone(), v);
    }
    values.insert("interval".into(), promql_duration(tally::interval(metric)));
    if let Some(ro) = r.rollouts.get(&ObjectRef::new(&run.spec.rollout).within(&ns)) {
        let weight = ro.status.as_ref().and_then(|s| s.achieved_weight.or(s.weight)).unwrap_or(0);
        values.insert("rollout.weight".into(), weight.to_string());
    }
    let mut creds = Credentials::default();
    let auth = metric.provider.prometheus.as_ref().and_then(|p| p.auth.as_ref());
    if let Some(a) = auth {
        if let Some(b) = &a.bearer {
            let t = secret(&r.client, &ns, b).await?;
            secrets.push(t.clone());
            creds.bearer = Some(t);
        }
        if let Some(b) = &a.basic {
            let p = secret(&r.client, &ns, &b.password).await?;
            secrets.push(p.clone());
            creds.basic = Some((b.username.clone(), p));
        }
    }
    for h in metric.provider.web.iter().flat_map(|w| &w.headers) {
        if let Some(from) = &h.value_from {
            let v = secret(&r.client, &ns, from).await?;
            secrets.push(v.clone());
            creds.headers.insert(h.name.clone(), v);
        }
    }
    Ok((values, secrets, creds))
}

/// Takes one measurement of `metric` (inputs that cannot be read are a provider error);
/// `None` while it is not done (a Job still running).
async fn take(
    r: &Runner,
    run: &AnalysisRun,
    metric: &Metric,
    before: &MetricResult,
    at: jiff::Timestamp,
) -> Option<crate::api::analysis::Measurement> {
    let answer = match inputs(r, run, metric).await {
        Err(message) => super::provider::Answer::Error { message, query: String::new() },
        Ok((values, secrets, creds)) => {
            let req = Request {
                metric,
                values: &values,
                secret_values: &secrets,
                credentials: &creds,
                at,
                run: Some(run),
                number: before.count + 1,
            };
            r.providers.source_for(metric).measure(&req).await
        }
    };
    if matches!(answer, super::provider::Answer::Pending { .. }) {
        return None;
    }
    Some(measure(metric, before, answer, at))
}

/// Advances one run: measures what is due, records, decides.
pub async fn reconcile(run: Arc<AnalysisRun>, r: Arc<Runner>) -> Result<Requeue, RunnerError> {
    if !r.leadership.borrow().may_write() {
        return Ok(Requeue::await_change());
    }
    let mut status = run.status.clone().unwrap_or_default();
    if status.phase.is_terminal() || run.spec.superseded || run.spec.metrics.is_empty() {
        return Ok(Requeue::await_change());
    }
    let now = r.clock.now();
    let started = status.started_at.as_ref().map_or(now, |t| t.0);
    let before = status.clone();
    let mut results: Vec<MetricResult> = run
        .spec
        .metrics
        .iter()
        .map(|m| {
            status.metric_results.iter().find(|x| x.name == m.name).cloned().unwrap_or_else(|| MetricResult {
                name: m.name.clone(),
                dry_run: m.dry_run || run.spec.dry_run,
                ..MetricResult::default()
            })
        })
        .collect();
    let ended = run.spec.terminate;
    let due: Vec<usize> = (0..results.len())
        .filter(|&i| {
            let m = &run.spec.metrics[i];
            let (phase, _) = tally::metric_phase(m, &results[i], ended, run.spec.score.is_some());
            !ended && tally::next_due(m, &results[i], phase, started).is_some_and(|t| t <= now)
        })
        .collect();
    let taken = join_all(due.iter().map(|&i| take(&r, &run, &run.spec.metrics[i], &results[i], now))).await;
    let mut recorded = 0u64;
    let mut pending = false;
    for (&i, m) in due.iter().zip(taken) {
        match m {
            Some(m) => {
                tally::record(&run.spec.metrics[i], &mut results[i], m);
                recorded += 1;
            }
            None => pending = true,
        }
    }
    let (phase, message, score) = tally::decide(&run.spec, &mut results, ended);
    status = AnalysisRunStatus {
        phase,
        message: Some(message.clone()),
        started_at: Some(Time(started)),
        metric_results: results,
        score: score.map(|s| s.to_string()),
    };
    if status != before {
        let body = json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "AnalysisRun", "status": status});
        let api: Api<AnalysisRun> = Api::namespaced(r.client.clone(), &run.namespace().unwrap_or_default());
        bounded(api.patch_status(
            &run.name_any(),
            &PatchParams::apply(super::runs::MANAGER).force(),
            &Patch::Apply(body),
        ))
        .await
        .map_err(|source| RunnerError::Write { name: run.name_any(), source })?;
        r.metrics.measurements.inc_by(recorded);
        if phase.is_terminal() {
            announce(&r, &run, phase, &message);
        }
    }
    if phase.is_terminal() {
        if run.spec.metrics.iter().any(|m| m.provider.job.is_some()) {
            super::provider::job::stop_all(&r.client, &run)
                .await
                .map_err(|source| RunnerError::StopJobs { name: run.name_any(), source })?;
        }
        return Ok(Requeue::await_change());
    }
    if pending {
        // A Job's changes wake the run; this is the safety net.
        return Ok(Requeue::requeue(JOB_POLL));
    }
    let next = run
        .spec
        .metrics
        .iter()
        .zip(&status.metric_results)
        .filter_map(|(m, x)| tally::next_due(m, x, x.phase, started))
        .min();
    Ok(match next {
        Some(t) => {
            Requeue::requeue(Duration::try_from(t.duration_since(r.clock.now())).unwrap_or(Duration::ZERO))
        }
        None => Requeue::await_change(),
    })
}

/// The run's verdict as an Event on the run.
fn announce(r: &Runner, run: &AnalysisRun, phase: AnalysisPhase, message: &str) {
    let (type_, reason) = match phase {
        AnalysisPhase::Successful => (EventType::Normal, "AnalysisSuccessful"),
        AnalysisPhase::Failed => (EventType::Warning, "AnalysisFailed"),
        AnalysisPhase::Inconclusive => (EventType::Warning, "AnalysisInconclusive"),
        _ => (EventType::Warning, "AnalysisError"),
    };
    let event = Event {
        type_,
        reason: reason.into(),
        note: Some(crate::controller::act::truncate(message, 1024)),
        action: "Analyse".into(),
        secondary: None,
    };
    let (recorder, reference) = (r.recorder.clone(), run.object_ref(&()));
    tokio::spawn(async move {
        if let Err(e) = bounded(recorder.publish(&event, &reference)).await {
            tracing::warn!(error = %e, "could not publish an analysis event");
        }
    });
}

/// On failure: retry shortly (the write is idempotent: the next pass measures only what is
/// still due).
pub fn error_policy(_: Arc<AnalysisRun>, e: &RunnerError, _: Arc<Runner>) -> Requeue {
    tracing::warn!(error = %e, "analysis run not advanced");
    Requeue::requeue(RETRY)
}
