//! Revisions: which ReplicaSet belongs to the Rollout's template, what to call a new one, and
//! which old ones to delete.
//!
//! A Deployment compares its template with each ReplicaSet's. A Rollout cannot: the API
//! server defaults the ReplicaSet's copy of the template (imagePullPolicy, dnsPolicy, ...) but
//! not the copy inside a custom resource. So each ReplicaSet carries the fingerprint of the
//! Rollout template it was made from, and that is what is compared.

use std::collections::BTreeMap;

use k8s_openapi::{api::core::v1::PodTemplateSpec, apimachinery::pkg::apis::meta::v1::LabelSelector};
use serde_json::Value;

use super::observed::ReplicaSetView;
use crate::api::condition::keys;

/// The template a pass rolls towards, with the fingerprint its ReplicaSet carries (the
/// spec's template and its fingerprint; for an `undo`, an earlier ReplicaSet's template and
/// the fingerprint recorded on it).
#[derive(Clone, Debug, PartialEq)]
pub struct Desired {
    /// The pod template.
    pub template: PodTemplateSpec,
    /// Its fingerprint.
    pub fingerprint: String,
}

impl Desired {
    /// The spec's template.
    pub fn of(template: &PodTemplateSpec) -> Self {
        Self { template: template.clone(), fingerprint: fingerprint(template) }
    }
}

/// Alphabet of `rand.SafeEncodeString`: no vowels (no words) and no look-alike characters.
const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Fingerprint of a pod template: FNV-1a 64 of its canonical JSON, hash label ignored.
pub fn fingerprint(template: &PodTemplateSpec) -> String {
    let mut h = Fnv64::new();
    h.write(canonical_json(&without_hash_label(template)).as_bytes());
    format!("{:016x}", h.0)
}

/// The `pod-template-hash` for a template and collision count, Kubernetes-style: FNV-1a 32
/// of the (canonical) template plus the little-endian collision count, rendered as decimal and
/// mapped onto the safe alphabet.
pub fn pod_template_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    let mut h = Fnv32::new();
    h.write(canonical_json(&without_hash_label(template)).as_bytes());
    if let Some(c) = collision_count {
        h.write(&c.to_le_bytes());
    }
    h.0.to_string().bytes().map(|b| SAFE_ALPHABET[usize::from(b) % SAFE_ALPHABET.len()] as char).collect()
}

/// Longest object name (a DNS subdomain, RFC 1123).
pub const MAX_NAME: usize = 253;

/// The name of an object made for the Rollout `base`: `<base>-<suffix>`, with `base` cut so the
/// whole stays a valid object name (at most [`MAX_NAME`] characters, the cut part not ending in
/// `-` or `.`), as Kubernetes cuts the base of a generated name. Different suffixes still give
/// different names, since the suffix is never cut.
pub fn child_name(base: &str, suffix: &str) -> String {
    let room = MAX_NAME.saturating_sub(suffix.len() + 1);
    let mut cut = base.get(..room.min(base.len())).unwrap_or(base);
    cut = cut.trim_end_matches(['-', '.']);
    format!("{cut}-{suffix}")
}

/// Picks the new ReplicaSet's name: `<rollout>-<hash>`, bumping the collision count while the
/// name is taken by a ReplicaSet of another template. Returns (hash, collision count).
pub fn free_name(
    rollout: &str,
    template: &PodTemplateSpec,
    collision_count: Option<i32>,
    existing: &[ReplicaSetView],
) -> (String, Option<i32>) {
    let mut count = collision_count;
    loop {
        let hash = pod_template_hash(template, count);
        let name = child_name(rollout, &hash);
        // Bounded: every bump changes the hash, and there are finitely many ReplicaSets.
        if !existing.iter().any(|rs| rs.name == name) || count.unwrap_or(0) > existing.len() as i32 + 16 {
            return (hash, count);
        }
        count = Some(count.unwrap_or(0) + 1);
    }
}

/// The oldest ReplicaSet made from the template with this fingerprint.
pub fn find_by_fingerprint<'a>(rss: &'a [ReplicaSetView], fp: &str) -> Option<&'a ReplicaSetView> {
    rss.iter().filter(|rs| rs.template_fingerprint.as_deref() == Some(fp)).min_by(|a, b| by_age(a, b))
}

/// Oldest first; ties by name so the order is total.
pub fn by_age(a: &ReplicaSetView, b: &ReplicaSetView) -> std::cmp::Ordering {
    a.created.cmp(&b.created).then_with(|| a.name.cmp(&b.name))
}

/// Longest `revision-history` annotation the Deployment controller writes
/// (`maxRevHistoryLengthInChars`).
pub const MAX_REVISION_HISTORY_CHARS: usize = 2000;

/// Drops the oldest revisions until the comma-separated history fits
/// [`MAX_REVISION_HISTORY_CHARS`].
pub fn cap_history(history: &mut Vec<u64>) {
    let len = |h: &[u64]| h.iter().map(|r| r.to_string().len() + 1).sum::<usize>().saturating_sub(1);
    let mut start = 0;
    while start < history.len() && len(&history[start..]) > MAX_REVISION_HISTORY_CHARS {
        start += 1;
    }
    history.drain(..start);
}

/// The next revision number above every other ReplicaSet's.
pub fn next_revision(others: &[&ReplicaSetView]) -> u64 {
    others.iter().map(|rs| rs.revision).max().unwrap_or(0) + 1
}

/// The template and selector with the hash label added.
pub fn with_hash_label(
    template: &PodTemplateSpec,
    selector: &LabelSelector,
    hash: &str,
) -> (PodTemplateSpec, LabelSelector) {
    let mut template = template.clone();
    let meta = template.metadata.get_or_insert_with(Default::default);
    meta.labels.get_or_insert_with(BTreeMap::new).insert(keys::POD_TEMPLATE_HASH.into(), hash.into());
    let mut selector = selector.clone();
    selector
        .match_labels
        .get_or_insert_with(BTreeMap::new)
        .insert(keys::POD_TEMPLATE_HASH.into(), hash.into());
    (template, selector)
}

/// Old ReplicaSets to delete to respect `revisionHistoryLimit`, as the Deployment controller
/// picks them (`cleanupDeployment`): of the old ones not being deleted, the
/// `count − revisionHistoryLimit` with the lowest revisions (creation time, then name, break
/// ties) are the candidates, and a candidate that still has pods, wants pods or whose status
/// has not caught up is skipped, not replaced by a newer one.
pub fn history_to_delete<'a>(old: &[&'a ReplicaSetView], limit: i32) -> Vec<&'a ReplicaSetView> {
    let mut old: Vec<&ReplicaSetView> = old.iter().copied().filter(|rs| !rs.deleting).collect();
    let excess = usize::try_from(old.len() as i64 - i64::from(limit.max(0))).unwrap_or(0);
    old.sort_by(|a, b| a.revision.cmp(&b.revision).then_with(|| by_age(a, b)));
    old.into_iter()
        .take(excess)
        .filter(|rs| rs.replicas == 0 && rs.status.replicas == 0 && rs.status_current)
        .collect()
}

fn without_hash_label(template: &PodTemplateSpec) -> Value {
    let mut value = serde_json::to_value(template).unwrap_or(Value::Null);
    if let Some(labels) = value.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.remove(keys::POD_TEMPLATE_HASH);
    }
    value
}

/// JSON with object keys sorted at every level, independent of serde_json's map features.
fn canonical_json(value: &Value) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    write(&map[k], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

struct Fnv32(u32);
impl Fnv32 {
    fn new() -> Self {
        Self(0x811c_9dc5)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u32::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0193);
        }
    }
}

/// FNV-1a (64-bit) of `bytes`: stable across processes and builds, unlike std's hasher; used
/// to keep long generated names apart when they are cut.
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut h = Fnv64::new();
    h.write(bytes);
    h.0
}

struct Fnv64(u64);
impl Fnv64 {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::{api::core::v1::PodSpec, apimachinery::pkg::apis::meta::v1::ObjectMeta};

    use super::*;

    fn template(image: &str) -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some([("app".to_string(), "web".to_string())].into()),
                ..Default::default()
            }),
            spec: Some(PodSpec {
                containers: vec![k8s_openapi::api::core::v1::Container {
                    name: "web".into(),
                    image: Some(image.into()),
                    ..Default::default()
                }],
                ..Default::default()
            }),
        }
    }

    #[test]
    fn hash_is_stable_safe_and_ignores_its_own_label() {
        let t = template("nginx:1.25");
        let h = pod_template_hash(&t, None);
        assert!(h.bytes().all(|b| SAFE_ALPHABET.contains(&b)), "{h}");
        let (labelled, _) = with_hash_label(&t, &LabelSelector::default(), &h);
        assert_eq!(pod_template_hash(&labelled, None), h);
        assert_eq!(fingerprint(&labelled), fingerprint(&t));
        assert_ne!(pod_template_hash(&t, Some(1)), h, "collision count changes the hash");
        assert_ne!(pod_template_hash(&template("nginx:1.26"), None), h);
    }

    #[test]
    fn fnv_matches_reference_vectors() {
        let mut h = Fnv32::new();
        h.write(b"a");
        assert_eq!(h.0, 0xe40c_292c);
        let mut h = Fnv64::new();
        h.write(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
    }

    fn old_rs(name: &str, revision: u64, created_secs: i64, replicas: i32) -> ReplicaSetView {
        ReplicaSetView {
            name: name.into(),
            pod_template_hash: name.into(),
            template_fingerprint: None,
            template_labels: BTreeMap::new(),
            revision,
            revision_history: Vec::new(),
            created: jiff::Timestamp::from_second(1_700_000_000 + created_secs).unwrap_or_default(),
            replicas,
            min_ready_seconds: 0,
            status: super::super::observed::PodCounts { replicas, ..Default::default() },
            status_current: true,
            desired_replicas: None,
            max_replicas: None,
            deleting: false,
        }
    }

    fn deleted(old: &[ReplicaSetView], limit: i32) -> Vec<String> {
        let refs: Vec<&ReplicaSetView> = old.iter().collect();
        history_to_delete(&refs, limit).into_iter().map(|rs| rs.name.clone()).collect()
    }

    #[test]
    fn child_names_of_long_rollout_names_are_valid_object_names() {
        assert_eq!(child_name("web", "5d8f9c"), "web-5d8f9c");
        let long = "a".repeat(250);
        let name = child_name(&long, "5d8f9c7b4");
        assert_eq!(name.len(), MAX_NAME);
        assert!(name.ends_with("-5d8f9c7b4"));
        // A cut that lands on a dot or dash drops it, so no label ends in one.
        let dotted = format!("{}.b{}", "a".repeat(242), "c".repeat(8));
        assert_eq!(child_name(&dotted, "5d8f9c7b4"), format!("{}-5d8f9c7b4", "a".repeat(242)));
        // Exactly at the limit nothing is cut.
        let fits = "b".repeat(MAX_NAME - 10);
        assert_eq!(child_name(&fits, "123456789"), format!("{fits}-123456789"));
    }

    #[test]
    fn revision_history_is_capped_at_the_deployment_controllers_length() {
        let mut short = vec![1, 2, 3];
        cap_history(&mut short);
        assert_eq!(short, [1, 2, 3]);
        // 500 four-digit revisions: 2,499 characters; the newest 400 fit in 1,999.
        let mut long: Vec<u64> = (1000..1500).collect();
        cap_history(&mut long);
        assert_eq!(long.len(), 400);
        assert_eq!(long.first(), Some(&1100));
        assert_eq!(long.last(), Some(&1499));
        let joined = long.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        assert!(joined.len() <= MAX_REVISION_HISTORY_CHARS);
    }

    #[test]
    fn history_is_cleaned_by_revision_not_by_age() {
        // After a rollback: "a" is the oldest object but was re-used as revision 5, so the
        // lowest revisions are "b" (2) and "c" (3).
        let old = [old_rs("a", 5, 0, 0), old_rs("b", 2, 10, 0), old_rs("c", 3, 20, 0), old_rs("d", 4, 30, 0)];
        assert_eq!(deleted(&old, 2), ["b", "c"]);
    }

    #[test]
    fn a_candidate_with_pods_is_skipped_not_replaced_by_a_newer_revision() {
        let old = [old_rs("r1", 1, 0, 2), old_rs("r2", 2, 10, 0), old_rs("r3", 3, 20, 0)];
        // One over the limit: only revision 1 is a candidate, and it still has pods.
        assert_eq!(deleted(&old, 2), Vec::<String>::new());
        assert_eq!(deleted(&old, 1), ["r2"]);
    }

    #[test]
    fn equal_revisions_fall_back_to_creation_time_then_name() {
        let old = [old_rs("z", 1, 0, 0), old_rs("y", 1, 5, 0), old_rs("x", 1, 5, 0)];
        assert_eq!(deleted(&old, 1), ["z", "x"]);
    }

    #[test]
    fn replica_sets_being_deleted_do_not_count_and_a_lagging_status_waits() {
        let mut gone = old_rs("g", 1, 0, 0);
        gone.deleting = true;
        let mut lagging = old_rs("l", 2, 0, 0);
        lagging.status_current = false;
        let old = [gone, lagging, old_rs("m", 3, 0, 0)];
        // "g" is not counted: two left, one over the limit of 1; that one ("l") waits.
        assert_eq!(deleted(&old, 1), Vec::<String>::new());
        assert_eq!(deleted(&old, 0), ["m"]);
    }
}
