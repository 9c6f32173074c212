//! Strategic merge patch as the API server applies it (apimachinery `strategicpatch`,
//! `StrategicMergeMapPatch`): maps merge recursively and `null` deletes a key; lists merge by
//! their [`ListType`]; directives (`$patch`, `$retainKeys`, `$setElementOrder/<field>`,
//! `$deleteFromPrimitiveList/<field>`) steer the merge and never reach the result.
//!
//! Choices made where the Go code relies on being followed by a decode into a typed object:
//! values the patch adds wholesale (a new field, a new list item, an atomic list, the content
//! of `$patch: replace`) lose their `null` members and directive keys, and a sub-map carrying
//! `$patch` there is dropped, as apimachinery's `removeDirectives` does.

use serde_json::{Map, Value};

use super::{PatchError, json_kind};
use crate::apiserver::list_type::ListType;

pub(super) const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ORDER: &str = "$setElementOrder";
const DELETE_PRIMITIVE: &str = "$deleteFromPrimitiveList";

/// Applies the strategic merge patch `patch` to `target`. `list_type(path)` tells how the list
/// at a dotted path (items written `[]`) merges; a map list merges on its first key, the
/// strategic `patchMergeKey`.
pub fn strategic(
    target: &Value,
    patch: &Value,
    list_type: &dyn Fn(&str) -> ListType,
) -> Result<Value, PatchError> {
    let patch = match patch {
        Value::Object(patch) => patch,
        // `null` decodes to an empty patch.
        Value::Null => return Ok(target.clone()),
        other => {
            return Err(PatchError::BadRequest(format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_kind(other)
            )));
        }
    };
    let original = match target {
        Value::Object(target) => target.clone(),
        _ => Map::new(),
    };
    Ctx { list_type }.merge_map(original, patch, "").map(Value::Object)
}

/// What every step of one merge needs.
pub(super) struct Ctx<'a> {
    pub(super) list_type: &'a dyn Fn(&str) -> ListType,
}

impl Ctx<'_> {
    /// Merges `patch` into `original` (the map at `path`).
    pub(super) fn merge_map(
        &self,
        mut original: Map<String, Value>,
        patch: &Map<String, Value>,
        path: &str,
    ) -> Result<Map<String, Value>, PatchError> {
        if let Some(directive) = patch.get(PATCH) {
            match directive.as_str() {
                Some("replace") => return Ok(clean_entries(patch)),
                Some("delete") => return Ok(Map::new()),
                // The default; apimachinery rejects it spelled out, we accept it.
                Some("merge") => {}
                _ => return Err(bad_patch_type(directive, patch)),
            }
        }
        retain_keys(&mut original, patch)?;
        let ordered = self.set_element_order(&mut original, patch, path)?;
        let mut deletions = Vec::new();
        for (key, value) in patch {
            if key == PATCH || key == RETAIN_KEYS || key.starts_with(SET_ORDER) || ordered.contains(key) {
                continue;
            }
            if key.starts_with(DELETE_PRIMITIVE) {
                deletions.push((directive_field(key, DELETE_PRIMITIVE)?, value));
                continue;
            }
            self.merge_field(&mut original, key, value, path, false)?;
        }
        // Deletions from primitive lists apply after the additions to the same list.
        for (key, value) in deletions {
            self.merge_field(&mut original, key, value, path, true)?;
        }
        Ok(original)
    }

    /// Merges one patch member into `original`; `delete_list` for the values of a
    /// `$deleteFromPrimitiveList/<key>` directive.
    fn merge_field(
        &self,
        original: &mut Map<String, Value>,
        key: &str,
        value: &Value,
        path: &str,
        delete_list: bool,
    ) -> Result<(), PatchError> {
        if value.is_null() {
            super::remove_key(original, key);
            return Ok(());
        }
        match original.get(key).map(|live| same_kind(live, value)) {
            // New, or of another type: the patch value replaces.
            None | Some(false) if delete_list => {}
            None | Some(false) => match clean(value) {
                Some(value) => {
                    original.insert(key.to_string(), value);
                }
                None => {
                    super::remove_key(original, key);
                }
            },
            Some(true) => {
                let Some(slot) = original.get_mut(key) else { return Ok(()) };
                let path = child(path, key);
                match (slot, value) {
                    (Value::Object(live), Value::Object(patch)) => {
                        *live = self.merge_map(std::mem::take(live), patch, &path)?;
                    }
                    (Value::Array(live), Value::Array(patch)) => {
                        *live = self.merge_list(live, patch, &path, delete_list)?.merged;
                    }
                    (slot, value) => *slot = value.clone(),
                }
            }
        }
        Ok(())
    }

    /// The strategic merge key of the list at `path`, if it merges as a map.
    pub(super) fn merge_key(&self, path: &str) -> Option<String> {
        match (self.list_type)(path) {
            ListType::Map(keys) => keys.into_iter().next(),
            _ => None,
        }
    }

    /// Applies every `$setElementOrder/<field>` of `patch`: merges the field's list now and
    /// orders it as the directive says, live-only items interleaved by their live position.
    /// Returns the fields done, which the caller must not merge again.
    fn set_element_order(
        &self,
        original: &mut Map<String, Value>,
        patch: &Map<String, Value>,
        path: &str,
    ) -> Result<Vec<String>, PatchError> {
        let mut done = Vec::new();
        for (directive, order) in patch.iter().filter(|(key, _)| key.starts_with(SET_ORDER)) {
            let field = directive_field(directive, SET_ORDER)?;
            let Value::Array(order) = order else { return Err(bad_set_order()) };
            let live = match original.get(field) {
                None | Some(Value::Null) => None,
                Some(Value::Array(live)) => Some(live.as_slice()),
                Some(_) => return Err(bad_set_order()),
            };
            let patched = match patch.get(field) {
                None => None,
                Some(Value::Array(patched)) => Some(patched.as_slice()),
                Some(_) => return Err(bad_set_order()),
            };
            let path = child(path, field);
            let sample = live.into_iter().chain(patched).flatten().next();
            let key = self.merge_key(&path).filter(|_| matches!(sample, Some(Value::Object(_))));
            let key = key.as_deref();
            super::order::validate_set_order(patched.unwrap_or_default(), order, key)?;
            let (merged, server_order) = match (live, patched) {
                (Some(live), None) => (live.to_vec(), live.to_vec()),
                (None, Some(patched)) => (clean_list(patched), Vec::new()),
                (Some(live), Some(patched)) => {
                    let merged = self.merge_list(live, patched, &path, false)?;
                    (merged.merged, merged.view)
                }
                (None, None) => continue,
            };
            let (listed, server_only) = super::order::partition(merged, order, key)?;
            let both = super::order::normalize(listed, server_only, order, &server_order, key)?;
            original.insert(field.to_string(), Value::Array(both));
            done.push(field.to_string());
        }
        Ok(done)
    }
}

/// `$retainKeys`: drops the members of `original` it does not list; every member the patch
/// sets must be listed.
fn retain_keys(original: &mut Map<String, Value>, patch: &Map<String, Value>) -> Result<(), PatchError> {
    let Some(retain) = patch.get(RETAIN_KEYS) else { return Ok(()) };
    let bad = || PatchError::BadRequest("invalid patch format of retainKeys".to_string());
    let Value::Array(retain) = retain else { return Err(bad()) };
    let retained = |key: &str| retain.iter().any(|k| k.as_str() == Some(key));
    let unlisted = patch.iter().any(|(key, value)| !(value.is_null() || is_directive(key) || retained(key)));
    if unlisted {
        return Err(bad());
    }
    original.retain(|key, _| retained(key));
    Ok(())
}

/// The field named after the `/` of a `$setElementOrder/<field>` or
/// `$deleteFromPrimitiveList/<field>` key.
fn directive_field<'k>(key: &'k str, prefix: &str) -> Result<&'k str, PatchError> {
    match key.split_once('/') {
        Some((head, field)) if head == prefix => Ok(field),
        _ if prefix == SET_ORDER => Err(bad_set_order()),
        _ => Err(PatchError::BadRequest("invalid patch format of primitive list".to_string())),
    }
}

fn bad_set_order() -> PatchError {
    PatchError::BadRequest("invalid patch format of setElementOrder list".to_string())
}

pub(super) fn bad_patch_type(directive: &Value, map: &Map<String, Value>) -> PatchError {
    let directive = directive.as_str().map_or_else(|| directive.to_string(), str::to_string);
    PatchError::BadRequest(format!("unknown patch type: {directive} in map: {}", Value::Object(map.clone())))
}

pub(super) fn no_merge_key(map: &Map<String, Value>, key: &str) -> PatchError {
    PatchError::BadRequest(format!(
        "map: {} does not contain declared merge key: {key}",
        Value::Object(map.clone())
    ))
}

fn is_directive(key: &str) -> bool {
    key == PATCH || key == RETAIN_KEYS || key.starts_with(SET_ORDER) || key.starts_with(DELETE_PRIMITIVE)
}

/// Whether the live and patch values have the same JSON type (Go's `reflect.TypeOf` test).
fn same_kind(live: &Value, patch: &Value) -> bool {
    std::mem::discriminant(live) == std::mem::discriminant(patch)
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// A value the patch adds wholesale, without nulls and directives; `None` for a map carrying
/// `$patch`, which is dropped.
pub(super) fn clean(value: &Value) -> Option<Value> {
    match value {
        Value::Object(map) if map.contains_key(PATCH) => None,
        Value::Object(map) => Some(Value::Object(clean_entries(map))),
        Value::Array(items) => Some(Value::Array(clean_list(items))),
        other => Some(other.clone()),
    }
}

pub(super) fn clean_list(items: &[Value]) -> Vec<Value> {
    items.iter().filter_map(clean).collect()
}

fn clean_entries(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(key, value)| !value.is_null() && !is_directive(key))
        .filter_map(|(key, value)| Some((key.clone(), clean(value)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn lists(path: &str) -> ListType {
        match path {
            "spec.ports" => ListType::Map(vec!["port".to_string(), "protocol".to_string()]),
            "metadata.finalizers" | "mergingIntList" => ListType::Set,
            "mergingList" => ListType::Map(vec!["name".to_string()]),
            _ => ListType::Atomic,
        }
    }

    /// Directive corner cases on a Service-like object: (name, live, patch, result).
    #[test]
    fn directives() {
        let cases = [
            (
                "$retainKeys ignores nulls and other directives when checking the patch",
                json!({"spec": {"type": "NodePort", "externalName": "x", "ports": [{"port": 80}]}}),
                json!({"spec": {"$retainKeys": ["type", "ports"], "type": "ClusterIP", "externalName": null,
                             "$setElementOrder/ports": [{"port": 80}]}}),
                json!({"spec": {"type": "ClusterIP", "ports": [{"port": 80}]}}),
            ),
            (
                "$patch: merge is the default",
                json!({"metadata": {"labels": {"a": "1"}}}),
                json!({"metadata": {"labels": {"$patch": "merge", "b": "2"}}}),
                json!({"metadata": {"labels": {"a": "1", "b": "2"}}}),
            ),
            (
                "$patch: merge on a list item",
                json!({"spec": {"ports": [{"port": 80, "name": "http"}]}}),
                json!({"spec": {"ports": [{"$patch": "merge", "port": 80, "targetPort": 8080}]}}),
                json!({"spec": {"ports": [{"port": 80, "name": "http", "targetPort": 8080}]}}),
            ),
            (
                "a map list merges on its first key, the strategic merge key",
                json!({"spec": {"ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]}}),
                json!({"spec": {"ports": [{"port": 53, "name": "dns"}]}}),
                json!({"spec": {"ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP", "name": "dns"}]}}),
            ),
            (
                "a value of another type replaces, cleaned",
                json!({"spec": {"selector": "app=web"}}),
                json!({"spec": {"selector": {"app": "web", "tier": null}}}),
                json!({"spec": {"selector": {"app": "web"}}}),
            ),
            (
                "a new map carrying $patch is dropped, as apimachinery's removeDirectives does",
                json!({"spec": {}}),
                json!({"spec": {"selector": {"$patch": "replace", "app": "web"}, "type": "ClusterIP"}}),
                json!({"spec": {"type": "ClusterIP"}}),
            ),
            (
                "$setElementOrder for a list only the patch has",
                json!({"spec": {}}),
                json!({"spec": {"$setElementOrder/ports": [{"port": 443}, {"port": 8080}, {"port": 80}],
                             "ports": [{"port": 443}, {"port": 80, "name": null}]}}),
                json!({"spec": {"ports": [{"port": 443}, {"port": 80}]}}),
            ),
            (
                "$setElementOrder for a list neither has",
                json!({"spec": {}}),
                json!({"spec": {"$setElementOrder/ports": [{"port": 80}]}}),
                json!({"spec": {}}),
            ),
            (
                "$deleteFromPrimitiveList after the additions to the same list",
                json!({"metadata": {"finalizers": ["a", "b"]}}),
                json!({"metadata": {"finalizers": ["c"], "$deleteFromPrimitiveList/finalizers": ["a"]}}),
                json!({"metadata": {"finalizers": ["c", "b"]}}),
            ),
            (
                "$patch: delete at the root empties the object",
                json!({"metadata": {"name": "x"}}),
                json!({"$patch": "delete"}),
                json!({}),
            ),
        ];
        for (name, live, patch, want) in cases {
            let got = strategic(&live, &patch, &lists).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn clean_drops_nulls_directives_and_patch_maps() {
        let value = json!({"a": null, "b": [null, {"$patch": "delete"}, {"c": 1, "$retainKeys": []}],
                           "d": {"$patch": "replace"}, "$setElementOrder/b": []});
        assert_eq!(clean(&value), Some(json!({"b": [null, {"c": 1}]})));
        assert_eq!(clean(&json!({"$patch": "delete"})), None);
    }

    /// apimachinery's error fixtures, on its test struct's lists.
    #[test]
    fn apimachinery_error_fixtures() {
        let cases = [
            (
                json!({"mergingList": [{"name": 1}, {"name": 3}, {"name": 2}]}),
                json!({"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
                    "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}),
                "doesn't match",
            ),
            (
                json!({"mergingIntList": [1, 3, 2]}),
                json!({"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3, 1]}),
                "doesn't match",
            ),
            (
                json!({"mergingList": [{"name": 1, "value": "a"}]}),
                json!({"mergingList": [{"value": "b"}]}),
                "does not contain declared merge key",
            ),
            (
                json!({"mergingList": [{"name": 1}]}),
                json!({"mergingList": [{"$patch": "delete"}]}),
                "does not contain declared merge key",
            ),
        ];
        for (live, patch, part) in cases {
            let got = strategic(&live, &patch, &lists);
            assert!(
                matches!(&got, Err(PatchError::BadRequest(m)) if m.contains(part)),
                "patch {patch}: {got:?}"
            );
        }
        let got = strategic(&json!({"mergingIntList": [["a"]]}), &json!({"mergingIntList": [["b"]]}), &lists);
        assert_eq!(got, Err(PatchError::Invalid("lists of lists are not supported".to_string())));
        let got =
            strategic(&json!({"mergingIntList": [{"a": 1}]}), &json!({"mergingIntList": [{"a": 2}]}), &lists);
        assert_eq!(
            got,
            Err(PatchError::Invalid("cannot merge lists without merge key for mergingIntList".to_string()))
        );
    }
}
