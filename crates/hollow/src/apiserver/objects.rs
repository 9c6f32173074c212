//! The write pipeline every verb shares: server-owned metadata, subresource rules, built-in
//! defaults, CRD schema (defaults, pruning, validation, CEL), generation, managedFields,
//! resourceVersion preconditions, no-op detection, finalizers.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{
    ApiServer, apply, crds, defaults,
    errors::ApiError,
    list_type::{self, ListType},
    registry::ResourceDef,
    schema,
    store::{ObjectKey, StoreError, object_rv},
    validation,
};

/// Who writes, and how.
#[derive(Clone, Debug)]
pub struct Writer {
    /// `fieldManager`.
    pub manager: String,
    /// `dryRun=All`: validate and answer, store nothing.
    pub dry_run: bool,
    /// `fieldValidation=Strict`: unknown fields are an error instead of being dropped.
    pub strict: bool,
}

/// Which part of the object a write may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The main resource: everything but status (when there is a status subresource).
    Main,
    /// The status subresource: only status.
    Status,
}

impl Part {
    /// The subresource name for managedFields.
    pub fn subresource(self) -> Option<&'static str> {
        match self {
            Part::Main => None,
            Part::Status => Some("status"),
        }
    }
}

/// The list semantics for a resource, by path.
pub fn list_types(def: &ResourceDef) -> impl Fn(&str) -> ListType + '_ {
    move |path: &str| match (&def.schema, def.builtin) {
        (Some(schema), _) => list_type::from_schema(schema, path),
        (None, _) => list_type::builtin(&def.kind, path),
    }
}

fn key(def: &ResourceDef, namespace: Option<&str>, name: &str) -> ObjectKey {
    ObjectKey {
        resource: def.id(),
        namespace: if def.namespaced { namespace.unwrap_or_default().to_string() } else { String::new() },
        name: name.to_string(),
    }
}

/// Everything but metadata and status: what a generation counts.
fn spec_part(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("metadata");
        o.remove("status");
    }
    v
}

/// Copies server-owned metadata from the stored object onto an incoming one.
fn keep_server_metadata(new: &mut Value, old: &Value) {
    for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"]
    {
        match old.pointer(&format!("/metadata/{field}")) {
            Some(v) => new["metadata"][field] = v.clone(),
            None => {
                if let Some(m) = new.get_mut("metadata").and_then(Value::as_object_mut) {
                    m.remove(field);
                }
            }
        }
    }
}

impl ApiServer {
    /// Commits `new` as the next state of an object (`old` is its current state, None on
    /// create). Applies every server rule, then writes with `old`'s resourceVersion as the
    /// precondition. `track` false when managedFields were already computed (apply).
    #[allow(clippy::too_many_arguments)]
    pub fn commit(
        &self,
        def: &ResourceDef,
        namespace: Option<&str>,
        name: &str,
        old: Option<&Value>,
        mut new: Value,
        part: Part,
        writer: &Writer,
        track: bool,
    ) -> Result<Arc<Value>, ApiError> {
        let now = self.clock.rfc3339();
        if def.builtin {
            validation::decode_builtin(def, &mut new, writer.strict)?;
        }
        new["apiVersion"] = json!(def.api_version());
        new["kind"] = json!(def.kind);
        if !new.get("metadata").is_some_and(Value::is_object) {
            new["metadata"] = json!({});
        }
        new["metadata"]["name"] = json!(name);
        if def.namespaced {
            new["metadata"]["namespace"] = json!(namespace.unwrap_or_default());
        } else if let Some(m) = new.get_mut("metadata").and_then(Value::as_object_mut) {
            // A cluster-scoped object has no namespace, whatever the body said.
            m.remove("namespace");
        }
        match old {
            Some(old) => {
                keep_server_metadata(&mut new, old);
                match part {
                    Part::Status => {
                        // A status write changes status only (and, for an apply, the
                        // managedFields it computed).
                        let status = new.get("status").cloned();
                        let applied = new.pointer("/metadata/managedFields").cloned().filter(|_| !track);
                        new = old.clone();
                        if let Some(m) = applied {
                            new["metadata"]["managedFields"] = m;
                        }
                        match status {
                            Some(s) => new["status"] = s,
                            None => {
                                if let Some(o) = new.as_object_mut() {
                                    o.remove("status");
                                }
                            }
                        }
                    }
                    Part::Main if def.status => match old.get("status") {
                        Some(s) => new["status"] = s.clone(),
                        None => {
                            if let Some(o) = new.as_object_mut() {
                                o.remove("status");
                            }
                        }
                    },
                    Part::Main => {}
                }
            }
            None => {
                new["metadata"]["uid"] = json!(self.store.next_uid());
                new["metadata"]["creationTimestamp"] = json!(now);
                if def.status
                    && let Some(o) = new.as_object_mut()
                {
                    o.remove("status");
                }
                if def.kind == "Pod" {
                    new["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
                }
            }
        }
        // The object as the writer's fields make it, when the server adds more of its own.
        let mut as_sent: Option<Value> = None;
        if def.builtin {
            defaults::apply(&def.kind, &mut new, || self.next_cluster_ip());
            if old.is_none() && def.group == "batch" && def.kind == "Job" {
                // The real strategy generates it in Validate, once the uid is set: after the
                // writer's managedFields were computed, so the writer does not own it.
                as_sent = Some(new.clone());
                super::batch::generate_selector(&mut new);
            }
            super::timestamps::normalize(&def.kind, &mut new).map_err(|e| {
                ApiError::bad_request(format!(
                    "{} in version {:?} cannot be handled as a {}: {e}",
                    def.kind, def.version, def.kind
                ))
            })?;
            if def.kind == "Event" && def.group.is_empty() {
                self.check_event(def, name, &new, false)?;
            }
            let causes = validation::builtin(def, &new, old);
            if !causes.is_empty() {
                return Err(validation::invalid(def, name, &causes));
            }
        }
        if let Some(schema) = &def.schema {
            schema::apply_defaults(schema, &mut new);
            let pruned = schema::prune(schema, &mut new);
            validation::unknown_fields(&pruned, writer.strict)?;
            let mut causes = validation::custom_metadata(&new);
            causes.extend(schema::validate_compiled(schema, def.rules.as_deref(), &new, old));
            if !causes.is_empty() {
                return Err(validation::invalid(def, name, &causes));
            }
        }
        if def.generation {
            let generation = match old {
                None => 1,
                Some(o) => {
                    let g = o.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
                    if spec_part(o) != spec_part(&new) { g + 1 } else { g }
                }
            };
            new["metadata"]["generation"] = json!(generation);
        }
        if track {
            let lt = list_types(def);
            let w = apply::Write {
                manager: &writer.manager,
                subresource: part.subresource(),
                now: &now,
                list_type: &lt,
            };
            new = match as_sent {
                Some(sent) => {
                    let tracked = apply::track_update(old, &sent, &w);
                    match tracked.pointer("/metadata/managedFields") {
                        Some(m) => new["metadata"]["managedFields"] = m.clone(),
                        None => {
                            if let Some(m) = new.get_mut("metadata").and_then(Value::as_object_mut) {
                                m.remove("managedFields");
                            }
                        }
                    }
                    new
                }
                None => apply::track_update(old, &new, &w),
            };
        }
        if let Some(old) = old {
            let mut same = new.clone();
            same["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"].clone();
            if strip_time(&same) == strip_time(old) {
                // A no-op write does not change the resourceVersion.
                return Ok(Arc::new(old.clone()));
            }
        }
        // An object being deleted goes once its last finalizer is removed.
        let finalizers_done = new.pointer("/metadata/deletionTimestamp").is_some()
            && new.pointer("/metadata/finalizers").and_then(Value::as_array).is_none_or(Vec::is_empty);
        if writer.dry_run {
            return Ok(Arc::new(new));
        }
        // What the storage refuses (a dry run does not reach it).
        if old.is_none() && track {
            validation::resource_version_on_create(&new)?;
        }
        validation::limits::stored_object(&new)?;
        let k = key(def, namespace, name);
        let expect = Some(old.map_or(0, object_rv));
        let stored = self.store.write(&k, expect, |_, _| Ok(new)).map_err(|e| store_error(def, name, e))?;
        if def.kind == "CustomResourceDefinition" {
            crds::on_write(self, &stored);
        }
        if finalizers_done {
            // The collector may have removed it first (it saw the same write): still this
            // write's success, not a 404.
            return self.finish_delete(def, &k).or_else(|e| if e.code == 404 { Ok(stored) } else { Err(e) });
        }
        Ok(stored)
    }

    /// Removes an object whose finalizers are done and lets the garbage collector see it.
    pub fn finish_delete(&self, def: &ResourceDef, key: &ObjectKey) -> Result<Arc<Value>, ApiError> {
        let gone = self.store.remove(key, None).map_err(|e| store_error(def, &key.name, e))?;
        if def.kind == "CustomResourceDefinition" {
            crds::on_delete(self, &gone);
        }
        Ok(gone)
    }
}

/// managedFields times change on every write; compare without them.
fn strip_time(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(entries) = v.pointer_mut("/metadata/managedFields").and_then(Value::as_array_mut) {
        for e in entries {
            if let Some(o) = e.as_object_mut() {
                o.remove("time");
            }
        }
    }
    v
}

/// Maps a store error to the API error for this object.
pub fn store_error(def: &ResourceDef, name: &str, e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::not_found(&def.qualified_plural(), name),
        StoreError::AlreadyExists => ApiError::already_exists(&def.qualified_plural(), name),
        StoreError::Conflict => ApiError::conflict(&def.qualified_plural(), name, &e.to_string()),
        StoreError::Gone { .. } => ApiError::gone(e.to_string()),
    }
}

/// The object key of a named object of `def`.
pub fn object_key(def: &ResourceDef, namespace: Option<&str>, name: &str) -> ObjectKey {
    key(def, namespace, name)
}
