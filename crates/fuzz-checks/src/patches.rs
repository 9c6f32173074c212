//! `hollow_patches`: one JSON document used as every kind of patch body the hollow API
//! server takes — merge patch (RFC 7386), JSON Patch (RFC 6902), strategic merge patch and
//! server-side apply (created, over a live object other managers own parts of, forced, and
//! through the status subresource) — against a fixed Deployment, and over its own result
//! again.
//!
//! Checks: no panic; a merge patch is idempotent (applying it twice is applying it once);
//! an apply that succeeds returns an object; `track_update` accepts
//! whatever a patch produced.

use std::sync::OnceLock;

use hollow::apiserver::{
    apply::{Write, apply, track_update},
    list_type::{ListType, builtin},
    patch,
};
use serde_json::{Value, json};

const NOW: &str = "2026-01-01T00:00:00Z";

fn list_type(path: &str) -> ListType {
    builtin("Deployment", path)
}

fn write<'a>(manager: &'a str, subresource: Option<&'a str>) -> Write<'a> {
    Write { manager, subresource, now: NOW, list_type: &list_type }
}

/// A Deployment as the server stores it: created by one manager, scaled by another.
fn live() -> &'static Value {
    static LIVE: OnceLock<Value> = OnceLock::new();
    LIVE.get_or_init(|| {
        let created = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"},
                         "annotations": {"note": "x"}, "finalizers": ["a/b"]},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [
                        {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                         "env": [{"name": "A", "value": "1"}]},
                        {"name": "side", "image": "busybox", "args": ["sleep", "1d"]}
                    ], "tolerations": [{"key": "k", "operator": "Exists"}]}
                }
            },
            "status": {"replicas": 3, "conditions": [{"type": "Available", "status": "True"}]}
        });
        let applied = apply(None, &created, false, &write("kubectl", None)).unwrap_or(created);
        let scaled = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                            "metadata": {"name": "web"}, "spec": {"replicas": 5}});
        apply(Some(&applied), &scaled, true, &write("hpa", None)).unwrap_or(applied)
    })
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<Value>(data) else { return };
    let live = live();

    let merged = patch::merge(live, &body);
    assert_eq!(patch::merge(&merged, &body), merged, "merge patch {body} is not idempotent");
    let _ = track_update(Some(live), &merged, &write("editor", None));

    if let Ok(patched) = patch::json(live, &body) {
        let _ = track_update(Some(live), &patched, &write("editor", None));
        let _ = patch::json(&patched, &body);
    }
    if let Ok(patched) = patch::strategic(live, &body, &list_type) {
        let _ = track_update(Some(live), &patched, &write("editor", None));
        let _ = patch::strategic(&patched, &body, &list_type);
    }

    for (existing, force, sub) in [
        (None, false, None),
        (Some(live), false, None),
        (Some(live), true, None),
        (Some(live), true, Some("status")),
    ] {
        if let Ok(obj) = apply(existing, &body, force, &write("fuzzer", sub)) {
            assert!(obj.is_object(), "apply of {body} made {obj}");
            // The same apply again changes nothing but may still be refused or accepted.
            let _ = apply(Some(&obj), &body, force, &write("fuzzer", sub));
        }
    }
}
