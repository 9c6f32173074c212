//! PATCH semantics of the hollow API server, as pure functions over JSON values.
//!
//! Three patch types, as the real kube-apiserver applies them:
//! - [`merge`]: `application/merge-patch+json`, RFC 7386 (evanphx/json-patch `MergePatch`);
//! - [`json`]: `application/json-patch+json`, RFC 6902 (evanphx/json-patch v4, which the server
//!   vendors);
//! - [`strategic`]: `application/strategic-merge-patch+json`, apimachinery `strategicpatch`
//!   (`StrategicMergeMapPatch`, the server side: parallel lists merged, unmatched nulls ignored).
//!
//! None of them mutates its inputs; each returns a new document. Error messages are the real
//! server's where clients may show them. The real server takes strategic merge patches for
//! built-in kinds only (415 for custom resources); which kinds may use it is the caller's call.

mod json;
mod merge;
mod order;
mod pointer;
mod strategic;
mod strategic_list;

pub use self::json::json;
pub use self::merge::merge;
pub use self::strategic::strategic;

/// Why a patch could not be applied; the server maps BadRequest → 400, Invalid → 422.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The patch document is malformed (not the shape its type requires, a bad directive).
    #[error("{0}")]
    BadRequest(String),
    /// The patch is well formed but cannot be applied to this object (a failed `test`, a
    /// missing path for `remove`/`replace`, list items of mixed types, ...).
    #[error("{0}")]
    Invalid(String),
}

/// Removes `key` from `map`, keeping the order of the other members whether or not serde_json
/// runs with `preserve_order` (whose `remove` would swap the last member into the hole).
/// The answer the real server gives when a JSON Patch does not apply: a bare 422 (its
/// `NewGenericServerResponse`), the library's message going only to its log.
pub fn json_patch_error() -> crate::apiserver::errors::ApiError {
    crate::apiserver::errors::ApiError {
        code: 422,
        reason: "Invalid",
        message: "the server rejected our request due to an error in our request".into(),
        details: Some(serde_json::json!({})),
        retry_after: None,
    }
}

fn remove_key(map: &mut serde_json::Map<String, serde_json::Value>, key: &str) -> Option<serde_json::Value> {
    let value = map.get(key).cloned()?;
    map.retain(|k, _| k != key);
    Some(value)
}

/// The name Go's `encoding/json` gives a JSON value's kind in its unmarshal errors.
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::apiserver::list_type::{self, ListType};

    /// Fails when a directive key (`$patch`, `$setElementOrder/...`, ...) is left anywhere.
    pub(super) fn assert_no_directives(value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    assert!(!key.starts_with('$'), "directive {key} left in the result");
                    assert_no_directives(value);
                }
            }
            Value::Array(items) => items.iter().for_each(assert_no_directives),
            _ => {}
        }
    }

    fn deployment_lists(path: &str) -> ListType {
        list_type::builtin("Deployment", path)
    }

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "tier": "frontend"},
                         "finalizers": ["ramp.dev/rollout"]},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [
                        {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                         "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                        {"name": "log", "image": "fluent-bit:3", "args": ["--verbose"]}
                    ]}
                }
            }
        })
    }

    /// The Deployment with the values at some JSON pointers replaced.
    fn deployment_with(edits: &[(&str, Value)]) -> Value {
        let mut want = deployment();
        for (pointer, value) in edits {
            *want.pointer_mut(pointer).unwrap_or_else(|| panic!("no {pointer}")) = value.clone();
        }
        want
    }

    const WEB: &str = "/spec/template/spec/containers/0";
    const CONTAINERS: &str = "/spec/template/spec/containers";

    #[test]
    fn strategic_patches_of_a_deployment() {
        let log = json!({"name": "log", "image": "fluent-bit:3", "args": ["--verbose"]});
        let cases: Vec<(&str, Value, Value)> = vec![
            (
                "image of one container; the other container and all else kept",
                json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}),
                deployment_with(&[("/spec/template/spec/containers/0/image", json!("nginx:1.27"))]),
            ),
            (
                "env var added by name: new items go first, as on a real server",
                json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "env": [{"name": "C", "value": "3"}]}]}}}}),
                deployment_with(&[(
                    "/spec/template/spec/containers/0/env",
                    json!([{"name": "C", "value": "3"}, {"name": "A", "value": "1"}, {"name": "B", "value": "2"}]),
                )]),
            ),
            (
                "env var added the way kubectl sends it, with $setElementOrder",
                json!({"spec": {"template": {"spec": {
                 "$setElementOrder/containers": [{"name": "web"}, {"name": "log"}],
                 "containers": [{"name": "web", "$setElementOrder/env": [{"name": "A"}, {"name": "B"}, {"name": "C"}],
                                 "env": [{"name": "C", "value": "3"}]}]}}}}),
                deployment_with(&[(
                    "/spec/template/spec/containers/0/env",
                    json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}]),
                )]),
            ),
            (
                "env var changed in place",
                json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "env": [{"name": "B", "value": "20"}]}]}}}}),
                deployment_with(&[("/spec/template/spec/containers/0/env/1/value", json!("20"))]),
            ),
            (
                "$patch: delete of a container",
                json!({"spec": {"template": {"spec": {"containers": [{"name": "log", "$patch": "delete"}]}}}}),
                deployment_with(&[(
                    CONTAINERS,
                    json!([deployment()["spec"]["template"]["spec"]["containers"][0]]),
                )]),
            ),
            (
                "$setElementOrder reorders the containers",
                json!({"spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": "log"}, {"name": "web"}],
                                                   "containers": [{"name": "web", "image": "nginx:1.27"}]}}}}),
                deployment_with(&[(
                    CONTAINERS,
                    json!([
                        log,
                        deployment_with(&[("/spec/template/spec/containers/0/image", json!("nginx:1.27"))])
                            .pointer(WEB)
                            .cloned()
                    ]),
                )]),
            ),
            (
                "container port added (merge key containerPort)",
                json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "ports": [{"containerPort": 443}]}]}}}}),
                deployment_with(&[(
                    "/spec/template/spec/containers/0/ports",
                    json!([{"containerPort": 443}, {"containerPort": 80, "protocol": "TCP"}]),
                )]),
            ),
            (
                "atomic list (args) replaced",
                json!({"spec": {"template": {"spec": {"containers": [{"name": "log", "args": ["--quiet"]}]}}}}),
                deployment_with(&[("/spec/template/spec/containers/1/args", json!(["--quiet"]))]),
            ),
            (
                "$patch: replace of a container list",
                json!({"spec": {"template": {"spec": {"containers": [{"$patch": "replace"}, {"name": "api", "image": "api:1"}]}}}}),
                deployment_with(&[(CONTAINERS, json!([{"name": "api", "image": "api:1"}]))]),
            ),
            (
                "finalizers (a set): union, the new value first",
                json!({"metadata": {"finalizers": ["example.com/cleanup"]}}),
                deployment_with(&[(
                    "/metadata/finalizers",
                    json!(["example.com/cleanup", "ramp.dev/rollout"]),
                )]),
            ),
            (
                "finalizers: a value already there is not repeated",
                json!({"metadata": {"finalizers": ["ramp.dev/rollout"]}}),
                deployment(),
            ),
            (
                "finalizers: $setElementOrder appends",
                json!({"metadata": {"$setElementOrder/finalizers": ["ramp.dev/rollout", "example.com/cleanup"],
                                 "finalizers": ["example.com/cleanup"]}}),
                deployment_with(&[(
                    "/metadata/finalizers",
                    json!(["ramp.dev/rollout", "example.com/cleanup"]),
                )]),
            ),
            (
                "finalizers: $deleteFromPrimitiveList",
                json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["ramp.dev/rollout"]}}),
                deployment_with(&[("/metadata/finalizers", json!([]))]),
            ),
            (
                "labels: null deletes, others merge",
                json!({"metadata": {"labels": {"tier": null, "track": "canary"}}}),
                deployment_with(&[("/metadata/labels", json!({"app": "web", "track": "canary"}))]),
            ),
            (
                "$patch: replace of a map",
                json!({"spec": {"template": {"metadata": {"labels": {"$patch": "replace", "app": "api"}}}}}),
                deployment_with(&[("/spec/template/metadata/labels", json!({"app": "api"}))]),
            ),
            (
                "$patch: delete of a map leaves it empty, as apimachinery does",
                json!({"metadata": {"labels": {"$patch": "delete"}}}),
                deployment_with(&[("/metadata/labels", json!({}))]),
            ),
            (
                "$retainKeys drops the other fields",
                json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": null}}}),
                deployment_with(&[("/spec/strategy", json!({"type": "Recreate"}))]),
            ),
            (
                "a new map loses its nulls",
                json!({"metadata": {"annotations": {"a": "1", "b": null}}, "spec": {"paused": null}}),
                deployment_with(&[(
                    "/metadata",
                    json!({"name": "web", "namespace": "default",
                "labels": {"app": "web", "tier": "frontend"}, "finalizers": ["ramp.dev/rollout"], "annotations": {"a": "1"}}),
                )]),
            ),
            ("scalar", json!({"spec": {"replicas": 5}}), deployment_with(&[("/spec/replicas", json!(5))])),
            ("null patch", json!(null), deployment()),
        ];
        for (name, patch, want) in cases {
            let got =
                strategic(&deployment(), &patch, &deployment_lists).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got, want, "{name}");
            assert_no_directives(&got);
        }
    }

    #[test]
    fn strategic_errors() {
        let bad = |m: &str| PatchError::BadRequest(m.to_string());
        let invalid = |m: &str| PatchError::Invalid(m.to_string());
        // (patch, the error's kind with a part of its message)
        let cases = [
            (
                json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}),
                bad("does not contain declared merge key: name"),
            ),
            (json!({"metadata": {"labels": {"$patch": "nonsense"}}}), bad("unknown patch type: nonsense")),
            (
                json!({"spec": {"template": {"spec": {"containers": [{"name": "x", "$patch": "nonsense"}]}}}}),
                bad("unknown patch type: nonsense"),
            ),
            (
                json!({"metadata": {"$setElementOrder/finalizers": ["b", "a"], "finalizers": ["a", "b"]}}),
                bad("doesn't match $setElementOrder list"),
            ),
            (
                json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 1}}}}),
                bad("invalid patch format of retainKeys"),
            ),
            (
                json!({"spec": {"strategy": {"$retainKeys": "type"}}}),
                bad("invalid patch format of retainKeys"),
            ),
            (
                json!({"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}}),
                bad("invalid patch format of primitive list"),
            ),
            (
                json!({"metadata": {"$setElementOrder/finalizers": "a"}}),
                bad("invalid patch format of setElementOrder list"),
            ),
            (
                json!(["op"]),
                bad("json: cannot unmarshal array into Go value of type map[string]interface {}"),
            ),
            (json!({"metadata": {"finalizers": [1]}}), invalid("list element types are not identical")),
            (json!({"metadata": {"finalizers": [["a"]]}}), invalid("list element types are not identical")),
        ];
        for (patch, want) in cases {
            let got = strategic(&deployment(), &patch, &deployment_lists);
            let ok = match (&got, &want) {
                (Err(PatchError::BadRequest(got)), PatchError::BadRequest(part))
                | (Err(PatchError::Invalid(got)), PatchError::Invalid(part)) => got.contains(part.as_str()),
                _ => false,
            };
            assert!(ok, "patch {patch}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn inputs_are_not_mutated() {
        let target = deployment();
        let patch = json!({"metadata": {"labels": {"tier": null}},
                           "spec": {"template": {"spec": {"containers": [{"name": "log", "$patch": "delete"}]}}}});
        let before = patch.clone();
        let got = strategic(&target, &patch, &deployment_lists);
        assert!(got.is_ok());
        assert_eq!(target, deployment());
        assert_eq!(patch, before);
        let _ = json(&target, &json!([{"op": "remove", "path": "/spec"}]));
        let _ = merge(&target, &json!({"spec": null}));
        assert_eq!(target, deployment());
    }
}
