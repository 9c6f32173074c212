//! A Rollout's AnalysisRuns as the planner's verdicts.

use kube::ResourceExt;

use crate::{
    api::{
        AnalysisErrorAction,
        analysis::{AnalysisPhase, AnalysisRun},
    },
    plan::{AnalysisPoint, Verdict, VerdictOutcome},
};

/// The verdict a run gives (`None` for one set aside or with a point Ramp does not know).
pub fn verdict(run: &AnalysisRun) -> Option<Verdict> {
    if run.spec.superseded {
        return None;
    }
    let point = AnalysisPoint::parse(&run.spec.point)?;
    let status = run.status.clone().unwrap_or_default();
    let outcome = match status.phase {
        AnalysisPhase::Pending | AnalysisPhase::Running => VerdictOutcome::Running,
        AnalysisPhase::Successful => VerdictOutcome::Successful,
        AnalysisPhase::Failed => VerdictOutcome::Failed,
        AnalysisPhase::Inconclusive => VerdictOutcome::Inconclusive,
        // A provider that kept failing never promotes.
        AnalysisPhase::Error => match run.spec.on_error.unwrap_or_default() {
            AnalysisErrorAction::Abort => VerdictOutcome::Failed,
            AnalysisErrorAction::Pause => VerdictOutcome::Inconclusive,
        },
    };
    Some(Verdict {
        revision: run.spec.revision.clone(),
        point,
        outcome,
        decided_at: status.phase.is_terminal().then(|| decided_at(&status)).flatten(),
        message: format!("{} ({})", status.message.unwrap_or_default(), run.name_any()),
    })
}

/// The verdicts of a Rollout's runs.
pub fn of<'a>(runs: impl IntoIterator<Item = &'a AnalysisRun>) -> Vec<Verdict> {
    runs.into_iter().filter_map(verdict).collect()
}

/// When the latest measurement of a run was taken: the one that decided a run that ended on
/// its own (a run ended by the controller has no deciding measurement and gives its last).
fn decided_at(status: &crate::api::analysis::AnalysisRunStatus) -> Option<jiff::Timestamp> {
    status.metric_results.iter().filter_map(|r| r.measurements.last()).map(|m| m.at.0).max()
}
