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
        let name = format!("{rollout}-{hash}");
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

/// Old ReplicaSets to delete to respect `revisionHistoryLimit`: oldest first, only empty ones
/// whose status has caught up, as many as exceed the limit.
pub fn history_to_delete<'a>(old: &[&'a ReplicaSetView], limit: i32) -> Vec<&'a ReplicaSetView> {
    let mut old: Vec<&ReplicaSetView> = old.iter().copied().filter(|rs| !rs.deleting).collect();
    let excess = old.len() as i64 - i64::from(limit.max(0));
    if excess <= 0 {
        return Vec::new();
    }
    old.sort_by(|a, b| by_age(a, b));
    old.into_iter()
        .filter(|rs| rs.replicas == 0 && rs.status.replicas == 0 && rs.status_current)
        .take(usize::try_from(excess).unwrap_or(0))
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
}
