//! CustomResourceDefinitions: creating one serves its resource (with its schema, status and
//! scale subresources and printer columns) and marks it Established; deleting one stops it.

use serde_json::{Value, json};

use super::{
    ApiServer,
    registry::{CellSource, Column, ResourceDef, ScalePaths},
    store::{ResourceId, object_rv},
};

/// The served version of a CRD: the storage version (one version is served).
fn served_version(crd: &Value) -> Option<&Value> {
    let versions = crd.pointer("/spec/versions").and_then(Value::as_array)?;
    versions
        .iter()
        .find(|v| v["storage"] == true && v["served"] == true)
        .or_else(|| versions.iter().find(|v| v["served"] == true))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
}

/// The resource a CRD defines.
pub fn resource_def(crd: &Value) -> Option<ResourceDef> {
    let spec = crd.get("spec")?;
    let names = spec.get("names")?;
    let version = served_version(crd)?;
    let sub = version.get("subresources");
    let columns = version
        .get("additionalPrinterColumns")
        .and_then(Value::as_array)
        .map(|cols| {
            cols.iter()
                .map(|c| Column {
                    name: c["name"].as_str().unwrap_or_default().to_string(),
                    type_: c["type"].as_str().unwrap_or("string").to_string(),
                    priority: c["priority"].as_i64().and_then(|p| i32::try_from(p).ok()).unwrap_or(0),
                    description: c["description"].as_str().unwrap_or_default().to_string(),
                    source: CellSource::JsonPath(c["jsonPath"].as_str().unwrap_or_default().to_string()),
                })
                .collect()
        })
        .unwrap_or_else(|| {
            vec![Column {
                name: "Age".into(),
                type_: "date".into(),
                priority: 0,
                description: String::new(),
                source: CellSource::JsonPath(".metadata.creationTimestamp".into()),
            }]
        });
    Some(ResourceDef {
        group: spec["group"].as_str()?.to_string(),
        version: version["name"].as_str()?.to_string(),
        plural: names["plural"].as_str()?.to_string(),
        singular: names["singular"]
            .as_str()
            .map_or_else(|| names["kind"].as_str().unwrap_or_default().to_lowercase(), str::to_string),
        kind: names["kind"].as_str()?.to_string(),
        namespaced: spec["scope"].as_str() != Some("Cluster"),
        short_names: strings(&names["shortNames"]),
        categories: strings(&names["categories"]),
        status: sub.and_then(|s| s.get("status")).is_some(),
        scale: sub.and_then(|s| s.get("scale")).map(|s| ScalePaths {
            spec_replicas: s["specReplicasPath"].as_str().unwrap_or(".spec.replicas").to_string(),
            status_replicas: s["statusReplicasPath"].as_str().unwrap_or(".status.replicas").to_string(),
            label_selector: s["labelSelectorPath"].as_str().map(str::to_string),
        }),
        eviction: false,
        token_request: false,
        create_only: false,
        builtin: false,
        generation: true,
        schema: version.pointer("/schema/openAPIV3Schema").cloned(),
        rules: version
            .pointer("/schema/openAPIV3Schema")
            .and_then(super::schema::Rules::compile)
            .map(std::sync::Arc::new),
        columns,
        selectable_fields: version
            .get("selectableFields")
            .and_then(Value::as_array)
            .map(|f| {
                f.iter()
                    .filter_map(|x| x["jsonPath"].as_str())
                    .map(|p| p.trim_start_matches('.').to_string())
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// A CRD was written: serve its resource and mark it Established.
pub fn on_write(server: &ApiServer, crd: &Value) {
    if crd.pointer("/metadata/deletionTimestamp").is_some() {
        return;
    }
    let Some(def) = resource_def(crd) else { return };
    let version = def.version.clone();
    server.registry.register(def);
    let now = server.clock.rfc3339();
    let cond = |t: &str, reason: &str, msg: &str| json!({"type": t, "status": "True", "reason": reason, "message": msg, "lastTransitionTime": now});
    let status = json!({
        "conditions": [
            cond("NamesAccepted", "NoConflicts", "no conflicts found"),
            cond("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        "acceptedNames": crd.pointer("/spec/names").cloned().unwrap_or(json!({})),
        "storedVersions": [version],
    });
    if crd.get("status").is_some_and(|s| {
        s["acceptedNames"] == status["acceptedNames"] && s["storedVersions"] == status["storedVersions"]
    }) {
        return;
    }
    let Some(name) = crd.pointer("/metadata/name").and_then(Value::as_str) else { return };
    let key = super::store::ObjectKey {
        resource: ResourceId::new("apiextensions.k8s.io", "customresourcedefinitions"),
        namespace: String::new(),
        name: name.to_string(),
    };
    let mut next = crd.clone();
    next["status"] = status;
    // A concurrent write re-runs this hook with the newer object.
    let _ = server.store.write(&key, Some(object_rv(crd)), |_, _| Ok(next));
}

/// A CRD was deleted: stop serving its resource.
pub fn on_delete(server: &ApiServer, crd: &Value) {
    if let Some(def) = resource_def(crd) {
        server.registry.unregister(&def.id());
    }
}
