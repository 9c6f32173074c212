//! `metadata.managedFields`: its entries, and how conflicts with them are reported.

use serde_json::{Map, Value, json};

use super::Conflict;
use super::fieldset::FieldSet;

pub(crate) const APPLY: &str = "Apply";
pub(crate) const UPDATE: &str = "Update";

/// One `managedFields` entry, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub time: Option<String>,
    pub subresource: Option<String>,
    pub set: FieldSet,
}

impl Entry {
    pub(crate) fn is(&self, manager: &str, operation: &str, subresource: Option<&str>) -> bool {
        self.manager == manager && self.operation == operation && self.subresource.as_deref() == subresource
    }

    fn decode(v: &Value) -> Result<Entry, String> {
        let obj = v.as_object().ok_or("a managedFields entry must be an object")?;
        let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
        let operation = text("operation").unwrap_or_default();
        if operation != APPLY && operation != UPDATE {
            return Err(format!("unsupported managedFields operation {operation:?}"));
        }
        if let Some(t) = text("fieldsType").filter(|t| t != "FieldsV1") {
            return Err(format!("unsupported managedFields fieldsType {t:?}"));
        }
        let set = match obj.get("fieldsV1") {
            None | Some(Value::Null) => FieldSet::default(),
            Some(f) => FieldSet::from_fields_v1(f)?,
        };
        Ok(Entry {
            manager: text("manager").unwrap_or_default(),
            operation,
            api_version: text("apiVersion").unwrap_or_default(),
            time: text("time"),
            subresource: text("subresource").filter(|s| !s.is_empty()),
            set,
        })
    }

    fn encode(&self) -> Value {
        let mut m = Map::new();
        m.insert("manager".into(), Value::String(self.manager.clone()));
        m.insert("operation".into(), Value::String(self.operation.clone()));
        m.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        if let Some(t) = &self.time {
            m.insert("time".into(), Value::String(t.clone()));
        }
        m.insert("fieldsType".into(), Value::String("FieldsV1".into()));
        m.insert("fieldsV1".into(), self.set.to_fields_v1());
        if let Some(s) = &self.subresource {
            m.insert("subresource".into(), Value::String(s.clone()));
        }
        Value::Object(m)
    }

    /// The manager's identity as the API server keys it (JSON of the entry without time,
    /// fields, and, for appliers, apiVersion); conflicts are reported sorted by it.
    pub(crate) fn identifier(manager: &str, operation: &str, api_version: &str, sub: Option<&str>) -> String {
        let mut id = format!("{{\"manager\":{},\"operation\":{}", json!(manager), json!(operation));
        if operation != APPLY && !api_version.is_empty() {
            id.push_str(&format!(",\"apiVersion\":{}", json!(api_version)));
        }
        if let Some(s) = sub {
            id.push_str(&format!(",\"subresource\":{}", json!(s)));
        }
        id.push('}');
        id
    }
}

/// The `metadata.managedFields` of `obj`, if it has any.
pub(crate) fn raw(obj: &Value) -> Option<&Value> {
    obj.get("metadata")?.get("managedFields").filter(|v| !v.is_null())
}

/// Whether a write's `managedFields` asks to clear them: `[]` or `[{}]`.
pub(crate) fn is_reset(v: &Value) -> bool {
    match v.as_array().map(Vec::as_slice) {
        Some([]) => true,
        Some([only]) => only.as_object().is_some_and(Map::is_empty),
        _ => false,
    }
}

/// Decodes a `managedFields` list; entries of the same manager, operation and subresource
/// are combined.
pub(crate) fn decode(v: &Value) -> Result<Vec<Entry>, String> {
    let list = v.as_array().ok_or("metadata.managedFields must be a list")?;
    let mut out: Vec<Entry> = Vec::new();
    for item in list {
        let e = Entry::decode(item)?;
        match out.iter_mut().find(|o| o.is(&e.manager, &e.operation, e.subresource.as_deref())) {
            Some(o) => o.set = o.set.union(&e.set),
            None => out.push(e),
        }
    }
    Ok(out)
}

/// Entries of `obj`, none when it has none or they do not decode.
pub(crate) fn entries_of(obj: &Value) -> Vec<Entry> {
    raw(obj).and_then(|v| decode(v).ok()).unwrap_or_default()
}

/// `obj` without `metadata.managedFields`.
pub(crate) fn without(obj: &Value) -> Value {
    let mut out = obj.clone();
    if let Some(meta) = out.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    out
}

/// Stores `entries` in `obj` (dropping entries that own nothing; no field when none is left).
pub(crate) fn store(obj: &mut Value, entries: &[Entry]) {
    let list: Vec<Value> = entries.iter().filter(|e| !e.set.is_empty()).map(Entry::encode).collect();
    let Some(root) = obj.as_object_mut() else { return };
    if list.is_empty() {
        if let Some(meta) = root.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
        }
        return;
    }
    let meta = root.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    if let Some(meta) = meta.as_object_mut() {
        meta.insert("managedFields".into(), Value::Array(list));
    }
}

/// How the API server names a conflicting manager: `"kubectl"`, or for an updater
/// `"kubectl-edit" using apps/v1`, with ` with subresource "status"` when it wrote one.
fn print_manager(c: &Conflict, api_version: &str) -> String {
    let mut s = json!(c.manager).to_string();
    if let Some(sub) = &c.subresource {
        s.push_str(&format!(" with subresource {}", json!(sub)));
    }
    if c.operation != APPLY {
        let version = if c.api_version.is_empty() { api_version } else { &c.api_version };
        s.push_str(&format!(" using {version}"));
    }
    s
}

fn sort_key(c: &Conflict, api_version: &str) -> String {
    let op = if c.operation == APPLY { APPLY } else { UPDATE };
    let version = if c.api_version.is_empty() { api_version } else { &c.api_version };
    Entry::identifier(&c.manager, op, version, c.subresource.as_deref())
}

/// Sorts conflicts the way the API server lists them: by manager, fields in set order.
pub(crate) fn sort(conflicts: &mut [Conflict]) {
    conflicts.sort_by_cached_key(|c| sort_key(c, ""));
}

/// The message of the API server's 409 for these conflicts.
pub(crate) fn message(conflicts: &[Conflict], api_version: &str) -> String {
    if let [only] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            print_manager(only, api_version),
            only.field
        );
    }
    let mut groups: Vec<(String, String, Vec<&str>)> = Vec::new();
    for c in conflicts {
        let key = sort_key(c, api_version);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.2.push(&c.field),
            None => groups.push((key, print_manager(c, api_version), vec![&c.field])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let mut lines = Vec::new();
    for (_, who, fields) in groups {
        lines.push(format!("conflicts with {who}:"));
        lines.extend(fields.into_iter().map(|f| format!("- {f}")));
    }
    format!("Apply failed with {} conflicts: {}", conflicts.len(), lines.join("\n"))
}

/// The `Status` body of the API server's 409 for these conflicts.
pub(crate) fn status(conflicts: &[Conflict], api_version: &str) -> Value {
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|c| {
            json!({"reason": "FieldManagerConflict",
                "message": format!("conflict with {}", print_manager(c, api_version)),
                "field": c.field})
        })
        .collect();
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message(conflicts, api_version), "reason": "Conflict",
        "details": {"causes": causes}, "code": 409})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_reset() {
        let list = json!([
            {"manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": "t",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
            {"manager": "ctl", "operation": "Update", "apiVersion": "apps/v1", "time": "t",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:replicas": {}}}, "subresource": "status"}
        ]);
        let entries = decode(&list).unwrap();
        assert!(entries[1].is("ctl", UPDATE, Some("status")));
        let mut obj = json!({"metadata": {}});
        store(&mut obj, &entries);
        assert_eq!(obj["metadata"]["managedFields"], list);
        assert!(decode(&json!([{"operation": "Patch"}])).is_err());
        assert!(is_reset(&json!([{}])) && is_reset(&json!([])) && !is_reset(&list));
        store(&mut obj, &[]);
        assert_eq!(obj, json!({"metadata": {}}));
    }
}
