//! Conversion between `v1` Events (the stored form) and `events.k8s.io/v1` Events, field for
//! field as the real server's `pkg/apis/events/v1` conversion: `involvedObject`↔`regarding`,
//! `message`↔`note`, `source`↔`deprecatedSource`, `firstTimestamp`/`lastTimestamp`/`count`↔
//! `deprecatedFirstTimestamp`/`deprecatedLastTimestamp`/`deprecatedCount`,
//! `reportingComponent`↔`reportingController`; `eventTime`, `series`, `action`, `reason`,
//! `related`, `reportingInstance` and `type` keep their names.

use serde_json::{Map, Value, json};

/// `(core/v1 name, events.k8s.io/v1 name)` of every renamed field.
const RENAMED: [(&str, &str); 6] = [
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
];

const SAME: [&str; 8] =
    ["metadata", "eventTime", "series", "action", "reason", "related", "reportingInstance", "type"];

fn rename(obj: &Value, pairs: &[(&str, &str)], api_version: &str) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("Event"));
    out.insert("apiVersion".into(), json!(api_version));
    for (k, v) in obj.as_object().into_iter().flatten() {
        if let Some((_, to)) = pairs.iter().find(|(from, _)| from == k) {
            out.insert((*to).to_string(), v.clone());
        } else if SAME.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// A stored `v1` Event as `events.k8s.io/v1` shows it.
pub fn to_events_v1(core: &Value) -> Value {
    let mut pairs: Vec<(&str, &str)> = RENAMED.to_vec();
    pairs.push(("reportingComponent", "reportingController"));
    let mut out = rename(core, &pairs, "events.k8s.io/v1");
    // Zero counts and empty sources are not set in the new API.
    if out.get("deprecatedCount").and_then(Value::as_i64) == Some(0) {
        remove(&mut out, "deprecatedCount");
    }
    if out.get("deprecatedSource").and_then(Value::as_object).is_some_and(Map::is_empty) {
        remove(&mut out, "deprecatedSource");
    }
    out
}

/// An `events.k8s.io/v1` Event in the stored `v1` form.
pub fn to_core(ev: &Value) -> Value {
    let mut pairs: Vec<(&str, &str)> = RENAMED.iter().map(|(a, b)| (*b, *a)).collect();
    pairs.push(("reportingController", "reportingComponent"));
    rename(ev, &pairs, "v1")
}

fn remove(v: &mut Value, k: &str) {
    if let Some(o) = v.as_object_mut() {
        o.remove(k);
    }
}

/// A field selector over `events.k8s.io/v1` names rewritten to the stored form's names.
pub fn field_selector_to_core(sel: &str) -> String {
    sel.split(',')
        .map(|term| {
            if let Some(rest) = term.strip_prefix("regarding.") {
                format!("involvedObject.{rest}")
            } else if let Some(rest) = term.strip_prefix("reportingController") {
                format!("reportingComponent{rest}")
            } else {
                term.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_ways() {
        let core = json!({"kind": "Event", "apiVersion": "v1", "metadata": {"name": "e", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "default"},
            "reason": "Started", "message": "Started container", "source": {"component": "kubelet"},
            "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:01:00Z", "count": 3,
            "type": "Normal", "eventTime": null, "reportingComponent": "kubelet", "reportingInstance": "node-1"});
        let ev = to_events_v1(&core);
        assert_eq!(ev["apiVersion"], "events.k8s.io/v1");
        assert_eq!(ev["regarding"]["name"], "web-1");
        assert_eq!(ev["note"], "Started container");
        assert_eq!(ev["deprecatedSource"]["component"], "kubelet");
        assert_eq!(ev["deprecatedCount"], 3);
        assert_eq!(ev["reportingController"], "kubelet");
        assert_eq!(ev["deprecatedFirstTimestamp"], "2026-01-01T00:00:00Z");
        assert_eq!(to_core(&ev), core);
        assert_eq!(field_selector_to_core("regarding.name=a,reason=b"), "involvedObject.name=a,reason=b");
    }
}
