//! The annotations the real Deployment controller keeps on its ReplicaSets
//! (`pkg/controller/deployment/util`): `deployment.kubernetes.io/revision` (the newest is the
//! highest; a template that comes back takes the next number and remembers its old ones in
//! `revision-history`), `desired-replicas`, `max-replicas` (replicas + maxSurge), and the
//! Deployment's own annotations copied over (which is how `kubernetes.io/change-cause`
//! reaches `kubectl rollout history`).

use serde_json::{Map, Value, json};

/// `deployment.kubernetes.io/revision`.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// `deployment.kubernetes.io/revision-history`.
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
/// `deployment.kubernetes.io/desired-replicas`.
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
/// `deployment.kubernetes.io/max-replicas`.
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";

/// The real controller's cap on the revision-history annotation's length.
const HISTORY_LIMIT_CHARS: usize = 2000;

/// Deployment annotations not copied to its ReplicaSets.
const NOT_COPIED: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
];

/// An object's revision (0 when unset or unreadable).
pub fn revision(obj: &Value) -> i64 {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(REVISION))
        .and_then(Value::as_str)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// `intstr` scaled against `total` (percentages round up for surge, as the real controller).
fn resolve(v: Option<&Value>, total: i64, default_percent: i64) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) if s.ends_with('%') => {
            let p: i64 = s.trim_end_matches('%').parse().unwrap_or(0);
            (total * p + 99) / 100
        }
        _ => (total * default_percent + 99) / 100,
    }
}

/// The Deployment's replicas plus its maxSurge (Recreate: no surge).
pub fn max_replicas(d: &Value, replicas: i64) -> i64 {
    if d.pointer("/spec/strategy/type").and_then(Value::as_str) == Some("Recreate") {
        return replicas;
    }
    replicas + resolve(d.pointer("/spec/strategy/rollingUpdate/maxSurge"), replicas, 25)
}

/// The annotations the new ReplicaSet should carry, given its current ones and the highest
/// revision among the Deployment's other ReplicaSets.
pub fn new_rs_annotations(d: &Value, rs_annotations: &Value, max_old_revision: i64, replicas: i64) -> Value {
    let mut out: Map<String, Value> = rs_annotations.as_object().cloned().unwrap_or_default();
    for (k, v) in d.pointer("/metadata/annotations").and_then(Value::as_object).into_iter().flatten() {
        if !NOT_COPIED.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    let new_revision = max_old_revision + 1;
    let old = out.get(REVISION).and_then(Value::as_str).map(str::to_string);
    let old_n: i64 = old.as_deref().and_then(|r| r.parse().ok()).unwrap_or(0);
    if old_n < new_revision {
        out.insert(REVISION.into(), json!(new_revision.to_string()));
        // A template that comes back keeps the numbers it had.
        if let Some(old) = old.filter(|o| !o.is_empty()) {
            let history = out.get(REVISION_HISTORY).and_then(Value::as_str).unwrap_or_default().to_string();
            let mut revisions: Vec<&str> = history.split(',').filter(|r| !r.is_empty()).collect();
            let mut total = history.len() + old.len() + 1;
            while total > HISTORY_LIMIT_CHARS && !revisions.is_empty() {
                total -= revisions.remove(0).len() + 1;
            }
            revisions.push(&old);
            out.insert(REVISION_HISTORY.into(), json!(revisions.join(",")));
        }
    }
    out.insert(DESIRED_REPLICAS.into(), json!(replicas.to_string()));
    out.insert(MAX_REPLICAS.into(), json!(max_replicas(d, replicas).to_string()));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_and_history() {
        let d = json!({"metadata": {"annotations": {"kubernetes.io/change-cause": "v2",
                        "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
                       "spec": {"replicas": 4, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "30%"}}}});
        let first = new_rs_annotations(&d, &json!({}), 0, 4);
        assert_eq!(first[REVISION], "1");
        assert_eq!(first[DESIRED_REPLICAS], "4");
        assert_eq!(first[MAX_REPLICAS], "6");
        assert_eq!(first["kubernetes.io/change-cause"], "v2");
        assert!(first.get("kubectl.kubernetes.io/last-applied-configuration").is_none());
        assert!(first.get(REVISION_HISTORY).is_none());
        // Revision 1 comes back after revision 3: it becomes 4 and remembers 1.
        let back = new_rs_annotations(&d, &first, 3, 4);
        assert_eq!(back[REVISION], "4");
        assert_eq!(back[REVISION_HISTORY], "1");
        let again = new_rs_annotations(&d, &back, 5, 4);
        assert_eq!((again[REVISION].as_str(), again[REVISION_HISTORY].as_str()), (Some("6"), Some("1,4")));
        // Already the newest: unchanged.
        assert_eq!(new_rs_annotations(&d, &again, 2, 4)[REVISION], "6");
        assert_eq!(max_replicas(&json!({"spec": {"strategy": {"type": "Recreate"}}}), 3), 3);
        assert_eq!(max_replicas(&json!({"spec": {}}), 3), 4);
    }
}
