//! Server-side apply and `managedFields` tracking, as the real API server does them
//! (structured-merge-diff behind kube-apiserver's field manager), over plain JSON.
//!
//! Lists merge as `Write::list_type` says (paths as in [`ListType`]'s module); everything
//! else is an object merged field by field. Subresource writes are given in the parent
//! object's shape: a `status` write owns only `status`, a `scale` write only
//! `spec.replicas`. A main-resource write tracks every field it is given: strip `status`
//! from it first where the kind has a status subresource, as the real server resets it.

mod compare;
mod fieldset;
mod last_applied;
mod managed;
mod merge;
mod typed;

#[cfg(test)]
mod tests;

use serde_json::Value;

pub use self::fieldset::FieldSet;
use self::fieldset::Path;
use self::managed::{APPLY, Entry, UPDATE};
use self::typed::{Schema, Scope};
use crate::apiserver::list_type::ListType;

/// Who writes, through what, and when.
pub struct Write<'a> {
    /// The `fieldManager`.
    pub manager: &'a str,
    /// `Some("status")` / `Some("scale")` for subresource writes.
    pub subresource: Option<&'a str>,
    /// RFC 3339 time for the entry's `time`.
    pub now: &'a str,
    /// How the list at a dotted path merges.
    pub list_type: &'a dyn Fn(&str) -> ListType,
}

/// Why an apply was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// 409: fields owned by other managers would change value.
    #[error("Apply failed with {} conflict(s)", .0.len())]
    Conflict(Vec<Conflict>),
    /// 400/422: the configuration is not an object, or lists lack their key fields, etc.
    #[error("{0}")]
    Invalid(String),
}

/// A field another manager owns that an apply would change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conflict {
    /// The other manager's name.
    pub manager: String,
    /// The field as the real server prints it: `.spec.replicas`,
    /// `.spec.template.spec.containers[name="web"].image`.
    pub field: String,
    /// The operation of the other manager's entry, `Apply` or `Update` (empty counts as
    /// `Update`): only updaters are printed with `using <apiVersion>`.
    pub operation: String,
    /// The subresource the other manager wrote through, if any.
    pub subresource: Option<String>,
    /// The apiVersion of the other manager's entry (empty: the one given to the message).
    pub api_version: String,
}

/// Server-side apply: `live` is the stored object (None on create), `config` the applied
/// configuration. Returns the new object with `metadata.managedFields` updated.
pub fn apply(live: Option<&Value>, config: &Value, force: bool, w: &Write) -> Result<Value, ApplyError> {
    let Some(config_obj) = config.as_object() else {
        return Err(ApplyError::Invalid("the applied configuration must be an object".into()));
    };
    if managed::raw(config).is_some() {
        return Err(ApplyError::Invalid("metadata.managedFields must be nil".into()));
    }
    let scope = Scope::of(w.subresource);
    let schema = Schema::new(w.list_type);
    let applied = config;
    let mut config = Value::Object(scope.filter_config(config_obj));
    if live.is_some() {
        drop_system_metadata(&mut config);
    }
    let mut set = schema.field_set(&config).map_err(|e| ApplyError::Invalid(typed_error(&config, &e)))?;
    scope.restrict(&mut set);

    let live_obj = live.map_or_else(|| Value::Object(Default::default()), managed::without);
    let mut entries = live.map(managed::entries_of).unwrap_or_default();
    if live.is_some() && entries.is_empty() {
        // The object predates field tracking: someone must own what it holds.
        let mut first = schema.compare(&Value::Object(Default::default()), &live_obj);
        first.restrict(scope);
        entries.push(Entry {
            manager: "before-first-apply".into(),
            operation: UPDATE.into(),
            api_version: api_version(&live_obj),
            time: Some(w.now.into()),
            subresource: w.subresource.map(str::to_string),
            set: first.changed(),
        });
    }
    let mine = entries.iter().position(|e| e.is(w.manager, APPLY, w.subresource));
    let last = mine.and_then(|i| entries.get(i)).map(|e| e.set.clone()).unwrap_or_default();
    let others = entries.iter().enumerate().filter(|(i, _)| Some(*i) != mine).map(|(_, e)| e);
    let keep = others.fold(set.clone(), |acc, e| acc.union(&e.set));
    let gone = last.difference(&keep);

    let mut compared = schema.merge(&live_obj, &config, true);
    merge::prune(&mut compared, &gone, &keep);
    let mut object = schema.merge(&live_obj, &config, false);
    merge::prune(&mut object, &gone, &keep);

    let mut cmp = schema.compare(&live_obj, &compared);
    cmp.restrict(scope);
    let changed = cmp.changed();
    let mut conflicts: Vec<(Path, Conflict)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if Some(i) == mine {
            continue;
        }
        conflicts.extend(e.set.intersection(&changed).iter().map(|p| {
            let conflict = Conflict {
                manager: e.manager.clone(),
                field: fieldset::display(p),
                operation: e.operation.clone(),
                subresource: e.subresource.clone(),
                api_version: e.api_version.clone(),
            };
            (p.clone(), conflict)
        }));
    }
    if !conflicts.is_empty() && !force {
        if w.manager == last_applied::KUBECTL {
            // Taking over from client-side apply: fields still as last applied may move.
            let allowed = last_applied::allowed_conflicts(&schema, &live_obj);
            conflicts.retain(|(p, _)| !allowed.contains(p));
        }
        if !conflicts.is_empty() {
            let mut conflicts: Vec<Conflict> = conflicts.into_iter().map(|(_, c)| c).collect();
            managed::sort(&mut conflicts);
            return Err(ApplyError::Conflict(conflicts));
        }
    }
    for (i, e) in entries.iter_mut().enumerate() {
        if Some(i) != mine {
            e.set = e.set.difference(&changed).difference(&cmp.removed);
        }
    }

    let version = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .map_or_else(|| api_version(&live_obj), str::to_string);
    let object_changed = object != live_obj;
    match mine.and_then(|i| entries.get_mut(i)) {
        Some(e) => {
            if object_changed || e.set != set || e.time.is_none() {
                e.time = Some(w.now.into());
            }
            e.set = set;
            e.api_version = version;
        }
        None => entries.push(Entry {
            manager: w.manager.into(),
            operation: APPLY.into(),
            api_version: version,
            time: Some(w.now.into()),
            subresource: w.subresource.map(str::to_string),
            set,
        }),
    }
    managed::store(&mut object, &entries);
    if w.manager == last_applied::KUBECTL {
        last_applied::sync(&mut object, applied);
    }
    Ok(object)
}

/// Ownership tracking for an ordinary write (create/update/merge/json/strategic patch):
/// fields whose value this write changed or added become owned by `w.manager` with
/// operation "Update" and are released by other managers. Returns `new` with managedFields
/// updated.
///
/// As on the real server: `managedFields` in `new` replace the stored ones when they
/// decode (not for subresource writes), `[]` or `[{}]` clears them, and an existing object
/// with a uid but no managedFields stays untracked.
pub fn track_update(old: Option<&Value>, new: &Value, w: &Write) -> Value {
    let mut out = new.clone();
    if !out.is_object() {
        return out;
    }
    let scope = Scope::of(w.subresource);
    let schema = Schema::new(w.list_type);
    let old_obj = old.map_or_else(|| Value::Object(Default::default()), managed::without);
    let new_obj = managed::without(new);

    let requested = managed::raw(new).filter(|_| w.subresource.is_none());
    let mut entries = match requested {
        Some(v) if managed::is_reset(v) => Vec::new(),
        Some(v) => match managed::decode(v) {
            Ok(list) if !list.is_empty() => list,
            _ => old.map(managed::entries_of).unwrap_or_default(),
        },
        None => old.map(managed::entries_of).unwrap_or_default(),
    };
    let has_uid =
        old.and_then(|o| o.pointer("/metadata/uid")).and_then(Value::as_str).is_some_and(|u| !u.is_empty());
    if entries.is_empty() && has_uid {
        managed::store(&mut out, &[]);
        return out;
    }

    let mut cmp = schema.compare(&old_obj, &new_obj);
    cmp.restrict(scope);
    let changed = cmp.changed();
    let touched = changed.union(&cmp.removed);
    for e in &mut entries {
        e.set = e.set.difference(&touched);
    }
    if !changed.is_empty() {
        let version = api_version(&new_obj);
        match entries.iter_mut().find(|e| e.is(w.manager, UPDATE, w.subresource)) {
            Some(e) => {
                e.set = e.set.union(&changed);
                e.time = Some(w.now.into());
                e.api_version = version;
            }
            None => entries.push(Entry {
                manager: w.manager.into(),
                operation: UPDATE.into(),
                api_version: version,
                time: Some(w.now.into()),
                subresource: w.subresource.map(str::to_string),
                set: changed,
            }),
        }
    }
    managed::store(&mut out, &entries);
    out
}

/// Human-readable 409 message like the real API server's: `Apply failed with 1 conflict:
/// conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas` (and the
/// multi-conflict form). `api_version` is printed for updaters whose conflict has none.
pub fn conflict_message(conflicts: &[Conflict], api_version: &str) -> String {
    managed::message(conflicts, api_version)
}

/// The whole `Status` body of that 409, with one `FieldManagerConflict` cause per field.
pub fn conflict_status(conflicts: &[Conflict], api_version: &str) -> Value {
    managed::status(conflicts, api_version)
}

fn api_version(obj: &Value) -> String {
    obj.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_string()
}

/// System metadata in an applied configuration never overwrites the stored object's.
fn drop_system_metadata(config: &mut Value) {
    const SYSTEM: &[&str] =
        &["uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "selfLink"];
    if let Some(meta) = config.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.retain(|k, _| !SYSTEM.contains(&k.as_str()));
    }
}

/// The real server's wording for a configuration that does not fit the schema.
fn typed_error(config: &Value, err: &str) -> String {
    let (group, version) = match api_version(config).split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version(config)),
    };
    let kind = config.get("kind").and_then(Value::as_str).unwrap_or_default();
    format!("failed to create typed patch object ({group}/{version}, Kind={kind}): {err}")
}
