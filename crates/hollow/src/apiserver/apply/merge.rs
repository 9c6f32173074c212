//! Merging an applied configuration into the live object, and removing the fields an
//! applier gave up.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::fieldset::{FieldSet, Path};
use super::typed::{self, Schema};
use crate::apiserver::list_type::ListType;

impl Schema<'_> {
    /// `live` merged with `config` (structured-merge-diff's `Merge`): objects field by
    /// field, map-lists by key and sets by value in the order the real merge gives, atomic
    /// lists and scalars replaced. A `null` in `config` stays `null` when `keep_nulls` (for
    /// comparing, as the real server compares before it drops them) and removes the field
    /// otherwise.
    pub(crate) fn merge(&self, live: &Value, config: &Value, keep_nulls: bool) -> Value {
        self.merge_value(Some(live), config, "", keep_nulls).unwrap_or(Value::Null)
    }

    fn merge_value(
        &self,
        live: Option<&Value>,
        config: &Value,
        spath: &str,
        keep_nulls: bool,
    ) -> Option<Value> {
        match config {
            Value::Null => keep_nulls.then_some(Value::Null),
            Value::Object(cm) => {
                let mut out = match live {
                    Some(Value::Object(lm)) => lm.clone(),
                    _ => Map::new(),
                };
                for (k, cv) in cm {
                    match self.merge_value(out.get(k), cv, &typed::child(spath, k), keep_nulls) {
                        Some(v) => out.insert(k.clone(), v),
                        None => out.remove(k),
                    };
                }
                Some(Value::Object(out))
            }
            Value::Array(ca) => {
                let la = match live {
                    Some(Value::Array(la)) => la.as_slice(),
                    _ => &[],
                };
                Some(self.merge_lists(la, ca, spath, keep_nulls))
            }
            scalar => Some(scalar.clone()),
        }
    }

    fn merge_item(
        &self,
        lt: &ListType,
        l: Option<&Value>,
        r: Option<&Value>,
        spath: &str,
        nulls: bool,
    ) -> Value {
        match (l, r) {
            (_, Some(r)) if matches!(lt, ListType::Map(_)) => {
                self.merge_value(l, r, &typed::items(spath), nulls).unwrap_or(Value::Null)
            }
            (_, Some(r)) => r.clone(),
            (Some(l), None) => l.clone(),
            (None, None) => Value::Null,
        }
    }

    /// The list merge of structured-merge-diff: live-only items keep their place, shared and
    /// new items follow the configuration's order.
    fn merge_lists(&self, la: &[Value], ca: &[Value], spath: &str, nulls: bool) -> Value {
        let Some(lt) = self.granular(spath) else { return Value::Array(ca.to_vec()) };
        let (Ok(lpes), Ok(rpes)) = (Self::item_elements(&lt, la), Self::item_elements(&lt, ca)) else {
            return Value::Array(ca.to_vec());
        };
        let lhs: Vec<(&String, &Value)> = lpes.iter().zip(la).collect();
        let mut observed_l: BTreeMap<&String, &Value> = BTreeMap::new();
        for (pe, v) in &lhs {
            observed_l.entry(pe).or_insert(v);
        }
        let mut observed_r: BTreeMap<&String, &Value> = BTreeMap::new();
        let mut rhs: Vec<&String> = Vec::new();
        for (pe, v) in rpes.iter().zip(ca) {
            if !observed_r.contains_key(pe) {
                observed_r.insert(pe, v);
                rhs.push(pe);
            }
        }
        let mut shared = rhs.iter().copied().filter(|pe| observed_l.contains_key(pe));
        let mut next_shared = shared.next();
        let mut merged_r: BTreeSet<&String> = BTreeSet::new();
        let mut out = Vec::with_capacity(la.len() + ca.len());
        let (mut li, mut ri) = (0, 0);
        while li < lhs.len() || ri < rhs.len() {
            if let (Some((lpe, _)), Some(rpe)) = (lhs.get(li), rhs.get(ri)) {
                if lpe == rpe {
                    merged_r.insert(rpe);
                    let (l, r) = (observed_l.get(lpe).copied(), observed_r.get(rpe).copied());
                    out.push(self.merge_item(&lt, l, r, spath, nulls));
                    li += 1;
                    ri += 1;
                    next_shared = shared.next();
                    continue;
                }
                if observed_r.contains_key(lpe) && next_shared.is_some_and(|ns| ns != *lpe) {
                    li += 1;
                    continue;
                }
            }
            if let Some((lpe, lv)) = lhs.get(li) {
                if !observed_r.contains_key(lpe) {
                    out.push((*lv).clone());
                    li += 1;
                    continue;
                }
                if merged_r.contains(lpe) || ri >= rhs.len() {
                    li += 1;
                    continue;
                }
            }
            if let Some(rpe) = rhs.get(ri) {
                merged_r.insert(rpe);
                let (l, r) = (observed_l.get(rpe).copied(), observed_r.get(rpe).copied());
                out.push(self.merge_item(&lt, l, r, spath, nulls));
                ri += 1;
                if next_shared == Some(*rpe) {
                    next_shared = shared.next();
                }
            }
        }
        Value::Array(out)
    }
}

/// The child of `v` at path element `pe`.
fn child_mut<'v>(v: &'v mut Value, pe: &str) -> Option<&'v mut Value> {
    if let Some(name) = pe.strip_prefix("f:") {
        return v.as_object_mut()?.get_mut(name);
    }
    let list = v.as_array_mut()?;
    let i = find_item(list, pe)?;
    list.get_mut(i)
}

/// The index of the item of `list` at path element `pe`.
fn find_item(list: &[Value], pe: &str) -> Option<usize> {
    if let Some(json) = pe.strip_prefix("k:") {
        let Ok(Value::Object(keys)) = serde_json::from_str::<Value>(json) else { return None };
        return list.iter().position(|item| typed::item_has_keys(item, &keys));
    }
    if let Some(json) = pe.strip_prefix("v:") {
        let want: Value = serde_json::from_str(json).ok()?;
        return list.iter().position(|item| *item == want);
    }
    pe.strip_prefix("i:")?.parse::<usize>().ok().filter(|i| *i < list.len())
}

/// Removes the field or item at `path`; whether there was one.
fn remove_at(obj: &mut Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else { return false };
    let mut node = obj;
    for pe in parents {
        let Some(next) = child_mut(node, pe) else { return false };
        node = next;
    }
    if let Some(name) = last.strip_prefix("f:") {
        return node.as_object_mut().is_some_and(|m| m.remove(name).is_some());
    }
    let Some(list) = node.as_array_mut() else { return false };
    match find_item(list, last) {
        Some(i) => {
            list.remove(i);
            true
        }
        None => false,
    }
}

fn is_empty_container(obj: &mut Value, path: &[String]) -> bool {
    let mut node = obj;
    for pe in path {
        let Some(next) = child_mut(node, pe) else { return false };
        node = next;
    }
    match node {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Whether the last element of `path` is a key field of the map-list item holding it.
fn is_key_field(path: &[String]) -> bool {
    let [.., item, leaf] = path else { return false };
    let (Some(json), Some(name)) = (item.strip_prefix("k:"), leaf.strip_prefix("f:")) else { return false };
    matches!(serde_json::from_str::<Value>(json), Ok(Value::Object(keys)) if keys.contains_key(name))
}

/// Removes from `obj` the fields and items in `remove` that nobody in `keep` owns any part
/// of (how server-side apply deletes what an applier stopped applying), then the objects
/// and lists that removal left empty, unless someone owns them.
pub(crate) fn prune(obj: &mut Value, remove: &FieldSet, keep: &FieldSet) {
    for path in remove.iter() {
        if keep.has_under(path) || is_key_field(path) || !remove_at(obj, path) {
            continue;
        }
        let mut parent: Path = path[..path.len() - 1].to_vec();
        while parent.len() > 1 || parent.first().is_some_and(|f| f != "f:metadata") {
            let is_field = parent.last().is_some_and(|pe| pe.starts_with("f:"));
            if !is_field || keep.has_under(&parent) || !is_empty_container(obj, &parent) {
                break;
            }
            remove_at(obj, &parent);
            parent.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::apiserver::list_type::builtin;

    fn pod(path: &str) -> ListType {
        builtin("Pod", path)
    }

    #[test]
    fn merge_keeps_live_only_items_in_place() {
        let schema = Schema::new(&pod);
        let live = json!({"metadata": {"finalizers": ["a", "b"]}, "spec": {"containers": [
            {"name": "a", "image": "1"}, {"name": "x", "image": "x"}, {"name": "b", "image": "1"}],
            "tolerations": [{"key": "t"}]}});
        let config = json!({"metadata": {"finalizers": ["c", "a"]}, "spec": {"containers": [
            {"name": "b", "image": "2"}, {"name": "a"}, {"name": "c", "image": "3"}],
            "tolerations": [], "nodeName": null}});
        let merged = schema.merge(&live, &config, false);
        assert_eq!(
            merged,
            json!({"metadata": {"finalizers": ["c", "a", "b"]}, "spec": {"containers": [
                {"name": "x", "image": "x"}, {"name": "b", "image": "2"}, {"name": "a", "image": "1"},
                {"name": "c", "image": "3"}], "tolerations": []}})
        );
        assert_eq!(schema.merge(&live, &config, true)["spec"]["nodeName"], Value::Null);
        assert!(schema.merge(&live, &config, true)["spec"].get("nodeName").is_some());
    }

    #[test]
    fn prune_removes_unowned_and_empty_parents() {
        let p = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Path>();
        let mut obj = json!({"metadata": {"name": "x", "labels": {"a": "1"}}, "spec": {
            "containers": [{"name": "web", "image": "i", "env": [{"name": "E", "value": "v"}]}],
            "strategy": {"rollingUpdate": {"maxSurge": 1}}}});
        let web = ["f:spec", "f:containers", "k:{\"name\":\"web\"}"];
        let remove: FieldSet = [
            p(&["f:metadata", "f:labels", "f:a"]),
            p(&["f:spec", "f:strategy", "f:rollingUpdate", "f:maxSurge"]),
            p(&web),
            p(&[web.as_slice(), &["f:name"]].concat()),
            p(&[web.as_slice(), &["f:image"]].concat()),
        ]
        .into_iter()
        .collect();
        let keep: FieldSet =
            [p(&[web.as_slice(), &["f:env", "k:{\"name\":\"E\"}"]].concat())].into_iter().collect();
        prune(&mut obj, &remove, &keep);
        assert_eq!(
            obj,
            json!({"metadata": {"name": "x"}, "spec": {
                "containers": [{"name": "web", "env": [{"name": "E", "value": "v"}]}]}})
        );
    }
}
