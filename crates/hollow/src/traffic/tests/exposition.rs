//! A strict little parser for the text exposition format (0.0.4), and the checks that
//! [`Traffic::render`] produces it: HELP/TYPE before samples, exact label sets, escaping,
//! sorted and consistent histogram series.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use super::{NS, Objects, pod, route, run, target};
use crate::traffic::{LATENCY_ANNOTATION, Traffic};

/// One sample line.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Sample {
    pub(super) name: String,
    pub(super) labels: Vec<(String, String)>,
    pub(super) value: f64,
}

impl Sample {
    pub(super) fn label(&self, name: &str) -> Option<&str> {
        self.labels.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses `name{k="v",...} value`, unescaping label values; `Err` says what is wrong.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    if !is_name(name) {
        return Err(format!("bad metric name {name:?}"));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(mut body) = rest.strip_prefix('{') {
        loop {
            let (key, after) = body.split_once("=\"").ok_or("label value not quoted")?;
            if !is_name(key) {
                return Err(format!("bad label name {key:?}"));
            }
            let mut value = String::new();
            let mut chars = after.char_indices();
            let close = loop {
                match chars.next().ok_or("unterminated value")? {
                    (_, '\\') => match chars.next().ok_or("dangling escape")?.1 {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        'n' => value.push('\n'),
                        c => return Err(format!("bad escape \\{c}")),
                    },
                    (_, '\n') => return Err("raw newline in value".into()),
                    (i, '"') => break i,
                    (_, c) => value.push(c),
                }
            };
            labels.push((key.to_owned(), value));
            let tail = &after[close + 1..];
            if let Some(next) = tail.strip_prefix(',') {
                body = next;
            } else if let Some(end) = tail.strip_prefix('}') {
                rest = end;
                break;
            } else {
                return Err("expected , or }".into());
            }
        }
    }
    let value = rest.strip_prefix(' ').ok_or("no space before value")?;
    let value = value.parse::<f64>().map_err(|e| format!("bad value {value:?}: {e}"))?;
    Ok(Sample { name: name.to_owned(), labels, value })
}

/// Parses a whole exposition, checking that each sample's family was declared by `# HELP`
/// and `# TYPE` lines first (and only once), and that histogram parts use the `histogram`
/// type. Panics (test-only) on any violation.
pub(super) fn parse(text: &str) -> Vec<Sample> {
    assert!(text.ends_with('\n'), "exposition ends with a newline");
    let mut help = BTreeMap::new();
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut parts = comment.splitn(3, ' ');
            let (kind, name, rest) = (parts.next(), parts.next(), parts.next());
            let (Some(kind), Some(name), Some(rest)) = (kind, name, rest) else {
                panic!("bad comment {line:?}")
            };
            assert!(is_name(name), "{line:?}");
            match kind {
                "HELP" => assert!(help.insert(name.to_owned(), rest.to_owned()).is_none(), "dup HELP {name}"),
                "TYPE" => {
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&rest),
                        "{line:?}"
                    );
                    assert!(help.contains_key(name), "HELP before TYPE for {name}");
                    assert!(types.insert(name.to_owned(), rest.to_owned()).is_none(), "dup TYPE {name}");
                }
                _ => panic!("unknown comment {line:?}"),
            }
            continue;
        }
        assert!(!line.is_empty() && !line.starts_with('#'), "stray line {line:?}");
        let sample = parse_sample(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                sample.name.strip_suffix(suffix).filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(&sample.name);
        assert!(types.contains_key(family), "sample before TYPE: {line:?}");
        samples.push(sample);
    }
    samples
}

fn label_names(s: &Sample) -> Vec<&str> {
    s.labels.iter().map(|(k, _)| k.as_str()).collect()
}

#[test]
fn render_parses_back() {
    let mut o = Objects::canary("app:v2-errors30-slow200ms");
    o.routes.push(route(
        NS,
        "app",
        "2024-01-01T00:00:00Z",
        &[("stable", Some(3)), ("canary", Some(1)), ("ghost", Some(1))],
    ));
    let t = run(&o, "stable", 2000.0);
    let text = t.render();
    let samples = parse(&text);
    assert!(text.contains("# TYPE http_requests_total counter\n"));
    assert!(text.contains("# TYPE http_request_duration_seconds histogram\n"));
    for s in &samples {
        match s.name.as_str() {
            "http_requests_total" => assert_eq!(label_names(s), ["namespace", "service", "version", "code"]),
            "http_request_duration_seconds_bucket" => {
                assert_eq!(label_names(s), ["namespace", "service", "version", "le"])
            }
            "http_request_duration_seconds_sum" | "http_request_duration_seconds_count" => {
                assert_eq!(label_names(s), ["namespace", "service", "version"])
            }
            other => panic!("unexpected series {other}"),
        }
        assert!(s.value >= 0.0 && s.value.is_finite());
        assert!(!s.labels.iter().any(|(_, v)| v.ends_with("-0")), "no pod names in labels");
    }
    // Counters: every (service, version, code) once, sorted by labels; totals match counts().
    let keys: Vec<Vec<String>> = samples
        .iter()
        .filter(|s| s.name == "http_requests_total")
        .map(|s| s.labels.iter().map(|(_, v)| v.clone()).collect())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let from_text: u64 =
        samples.iter().filter(|s| s.name == "http_requests_total").map(|s| s.value as u64).sum();
    assert_eq!(from_text, t.counts().values().sum::<u64>());
    assert_eq!(from_text, 2000);
    let les: Vec<&str> = samples
        .iter()
        .filter(|s| s.name == "http_request_duration_seconds_bucket" && s.label("service") == Some("canary"))
        .filter_map(|s| s.label("le"))
        .collect();
    assert_eq!(les, ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]);
    let series: Vec<(&str, &str)> = samples
        .iter()
        .filter(|s| s.name == "http_request_duration_seconds_count")
        .filter_map(|s| Some((s.label("service")?, s.label("version")?)))
        .collect();
    assert_eq!(series, [("canary", "v2"), ("ghost", "none"), ("stable", "v1")]);
}

#[test]
fn label_values_are_escaped() {
    let weird = "v\"1\\2\nthree";
    let mut o = Objects::default();
    o.app(NS, "web", &[("web-0", "x", "app:x")]);
    o.pods[0] = pod(NS, "web-0", weird, "app:x", json!({LATENCY_ANNOTATION: "1ms"}));
    let t = run(&o, "web", 3.0);
    let text = t.render();
    assert!(text.contains("version=\"v\\\"1\\\\2\\nthree\""), "{text}");
    let samples = parse(&text);
    assert_eq!(samples.len(), 1 + 12 + 2);
    assert!(samples.iter().all(|s| s.label("version") == Some(weird)));
}

#[test]
fn empty_traffic_renders_headers() {
    let t = Traffic::new(1, vec![target("web", 1.0)]);
    assert!(parse(&t.render()).is_empty());
    let mut t = t;
    t.tick(Duration::from_millis(999), &Objects::default().world());
    assert!(parse(&t.render()).is_empty());
}

#[test]
fn the_parser_rejects_bad_lines() {
    for bad in
        ["x{a=\"1} 1", "x{a=1} 1", "x{a=\"\\q\"} 1", "x 1 2", "1x 1", "x{a=\"1\"}1", "x{a=\"1\";b=\"2\"} 1"]
    {
        assert!(parse_sample(bad).is_err(), "{bad:?}");
    }
    let ok = parse_sample("x{a=\"1\",b=\"q\\\"\"} 2.5").map(|s| (s.labels, s.value));
    assert_eq!(ok, Ok((vec![("a".into(), "1".into()), ("b".into(), "q\"".into())], 2.5)));
}
