//! POST, PUT and PATCH (merge, JSON, strategic, apply) on objects and on their status and
//! scale subresources.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{
    ApiServer, apply,
    errors::ApiError,
    objects::{Part, Writer, list_types, object_key},
    patch,
    registry::{ResourceDef, json_path},
    route::Target,
    store::object_rv,
};

/// Retries of a patch that raced with another write (the real server's GuaranteedUpdate).
const PATCH_RETRIES: usize = 5;

/// A patch body and its media type.
pub struct PatchBody<'a> {
    /// `Content-Type`.
    pub content_type: &'a str,
    /// Raw body.
    pub body: &'a [u8],
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding request body: {e}")))
}

fn parse_yaml_or_json(body: &[u8]) -> Result<Value, ApiError> {
    let text =
        std::str::from_utf8(body).map_err(|e| ApiError::bad_request(format!("body is not UTF-8: {e}")))?;
    serde_saphyr::from_str(text).map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
}

impl ApiServer {
    fn namespace_must_exist(&self, def: &ResourceDef, namespace: Option<&str>) -> Result<(), ApiError> {
        let Some(ns) = namespace.filter(|_| def.namespaced) else { return Ok(()) };
        let Some(nsdef) = self.registry.lookup("", "v1", "namespaces") else { return Ok(()) };
        if self.store.get(&object_key(&nsdef, None, ns)).is_none() {
            return Err(ApiError::not_found("namespaces", ns));
        }
        Ok(())
    }

    fn generated_name(&self, prefix: &str) -> String {
        super::validation::generated_name(prefix, &crate::controllers::name_suffix(self.next_serial()))
    }

    /// POST to a collection.
    pub fn create(&self, t: &Target, writer: &Writer, body: &[u8]) -> Result<Arc<Value>, ApiError> {
        let obj = parse_json(body).or_else(|_| parse_yaml_or_json(body))?;
        if !obj.is_object() {
            return Err(ApiError::bad_request("the request body must be an object"));
        }
        if let (Some(url_ns), Some(body_ns)) =
            (t.namespace.as_deref(), obj.pointer("/metadata/namespace").and_then(Value::as_str))
            && url_ns != body_ns
        {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        self.namespace_must_exist(&t.def, t.namespace.as_deref())?;
        let name = match (
            obj.pointer("/metadata/name").and_then(Value::as_str),
            obj.pointer("/metadata/generateName").and_then(Value::as_str),
        ) {
            (Some(n), _) if !n.is_empty() => n.to_string(),
            (_, Some(prefix)) if !prefix.is_empty() => self.generated_name(prefix),
            _ => {
                return Err(ApiError::invalid(
                    &t.def.qualified_kind(),
                    "",
                    format!(
                        "{} \"\" is invalid: metadata.name: Required value: name or generateName is required",
                        t.def.qualified_kind()
                    ),
                    vec![
                        json!({"reason": "FieldValueRequired", "message": "Required value: name or generateName is required", "field": "metadata.name"}),
                    ],
                ));
            }
        };
        self.commit(&t.def, t.namespace.as_deref(), &name, None, obj, Part::Main, writer, true)
    }

    /// PUT of an object or its status.
    pub fn update(
        &self,
        t: &Target,
        name: &str,
        writer: &Writer,
        body: &[u8],
        part: Part,
    ) -> Result<Arc<Value>, ApiError> {
        let obj = parse_json(body)?;
        if let Some(body_name) = obj.pointer("/metadata/name").and_then(Value::as_str)
            && body_name != name
        {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let key = object_key(&t.def, t.namespace.as_deref(), name);
        let old = self.store.get(&key).ok_or_else(|| ApiError::not_found(&t.def.qualified_plural(), name))?;
        match obj.pointer("/metadata/resourceVersion").and_then(Value::as_str) {
            Some(rv) if rv.parse::<u64>().ok() != Some(object_rv(&old)) => {
                return Err(ApiError::conflict(
                    &t.def.qualified_plural(),
                    name,
                    "the object has been modified; please apply your changes to the latest version and try again",
                ));
            }
            None if t.def.schema.is_some() => {
                let msg = format!(
                    "{} \"{name}\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
                    t.def.qualified_kind()
                );
                return Err(ApiError::invalid(
                    &t.def.qualified_kind(),
                    name,
                    msg,
                    vec![json!({
                    "reason": "FieldValueInvalid", "message": "Invalid value: 0x0: must be specified for an update",
                    "field": "metadata.resourceVersion"})],
                ));
            }
            _ => {}
        }
        self.commit(&t.def, t.namespace.as_deref(), name, Some(&old), obj, part, writer, true)
    }

    /// PATCH of an object or its status. Returns whether it was created (apply) and the object.
    pub fn patch(
        &self,
        t: &Target,
        name: &str,
        writer: &Writer,
        force: bool,
        body: &PatchBody<'_>,
        part: Part,
    ) -> Result<(bool, Arc<Value>), ApiError> {
        let key = object_key(&t.def, t.namespace.as_deref(), name);
        let media = body.content_type.split(';').next().unwrap_or_default().trim();
        let mut last_err = None;
        for _ in 0..PATCH_RETRIES {
            let old = self.store.get(&key);
            // A resourceVersion in an applied configuration is a precondition, as on the real
            // server (its patch path stores the merged object, resourceVersion included, with an
            // optimistic lock): a stale one is a conflict, not silently dropped.
            if media.starts_with("application/apply-patch")
                && let Some(old) = old.as_deref()
                && let Some(rv) = applied_resource_version(body.body)
                && rv.parse::<u64>().ok() != Some(object_rv(old))
            {
                return Err(ApiError::conflict(
                    &t.def.qualified_plural(),
                    name,
                    "the object has been modified; please apply your changes to the latest version and try again",
                ));
            }
            let result = match media {
                "application/apply-patch+yaml" | "application/apply-patch+json" => {
                    self.apply_patch(t, name, writer, force, body.body, part, old.as_deref())
                }
                _ => {
                    let Some(old) = old.as_deref() else {
                        return Err(ApiError::not_found(&t.def.qualified_plural(), name));
                    };
                    let new = self.patched(t, name, media, body.body, old)?;
                    if let Some(rv) = new.pointer("/metadata/resourceVersion").and_then(Value::as_str)
                        && rv.parse::<u64>().ok() != Some(object_rv(old))
                    {
                        return Err(ApiError::conflict(
                            &t.def.qualified_plural(),
                            name,
                            "the object has been modified; please apply your changes to the latest version and try again",
                        ));
                    }
                    self.commit(&t.def, t.namespace.as_deref(), name, Some(old), new, part, writer, true)
                        .map(|o| (false, o))
                }
            };
            match result {
                Err(e)
                    if e.code == 409
                        && e.reason == "Conflict"
                        && e.details.as_ref().is_none_or(|d| d.get("causes").is_none()) =>
                {
                    last_err = Some(e);
                }
                other => return other,
            }
        }
        Err(last_err.unwrap_or_else(|| ApiError::internal("patch retries exhausted")))
    }

    fn patched(
        &self,
        t: &Target,
        name: &str,
        media: &str,
        body: &[u8],
        old: &Value,
    ) -> Result<Value, ApiError> {
        let p = parse_json(body)?;
        let map = |e: patch::PatchError| match e {
            patch::PatchError::BadRequest(m) => ApiError::bad_request(m),
            patch::PatchError::Invalid(m) => ApiError::invalid(
                &t.def.qualified_kind(),
                name,
                format!("{} \"{name}\" is invalid: {m}", t.def.qualified_kind()),
                vec![json!({"reason": "FieldValueInvalid", "message": m, "field": ""})],
            ),
        };
        match media {
            "application/merge-patch+json" | "application/json" => Ok(patch::merge(old, &p)),
            "application/json-patch+json" => patch::json(old, &p).map_err(|e| match e {
                patch::PatchError::BadRequest(m) => ApiError::bad_request(m),
                patch::PatchError::Invalid(m) => {
                    tracing::debug!(%m, "json patch does not apply");
                    patch::json_patch_error()
                }
            }),
            "application/strategic-merge-patch+json" if t.def.builtin => {
                let lt = list_types(&t.def);
                patch::strategic(old, &p, &lt).map_err(map)
            }
            _ => Err(ApiError::unsupported_media_type(format!(
                "the body of the request was in an unknown format - accepted media types include: \
                 application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml{}",
                if t.def.builtin { ", application/strategic-merge-patch+json" } else { "" }
            ))),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_patch(
        &self,
        t: &Target,
        name: &str,
        writer: &Writer,
        force: bool,
        body: &[u8],
        part: Part,
        old: Option<&Value>,
    ) -> Result<(bool, Arc<Value>), ApiError> {
        if writer.manager.is_empty() {
            return Err(ApiError::bad_request("fieldManager: Required value: is required for apply patch"));
        }
        // JSON is YAML; most clients (kube-rs, client-go) send apply patches as JSON.
        let mut config = parse_json(body).or_else(|_| parse_yaml_or_json(body))?;
        if old.is_none() {
            self.namespace_must_exist(&t.def, t.namespace.as_deref())?;
        }
        // Each part owns only its own fields.
        if let Some(o) = config.as_object_mut() {
            match part {
                Part::Status => {
                    o.retain(|k, _| ["apiVersion", "kind", "metadata", "status"].contains(&k.as_str()))
                }
                Part::Main if t.def.status => {
                    o.remove("status");
                }
                Part::Main => {}
            }
            if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
                m.insert("name".into(), json!(name));
                if part == Part::Status {
                    m.retain(|k, _| k == "name" || k == "namespace");
                }
            }
        }
        let now = self.clock.rfc3339();
        let lt = list_types(&t.def);
        let w = apply::Write {
            manager: &writer.manager,
            subresource: part.subresource(),
            now: &now,
            list_type: &lt,
        };
        let new = apply::apply(old, &config, force, &w).map_err(|e| match e {
            apply::ApplyError::Conflict(conflicts) => {
                let status = apply::conflict_status(&conflicts, &t.def.api_version());
                let message = apply::conflict_message(&conflicts, &t.def.api_version());
                let causes =
                    status.pointer("/details/causes").and_then(Value::as_array).cloned().unwrap_or_default();
                ApiError::apply_conflict(message, causes)
            }
            apply::ApplyError::Invalid(m) => ApiError::bad_request(m),
        })?;
        let created = old.is_none();
        self.commit(&t.def, t.namespace.as_deref(), name, old, new, part, writer, false).map(|o| (created, o))
    }

    /// The `autoscaling/v1` Scale of an object.
    pub fn scale_of(&self, def: &ResourceDef, obj: &Value) -> Result<Value, ApiError> {
        let paths = def.scale.as_ref().ok_or_else(|| ApiError::no_route("scale"))?;
        let selector = match &paths.label_selector {
            _ if def.builtin => obj
                .pointer("/spec/selector")
                .and_then(|s| super::selectors::LabelSelector::from_object(s).ok())
                .map(|s| s.to_query())
                .unwrap_or_default(),
            Some(p) => json_path(obj, p).and_then(Value::as_str).unwrap_or_default().to_string(),
            None => String::new(),
        };
        let meta = &obj["metadata"];
        Ok(json!({
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"],
                         "resourceVersion": meta["resourceVersion"], "creationTimestamp": meta["creationTimestamp"]},
            "spec": {"replicas": json_path(obj, &paths.spec_replicas).cloned().unwrap_or(json!(0))},
            "status": {"replicas": json_path(obj, &paths.status_replicas).cloned().unwrap_or(json!(0)), "selector": selector},
        }))
    }

    /// PUT or PATCH of the scale subresource: only the desired replicas change.
    pub fn write_scale(
        &self,
        t: &Target,
        name: &str,
        writer: &Writer,
        body: &PatchBody<'_>,
        is_patch: bool,
    ) -> Result<Value, ApiError> {
        let key = object_key(&t.def, t.namespace.as_deref(), name);
        let old = self.store.get(&key).ok_or_else(|| ApiError::not_found(&t.def.qualified_plural(), name))?;
        let scale = self.scale_of(&t.def, &old)?;
        let new_scale = if is_patch {
            let media = body.content_type.split(';').next().unwrap_or_default().trim();
            let p = parse_json(body.body).or_else(|_| parse_yaml_or_json(body.body))?;
            match media {
                "application/json-patch+json" => {
                    patch::json(&scale, &p).map_err(|e| ApiError::bad_request(e.to_string()))?
                }
                _ => patch::merge(&scale, &p),
            }
        } else {
            parse_json(body.body)?
        };
        if let Some(rv) = new_scale.pointer("/metadata/resourceVersion").and_then(Value::as_str)
            && rv.parse::<u64>().ok() != Some(object_rv(&old))
        {
            return Err(ApiError::conflict(&t.def.qualified_plural(), name, "the object has been modified"));
        }
        let replicas = new_scale.pointer("/spec/replicas").cloned().unwrap_or(json!(0));
        if replicas.as_i64().is_none_or(|r| r < 0) {
            return Err(ApiError::invalid(
                "Scale.autoscaling",
                name,
                format!(
                    "Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
                ),
                vec![
                    json!({"reason": "FieldValueInvalid", "message": "must be greater than or equal to 0", "field": "spec.replicas"}),
                ],
            ));
        }
        let paths = t.def.scale.clone().ok_or_else(|| ApiError::no_route("scale"))?;
        let mut new = (*old).clone();
        let ptr = format!("/{}", paths.spec_replicas.trim_start_matches('.').replace('.', "/"));
        if let Some(slot) = new.pointer_mut(&ptr) {
            *slot = replicas;
        } else if let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut) {
            spec.insert(ptr.rsplit('/').next().unwrap_or("replicas").to_string(), replicas);
        }
        let stored =
            self.commit(&t.def, t.namespace.as_deref(), name, Some(&old), new, Part::Main, writer, true)?;
        self.scale_of(&t.def, &stored)
    }
}

/// `metadata.resourceVersion` of an apply body (JSON or YAML), if it has one.
fn applied_resource_version(body: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"resourceVersion";
    if !body.windows(KEY.len()).any(|w| w == KEY) {
        return None; // the common case, without a second parse
    }
    let config = parse_json(body).or_else(|_| parse_yaml_or_json(body)).ok()?;
    config.pointer("/metadata/resourceVersion").and_then(Value::as_str).map(str::to_string)
}
