//! Discovery documents (`/version`, `/api`, `/apis`, per-group and per-version resource lists)
//! in the legacy form that kubectl and kube-rs both accept.

use serde_json::{Value, json};

use super::registry::{Registry, ResourceDef};

/// The version the hollow cluster reports.
pub fn version() -> Value {
    json!({"major": "1", "minor": "32", "gitVersion": "v1.32.0-ramp-hollow", "gitCommit": "", "gitTreeState": "clean",
           "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23", "compiler": "gc", "platform": "linux/amd64"})
}

/// `/api`.
pub fn core_versions() -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
}

fn group_entry(group: &str, versions: &[String]) -> Value {
    let vs: Vec<Value> =
        versions.iter().map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v})).collect();
    json!({"name": group, "versions": vs, "preferredVersion": vs.first().cloned().unwrap_or(json!({}))})
}

/// `/apis`.
pub fn groups(reg: &Registry) -> Value {
    let groups: Vec<Value> = reg.groups().iter().map(|(g, vs)| group_entry(g, vs)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/{group}`.
pub fn group(reg: &Registry, group: &str) -> Option<Value> {
    let (g, vs) = reg.groups().into_iter().find(|(g, _)| g == group)?;
    let mut entry = group_entry(&g, &vs);
    entry["kind"] = json!("APIGroup");
    entry["apiVersion"] = json!("v1");
    Some(entry)
}

const VERBS: [&str; 8] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

fn entries(d: &ResourceDef) -> Vec<Value> {
    let verbs: &[&str] = if d.create_only { &["create"] } else { &VERBS };
    let mut main = json!({"name": d.plural, "singularName": d.singular, "namespaced": d.namespaced, "kind": d.kind, "verbs": verbs});
    if !d.short_names.is_empty() {
        main["shortNames"] = json!(d.short_names);
    }
    if !d.categories.is_empty() {
        main["categories"] = json!(d.categories);
    }
    let mut out = vec![main];
    if d.status {
        out.push(
            json!({"name": format!("{}/status", d.plural), "singularName": "", "namespaced": d.namespaced,
            "kind": d.kind, "verbs": ["get", "patch", "update"]}),
        );
    }
    if d.scale.is_some() {
        out.push(
            json!({"name": format!("{}/scale", d.plural), "singularName": "", "namespaced": d.namespaced,
            "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]}),
        );
    }
    if d.eviction {
        out.push(
            json!({"name": format!("{}/eviction", d.plural), "singularName": "", "namespaced": d.namespaced,
            "group": "policy", "version": "v1", "kind": "Eviction", "verbs": ["create"]}),
        );
    }
    if d.token_request {
        out.push(
            json!({"name": format!("{}/token", d.plural), "singularName": "", "namespaced": d.namespaced,
            "group": "authentication.k8s.io", "version": "v1", "kind": "TokenRequest", "verbs": ["create"]}),
        );
    }
    out
}

/// `/api/v1` or `/apis/{group}/{version}`.
pub fn resources(reg: &Registry, group: &str, version: &str) -> Option<Value> {
    let defs: Vec<_> = reg.all().into_iter().filter(|d| d.group == group && d.version == version).collect();
    if defs.is_empty() {
        return None;
    }
    let gv = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
    let resources: Vec<Value> = defs.iter().flat_map(|d| entries(d)).collect();
    Some(json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}))
}
