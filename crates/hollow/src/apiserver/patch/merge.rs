//! JSON merge patch (RFC 7386): objects merge recursively, `null` deletes a key, anything
//! else (arrays included) replaces the target whole.

use serde_json::{Map, Value};

/// Applies the merge patch `patch` to `target` (RFC 7386 `MergePatch`).
pub fn merge(target: &Value, patch: &Value) -> Value {
    let Value::Object(patch) = patch else { return patch.clone() };
    let mut out = match target {
        Value::Object(target) => target.clone(),
        _ => Map::new(),
    };
    for (key, value) in patch {
        if value.is_null() {
            super::remove_key(&mut out, key);
            continue;
        }
        match out.get_mut(key) {
            // Merge in place so the key keeps its position.
            Some(slot) => *slot = merge(slot, value),
            None => {
                out.insert(key.clone(), merge(&Value::Null, value));
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// RFC 7386 Appendix A, every example.
    #[test]
    fn rfc7386_appendix_a() {
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (json!({"a": {"b": "c"}}), json!({"a": {"b": "d", "c": null}}), json!({"a": {"b": "d"}})),
            (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
            (json!([1, 2]), json!({"a": "b", "c": null}), json!({"a": "b"})),
            (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
        ];
        for (target, patch, want) in cases {
            assert_eq!(merge(&target, &patch), want, "target {target} patch {patch}");
        }
    }

    #[test]
    fn kubernetes_objects() {
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web", "tier": "frontend"}},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "web", "image": "nginx:1.25"}, {"name": "log", "image": "fluent-bit:3"}]}}}
        });
        let cases = [
            // Labels: one removed, one added, the rest kept.
            (
                json!({"metadata": {"labels": {"tier": null, "track": "canary"}}}),
                json!({"app": "web", "track": "canary"}),
                "/metadata/labels",
            ),
            // Lists are replaced whole: the second container is gone.
            (
                json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}),
                json!([{"name": "web", "image": "nginx:1.27"}]),
                "/spec/template/spec/containers",
            ),
            (json!({"spec": {"replicas": 5}}), json!(5), "/spec/replicas"),
            // Deleting a key that is not there is a no-op.
            (json!({"status": null}), json!(null), "/status"),
        ];
        for (patch, want, pointer) in cases {
            let got = merge(&deployment, &patch);
            assert_eq!(got.pointer(pointer).cloned().unwrap_or(Value::Null), want, "patch {patch}");
            assert_eq!(got["metadata"]["name"], "web");
        }
        // The inputs are untouched.
        assert_eq!(deployment["spec"]["replicas"], 3);
    }
}
