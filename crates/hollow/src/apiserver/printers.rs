//! The columns the real server's printers (`pkg/printers/internalversion`) give built-in kinds
//! in Tables: `kubectl get` shows priority 0 columns, `-o wide` adds the priority 1 ones.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{
    registry::{CellSource, Column},
    table::human_age,
};

type Cell = fn(&Value, Timestamp) -> Value;

fn col(name: &str, type_: &str, priority: i32, f: Cell) -> Column {
    Column {
        name: name.into(),
        type_: type_.into(),
        priority,
        description: String::new(),
        source: CellSource::Computed(f),
    }
}

fn name(o: &Value, _: Timestamp) -> Value {
    o.pointer("/metadata/name").cloned().unwrap_or(Value::Null)
}

fn age(o: &Value, now: Timestamp) -> Value {
    json!(human_age(
        o.pointer("/metadata/creationTimestamp").and_then(Value::as_str).unwrap_or_default(),
        now
    ))
}

fn int_at(o: &Value, ptr: &str) -> i64 {
    o.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

fn str_at<'a>(o: &'a Value, ptr: &str) -> &'a str {
    o.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

fn or_none(s: String) -> Value {
    json!(if s.is_empty() { "<none>".to_string() } else { s })
}

fn list_at<'a>(o: &'a Value, ptr: &str) -> &'a [Value] {
    o.pointer(ptr).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// `metav1.FormatLabelSelector`: `a=b,c in (d,e)`, `<none>` when empty.
fn format_selector(sel: &Value) -> Value {
    let mut parts: Vec<String> = sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    for e in sel.get("matchExpressions").and_then(Value::as_array).into_iter().flatten() {
        let key = e["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = list_at(e, "/values").iter().filter_map(Value::as_str).collect();
        parts.push(match e["operator"].as_str().unwrap_or_default() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            op => format!("{key} {op} ({})", values.join(",")),
        });
    }
    or_none(parts.join(","))
}

fn containers(o: &Value, _: Timestamp) -> Value {
    let names: Vec<&str> =
        list_at(o, "/spec/template/spec/containers").iter().map(|c| str_at(c, "/name")).collect();
    json!(names.join(","))
}

fn images(o: &Value, _: Timestamp) -> Value {
    let names: Vec<&str> =
        list_at(o, "/spec/template/spec/containers").iter().map(|c| str_at(c, "/image")).collect();
    json!(names.join(","))
}

fn selector(o: &Value, _: Timestamp) -> Value {
    format_selector(o.pointer("/spec/selector").unwrap_or(&Value::Null))
}

fn pod_ready(p: &Value, _: Timestamp) -> Value {
    let ready = list_at(p, "/status/containerStatuses").iter().filter(|c| c["ready"] == true).count();
    json!(format!("{ready}/{}", list_at(p, "/spec/containers").len()))
}

fn pod_status(p: &Value, _: Timestamp) -> Value {
    let mut reason = match str_at(p, "/status/reason") {
        "" => str_at(p, "/status/phase").to_string(),
        r => r.to_string(),
    };
    for c in list_at(p, "/status/containerStatuses") {
        if let Some(w) = c.pointer("/state/waiting/reason").and_then(Value::as_str) {
            reason = w.to_string();
        } else if let Some(t) = c.pointer("/state/terminated/reason").and_then(Value::as_str) {
            reason = t.to_string();
        }
    }
    if p.pointer("/metadata/deletionTimestamp").is_some() {
        reason =
            if str_at(p, "/status/reason") == "NodeLost" { "Unknown".into() } else { "Terminating".into() };
    }
    json!(if reason.is_empty() { "Pending".to_string() } else { reason })
}

fn pod_restarts(p: &Value, now: Timestamp) -> Value {
    let statuses = list_at(p, "/status/containerStatuses");
    let n: i64 = statuses.iter().map(|c| c["restartCount"].as_i64().unwrap_or(0)).sum();
    let last = statuses
        .iter()
        .filter_map(|c| c.pointer("/lastState/terminated/finishedAt").and_then(Value::as_str))
        .max();
    match last {
        Some(at) if n > 0 => json!(format!("{n} ({} ago)", human_age(at, now))),
        _ => json!(n.to_string()),
    }
}

fn readiness_gates(p: &Value, _: Timestamp) -> Value {
    let gates = list_at(p, "/spec/readinessGates");
    if gates.is_empty() {
        return json!("<none>");
    }
    let conditions = list_at(p, "/status/conditions");
    let ready = gates
        .iter()
        .filter(|g| conditions.iter().any(|c| c["type"] == g["conditionType"] && c["status"] == "True"))
        .count();
    json!(format!("{ready}/{}", gates.len()))
}

fn service_ports(o: &Value, _: Timestamp) -> Value {
    let ports: Vec<String> = list_at(o, "/spec/ports")
        .iter()
        .map(|p| {
            let proto = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64() {
                Some(n) => format!("{}:{n}/{proto}", p["port"]),
                None => format!("{}/{proto}", p["port"]),
            }
        })
        .collect();
    or_none(ports.join(","))
}

fn service_external_ip(o: &Value, _: Timestamp) -> Value {
    let external: Vec<&str> = list_at(o, "/spec/externalIPs").iter().filter_map(Value::as_str).collect();
    match str_at(o, "/spec/type") {
        "LoadBalancer" => {
            let mut ips: Vec<&str> = list_at(o, "/status/loadBalancer/ingress")
                .iter()
                .filter_map(|i| i["ip"].as_str().or_else(|| i["hostname"].as_str()))
                .collect();
            ips.extend(external);
            json!(if ips.is_empty() { "<pending>".to_string() } else { ips.join(",") })
        }
        "ExternalName" => json!(str_at(o, "/spec/externalName")),
        _ => or_none(external.join(",")),
    }
}

fn service_selector(o: &Value, _: Timestamp) -> Value {
    let parts: Vec<String> = o
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    or_none(parts.join(","))
}

fn endpoints(o: &Value, _: Timestamp) -> Value {
    let mut all = Vec::new();
    for s in list_at(o, "/subsets") {
        for a in list_at(s, "/addresses") {
            let ip = str_at(a, "/ip");
            let ports = list_at(s, "/ports");
            if ports.is_empty() {
                all.push(ip.to_string());
            }
            all.extend(ports.iter().map(|p| format!("{ip}:{}", p["port"])));
        }
    }
    if all.len() > 3 {
        let more = all.len() - 3;
        all.truncate(3);
        return json!(format!("{} + {more} more...", all.join(",")));
    }
    or_none(all.join(","))
}

fn count_of(o: &Value, keys: &[&str]) -> i64 {
    keys.iter().map(|k| o.get(*k).and_then(Value::as_object).map_or(0, |m| m.len() as i64)).sum()
}

fn node_status(o: &Value, _: Timestamp) -> Value {
    let ready = list_at(o, "/status/conditions").iter().find(|c| c["type"] == "Ready");
    let mut s = match ready.map(|c| c["status"].as_str().unwrap_or_default()) {
        Some("True") => "Ready".to_string(),
        _ => "NotReady".to_string(),
    };
    if o.pointer("/spec/unschedulable") == Some(&json!(true)) {
        s.push_str(",SchedulingDisabled");
    }
    json!(s)
}

fn node_roles(o: &Value, _: Timestamp) -> Value {
    let roles: Vec<&str> = o
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
        .collect();
    or_none(roles.join(","))
}

fn node_address(o: &Value, kind: &str) -> Value {
    let a = list_at(o, "/status/addresses").iter().find(|a| a["type"] == kind);
    or_none(a.map(|a| str_at(a, "/address").to_string()).unwrap_or_default())
}

fn binding_subjects(o: &Value, kind: &str) -> Value {
    let names: Vec<String> = list_at(o, "/subjects")
        .iter()
        .filter(|s| s["kind"] == kind)
        .map(|s| match (kind, s["namespace"].as_str()) {
            ("ServiceAccount", Some(ns)) => format!("{ns}/{}", str_at(s, "/name")),
            _ => str_at(s, "/name").to_string(),
        })
        .collect();
    json!(names.join(", "))
}

/// The columns of a built-in kind; empty for kinds the real server prints with the default
/// convertor (Name, Created At).
pub fn columns(group: &str, kind: &str) -> Vec<Column> {
    let n = || col("Name", "string", 0, name);
    let a = || col("Age", "string", 0, age);
    match (group, kind) {
        ("", "Pod") => vec![
            n(),
            col("Ready", "string", 0, pod_ready),
            col("Status", "string", 0, pod_status),
            col("Restarts", "string", 0, pod_restarts),
            a(),
            col("IP", "string", 1, |o, _| or_none(str_at(o, "/status/podIP").into())),
            col("Node", "string", 1, |o, _| or_none(str_at(o, "/spec/nodeName").into())),
            col("Nominated Node", "string", 1, |o, _| or_none(str_at(o, "/status/nominatedNodeName").into())),
            col("Readiness Gates", "string", 1, readiness_gates),
        ],
        ("apps", "ReplicaSet") => vec![
            n(),
            col("Desired", "integer", 0, |o, _| json!(int_at(o, "/spec/replicas"))),
            col("Current", "integer", 0, |o, _| json!(int_at(o, "/status/replicas"))),
            col("Ready", "integer", 0, |o, _| json!(int_at(o, "/status/readyReplicas"))),
            a(),
            col("Containers", "string", 1, containers),
            col("Images", "string", 1, images),
            col("Selector", "string", 1, selector),
        ],
        ("apps", "Deployment") => vec![
            n(),
            col("Ready", "string", 0, |o, _| {
                json!(format!("{}/{}", int_at(o, "/status/readyReplicas"), int_at(o, "/spec/replicas")))
            }),
            col("Up-to-date", "integer", 0, |o, _| json!(int_at(o, "/status/updatedReplicas"))),
            col("Available", "integer", 0, |o, _| json!(int_at(o, "/status/availableReplicas"))),
            a(),
            col("Containers", "string", 1, containers),
            col("Images", "string", 1, images),
            col("Selector", "string", 1, selector),
        ],
        ("batch", "Job") => vec![
            n(),
            col("Status", "string", 0, super::batch::status_cell),
            col("Completions", "string", 0, super::batch::completions_cell),
            col("Duration", "string", 0, super::batch::duration_cell),
            a(),
            col("Containers", "string", 1, containers),
            col("Images", "string", 1, images),
            col("Selector", "string", 1, selector),
        ],
        ("", "Service") => vec![
            n(),
            col("Type", "string", 0, |o, _| json!(str_at(o, "/spec/type"))),
            col("Cluster-IP", "string", 0, |o, _| or_none(str_at(o, "/spec/clusterIP").into())),
            col("External-IP", "string", 0, service_external_ip),
            col("Port(s)", "string", 0, service_ports),
            a(),
            col("Selector", "string", 1, service_selector),
        ],
        ("", "Endpoints") => vec![n(), col("Endpoints", "string", 0, endpoints), a()],
        ("", "Event") | ("events.k8s.io", "Event") => super::events::table_columns(),
        ("", "ConfigMap") => {
            vec![n(), col("Data", "integer", 0, |o, _| json!(count_of(o, &["data", "binaryData"]))), a()]
        }
        ("", "Secret") => vec![
            n(),
            col("Type", "string", 0, |o, _| json!(str_at(o, "/type"))),
            col("Data", "integer", 0, |o, _| json!(count_of(o, &["data"]))),
            a(),
        ],
        ("", "ServiceAccount") => {
            vec![n(), col("Secrets", "integer", 0, |o, _| json!(list_at(o, "/secrets").len())), a()]
        }
        ("", "Namespace") => {
            vec![n(), col("Status", "string", 0, |o, _| json!(str_at(o, "/status/phase"))), a()]
        }
        ("", "Node") => vec![
            n(),
            col("Status", "string", 0, node_status),
            col("Roles", "string", 0, node_roles),
            a(),
            col("Version", "string", 0, |o, _| json!(str_at(o, "/status/nodeInfo/kubeletVersion"))),
            col("Internal-IP", "string", 1, |o, _| node_address(o, "InternalIP")),
            col("External-IP", "string", 1, |o, _| node_address(o, "ExternalIP")),
            col("OS-Image", "string", 1, |o, _| json!(str_at(o, "/status/nodeInfo/osImage"))),
            col("Kernel-Version", "string", 1, |o, _| json!(str_at(o, "/status/nodeInfo/kernelVersion"))),
            col("Container-Runtime", "string", 1, |o, _| {
                json!(str_at(o, "/status/nodeInfo/containerRuntimeVersion"))
            }),
        ],
        ("policy", "PodDisruptionBudget") => vec![
            n(),
            col("Min Available", "string", 0, |o, _| {
                o.pointer("/spec/minAvailable")
                    .map_or(json!("N/A"), |v| json!(v.to_string().trim_matches('"')))
            }),
            col("Max Unavailable", "string", 0, |o, _| {
                o.pointer("/spec/maxUnavailable")
                    .map_or(json!("N/A"), |v| json!(v.to_string().trim_matches('"')))
            }),
            col("Allowed Disruptions", "integer", 0, |o, _| json!(int_at(o, "/status/disruptionsAllowed"))),
            a(),
        ],
        ("coordination.k8s.io", "Lease") => {
            vec![n(), col("Holder", "string", 0, |o, _| json!(str_at(o, "/spec/holderIdentity"))), a()]
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => vec![
            n(),
            col("Role", "string", 0, |o, _| {
                json!(format!("{}/{}", str_at(o, "/roleRef/kind"), str_at(o, "/roleRef/name")))
            }),
            a(),
            col("Users", "string", 1, |o, _| binding_subjects(o, "User")),
            col("Groups", "string", 1, |o, _| binding_subjects(o, "Group")),
            col("ServiceAccounts", "string", 1, |o, _| binding_subjects(o, "ServiceAccount")),
        ],
        ("scheduling.k8s.io", "PriorityClass") => vec![
            n(),
            col("Value", "integer", 0, |o, _| json!(int_at(o, "/value"))),
            col("Global-Default", "boolean", 0, |o, _| json!(o["globalDefault"] == true)),
            a(),
            col("PreemptionPolicy", "string", 0, |o, _| json!(str_at(o, "/preemptionPolicy"))),
        ],
        _ => Vec::new(),
    }
}
