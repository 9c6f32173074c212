//! What each strategy's cell deploys and does: the objects (Services, route, budget, analysis
//! template, Rollout), the traffic clients send, and the script a person would follow (a
//! pause and a resume, a promote at a pause, an approval at a gate) with the state each step
//! waits for.

use std::time::Duration;

use serde_json::{Value, json};

use super::{
    MatrixError, Strategy,
    world::{NAMESPACE, World},
};

/// Replicas of every cell's Rollout.
pub const REPLICAS: i64 = 4;
/// The budget over the Rollout's pods: one pod may be disrupted at a time.
pub const MIN_AVAILABLE: i32 = 3;
/// Synthetic requests per second to the entry Service.
pub const RATE: f64 = 50.0;
/// Who the scenario's requests come from.
pub const REQUESTER: &str = "fault-matrix";

/// Where clients send traffic, and the route that splits it (if any).
pub fn entry(strategy: Strategy) -> (Vec<String>, Option<String>, &'static str) {
    match strategy {
        Strategy::RollingUpdate | Strategy::CanaryReplicas => (vec!["web".into()], None, "web"),
        Strategy::BlueGreen => (vec!["web-active".into()], None, "web-active"),
        Strategy::CanaryGateway => (Vec::new(), Some("web".into()), "web-stable"),
    }
}

fn service(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": NAMESPACE},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
}

/// The analysis template: the canary version's success rate from the metrics provider at
/// `{{args.sli}}`, twice, 5 s apart.
fn template() -> Value {
    json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "AnalysisTemplate",
           "metadata": {"name": "success-rate", "namespace": NAMESPACE},
           "spec": {"args": [{"name": "sli"}], "metrics": [{
               "name": "success-rate", "interval": "5s", "count": 2, "noData": "wait",
               "provider": {"web": {"url": "{{args.sli}}/sim/sli?version={{rollout.canaryHash}}&min=5",
                                    "jsonPath": "$.successRate", "timeout": "20s"}},
               "judge": {"threshold": {"successCondition": "result >= 0.95", "failureCondition": "result < 0.95"}}}]}})
}

/// The Rollout of `strategy` on `image`; `sli` is the metrics provider's URL; `flapping`
/// turns the unstable-pod bound off (the cell then shows the rollout riding the flaps out).
pub fn rollout(strategy: Strategy, image: &str, sli: &str, flapping: bool) -> Value {
    let mut strategy_spec = match strategy {
        Strategy::RollingUpdate => json!({"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}),
        Strategy::BlueGreen => {
            json!({"blueGreen": {"activeService": "web-active", "previewService": "web-preview",
            "approval": {"message": "switch web to the new version"}, "scaleDownDelay": "10s"}})
        }
        Strategy::CanaryReplicas | Strategy::CanaryGateway => json!({"canary": {
            "stableService": "web-stable", "canaryService": "web-canary", "maxSurge": 1, "maxUnavailable": 0,
            "steps": [{"setWeight": 25}, {"pause": {}},
                      {"analysis": {"templates": [{"templateName": "success-rate"}], "args": [{"name": "sli", "value": sli}]}},
                      {"approval": {"message": "web at 25%: looks good?"}},
                      {"setWeight": 50}, {"pause": {"duration": "5s"}}]}}),
    };
    if strategy == Strategy::CanaryGateway {
        strategy_spec["canary"]["trafficRouting"] = json!({"gatewayApi": {"httpRoute": "web"}});
    }
    if flapping {
        let off = json!({"maxReadinessFlaps": 0});
        match strategy {
            Strategy::BlueGreen => strategy_spec["blueGreen"]["unstablePods"] = off,
            Strategy::CanaryReplicas | Strategy::CanaryGateway => {
                strategy_spec["canary"]["unstablePods"] = off
            }
            Strategy::RollingUpdate => {}
        }
    }
    json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web", "namespace": NAMESPACE},
           "spec": {"replicas": REPLICAS, "selector": {"matchLabels": {"app": "web"}}, "strategy": strategy_spec,
                    "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "2s"}},
                                 "spec": {"containers": [{"name": "web", "image": image}]}}}})
}

/// Creates everything but the Rollout's controller: Services, route, budget, template,
/// the Rollout on v1, and the traffic.
pub fn install(world: &World, strategy: Strategy, sli: &str, flapping: bool) -> Result<(), MatrixError> {
    let services = format!("/api/v1/namespaces/{NAMESPACE}/services");
    let names: &[&str] = match strategy {
        Strategy::RollingUpdate => &["web"],
        Strategy::BlueGreen => &["web-active", "web-preview"],
        Strategy::CanaryReplicas => &["web", "web-stable", "web-canary"],
        Strategy::CanaryGateway => &["web-stable", "web-canary"],
    };
    for n in names {
        world.create(&services, &service(n))?;
    }
    if strategy == Strategy::CanaryGateway {
        let route = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "web", "namespace": NAMESPACE},
            "spec": {"parentRefs": [{"name": "gateway"}], "rules": [{"backendRefs": [
                {"name": "web-stable", "port": 80, "weight": 100}, {"name": "web-canary", "port": 80, "weight": 0}]}]}});
        world.create(
            &format!("/apis/gateway.networking.k8s.io/v1/namespaces/{NAMESPACE}/httproutes"),
            &route,
        )?;
    }
    let pdb = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web", "namespace": NAMESPACE},
                     "spec": {"minAvailable": MIN_AVAILABLE, "selector": {"matchLabels": {"app": "web"}}}});
    world.create(&format!("/apis/policy/v1/namespaces/{NAMESPACE}/poddisruptionbudgets"), &pdb)?;
    if strategy.has_analysis() {
        world.create(
            &format!("/apis/ramp.dev/v1alpha1/namespaces/{NAMESPACE}/analysistemplates"),
            &template(),
        )?;
    }
    world.create(
        &format!("/apis/ramp.dev/v1alpha1/namespaces/{NAMESPACE}/rollouts"),
        &rollout(strategy, "web:v1", sli, flapping),
    )?;
    let (_, _, target) = entry(strategy);
    world
        .server
        .traffic
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .set_targets(vec![hollow::traffic::Target::new(NAMESPACE, target, RATE)]);
    world.server.faults.touch();
    Ok(())
}

const ROLLOUT_PATH: &str = "/apis/ramp.dev/v1alpha1/namespaces/default/rollouts/web";

/// The Rollout as stored.
pub fn rollout_now(world: &World) -> Value {
    world.object("ramp.dev", "rollouts", "web").map(|r| (*r).clone()).unwrap_or(Value::Null)
}

/// A status field of the Rollout.
pub fn status(r: &Value, field: &str) -> Value {
    r.pointer(&format!("/status/{field}")).cloned().unwrap_or(Value::Null)
}

/// Changes the Rollout's image: a new revision.
pub fn set_image(world: &World, image: &str) -> Result<(), MatrixError> {
    world.patch(
        ROLLOUT_PATH,
        &json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}}),
    )
}

/// Sets `spec.paused`.
pub fn set_paused(world: &World, paused: bool) -> Result<(), MatrixError> {
    world.patch(ROLLOUT_PATH, &json!({"spec": {"paused": paused}}))
}

/// Writes an operation request on the Rollout, as `kubectl ramp` does.
pub fn request(world: &World, id: &str, op: &str, revision: Option<&str>) -> Result<(), MatrixError> {
    let mut req = json!({"id": id, "op": op, "by": REQUESTER, "at": world.server.clock.rfc3339(),
                         "message": format!("{op} from the fault matrix")});
    if let Some(r) = revision {
        req["revision"] = json!(r);
    }
    world.patch(ROLLOUT_PATH, &json!({"metadata": {"annotations": {"ramp.dev/request": req.to_string()}}}))
}

/// Polls (every 100 ms of tokio time) until `f` holds of the Rollout, for at most `within`.
pub async fn wait_for(
    world: &World,
    what: &str,
    within: Duration,
    f: impl Fn(&World, &Value) -> bool,
) -> Result<Value, MatrixError> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let r = rollout_now(world);
        if f(world, &r) {
            return Ok(r);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(MatrixError::NotReached {
                what: what.to_string(),
                after: within,
                status: r.get("status").cloned().unwrap_or(Value::Null).to_string(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The phase of the Rollout.
pub fn phase(r: &Value) -> String {
    status(r, "phase").as_str().unwrap_or_default().to_string()
}

/// (name, pod-template-hash, spec replicas, ready replicas) of every ReplicaSet.
pub fn replica_sets(world: &World) -> Vec<(String, String, i64, i64)> {
    world
        .objects("apps", "replicasets")
        .iter()
        .map(|rs| {
            (
                rs.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string(),
                rs.pointer("/metadata/labels/pod-template-hash")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                rs.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(0),
                rs.pointer("/status/readyReplicas").and_then(Value::as_i64).unwrap_or(0),
            )
        })
        .collect()
}

/// The selector hash of a Service (`pod-template-hash`), if it has one.
pub fn selected_hash(world: &World, service: &str) -> Option<String> {
    world.object("", "services", service).and_then(|s| {
        s.pointer("/spec/selector/pod-template-hash").and_then(Value::as_str).map(str::to_string)
    })
}

/// (stable, canary) weights of route `web`'s rule.
pub fn weights(world: &World) -> Option<(i64, i64)> {
    let route = world.object("gateway.networking.k8s.io", "httproutes", "web")?;
    let refs = route.pointer("/spec/rules/0/backendRefs")?.as_array()?;
    let w = |i: usize| refs.get(i).and_then(|b| b["weight"].as_i64()).unwrap_or(1);
    Some((w(0), w(1)))
}
