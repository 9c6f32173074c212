//! `hollow_selectors`: label and field selectors as the hollow API server reads them from
//! query strings (`labelSelector`, `fieldSelector`) and from `metav1.LabelSelector` objects.
//!
//! Checks: no panic; a label selector that parses is written back (`to_query`) as text that
//! parses to the same requirements; a parsed selector matches (or not) a fixed object; label
//! key and value checks answer for any text.

use std::collections::BTreeMap;

use hollow::apiserver::{
    registry::Registry,
    selectors::{FieldSelector, LabelSelector, label_key_errors, label_value_errors, object_selects},
};
use serde_json::{Value, json};

/// Resources whose field selectors differ: pods and events convert extra fields, namespaces
/// are cluster-scoped, ReplicaSets know only metadata.
const RESOURCES: [(&str, &str, &str); 4] =
    [("", "v1", "pods"), ("", "v1", "events"), ("", "v1", "namespaces"), ("apps", "v1", "replicasets")];

fn object() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "default",
                     "labels": {"app": "web", "tier": "front", "n": "7", "example.com/x": ""}},
        "spec": {"nodeName": "node-1", "restartPolicy": "Always"},
        "status": {"phase": "Running"},
        "involvedObject": {"kind": "Pod", "name": "web-1"},
        "source": {"component": "kubelet"}
    })
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let obj = object();
    let labels: BTreeMap<String, String> = hollow::apiserver::selectors::labels_of(&obj);
    if let Ok(sel) = LabelSelector::parse(text) {
        let _ = sel.matches(&labels);
        let query = sel.to_query();
        let again = LabelSelector::parse(&query);
        assert_eq!(again.as_ref(), Ok(&sel), "{text:?} parsed, written back as {query:?}");
    }
    let registry = Registry::new();
    for (group, version, plural) in RESOURCES {
        if let Some(def) = registry.lookup(group, version, plural)
            && let Ok(sel) = FieldSelector::parse_for(text, &def)
        {
            let _ = sel.matches(&obj);
        }
    }
    if let Ok(sel) = serde_json::from_str::<Value>(text) {
        if let Ok(parsed) = LabelSelector::from_object(&sel) {
            let _ = parsed.matches(&labels);
            let _ = parsed.to_query();
        }
        let _ = object_selects(&sel, &obj);
    }
    let _ = label_key_errors(text);
    let _ = label_value_errors(text);
}
