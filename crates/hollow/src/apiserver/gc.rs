//! The garbage collector: deletes objects whose owners are gone (background deletion), deletes
//! dependents of owners being deleted in the foreground and then releases them, orphans
//! dependents when asked, and empties terminating namespaces.
//!
//! It is driven by the store's change log: each pass looks only at the objects the changes
//! since the last pass can affect (the changed object, the owners and dependents of a removed
//! one, its namespace), found through the store's indexes, so its work is proportional to
//! what changed, not to how many objects there are. When the log no longer reaches back to
//! the last pass it looks at every object once.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
};

use serde_json::{Value, json};

use super::{
    ApiServer,
    delete::{FOREGROUND, ORPHAN},
    store::{Change, ChangeKind, ObjectKey, ResourceId, object_rv, owner_uids},
};

/// Where the collector is in the change log.
#[derive(Debug, Default)]
pub struct Collector {
    /// resourceVersion seen up to, None before the first pass.
    cursor: Mutex<Option<u64>>,
}

impl Collector {
    /// A collector at the same place.
    pub fn fork(&self) -> Self {
        Self { cursor: Mutex::new(*self.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner)) }
    }
}

fn namespace_key(name: &str) -> ObjectKey {
    ObjectKey {
        resource: ResourceId::new("", "namespaces"),
        namespace: String::new(),
        name: name.to_string(),
    }
}

impl ApiServer {
    /// The objects the changes can make work for.
    fn gc_candidates(&self, changes: &[Change]) -> BTreeSet<ObjectKey> {
        let mut out = BTreeSet::new();
        for c in changes {
            let before: BTreeSet<&str> =
                c.previous.as_deref().map(|p| owner_uids(p).collect()).unwrap_or_default();
            if c.kind == ChangeKind::Deleted {
                let uid = c.object.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default();
                out.extend(self.store.dependents(uid).into_iter().map(|(k, _)| k));
                if !c.key.namespace.is_empty() {
                    out.insert(namespace_key(&c.key.namespace));
                }
            } else {
                out.insert(c.key.clone());
            }
            // An owner waiting for its dependents to go (or be orphaned) may be done now.
            let after: BTreeSet<&str> =
                if c.kind == ChangeKind::Deleted { BTreeSet::new() } else { owner_uids(&c.object).collect() };
            if before != after {
                for u in before.difference(&after) {
                    out.extend(self.store.get_by_uid(u).map(|(k, _)| k));
                }
            }
        }
        out
    }

    /// One pass of the collector over what changed since the last. Returns how many objects
    /// it changed.
    pub fn collect_garbage(&self) -> usize {
        let mut cursor = self.gc.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let changes = cursor.and_then(|rv| self.store.changes_since(rv));
        let candidates: Vec<ObjectKey> = match changes {
            Some(changes) => {
                if let Some(last) = changes.last() {
                    *cursor = Some(last.rv);
                }
                self.gc_candidates(&changes).into_iter().collect()
            }
            None => {
                // Changes after this rv are looked at again next pass: nothing is missed.
                *cursor = Some(self.store.current_rv());
                self.store.all().into_iter().map(|(k, _)| k).collect()
            }
        };
        drop(cursor);
        candidates.iter().map(|k| self.gc_check(k)).sum()
    }

    /// Does what the collector must for one object. Returns how many objects it changed.
    fn gc_check(&self, key: &ObjectKey) -> usize {
        let Some(obj) = self.store.get(key) else { return 0 };
        let owners: Vec<&str> = owner_uids(&obj).collect();
        let deleting = obj.pointer("/metadata/deletionTimestamp").is_some();
        // Background: every owner is gone.
        if !owners.is_empty() && !deleting && owners.iter().all(|u| self.store.get_by_uid(u).is_none()) {
            return usize::from(self.gc_delete(key));
        }
        if !deleting {
            return 0;
        }
        let finalizers: Vec<&str> = obj
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let uid = obj.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default();
        let mut changed = 0;
        if finalizers.contains(&FOREGROUND) {
            let dependents = self.store.dependents(uid);
            if dependents.is_empty() {
                changed += usize::from(self.drop_finalizer(key, &obj, FOREGROUND));
            } else {
                for (dk, _) in &dependents {
                    changed += usize::from(self.gc_delete(dk));
                }
            }
        } else if finalizers.contains(&ORPHAN) {
            for (dk, d) in self.store.dependents(uid) {
                let mut orphaned = (*d).clone();
                if let Some(refs) =
                    orphaned.pointer_mut("/metadata/ownerReferences").and_then(Value::as_array_mut)
                {
                    refs.retain(|r| r["uid"].as_str() != Some(uid));
                }
                changed +=
                    usize::from(self.store.write(&dk, Some(object_rv(&d)), |_, _| Ok(orphaned)).is_ok());
            }
            changed += usize::from(self.drop_finalizer(key, &obj, ORPHAN));
        } else if key.resource.plural == "namespaces" && key.resource.group.is_empty() {
            let contents = self.store.keys_in_namespace(&key.name);
            if contents.is_empty() {
                changed += usize::from(self.store.remove(key, None).is_ok());
            } else {
                for k in &contents {
                    changed += usize::from(self.gc_delete(k));
                }
            }
        }
        changed
    }

    /// Deletes an object as the collector (finalizers still honoured).
    fn gc_delete(&self, key: &ObjectKey) -> bool {
        let Some(obj) = self.store.get(key) else { return false };
        let has_finalizers =
            obj.pointer("/metadata/finalizers").and_then(Value::as_array).is_some_and(|f| !f.is_empty());
        if !has_finalizers {
            return self.store.remove(key, None).is_ok();
        }
        if obj.pointer("/metadata/deletionTimestamp").is_some() {
            return false;
        }
        let mut marked = (*obj).clone();
        marked["metadata"]["deletionTimestamp"] = json!(self.clock.rfc3339());
        self.store.write(key, Some(object_rv(&obj)), |_, _| Ok(marked)).is_ok()
    }

    fn drop_finalizer(&self, key: &ObjectKey, obj: &Value, finalizer: &str) -> bool {
        let mut next = obj.clone();
        if let Some(f) = next.pointer_mut("/metadata/finalizers").and_then(Value::as_array_mut) {
            f.retain(|x| x.as_str() != Some(finalizer));
        }
        let done = next.pointer("/metadata/finalizers").and_then(Value::as_array).is_none_or(Vec::is_empty);
        if done {
            return self.store.remove(key, Some(object_rv(obj))).is_ok();
        }
        self.store.write(key, Some(object_rv(obj)), |_, _| Ok(next)).is_ok()
    }

    /// The collector, run until the server stops: after every change (nothing else can give
    /// it work, so it sleeps while nothing changes). It subscribes to changes when called, not
    /// when first polled, so no change after the call is missed and the count of watchers is
    /// settled once this returns.
    pub fn run_garbage_collector(self: Arc<Self>) -> impl std::future::Future<Output = ()> + Send {
        let changes = self.store.watch_from(self.store.current_rv()).map(|(_, rx)| rx);
        async move {
            let Ok(rx) = changes else { return };
            self.collect_on(rx).await;
        }
    }

    async fn collect_on(&self, mut rx: tokio::sync::broadcast::Receiver<Change>) {
        loop {
            if let Err(tokio::sync::broadcast::error::RecvError::Closed) = rx.recv().await {
                return;
            }
            // One pass covers every change queued so far.
            while rx.try_recv().is_ok() {}
            while self.collect_garbage() > 0 {}
        }
    }
}
