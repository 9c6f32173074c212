//! JSON Patch (RFC 6902) as the API server applies it (evanphx/json-patch v4): operations
//! `add`, `remove`, `replace`, `move`, `copy` and `test` on JSON Pointers (RFC 6901). Error
//! messages follow the library's, since clients print them.
//!
//! Quirks of the library kept here: a `replace` of a missing object member sets it; negative
//! array indices count from the end everywhere; an `add` without `value` adds `null`; a
//! `copy` from a missing member copies `null`; a `test` of a missing member passes for `null`
//! or no value; `""` is the whole document for `replace` and `test` but missing for `add`.
//! The server answers a failed patch with a bare 422 ([`super::json_patch_error`]), not
//! these messages, which stay for tests and logs.

use serde_json::Value;

use super::pointer::{add_at, get_mut, locate, remove_at, set_at};
use super::{PatchError, json_kind};

/// Applies the JSON Patch `patch` (an array of operation objects) to `target`.
pub fn json(target: &Value, patch: &Value) -> Result<Value, PatchError> {
    let Value::Array(ops) = patch else {
        return Err(PatchError::BadRequest(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            json_kind(patch)
        )));
    };
    let mut doc = target.clone();
    for op in ops {
        let Value::Object(op) = op else {
            return Err(PatchError::BadRequest(format!(
                "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
                json_kind(op)
            )));
        };
        apply(&mut doc, op)?;
    }
    Ok(doc)
}

type Op = serde_json::Map<String, Value>;

fn invalid(message: impl Into<String>) -> PatchError {
    PatchError::Invalid(message.into())
}

fn apply(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let kind = op.get("op").and_then(Value::as_str).unwrap_or("unknown");
    match kind {
        "add" => {
            let path = field(op, "path")
                .map_err(|_| invalid("add operation failed to decode path: missing value"))?;
            let (parent, key) =
                target(doc, path, format!("add operation does not apply: doc is missing path: \"{path}\""))?;
            add_at(parent, &key, value(op))
                .map_err(|e| invalid(format!("error in add for path: '{path}': {e}")))
        }
        "remove" => {
            let path = field(op, "path")
                .map_err(|_| invalid("remove operation failed to decode path: missing value"))?;
            let (parent, key) = target(
                doc,
                path,
                format!("remove operation does not apply: doc is missing path: \"{path}\""),
            )?;
            remove_at(parent, &key)
                .map(drop)
                .map_err(|e| invalid(format!("error in remove for path: '{path}': {e}")))
        }
        "replace" => {
            let path = field(op, "path")
                .map_err(|e| invalid(format!("replace operation failed to decode path: {e}")))?;
            if path.is_empty() {
                // The whole document, when the value is one.
                let v = value(op);
                if !v.is_object() && !v.is_array() {
                    return Err(invalid("replace operation value must be object or array: %!w(<nil>)"));
                }
                *doc = v;
                return Ok(());
            }
            let (parent, key) =
                target(doc, path, format!("replace operation does not apply: doc is missing path: {path}"))?;
            // A missing object member is no error: the library sets it.
            get_mut(parent, &key).map_err(|_| {
                invalid(format!(
                    "replace operation does not apply: doc is missing key: {path}: missing value"
                ))
            })?;
            set_at(parent, &key, value(op))
                .map_err(|e| invalid(format!("error in remove for path: '{path}': {e}")))
        }
        "move" => {
            let from = field(op, "from")
                .map_err(|e| invalid(format!("move operation failed to decode from: {e}")))?;
            let (parent, key) = target(
                doc,
                from,
                format!("move operation does not apply: doc is missing from path: {from}"),
            )?;
            get_mut(parent, &key).map_err(|e| invalid(format!("error in move for path: '{key}': {e}")))?;
            let moved = remove_at(parent, &key)
                .map_err(|e| invalid(format!("error in move for path: '{key}': {e}")))?;
            let path = field(op, "path")
                .map_err(|e| invalid(format!("move operation failed to decode path: {e}")))?;
            let (parent, key) = target(
                doc,
                path,
                format!("move operation does not apply: doc is missing destination path: {path}"),
            )?;
            add_at(parent, &key, moved).map_err(|e| invalid(format!("error in move for path: '{path}': {e}")))
        }
        "copy" => {
            let from = field(op, "from")
                .map_err(|e| invalid(format!("copy operation failed to decode from: {e}")))?;
            let (parent, key) = target(
                doc,
                from,
                format!("copy operation does not apply: doc is missing from path: {from}"),
            )?;
            // A missing member copies as null.
            let copied = get_mut(parent, &key)
                .map_err(|e| invalid(format!("error in copy for from: '{from}': {e}")))?
                .map_or(Value::Null, |v| v.clone());
            let path = field(op, "path")
                .map_err(|_| invalid("copy operation failed to decode path: missing value"))?;
            let (parent, key) = target(
                doc,
                path,
                format!("copy operation does not apply: doc is missing destination path: {path}"),
            )?;
            add_at(parent, &key, copied)
                .map_err(|e| invalid(format!("error while adding value during copy: {e}")))
        }
        "test" => {
            let path = field(op, "path")
                .map_err(|e| invalid(format!("test operation failed to decode path: {e}")))?;
            let failed = || invalid(format!("testing value {path} failed: test failed"));
            if path.is_empty() {
                return if op.get("value") == Some(doc) { Ok(()) } else { Err(failed()) };
            }
            let (parent, key) =
                target(doc, path, format!("test operation does not apply: is missing path: {path}"))?;
            let found = get_mut(parent, &key)
                .map_err(|e| invalid(format!("error in test for path: '{path}': {e}")))?;
            let passed = match (found, op.get("value")) {
                // A missing location passes a test for null or for no value.
                (None, None | Some(Value::Null)) => true,
                // The library never finds a stored null equal to null.
                (Some(Value::Null), _) => false,
                (Some(have), Some(want)) => *have == *want,
                _ => false,
            };
            if passed { Ok(()) } else { Err(failed()) }
        }
        other => Err(invalid(format!("Unexpected kind: {other}"))),
    }
}

/// The container of the pointer's target and the target's token, or the library's "does not
/// apply" error.
fn target<'a>(
    doc: &'a mut Value,
    pointer: &str,
    error: String,
) -> Result<(&'a mut Value, String), PatchError> {
    locate(doc, pointer).ok_or_else(|| invalid(format!("{error}: missing value")))
}

/// A string field of an operation (`path`, `from`); the error is the library's.
fn field<'a>(op: &'a Op, name: &str) -> Result<&'a str, String> {
    match op.get(name) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) if name == "path" => {
            Err("operation missing path field: missing value".into())
        }
        None | Some(Value::Null) => Err("operation, missing from field: missing value".into()),
        Some(other) => {
            Err(format!("json: cannot unmarshal {} into Go value of type string", json_kind(other)))
        }
    }
}

/// The operation's `value`; a missing one is `null`.
fn value(op: &Op) -> Value {
    op.get("value").cloned().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web", "tier": "frontend"},
                         "finalizers": ["ramp.dev/rollout"]},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "web", "image": "nginx:1.25"}, {"name": "log", "image": "fluent-bit:3"}]}}}
        })
    }

    /// Applies `patch` and returns the value at `pointer` in the result.
    fn at(patch: Value, pointer: &str) -> Value {
        let got = json(&deployment(), &patch).unwrap_or_else(|e| panic!("patch {patch}: {e}"));
        got.pointer(pointer).cloned().unwrap_or_else(|| panic!("patch {patch}: nothing at {pointer}"))
    }

    #[test]
    fn operations() {
        let cases = [
            (json!([{"op": "replace", "path": "/spec/replicas", "value": 5}]), "/spec/replicas", json!(5)),
            (json!([{"op": "add", "path": "/spec/replicas", "value": 1}]), "/spec/replicas", json!(1)),
            (
                json!([{"op": "replace", "path": "/metadata/labels/app.kubernetes.io~1name", "value": "api"}]),
                "/metadata/labels",
                json!({"app.kubernetes.io/name": "api", "tier": "frontend"}),
            ),
            (
                json!([{"op": "remove", "path": "/metadata/labels/app.kubernetes.io~1name"}]),
                "/metadata/labels",
                json!({"tier": "frontend"}),
            ),
            (
                json!([{"op": "add", "path": "/metadata/annotations", "value": {"a~b": "1"}},
                       {"op": "add", "path": "/metadata/annotations/c~0d", "value": "2"}]),
                "/metadata/annotations",
                json!({"a~b": "1", "c~d": "2"}),
            ),
            (
                json!([{"op": "add", "path": "/metadata/finalizers/-", "value": "example.com/x"}]),
                "/metadata/finalizers",
                json!(["ramp.dev/rollout", "example.com/x"]),
            ),
            (
                json!([{"op": "add", "path": "/spec/template/spec/containers/0", "value": {"name": "init"}}]),
                "/spec/template/spec/containers",
                json!([{"name": "init"}, {"name": "web", "image": "nginx:1.25"}, {"name": "log", "image": "fluent-bit:3"}]),
            ),
            (
                json!([{"op": "remove", "path": "/spec/template/spec/containers/-1"}]),
                "/spec/template/spec/containers",
                json!([{"name": "web", "image": "nginx:1.25"}]),
            ),
            (
                json!([{"op": "test", "path": "/spec/replicas", "value": 3},
                       {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.27"}]),
                "/spec/template/spec/containers/0",
                json!({"name": "web", "image": "nginx:1.27"}),
            ),
            (
                json!([{"op": "move", "from": "/metadata/labels/tier", "path": "/metadata/labels/layer"}]),
                "/metadata/labels",
                json!({"app.kubernetes.io/name": "web", "layer": "frontend"}),
            ),
            (
                json!([{"op": "copy", "from": "/spec/template/spec/containers/1", "path": "/spec/template/spec/containers/0"}]),
                "/spec/template/spec/containers",
                json!([{"name": "log", "image": "fluent-bit:3"}, {"name": "web", "image": "nginx:1.25"},
                       {"name": "log", "image": "fluent-bit:3"}]),
            ),
            (
                json!([{"op": "test", "path": "/metadata/annotations", "value": null}]),
                "/spec/replicas",
                json!(3),
            ),
            (json!([]), "/spec/replicas", json!(3)),
            // The library's quirks.
            (json!([{"op": "replace", "path": "/spec/paused", "value": true}]), "/spec/paused", json!(true)),
            (
                json!([{"op": "replace", "path": "/spec/template/spec/containers/-1/image", "value": "fluent-bit:4"}]),
                "/spec/template/spec/containers/1/image",
                json!("fluent-bit:4"),
            ),
            (
                json!([{"op": "copy", "from": "/spec/nothing", "path": "/spec/copied"}]),
                "/spec/copied",
                json!(null),
            ),
            (json!([{"op": "test", "path": "/spec/nothing"}]), "/spec/replicas", json!(3)),
            (
                json!([{"op": "replace", "path": "", "value": {"spec": {"replicas": 7}}}]),
                "/spec/replicas",
                json!(7),
            ),
            (
                json!([{"op": "add", "path": "/metadata/finalizers/-1", "value": "x"}]),
                "/metadata/finalizers",
                json!(["ramp.dev/rollout", "x"]),
            ),
        ];
        for (patch, pointer, want) in cases {
            assert_eq!(at(patch.clone(), pointer), want, "patch {patch}");
        }
    }

    #[test]
    fn errors() {
        let invalid = |s: &str| PatchError::Invalid(s.to_string());
        let cases = [
            (
                json!([{"op": "test", "path": "/spec/replicas", "value": 4}]),
                invalid("testing value /spec/replicas failed: test failed"),
            ),
            (
                json!([{"op": "test", "path": "/spec/paused", "value": false}]),
                invalid("testing value /spec/paused failed: test failed"),
            ),
            (
                json!([{"op": "remove", "path": "/metadata/annotations"}]),
                invalid(
                    "error in remove for path: '/metadata/annotations': Unable to remove nonexistent key: annotations: missing value",
                ),
            ),
            (
                json!([{"op": "replace", "path": "/spec/template/spec/containers/2", "value": {}}]),
                invalid(
                    "replace operation does not apply: doc is missing key: /spec/template/spec/containers/2: missing value",
                ),
            ),
            (
                json!([{"op": "replace", "path": "", "value": 1}]),
                invalid("replace operation value must be object or array: %!w(<nil>)"),
            ),
            (
                json!([{"op": "test", "path": "/spec/replicas"}]),
                invalid("testing value /spec/replicas failed: test failed"),
            ),
            (
                json!([{"op": "move", "path": "/a"}]),
                invalid("move operation failed to decode from: operation, missing from field: missing value"),
            ),
            (
                json!([{"op": "replace", "path": 5, "value": 1}]),
                invalid(
                    "replace operation failed to decode path: json: cannot unmarshal number into Go value of type string",
                ),
            ),
            (
                json!([{"op": "remove", "path": "/metadata/finalizers/-2"}]),
                invalid(
                    "error in remove for path: '/metadata/finalizers/-2': Unable to access invalid index: -2: invalid index referenced",
                ),
            ),
            (
                json!([{"op": "add", "path": "/metadata/annotations/a", "value": "x"}]),
                invalid(
                    "add operation does not apply: doc is missing path: \"/metadata/annotations/a\": missing value",
                ),
            ),
            (
                json!([{"op": "add", "path": "/metadata/finalizers/5", "value": "x"}]),
                invalid(
                    "error in add for path: '/metadata/finalizers/5': Unable to access invalid index: 5: invalid index referenced",
                ),
            ),
            (
                json!([{"op": "remove", "path": "/metadata/finalizers/x"}]),
                invalid(
                    "error in remove for path: '/metadata/finalizers/x': strconv.Atoi: parsing \"x\": invalid syntax",
                ),
            ),
            (json!([{"op": "frobnicate", "path": "/spec"}]), invalid("Unexpected kind: frobnicate")),
            (
                json!([{"op": "add", "value": 1}]),
                invalid("add operation failed to decode path: missing value"),
            ),
            (
                json!([{"op": "add", "path": "", "value": {}}]),
                invalid("add operation does not apply: doc is missing path: \"\": missing value"),
            ),
            (
                json!({"op": "add", "path": "/spec/replicas", "value": 1}),
                PatchError::BadRequest(
                    "json: cannot unmarshal object into Go value of type jsonpatch.Patch".into(),
                ),
            ),
            (
                json!(["add"]),
                PatchError::BadRequest(
                    "json: cannot unmarshal string into Go value of type jsonpatch.Operation".into(),
                ),
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(json(&deployment(), &patch), Err(want), "patch {patch}");
        }
    }

    #[test]
    fn failed_patch_leaves_target_untouched() {
        let target = deployment();
        let patch = json!([{"op": "replace", "path": "/spec/replicas", "value": 9},
                           {"op": "test", "path": "/spec/replicas", "value": 3}]);
        assert!(json(&target, &patch).is_err());
        assert_eq!(target, deployment());
    }
}
