//! DELETE: preconditions, finalizers, and the propagation policy the garbage collector acts on.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{
    ApiServer,
    errors::ApiError,
    objects::{Writer, object_key},
    params::Params,
    route::Target,
    store::object_rv,
};

/// Finalizer the garbage collector removes once dependents are gone (foreground deletion).
pub const FOREGROUND: &str = "foregroundDeletion";
/// Finalizer the garbage collector removes once dependents are orphaned.
pub const ORPHAN: &str = "orphan";

impl ApiServer {
    /// Deletes an object, or starts its deletion when finalizers must run first.
    pub fn delete(
        &self,
        t: &Target,
        name: &str,
        p: &Params,
        writer: &Writer,
        body: &[u8],
    ) -> Result<Arc<Value>, ApiError> {
        let opts: Value =
            if body.is_empty() { json!({}) } else { serde_json::from_slice(body).unwrap_or(json!({})) };
        let key = object_key(&t.def, t.namespace.as_deref(), name);
        let old = self.store.get(&key).ok_or_else(|| ApiError::not_found(&t.def.qualified_plural(), name))?;
        if let Some(rv) = opts.pointer("/preconditions/resourceVersion").and_then(Value::as_str)
            && rv.parse::<u64>().ok() != Some(object_rv(&old))
        {
            return Err(ApiError::conflict(
                &t.def.qualified_plural(),
                name,
                "the ResourceVersion in the precondition does not match",
            ));
        }
        if let Some(uid) = opts.pointer("/preconditions/uid").and_then(Value::as_str)
            && Some(uid) != old.pointer("/metadata/uid").and_then(Value::as_str)
        {
            return Err(ApiError::conflict(
                &t.def.qualified_plural(),
                name,
                "the UID in the precondition does not match",
            ));
        }
        let policy = opts
            .get("propagationPolicy")
            .and_then(Value::as_str)
            .or_else(|| p.get("propagationPolicy"))
            .map(str::to_string)
            .or_else(|| (opts.get("orphanDependents") == Some(&json!(true))).then(|| "Orphan".to_string()))
            .unwrap_or_else(|| "Background".into());
        if writer.dry_run {
            return Ok(old);
        }
        if old.pointer("/metadata/deletionTimestamp").is_some() {
            return Ok(old);
        }
        let mut finalizers: Vec<String> = old
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .map(|f| f.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        match policy.as_str() {
            "Foreground" if self.has_dependents(&old) => finalizers.push(FOREGROUND.into()),
            "Orphan" if self.has_dependents(&old) => finalizers.push(ORPHAN.into()),
            "Foreground" | "Orphan" | "Background" => {}
            other => return Err(ApiError::bad_request(format!("unknown propagationPolicy {other:?}"))),
        }
        let namespace_with_content = t.def.kind == "Namespace";
        if finalizers.is_empty() && !namespace_with_content {
            return self.finish_delete(&t.def, &key);
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
        Ok(stored)
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
