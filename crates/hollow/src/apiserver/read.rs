//! GET: one object, a list (label and field selectors, limit/continue, resourceVersion and
//! resourceVersionMatch), as JSON or a Table, with the real server's refusals.

use serde_json::{Value, json};

use super::{
    ApiServer,
    continue_token::{decode_token, encode_token},
    errors::ApiError,
    objects::object_key,
    params::{ListOptions, Params, RvMatch, parse_rv, too_large_rv},
    route::Target,
    selectors::{FieldSelector, LabelSelector, labels_of},
    table,
};

/// An object's key within a list of `t` (what continue tokens name): `name` inside one
/// namespace, `namespace/name` across all of them.
fn list_key(t: &Target, o: &Value) -> String {
    let n = o.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
    match o.pointer("/metadata/namespace").and_then(Value::as_str) {
        Some(ns) if t.namespace.is_none() && t.def.namespaced => format!("{ns}/{n}"),
        _ => n.to_string(),
    }
}

impl ApiServer {
    /// GET of one object (or its scale subresource), as JSON or (with `as_table`) a Table.
    pub fn get_object(&self, t: &Target, name: &str, as_table: bool) -> Result<Value, ApiError> {
        self.get_with(t, name, &Params::default(), as_table)
    }

    /// GET of one object honouring `resourceVersion` (a version not yet reached is the real
    /// 504) and the Table parameters.
    pub fn get_with(&self, t: &Target, name: &str, p: &Params, as_table: bool) -> Result<Value, ApiError> {
        self.expire_if_events(t);
        if let Some(rv) = parse_rv(p.get("resourceVersion"))?
            && rv > self.store.current_rv()
        {
            return Err(too_large_rv(rv, self.store.current_rv()));
        }
        let key = object_key(&t.def, t.namespace.as_deref(), name);
        let obj = self.store.get(&key).ok_or_else(|| ApiError::not_found(&t.def.qualified_plural(), name))?;
        if as_table {
            return Ok(table::table(&t.def, &[&obj], self.store.current_rv(), self.clock.now(), p));
        }
        Ok((*obj).clone())
    }

    /// Events past their TTL go before anyone reads Events.
    fn expire_if_events(&self, t: &Target) {
        if t.def.group.is_empty() && t.def.plural == "events" {
            self.expire_events();
        }
    }

    /// Parses the selectors of a list or watch; a malformed one is the real 400.
    pub fn selectors(t: &Target, p: &Params) -> Result<(LabelSelector, FieldSelector), ApiError> {
        let labels = LabelSelector::parse(p.get("labelSelector").unwrap_or_default())
            .map_err(ApiError::bad_request)?;
        let fields = FieldSelector::parse_for(p.get("fieldSelector").unwrap_or_default(), &t.def)
            .map_err(ApiError::bad_request)?;
        Ok((labels, fields))
    }

    /// GET of a collection.
    pub fn list(&self, t: &Target, p: &Params, as_table: bool) -> Result<Value, ApiError> {
        self.expire_if_events(t);
        let opts = ListOptions::parse(p)?;
        let (labels, fields) = Self::selectors(t, p)?;
        let current = self.store.current_rv();
        let start = match &opts.continue_token {
            Some(token) => {
                let (start, _) = decode_token(token)
                    .map_err(|e| ApiError::bad_request(format!("invalid continue token: {e}")))?;
                if opts.resource_version.as_deref().is_some_and(|rv| rv != "0") {
                    return Err(ApiError::bad_request(
                        "specifying resource version is not allowed when using continue",
                    ));
                }
                Some(start)
            }
            None => None,
        };
        if let Some(rv) = opts.min_rv()? {
            if rv > current {
                return Err(too_large_rv(rv, current));
            }
            // Only the latest state is kept: an exact older version is gone.
            if opts.rv_match == RvMatch::Exact && rv < current {
                return Err(ApiError::gone("The resourceVersion for the provided list is too old."));
            }
        }
        let (items, rv) = self.store.list(&t.def.id(), t.namespace.as_deref());
        let mut items: Vec<(String, &Value)> = items
            .iter()
            .map(|i| &**i)
            .filter(|o| labels.matches(&labels_of(o)) && fields.matches(o))
            .map(|o| (list_key(t, o), o))
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(start) = &start {
            items.retain(|(k, _)| k >= start);
        }
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if opts.limit > 0 && items.len() as u64 > opts.limit {
            let remaining = items.len() as u64 - opts.limit;
            items.truncate(opts.limit as usize);
            if let Some((last, _)) = items.last() {
                meta["continue"] = json!(encode_token(rv, &format!("{last}\u{0}")));
            }
            // Known only when no selector filters the rest.
            if labels.0.is_empty() && fields.0.is_empty() {
                meta["remainingItemCount"] = json!(remaining);
            }
        }
        let items: Vec<&Value> = items.into_iter().map(|(_, o)| o).collect();
        if as_table {
            let mut tbl = table::table(&t.def, &items, rv, self.clock.now(), p);
            tbl["metadata"] = meta;
            return Ok(tbl);
        }
        Ok(json!({
            "kind": format!("{}List", t.def.kind),
            "apiVersion": t.def.api_version(),
            "metadata": meta,
            "items": items,
        }))
    }
}
