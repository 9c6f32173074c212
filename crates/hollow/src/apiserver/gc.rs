//! The garbage collector: deletes objects whose owners are gone (background deletion), deletes
//! dependents of owners being deleted in the foreground and then releases them, orphans
//! dependents when asked, and empties terminating namespaces.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use serde_json::{Value, json};

use super::{
    ApiServer,
    delete::{FOREGROUND, ORPHAN, owner_uids},
    store::{ObjectKey, object_rv},
};

/// How often the collector sweeps (it also runs on every change).
const SWEEP: Duration = Duration::from_millis(200);

impl ApiServer {
    /// One pass of the collector. Returns how many objects it changed.
    pub fn collect_garbage(&self) -> usize {
        let all = self.store.all();
        let uids: BTreeSet<&str> =
            all.iter().filter_map(|(_, o)| o.pointer("/metadata/uid").and_then(Value::as_str)).collect();
        let mut changed = 0;
        for (key, obj) in &all {
            let owners: Vec<&str> = owner_uids(obj).collect();
            // Background: every owner is gone.
            if !owners.is_empty()
                && owners.iter().all(|u| !uids.contains(u))
                && obj.pointer("/metadata/deletionTimestamp").is_none()
            {
                changed += usize::from(self.gc_delete(key));
                continue;
            }
            let deleting = obj.pointer("/metadata/deletionTimestamp").is_some();
            let finalizers: Vec<&str> = obj
                .pointer("/metadata/finalizers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let uid = obj.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default();
            let dependents: Vec<&(ObjectKey, Arc<Value>)> =
                all.iter().filter(|(_, o)| owner_uids(o).any(|u| u == uid)).collect();
            if deleting && finalizers.contains(&FOREGROUND) {
                if dependents.is_empty() {
                    changed += usize::from(self.drop_finalizer(key, obj, FOREGROUND));
                } else {
                    for (dk, _) in dependents.iter().copied() {
                        changed += usize::from(self.gc_delete(dk));
                    }
                }
            } else if deleting && finalizers.contains(&ORPHAN) {
                for (dk, d) in dependents.iter().copied() {
                    let mut orphaned = (**d).clone();
                    if let Some(refs) =
                        orphaned.pointer_mut("/metadata/ownerReferences").and_then(Value::as_array_mut)
                    {
                        refs.retain(|r| r["uid"].as_str() != Some(uid));
                    }
                    changed +=
                        usize::from(self.store.write(dk, Some(object_rv(d)), |_, _| Ok(orphaned)).is_ok());
                }
                changed += usize::from(self.drop_finalizer(key, obj, ORPHAN));
            } else if deleting && key.resource.plural == "namespaces" && key.resource.group.is_empty() {
                let contents: Vec<&ObjectKey> =
                    all.iter().map(|(k, _)| k).filter(|k| k.namespace == key.name).collect();
                if contents.is_empty() {
                    changed += usize::from(self.store.remove(key, None).is_ok());
                } else {
                    for k in contents {
                        changed += usize::from(self.gc_delete(k));
                    }
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

    /// Runs the collector until the server stops: after every change, and every sweep period.
    pub async fn run_garbage_collector(self: Arc<Self>) {
        let Ok((_, mut rx)) = self.store.watch_from(self.store.current_rv()) else { return };
        loop {
            tokio::select! {
                _ = rx.recv() => {}
                _ = tokio::time::sleep(SWEEP) => {}
            }
            while self.collect_garbage() > 0 {}
        }
    }
}
