//! The bridge from client-side to server-side `kubectl apply`: the API server lets the
//! `kubectl` applier take over fields that match the client-side last-applied
//! configuration, and keeps that annotation in step with what `kubectl` server-side applies.

use serde_json::{Map, Value};

use super::fieldset::FieldSet;
use super::typed::Schema;

/// The annotation client-side `kubectl apply` keeps.
const ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// The only manager the API server does this for.
pub(crate) const KUBECTL: &str = "kubectl";
/// The most all annotations of an object may hold, in bytes.
const ANNOTATIONS_LIMIT: usize = 256 * 1024;

fn annotation(obj: &Value) -> Option<&str> {
    obj.get("metadata")?.get("annotations")?.get(ANNOTATION)?.as_str().filter(|s| !s.is_empty())
}

/// Fields whose conflicts `kubectl` may override: those of the last-applied configuration
/// whose live value still is the last-applied one.
pub(crate) fn allowed_conflicts(schema: &Schema, live: &Value) -> FieldSet {
    let Some(last) = annotation(live).and_then(|s| serde_json::from_str::<Value>(s).ok()) else {
        return FieldSet::default();
    };
    let Ok(set) = schema.field_set(&last) else { return FieldSet::default() };
    let cmp = schema.compare(&last, live);
    set.difference(&cmp.modified).difference(&cmp.added).difference(&cmp.removed)
}

/// After a `kubectl` server-side apply, rewrites the last-applied annotation (if the object
/// has one) to the applied configuration, as the API server does.
pub(crate) fn sync(obj: &mut Value, config: &Value) {
    if annotation(obj).is_none() {
        return;
    }
    let mut applied = config.clone();
    if let Some(meta) = applied.get_mut("metadata").and_then(Value::as_object_mut) {
        let now_empty = meta.get_mut("annotations").and_then(Value::as_object_mut).is_some_and(|a| {
            a.remove(ANNOTATION);
            a.is_empty()
        });
        if now_empty {
            meta.remove("annotations");
        }
    }
    let Ok(text) = serde_json::to_string(&applied) else { return };
    let Some(annotations) = obj.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) else {
        return;
    };
    annotations.insert(ANNOTATION.into(), Value::String(format!("{text}\n")));
    if size(annotations) > ANNOTATIONS_LIMIT {
        annotations.remove(ANNOTATION);
    }
}

fn size(annotations: &Map<String, Value>) -> usize {
    annotations.iter().map(|(k, v)| k.len() + v.as_str().map_or(0, str::len)).sum()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apiserver::list_type::ListType;

    fn atomic(_: &str) -> ListType {
        ListType::Atomic
    }

    #[test]
    fn allowed_are_the_unchanged_last_applied_fields() {
        let schema = Schema::new(&atomic);
        let last = json!({"spec": {"replicas": 2, "paused": true}});
        let live = json!({"metadata": {"annotations": {ANNOTATION: last.to_string()}},
            "spec": {"replicas": 2, "paused": false}});
        let allowed = allowed_conflicts(&schema, &live);
        assert_eq!(allowed.to_fields_v1(), json!({"f:spec": {"f:replicas": {}}}));
    }

    #[test]
    fn sync_rewrites_an_existing_annotation_only() {
        let config =
            json!({"metadata": {"name": "x", "annotations": {ANNOTATION: "old"}}, "data": {"a": "1"}});
        let mut obj = json!({"metadata": {"name": "x", "annotations": {ANNOTATION: "old", "b": "c"}}});
        sync(&mut obj, &config);
        assert_eq!(
            obj["metadata"]["annotations"][ANNOTATION],
            "{\"data\":{\"a\":\"1\"},\"metadata\":{\"name\":\"x\"}}\n"
        );
        let mut bare = json!({"metadata": {"name": "x"}});
        sync(&mut bare, &config);
        assert_eq!(bare, json!({"metadata": {"name": "x"}}));
    }
}
