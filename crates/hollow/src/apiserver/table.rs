//! `meta.k8s.io/v1` Table responses, as `kubectl get` asks for them. Built-in kinds have the
//! real printers' columns (see [`super::printers`], Name and Age included where the real
//! printer puts them; priority 1 columns are what `-o wide` adds); a CRD has Name plus its
//! declared printer columns, or Name and Age when it declares none; a kind without a printer
//! has the default convertor's Name and Created At.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{
    params::Params,
    registry::{CellSource, Column, ResourceDef, json_path},
};

/// The real server's `duration.HumanDuration`: `42s`, `5m30s`, `3h10m`, `2d4h`, `1y30d`.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    if secs < 0 {
        return "0s".into();
    }
    if secs < 120 {
        return format!("{secs}s");
    }
    let (minutes, hours) = (secs / 60, secs / 3600);
    let with = |big: i64, bu: &str, small: i64, su: &str| {
        if small == 0 { format!("{big}{bu}") } else { format!("{big}{bu}{small}{su}") }
    };
    match () {
        () if minutes < 10 => with(minutes, "m", secs % 60, "s"),
        () if minutes < 180 => format!("{minutes}m"),
        () if hours < 8 => with(hours, "h", minutes % 60, "m"),
        () if hours < 48 => format!("{hours}h"),
        () if hours < 24 * 8 => with(hours / 24, "d", hours % 24, "h"),
        () if hours < 24 * 365 * 2 => format!("{}d", hours / 24),
        () if hours < 24 * 365 * 8 => with(hours / 24 / 365, "y", (hours / 24) % 365, "d"),
        () => format!("{}y", hours / 24 / 365),
    }
}

/// The age of a timestamp as the printers show it (`<unknown>` when unset or unreadable).
pub fn human_age(since: &str, now: Timestamp) -> String {
    let Ok(t) = since.parse::<Timestamp>() else { return "<unknown>".into() };
    human_duration(now.duration_since(t).as_secs())
}

fn definition(c: &Column) -> Value {
    let type_ = if c.type_ == "date" { "string" } else { c.type_.as_str() };
    let format = if c.name == "Name" && c.type_ == "string" { "name" } else { "" };
    json!({"name": c.name, "type": type_, "format": format, "description": c.description, "priority": c.priority})
}

fn name_column() -> Column {
    Column {
        name: "Name".into(),
        type_: "string".into(),
        priority: 0,
        description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names".into(),
        source: CellSource::JsonPath(".metadata.name".into()),
    }
}

fn date_column(name: &str, description: &str) -> Column {
    Column {
        name: name.into(),
        type_: "date".into(),
        priority: 0,
        description: description.into(),
        source: CellSource::JsonPath(".metadata.creationTimestamp".into()),
    }
}

/// The columns a Table of `def` has, in order.
pub fn columns(def: &ResourceDef) -> Vec<Column> {
    if def.builtin && def.columns.is_empty() {
        return vec![
            name_column(),
            date_column(
                "Created At",
                "CreationTimestamp is a timestamp representing the server time when this object was created.",
            ),
        ];
    }
    if def.builtin {
        return def.columns.clone();
    }
    let mut cols = vec![name_column()];
    if def.columns.is_empty() {
        cols.push(date_column(
            "Age",
            "Custom resource definition column (in JSONPath format): .metadata.creationTimestamp",
        ));
    }
    cols.extend(def.columns.iter().cloned());
    cols
}

/// A Table of `objects`. `includeObject` (`None`, `Metadata` by default, `Object`) says what
/// each row carries besides its cells.
pub fn table(
    def: &ResourceDef,
    objects: &[&Value],
    resource_version: u64,
    now: Timestamp,
    p: &Params,
) -> Value {
    let cols = columns(def);
    let include = p.get("includeObject").unwrap_or("Metadata");
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let cells: Vec<Value> = cols
                .iter()
                .map(|c| {
                    let v = match &c.source {
                        CellSource::Computed(f) => f(o, now),
                        CellSource::JsonPath(p) => json_path(o, p).cloned().unwrap_or(Value::Null),
                    };
                    match (c.type_.as_str(), v) {
                        ("date", Value::String(s)) => json!(human_age(&s, now)),
                        ("date", Value::Null) => json!("<unknown>"),
                        (_, v) => v,
                    }
                })
                .collect();
            let mut row = json!({"cells": cells});
            match include {
                "None" => {}
                "Object" => row["object"] = (*o).clone(),
                _ => {
                    row["object"] = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                           "metadata": o["metadata"].clone()});
                }
            }
            row
        })
        .collect();
    json!({
        "kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version.to_string()},
        "columnDefinitions": cols.iter().map(definition).collect::<Vec<_>>(), "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_kubectl_prints_them() {
        for (secs, want) in [
            (-5, "<invalid>"),
            (-1, "0s"),
            (59, "59s"),
            (119, "119s"),
            (150, "2m30s"),
            (600, "10m"),
            (3 * 3600 + 600, "3h10m"),
            (9 * 3600, "9h"),
            (50 * 3600, "2d2h"),
            (72 * 3600, "3d"),
            (30 * 86400, "30d"),
            (800 * 86400, "2y70d"),
            (9 * 365 * 86400, "9y"),
        ] {
            assert_eq!(human_duration(secs), want, "{secs}");
        }
    }
}
