//! The built-in SLIs, `successRate` and `latency`, written out as the PromQL Ramp runs — the
//! same text `ramp analysis render` prints, so a user can read (and paste) what is asked.
//!
//! Conventions (overridable per metric): a request counter `http_requests_total` and a
//! duration histogram `http_request_duration_seconds`, both labelled `namespace` and
//! `service` (the Service that answered), the counter also `code`. The window of each
//! measurement is the metric's interval unless `window` is set.

use crate::api::analysis::{Judge, LatencySli, MetricProvider, SuccessRateSli};

/// Default request counter.
pub const REQUESTS: &str = "http_requests_total";
/// Default duration histogram.
pub const DURATION: &str = "http_request_duration_seconds";
/// Default failure codes (a regular expression over `code`).
pub const ERROR_CODES: &str = "5..";

/// The queries of one measurement, placeholders (`{{rollout.…}}`, `{{interval}}`) still in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SliQueries {
    /// Base URL of the Prometheus server.
    pub address: String,
    /// The value judged (the canary's side).
    pub query: String,
    /// The baseline's side, for judges that compare.
    pub baseline: Option<String>,
    /// Requests to each side so far (cumulative), for the sequential count judge: with them
    /// each side's value is `[failures, requests]`.
    pub requests: Option<(String, String)>,
    /// For the `compare` judge: run as a range query this far back (a series per side, a
    /// point every interval: see [`compare_step`]).
    pub lookback: Option<String>,
}

/// How far back the series of a built-in SLI under the `compare` judge go, unless `window`
/// says otherwise.
pub const COMPARE_LOOKBACK: &str = "10m";

/// Resolution of those series: the metric's interval, the window each point rates over, so
/// that no two points share a request. (Points every 10 s, each over a minute, share five
/// sixths of their requests: the rank test, which takes its points as independent, then
/// failed 26% of healthy canaries in `ramp bench detection`.)
pub fn compare_step(metric: &crate::api::analysis::Metric) -> String {
    format!("{}s", super::tally::interval(metric).as_secs().max(1))
}

/// The lookback of a `compare` judge's series: the SLI's `window`, else [`COMPARE_LOOKBACK`].
fn lookback(judge: &Judge, w: Option<&crate::api::DurationString>) -> Option<String> {
    judge.compare.as_ref().map(|_| w.map_or(COMPARE_LOOKBACK.to_string(), |w| w.as_str().to_string()))
}

fn selector(service: &str) -> String {
    format!("namespace=\"{{{{rollout.namespace}}}}\",service=\"{service}\"")
}

fn window(w: Option<&crate::api::DurationString>) -> String {
    w.map_or_else(|| "{{interval}}".to_string(), |w| w.as_str().to_string())
}

/// The canary's Service and the baseline's, as placeholders unless the SLI names one.
fn sides(service: Option<&String>) -> (String, String) {
    (
        service.cloned().unwrap_or_else(|| "{{rollout.canaryService}}".into()),
        "{{rollout.stableService}}".to_string(),
    )
}

fn success_rate(s: &SuccessRateSli, judge: &Judge) -> SliQueries {
    let m = s.metric.as_deref().unwrap_or(REQUESTS);
    let codes = s.error_codes.as_deref().unwrap_or(ERROR_CODES);
    // Under `compare`, `window` is the series' lookback and each point rates over the interval.
    let w = if judge.compare.is_some() { "{{interval}}".to_string() } else { window(s.window.as_ref()) };
    let (canary, stable) = sides(s.service.as_ref());
    let rate = |svc: &str| {
        format!(
            "sum(rate({m}{{{sel},code!~\"{codes}\"}}[{w}])) / sum(rate({m}{{{sel}}}[{w}]))",
            sel = selector(svc)
        )
    };
    if judge.sequential.is_some() {
        // The sequential count test reads cumulative counters at each measurement and takes
        // differences (exact event counts between measurements, no window overlap or
        // extrapolation). No failures yet is 0; no requests at all is no data.
        let total = |svc: &str, filter: &str| format!("sum({m}{{{}{filter}}})", selector(svc));
        let errors = format!(",code=~\"{codes}\"");
        return SliQueries {
            address: s.address.clone(),
            query: format!("{} or vector(0)", total(&canary, &errors)),
            baseline: Some(format!("{} or vector(0)", total(&stable, &errors))),
            requests: Some((total(&canary, ""), total(&stable, ""))),
            lookback: None,
        };
    }
    SliQueries {
        address: s.address.clone(),
        query: rate(&canary),
        baseline: judge.compare.is_some().then(|| rate(&stable)),
        requests: None,
        lookback: lookback(judge, s.window.as_ref()),
    }
}

fn latency(l: &LatencySli, judge: &Judge) -> SliQueries {
    let m = l.metric.as_deref().unwrap_or(DURATION);
    let q = l.quantile.as_deref().unwrap_or("0.99");
    let w = if judge.compare.is_some() { "{{interval}}".to_string() } else { window(l.window.as_ref()) };
    let (canary, stable) = sides(l.service.as_ref());
    let quantile = |svc: &str| {
        format!("histogram_quantile({q}, sum by (le) (rate({m}_bucket{{{}}}[{w}])))", selector(svc))
    };
    SliQueries {
        address: l.address.clone(),
        query: quantile(&canary),
        baseline: (judge.compare.is_some() || judge.sequential.is_some()).then(|| quantile(&stable)),
        requests: None,
        lookback: lookback(judge, l.window.as_ref()),
    }
}

/// The queries of a built-in SLI (`None` for other providers).
pub fn expand(provider: &MetricProvider, judge: &Judge) -> Option<SliQueries> {
    if let Some(s) = &provider.success_rate {
        return Some(success_rate(s, judge));
    }
    provider.latency.as_ref().map(|l| latency(l, judge))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::analysis::{SequentialJudge, ThresholdJudge};

    fn judge(sequential: bool) -> Judge {
        if sequential {
            Judge { sequential: Some(SequentialJudge::default()), ..Judge::default() }
        } else {
            Judge { threshold: Some(ThresholdJudge::default()), ..Judge::default() }
        }
    }

    #[test]
    fn success_rate_reads_as_promql() {
        let p = MetricProvider {
            success_rate: Some(SuccessRateSli {
                address: "http://p:9090".into(),
                ..SuccessRateSli::default()
            }),
            ..MetricProvider::default()
        };
        let q = expand(&p, &judge(false)).unwrap_or_else(|| unreachable!());
        assert_eq!(
            q.query,
            "sum(rate(http_requests_total{namespace=\"{{rollout.namespace}}\",service=\"{{rollout.canaryService}}\",code!~\"5..\"}[{{interval}}])) \
             / sum(rate(http_requests_total{namespace=\"{{rollout.namespace}}\",service=\"{{rollout.canaryService}}\"}[{{interval}}]))"
        );
        assert_eq!(q.baseline, None);
        let s = expand(&p, &judge(true)).unwrap_or_else(|| unreachable!());
        assert_eq!(
            s.query,
            "sum(http_requests_total{namespace=\"{{rollout.namespace}}\",service=\"{{rollout.canaryService}}\",code=~\"5..\"}) or vector(0)",
            "cumulative failures, 0 when there are none"
        );
        assert_eq!(s.lookback, None);
        assert!(s.baseline.as_deref().is_some_and(|b| b.contains("{{rollout.stableService}}")));
        assert!(s.requests.is_some());
    }

    #[test]
    fn latency_is_a_histogram_quantile() {
        let p = MetricProvider {
            latency: Some(LatencySli {
                address: "http://p:9090".into(),
                quantile: Some("0.9".into()),
                service: Some("web".into()),
                ..LatencySli::default()
            }),
            ..MetricProvider::default()
        };
        let q = expand(&p, &judge(false)).unwrap_or_else(|| unreachable!());
        assert_eq!(
            q.query,
            "histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{namespace=\"{{rollout.namespace}}\",service=\"web\"}[{{interval}}])))"
        );
    }
}
