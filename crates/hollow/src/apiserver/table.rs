//! `meta.k8s.io/v1` Table responses, as `kubectl get` asks for them: the resource's printer
//! columns, a NAME column first and (for built-ins) AGE last.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::registry::{CellSource, ResourceDef, json_path};

/// A human duration like kubectl's: `42s`, `5m`, `3h`, `2d`.
pub fn human_age(since: &str, now: Timestamp) -> String {
    let Ok(t) = since.parse::<Timestamp>() else { return "<unknown>".into() };
    let secs = now.duration_since(t).as_secs().max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 3600 * 2 => format!("{}m", s / 60),
        s if s < 86400 * 2 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

/// A Table of `objects`.
pub fn table(def: &ResourceDef, objects: &[&Value], resource_version: u64, now: Timestamp) -> Value {
    let mut columns = vec![
        json!({"name": "Name", "type": "string", "format": "name", "description": "Name of the object", "priority": 0}),
    ];
    for c in &def.columns {
        columns.push(
            json!({"name": c.name, "type": if c.type_ == "date" { "string" } else { c.type_.as_str() },
            "format": "", "description": c.description, "priority": c.priority}),
        );
    }
    let has_age = def.columns.iter().any(|c| c.name == "Age");
    if !has_age {
        columns.push(json!({"name": "Age", "type": "string", "format": "", "description": "Time since creation", "priority": 0}));
    }
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut cells = vec![o.pointer("/metadata/name").cloned().unwrap_or(Value::Null)];
            for c in &def.columns {
                let v = match &c.source {
                    CellSource::Computed(f) => f(o, now),
                    CellSource::JsonPath(p) => json_path(o, p).cloned().unwrap_or(Value::Null),
                };
                let v = match (c.type_.as_str(), v) {
                    ("date", Value::String(s)) => json!(human_age(&s, now)),
                    (_, v) => v,
                };
                cells.push(v);
            }
            if !has_age {
                let created = o.pointer("/metadata/creationTimestamp").and_then(Value::as_str).unwrap_or_default();
                cells.push(json!(human_age(created, now)));
            }
            json!({"cells": cells, "object": {
                "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"].clone()}})
        })
        .collect();
    json!({
        "kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version.to_string()},
        "columnDefinitions": columns, "rows": rows,
    })
}
