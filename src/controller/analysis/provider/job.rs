//! `job`: each measurement runs a Kubernetes Job (a smoke or load test) and is its outcome —
//! 1 when the Job completes, 0 when it fails. Level-triggered like everything else: the Job's
//! name is the run's, the metric's and the measurement's number, so a restarted controller
//! finds the Job it started instead of starting another; while it runs the answer is
//! [`Answer::Pending`] and the run is woken by the Job's own changes (it owns the Job).

use futures::future::BoxFuture;
use k8s_openapi::{
    api::batch::v1::{Job, JobSpec},
    apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference},
};
use kube::{
    Api, Client, Resource, ResourceExt,
    api::{PostParams, PropagationPolicy},
};

use super::{Answer, MetricSource, Request};
use crate::{api::analysis::AnalysisRun, controller::act::bounded};

/// Label on every Job a run starts: the run's name.
pub const RUN_LABEL: &str = "ramp.dev/analysis-run";

/// Jobs through the API server.
pub struct Jobs<'c> {
    /// The API client.
    pub client: &'c Client,
}

/// `head` then `tail` if that fits a label value (63 characters); else as much of `head` as
/// fits beside a hash of the whole and `tail`, so two long names stay apart.
fn fit(head: &str, tail: &str) -> String {
    let full = format!("{head}{tail}");
    if full.len() <= 63 {
        return full;
    }
    let hash = crate::plan::revision::fnv64(full.as_bytes());
    let tail = format!("-{:08x}{tail}", hash as u32);
    let head: String = head.chars().take(63 - tail.len()).collect();
    format!("{}{tail}", head.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
}

/// The Job of measurement `n` (1-based) of `metric` in `run`: a valid object name and label
/// value.
pub fn job_name(run: &str, metric: &str, n: i32) -> String {
    fit(&format!("{run}-{metric}"), &format!("-{n}")).to_ascii_lowercase()
}

/// A run's name as a label value.
pub fn run_label_value(run: &str) -> String {
    fit(run, "")
}

fn owner(run: &AnalysisRun) -> OwnerReference {
    OwnerReference {
        api_version: AnalysisRun::api_version(&()).into_owned(),
        kind: AnalysisRun::kind(&()).into_owned(),
        name: run.name_any(),
        uid: run.uid().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The finished state of a Job: `Some(true)` complete, `Some(false)` failed (with the reason).
fn finished(job: &Job) -> Option<(bool, String)> {
    let conditions = job.status.as_ref().and_then(|s| s.conditions.as_ref())?;
    conditions.iter().filter(|c| c.status == "True").find_map(|c| match c.type_.as_str() {
        "Complete" => Some((true, c.reason.clone().unwrap_or_else(|| "Complete".into()))),
        "Failed" => {
            let why = [c.reason.as_deref(), c.message.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ");
            Some((false, if why.is_empty() { "Failed".into() } else { why }))
        }
        _ => None,
    })
}

impl Jobs<'_> {
    async fn measure_job(&self, req: &Request<'_>) -> Result<Answer, String> {
        let (Some(run), Some(p)) = (req.run, req.metric.provider.job.as_ref()) else {
            return Err("no job provider".into());
        };
        let ns = run.namespace().unwrap_or_default();
        let name = job_name(&run.name_any(), &req.metric.name, req.number);
        let query = format!("Job {ns}/{name}");
        let api: Api<Job> = Api::namespaced(self.client.clone(), &ns);
        let existing = bounded(api.get_opt(&name)).await.map_err(|e| format!("{query}: {e}"))?;
        let Some(job) = existing else {
            // Placeholders in the spec are filled (in its JSON text) before it is decoded.
            let text = req.fill(&p.spec.to_string())?;
            let spec: JobSpec = serde_json::from_str(&text)
                .map_err(|e| format!("the job spec is not a batch/v1 JobSpec: {e}"))?;
            let mut labels =
                spec.template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
            // Label values are at most 63 characters: the run's name is cut like the Job's.
            labels.insert(RUN_LABEL.into(), run_label_value(&run.name_any()));
            labels.insert(
                crate::controller::act::ROLLOUT_LABEL.into(),
                crate::controller::render::rollout_label_value(&run.spec.rollout),
            );
            let job = Job {
                metadata: ObjectMeta {
                    name: Some(name.clone()),
                    namespace: Some(ns.clone()),
                    labels: Some(labels),
                    owner_references: Some(vec![owner(run)]),
                    ..ObjectMeta::default()
                },
                spec: Some(spec),
                status: None,
            };
            let pp = PostParams {
                field_manager: Some(super::super::runs::MANAGER.into()),
                ..PostParams::default()
            };
            return match bounded(api.create(&pp, &job)).await {
                Ok(_) => Ok(Answer::Pending { message: format!("{query} started") }),
                // Created by a pass just before (a stale cache): it runs.
                Err(kube::Error::Api(e)) if e.code == 409 => {
                    Ok(Answer::Pending { message: format!("{query} running") })
                }
                Err(kube::Error::Api(e)) => Err(format!("{query} was refused: {}", e.message)),
                Err(e) => Err(format!("{query}: {e}")),
            };
        };
        let Some((ok, why)) = finished(&job) else {
            return Ok(Answer::Pending { message: format!("{query} running") });
        };
        let status = job.status.clone().unwrap_or_default();
        let started = status.start_time.map(|t| t.0.to_string()).unwrap_or_else(|| "?".into());
        // A failed Job has no completionTime: it ended when its Failed condition turned true.
        let failed_at = status
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == "Failed" && c.status == "True")
            .and_then(|c| c.last_transition_time.clone());
        let ended =
            status.completion_time.or(failed_at).map(|t| t.0.to_string()).unwrap_or_else(|| "?".into());
        Ok(Answer::Values {
            value: ramp_core::analysis::value::Sample::Number(if ok { 1.0 } else { 0.0 }),
            baseline: None,
            share: None,
            query,
            window: format!(
                "started {started}, ended {ended}: {why}; {} pod(s) succeeded, {} failed",
                status.succeeded.unwrap_or(0),
                status.failed.unwrap_or(0)
            ),
        })
    }
}

impl MetricSource for Jobs<'_> {
    fn measure<'a>(&'a self, req: &'a Request<'a>) -> BoxFuture<'a, Answer> {
        Box::pin(async move {
            match self.measure_job(req).await {
                Ok(a) => a,
                Err(message) => Answer::Error { message, query: String::new() },
            }
        })
    }
}

/// Stops the Jobs of a run that is over (a load test must not outlive its verdict).
pub async fn stop_all(client: &Client, run: &AnalysisRun) -> Result<(), kube::Error> {
    let api: Api<Job> = Api::namespaced(client.clone(), &run.namespace().unwrap_or_default());
    let lp =
        kube::api::ListParams::default().labels(&format!("{RUN_LABEL}={}", run_label_value(&run.name_any())));
    for job in bounded(api.list(&lp)).await?.items {
        if finished(&job).is_none() && job.metadata.deletion_timestamp.is_none() {
            let dp = kube::api::DeleteParams {
                propagation_policy: Some(PropagationPolicy::Background),
                ..Default::default()
            };
            match bounded(api.delete(&job.name_any(), &dp)).await {
                Ok(_) => {}
                Err(kube::Error::Api(e)) if e.code == 404 => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_and_distinct() {
        assert_eq!(job_name("web-abc-step-1", "smoke", 1), "web-abc-step-1-smoke-1");
        let long = "r".repeat(80);
        let (a, b) = (job_name(&long, "smoke", 1), job_name(&long, "smoke", 2));
        assert!(a.len() <= 63 && b.len() <= 63 && a != b, "{a} {b}");
        assert_ne!(job_name(&long, "a", 1), job_name(&long, "b", 1));
        let (x, y) = (run_label_value(&format!("{long}-step-1")), run_label_value(&format!("{long}-step-2")));
        assert!(x.len() <= 63 && y.len() <= 63 && x != y, "{x} {y}");
        assert_eq!(run_label_value("web-abc-bg"), "web-abc-bg");
    }
}
