//! How the API server merges a list: replaced whole, as a set of scalars, or as a map keyed
//! by some fields of its items. Strategic merge patch and server-side apply both need it.
//!
//! Paths are dotted field names from the object root; a list's items are written `[]`, so the
//! ports of a container are `spec.containers[].ports`.

use serde_json::Value;

/// The merge semantics of one list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListType {
    /// Replaced as a whole (`x-kubernetes-list-type: atomic`, or no strategy).
    Atomic,
    /// A set of scalars, merged by value (`set`; strategic `merge` on a primitive list).
    Set,
    /// Items merged by these key fields (`map`; strategic `patchMergeKey`).
    Map(Vec<String>),
}

/// Where a pod spec sits in each built-in kind that has one.
const POD_SPEC_ROOTS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("ReplicaSet", "spec.template.spec"),
    ("Deployment", "spec.template.spec"),
    ("StatefulSet", "spec.template.spec"),
    ("DaemonSet", "spec.template.spec"),
    ("Job", "spec.template.spec"),
    ("PodTemplate", "template.spec"),
];

/// Lists inside a pod spec, relative to it, with their strategic merge keys.
const POD_SPEC_LISTS: &[(&str, &[&str])] = &[
    ("containers", &["name"]),
    ("initContainers", &["name"]),
    ("ephemeralContainers", &["name"]),
    ("containers[].ports", &["containerPort", "protocol"]),
    ("initContainers[].ports", &["containerPort", "protocol"]),
    ("containers[].env", &["name"]),
    ("initContainers[].env", &["name"]),
    ("containers[].volumeMounts", &["mountPath"]),
    ("initContainers[].volumeMounts", &["mountPath"]),
    ("containers[].volumeDevices", &["devicePath"]),
    ("containers[].resizePolicy", &["resourceName"]),
    ("volumes", &["name"]),
    ("imagePullSecrets", &["name"]),
    ("hostAliases", &["ip"]),
    ("topologySpreadConstraints", &["topologyKey", "whenUnsatisfiable"]),
    ("resourceClaims", &["name"]),
    ("schedulingGates", &["name"]),
];

/// Lists common to every object.
const METADATA_LISTS: &[(&str, ListKind)] = &[
    ("metadata.ownerReferences", ListKind::Map(&["uid"])),
    ("metadata.finalizers", ListKind::Set),
    ("metadata.managedFields", ListKind::Atomic),
];

/// Other built-in lists by kind.
const KIND_LISTS: &[(&str, &str, ListKind)] = &[
    ("Service", "spec.ports", ListKind::Map(&["port", "protocol"])),
    ("Pod", "status.conditions", ListKind::Map(&["type"])),
    ("Pod", "status.containerStatuses", ListKind::Atomic),
    ("ReplicaSet", "status.conditions", ListKind::Map(&["type"])),
    ("Deployment", "status.conditions", ListKind::Map(&["type"])),
    ("PodDisruptionBudget", "status.conditions", ListKind::Map(&["type"])),
    ("Job", "status.conditions", ListKind::Map(&["type"])),
    ("Job", "status.uncountedTerminatedPods.succeeded", ListKind::Set),
    ("Job", "status.uncountedTerminatedPods.failed", ListKind::Set),
    ("Node", "status.conditions", ListKind::Map(&["type"])),
    ("Namespace", "status.conditions", ListKind::Map(&["type"])),
    ("Namespace", "spec.finalizers", ListKind::Set),
    ("Endpoints", "subsets", ListKind::Atomic),
    ("CustomResourceDefinition", "spec.versions", ListKind::Map(&["name"])),
    ("CustomResourceDefinition", "status.conditions", ListKind::Map(&["type"])),
];

#[derive(Clone, Copy, Debug)]
enum ListKind {
    Atomic,
    Set,
    Map(&'static [&'static str]),
}

impl From<ListKind> for ListType {
    fn from(k: ListKind) -> Self {
        match k {
            ListKind::Atomic => ListType::Atomic,
            ListKind::Set => ListType::Set,
            ListKind::Map(keys) => ListType::Map(keys.iter().map(|k| (*k).to_string()).collect()),
        }
    }
}

/// The list type of `path` in a built-in `kind` (Atomic when nothing is known).
pub fn builtin(kind: &str, path: &str) -> ListType {
    if let Some((_, k)) = METADATA_LISTS.iter().find(|(p, _)| *p == path) {
        return (*k).into();
    }
    if let Some((_, _, k)) = KIND_LISTS.iter().find(|(kd, p, _)| *kd == kind && *p == path) {
        return (*k).into();
    }
    for (kd, root) in POD_SPEC_ROOTS {
        if *kd != kind {
            continue;
        }
        let Some(rel) = path.strip_prefix(root).and_then(|r| r.strip_prefix('.')) else { continue };
        if let Some((_, keys)) = POD_SPEC_LISTS.iter().find(|(p, _)| *p == rel) {
            return ListType::Map(keys.iter().map(|k| (*k).to_string()).collect());
        }
    }
    ListType::Atomic
}

/// The list type of `path` from a CRD's openAPIV3Schema (`x-kubernetes-list-type` and
/// `x-kubernetes-list-map-keys`); metadata lists as for every object; Atomic otherwise.
pub fn from_schema(schema: &Value, path: &str) -> ListType {
    if path.starts_with("metadata.") {
        return builtin("", path);
    }
    let mut node = schema;
    for part in path.split('.') {
        let (name, items) = match part.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (part, false),
        };
        let Some(next) = node.get("properties").and_then(|p| p.get(name)) else { return ListType::Atomic };
        node = next;
        if items {
            let Some(next) = node.get("items") else { return ListType::Atomic };
            node = next;
        }
    }
    match node.get("x-kubernetes-list-type").and_then(Value::as_str) {
        Some("set") => ListType::Set,
        Some("map") => ListType::Map(
            node.get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array)
                .map(|keys| keys.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
        ),
        _ => ListType::Atomic,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn builtin_lists() {
        assert_eq!(
            builtin("Deployment", "spec.template.spec.containers"),
            ListType::Map(vec!["name".into()])
        );
        assert_eq!(
            builtin("Pod", "spec.containers[].ports"),
            ListType::Map(vec!["containerPort".into(), "protocol".into()])
        );
        assert_eq!(builtin("Pod", "metadata.finalizers"), ListType::Set);
        assert_eq!(builtin("ConfigMap", "data"), ListType::Atomic);
    }

    #[test]
    fn schema_lists() {
        let schema = json!({"properties": {"status": {"properties": {"conditions": {
            "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"],
            "items": {"type": "object"}}}}}});
        assert_eq!(from_schema(&schema, "status.conditions"), ListType::Map(vec!["type".into()]));
        assert_eq!(from_schema(&schema, "spec.x"), ListType::Atomic);
    }
}
