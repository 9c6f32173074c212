//! The built-in kinds the hollow API server serves, with the printer columns `kubectl get`
//! shows for them.

use serde_json::{Value, json};

use super::registry::{CellSource, Column, ResourceDef, ScalePaths};

struct Def {
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    all: bool,
    status: bool,
    scale: bool,
    generation: bool,
    columns: Vec<Column>,
    fields: &'static [&'static str],
}

fn col(name: &str, type_: &str, f: fn(&Value, jiff::Timestamp) -> Value) -> Column {
    Column {
        name: name.into(),
        type_: type_.into(),
        priority: 0,
        description: String::new(),
        source: CellSource::Computed(f),
    }
}

fn int_at(obj: &Value, ptr: &str) -> i64 {
    obj.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

fn str_at(obj: &Value, ptr: &str, default: &str) -> Value {
    Value::String(obj.pointer(ptr).and_then(Value::as_str).unwrap_or(default).to_string())
}

fn pod_ready(p: &Value, _: jiff::Timestamp) -> Value {
    let statuses = p.pointer("/status/containerStatuses").and_then(Value::as_array);
    let total = p.pointer("/spec/containers").and_then(Value::as_array).map_or(0, Vec::len);
    let ready = statuses.map_or(0, |s| s.iter().filter(|c| c["ready"] == true).count());
    json!(format!("{ready}/{total}"))
}

fn pod_status(p: &Value, _: jiff::Timestamp) -> Value {
    if p.pointer("/metadata/deletionTimestamp").is_some() {
        return json!("Terminating");
    }
    let waiting = p
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .and_then(|s| s.iter().find_map(|c| c.pointer("/state/waiting/reason").and_then(Value::as_str)));
    match waiting {
        Some(reason) => json!(reason),
        None => str_at(p, "/status/phase", "Pending"),
    }
}

fn pod_restarts(p: &Value, _: jiff::Timestamp) -> Value {
    let n: i64 = p
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map_or(0, |s| s.iter().map(|c| c["restartCount"].as_i64().unwrap_or(0)).sum());
    json!(n)
}

fn builtins() -> Vec<Def> {
    let d = |group, version, plural, kind, namespaced, short: &'static [&'static str]| Def {
        group,
        version,
        plural,
        kind,
        namespaced,
        short,
        all: false,
        status: false,
        scale: false,
        generation: false,
        columns: Vec::new(),
        fields: &[],
    };
    vec![
        Def {
            status: true,
            columns: vec![col("Status", "string", |o, _| str_at(o, "/status/phase", "Active"))],
            ..d("", "v1", "namespaces", "Namespace", false, &["ns"])
        },
        Def {
            all: true,
            status: true,
            columns: vec![
                col("Ready", "string", pod_ready),
                col("Status", "string", pod_status),
                col("Restarts", "integer", pod_restarts),
            ],
            fields: &[
                "status.phase",
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "status.podIP",
            ],
            ..d("", "v1", "pods", "Pod", true, &["po"])
        },
        Def {
            all: true,
            status: true,
            columns: vec![
                col("Type", "string", |o, _| str_at(o, "/spec/type", "ClusterIP")),
                col("Cluster-IP", "string", |o, _| str_at(o, "/spec/clusterIP", "<none>")),
                col("Ports", "string", |o, _| {
                    let ports: Vec<String> = o
                        .pointer("/spec/ports")
                        .and_then(Value::as_array)
                        .map(|ps| {
                            ps.iter()
                                .map(|p| format!("{}/{}", p["port"], p["protocol"].as_str().unwrap_or("TCP")))
                                .collect()
                        })
                        .unwrap_or_default();
                    json!(if ports.is_empty() { "<none>".to_string() } else { ports.join(",") })
                }),
            ],
            ..d("", "v1", "services", "Service", true, &["svc"])
        },
        d("", "v1", "endpoints", "Endpoints", true, &["ep"]),
        Def {
            fields: &[
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "source",
                "type",
            ],
            columns: vec![
                col("Type", "string", |o, _| str_at(o, "/type", "")),
                col("Reason", "string", |o, _| str_at(o, "/reason", "")),
                col("Message", "string", |o, _| str_at(o, "/message", "")),
            ],
            ..d("", "v1", "events", "Event", true, &["ev"])
        },
        Def {
            columns: vec![col("Data", "integer", |o, _| {
                json!(o.get("data").and_then(Value::as_object).map_or(0, |m| m.len()))
            })],
            ..d("", "v1", "configmaps", "ConfigMap", true, &["cm"])
        },
        Def {
            columns: vec![col("Type", "string", |o, _| str_at(o, "/type", "Opaque"))],
            ..d("", "v1", "secrets", "Secret", true, &[])
        },
        d("", "v1", "serviceaccounts", "ServiceAccount", true, &["sa"]),
        Def { status: true, ..d("", "v1", "nodes", "Node", false, &["no"]) },
        Def {
            all: true,
            status: true,
            scale: true,
            generation: true,
            columns: vec![
                col("Desired", "integer", |o, _| json!(int_at(o, "/spec/replicas"))),
                col("Current", "integer", |o, _| json!(int_at(o, "/status/replicas"))),
                col("Ready", "integer", |o, _| json!(int_at(o, "/status/readyReplicas"))),
            ],
            ..d("apps", "v1", "replicasets", "ReplicaSet", true, &["rs"])
        },
        Def {
            all: true,
            status: true,
            scale: true,
            generation: true,
            columns: vec![
                col("Ready", "string", |o, _| {
                    json!(format!("{}/{}", int_at(o, "/status/readyReplicas"), int_at(o, "/spec/replicas")))
                }),
                col("Up-to-date", "integer", |o, _| json!(int_at(o, "/status/updatedReplicas"))),
                col("Available", "integer", |o, _| json!(int_at(o, "/status/availableReplicas"))),
            ],
            ..d("apps", "v1", "deployments", "Deployment", true, &["deploy"])
        },
        Def {
            status: true,
            generation: true,
            columns: vec![
                col("Min Available", "string", |o, _| {
                    o.pointer("/spec/minAvailable").cloned().unwrap_or(json!("N/A"))
                }),
                col("Max Unavailable", "string", |o, _| {
                    o.pointer("/spec/maxUnavailable").cloned().unwrap_or(json!("N/A"))
                }),
                col("Allowed Disruptions", "integer", |o, _| json!(int_at(o, "/status/disruptionsAllowed"))),
            ],
            ..d("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, &["pdb"])
        },
        Def {
            columns: vec![col("Holder", "string", |o, _| str_at(o, "/spec/holderIdentity", ""))],
            ..d("coordination.k8s.io", "v1", "leases", "Lease", true, &[])
        },
        Def {
            columns: vec![
                col("Type", "string", |o, _| str_at(o, "/type", "")),
                col("Reason", "string", |o, _| str_at(o, "/reason", "")),
                col("Note", "string", |o, _| str_at(o, "/note", "")),
            ],
            fields: &[
                "regarding.kind",
                "regarding.namespace",
                "regarding.name",
                "regarding.uid",
                "reason",
                "type",
                "reportingController",
            ],
            ..d("events.k8s.io", "v1", "events", "Event", true, &["ev"])
        },
        d("rbac.authorization.k8s.io", "v1", "roles", "Role", true, &[]),
        d("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, &[]),
        d("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, &[]),
        d("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, &[]),
        d("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, &["pc"]),
        Def {
            status: true,
            generation: true,
            columns: vec![col("Created At", "date", |o, _| str_at(o, "/metadata/creationTimestamp", ""))],
            ..d(
                "apiextensions.k8s.io",
                "v1",
                "customresourcedefinitions",
                "CustomResourceDefinition",
                false,
                &["crd", "crds"],
            )
        },
    ]
}

/// Every built-in resource type.
pub fn all() -> Vec<ResourceDef> {
    builtins()
        .into_iter()
        .map(|d| ResourceDef {
            group: d.group.into(),
            version: d.version.into(),
            plural: d.plural.into(),
            singular: d.kind.to_lowercase(),
            kind: d.kind.into(),
            namespaced: d.namespaced,
            short_names: d.short.iter().map(|s| (*s).to_string()).collect(),
            categories: if d.all { vec!["all".into()] } else { Vec::new() },
            status: d.status,
            scale: d.scale.then(|| ScalePaths {
                spec_replicas: ".spec.replicas".into(),
                status_replicas: ".status.replicas".into(),
                label_selector: Some(".status.selector".into()),
            }),
            eviction: d.plural == "pods",
            rules: None,
            builtin: true,
            generation: d.generation,
            schema: None,
            columns: d.columns,
            selectable_fields: d.fields.iter().map(|s| (*s).to_string()).collect(),
        })
        .collect()
}
