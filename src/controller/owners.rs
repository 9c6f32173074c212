//! Children by the uid of their controlling owner (ReplicaSets, AnalysisRuns), kept in step
//! with the child's watch, so observing a Rollout looks up its own children instead of
//! scanning every cached one.

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
};

use kube::{
    Resource,
    runtime::{reflector::ObjectRef, watcher},
};

type Refs<K> = HashMap<String, HashSet<ObjectRef<K>>>;
type OwnerOf<K> = HashMap<ObjectRef<K>, String>;

struct Inner<K: Resource<DynamicType = ()>> {
    live: Refs<K>,
    owner_of: OwnerOf<K>,
    /// A relist under way: what it has listed so far (swapped in when it is done).
    relist: Option<(Refs<K>, OwnerOf<K>)>,
}

impl<K: Resource<DynamicType = ()>> Default for Inner<K> {
    fn default() -> Self {
        Self { live: HashMap::new(), owner_of: HashMap::new(), relist: None }
    }
}

/// The index.
pub struct OwnerIndex<K: Resource<DynamicType = ()>>(Mutex<Inner<K>>);

impl<K: Resource<DynamicType = ()>> Default for OwnerIndex<K> {
    fn default() -> Self {
        Self(Mutex::new(Inner::default()))
    }
}

fn controller_uid<K: Resource>(obj: &K) -> Option<String> {
    obj.meta().owner_references.iter().flatten().find(|r| r.controller == Some(true)).map(|r| r.uid.clone())
}

fn insert<K: Resource<DynamicType = ()>>(refs: &mut Refs<K>, owner_of: &mut OwnerOf<K>, obj: &K) {
    let key = ObjectRef::from(obj);
    remove(refs, owner_of, &key);
    if let Some(uid) = controller_uid(obj) {
        refs.entry(uid.clone()).or_default().insert(key.clone());
        owner_of.insert(key, uid);
    }
}

fn remove<K: Resource<DynamicType = ()>>(refs: &mut Refs<K>, owner_of: &mut OwnerOf<K>, key: &ObjectRef<K>) {
    if let Some(uid) = owner_of.remove(key)
        && let Some(set) = refs.get_mut(&uid)
    {
        set.remove(key);
        if set.is_empty() {
            refs.remove(&uid);
        }
    }
}

impl<K: Resource<DynamicType = ()>> OwnerIndex<K> {
    /// Applies one watch event.
    pub fn apply(&self, event: &watcher::Event<K>) {
        let mut inner = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Inner { live, owner_of, relist } = &mut *inner;
        match event {
            watcher::Event::Apply(obj) => insert(live, owner_of, obj),
            watcher::Event::Delete(obj) => remove(live, owner_of, &ObjectRef::from(obj)),
            watcher::Event::Init => *relist = Some(Default::default()),
            watcher::Event::InitApply(obj) => {
                if let Some((refs, owners)) = relist.as_mut() {
                    insert(refs, owners, obj);
                }
            }
            watcher::Event::InitDone => {
                if let Some((refs, owners)) = relist.take() {
                    *live = refs;
                    *owner_of = owners;
                }
            }
        }
    }

    /// The objects whose controller has this uid.
    pub fn owned_by(&self, uid: &str) -> Vec<ObjectRef<K>> {
        let inner = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.live.get(uid).map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }
}
