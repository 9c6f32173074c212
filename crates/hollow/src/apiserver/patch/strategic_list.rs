//! How a strategic merge patch merges one list (apimachinery `mergeSlice`): atomic lists are
//! replaced; lists of scalars are unioned; lists of maps merge item by item on the merge key,
//! with `$patch: delete` / `$patch: replace` items; then the result is ordered (patch order
//! for the patched items, live order for the others, see [`super::order`]).

use serde_json::Value;

use super::PatchError;
use super::order;
use super::strategic::{Ctx, PATCH, bad_patch_type, clean, clean_list, no_merge_key};
use crate::apiserver::list_type::ListType;

/// A merged list, and the live list as Go's `$setElementOrder` code goes on to see it.
pub(super) struct ListMerge {
    /// The merged list.
    pub(super) merged: Vec<Value>,
    /// Go merges a map list inside the live slice's backing array, so a caller holding the
    /// live slice then sees deleted items shifted out and appended items in their place
    /// (its length unchanged). `$setElementOrder` orders the live-only items by that view;
    /// reproducing it keeps the results identical to the real server's.
    pub(super) view: Vec<Value>,
}

impl Ctx<'_> {
    /// Merges the patch list into the live list at `path`. `delete_list` for the values of a
    /// `$deleteFromPrimitiveList/<field>` directive, which removes them whatever the list type.
    pub(super) fn merge_list(
        &self,
        live: &[Value],
        patch: &[Value],
        path: &str,
        delete_list: bool,
    ) -> Result<ListMerge, PatchError> {
        let unchanged_view = || live.to_vec();
        if delete_list {
            let merged = live.iter().filter(|item| !patch.contains(item)).cloned().collect();
            return Ok(ListMerge { merged, view: unchanged_view() });
        }
        let list_type = (self.list_type)(path);
        if list_type == ListType::Atomic {
            return Ok(ListMerge { merged: clean_list(patch), view: unchanged_view() });
        }
        if live.is_empty() && patch.is_empty() {
            return Ok(ListMerge { merged: Vec::new(), view: Vec::new() });
        }
        if !items_are_maps(live, patch)? {
            // Scalars: a union, ordered.
            let mut merged: Vec<Value> = Vec::new();
            for item in live.iter().chain(patch) {
                if !merged.contains(item) {
                    merged.push(item.clone());
                }
            }
            let (listed, server_only) = order::partition(merged, patch, None)?;
            let merged = order::normalize(listed, server_only, patch, live, None)?;
            return Ok(ListMerge { merged, view: unchanged_view() });
        }
        let key = self
            .merge_key(path)
            .ok_or_else(|| PatchError::Invalid(format!("cannot merge lists without merge key for {path}")))?;
        self.merge_map_list(live, patch, &key, path)
    }

    /// Merges a list of maps on `key`.
    fn merge_map_list(
        &self,
        live: &[Value],
        patch: &[Value],
        key: &str,
        path: &str,
    ) -> Result<ListMerge, PatchError> {
        let mut current = live.to_vec();
        let mut view = live.to_vec();
        let mut plain = Vec::new();
        let mut replace = false;
        for item in patch {
            let Value::Object(map) = item else { continue };
            let Some(directive) = map.get(PATCH) else {
                plain.push(item.clone());
                continue;
            };
            match directive.as_str() {
                Some("delete") => {
                    let wanted = map.get(key).ok_or_else(|| no_merge_key(map, key))?;
                    while let Some(at) = current.iter().position(|it| it.get(key) == Some(wanted)) {
                        delete_in_place(&mut view, current.len(), at);
                        current.remove(at);
                    }
                }
                Some("replace") => replace = true,
                // Accepted as the default (apimachinery rejects it).
                Some("merge") => {
                    let mut map = map.clone();
                    super::remove_key(&mut map, PATCH);
                    plain.push(Value::Object(map));
                }
                _ => return Err(bad_patch_type(directive, map)),
            }
        }
        if replace {
            let merged = clean_list(&plain);
            for item in &merged {
                require_key(item, key)?;
            }
            return Ok(ListMerge { merged, view });
        }

        let server_order = current.clone();
        let item_path = format!("{path}[]");
        for item in &plain {
            let Value::Object(map) = item else { continue };
            let wanted = map.get(key).ok_or_else(|| no_merge_key(map, key))?;
            match current.iter().position(|it| it.get(key) == Some(wanted)) {
                Some(at) => {
                    let merged = match &mut current[at] {
                        Value::Object(live) => self.merge_map(std::mem::take(live), map, &item_path)?,
                        _ => continue,
                    };
                    current[at] = Value::Object(merged);
                }
                None => {
                    let Some(added) = clean(item) else { continue };
                    if let Some(slot) = view.get_mut(current.len()) {
                        *slot = added.clone();
                    }
                    current.push(added);
                }
            }
        }
        let (listed, server_only) = order::partition(current, &plain, Some(key))?;
        let merged = order::normalize(listed, server_only, &plain, &server_order, Some(key))?;
        Ok(ListMerge { merged, view })
    }
}

/// Go's `append(s[:at], s[at+1:]...)` on the backing array `view` while the slice has length
/// `len`: the tail shifts left and the last slot keeps its old value.
fn delete_in_place(view: &mut [Value], len: usize, at: usize) {
    if at + 1 < len && len <= view.len() {
        view[at..len].rotate_left(1);
        view[len - 1] = view[len - 2].clone();
    }
}

fn require_key(item: &Value, key: &str) -> Result<(), PatchError> {
    match item {
        Value::Object(map) if !map.contains_key(key) => Err(no_merge_key(map, key)),
        _ => Ok(()),
    }
}

/// Whether the items of both lists are maps (`true`) or scalars (`false`); an error when
/// they mix types or nest lists, as the items of a merged list must be all alike.
fn items_are_maps(live: &[Value], patch: &[Value]) -> Result<bool, PatchError> {
    let mut items = live.iter().chain(patch);
    let Some(first) = items.next() else { return Ok(false) };
    if first.is_array() {
        return Err(PatchError::Invalid("lists of lists are not supported".to_string()));
    }
    if items.any(|item| std::mem::discriminant(item) != std::mem::discriminant(first)) {
        return Err(PatchError::Invalid(format!(
            "list element types are not identical: {} {}",
            Value::Array(live.to_vec()),
            Value::Array(patch.to_vec())
        )));
    }
    Ok(first.is_object())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::strategic;
    use super::*;

    /// The list types of apimachinery's test struct.
    fn test_lists(path: &str) -> ListType {
        match path {
            "mergingList" | "mergingList[].mergingList" => ListType::Map(vec!["name".to_string()]),
            "mergingIntList" => ListType::Set,
            _ => ListType::Atomic,
        }
    }

    /// apimachinery's own strategic merge patch fixtures (patch_test.go: the custom cases, and
    /// three-way patches applied to the current object): (name, live, patch, result).
    #[test]
    fn apimachinery_fixtures() {
        let cases = [
            (
                "unique scalars when merging lists",
                json!({"mergingIntList": [1, 2]}),
                json!({"mergingIntList": [2, 3]}),
                json!({"mergingIntList": [1, 2, 3]}),
            ),
            (
                "delete map from nested map",
                json!({"simpleMap": {"key1": 1, "key2": 1}}),
                json!({"simpleMap": {"$patch": "delete"}}),
                json!({"simpleMap": {}}),
            ),
            (
                "delete all items from merging list",
                json!({"mergingList": [{"name": 1}, {"name": 2}]}),
                json!({"mergingList": [{"$patch": "replace"}]}),
                json!({"mergingList": []}),
            ),
            (
                "merge empty merging lists",
                json!({"mergingList": []}),
                json!({"mergingList": []}),
                json!({"mergingList": []}),
            ),
            (
                "delete all keys from map",
                json!({"name": 1, "value": 1}),
                json!({"$patch": "replace"}),
                json!({}),
            ),
            (
                "add key and delete all keys from map",
                json!({"name": 1, "value": 1}),
                json!({"other": "a", "$patch": "replace"}),
                json!({"other": "a"}),
            ),
            (
                "delete all duplicate entries in a merging list",
                json!({"mergingList": [{"name": 1}, {"name": 1}, {"name": 2, "value": "a"}, {"name": 3}, {"name": 3}]}),
                json!({"mergingList": [{"name": 1, "$patch": "delete"}, {"name": 3, "$patch": "delete"}]}),
                json!({"mergingList": [{"name": 2, "value": "a"}]}),
            ),
            (
                "preserve the order from the patch in a merging list",
                json!({"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]}),
                json!({"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}, {"name": 2, "other": "x"}]}),
                json!({"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}, {"name": 2, "value": "b", "other": "x"}]}),
            ),
            (
                "preserve the order from the patch in a merging list 2",
                json!({"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]}),
                json!({"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}]}),
                json!({"mergingList": [{"name": 2, "value": "b"}, {"name": 3, "value": "c"}, {"name": 1, "value": "a"}]}),
            ),
            (
                "preserve the order from the patch in a merging int list",
                json!({"mergingIntList": [1, 2, 3]}),
                json!({"mergingIntList": [3, 1, 2]}),
                json!({"mergingIntList": [3, 1, 2]}),
            ),
            (
                "preserve the order from the patch in a merging int list 2",
                json!({"mergingIntList": [1, 2, 3]}),
                json!({"mergingIntList": [3, 1]}),
                json!({"mergingIntList": [2, 3, 1]}),
            ),
            (
                "$setElementOrder contains item that is not present in the list to be merged",
                json!({"mergingList": [{"name": 1}, {"name": 3}]}),
                json!({"$setElementOrder/mergingList": [{"name": 3}, {"name": 2}, {"name": 1}],
                    "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}),
                json!({"mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}),
            ),
            (
                "$setElementOrder contains item that is not present in the int list to be merged",
                json!({"mergingIntList": [1, 3]}),
                json!({"$setElementOrder/mergingIntList": [3, 2, 1]}),
                json!({"mergingIntList": [3, 1]}),
            ),
            (
                "$deleteFromPrimitiveList of nonexistent item",
                json!({"mergingIntList": [1, 2]}),
                json!({"$deleteFromPrimitiveList/mergingIntList": [3]}),
                json!({"mergingIntList": [1, 2]}),
            ),
            (
                "$deleteFromPrimitiveList on empty primitive list",
                json!({"mergingIntList": null}),
                json!({"$deleteFromPrimitiveList/mergingIntList": [3]}),
                json!({"mergingIntList": null}),
            ),
            (
                "$deleteFromPrimitiveList on nonexistent primitive list",
                json!({"foo": ["bar"]}),
                json!({"$deleteFromPrimitiveList/mergingIntList": [3]}),
                json!({"foo": ["bar"]}),
            ),
            (
                "$deleteFromPrimitiveList from a list with merge patch strategy",
                json!({"mergingIntList": [1, 2, 3]}),
                json!({"$deleteFromPrimitiveList/mergingIntList": [2]}),
                json!({"mergingIntList": [1, 3]}),
            ),
            (
                "$deleteFromPrimitiveList from a list without merge patch strategy",
                json!({"nonMergingIntList": [1, 2, 3]}),
                json!({"$deleteFromPrimitiveList/nonMergingIntList": [2]}),
                json!({"nonMergingIntList": [1, 3]}),
            ),
            (
                "nested patch merge with empty list",
                json!({"name": "hi", "mergingList": [{"name": "hello2"}]}),
                json!({"$setElementOrder/mergingList": [{"name": "hello"}, {"name": "doesntexist"}],
                    "mergingList": [{"name": "hello"}]}),
                json!({"name": "hi", "mergingList": [{"name": "hello"}, {"name": "hello2"}]}),
            ),
            (
                "delete items in lists of scalars",
                json!({"mergingIntList": [1, 2, 3, 4]}),
                json!({"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]}),
                json!({"mergingIntList": [1, 2, 4]}),
            ),
            (
                "merge lists of maps",
                json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}),
                json!({"$setElementOrder/mergingList": [{"name": 4}, {"name": 1}, {"name": 2}, {"name": 3}],
                    "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}]}),
                json!({"mergingList": [{"name": 4, "value": 4}, {"name": 1, "other": "a"},
                                    {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}]}),
            ),
            (
                "add field to map in merging list with conflict",
                json!({"mergingList": [{"name": 1, "other": "a"}, {"name": 3, "value": 2, "other": "b"}]}),
                json!({"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                    "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]}),
                json!({"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2},
                                    {"name": 3, "value": 2, "other": "b"}]}),
            ),
            (
                "delete missing map from merging list with conflict",
                json!({"mergingList": [{"name": 3, "other": "a"}]}),
                json!({"$setElementOrder/mergingList": [{"name": 2}],
                    "mergingList": [{"name": 2}, {"name": 1, "$patch": "delete"}]}),
                json!({"mergingList": [{"name": 2}, {"name": 3, "other": "a"}]}),
            ),
            // Right only because the live slice is seen as Go's merge leaves its backing array.
            (
                "add map and delete map from merging list",
                json!({"mergingList": [{"name": 1}, {"name": 2, "other": "b"}, {"name": 4, "other": "c"}]}),
                json!({"$setElementOrder/mergingList": [{"name": 2}, {"name": 3}],
                    "mergingList": [{"name": 3}, {"name": 1, "$patch": "delete"}]}),
                json!({"mergingList": [{"name": 2, "other": "b"}, {"name": 4, "other": "c"}, {"name": 3}]}),
            ),
            (
                "nested merging list",
                json!({"mergingList": [{"name": 1, "mergingList": [{"name": "a", "v": 1}]}]}),
                json!({"mergingList": [{"name": 1, "mergingList": [{"name": "a", "v": null, "w": 2}, {"name": "b"}]}]}),
                json!({"mergingList": [{"name": 1, "mergingList": [{"name": "a", "w": 2}, {"name": "b"}]}]}),
            ),
            (
                "new item loses its nulls and directives",
                json!({"mergingList": [{"name": 1}]}),
                json!({"mergingList": [{"name": 2, "x": null, "m": {"$patch": "delete"}, "$retainKeys": ["name"]}]}),
                json!({"mergingList": [{"name": 2}, {"name": 1}]}),
            ),
        ];
        for (name, live, patch, want) in cases {
            let got = strategic(&live, &patch, &test_lists).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got, want, "{name}");
            super::super::tests::assert_no_directives(&got);
        }
    }
}
