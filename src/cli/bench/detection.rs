//! `ramp bench detection`: each error-rate judge as the examples ship it
//! (`examples/analysis/`), fed simulated Prometheus answers through the runner's own path
//! (`measure` → `tally::record` → `tally::decide`, pure): how soon it fails a canary whose
//! requests fail 20% of the time, and how often it fails a healthy one (false alarms over
//! 1,000 canaries).
//!
//! Traffic model: 50 requests a second, 20% of them to the canary; stable and a healthy canary
//! fail `--error-rate` of their requests (0.5%), a faulty canary 20%; each request fails independently. The
//! stable side has ten minutes of history when the canary starts. A measurement's answer is
//! what the metric's built-in `successRate` query returns over that traffic: a rate over the
//! window (threshold), cumulative failure and request counts (sequential), or a series of
//! one rate per interval over the last ten minutes (compare).

use std::{io::Write, time::Duration};

use anyhow::Context;
use hollow::rng::Rng;
use jiff::Timestamp;
use serde_json::json;

use super::stats::{percentile, secs};
use crate::{
    analysis::{
        measure::{Answer, measure},
        tally,
        value::Sample,
    },
    api::analysis::{AnalysisPhase, AnalysisRunSpec, AnalysisTemplate, Metric, MetricResult},
    cli::CliError,
};

/// Arguments of `ramp bench detection`.
#[derive(Debug, clap::Args)]
pub struct DetectionArgs {
    /// Canaries simulated per judge and case.
    #[arg(long, default_value_t = 1000)]
    pub canaries: usize,
    /// Seed of the simulated traffic (the same seed gives the same figures).
    #[arg(long, default_value_t = 12)]
    pub seed: u64,
    /// Added to each decision: the measured time from a failing verdict to traffic back on
    /// stable (`ramp bench steady` prints it as verdict-p50).
    #[arg(long, default_value = "20ms", value_parser = parse_duration)]
    pub reaction: Duration,
    /// Share of requests that fail on stable and on a healthy canary.
    #[arg(long, default_value_t = 0.005)]
    pub error_rate: f64,
    /// Measure every metric at this interval (and after one interval first) instead of the
    /// examples' own, to see how detection scales with it.
    #[arg(long, value_parser = parse_duration)]
    pub interval: Option<Duration>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::api::DurationString::new(s).parse().map_err(|e| e.to_string())
}

/// Requests per second to the Service, and the canary's share of them.
const RATE: u64 = 50;
const CANARY_SHARE: f64 = 0.2;
const FAULTY_ERRORS: f64 = 0.2;
/// Seconds of stable history before the canary starts.
const HISTORY: usize = 600;
/// Longest simulated analysis.
const LONGEST: usize = 3 * 3600;

/// Failures and requests of one side, one slot per second.
struct Side {
    errors: Vec<u64>,
    requests: Vec<u64>,
}

impl Side {
    /// Errors and requests in seconds `from..to` (slot indices, clamped).
    fn sum(&self, from: usize, to: usize) -> (u64, u64) {
        let to = to.min(self.requests.len());
        let from = from.min(to);
        (self.errors[from..to].iter().sum(), self.requests[from..to].iter().sum())
    }
}

/// Seconds of traffic: slot `HISTORY + t` is second `t` of the canary (negative: before it).
struct Traffic {
    canary: Side,
    stable: Side,
}

impl Traffic {
    fn simulate(rng: &mut Rng, stable_errors: f64, canary_errors: f64, seconds: usize) -> Self {
        let total = HISTORY + seconds;
        let mut draw = |rate: u64, p: f64, from: usize| {
            let mut side = Side { errors: vec![0; total], requests: vec![0; total] };
            for s in from..total {
                side.requests[s] = rate;
                side.errors[s] = (0..rate).filter(|_| rng.chance(p)).count() as u64;
            }
            side
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let canary_rate = (RATE as f64 * CANARY_SHARE).round() as u64;
        let canary = draw(canary_rate, canary_errors, HISTORY);
        let stable = draw(RATE - canary_rate, stable_errors, 0);
        Self { canary, stable }
    }
}

#[allow(clippy::cast_precision_loss)]
fn success(errors: u64, requests: u64) -> f64 {
    if requests == 0 { f64::NAN } else { 1.0 - errors as f64 / requests as f64 }
}

/// What the metric's `successRate` query answers at second `t` of the canary.
fn answer(metric: &Metric, traffic: &Traffic, t: usize) -> Answer {
    let now = HISTORY + t;
    let interval = secs_of(tally::interval(metric));
    let values = |value: Sample, baseline: Option<Sample>| Answer::Values {
        value,
        baseline,
        share: Some(CANARY_SHARE),
        query: "simulated successRate".into(),
        window: format!("{interval}s"),
    };
    if metric.judge.sequential.is_some() {
        let (ce, cr) = traffic.canary.sum(0, now);
        let (se, sr) = traffic.stable.sum(0, now);
        #[allow(clippy::cast_precision_loss)]
        let counts = |e: u64, r: u64| Sample::Vector(vec![e as f64, r as f64]);
        return values(counts(ce, cr), Some(counts(se, sr)));
    }
    if metric.judge.compare.is_some() {
        // As the provider asks (`builtin::compare_step`): one point every interval over the
        // last ten minutes, each a rate over that interval.
        let series = |side: &Side| -> Vec<f64> {
            (0..=600 / interval)
                .rev()
                .filter_map(|k| now.checked_sub(k * interval))
                .map(|at| {
                    let (e, r) = side.sum(at.saturating_sub(interval), at);
                    success(e, r)
                })
                .filter(|v| !v.is_nan())
                .collect()
        };
        return values(
            Sample::Vector(series(&traffic.canary)),
            Some(Sample::Vector(series(&traffic.stable))),
        );
    }
    let (e, r) = traffic.canary.sum(now.saturating_sub(interval), now);
    values(Sample::Number(success(e, r)), None)
}

fn secs_of(d: Duration) -> usize {
    usize::try_from(d.as_secs()).unwrap_or(usize::MAX).max(1)
}

/// How one simulated analysis ended, and when (seconds after the canary started).
fn analyse(metric: &Metric, traffic: &Traffic) -> (AnalysisPhase, usize) {
    let spec: AnalysisRunSpec = match serde_json::from_value(json!({
        "rollout": "bench", "revision": "canary", "point": "step-1", "metrics": [metric]}))
    {
        Ok(s) => s,
        Err(_) => return (AnalysisPhase::Error, 0),
    };
    let start = Timestamp::UNIX_EPOCH;
    let mut results = vec![MetricResult { name: metric.name.clone(), ..MetricResult::default() }];
    let mut phase = AnalysisPhase::Running;
    while let Some(due) = tally::next_due(metric, &results[0], phase, start) {
        let t = usize::try_from(due.duration_since(start).as_secs()).unwrap_or(usize::MAX);
        if t > LONGEST {
            return (phase, t);
        }
        let m = measure(metric, &results[0], answer(metric, traffic, t), due);
        tally::record(metric, &mut results[0], m);
        phase = tally::decide(&spec, &mut results, false).0;
        if phase.is_terminal() {
            return (phase, t);
        }
    }
    (phase, 0)
}

/// The error-rate metrics of the shipped examples. One without an `initialDelay` is given one
/// interval: the analysis starts with the canary's first requests, and a query over a window
/// in which the canary served nothing has no data (the examples run such templates as
/// background analysis from a later step, once the canary has served for a while).
fn judges() -> anyhow::Result<Vec<(&'static str, Metric)>> {
    let metric = |yaml: &str, name: &str| -> anyhow::Result<Metric> {
        let t: AnalysisTemplate =
            serde_saphyr::from_str(yaml).context("an example template does not parse")?;
        let mut m = t
            .spec
            .metrics
            .into_iter()
            .find(|m| m.name == name)
            .with_context(|| format!("no metric {name}"))?;
        if m.initial_delay.is_none() {
            m.initial_delay.clone_from(&m.interval);
        }
        Ok(m)
    };
    Ok(vec![
        (
            "threshold (success-rate-threshold.yaml)",
            metric(include_str!("../../../examples/analysis/success-rate-threshold.yaml"), "success-rate")?,
        ),
        (
            "sequential (success-rate-sequential.yaml)",
            metric(include_str!("../../../examples/analysis/success-rate-sequential.yaml"), "errors")?,
        ),
        (
            "compare (kayenta-compare.yaml)",
            metric(include_str!("../../../examples/analysis/kayenta-compare.yaml"), "success-rate")?,
        ),
    ])
}

/// One judge's figures.
struct Figures {
    /// Faulty canaries failed, and when.
    caught: Vec<Duration>,
    /// Healthy canaries failed.
    false_alarms: usize,
    /// Healthy canaries paused as inconclusive.
    inconclusive: usize,
}

fn simulate(metric: &Metric, canaries: usize, seed: u64, error_rate: f64) -> Figures {
    let longest = secs_of(tally::interval(metric)) * 200 + 600;
    let seconds = longest.min(LONGEST);
    let mut rng = Rng::new(seed);
    let mut f = Figures { caught: Vec::new(), false_alarms: 0, inconclusive: 0 };
    for _ in 0..canaries {
        let faulty = Traffic::simulate(&mut rng, error_rate, FAULTY_ERRORS, seconds);
        if let (AnalysisPhase::Failed, t) = analyse(metric, &faulty) {
            f.caught.push(Duration::from_secs(t as u64));
        }
        let healthy = Traffic::simulate(&mut rng, error_rate, error_rate, seconds);
        match analyse(metric, &healthy).0 {
            AnalysisPhase::Failed => f.false_alarms += 1,
            AnalysisPhase::Inconclusive => f.inconclusive += 1,
            _ => {}
        }
    }
    f
}

/// Runs `ramp bench detection`.
pub fn run(args: &DetectionArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.canaries == 0 {
        return Err(CliError::BadInput("--canaries must be at least 1".into()));
    }
    if args.interval.is_some_and(|i| i < Duration::from_secs(1)) {
        return Err(CliError::BadInput(
            "--interval must be at least 1s (the traffic is simulated per second)".into(),
        ));
    }
    if !(0.0..FAULTY_ERRORS).contains(&args.error_rate) {
        return Err(CliError::BadInput(
            "--error-rate must be at least 0 and below the faulty canary's 0.2".into(),
        ));
    }
    writeln!(
        out,
        "{:<42} {:>7} {:>10} {:>10} {:>12} {:>13}",
        "judge", "caught", "detect-p50", "detect-max", "false-alarms", "inconclusive"
    )
    .context("writing")?;
    for (name, mut metric) in judges()? {
        if let Some(i) = args.interval {
            let text = crate::api::DurationString::new(format!("{}ms", i.as_millis()));
            metric.interval = Some(text.clone());
            metric.initial_delay = Some(text);
        }
        let f = simulate(&metric, args.canaries, args.seed, args.error_rate);
        let with_reaction = |d: Option<Duration>| d.map(|d| d + args.reaction);
        #[allow(clippy::cast_precision_loss)]
        let pct = |n: usize| format!("{:.1}%", n as f64 * 100.0 / args.canaries as f64);
        writeln!(
            out,
            "{:<42} {:>7} {:>10} {:>10} {:>12} {:>13}",
            name,
            pct(f.caught.len()),
            secs(with_reaction(percentile(&f.caught, 0.5))),
            secs(with_reaction(percentile(&f.caught, 1.0))),
            pct(f.false_alarms),
            pct(f.inconclusive),
        )
        .context("writing")?;
    }
    writeln!(
        out,
        "{} canaries per judge and case, seed {}: {RATE} req/s, {}% to the canary, stable and healthy canaries fail {}%, \
         faulty ones 20%; detect: first bad request to traffic on stable ({:?} reaction added); a metric without an \
         initialDelay waits one interval",
        args.canaries,
        args.seed,
        CANARY_SHARE * 100.0,
        args.error_rate * 100.0,
        args.reaction
    )
    .context("writing")?;
    writeln!(
        out,
        "published: Flagger rolls back after interval × threshold (its docs; interval at least 10 s); Argo Rollouts \
         fails at the next measurement interval, 40-50 s of consecutive errors when the provider is down"
    )
    .context("writing")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_judges_parse_and_a_faulty_canary_is_caught() {
        for (name, metric) in judges().unwrap() {
            let f = simulate(&metric, 5, 3, 0.005);
            assert_eq!(f.caught.len(), 5, "{name} caught every 20%-error canary");
        }
    }
}
