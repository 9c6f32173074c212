//! Field sets: the fields a manager owns, and their `fieldsV1` encoding.
//!
//! A path is a list of path elements, each kept in its `fieldsV1` spelling so that a set
//! encodes and decodes without loss: `f:<field>` for a field of an object, `k:<keys>` for an
//! item of a map-list (its key fields as compact JSON with sorted keys), `v:<value>` for an
//! item of a set, `i:<index>` for a positional item (decoded, never produced).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use serde_json::{Map, Value};

/// A path from the object root, one `fieldsV1` path element per step.
pub(crate) type Path = Vec<String>;

/// The path element of the field `name`.
pub(crate) fn field(name: &str) -> String {
    format!("f:{name}")
}

/// The path element of a map-list item with these key fields and values.
pub(crate) fn key(keys: &Map<String, Value>) -> String {
    format!("k:{}", canonical(&Value::Object(keys.clone())))
}

/// The path element of a set item.
pub(crate) fn item_value(v: &Value) -> String {
    format!("v:{}", canonical(v))
}

/// Compact JSON with object keys sorted, so equal values always spell the same.
pub(crate) fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!("{}:{}", Value::String(k.clone()), m.get(k).map_or_else(String::new, canonical))
                })
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// Brings one `fieldsV1` key to its canonical spelling.
fn parse_element(s: &str) -> Result<String, String> {
    if let Some(name) = s.strip_prefix("f:") {
        return Ok(field(name));
    }
    if let Some(json) = s.strip_prefix("k:") {
        return match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(m)) => Ok(key(&m)),
            _ => Err(format!("invalid key path element {s:?}")),
        };
    }
    if let Some(json) = s.strip_prefix("v:") {
        return serde_json::from_str::<Value>(json)
            .map(|v| item_value(&v))
            .map_err(|_| format!("invalid value path element {s:?}"));
    }
    if let Some(index) = s.strip_prefix("i:") {
        return index.parse::<usize>().map(|i| format!("i:{i}")).map_err(|_| format!("invalid index {s:?}"));
    }
    Err(format!("unknown path element {s:?}"))
}

/// A value as the API server prints it inside a path (`value.ToString`).
fn print_value(v: &Value) -> String {
    match v {
        Value::Array(items) => format!("[{}]", items.iter().map(print_value).collect::<Vec<_>>().join(",")),
        Value::Object(m) => {
            let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}={}", print_value(v))).collect();
            format!("{{{}}}", parts.join(";"))
        }
        other => other.to_string(),
    }
}

/// A path as the API server prints it: `.spec.containers[name="web"].image`.
pub(crate) fn display(path: &[String]) -> String {
    let mut out = String::new();
    for pe in path {
        if let Some(name) = pe.strip_prefix("f:") {
            out.push('.');
            out.push_str(name);
        } else if let Some(json) = pe.strip_prefix("k:") {
            let keys = match serde_json::from_str::<Value>(json) {
                Ok(Value::Object(m)) => {
                    let mut parts: Vec<(String, String)> =
                        m.iter().map(|(k, v)| (k.clone(), print_value(v))).collect();
                    parts.sort();
                    parts.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
                }
                _ => json.to_string(),
            };
            out.push_str(&format!("[{keys}]"));
        } else if let Some(json) = pe.strip_prefix("v:") {
            let shown =
                serde_json::from_str::<Value>(json).map_or_else(|_| json.to_string(), |v| print_value(&v));
            out.push_str(&format!("[={shown}]"));
        } else if let Some(index) = pe.strip_prefix("i:") {
            out.push_str(&format!("[{index}]"));
        } else {
            out.push_str(pe);
        }
    }
    out
}

/// A set of paths. A path in the set is owned; its ancestors are only on the way to it,
/// except list items, which the applier of an item always owns as a whole (`.`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSet(BTreeSet<Path>);

#[derive(Default)]
struct Node {
    member: bool,
    children: BTreeMap<String, Node>,
}

impl FieldSet {
    /// Adds `path` (the empty path, the object itself, is never tracked).
    pub(crate) fn insert(&mut self, path: Path) {
        if !path.is_empty() {
            self.0.insert(path);
        }
    }

    /// Whether `path` itself is in the set.
    pub fn contains(&self, path: &[String]) -> bool {
        self.0.contains(path)
    }

    /// Whether the set holds `prefix` or anything below it.
    pub(crate) fn has_under(&self, prefix: &[String]) -> bool {
        self.0
            .range::<[String], _>((Bound::Included(prefix), Bound::Unbounded))
            .next()
            .is_some_and(|p| p.starts_with(prefix))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Path> {
        self.0.iter()
    }

    pub(crate) fn union(&self, other: &FieldSet) -> FieldSet {
        FieldSet(self.0.union(&other.0).cloned().collect())
    }

    pub(crate) fn difference(&self, other: &FieldSet) -> FieldSet {
        FieldSet(self.0.difference(&other.0).cloned().collect())
    }

    pub(crate) fn intersection(&self, other: &FieldSet) -> FieldSet {
        FieldSet(self.0.intersection(&other.0).cloned().collect())
    }

    /// Keeps only the paths for which `keep` holds.
    pub(crate) fn retain(&mut self, keep: impl Fn(&[String]) -> bool) {
        self.0.retain(|p| keep(p));
    }

    /// The `fieldsV1` object of this set.
    pub fn to_fields_v1(&self) -> Value {
        let mut root = Node::default();
        for path in &self.0 {
            let mut node = &mut root;
            for pe in path {
                node = node.children.entry(pe.clone()).or_default();
            }
            node.member = true;
        }
        encode(&root, false)
    }

    /// Decodes a `fieldsV1` object.
    pub fn from_fields_v1(v: &Value) -> Result<FieldSet, String> {
        let mut set = FieldSet::default();
        decode(v, &mut Vec::new(), &mut set)?;
        Ok(set)
    }
}

impl FromIterator<Path> for FieldSet {
    fn from_iter<I: IntoIterator<Item = Path>>(iter: I) -> Self {
        FieldSet(iter.into_iter().filter(|p| !p.is_empty()).collect())
    }
}

fn encode(node: &Node, include_self: bool) -> Value {
    let mut out = Map::new();
    if include_self && node.member && !node.children.is_empty() {
        out.insert(".".to_string(), Value::Object(Map::new()));
    }
    for (pe, child) in &node.children {
        out.insert(pe.clone(), encode(child, true));
    }
    Value::Object(out)
}

fn decode(v: &Value, path: &mut Path, set: &mut FieldSet) -> Result<(), String> {
    let Value::Object(m) = v else {
        return Err(format!("expected an object in fieldsV1 at {:?}", display(path)));
    };
    if m.is_empty() {
        set.insert(path.clone());
        return Ok(());
    }
    for (k, child) in m {
        if k == "." {
            set.insert(path.clone());
            continue;
        }
        path.push(parse_element(k)?);
        let res = decode(child, path, set);
        path.pop();
        res?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn p(parts: &[&str]) -> Path {
        parts.iter().map(|s| s.to_string()).collect()
    }

    /// The fieldsV1 a real API server keeps for `kubectl apply --server-side` of a Deployment.
    fn deployment_fields() -> Value {
        json!({
            "f:metadata": {"f:finalizers": {"v:\"a/b\"": {}}, "f:labels": {"f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:selector": {},
                "f:template": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {"f:containers": {
                        "k:{\"name\":\"web\"}": {
                            ".": {},
                            "f:image": {},
                            "f:name": {},
                            "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {
                                ".": {}, "f:containerPort": {}}}
                        }
                    }}
                }
            }
        })
    }

    #[test]
    fn fields_v1_round_trip() {
        let fields = deployment_fields();
        let set = FieldSet::from_fields_v1(&fields).unwrap();
        let web = ["f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"web\"}"];
        assert!(set.contains(&p(&web)));
        assert!(set.contains(&p(&["f:spec", "f:replicas"])));
        assert!(!set.contains(&p(&["f:spec"])));
        assert!(set.has_under(&p(&["f:spec", "f:template"])));
        assert!(!set.has_under(&p(&["f:status"])));
        assert_eq!(set.iter().count(), 10);
        assert_eq!(set.to_fields_v1(), fields);
    }

    #[test]
    fn keys_are_canonical() {
        let set =
            FieldSet::from_fields_v1(&json!({"f:ports": {"k:{\"protocol\": \"TCP\", \"port\": 80}": {}}}))
                .unwrap();
        assert!(set.contains(&p(&["f:ports", "k:{\"port\":80,\"protocol\":\"TCP\"}"])));
        assert!(FieldSet::from_fields_v1(&json!({"x:y": {}})).is_err());
        assert!(FieldSet::from_fields_v1(&json!({"f:a": 1})).is_err());
    }

    #[test]
    fn display_like_the_api_server() {
        let path = p(&["f:spec", "f:containers", "k:{\"name\":\"web\"}", "f:image"]);
        assert_eq!(display(&path), ".spec.containers[name=\"web\"].image");
        let port = p(&["f:ports", "k:{\"port\":80,\"protocol\":\"TCP\"}"]);
        assert_eq!(display(&port), ".ports[port=80,protocol=\"TCP\"]");
        assert_eq!(display(&p(&["f:metadata", "f:finalizers", "v:\"a\""])), ".metadata.finalizers[=\"a\"]");
    }
}
