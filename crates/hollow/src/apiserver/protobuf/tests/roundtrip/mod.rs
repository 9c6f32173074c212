//! k8s-pb values, prost-encoded and wrapped in the envelope, decode to the exact JSON Go's API
//! server would produce (absent pointers omitted, required fields and structs always present).

mod objects;
mod workloads;

use std::collections::BTreeMap;

use k8s_pb::apimachinery::pkg::{
    api::resource::Quantity,
    apis::meta::v1::{MicroTime, ObjectMeta, Time},
};

const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn time(offset: i64) -> Option<Time> {
    Some(Time { seconds: Some(T0 + offset), nanos: Some(0) })
}

fn micro(offset: i64, nanos: i32) -> Option<MicroTime> {
    Some(MicroTime { seconds: Some(T0 + offset), nanos: Some(nanos) })
}

fn map<V>(entries: &[(&str, V)]) -> BTreeMap<String, V>
where
    V: Clone,
{
    entries.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn meta(name: &str) -> Option<ObjectMeta> {
    Some(ObjectMeta { name: s(name), namespace: s("default"), ..Default::default() })
}

fn quantity(v: &str) -> Quantity {
    Quantity { string: s(v) }
}
