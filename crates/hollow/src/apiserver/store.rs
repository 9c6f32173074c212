//! The object store behind the hollow API server: every object as JSON, one global
//! resourceVersion counter, a bounded log of recent changes (so a watch can resume from a
//! resourceVersion, and gets 410 Gone when it asks for one older than the log keeps), and a
//! broadcast channel that live watches subscribe to.
//!
//! Guarantees: every write gets a resourceVersion larger than any before it; a watch that
//! resumes from `rv` sees every change after `rv` exactly once, in order, or is told it is too
//! old; a write conditioned on a resourceVersion fails with a conflict if the object moved.

mod index;

use std::{
    collections::{BTreeMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
};

use serde_json::Value;
use tokio::sync::broadcast;

pub use self::index::{approx_size, owner_uids};

/// How many changes the log keeps for watch resumption (etcd compaction, in effect).
pub const LOG_CAPACITY: usize = 20_000;
/// Bytes (estimated, see [`approx_size`]) the log keeps at most: large objects compact it
/// sooner, so its memory is bounded whatever the objects weigh.
pub const LOG_MAX_BYTES: usize = 64 << 20;
/// Buffer of the live broadcast; a watcher that falls this far behind is dropped and must
/// resume from its last resourceVersion (as a real watch cache does).
pub const BROADCAST_CAPACITY: usize = 8_192;

/// Identifies a resource type: API group (empty for core) and plural name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId {
    /// API group, `""` for the core group.
    pub group: String,
    /// Plural resource name, e.g. `replicasets`.
    pub plural: String,
}

impl ResourceId {
    /// A resource id.
    pub fn new(group: &str, plural: &str) -> Self {
        Self { group: group.into(), plural: plural.into() }
    }
}

/// Identifies one object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// Its resource.
    pub resource: ResourceId,
    /// Namespace, `""` for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// Kind of change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// Created.
    Added,
    /// Updated.
    Modified,
    /// Removed from the store.
    Deleted,
}

impl ChangeKind {
    /// The watch event type.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        }
    }
}

/// One change, as watchers see it.
#[derive(Clone, Debug)]
pub struct Change {
    /// resourceVersion of the change.
    pub rv: u64,
    /// What happened.
    pub kind: ChangeKind,
    /// Which object.
    pub key: ObjectKey,
    /// The object after the change (before it, for a deletion, with the deletion's rv).
    pub object: Arc<Value>,
    /// The object before the change (None on creation).
    pub previous: Option<Arc<Value>>,
}

/// Why a store operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No such object.
    #[error("not found")]
    NotFound,
    /// Already exists.
    #[error("already exists")]
    AlreadyExists,
    /// The precondition resourceVersion is not the current one.
    #[error("the object has been modified; please apply your changes to the latest version and try again")]
    Conflict,
    /// The requested resourceVersion is older than the log keeps.
    #[error("too old resource version: {requested} ({oldest})")]
    Gone {
        /// Asked for.
        requested: u64,
        /// Oldest still resumable.
        oldest: u64,
    },
}

#[derive(Clone, Default)]
struct Inner {
    rv: u64,
    objects: BTreeMap<ObjectKey, Arc<Value>>,
    /// Recent changes with their estimated sizes.
    log: VecDeque<(Change, usize)>,
    log_bytes: usize,
    /// resourceVersion of the newest change dropped from the log.
    compacted: u64,
    uid: u64,
    /// First group of every uid this store makes (see [`Store::set_uid_space`]).
    uid_space: u32,
    index: index::Index,
}

/// The store. Cheap to clone (shared).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Mutex<Inner>>,
    tx: broadcast::Sender<Change>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        Self { inner: Arc::new(Mutex::new(Inner::default())), tx }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock means a panic while holding it; the data is still consistent
        // because every mutation below completes before it could panic.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// An independent copy: the same objects, change log and counters, no watchers.
    pub fn fork(&self) -> Self {
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        Self { inner: Arc::new(Mutex::new(self.lock().clone())), tx }
    }

    /// The newest resourceVersion.
    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    /// A fresh uid (UUID-shaped, deterministic per store, increasing in creation order).
    pub fn next_uid(&self) -> String {
        let mut inner = self.lock();
        inner.uid += 1;
        let (space, n) = (inner.uid_space, inner.uid);
        format!("{space:08x}-0000-4000-8000-{n:012x}")
    }

    /// Makes this store's uids distinct from those of another hollow store whose objects it
    /// holds copies of (agent mode mirrors a remote hollow server): uids are unique across a
    /// cluster, and two counters starting at 1 would collide in the uid index.
    pub fn set_uid_space(&self, space: u32) {
        self.lock().uid_space = space;
    }

    /// One object.
    pub fn get(&self, key: &ObjectKey) -> Option<Arc<Value>> {
        self.lock().objects.get(key).cloned()
    }

    /// Objects of a resource (in one namespace, or all when `namespace` is None), sorted by
    /// namespace then name, with the resourceVersion the list is consistent at.
    pub fn list(&self, resource: &ResourceId, namespace: Option<&str>) -> (Vec<Arc<Value>>, u64) {
        let inner = self.lock();
        // Keys sort by resource, then namespace, then name: one range holds them.
        let start = ObjectKey {
            resource: resource.clone(),
            namespace: namespace.unwrap_or_default().to_string(),
            name: String::new(),
        };
        let items = inner
            .objects
            .range(start..)
            .take_while(|(k, _)| &k.resource == resource && namespace.is_none_or(|ns| k.namespace == ns))
            .map(|(_, v)| v.clone())
            .collect();
        (items, inner.rv)
    }

    /// The object with this uid, if stored.
    pub fn get_by_uid(&self, uid: &str) -> Option<(ObjectKey, Arc<Value>)> {
        let inner = self.lock();
        let key = inner.index.key_of_uid(uid)?;
        inner.objects.get(key).map(|v| (key.clone(), v.clone()))
    }

    /// The objects naming `uid` in their `ownerReferences`.
    pub fn dependents(&self, uid: &str) -> Vec<(ObjectKey, Arc<Value>)> {
        let inner = self.lock();
        inner
            .index
            .dependents_of(uid)
            .filter_map(|k| inner.objects.get(k).map(|v| (k.clone(), v.clone())))
            .collect()
    }

    /// Whether any object names `uid` in its `ownerReferences`.
    pub fn has_dependents(&self, uid: &str) -> bool {
        self.lock().index.dependents_of(uid).next().is_some()
    }

    /// The keys of every object in a namespace.
    pub fn keys_in_namespace(&self, namespace: &str) -> Vec<ObjectKey> {
        self.lock().index.in_namespace(namespace).cloned().collect()
    }

    /// The changes after `rv`, oldest first, or None when the log no longer reaches back
    /// that far (the caller must look at everything again).
    pub fn changes_since(&self, rv: u64) -> Option<Vec<Change>> {
        let inner = self.lock();
        if rv < inner.compacted {
            return None;
        }
        let from = inner.log.partition_point(|(c, _)| c.rv <= rv);
        Some(inner.log.range(from..).map(|(c, _)| c.clone()).collect())
    }

    /// Every object of every resource (for garbage collection and controllers).
    pub fn all(&self) -> Vec<(ObjectKey, Arc<Value>)> {
        self.lock().objects.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// Writes an object. `expect_rv` is a precondition: `Some(0)` means "must not exist",
    /// `Some(n)` "must be at n", `None` unconditional. `build` receives the current object
    /// and the resourceVersion the write will get, and returns the object to store (its
    /// `metadata.resourceVersion` is set here). Returns the stored object.
    pub fn write(
        &self,
        key: &ObjectKey,
        expect_rv: Option<u64>,
        build: impl FnOnce(Option<&Value>, u64) -> Result<Value, StoreError>,
    ) -> Result<Arc<Value>, StoreError> {
        let mut inner = self.lock();
        let current = inner.objects.get(key).cloned();
        match (expect_rv, &current) {
            (Some(0), Some(_)) => return Err(StoreError::AlreadyExists),
            (Some(rv), Some(obj)) if rv != 0 && rv != object_rv(obj) => return Err(StoreError::Conflict),
            (Some(rv), None) if rv != 0 => return Err(StoreError::NotFound),
            _ => {}
        }
        let rv = inner.rv + 1;
        let mut obj = build(current.as_deref(), rv)?;
        set_rv(&mut obj, rv);
        let obj = Arc::new(obj);
        inner.rv = rv;
        inner.objects.insert(key.clone(), obj.clone());
        inner.index.update(key, current.as_deref(), &obj);
        let kind = if current.is_some() { ChangeKind::Modified } else { ChangeKind::Added };
        self.record(
            &mut inner,
            Change { rv, kind, key: key.clone(), object: obj.clone(), previous: current },
        );
        Ok(obj)
    }

    /// Removes an object (after finalizers are done). Returns the final state.
    pub fn remove(&self, key: &ObjectKey, expect_rv: Option<u64>) -> Result<Arc<Value>, StoreError> {
        let mut inner = self.lock();
        let current = inner.objects.get(key).cloned().ok_or(StoreError::NotFound)?;
        if expect_rv.is_some_and(|rv| rv != object_rv(&current)) {
            return Err(StoreError::Conflict);
        }
        let rv = inner.rv + 1;
        inner.rv = rv;
        inner.objects.remove(key);
        inner.index.remove(key, &current);
        let mut last = (*current).clone();
        set_rv(&mut last, rv);
        let last = Arc::new(last);
        let change = Change {
            rv,
            kind: ChangeKind::Deleted,
            key: key.clone(),
            object: last.clone(),
            previous: Some(current),
        };
        self.record(&mut inner, change);
        Ok(last)
    }

    fn record(&self, inner: &mut Inner, change: Change) {
        let size = approx_size(&change.object);
        inner.log_bytes += size;
        while inner.log.len() >= LOG_CAPACITY || (inner.log_bytes > LOG_MAX_BYTES && !inner.log.is_empty()) {
            let Some((dropped, bytes)) = inner.log.pop_front() else { break };
            inner.compacted = dropped.rv;
            inner.log_bytes -= bytes;
        }
        inner.log.push_back((change.clone(), size));
        // No receivers is fine: nobody is watching.
        let _ = self.tx.send(change);
    }

    /// Starts a watch after `from_rv`: the changes already logged after it, plus a receiver
    /// for everything that follows (subscribed under the same lock, so nothing is missed or
    /// repeated). `from_rv` older than the log → `Gone`.
    pub fn watch_from(&self, from_rv: u64) -> Result<(Vec<Change>, broadcast::Receiver<Change>), StoreError> {
        let inner = self.lock();
        if from_rv < inner.compacted {
            return Err(StoreError::Gone { requested: from_rv, oldest: inner.compacted });
        }
        let from = inner.log.partition_point(|(c, _)| c.rv <= from_rv);
        let backlog = inner.log.range(from..).map(|(c, _)| c.clone()).collect();
        Ok((backlog, self.tx.subscribe()))
    }

    /// How many live receivers the broadcast has: one per open watch, plus the garbage
    /// collector's and the controllers'.
    pub fn receivers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// How many changes the log holds, and their estimated bytes.
    pub fn log_usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.log.len(), inner.log_bytes)
    }

    /// Drops every logged change up to `rv` (for tests of 410 handling).
    pub fn compact(&self, rv: u64) {
        let mut inner = self.lock();
        while inner.log.front().is_some_and(|(c, _)| c.rv <= rv) {
            if let Some((c, bytes)) = inner.log.pop_front() {
                inner.compacted = c.rv;
                inner.log_bytes -= bytes;
            }
        }
        inner.compacted = inner.compacted.max(rv.min(inner.rv));
    }
}

/// `metadata.resourceVersion` as a number (0 if absent or not numeric).
pub fn object_rv(obj: &Value) -> u64 {
    obj.pointer("/metadata/resourceVersion").and_then(Value::as_str).and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn set_rv(obj: &mut Value, rv: u64) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
}
