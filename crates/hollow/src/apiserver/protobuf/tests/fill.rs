//! Checks of the tables themselves. Every kind is filled from its own table (every field set,
//! strings set to their JSON name), then:
//! - k8s-pb (prost) must decode it, lose nothing on re-encoding, and hold each string in the field
//!   whose name matches: tags and wire types agree with the Kubernetes protos;
//! - k8s-openapi must deserialize the decoded JSON and serialize it back unchanged, and its schema
//!   must list exactly the tables' JSON names: names agree with the API, no field is missing.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::{schemars, serde};
use serde_json::Value;

use super::{
    super::{
        decode,
        schema::{Card, Msg, Ty},
        tables::{self, KINDS},
    },
    diff, envelope,
};

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_varint(out: &mut Vec<u8>, tag: u32, v: u64) {
    varint(out, u64::from(tag) << 3);
    varint(out, v);
}

fn put_bytes(out: &mut Vec<u8>, tag: u32, bytes: &[u8]) {
    varint(out, u64::from(tag) << 3 | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A number derived from a field's JSON name, so that each integer field holds its own name.
fn name_number(json: &str) -> u64 {
    norm(json).bytes().fold(7u64, |h, b| (h * 31 + u64::from(b)) % 1_000_003)
}

fn put_value(out: &mut Vec<u8>, tag: u32, ty: Ty, json: &str) {
    let mut inner = Vec::new();
    match ty {
        Ty::Str | Ty::Bytes => return put_bytes(out, tag, json.as_bytes()),
        Ty::I32 | Ty::I64 => return put_varint(out, tag, name_number(json)),
        Ty::Bool => return put_varint(out, tag, 1),
        Ty::Msg(msg) => inner = fill(msg),
        Ty::Time => put_varint(&mut inner, 1, 1_767_225_600),
        Ty::MicroTime => {
            put_varint(&mut inner, 1, 1_767_225_600);
            put_varint(&mut inner, 2, 123_456_789);
        }
        Ty::Quantity => put_bytes(&mut inner, 1, b"1500m"),
        Ty::IntOrString => {
            put_varint(&mut inner, 1, 1);
            put_bytes(&mut inner, 3, b"25%");
        }
        Ty::RawJson => put_bytes(&mut inner, 1, br#"{"f:metadata":{"f:labels":{}}}"#),
        Ty::Strings => {
            put_bytes(&mut inner, 1, json.as_bytes());
            put_bytes(&mut inner, 1, json.as_bytes());
        }
    }
    put_bytes(out, tag, &inner);
}

/// A message with every field set: singular fields once, repeated fields twice, maps with one
/// entry, embedded structs filled.
fn fill(msg: &Msg) -> Vec<u8> {
    let mut out = Vec::new();
    for field in msg.fields {
        match (field.card, field.ty) {
            (Card::Inline, Ty::Msg(inner)) => put_bytes(&mut out, field.tag, &fill(inner)),
            (Card::Inline, _) => panic!("inline field of a non-message type"),
            (Card::One, ty) => put_value(&mut out, field.tag, ty, field.json),
            (Card::Many, ty) => {
                put_value(&mut out, field.tag, ty, field.json);
                put_value(&mut out, field.tag, ty, field.json);
            }
            (Card::Map, ty) => {
                let mut entry = Vec::new();
                put_bytes(&mut entry, 1, format!("key-{}", field.json).as_bytes());
                put_value(&mut entry, 2, ty, field.json);
                put_bytes(&mut out, field.tag, &entry);
            }
        }
    }
    out
}

/// Decodes with k8s-pb, returning the re-encoded bytes and the value's `Debug` text.
fn via_prost<T: prost::Message + Default + std::fmt::Debug>(raw: &[u8]) -> (Vec<u8>, String) {
    let value = T::decode(raw).unwrap();
    (value.encode_to_vec(), format!("{value:?}"))
}

/// Deserializes into the k8s-openapi type and serializes back; returns its schema `$defs` too.
fn via_openapi<T: serde::de::DeserializeOwned + serde::Serialize + schemars::JsonSchema>(
    value: Value,
) -> (Value, Value) {
    let typed: T = serde_json::from_value(value).unwrap();
    let schema = schemars::SchemaGenerator::default().into_root_schema_for::<T>();
    (serde_json::to_value(typed).unwrap(), schema.as_value()["$defs"].clone())
}

type Prost = fn(&[u8]) -> (Vec<u8>, String);
type OpenApi = fn(Value) -> (Value, Value);

fn bindings(api_version: &str, kind: &str) -> (Prost, OpenApi) {
    use k8s_openapi::{api as oa, apimachinery::pkg::apis::meta::v1 as oa_meta};
    use k8s_pb::{api as pb, apimachinery::pkg::apis::meta::v1 as pb_meta};
    match (api_version, kind) {
        ("apps/v1", "Deployment") => {
            (via_prost::<pb::apps::v1::Deployment>, via_openapi::<oa::apps::v1::Deployment>)
        }
        ("apps/v1", "ReplicaSet") => {
            (via_prost::<pb::apps::v1::ReplicaSet>, via_openapi::<oa::apps::v1::ReplicaSet>)
        }
        ("batch/v1", "Job") => (via_prost::<pb::batch::v1::Job>, via_openapi::<oa::batch::v1::Job>),
        ("v1", "Pod") => (via_prost::<pb::core::v1::Pod>, via_openapi::<oa::core::v1::Pod>),
        ("v1", "Namespace") => (via_prost::<pb::core::v1::Namespace>, via_openapi::<oa::core::v1::Namespace>),
        ("v1", "ConfigMap") => (via_prost::<pb::core::v1::ConfigMap>, via_openapi::<oa::core::v1::ConfigMap>),
        ("v1", "Secret") => (via_prost::<pb::core::v1::Secret>, via_openapi::<oa::core::v1::Secret>),
        ("v1", "Service") => (via_prost::<pb::core::v1::Service>, via_openapi::<oa::core::v1::Service>),
        ("v1", "ServiceAccount") => {
            (via_prost::<pb::core::v1::ServiceAccount>, via_openapi::<oa::core::v1::ServiceAccount>)
        }
        ("v1", "Endpoints") => (via_prost::<pb::core::v1::Endpoints>, via_openapi::<oa::core::v1::Endpoints>),
        ("v1", "Event") => (via_prost::<pb::core::v1::Event>, via_openapi::<oa::core::v1::Event>),
        ("policy/v1", "PodDisruptionBudget") => (
            via_prost::<pb::policy::v1::PodDisruptionBudget>,
            via_openapi::<oa::policy::v1::PodDisruptionBudget>,
        ),
        ("policy/v1", "Eviction") => {
            (via_prost::<pb::policy::v1::Eviction>, via_openapi::<oa::policy::v1::Eviction>)
        }
        ("coordination.k8s.io/v1", "Lease") => {
            (via_prost::<pb::coordination::v1::Lease>, via_openapi::<oa::coordination::v1::Lease>)
        }
        ("autoscaling/v1", "Scale") => {
            (via_prost::<pb::autoscaling::v1::Scale>, via_openapi::<oa::autoscaling::v1::Scale>)
        }
        ("rbac.authorization.k8s.io/v1", "Role") => {
            (via_prost::<pb::rbac::v1::Role>, via_openapi::<oa::rbac::v1::Role>)
        }
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => {
            (via_prost::<pb::rbac::v1::ClusterRole>, via_openapi::<oa::rbac::v1::ClusterRole>)
        }
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => {
            (via_prost::<pb::rbac::v1::RoleBinding>, via_openapi::<oa::rbac::v1::RoleBinding>)
        }
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => {
            (via_prost::<pb::rbac::v1::ClusterRoleBinding>, via_openapi::<oa::rbac::v1::ClusterRoleBinding>)
        }
        ("authentication.k8s.io/v1", "TokenReview") => (
            via_prost::<pb::authentication::v1::TokenReview>,
            via_openapi::<oa::authentication::v1::TokenReview>,
        ),
        ("authentication.k8s.io/v1", "SelfSubjectReview") => (
            via_prost::<pb::authentication::v1::SelfSubjectReview>,
            via_openapi::<oa::authentication::v1::SelfSubjectReview>,
        ),
        ("authentication.k8s.io/v1", "TokenRequest") => (
            via_prost::<pb::authentication::v1::TokenRequest>,
            via_openapi::<oa::authentication::v1::TokenRequest>,
        ),
        ("authorization.k8s.io/v1", "SubjectAccessReview") => (
            via_prost::<pb::authorization::v1::SubjectAccessReview>,
            via_openapi::<oa::authorization::v1::SubjectAccessReview>,
        ),
        ("authorization.k8s.io/v1", "LocalSubjectAccessReview") => (
            via_prost::<pb::authorization::v1::LocalSubjectAccessReview>,
            via_openapi::<oa::authorization::v1::LocalSubjectAccessReview>,
        ),
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => (
            via_prost::<pb::authorization::v1::SelfSubjectAccessReview>,
            via_openapi::<oa::authorization::v1::SelfSubjectAccessReview>,
        ),
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview") => (
            via_prost::<pb::authorization::v1::SelfSubjectRulesReview>,
            via_openapi::<oa::authorization::v1::SelfSubjectRulesReview>,
        ),
        ("meta.k8s.io/v1", "DeleteOptions") => {
            (via_prost::<pb_meta::DeleteOptions>, via_openapi::<oa_meta::DeleteOptions>)
        }
        other => panic!("no bindings for {other:?}"),
    }
}

fn norm(name: &str) -> String {
    name.trim_start_matches("r#").replace('_', "").to_lowercase()
}

#[test]
fn tables_agree_with_k8s_pb() {
    for (api_version, kind, msg) in KINDS {
        let raw = fill(msg);
        let (prost, _) = bindings(api_version, kind);
        let (reencoded, debug) = prost(&raw);
        let ours = decode(&envelope(api_version, kind, raw)).unwrap();
        let theirs = decode(&envelope(api_version, kind, reencoded)).unwrap();
        assert_eq!(diff(&ours, &theirs, &[]), Vec::<String>::new(), "{kind}: k8s-pb dropped or moved fields");
        // Every string and integer field holds its own JSON name (or a number made from it):
        // prost's field names must match.
        let mut checked = 0;
        for (before, after) in debug.split(": Some(").zip(debug.split(": Some(").skip(1)) {
            let name = before.rsplit([' ', '{', ',', '(']).next().unwrap();
            if ["string", "str_val", "seconds", "nanos", "r#type"].contains(&name) {
                continue;
            }
            if let Some(text) = after.strip_prefix('"') {
                let value = text.split('"').next().unwrap();
                assert_eq!(norm(name), norm(value), "{kind}: prost field {name} holds {value:?}");
            } else if let Ok(number) = after.split(')').next().unwrap().parse::<u64>() {
                assert_eq!(number, name_number(name), "{kind}: prost field {name} holds {number}");
            } else {
                continue;
            }
            checked += 1;
        }
        assert!(checked >= 3, "{kind}: only {checked} fields checked");
    }
}

fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// The JSON names a table puts in its object, embedded structs included.
fn json_names(msg: &Msg, out: &mut BTreeSet<String>) {
    for field in msg.fields {
        match (field.card, field.ty) {
            (Card::Inline, Ty::Msg(inner)) => json_names(inner, out),
            _ => {
                out.insert(field.json.to_owned());
            }
        }
    }
}

/// Every table reachable from `msg`, by definition name, and whether it is only ever embedded.
fn reachable(msg: &'static Msg, inline: bool, out: &mut BTreeMap<&'static str, (&'static Msg, bool)>) {
    let entry = out.entry(msg.name).or_insert((msg, true));
    entry.1 &= inline;
    for field in msg.fields {
        if let Ty::Msg(inner) = field.ty {
            reachable(inner, field.card == Card::Inline, out);
        }
    }
}

#[test]
fn tables_agree_with_k8s_openapi() {
    for (api_version, kind, msg) in KINDS {
        let (_, openapi) = bindings(api_version, kind);
        let mut ours = decode(&envelope(api_version, kind, fill(msg))).unwrap();
        let (mut theirs, defs) = openapi(ours.clone());
        strip_nulls(&mut ours);
        strip_nulls(&mut theirs);
        let differences = diff(&ours, &theirs, &[]);
        assert!(
            differences.is_empty(),
            "{kind}: k8s-openapi does not round-trip:\n{}",
            differences.join("\n")
        );

        let mut tables = BTreeMap::new();
        reachable(msg, false, &mut tables);
        for (name, (table, only_inline)) in tables {
            let Some(def) = defs.get(name) else {
                assert!(only_inline || name == msg.name, "{kind}: {name} is not a k8s-openapi definition");
                continue;
            };
            let mut names = BTreeSet::new();
            json_names(table, &mut names);
            // apiVersion and kind of the top-level kinds come from the envelope, not the message.
            let is_kind = KINDS.iter().any(|(_, _, root)| root.name == name);
            let props: BTreeSet<String> = def["properties"]
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| !is_kind || (*k != "apiVersion" && *k != "kind"))
                .cloned()
                .collect();
            assert_eq!(names, props, "{kind}: {name} fields differ from k8s-openapi");
        }
    }
}

#[test]
fn tags_and_names_are_unique_per_message() {
    let mut tables = BTreeMap::new();
    for (_, _, msg) in KINDS {
        reachable(msg, false, &mut tables);
    }
    for (name, (table, _)) in tables {
        let tags: BTreeSet<u32> = table.fields.iter().map(|f| f.tag).collect();
        assert_eq!(tags.len(), table.fields.len(), "{name}: duplicate tag");
        let mut names = BTreeSet::new();
        json_names(table, &mut names);
        let count = table
            .fields
            .iter()
            .map(|f| if let (Card::Inline, Ty::Msg(m)) = (f.card, f.ty) { m.fields.len() } else { 1 })
            .sum::<usize>();
        assert_eq!(names.len(), count, "{name}: duplicate JSON name");
    }
}

#[test]
fn every_kind_is_registered_once() {
    let mut seen = BTreeSet::new();
    for (api_version, kind, msg) in KINDS {
        assert!(seen.insert((api_version, kind)), "{kind} twice");
        let found = tables::root(api_version, kind).unwrap();
        assert!(std::ptr::eq(found, *msg), "{kind} resolves to another table");
    }
    // DeleteOptions is registered in every group version.
    assert!(std::ptr::eq(tables::root("apps/v1", "DeleteOptions").unwrap(), &tables::meta::DELETE_OPTIONS));
}
