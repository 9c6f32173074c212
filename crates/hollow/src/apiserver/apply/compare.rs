//! Comparing two versions of an object: which fields a write added, modified or removed.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fieldset::{self, FieldSet, Path};
use super::typed::{self, Schema, Scope};
use crate::apiserver::list_type::ListType;

/// What changed between two versions (structured-merge-diff's `Comparison`). Leaves land in
/// `modified` when their value differs; objects, granular lists and list items that appear
/// or disappear land in `added` / `removed` along with everything under them.
#[derive(Debug, Default)]
pub(crate) struct Comparison {
    pub added: FieldSet,
    pub modified: FieldSet,
    pub removed: FieldSet,
}

impl Comparison {
    /// Added or modified: the fields whose value the write set.
    pub(crate) fn changed(&self) -> FieldSet {
        self.added.union(&self.modified)
    }

    /// Keeps only what `scope` covers.
    pub(crate) fn restrict(&mut self, scope: Scope) {
        scope.restrict(&mut self.added);
        scope.restrict(&mut self.modified);
        scope.restrict(&mut self.removed);
    }
}

#[derive(PartialEq, Eq)]
enum Shape {
    Object,
    List,
    Leaf,
}

fn shape(v: &Value) -> Shape {
    match v {
        Value::Object(_) => Shape::Object,
        Value::Array(_) => Shape::List,
        _ => Shape::Leaf,
    }
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None => true,
        Some(Value::Object(m)) => m.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

impl Schema<'_> {
    /// What changed from `old` to `new`.
    pub(crate) fn compare(&self, old: &Value, new: &Value) -> Comparison {
        let mut c = Comparison::default();
        self.compare_at(Some(old), Some(new), &mut Vec::new(), "", &mut c);
        c
    }

    fn leaf(l: Option<&Value>, r: Option<&Value>, path: &Path, c: &mut Comparison) {
        match (l, r) {
            (None, Some(_)) => c.added.insert(path.clone()),
            (Some(_), None) => c.removed.insert(path.clone()),
            (Some(l), Some(r)) if l != r => c.modified.insert(path.clone()),
            _ => {}
        }
    }

    fn compare_at(
        &self,
        l: Option<&Value>,
        r: Option<&Value>,
        path: &mut Path,
        spath: &str,
        c: &mut Comparison,
    ) {
        let Some(present) = r.or(l) else { return };
        let kind = shape(present);
        let same_shape = l.zip(r).is_none_or(|(l, r)| shape(l) == shape(r));
        if kind == Shape::Leaf || !same_shape || (is_empty(l) && is_empty(r)) {
            Self::leaf(l, r, path, c);
            return;
        }
        if kind == Shape::Object {
            let (lm, rm) = (l.and_then(Value::as_object), r.and_then(Value::as_object));
            let mut keys: Vec<&String> = lm.into_iter().chain(rm).flat_map(|m| m.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                path.push(fieldset::field(k));
                let (lv, rv) = (lm.and_then(|m| m.get(k)), rm.and_then(|m| m.get(k)));
                self.compare_at(lv, rv, path, &typed::child(spath, k), c);
                path.pop();
            }
        } else if !self.compare_lists(l, r, path, spath, c) {
            Self::leaf(l, r, path, c);
            return;
        }
        match (l, r) {
            (None, Some(_)) => c.added.insert(path.clone()),
            (Some(_), None) => c.removed.insert(path.clone()),
            _ => {}
        }
    }

    /// Compares granular lists item by item; false when the list is atomic or its items
    /// cannot be keyed, so that it compares as a leaf.
    fn compare_lists(
        &self,
        l: Option<&Value>,
        r: Option<&Value>,
        path: &mut Path,
        spath: &str,
        c: &mut Comparison,
    ) -> bool {
        let Some(lt) = self.granular(spath) else { return false };
        let (la, ra) = (
            l.and_then(Value::as_array).map_or(&[][..], Vec::as_slice),
            r.and_then(Value::as_array).map_or(&[][..], Vec::as_slice),
        );
        let (Ok(lpes), Ok(rpes)) = (Self::item_elements(&lt, la), Self::item_elements(&lt, ra)) else {
            return false;
        };
        let mut items: BTreeMap<String, (Option<&Value>, Option<&Value>)> = BTreeMap::new();
        for (pe, v) in lpes.into_iter().zip(la) {
            items.entry(pe).or_insert((Some(v), None));
        }
        for (pe, v) in rpes.into_iter().zip(ra) {
            let slot = items.entry(pe).or_insert((None, None));
            if slot.1.is_none() {
                slot.1 = Some(v);
            }
        }
        for (pe, (lv, rv)) in items {
            path.push(pe);
            match lt {
                ListType::Map(_) => self.compare_at(lv, rv, path, &typed::items(spath), c),
                _ => Self::leaf(lv, rv, path, c),
            }
            path.pop();
        }
        true
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
    fn added_maps_and_items_are_owned_with_their_fields() {
        let schema = Schema::new(&pod);
        let old = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "1"}]}});
        let new = json!({"metadata": {"name": "p", "labels": {"x": "y"}}, "spec": {
            "containers": [{"name": "a", "image": "2"}, {"name": "b", "image": "1"}], "tolerations": []}});
        let c = schema.compare(&old, &new);
        assert_eq!(
            c.added.to_fields_v1(),
            json!({"f:metadata": {"f:labels": {".": {}, "f:x": {}}}, "f:spec": {"f:tolerations": {},
                "f:containers": {"k:{\"name\":\"b\"}": {".": {}, "f:name": {}, "f:image": {}}}}})
        );
        assert_eq!(
            c.modified.to_fields_v1(),
            json!({"f:spec": {"f:containers": {"k:{\"name\":\"a\"}": {"f:image": {}}}}})
        );
        assert!(c.removed.is_empty());
        let back = schema.compare(&new, &old);
        assert_eq!(back.removed.to_fields_v1(), c.added.to_fields_v1());
    }
}
