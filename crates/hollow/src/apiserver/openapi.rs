//! OpenAPI v3 documents, enough for kubectl: its validation asks whether a kind's PATCH
//! operation takes `fieldValidation` (then the server validates, as this one does), and
//! `kubectl explain` reads the CRD schemas from `components`.

use serde_json::{Map, Value, json};

use super::registry::{Registry, ResourceDef};

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() { format!("api/{version}") } else { format!("apis/{group}/{version}") }
}

fn hash(v: &Value) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in v.to_string().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016X}")
}

/// `/openapi/v3`: one entry per group-version, its URL carrying a content hash for caching.
pub fn v3_root(reg: &Registry) -> Value {
    let mut paths = Map::new();
    let mut gvs: Vec<(String, String)> =
        reg.all().iter().map(|d| (d.group.clone(), d.version.clone())).collect();
    gvs.sort();
    gvs.dedup();
    for (g, v) in gvs {
        let Some(doc) = v3_group_version(reg, &g, &v) else { continue };
        let p = gv_path(&g, &v);
        paths.insert(p.clone(), json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={}", hash(&doc))}));
    }
    json!({"paths": paths})
}

fn param(name: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}})
}

fn operations(d: &ResourceDef) -> (String, Value, String, Value) {
    let base = format!("/{}", gv_path(&d.group, &d.version));
    let scope = if d.namespaced { "/namespaces/{namespace}" } else { "" };
    let collection = format!("{base}{scope}/{}", d.plural);
    let item = format!("{collection}/{{name}}");
    let gvk = json!({"group": d.group, "version": d.version, "kind": d.kind});
    let ok = json!({"200": {"description": "OK"}});
    let write_params = vec![param("dryRun"), param("fieldManager"), param("fieldValidation")];
    let mut patch_params = write_params.clone();
    patch_params.push(param("force"));
    let op = |action: &str, params: Vec<Value>| json!({"x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk, "parameters": params, "responses": ok});
    (
        collection,
        json!({"get": op("list", vec![param("labelSelector"), param("fieldSelector")]), "post": op("post", write_params.clone())}),
        item,
        json!({"get": op("get", vec![]), "put": op("put", write_params), "patch": op("patch", patch_params), "delete": op("delete", vec![])}),
    )
}

/// `/openapi/v3/{api/v1 | apis/group/version}`.
pub fn v3_group_version(reg: &Registry, group: &str, version: &str) -> Option<Value> {
    let defs: Vec<_> = reg.all().into_iter().filter(|d| d.group == group && d.version == version).collect();
    if defs.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for d in &defs {
        let (c, cops, i, iops) = operations(d);
        if d.create_only {
            // A review is created and never stored: POST to the collection is all there is.
            paths.insert(c, json!({"post": cops["post"].clone()}));
            continue;
        }
        paths.insert(c, cops);
        paths.insert(i, iops);
        if let Some(schema) = &d.schema {
            let mut s = schema.clone();
            s["x-kubernetes-group-version-kind"] =
                json!([{"group": d.group, "version": d.version, "kind": d.kind}]);
            let reversed: Vec<&str> = d.group.split('.').rev().collect();
            schemas.insert(format!("{}.{}.{}", reversed.join("."), d.version, d.kind), s);
        }
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }))
}
