//! Checks of metrics beyond their schema: names unique among the templates a run combines,
//! threshold conditions that parse, compare and sequential settings in range, and a judge on
//! every metric but a job's. The controller refuses a run on the first problem; `ramp lint`
//! reports every one with its field path.

use crate::api::analysis::Metric;

/// What is wrong with one metric.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Another metric has the same name.
    Duplicate,
    /// A threshold condition does not parse.
    Threshold(String),
    /// The compare judge's settings are out of range.
    Compare(String),
    /// The sequential judge's settings are out of range.
    Sequential(String),
    /// No judge, and not a job metric.
    NoJudge,
}

/// A problem of the metric at `index`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricProblem {
    /// Position in the list checked.
    pub index: usize,
    /// The metric's name.
    pub name: String,
    /// What is wrong.
    pub problem: Problem,
}

impl MetricProblem {
    /// The field under the metric: `judge.threshold`, `judge`, or `""` (the metric).
    pub fn field(&self) -> &'static str {
        match self.problem {
            Problem::Duplicate => "name",
            Problem::Threshold(_) => "judge.threshold",
            Problem::Compare(_) => "judge.compare",
            Problem::Sequential(_) => "judge.sequential",
            Problem::NoJudge => "judge",
        }
    }

    /// The problem without the metric's name.
    pub fn message(&self) -> String {
        match &self.problem {
            Problem::Duplicate => format!("metric {} appears more than once", self.name),
            Problem::Threshold(e) | Problem::Compare(e) | Problem::Sequential(e) => e.clone(),
            Problem::NoJudge => "no judge (only a job metric may leave it out)".into(),
        }
    }

    /// The problem in one sentence naming the metric, as the controller reports it.
    pub fn summary(&self) -> String {
        let n = &self.name;
        match &self.problem {
            Problem::Duplicate => format!("metric {n} appears twice among the templates"),
            Problem::Threshold(e) => format!("metric {n}: {e}"),
            Problem::Compare(e) => format!("metric {n}: compare: {e}"),
            Problem::Sequential(e) => format!("metric {n}: sequential: {e}"),
            Problem::NoJudge => format!("metric {n}: no judge (only a job metric may leave it out)"),
        }
    }
}

/// Every problem, in metric order.
pub fn metrics(metrics: &[Metric]) -> Vec<MetricProblem> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (index, m) in metrics.iter().enumerate() {
        let mut add = |problem| out.push(MetricProblem { index, name: m.name.clone(), problem });
        if !seen.insert(m.name.as_str()) {
            add(Problem::Duplicate);
        }
        if let Some(t) = &m.judge.threshold
            && let Err(e) = super::threshold::check(t)
        {
            add(Problem::Threshold(e));
        }
        if let Some(c) = &m.judge.compare
            && let Err(e) = super::compare::Settings::of(c)
        {
            add(Problem::Compare(e));
        }
        if let Some(q) = &m.judge.sequential
            && let Err(e) = super::sequential::Settings::of(q)
        {
            add(Problem::Sequential(e));
        }
        if m.judge.is_unset() && m.provider.job.is_none() {
            add(Problem::NoJudge);
        }
    }
    out
}
