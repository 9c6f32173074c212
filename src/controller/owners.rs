//! ReplicaSets by the uid of their controlling owner, kept in step with the ReplicaSet watch,
//! so observing a Rollout looks up its own ReplicaSets instead of scanning every cached one.

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
};

use k8s_openapi::api::apps::v1::ReplicaSet;
use kube::runtime::{reflector::ObjectRef, watcher};

type Refs = HashMap<String, HashSet<ObjectRef<ReplicaSet>>>;

#[derive(Default)]
struct Inner {
    live: Refs,
    owner_of: HashMap<ObjectRef<ReplicaSet>, String>,
    /// A relist under way: what it has listed so far (swapped in when it is done).
    relist: Option<(Refs, HashMap<ObjectRef<ReplicaSet>, String>)>,
}

/// The index.
#[derive(Default)]
pub struct OwnerIndex(Mutex<Inner>);

fn controller_uid(rs: &ReplicaSet) -> Option<String> {
    rs.metadata.owner_references.iter().flatten().find(|r| r.controller == Some(true)).map(|r| r.uid.clone())
}

fn insert(refs: &mut Refs, owner_of: &mut HashMap<ObjectRef<ReplicaSet>, String>, rs: &ReplicaSet) {
    let key = ObjectRef::from(rs);
    remove(refs, owner_of, &key);
    if let Some(uid) = controller_uid(rs) {
        refs.entry(uid.clone()).or_default().insert(key.clone());
        owner_of.insert(key, uid);
    }
}

fn remove(
    refs: &mut Refs,
    owner_of: &mut HashMap<ObjectRef<ReplicaSet>, String>,
    key: &ObjectRef<ReplicaSet>,
) {
    if let Some(uid) = owner_of.remove(key)
        && let Some(set) = refs.get_mut(&uid)
    {
        set.remove(key);
        if set.is_empty() {
            refs.remove(&uid);
        }
    }
}

impl OwnerIndex {
    /// Applies one watch event.
    pub fn apply(&self, event: &watcher::Event<ReplicaSet>) {
        let mut inner = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Inner { live, owner_of, relist } = &mut *inner;
        match event {
            watcher::Event::Apply(rs) => insert(live, owner_of, rs),
            watcher::Event::Delete(rs) => remove(live, owner_of, &ObjectRef::from(rs)),
            watcher::Event::Init => *relist = Some(Default::default()),
            watcher::Event::InitApply(rs) => {
                if let Some((refs, owners)) = relist.as_mut() {
                    insert(refs, owners, rs);
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

    /// The ReplicaSets whose controller has this uid.
    pub fn owned_by(&self, uid: &str) -> Vec<ObjectRef<ReplicaSet>> {
        let inner = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.live.get(uid).map(|s| s.iter().cloned().collect()).unwrap_or_default()
    }
}
