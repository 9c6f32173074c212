//! The order of a merged list, as apimachinery computes it (`normalizeElementOrder`): the
//! items the patch names keep the patch's order (or `$setElementOrder`'s), the live-only items
//! keep their live order, and the two are interleaved by live position. An item the live list
//! lacks has no live position and is placed as soon as it comes up, ahead of the live-only
//! items not placed yet: a strategic patch adding `{"name": "c"}` to a live list `[a, b]`
//! yields `[c, a, b]` on a real server (kubectl adds `$setElementOrder` to get `[a, b, c]`).

use serde_json::Value;

use super::strategic::{PATCH, no_merge_key};
use super::{PatchError, json_kind};

/// What identifies an item: its merge key's value in a map list, the item itself otherwise.
fn ident<'v>(item: &'v Value, key: Option<&str>) -> Option<&'v Value> {
    match (key, item) {
        (Some(key), Value::Object(map)) => map.get(key),
        _ => Some(item),
    }
}

/// The first position of `item` in `list` (Go's `index`).
fn position(list: &[Value], item: &Value, key: Option<&str>) -> Option<usize> {
    let wanted = ident(item, key);
    list.iter().position(|it| ident(it, key) == wanted)
}

/// In a keyed list every item must be a map holding the key.
fn require_keys(lists: &[&[Value]], key: Option<&str>) -> Result<(), PatchError> {
    let Some(key) = key else { return Ok(()) };
    for item in lists.iter().flat_map(|list| list.iter()) {
        match item {
            Value::Object(map) if map.contains_key(key) => {}
            Value::Object(map) => return Err(no_merge_key(map, key)),
            other => {
                return Err(PatchError::BadRequest(format!(
                    "expected a map[string]interface {{}}, but received a {}",
                    json_kind(other)
                )));
            }
        }
    }
    Ok(())
}

fn is_delete(item: &Value) -> bool {
    item.get(PATCH).and_then(Value::as_str) == Some("delete")
}

/// Splits `merged` into the items `by` names (in `merged` order) and the others.
pub(super) fn partition(
    merged: Vec<Value>,
    by: &[Value],
    key: Option<&str>,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    require_keys(&[&merged], key)?;
    if key.is_some()
        && let Some(other) = by.iter().find(|item| !item.is_object())
    {
        return Err(PatchError::BadRequest(format!("value {other} is not a map")));
    }
    Ok(merged.into_iter().partition(|item| position(by, item, key).is_some()))
}

/// Orders `listed` by `listed_order` and `server_only` by `server_order`, then interleaves
/// them by `server_order` (Go's `normalizeElementOrder`).
pub(super) fn normalize(
    listed: Vec<Value>,
    server_only: Vec<Value>,
    listed_order: &[Value],
    server_order: &[Value],
    key: Option<&str>,
) -> Result<Vec<Value>, PatchError> {
    let listed = sort_by(listed, listed_order, key)?;
    let server_only = sort_by(server_only, server_order, key)?;
    Ok(merge_sorted(server_only, listed, server_order, key))
}

/// Go's `normalizeSliceOrder`: a stable sort by position in `order` with Go's comparator, under
/// which an item missing from `order` sorts before anything; `$patch: delete` items go last.
/// The insertion sort is what Go's `sort.SliceStable` runs on up to 20 items, so even the
/// items missing from `order` land where they land on a real server.
fn sort_by(items: Vec<Value>, order: &[Value], key: Option<&str>) -> Result<Vec<Value>, PatchError> {
    require_keys(&[&items, order], key)?;
    let (keep, deleted): (Vec<Value>, Vec<Value>) =
        items.into_iter().partition(|item| key.is_none() || !is_delete(item));
    let mut ranked: Vec<(Option<usize>, Value)> =
        keep.into_iter().map(|item| (position(order, &item, key), item)).collect();
    let less = |a: Option<usize>, b: Option<usize>| match (a, b) {
        (Some(a), Some(b)) => a < b,
        _ => true,
    };
    for i in 1..ranked.len() {
        let mut j = i;
        while j > 0 && less(ranked[j].0, ranked[j - 1].0) {
            ranked.swap(j, j - 1);
            j -= 1;
        }
    }
    Ok(ranked.into_iter().map(|(_, item)| item).chain(deleted).collect())
}

/// Go's `mergeSortedSlice`: merges two ordered lists, taking the `left` item first only when
/// both items are in `server_order` and the left one comes earlier there.
fn merge_sorted(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    key: Option<&str>,
) -> Vec<Value> {
    let rank = |list: Vec<Value>| {
        let ranks: Vec<Option<usize>> = list.iter().map(|item| position(server_order, item, key)).collect();
        list.into_iter().zip(ranks).peekable()
    };
    let (mut left, mut right) = (rank(left), rank(right));
    let mut out = Vec::new();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (Some((_, Some(l))), Some((_, Some(r)))) => l < r,
            _ => false,
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next.map(|(item, _)| item));
    }
    out
}

/// Checks that the patch list names its items in the order `$setElementOrder` gives (Go's
/// `validatePatchWithSetOrderList`; deleted and directive items are skipped).
pub(super) fn validate_set_order(
    patch: &[Value],
    order: &[Value],
    key: Option<&str>,
) -> Result<(), PatchError> {
    if order.is_empty() || patch.is_empty() {
        return Ok(());
    }
    let listed: Vec<&Value> = patch.iter().filter(|item| key.is_none() || !is_delete(item)).collect();
    let (mut p, mut s) = (0, 0);
    while p < listed.len() && s < order.len() {
        if listed[p].get(PATCH).is_some() {
            p += 1;
            continue;
        }
        require_keys(&[std::slice::from_ref(listed[p]), std::slice::from_ref(&order[s])], key)?;
        if ident(listed[p], key) == ident(&order[s], key) {
            p += 1;
        }
        s += 1;
    }
    if p < listed.len() {
        return Err(PatchError::BadRequest(format!(
            "The order in patch list:\n{}\n doesn't match $setElementOrder list:\n{}\n",
            Value::Array(patch.to_vec()),
            Value::Array(order.to_vec())
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn list(v: Value) -> Vec<Value> {
        v.as_array().cloned().unwrap_or_default()
    }

    #[test]
    fn normalize_scalars() {
        // (listed, server-only, listed order, server order) → result
        let cases = [
            // A new value goes first, before the live-only ones.
            (json!(["c"]), json!(["a", "b"]), json!(["c"]), json!(["a", "b"]), json!(["c", "a", "b"])),
            // A patched value keeps its live place.
            (json!(["b"]), json!(["a", "c"]), json!(["b"]), json!(["a", "b", "c"]), json!(["a", "b", "c"])),
            // Patch order wins among the patched values; live-only ones slot in by live order.
            (json!([1, 3]), json!([2]), json!([3, 1]), json!([1, 2, 3]), json!([2, 3, 1])),
            (json!([2, 3]), json!([1]), json!([2, 3]), json!([1, 2]), json!([1, 2, 3])),
        ];
        for (listed, server_only, listed_order, server_order, want) in cases {
            let got =
                normalize(list(listed), list(server_only), &list(listed_order), &list(server_order), None);
            assert_eq!(got, Ok(list(want.clone())), "want {want}");
        }
    }

    #[test]
    fn normalize_maps_by_key() {
        let order = list(json!([{"name": "b"}, {"name": "a"}]));
        let server = list(json!([{"name": "a"}, {"name": "x"}, {"name": "b"}]));
        let got = normalize(
            list(json!([{"name": "a", "v": 1}, {"name": "b", "v": 2}])),
            list(json!([{"name": "x"}])),
            &order,
            &server,
            Some("name"),
        );
        // `x` is live-only and comes before `b` in the live list.
        assert_eq!(got, Ok(list(json!([{"name": "x"}, {"name": "b", "v": 2}, {"name": "a", "v": 1}]))));
    }

    #[test]
    fn items_missing_from_the_order_sort_first_in_reverse_as_in_go() {
        let got = sort_by(list(json!(["a", "x", "y"])), &list(json!(["a"])), None);
        assert_eq!(got, Ok(list(json!(["y", "x", "a"]))));
    }

    #[test]
    fn set_order_validation() {
        let key = Some("name");
        let patch = list(json!([{"name": "c"}, {"name": "a"}, {"name": "z", "$patch": "delete"}]));
        assert_eq!(
            validate_set_order(&patch, &list(json!([{"name": "c"}, {"name": "b"}, {"name": "a"}])), key),
            Ok(())
        );
        let err = validate_set_order(&patch, &list(json!([{"name": "a"}, {"name": "c"}])), key);
        assert!(
            matches!(err, Err(PatchError::BadRequest(m)) if m.contains("doesn't match $setElementOrder list"))
        );
        let err = validate_set_order(&patch, &list(json!([{"id": "a"}])), key);
        assert!(
            matches!(err, Err(PatchError::BadRequest(m)) if m.contains("does not contain declared merge key: name"))
        );
    }
}
