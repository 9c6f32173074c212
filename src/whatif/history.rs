//! What happened to a Rollout's ReplicaSets and pods, read from the hollow cluster's change
//! log: the sequence of distinct ReplicaSet sizes and of distinct pod counts per ReplicaSet.
//! A what-if run and the real controller on the same scenario must leave the same history.

use std::collections::BTreeMap;

use hollow::{
    apiserver::{
        ApiServer,
        store::{Change, ChangeKind},
    },
    controllers::{controller_of, deleting},
};
use serde_json::Value;

/// The distinct states, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// `spec.replicas` of every ReplicaSet, after each change that altered one.
    pub replica_sets: Vec<BTreeMap<String, i64>>,
    /// Live pods per owning ReplicaSet, after each change that altered a count.
    pub pods: Vec<BTreeMap<String, usize>>,
}

fn push_distinct<T: PartialEq + Clone>(v: &mut Vec<T>, state: &T) {
    if v.last() != Some(state) {
        v.push(state.clone());
    }
}

fn name(obj: &Value) -> String {
    obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string()
}

/// The history of the changes, oldest first.
pub fn from_changes<'a>(changes: impl IntoIterator<Item = &'a Change>) -> History {
    let mut h = History::default();
    let (mut sizes, mut pods): (BTreeMap<String, i64>, BTreeMap<String, String>) = Default::default();
    for c in changes {
        let obj = &c.object;
        match obj.get("kind").and_then(Value::as_str) {
            Some("ReplicaSet") => {
                if c.kind == ChangeKind::Deleted {
                    sizes.remove(&name(obj));
                } else {
                    sizes.insert(
                        name(obj),
                        obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1),
                    );
                }
                push_distinct(&mut h.replica_sets, &sizes);
            }
            Some("Pod") => {
                if c.kind == ChangeKind::Deleted || deleting(obj) {
                    pods.remove(&name(obj));
                } else if let Some((_, owner, _)) = controller_of(obj) {
                    pods.insert(name(obj), owner.to_string());
                }
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                for owner in pods.values() {
                    *counts.entry(owner.clone()).or_default() += 1;
                }
                push_distinct(&mut h.pods, &counts);
            }
            _ => {}
        }
    }
    h
}

/// The history of everything the server's change log still holds.
pub fn of_server(server: &ApiServer) -> History {
    match server.store.watch_from(0) {
        Ok((changes, _)) => from_changes(&changes),
        Err(_) => History::default(),
    }
}
