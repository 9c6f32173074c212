//! What the field-set walks need to know about an object's shape: how each list merges, the
//! path element of each list item, and which fields are never tracked.

use serde_json::{Map, Value};

use super::fieldset::{self, FieldSet, Path};
use crate::apiserver::list_type::ListType;

/// The list types of one kind, looked up by dotted path (`spec.containers[].ports`).
pub(crate) struct Schema<'a> {
    list_type: &'a dyn Fn(&str) -> ListType,
}

/// The schema path of field `name` below `spath`.
pub(crate) fn child(spath: &str, name: &str) -> String {
    if spath.is_empty() { name.to_string() } else { format!("{spath}.{name}") }
}

/// The schema path of the items of the list at `spath`.
pub(crate) fn items(spath: &str) -> String {
    format!("{spath}[]")
}

/// Key fields that the built-in schemas give a default, so items may omit them.
fn key_default(name: &str) -> Option<Value> {
    (name == "protocol").then(|| Value::String("TCP".to_string()))
}

/// Whether a map-list `item` has the key fields in `keys` (a parsed `k:` element).
pub(crate) fn item_has_keys(item: &Value, keys: &Map<String, Value>) -> bool {
    let Some(obj) = item.as_object() else { return false };
    keys.iter().all(|(k, want)| match obj.get(k).filter(|v| !v.is_null()) {
        Some(v) => v == want,
        None => key_default(k).as_ref() == Some(want),
    })
}

/// Paths that no manager ever owns: identity and system metadata.
pub(crate) fn is_untracked(path: &[String]) -> bool {
    const META: &[&str] = &[
        "f:name",
        "f:namespace",
        "f:uid",
        "f:resourceVersion",
        "f:generation",
        "f:creationTimestamp",
        "f:deletionTimestamp",
        "f:managedFields",
        "f:selfLink",
    ];
    match path {
        [first, ..] if first == "f:apiVersion" || first == "f:kind" => true,
        [first] => first == "f:metadata",
        [first, second, ..] => first == "f:metadata" && META.contains(&second.as_str()),
        [] => true,
    }
}

/// The part of an object a write through a subresource may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The whole object.
    All,
    /// Only `status` (the `status` subresource).
    Status,
    /// Only `spec.replicas` (the `scale` subresource, written in the parent's shape).
    Replicas,
}

impl Scope {
    pub(crate) fn of(subresource: Option<&str>) -> Scope {
        match subresource {
            Some("status") => Scope::Status,
            Some("scale") => Scope::Replicas,
            _ => Scope::All,
        }
    }

    /// Whether a write of this scope may own `path`.
    pub(crate) fn covers(self, path: &[String]) -> bool {
        match self {
            Scope::All => true,
            Scope::Status => path.first().is_some_and(|f| f == "f:status"),
            Scope::Replicas => path.starts_with(&["f:spec".to_string(), "f:replicas".to_string()]),
        }
    }

    /// Keeps the tracked paths this scope covers.
    pub(crate) fn restrict(self, set: &mut FieldSet) {
        set.retain(|p| self.covers(p) && !is_untracked(p));
    }

    /// The part of an applied configuration this scope takes: identity plus what it covers.
    pub(crate) fn filter_config(self, config: &Map<String, Value>) -> Map<String, Value> {
        if self == Scope::All {
            return config.clone();
        }
        let mut out = Map::new();
        for k in ["apiVersion", "kind"] {
            if let Some(v) = config.get(k) {
                out.insert(k.to_string(), v.clone());
            }
        }
        if let Some(meta) = config.get("metadata").and_then(Value::as_object) {
            let ident: Map<String, Value> = ["name", "namespace"]
                .iter()
                .filter_map(|k| meta.get(*k).map(|v| ((*k).to_string(), v.clone())))
                .collect();
            out.insert("metadata".to_string(), Value::Object(ident));
        }
        match self {
            Scope::Status => {
                if let Some(status) = config.get("status") {
                    out.insert("status".to_string(), status.clone());
                }
            }
            Scope::Replicas => {
                if let Some(r) = config.get("spec").and_then(|s| s.get("replicas")) {
                    let mut spec = Map::new();
                    spec.insert("replicas".to_string(), r.clone());
                    out.insert("spec".to_string(), Value::Object(spec));
                }
            }
            Scope::All => {}
        }
        out
    }
}

impl<'a> Schema<'a> {
    pub(crate) fn new(list_type: &'a dyn Fn(&str) -> ListType) -> Self {
        Schema { list_type }
    }

    /// How the list at `spath` merges: `None` when it is atomic.
    pub(crate) fn granular(&self, spath: &str) -> Option<ListType> {
        match (self.list_type)(spath) {
            ListType::Atomic => None,
            ListType::Map(keys) if keys.is_empty() => None,
            lt => Some(lt),
        }
    }

    /// The path element of each item of a granular list, in order; an error when an item
    /// cannot have one (a map-list item that is not an object or lacks a key field).
    pub(crate) fn item_elements(lt: &ListType, list: &[Value]) -> Result<Vec<String>, String> {
        list.iter()
            .enumerate()
            .map(|(i, item)| Self::item_element(lt, item).map_err(|e| format!("element {i}: {e}")))
            .collect()
    }

    fn item_element(lt: &ListType, item: &Value) -> Result<String, String> {
        let ListType::Map(keys) = lt else { return Ok(fieldset::item_value(item)) };
        let Some(obj) = item.as_object() else {
            return Err(format!("expected map, got {}", kind_name(item)));
        };
        let mut found = Map::new();
        for k in keys {
            let v = obj.get(k).filter(|v| !v.is_null()).cloned().or_else(|| key_default(k));
            let Some(v) = v else {
                return Err(format!(
                    "associative list with keys has an element that omits key field {} (and doesn't have \
                     default value)",
                    Value::String(k.clone())
                ));
            };
            found.insert(k.clone(), v);
        }
        Ok(fieldset::key(&found))
    }

    /// The fields an applied configuration sets (structured-merge-diff's `ToFieldSet`):
    /// scalars, nulls, empty objects and atomic lists are owned whole; map-list and set
    /// items are owned as items. Errors on items without keys and on duplicate items.
    pub(crate) fn field_set(&self, config: &Value) -> Result<FieldSet, String> {
        let mut set = FieldSet::default();
        self.walk(config, &mut Vec::new(), "", &mut set)?;
        Ok(set)
    }

    fn walk(&self, v: &Value, path: &mut Path, spath: &str, out: &mut FieldSet) -> Result<(), String> {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, child_value) in m {
                    path.push(fieldset::field(k));
                    let res = self.walk(child_value, path, &child(spath, k), out);
                    path.pop();
                    res?;
                }
            }
            Value::Array(list) => match self.granular(spath) {
                None => out.insert(path.clone()),
                Some(lt) => {
                    let pes = Self::item_elements(&lt, list)
                        .map_err(|e| format!("{}: {e}", fieldset::display(path)))?;
                    let mut seen = std::collections::BTreeSet::new();
                    for (pe, item) in pes.into_iter().zip(list) {
                        path.push(pe.clone());
                        if !seen.insert(pe) {
                            let shown = fieldset::display(&path[path.len() - 1..]);
                            path.pop();
                            return Err(format!(
                                "{}: duplicate entries for key {shown}",
                                fieldset::display(path)
                            ));
                        }
                        out.insert(path.clone());
                        let res = match lt {
                            ListType::Map(_) => self.walk(item, path, &items(spath), out),
                            _ => Ok(()),
                        };
                        path.pop();
                        res?;
                    }
                }
            },
            _ => out.insert(path.clone()),
        }
        Ok(())
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apiserver::list_type::builtin;

    fn deployment_schema(path: &str) -> ListType {
        builtin("Deployment", path)
    }

    #[test]
    fn field_set_of_a_deployment() {
        let schema = Schema::new(&deployment_schema);
        let config = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "template": {"spec": {
                "containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}],
                "tolerations": [{"key": "a"}]}}}});
        let mut set = schema.field_set(&config).unwrap();
        Scope::All.restrict(&mut set);
        assert_eq!(
            set.to_fields_v1(),
            json!({"f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:replicas": {}, "f:template": {
                "f:spec": {"f:tolerations": {}, "f:containers": {"k:{\"name\":\"web\"}": {
                    ".": {}, "f:image": {}, "f:name": {}, "f:ports": {
                        "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}}}}}}}})
        );
    }

    #[test]
    fn items_without_keys_or_duplicated_are_errors() {
        let schema = Schema::new(&deployment_schema);
        let missing = json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}});
        assert_eq!(
            schema.field_set(&missing).unwrap_err(),
            ".spec.template.spec.containers: element 0: associative list with keys has an element that \
             omits key field \"name\" (and doesn't have default value)"
        );
        let dup = json!({"spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "a"}]}}}});
        assert_eq!(
            schema.field_set(&dup).unwrap_err(),
            ".spec.template.spec.containers: duplicate entries for key [name=\"a\"]"
        );
    }

    #[test]
    fn untracked_and_scoped_paths() {
        let p = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(is_untracked(&p(&["f:metadata", "f:name"])));
        assert!(is_untracked(&p(&["f:metadata"])));
        assert!(!is_untracked(&p(&["f:metadata", "f:labels", "f:name"])));
        assert!(Scope::Status.covers(&p(&["f:status", "f:x"])));
        assert!(!Scope::Status.covers(&p(&["f:spec", "f:x"])));
        assert!(Scope::Replicas.covers(&p(&["f:spec", "f:replicas"])));
    }
}
