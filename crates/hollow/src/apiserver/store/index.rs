//! Secondary indexes of the store, kept in step with every write under the store's lock, so
//! that the garbage collector and the controllers find an object's dependents, an object by
//! uid, or a namespace's contents without scanning every object.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::ObjectKey;

#[derive(Clone, Default)]
pub(super) struct Index {
    by_uid: HashMap<String, ObjectKey>,
    /// Owner uid → the objects naming it in `ownerReferences`.
    dependents: HashMap<String, BTreeSet<ObjectKey>>,
    /// Namespace → the namespaced objects in it.
    by_namespace: HashMap<String, BTreeSet<ObjectKey>>,
}

fn uid_of(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/uid").and_then(Value::as_str)
}

/// The uids an object's `ownerReferences` name.
pub fn owner_uids(obj: &Value) -> impl Iterator<Item = &str> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r["uid"].as_str())
}

impl Index {
    /// Records an object that is now stored under `key` (after `old`, if it replaced one).
    pub(super) fn update(&mut self, key: &ObjectKey, old: Option<&Value>, new: &Value) {
        let old_uid = old.and_then(uid_of);
        let new_uid = uid_of(new);
        if old_uid != new_uid {
            if let Some(u) = old_uid {
                self.by_uid.remove(u);
            }
            if let Some(u) = new_uid {
                self.by_uid.insert(u.to_string(), key.clone());
            }
        }
        let before: BTreeSet<&str> = old.map(|o| owner_uids(o).collect()).unwrap_or_default();
        let after: BTreeSet<&str> = owner_uids(new).collect();
        for gone in before.difference(&after) {
            self.unlink(gone, key);
        }
        for added in after.difference(&before) {
            self.dependents.entry((*added).to_string()).or_default().insert(key.clone());
        }
        if old.is_none() && !key.namespace.is_empty() {
            self.by_namespace.entry(key.namespace.clone()).or_default().insert(key.clone());
        }
    }

    /// Forgets a removed object.
    pub(super) fn remove(&mut self, key: &ObjectKey, old: &Value) {
        if let Some(u) = uid_of(old)
            && self.by_uid.get(u) == Some(key)
        {
            self.by_uid.remove(u);
        }
        let owners: BTreeSet<&str> = owner_uids(old).collect();
        for o in owners {
            self.unlink(o, key);
        }
        if let Some(set) = self.by_namespace.get_mut(&key.namespace) {
            set.remove(key);
            if set.is_empty() {
                self.by_namespace.remove(&key.namespace);
            }
        }
    }

    fn unlink(&mut self, owner: &str, key: &ObjectKey) {
        if let Some(set) = self.dependents.get_mut(owner) {
            set.remove(key);
            if set.is_empty() {
                self.dependents.remove(owner);
            }
        }
    }

    pub(super) fn key_of_uid(&self, uid: &str) -> Option<&ObjectKey> {
        self.by_uid.get(uid)
    }

    pub(super) fn dependents_of(&self, uid: &str) -> impl Iterator<Item = &ObjectKey> {
        self.dependents.get(uid).into_iter().flatten()
    }

    pub(super) fn in_namespace(&self, ns: &str) -> impl Iterator<Item = &ObjectKey> {
        self.by_namespace.get(ns).into_iter().flatten()
    }
}

/// A cheap estimate of the memory a JSON value takes (bytes of its text, roughly), for the
/// change log's byte bound.
pub fn approx_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => 8,
        Value::String(s) => s.len() + 8,
        Value::Array(a) => 16 + a.iter().map(approx_size).sum::<usize>(),
        Value::Object(m) => 16 + m.iter().map(|(k, x)| k.len() + 8 + approx_size(x)).sum::<usize>(),
    }
}
