//! GET: one object, a list (label and field selectors, limit/continue), as JSON or a Table.

use serde_json::{Value, json};

use super::{
    ApiServer,
    errors::ApiError,
    objects::object_key,
    params::Params,
    route::Target,
    selectors::{FieldSelector, LabelSelector, labels_of},
    table,
};

impl ApiServer {
    /// GET of one object (or its scale subresource).
    pub fn get_object(&self, t: &Target, name: &str, as_table: bool) -> Result<Value, ApiError> {
        let key = object_key(&t.def, t.namespace.as_deref(), name);
        let obj = self.store.get(&key).ok_or_else(|| ApiError::not_found(&t.def.qualified_plural(), name))?;
        if as_table {
            return Ok(table::table(&t.def, &[&obj], self.store.current_rv(), self.clock.now()));
        }
        Ok((*obj).clone())
    }

    /// Parses the selectors of a list or watch.
    pub fn selectors(t: &Target, p: &Params) -> Result<(LabelSelector, FieldSelector), ApiError> {
        let labels = LabelSelector::parse(p.get("labelSelector").unwrap_or_default())
            .map_err(ApiError::bad_request)?;
        let fields =
            FieldSelector::parse(p.get("fieldSelector").unwrap_or_default(), &t.def.selectable_fields)
                .map_err(ApiError::bad_request)?;
        Ok((labels, fields))
    }

    /// GET of a collection.
    pub fn list(&self, t: &Target, p: &Params, as_table: bool) -> Result<Value, ApiError> {
        let (labels, fields) = Self::selectors(t, p)?;
        let (items, rv) = self.store.list(&t.def.id(), t.namespace.as_deref());
        let mut items: Vec<&Value> = items
            .iter()
            .map(|i| &**i)
            .filter(|o| labels.matches(&labels_of(o)) && fields.matches(o))
            .collect();
        // Pagination: `continue` is the namespace/name to start after.
        if let Some(token) = p.get("continue") {
            let after = token.split_once('/').unwrap_or(("", token));
            items.retain(|o| {
                let ns = o.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default();
                let n = o.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
                (ns, n) > after
            });
        }
        let mut next = None;
        if let Some(limit) = p.number("limit").filter(|l| *l > 0)
            && items.len() > limit as usize
        {
            items.truncate(limit as usize);
            next = items.last().map(|o| {
                let ns = o.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default();
                let n = o.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
                format!("{ns}/{n}")
            });
        }
        if as_table {
            let mut tbl = table::table(&t.def, &items, rv, self.clock.now());
            if let Some(c) = next {
                tbl["metadata"]["continue"] = json!(c);
            }
            return Ok(tbl);
        }
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if let Some(c) = next {
            meta["continue"] = json!(c);
        }
        Ok(json!({
            "kind": format!("{}List", t.def.kind),
            "apiVersion": t.def.api_version(),
            "metadata": meta,
            "items": items,
        }))
    }
}
