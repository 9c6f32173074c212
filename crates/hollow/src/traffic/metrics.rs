//! The recorded SLIs and their Prometheus text exposition (format 0.0.4).
//!
//! Series are keyed by namespace → backend service → version (then code), in sorted
//! `BTreeMap`s, so rendering is deterministic and label cardinality stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Request counter name.
pub const REQUESTS_TOTAL: &str = "http_requests_total";
/// Latency histogram name.
pub const REQUEST_DURATION: &str = "http_request_duration_seconds";
/// Histogram upper bounds (seconds), with their exact `le` spelling; `+Inf` is implied.
pub const BUCKETS: [(f64, &str); 11] = [
    (0.005, "0.005"),
    (0.01, "0.01"),
    (0.025, "0.025"),
    (0.05, "0.05"),
    (0.1, "0.1"),
    (0.25, "0.25"),
    (0.5, "0.5"),
    (1.0, "1"),
    (2.5, "2.5"),
    (5.0, "5"),
    (10.0, "10"),
];

/// A latency histogram (per-bucket counts; rendered cumulatively).
#[derive(Clone, Debug, Default, PartialEq)]
struct Histogram {
    /// `buckets[i]`: observations in `(BUCKETS[i-1], BUCKETS[i]]`.
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|(le, _)| seconds <= *le) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// Everything recorded for one (namespace, service, version).
#[derive(Clone, Debug, Default, PartialEq)]
struct Series {
    codes: BTreeMap<u16, u64>,
    latency: Histogram,
}

/// All recorded requests.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Metrics {
    series: BTreeMap<String, BTreeMap<String, BTreeMap<String, Series>>>,
}

/// `map[key]`, inserting a default under an owned copy of `key` only when missing (so the
/// hot path does not allocate). Always `Some`.
fn slot<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> Option<&'m mut V> {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key)
}

impl Metrics {
    /// Records one request served with `code` after `seconds`.
    pub(super) fn record(&mut self, namespace: &str, service: &str, version: &str, code: u16, seconds: f64) {
        let series = slot(&mut self.series, namespace)
            .and_then(|services| slot(services, service))
            .and_then(|versions| slot(versions, version));
        let Some(series) = series else { return };
        *series.codes.entry(code).or_default() += 1;
        series.latency.observe(seconds);
    }

    /// Requests per (service, version, code), summed over namespaces.
    pub(super) fn counts(&self) -> BTreeMap<(String, String, String), u64> {
        let mut out = BTreeMap::new();
        for services in self.series.values() {
            for (service, versions) in services {
                for (version, series) in versions {
                    for (code, n) in &series.codes {
                        *out.entry((service.clone(), version.clone(), code.to_string())).or_default() += n;
                    }
                }
            }
        }
        out
    }

    fn each(&self) -> impl Iterator<Item = (&str, &str, &str, &Series)> {
        self.series.iter().flat_map(|(ns, services)| {
            services.iter().flat_map(move |(svc, versions)| {
                versions.iter().map(move |(ver, s)| (ns.as_str(), svc.as_str(), ver.as_str(), s))
            })
        })
    }

    /// The Prometheus text exposition (0.0.4) of everything recorded, sorted by labels.
    pub(super) fn render(&self) -> String {
        let mut out = String::new();
        let _ = self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP {REQUESTS_TOTAL} Synthetic HTTP requests, by backend service, version and status code."
        )?;
        writeln!(out, "# TYPE {REQUESTS_TOTAL} counter")?;
        for (ns, svc, ver, series) in self.each() {
            let labels = labels(ns, svc, ver);
            for (code, n) in &series.codes {
                writeln!(out, "{REQUESTS_TOTAL}{{{labels},code=\"{code}\"}} {n}")?;
            }
        }
        writeln!(
            out,
            "# HELP {REQUEST_DURATION} Synthetic HTTP request latency, by backend service and version."
        )?;
        writeln!(out, "# TYPE {REQUEST_DURATION} histogram")?;
        for (ns, svc, ver, series) in self.each() {
            let labels = labels(ns, svc, ver);
            let h = &series.latency;
            let mut cumulative = 0;
            for ((_, le), n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                writeln!(out, "{REQUEST_DURATION}_bucket{{{labels},le=\"{le}\"}} {cumulative}")?;
            }
            writeln!(out, "{REQUEST_DURATION}_bucket{{{labels},le=\"+Inf\"}} {}", h.count)?;
            writeln!(out, "{REQUEST_DURATION}_sum{{{labels}}} {}", h.sum)?;
            writeln!(out, "{REQUEST_DURATION}_count{{{labels}}} {}", h.count)?;
        }
        Ok(())
    }
}

fn labels(namespace: &str, service: &str, version: &str) -> String {
    format!(
        "namespace=\"{}\",service=\"{}\",version=\"{}\"",
        escape(namespace),
        escape(service),
        escape(version)
    )
}

/// Escapes a label value for the text format: `\` → `\\`, `"` → `\"`, newline → `\n`.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape("plain-1.2"), "plain-1.2");
        assert_eq!(escape("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }

    #[test]
    fn buckets_are_inclusive_upper_bounds() {
        let mut h = Histogram::default();
        for s in [0.0, 0.005, 0.0051, 10.0, 11.0] {
            h.observe(s);
        }
        assert_eq!(h.buckets[0], 2);
        assert_eq!(h.buckets[1], 1);
        assert_eq!(h.buckets[10], 1);
        assert_eq!(h.buckets.iter().sum::<u64>(), 4);
        assert_eq!(h.count, 5);
    }

    #[test]
    fn empty_render_has_headers_only() {
        let text = Metrics::default().render();
        assert_eq!(text.lines().count(), 4);
        assert!(text.lines().all(|l| l.starts_with("# ")));
    }
}
