//! How one simulated pod answers: its error ratio and median latency, read from its
//! annotations or, failing that, from its first container's image tag; and its version.
//!
//! Resolution, per property, first match wins: the annotation, then the image-tag
//! convention, then the default. A malformed annotation or tag part is ignored (it falls
//! through to the next source) rather than failing the whole simulation.

use std::time::Duration;

use serde_json::Value;

use crate::rng::Rng;

/// Pod annotation: the fraction of requests answered with HTTP 500, `0.0`–`1.0` (e.g. `0.2`).
pub const ERROR_RATE_ANNOTATION: &str = "sim.ramp.dev/error-rate";
/// Pod annotation: the median latency, a duration such as `50ms`, `1s`, `1.5s`, `1m30s`.
pub const LATENCY_ANNOTATION: &str = "sim.ramp.dev/latency";
/// Pod label read first for the version.
pub const VERSION_LABEL: &str = "app.kubernetes.io/version";
/// Pod label read for the version when [`VERSION_LABEL`] is absent.
pub const POD_TEMPLATE_HASH_LABEL: &str = "pod-template-hash";
/// Version of an endpoint whose pod has neither version label (or is not found).
pub const UNKNOWN_VERSION: &str = "unknown";
/// Median latency when nothing says otherwise.
pub const DEFAULT_MEDIAN_LATENCY: Duration = Duration::from_millis(20);
/// Spread of the log-normal latency distribution: `latency = median · exp(σ · Z)`, `Z ~ N(0, 1)`.
/// With σ = 0.5 the p90 is ≈ 1.9 × median and the p99 ≈ 3.2 × median.
pub const LATENCY_SIGMA: f64 = 0.5;

/// A malformed behaviour setting.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BehaviourError {
    /// Not a number in `0.0..=1.0`.
    #[error("invalid error rate {0:?}: expected a number from 0.0 to 1.0")]
    ErrorRate(String),
    /// Not a duration like `50ms` or `1.5s`.
    #[error("invalid duration {0:?}: expected e.g. 50ms, 1s, 1m30s (units ns, us, µs, ms, s, m, h)")]
    Duration(String),
}

/// How a pod answers requests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Behaviour {
    /// Probability that a request gets HTTP 500 (otherwise 200).
    pub error_rate: f64,
    /// Median of the log-normal latency distribution.
    pub median_latency: Duration,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self { error_rate: 0.0, median_latency: DEFAULT_MEDIAN_LATENCY }
    }
}

impl Behaviour {
    /// The behaviour of `pod` (a Pod object): annotations, then image-tag conventions on the
    /// first container (`-errors<N>` → N % errors, `-slow<D>` → median latency D), then defaults.
    pub fn of_pod(pod: &Value) -> Self {
        let annotation = |key: &str| pod.pointer("/metadata/annotations").and_then(|a| a.get(key));
        let annotation = |key: &str| annotation(key).and_then(Value::as_str);
        let tag = pod
            .pointer("/spec/containers/0/image")
            .and_then(Value::as_str)
            .and_then(image_tag)
            .map(TagConventions::parse)
            .unwrap_or_default();
        let default = Self::default();
        Self {
            error_rate: annotation(ERROR_RATE_ANNOTATION)
                .and_then(|s| parse_error_rate(s).ok())
                .or(tag.error_rate)
                .unwrap_or(default.error_rate),
            median_latency: annotation(LATENCY_ANNOTATION)
                .and_then(|s| parse_duration(s).ok())
                .or(tag.median_latency)
                .unwrap_or(default.median_latency),
        }
    }

    /// One latency sample, in seconds.
    pub(super) fn sample_latency(&self, rng: &mut Rng) -> f64 {
        self.median_latency.as_secs_f64() * (LATENCY_SIGMA * rng.standard_normal()).exp()
    }
}

/// The version label value of `pod`: `app.kubernetes.io/version`, else `pod-template-hash`,
/// else `"unknown"`.
pub fn version_of(pod: &Value) -> &str {
    let labels = pod.pointer("/metadata/labels");
    [VERSION_LABEL, POD_TEMPLATE_HASH_LABEL]
        .iter()
        .find_map(|k| labels.and_then(|l| l.get(*k)).and_then(Value::as_str))
        .unwrap_or(UNKNOWN_VERSION)
}

/// Parses an error rate: a number in `0.0..=1.0`, surrounding whitespace allowed.
pub fn parse_error_rate(s: &str) -> Result<f64, BehaviourError> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|r| (0.0..=1.0).contains(r))
        .ok_or_else(|| BehaviourError::ErrorRate(s.to_owned()))
}

/// Parses a duration in the Go / Kubernetes style: one or more `<number><unit>` parts
/// (decimal numbers allowed), units `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`; or a bare `0`.
pub fn parse_duration(s: &str) -> Result<Duration, BehaviourError> {
    let err = || BehaviourError::Duration(s.to_owned());
    let text = s.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = text;
    let mut seconds = 0.0_f64;
    if rest.is_empty() {
        return Err(err());
    }
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_len);
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(err());
        }
        let value: f64 = number.parse().map_err(|_| err())?;
        let unit_len = tail.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(err()),
        };
        seconds += value * scale;
        rest = tail;
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| err())
}

/// The tag of an image reference (`registry:5000/app:v2-errors20@sha256:…` → `v2-errors20`).
fn image_tag(image: &str) -> Option<&str> {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.rsplit_once(':').map(|(_, tag)| tag)
}

/// What an image tag says, part by part (`-`-separated): `errors<N>` and `slow<D>`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct TagConventions {
    error_rate: Option<f64>,
    median_latency: Option<Duration>,
}

impl TagConventions {
    fn parse(tag: &str) -> Self {
        let mut out = Self::default();
        // The first part is the plain version (`v2` in `v2-errors20`), so skip it.
        for part in tag.split('-').skip(1) {
            let errors = part.strip_prefix("errors").and_then(|n| n.parse::<f64>().ok());
            if let Some(pct) = errors.filter(|p| (0.0..=100.0).contains(p)) {
                out.error_rate = Some(pct / 100.0);
            }
            if let Some(d) = part.strip_prefix("slow").and_then(|d| parse_duration(d).ok()) {
                out.median_latency = Some(d);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(image: &str, annotations: Value, labels: Value) -> Value {
        json!({"metadata": {"name": "p", "annotations": annotations, "labels": labels},
            "spec": {"containers": [{"name": "app", "image": image}, {"name": "side", "image": "x:v-errors90"}]}})
    }

    #[test]
    fn durations() {
        let ms = Duration::from_millis;
        assert_eq!(parse_duration("50ms"), Ok(ms(50)));
        assert_eq!(parse_duration("1s"), Ok(ms(1000)));
        assert_eq!(parse_duration("1.5s"), Ok(ms(1500)));
        assert_eq!(parse_duration("1m30s"), Ok(ms(90_000)));
        assert_eq!(parse_duration(" 250us "), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "ms", "50", "50 ms", "5x", "1..5s", "-1s", "."] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn error_rates() {
        assert_eq!(parse_error_rate("0.25"), Ok(0.25));
        assert_eq!(parse_error_rate("1"), Ok(1.0));
        for bad in ["1.5", "-0.1", "20%", "NaN", ""] {
            assert!(parse_error_rate(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tags() {
        assert_eq!(image_tag("app:v2-errors20"), Some("v2-errors20"));
        assert_eq!(image_tag("reg:5000/team/app:v1@sha256:abc"), Some("v1"));
        assert_eq!(image_tag("reg:5000/team/app"), None);
        let t = TagConventions::parse("v2-errors20-slow300ms");
        assert_eq!(t.error_rate, Some(0.2));
        assert_eq!(t.median_latency, Some(Duration::from_millis(300)));
        assert_eq!(TagConventions::parse("errors20"), TagConventions::default());
        assert_eq!(TagConventions::parse("v2-errors200-slowly"), TagConventions::default());
    }

    #[test]
    fn resolution_order() {
        let b = Behaviour::of_pod(&pod("app:v1", json!({}), json!({})));
        assert_eq!(b, Behaviour::default());
        assert_eq!(b.median_latency, Duration::from_millis(20));
        let b = Behaviour::of_pod(&pod("app:v2-errors20-slow300ms", json!({}), json!({})));
        assert_eq!(b, Behaviour { error_rate: 0.2, median_latency: Duration::from_millis(300) });
        let ann = json!({ERROR_RATE_ANNOTATION: "0", LATENCY_ANNOTATION: "1s"});
        let b = Behaviour::of_pod(&pod("app:v2-errors20-slow300ms", ann, json!({})));
        assert_eq!(b, Behaviour { error_rate: 0.0, median_latency: Duration::from_secs(1) });
        // A malformed annotation falls through to the tag.
        let ann = json!({ERROR_RATE_ANNOTATION: "lots", LATENCY_ANNOTATION: "slow"});
        let b = Behaviour::of_pod(&pod("app:v2-errors20-slow300ms", ann, json!({})));
        assert_eq!(b, Behaviour { error_rate: 0.2, median_latency: Duration::from_millis(300) });
    }

    #[test]
    fn versions() {
        let both = json!({VERSION_LABEL: "1.2.3", POD_TEMPLATE_HASH_LABEL: "abc"});
        assert_eq!(version_of(&pod("a:b", json!({}), both)), "1.2.3");
        assert_eq!(version_of(&pod("a:b", json!({}), json!({POD_TEMPLATE_HASH_LABEL: "abc"}))), "abc");
        assert_eq!(version_of(&pod("a:b", json!({}), json!({}))), UNKNOWN_VERSION);
    }
}
