//! `ramp bench requests`: the API requests the controller makes to carry one rollout of each
//! strategy from a new revision to Healthy, against the minimum necessary
//! ([`super::minimum`]). The controller runs as its own process; its writes are read from the
//! hollow cluster's audit log (by the user its token authenticates), its reads from the
//! request counter.

use std::{
    collections::BTreeMap,
    io::Write,
    time::{Duration, SystemTime},
};

use anyhow::Context;
use serde_json::{Value, json};

use super::{
    cluster::{BenchCluster, Counts, USER_PREFIX},
    minimum::{self, Minimum},
    objects::{self, NAMESPACE},
    process::{ControllerProcess, LeaseFlags},
    stats::load,
};
use crate::cli::CliError;

/// Arguments of `ramp bench requests`.
#[derive(Debug, clap::Args)]
pub struct RequestsArgs {
    /// Replicas of each Rollout.
    #[arg(long, default_value_t = 10)]
    pub replicas: u32,
    /// Print every write the controller made.
    #[arg(long)]
    pub verbose: bool,
}

/// One strategy's rollout.
struct Case {
    name: &'static str,
    strategy: Value,
    /// Services to create first (selecting the Rollout's pods).
    services: &'static [&'static str],
    /// An HTTPRoute `<name>` over `<name>-stable` / `<name>-canary` to create first.
    route: bool,
    minimum: fn(u32) -> Minimum,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "rolling",
            strategy: json!({"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}),
            services: &[],
            route: false,
            minimum: minimum::rolling,
        },
        Case {
            name: "blue-green",
            strategy: json!({"blueGreen": {"activeService": "blue-green-active", "previewService": "blue-green-preview",
                                           "scaleDownDelay": "1s"}}),
            services: &["blue-green-active", "blue-green-preview"],
            route: false,
            minimum: minimum::blue_green,
        },
        Case {
            name: "canary",
            strategy: json!({"canary": {"steps": [
                {"setWeight": 20}, {"pause": {"duration": "1s"}}, {"setWeight": 60}, {"pause": {"duration": "1s"}}]}}),
            services: &[],
            route: false,
            minimum: minimum::canary_ratio,
        },
        Case {
            name: "canary-route",
            strategy: json!({"canary": {
                "stableService": "canary-route-stable", "canaryService": "canary-route-canary",
                "trafficRouting": {"gatewayApi": {"httpRoute": "canary-route"}},
                "steps": [{"setWeight": 20}, {"pause": {"duration": "1s"}}, {"setWeight": 60}, {"pause": {"duration": "1s"}}]}}),
            services: &["canary-route-stable", "canary-route-canary"],
            route: true,
            minimum: minimum::canary_route,
        },
    ]
}

/// What a write was to: `replicasets`, `replicasets/scale`, `rollouts/status`, ...
fn target(method: &str, path: &str) -> String {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    // /api/v1/namespaces/NS/PLURAL[/NAME[/SUB]] or /apis/GROUP/VERSION/namespaces/NS/PLURAL[...]
    let at = parts.iter().position(|p| *p == "namespaces").map_or(parts.len(), |i| i + 2);
    let plural = parts.get(at).copied().unwrap_or("?");
    let sub = parts.get(at + 2).map(|s| format!("/{s}")).unwrap_or_default();
    let verb = match (method, parts.get(at + 1).is_some()) {
        ("POST", _) => "create",
        ("DELETE", _) => "delete",
        ("PATCH", _) => "patch",
        ("PUT", _) => "update",
        _ => "other",
    };
    format!("{verb} {plural}{sub}")
}

/// Runs `ramp bench requests`.
pub fn run(args: &RequestsArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.replicas < 2 {
        return Err(CliError::BadInput("--replicas must be at least 2".into()));
    }
    let rt =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    rt.block_on(measure_all(args, out))?;
    Ok(())
}

async fn measure_all(args: &RequestsArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let cluster = BenchCluster::start(true).await?;
    let mut controller = ControllerProcess::spawn(&cluster, "ramp-1", LeaseFlags::default())?;
    controller.wait_serving(cluster.dir(), Duration::from_secs(60)).await?;
    writeln!(
        out,
        "{:<13} {:>6} {:>7} {:>6} {:>7} {:>7} {:>7} {:>8}",
        "strategy", "writes", "minimum", "ratio", "status", "events", "reads", "watches"
    )?;
    let mut details = Vec::new();
    for case in cases() {
        let (writes, reads) = measure(&cluster, &mut controller, &case, args.replicas, args.verbose).await?;
        let by_target = writes.iter().fold(BTreeMap::<String, usize>::new(), |mut m, t| {
            *m.entry(t.clone()).or_default() += 1;
            m
        });
        let events = writes.iter().filter(|t| t.contains("events")).count();
        let status = writes.iter().filter(|t| t.ends_with("rollouts/status")).count();
        let counted = writes.len() - events;
        let min = (case.minimum)(args.replicas);
        #[allow(clippy::cast_precision_loss)]
        let ratio = counted as f64 / min.total() as f64;
        writeln!(
            out,
            "{:<13} {:>6} {:>7} {:>5.2}x {:>7} {:>7} {:>7} {:>8}",
            case.name,
            counted,
            min.total(),
            ratio,
            status,
            events,
            reads.reads,
            reads.watches
        )?;
        out.flush()?;
        details.push((case.name, by_target, min));
    }
    writeln!(
        out,
        "writes: the controller's successful writes from the new revision to Healthy, Events apart; {} replicas; load {}",
        args.replicas,
        load()
    )?;
    for (name, by_target, min) in &details {
        let list: Vec<String> = by_target.iter().map(|(t, n)| format!("{n}× {t}")).collect();
        writeln!(out, "{name}: {}; minimum: {min}", list.join(", "))?;
    }
    writeln!(
        out,
        "published: no per-rollout request figure for Argo Rollouts or Flagger (Argo's client is limited to 40 QPS, burst 80: PR argo-rollouts#1679)"
    )?;
    drop(controller);
    cluster.stop().await;
    Ok(())
}

async fn post(cluster: &BenchCluster, path: &str, body: Value) -> anyhow::Result<()> {
    let req = http::Request::post(path)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).context("encoding")?)
        .context("building a request")?;
    cluster.client.request::<Value>(req).await.with_context(|| format!("POST {path}"))?;
    Ok(())
}

/// Runs one case: the Rollout at its first revision, then timed and counted, the second.
/// Returns the targets of the controller's successful writes and its reads.
async fn measure(
    cluster: &BenchCluster,
    controller: &mut ControllerProcess,
    case: &Case,
    replicas: u32,
    verbose: bool,
) -> anyhow::Result<(Vec<String>, Counts)> {
    for svc in case.services {
        post(
            cluster,
            &format!("/api/v1/namespaces/{NAMESPACE}/services"),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": svc},
                   "spec": {"selector": {"app": case.name}, "ports": [{"port": 80}]}}),
        )
        .await?;
    }
    if case.route {
        post(
            cluster,
            &format!("/apis/gateway.networking.k8s.io/v1/namespaces/{NAMESPACE}/httproutes"),
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": case.name},
                   "spec": {"parentRefs": [{"name": "gateway"}], "rules": [{"backendRefs": [
                       {"name": format!("{}-stable", case.name), "port": 80, "weight": 100},
                       {"name": format!("{}-canary", case.name), "port": 80, "weight": 0}]}]}}),
        )
        .await?;
    }
    let rollout = objects::with_strategy(case.name, replicas, "app:v1", Some("300ms"), case.strategy.clone());
    objects::create(&cluster.client, &rollout).await?;
    let timeout = Duration::from_secs(300);
    let every = Duration::from_millis(10);
    let server = cluster.server.clone();
    let name = case.name;
    let healthy = move || {
        Ok(objects::rollout(&server, name).is_some_and(|r| {
            objects::settled_in(&r, "Healthy")
                && r.pointer("/status/updatedReplicas") == r.pointer("/spec/replicas")
        }))
    };
    objects::wait_until("the first revision Healthy", timeout, every, healthy.clone()).await?;
    quiet(cluster, Duration::from_secs(3), timeout).await?;
    controller.check_alive(cluster.dir())?;

    let trace = verbose.then(|| trace(cluster));
    let reads_before = cluster.requests.of(&controller.identity);
    #[allow(clippy::disallowed_methods)] // compared with the audit log's wall-clock times
    let since = SystemTime::now();
    objects::set_image(&cluster.client, case.name, "app:v2").await?;
    objects::wait_until("the second revision Healthy", timeout, every, healthy).await?;
    // Writes due after Healthy (a scale-down delay's end) belong to this rollout too.
    quiet(cluster, Duration::from_secs(3), timeout).await?;
    let reads = cluster.requests.of(&controller.identity).since(&reads_before);
    for l in trace.map(Trace::finish).unwrap_or_default() {
        eprintln!("  {}: {l}", case.name);
    }
    let user = format!("{USER_PREFIX}{}", controller.identity);
    let writes = cluster
        .server
        .audit
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .filter(|e| e.at >= since && e.user == user && e.code < 300 && !e.path.contains("/leases"))
        .map(|e| target(&e.method, &e.path))
        .collect();
    Ok((writes, reads))
}

/// Follows the store's changes to what the controller writes (until aborted): a line per
/// change, saying what changed.
fn trace(cluster: &BenchCluster) -> Trace {
    let rx = cluster.server.store.watch_from(cluster.server.store.current_rv()).map(|(_, rx)| rx);
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let out = lines.clone();
    let follow = tokio::spawn(async move {
        let Ok(mut rx) = rx else { return };
        while let Ok(c) = rx.recv().await {
            let plural = c.key.resource.plural.as_str();
            let field =
                |v: Option<&Value>, p: &str| v.and_then(|v| v.pointer(p)).cloned().unwrap_or(Value::Null);
            let before = c.previous.as_deref();
            let now = Some(c.object.as_ref());
            let line = match plural {
                "rollouts" => {
                    let (a, b) = (field(before, "/status"), field(now, "/status"));
                    let shown = |v: &Value| {
                        if v.is_object() || v.is_array() { "…".to_string() } else { v.to_string() }
                    };
                    let mut changed: Vec<String> = b
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(k, v)| a.get(k.as_str()) != Some(*v))
                        .map(|(k, v)| format!("{k}={}", shown(v)))
                        .collect();
                    changed.extend(
                        a.as_object()
                            .into_iter()
                            .flatten()
                            .filter(|(k, _)| b.get(k.as_str()).is_none())
                            .map(|(k, _)| format!("{k} removed")),
                    );
                    (!changed.is_empty()).then(|| format!("status {}", changed.join(" ")))
                }
                "replicasets" => {
                    let (a, b) = (field(before, "/spec/replicas"), field(now, "/spec/replicas"));
                    (a != b).then(|| format!("replicaset {} replicas {a} → {b}", c.key.name))
                }
                "services" => {
                    let (a, b) = (field(before, "/spec/selector"), field(now, "/spec/selector"));
                    (a != b).then(|| format!("service {} selector → {b}", c.key.name))
                }
                "httproutes" => {
                    let w = |v: Option<&Value>| {
                        field(v, "/spec/rules/0/backendRefs").as_array().map(|refs| {
                            refs.iter().map(|r| r["weight"].to_string()).collect::<Vec<_>>().join("/")
                        })
                    };
                    let (a, b) = (w(before), w(now));
                    (a != b).then(|| format!("route {} weights → {}", c.key.name, b.unwrap_or_default()))
                }
                _ => None,
            };
            if let Some(l) = line {
                out.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(l);
            }
        }
    });
    Trace { lines, follow }
}

/// Changes followed by [`trace`].
struct Trace {
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    follow: tokio::task::JoinHandle<()>,
}

impl Trace {
    /// Stops following; the lines so far.
    fn finish(self) -> Vec<String> {
        self.follow.abort();
        std::mem::take(&mut *self.lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// Waits until the controller has made no write but the lease's for `calm`.
async fn quiet(cluster: &BenchCluster, calm: Duration, within: Duration) -> anyhow::Result<()> {
    let last_write = || {
        cluster
            .server
            .audit
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .rev()
            .find(|e| e.user.starts_with(USER_PREFIX) && !e.path.contains("/leases"))
            .map(|e| e.at)
    };
    objects::wait_until("the controller quiet", within, Duration::from_millis(100), || {
        #[allow(clippy::disallowed_methods)] // compared with the audit log's wall-clock times
        let now = SystemTime::now();
        Ok(last_write().is_none_or(|t| now.duration_since(t).unwrap_or_default() >= calm))
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_named_by_verb_resource_and_subresource() {
        assert_eq!(target("POST", "/apis/apps/v1/namespaces/default/replicasets"), "create replicasets");
        assert_eq!(
            target("PATCH", "/apis/apps/v1/namespaces/default/replicasets/web-1/scale"),
            "patch replicasets/scale"
        );
        assert_eq!(
            target("PATCH", "/apis/ramp.dev/v1alpha1/namespaces/default/rollouts/web/status"),
            "patch rollouts/status"
        );
        assert_eq!(target("POST", "/api/v1/namespaces/default/events"), "create events");
        assert_eq!(target("PUT", "/api/v1/namespaces/default/services/web"), "update services");
    }
}
