//! Decoding a built-in object as its Go type does: the object is deserialized into the
//! `k8s-openapi` type of its kind, so a value of the wrong JSON type is a 400 with the
//! `encoding/json` message (`json: cannot unmarshal string into Go struct field
//! DeploymentSpec.spec.replicas of type int32`), and a field the type does not have is
//! unknown (dropped, warned about, or refused under `fieldValidation=Strict`).
//!
//! The Go names in the message come from the type's OpenAPI schema (`schemars`): the struct
//! is the definition that holds the field, the path lists the struct fields only (no list
//! indices or map keys, as `encoding/json` prints it).

use k8s_openapi::{
    api::{
        apps::v1 as apps, batch::v1 as batch, coordination::v1 as coordination, core::v1 as core,
        events::v1 as events, policy::v1 as policy, rbac::v1 as rbac, scheduling::v1 as scheduling,
    },
    apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions,
    schemars::{JsonSchema, generate::SchemaSettings},
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};
use serde_path_to_error::Segment;

use crate::apiserver::{errors::ApiError, registry::ResourceDef};

/// Decodes `obj` as the type of `def`'s kind; removes the fields that type does not have
/// and returns their paths (`spec.foo`, `spec.containers[0].bar`). Kinds without a known
/// type pass unchanged.
pub fn typed(def: &ResourceDef, obj: &mut Value) -> Result<Vec<String>, ApiError> {
    match (def.group.as_str(), def.kind.as_str()) {
        ("", "Namespace") => round_trip::<core::Namespace>(def, obj),
        ("", "Pod") => round_trip::<core::Pod>(def, obj),
        ("", "Service") => round_trip::<core::Service>(def, obj),
        ("", "Endpoints") => round_trip::<core::Endpoints>(def, obj),
        ("", "Event") => round_trip::<core::Event>(def, obj),
        ("", "ConfigMap") => round_trip::<core::ConfigMap>(def, obj),
        ("", "Secret") => round_trip::<core::Secret>(def, obj),
        ("", "ServiceAccount") => round_trip::<core::ServiceAccount>(def, obj),
        ("", "Node") => round_trip::<core::Node>(def, obj),
        ("apps", "ReplicaSet") => round_trip::<apps::ReplicaSet>(def, obj),
        ("apps", "Deployment") => round_trip::<apps::Deployment>(def, obj),
        ("batch", "Job") => round_trip::<batch::Job>(def, obj),
        ("policy", "PodDisruptionBudget") => round_trip::<policy::PodDisruptionBudget>(def, obj),
        ("coordination.k8s.io", "Lease") => round_trip::<coordination::Lease>(def, obj),
        ("events.k8s.io", "Event") => round_trip::<events::Event>(def, obj),
        ("rbac.authorization.k8s.io", "Role") => round_trip::<rbac::Role>(def, obj),
        ("rbac.authorization.k8s.io", "RoleBinding") => round_trip::<rbac::RoleBinding>(def, obj),
        ("rbac.authorization.k8s.io", "ClusterRole") => round_trip::<rbac::ClusterRole>(def, obj),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
            round_trip::<rbac::ClusterRoleBinding>(def, obj)
        }
        ("scheduling.k8s.io", "PriorityClass") => round_trip::<scheduling::PriorityClass>(def, obj),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            round_trip::<apiextensions::CustomResourceDefinition>(def, obj)
        }
        _ => Ok(Vec::new()),
    }
}

fn round_trip<T: DeserializeOwned + Serialize + JsonSchema>(
    def: &ResourceDef,
    obj: &mut Value,
) -> Result<Vec<String>, ApiError> {
    // A time field that does not parse fails like Go's `time.Parse` in the real decoder.
    if let Err(e) = crate::apiserver::timestamps::normalize(&def.kind, &mut obj.clone()) {
        return Err(ApiError::bad_request(handled_as(def, obj, &e)));
    }
    let decoded: T = serde_path_to_error::deserialize(&*obj).map_err(|e| {
        let segments: Vec<Segment> = e.path().iter().cloned().collect();
        let inner = e.into_inner().to_string();
        ApiError::bad_request(handled_as(def, obj, &go_error::<T>(obj, &segments, &inner)))
    })?;
    let known = serde_json::to_value(&decoded).map_err(|e| ApiError::internal(e.to_string()))?;
    let mut unknown = Vec::new();
    drop_unknown(obj, &known, "", &mut unknown);
    Ok(unknown)
}

/// `transformDecodeError`: `Deployment in version "v1" cannot be handled as a Deployment: ...`.
/// The kind and version are the body's, with the request path's filling in what the body
/// leaves out (the JSON serializer's `gvkWithDefaults`), so a body without `kind` gets the
/// same message. (The "object provided is unrecognized" form is for bodies that are not
/// JSON at all, see `limits`.)
fn handled_as(def: &ResourceDef, obj: &Value, err: &str) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).filter(|k| !k.is_empty()).unwrap_or(&def.kind);
    let version = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .map(|v| v.rsplit('/').next().unwrap_or(v))
        .filter(|v| !v.is_empty())
        .unwrap_or(&def.version);
    format!("{kind} in version \"{version}\" cannot be handled as a {}: {err}", def.kind)
}

/// The `encoding/json` error for a decode failure at `path`.
fn go_error<T: JsonSchema>(obj: &Value, path: &[Segment], serde_message: &str) -> String {
    let schema = SchemaSettings::draft2020_12().into_generator().into_root_schema_for::<T>();
    let root = schema.as_value();
    let mut node = root;
    let mut strukt = last_segment(&T::schema_name()).to_string();
    let mut fields: Vec<&str> = Vec::new();
    let mut value = Some(obj);
    for seg in path {
        let (resolved, def_name) = resolve(root, node);
        match seg {
            Segment::Map { key } => {
                value = value.and_then(|v| v.get(key));
                if let Some(p) = resolved.get("properties").and_then(|p| p.get(key)) {
                    if let Some(d) = def_name {
                        strukt = last_segment(d).to_string();
                    }
                    fields.push(key);
                    node = p;
                } else if let Some(a) = resolved.get("additionalProperties").filter(|a| a.is_object()) {
                    node = a;
                }
            }
            Segment::Seq { index } => {
                value = value.and_then(|v| v.get(index));
                if let Some(items) = resolved.get("items") {
                    node = items;
                }
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    let is_type_error =
        serde_message.starts_with("invalid type") || serde_message.starts_with("invalid value");
    match value {
        Some(v) if is_type_error && !fields.is_empty() => {
            let go_type = go_type(root, node);
            let what = match v {
                Value::Number(n) if go_type.starts_with("int") || go_type.starts_with("uint") => {
                    format!("number {n}")
                }
                other => json_kind(other).to_string(),
            };
            format!(
                "json: cannot unmarshal {what} into Go struct field {strukt}.{} of type {go_type}",
                fields.join(".")
            )
        }
        _ => {
            // Not a type mismatch (bad base64, bad time): serde's words, without its position.
            let msg = serde_message.split(" at line ").next().unwrap_or(serde_message);
            format!("json: {msg}")
        }
    }
}

fn last_segment(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// A node with its `$ref` followed, and the definition name it came from.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> (&'a Value, Option<&'a str>) {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or(r);
            match root.get("$defs").and_then(|d| d.get(name)) {
                Some(d) => (d, Some(name)),
                None => (node, None),
            }
        }
        None => (node, None),
    }
}

/// The Go type a schema node stands for: `int32`, `string`, `[]v1.Container`, `map[string]string`.
fn go_type(root: &Value, node: &Value) -> String {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        let mut parts = name.rsplit('.');
        let ty = parts.next().unwrap_or(name);
        let pkg = parts.next().unwrap_or_default();
        return format!("{pkg}.{ty}");
    }
    let (node, _) = resolve(root, node);
    match (node.get("type").and_then(Value::as_str), node.get("format").and_then(Value::as_str)) {
        (Some("integer"), Some(f @ ("int32" | "int64"))) => f.to_string(),
        (Some("integer"), _) => "int".to_string(),
        (Some("number"), _) => "float64".to_string(),
        (Some("boolean"), _) => "bool".to_string(),
        (Some("string"), Some("byte")) => "[]uint8".to_string(),
        (Some("string"), _) => "string".to_string(),
        (Some("array"), _) => {
            format!("[]{}", node.get("items").map_or("interface {}".into(), |i| go_type(root, i)))
        }
        (Some("object"), _) => match node.get("additionalProperties").filter(|a| a.is_object()) {
            Some(a) => format!("map[string]{}", go_type(root, a)),
            None => "map[string]interface {}".to_string(),
        },
        _ => "interface {}".to_string(),
    }
}

/// `UnmarshalTypeError.Value` for a JSON value.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Removes from `obj` every non-null key `known` (the decoded and re-encoded object) lacks.
fn drop_unknown(obj: &mut Value, known: &Value, path: &str, out: &mut Vec<String>) {
    match (obj, known) {
        (Value::Object(o), Value::Object(k)) => {
            let mut gone = Vec::new();
            for (key, v) in o.iter_mut() {
                let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                match k.get(key) {
                    Some(kv) => drop_unknown(v, kv, &at, out),
                    None if v.is_null() => {}
                    None => {
                        out.push(at);
                        gone.push(key.clone());
                    }
                }
            }
            remove_keys(o, &gone);
        }
        (Value::Array(items), Value::Array(k)) => {
            for (i, (v, kv)) in items.iter_mut().zip(k).enumerate() {
                drop_unknown(v, kv, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn remove_keys(o: &mut Map<String, Value>, keys: &[String]) {
    for k in keys {
        o.remove(k);
    }
}
