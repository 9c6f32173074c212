//! Defaults the real API server fills into built-in objects on write, so that what clients
//! read back (and compare) looks like what a real cluster returns.

use serde_json::{Map, Value, json};

fn set_default(obj: &mut Map<String, Value>, key: &str, value: Value) {
    obj.entry(key.to_string()).or_insert(value);
}

/// Defaults of a PodSpec (`pkg/apis/core/v1/defaults.go`).
pub fn pod_spec(spec: &mut Value) {
    let Some(s) = spec.as_object_mut() else { return };
    set_default(s, "restartPolicy", json!("Always"));
    set_default(s, "dnsPolicy", json!("ClusterFirst"));
    set_default(s, "schedulerName", json!("default-scheduler"));
    set_default(s, "terminationGracePeriodSeconds", json!(30));
    set_default(s, "securityContext", json!({}));
    for list in ["containers", "initContainers"] {
        for c in s.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
            let Some(c) = c.as_object_mut() else { continue };
            let image = c.get("image").and_then(Value::as_str).unwrap_or_default().to_string();
            let tag =
                image.rsplit('/').next().and_then(|last| last.split_once(':')).map(|(_, t)| t.to_string());
            let policy = if image.contains('@') || tag.as_deref().is_some_and(|t| t != "latest") {
                "IfNotPresent"
            } else {
                "Always"
            };
            set_default(c, "imagePullPolicy", json!(policy));
            set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
            set_default(c, "terminationMessagePolicy", json!("File"));
            set_default(c, "resources", json!({}));
            for p in c.get_mut("ports").and_then(Value::as_array_mut).into_iter().flatten() {
                if let Some(p) = p.as_object_mut() {
                    set_default(p, "protocol", json!("TCP"));
                }
            }
        }
    }
}

/// Defaults for a built-in object of `kind`, in place. `cluster_ip` allocates Service IPs.
pub fn apply(kind: &str, obj: &mut Value, cluster_ip: impl FnOnce() -> String) {
    match kind {
        "Pod" => {
            if let Some(spec) = obj.get_mut("spec") {
                pod_spec(spec);
            }
        }
        "ReplicaSet" | "Deployment" => {
            let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else { return };
            set_default(spec, "replicas", json!(1));
            if kind == "Deployment" {
                set_default(spec, "revisionHistoryLimit", json!(10));
                set_default(spec, "progressDeadlineSeconds", json!(600));
                let strategy = spec.entry("strategy").or_insert(json!({}));
                if let Some(st) = strategy.as_object_mut() {
                    set_default(st, "type", json!("RollingUpdate"));
                    if st.get("type") == Some(&json!("RollingUpdate")) {
                        let ru = st.entry("rollingUpdate").or_insert(json!({}));
                        if let Some(ru) = ru.as_object_mut() {
                            set_default(ru, "maxSurge", json!("25%"));
                            set_default(ru, "maxUnavailable", json!("25%"));
                        }
                    }
                }
            }
            if let Some(t) = spec.get_mut("template").and_then(|t| t.get_mut("spec")) {
                pod_spec(t);
            }
        }
        "Job" => super::batch::defaults(obj),
        "Service" => {
            let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) else { return };
            set_default(spec, "type", json!("ClusterIP"));
            set_default(spec, "sessionAffinity", json!("None"));
            if !spec.contains_key("clusterIP") {
                let ip = cluster_ip();
                spec.insert("clusterIP".into(), json!(ip));
                spec.insert("clusterIPs".into(), json!([ip]));
            }
            for p in spec.get_mut("ports").and_then(Value::as_array_mut).into_iter().flatten() {
                if let Some(p) = p.as_object_mut() {
                    set_default(p, "protocol", json!("TCP"));
                    if let Some(port) = p.get("port").cloned() {
                        set_default(p, "targetPort", port);
                    }
                }
            }
        }
        "Namespace" => {
            if let Some(o) = obj.as_object_mut() {
                set_default(o, "spec", json!({"finalizers": ["kubernetes"]}));
                o.insert("status".into(), json!({"phase": "Active"}));
            }
        }
        _ => {}
    }
}
