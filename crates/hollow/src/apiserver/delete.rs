//! DELETE of an object and of a collection: preconditions, finalizers, the propagation policy
//! the garbage collector acts on, and the answer the real server gives: the object for the
//! kinds whose registry sets `ReturnDeletedObject` (Pods, Services, ServiceAccounts,
//! Namespaces), a `Status` with `details` (name, group, kind = the resource, uid) for the
//! others, the object carrying its deletionTimestamp (200, or 202 when `orphanDependents:
//! false` was asked) while finalizers are pending, and the list of deleted objects for a
//! collection.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{
    ApiServer, batch,
    errors::ApiError,
    objects::{Writer, object_key},
    params::Params,
    registry::ResourceDef,
    route::Target,
    selectors::labels_of,
    store::object_rv,
    validation,
};

/// Finalizer the garbage collector removes once dependents are gone (foreground deletion).
pub const FOREGROUND: &str = "foregroundDeletion";
/// Finalizer the garbage collector removes once dependents are orphaned.
pub const ORPHAN: &str = "orphan";

/// Kinds whose real registry answers a delete with the deleted object.
fn returns_deleted_object(t: &Target) -> bool {
    t.def.group.is_empty()
        && ["pods", "services", "serviceaccounts", "namespaces"].contains(&t.def.plural.as_str())
}

/// The etcd key the real server keeps an object under (it shows in precondition errors).
fn storage_key(t: &Target, name: &str) -> String {
    let resource = match (t.def.builtin, t.def.plural.as_str()) {
        (true, "services") => "services/specs".to_string(),
        (true, plural) => plural.to_string(),
        (false, plural) => format!("{}/{plural}", t.def.group),
    };
    match t.namespace.as_deref() {
        Some(ns) if t.def.namespaced => format!("/registry/{resource}/{ns}/{name}"),
        _ => format!("/registry/{resource}/{name}"),
    }
}

/// The `Status` of a finished delete (`Kind` holds the resource, as in the real server).
fn success_status(t: &Target, obj: &Value) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
           "details": {"name": obj.pointer("/metadata/name").cloned().unwrap_or_default(),
                       "group": t.def.group, "kind": t.def.plural,
                       "uid": obj.pointer("/metadata/uid").cloned().unwrap_or_default()}})
}

fn decode_options(body: &[u8], p: &Params) -> Result<Value, ApiError> {
    let mut opts: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding DeleteOptions: {e}")))?
    };
    for k in ["propagationPolicy", "gracePeriodSeconds", "orphanDependents"] {
        if opts.get(k).is_none()
            && let Some(v) = p.get(k)
        {
            opts[k] = match k {
                "propagationPolicy" => json!(v),
                "orphanDependents" => json!(v == "true"),
                _ => json!(v.parse::<i64>().unwrap_or(0)),
            };
        }
    }
    Ok(opts)
}

impl ApiServer {
    /// Deletes an object, or starts its deletion when finalizers must run first. Returns the
    /// HTTP code and body.
    pub fn delete(
        &self,
        t: &Target,
        name: &str,
        p: &Params,
        writer: &Writer,
        body: &[u8],
    ) -> Result<(u16, Value), ApiError> {
        let opts = decode_options(body, p)?;
        let (deleted, obj) = self.delete_object(t, name, &opts, writer)?;
        if !deleted {
            let code = if opts.get("orphanDependents") == Some(&json!(false)) { 202 } else { 200 };
            return Ok((code, (*obj).clone()));
        }
        Ok((200, if returns_deleted_object(t) { (*obj).clone() } else { success_status(t, &obj) }))
    }

    /// DELETE of a collection (label and field selectors apply): the list of the objects
    /// deleted or being deleted, as listed.
    pub fn delete_collection(
        &self,
        t: &Target,
        p: &Params,
        writer: &Writer,
        body: &[u8],
    ) -> Result<Value, ApiError> {
        let opts = decode_options(body, p)?;
        let (labels, fields) = Self::selectors(t, p)?;
        let (items, rv) = self.store.list(&t.def.id(), t.namespace.as_deref());
        let items: Vec<Arc<Value>> =
            items.into_iter().filter(|o| labels.matches(&labels_of(o)) && fields.matches(o)).collect();
        for o in &items {
            let name = o.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
            let one = Target {
                namespace: o.pointer("/metadata/namespace").and_then(Value::as_str).map(str::to_string),
                ..t.clone()
            };
            match self.delete_object(&one, name, &opts, writer) {
                Ok(_) => {}
                Err(e) if e.code == 404 => {}
                Err(e) => return Err(e),
            }
        }
        Ok(json!({"kind": format!("{}List", t.def.kind), "apiVersion": t.def.api_version(),
                  "metadata": {"resourceVersion": rv.to_string()},
                  "items": items.iter().map(|o| &**o).collect::<Vec<_>>()}))
    }

    /// Deletes or marks for deletion; returns whether the object is gone, and it.
    fn delete_object(
        &self,
        t: &Target,
        name: &str,
        opts: &Value,
        writer: &Writer,
    ) -> Result<(bool, Arc<Value>), ApiError> {
        let key = object_key(&t.def, t.namespace.as_deref(), name);
        let old = self.store.get(&key).ok_or_else(|| ApiError::not_found(&t.def.qualified_plural(), name))?;
        let have_rv = object_rv(&old).to_string();
        let have_uid = old.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default();
        let failed = match (
            opts.pointer("/preconditions/uid").and_then(Value::as_str),
            opts.pointer("/preconditions/resourceVersion").and_then(Value::as_str),
        ) {
            (Some(uid), _) if uid != have_uid => Some(format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {have_uid}"
            )),
            (_, Some(rv)) if rv != have_rv => Some(format!(
                "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {have_rv}"
            )),
            _ => None,
        };
        if let Some(why) = failed {
            let why = format!(
                "StorageError: invalid object, Code: 4, Key: {}, ResourceVersion: 0, AdditionalErrorMsg: {why}",
                storage_key(t, name)
            );
            return Err(ApiError::conflict(&t.def.qualified_plural(), name, &why));
        }
        if opts.get("orphanDependents").is_some_and(|o| !o.is_null())
            && opts.get("propagationPolicy").is_some_and(|o| !o.is_null())
        {
            return Err(ApiError::invalid(
                "DeleteOptions.meta.k8s.io",
                "",
                "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: \"\": orphanDependents and deletionPropagation cannot be both set".into(),
                vec![json!({"reason": "FieldValueInvalid", "message": "Invalid value: \"\": orphanDependents and deletionPropagation cannot be both set", "field": "propagationPolicy"})],
            ));
        }
        let policy =
            match (opts.get("propagationPolicy").and_then(Value::as_str), opts.get("orphanDependents")) {
                (Some(p), _) => p.to_string(),
                (None, Some(Value::Bool(true))) => "Orphan".into(),
                (None, Some(Value::Bool(false))) => "Background".into(),
                // An earlier request's finalizer stands.
                _ => "".into(),
            };
        if !matches!(policy.as_str(), "" | "Foreground" | "Orphan" | "Background") {
            let msg = format!(
                "Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
            );
            return Err(ApiError::invalid(
                "DeleteOptions.meta.k8s.io",
                "",
                format!("DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: {msg}"),
                vec![
                    json!({"reason": "FieldValueNotSupported", "message": msg, "field": "propagationPolicy"}),
                ],
            ));
        }
        let mut finalizers: Vec<String> = old
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .map(|f| f.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        // batch/v1 Jobs orphan their pods unless told otherwise (`DefaultGarbageCollectionPolicy`),
        // and say so.
        let policy =
            if policy.is_empty() && batch::orphans_by_default(&t.def.group, &t.def.version, &t.def.kind) {
                validation::request::warn_always(batch::DELETE_WARNING.to_string());
                let chosen = finalizers.iter().any(|f| f == FOREGROUND || f == ORPHAN);
                if chosen { policy } else { "Orphan".to_string() }
            } else {
                policy
            };
        if !policy.is_empty() {
            finalizers.retain(|f| f != FOREGROUND && f != ORPHAN);
            match policy.as_str() {
                "Foreground" => finalizers.push(FOREGROUND.into()),
                "Orphan" => finalizers.push(ORPHAN.into()),
                _ => {}
            }
        }
        let namespace_with_content = t.def.kind == "Namespace";
        let immediate = finalizers.is_empty() && !namespace_with_content;
        if writer.dry_run {
            return Ok((immediate, old));
        }
        if old.pointer("/metadata/deletionTimestamp").is_some() {
            return Ok((false, old));
        }
        if immediate {
            return self.finish_delete(&t.def, &key).map(|o| (true, o));
        }
        let mut marked = (*old).clone();
        marked["metadata"]["deletionTimestamp"] = json!(self.clock.rfc3339());
        marked["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        marked["metadata"]["finalizers"] = json!(finalizers);
        if namespace_with_content {
            marked["status"] = json!({"phase": "Terminating"});
        }
        // The deletion marks are server-owned: write them directly.
        let stored = self
            .store
            .write(&key, Some(object_rv(&old)), |_, _| Ok(marked))
            .map_err(|e| super::objects::store_error(&t.def, name, e))?;
        Ok((false, stored))
    }

    /// Deletes an object as a controller's plain DELETE does: at once when it has no
    /// finalizers, else marked with a deletionTimestamp until they are done. Returns whether
    /// it is gone.
    pub fn delete_gracefully(&self, def: &ResourceDef, obj: &Value) -> Result<bool, ApiError> {
        let ns = obj.pointer("/metadata/namespace").and_then(Value::as_str);
        let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
        let key = object_key(def, ns, name);
        let pending =
            obj.pointer("/metadata/finalizers").and_then(Value::as_array).is_some_and(|f| !f.is_empty());
        if !pending {
            return self.finish_delete(def, &key).map(|_| true);
        }
        if obj.pointer("/metadata/deletionTimestamp").is_some() {
            return Ok(false);
        }
        let mut marked = obj.clone();
        marked["metadata"]["deletionTimestamp"] = json!(self.clock.rfc3339());
        marked["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        self.store
            .write(&key, Some(object_rv(obj)), |_, _| Ok(marked))
            .map(|_| false)
            .map_err(|e| super::objects::store_error(def, name, e))
    }

    /// Whether any object names `owner` in its ownerReferences.
    pub fn has_dependents(&self, owner: &Value) -> bool {
        let Some(uid) = owner.pointer("/metadata/uid").and_then(Value::as_str) else { return false };
        self.store.has_dependents(uid)
    }
}

/// The uids an object's ownerReferences name.
pub fn owner_uids(obj: &Value) -> impl Iterator<Item = &str> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r["uid"].as_str())
}
