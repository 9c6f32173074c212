//! Kayenta's summary score over several `compare` metrics: each group scores the share of its
//! metrics that passed, groups are weighted, critical failures and missing data override.

use std::collections::BTreeMap;

use super::{Class, DEFAULT_GROUP};
use crate::api::analysis::CompareScore;

/// One metric's latest class, for scoring.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored<'a> {
    /// The metric's name.
    pub name: &'a str,
    /// Its groups (empty: [`DEFAULT_GROUP`]).
    pub groups: &'a [String],
    /// Its latest class.
    pub class: Class,
    /// Whether the metric is critical.
    pub critical: bool,
}

/// A summary score and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// 0–100, rounded to 2 decimals.
    pub value: f64,
    /// Per group, or the override that set the score.
    pub reason: String,
}

/// Kayenta's summary score of the latest class of each metric.
pub fn score(metrics: &[Scored<'_>], weights: &BTreeMap<String, i32>) -> Score {
    if let Some(m) = metrics.iter().find(|m| m.critical && m.class != Class::Pass) {
        return Score { value: 0.0, reason: format!("critical metric {} is {}", m.name, m.class.as_str()) };
    }
    let nodata = metrics.iter().filter(|m| m.class == Class::Nodata).count();
    if !metrics.is_empty() && 2 * nodata >= metrics.len() {
        return Score { value: 0.0, reason: format!("{nodata} of {} metrics have no data", metrics.len()) };
    }
    // Per group: (passed, counted).
    let mut groups: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for m in metrics {
        let names: Vec<&str> = if m.groups.is_empty() {
            vec![DEFAULT_GROUP]
        } else {
            m.groups.iter().map(String::as_str).collect()
        };
        for g in names {
            let e = groups.entry(g).or_default();
            match m.class {
                Class::Pass => *e = (e.0 + 1, e.1 + 1),
                Class::High | Class::Low | Class::NodataFail => e.1 += 1,
                Class::Nodata | Class::Error => {}
            }
        }
    }
    let named: f64 = groups.keys().filter_map(|g| weights.get(*g)).map(|&w| f64::from(w)).sum();
    let unnamed = groups.keys().filter(|g| !weights.contains_key(**g)).count();
    let share = if unnamed == 0 { 0.0 } else { (100.0 - named).max(0.0) / unnamed as f64 };
    let mut total = 0.0;
    let mut parts = Vec::new();
    for (g, (passed, counted)) in &groups {
        let weight = weights.get(*g).map_or(share, |&w| f64::from(w));
        let group_score =
            if *counted == 0 { 100.0 } else { 100.0 * f64::from(*passed) / f64::from(*counted) };
        total += group_score * weight / 100.0;
        let detail = if *counted == 0 { "no data".to_string() } else { format!("{passed}/{counted} passed") };
        parts.push(format!("{g} {group_score:.0} ({detail}, weight {weight:.0})"));
    }
    let value = (total * 100.0).round() / 100.0;
    Score { value, reason: parts.join(", ") }
}

/// A score's verdict: `Some(false)` fails (at or below marginal), `Some(true)` passes (at or
/// above pass), `None` is marginal.
pub fn verdict(score: f64, thresholds: &CompareScore) -> Option<bool> {
    if score <= f64::from(thresholds.marginal) {
        Some(false)
    } else if score >= f64::from(thresholds.pass) {
        Some(true)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored<'a>(name: &'a str, groups: &'a [String], class: Class) -> Scored<'a> {
        Scored { name, groups, class, critical: false }
    }

    #[test]
    fn scores_as_kayenta_weighs_groups() {
        let (lat, err) = (vec!["latency".to_string()], vec!["errors".to_string()]);
        let weights = BTreeMap::from([("latency".to_string(), 60), ("errors".to_string(), 40)]);
        let m = [
            scored("p50", &lat, Class::Pass),
            scored("p99", &lat, Class::High),
            scored("5xx", &err, Class::Pass),
            scored("4xx", &err, Class::Error),
        ];
        // latency 50 × 0.6 + errors 100 × 0.4 (the Error is not counted, and said).
        let s = score(&m, &weights);
        assert_eq!(s.value, 70.0, "{}", s.reason);
        assert!(s.reason.contains("errors 100 (1/1 passed, weight 40)"), "{}", s.reason);
        // Unweighted groups share what is left of 100.
        let s = score(&m, &BTreeMap::from([("latency".to_string(), 50)]));
        assert_eq!(s.value, 75.0);
        // Overrides: a critical failure, or half the metrics without data.
        let mut crit = m.clone();
        crit[1].critical = true;
        assert_eq!(score(&crit, &weights).value, 0.0);
        let nodata = [scored("a", &lat, Class::Nodata), scored("b", &lat, Class::Pass)];
        assert_eq!(score(&nodata, &weights).value, 0.0);
        let t = CompareScore { pass: 90, marginal: 70, group_weights: BTreeMap::new() };
        assert_eq!(
            (verdict(95.0, &t), verdict(80.0, &t), verdict(70.0, &t)),
            (Some(true), None, Some(false))
        );
    }
}
