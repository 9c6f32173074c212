//! The health checks GitOps tools run on Rollouts, run here as those tools run them, over
//! statuses the planner writes: Argo CD's Lua check (docs/gitops/argocd-health.lua, in Lua 5.1
//! as Argo CD's gopher-lua) and Flux's CEL `healthCheckExprs`
//! (docs/gitops/flux-kustomization.yaml). Each shape — progressing, healthy, paused at a gate,
//! aborted, an invalid spec, a spec the controller has not seen — maps to the state those tools
//! must report.

use crate::common;

use common::*;
use ramp::{
    api::{RolloutSpec, RolloutStatus},
    plan::{Observed, plan, request},
};
use serde_json::{Value, json};

const LUA: &str = include_str!("../../docs/gitops/argocd-health.lua");
const FLUX: &str = include_str!("../../docs/gitops/flux-kustomization.yaml");

/// The Rollout object a tool reads: metadata, spec and the status the planner wrote.
fn object(obs: &Observed, status: &RolloutStatus, generation: i64) -> Value {
    json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout",
        "metadata": {"name": "web", "namespace": "default", "generation": generation},
        "spec": serde_json::to_value(&obs.rollout.spec).unwrap(),
        "status": serde_json::to_value(status).unwrap(),
    })
}

fn planned(obs: &Observed) -> Value {
    let p = plan(obs);
    object(obs, &p.status, obs.rollout.generation)
}

fn canary_spec() -> RolloutSpec {
    let mut s = spec(10, "25%", "0", "v2");
    s.strategy =
        serde_json::from_value(json!({"canary": {"steps": [{"setWeight": 20}, {"approval": {}}]}})).unwrap();
    s
}

/// Each shape and what Argo CD and Flux must say of it.
fn shapes() -> Vec<(&'static str, Value, &'static str, &'static str)> {
    let progressing = observe(rollout(spec(10, "25%", "0", "v2")), vec![rs("v1", 1, 10)], Vec::new());
    let healthy = observe(rollout(spec(10, "25%", "0", "v2")), vec![rs("v2", 2, 10)], Vec::new());
    let invalid = observe(rollout(spec(10, "0", "0", "v2")), vec![rs("v1", 1, 10)], Vec::new());
    let mut paused = observe(rollout(spec(10, "25%", "0", "v2")), vec![rs("v1", 1, 10)], Vec::new());
    paused.rollout.spec.paused = true;
    let mut gate = observe(rollout(canary_spec()), vec![rs("v1", 1, 8), rs("v2", 2, 2)], Vec::new());
    gate.rollout.status.stable_revision = Some(rs("v1", 1, 0).pod_template_hash);
    gate.rollout.status.updated_revision = Some(rs("v2", 2, 0).pod_template_hash);
    gate.rollout.status.current_step = Some(1);
    let mut aborted = gate.clone();
    aborted.rollout.request = Some(request::parse(r#"{"id": "r", "op": "reject", "by": "dan"}"#));
    // A status written for generation 2, read after the spec changed (generation 3).
    let healthy_status = plan(&healthy).status;
    vec![
        ("progressing", planned(&progressing), "Progressing", "inProgress"),
        ("healthy", planned(&healthy), "Healthy", "current"),
        ("invalid spec", planned(&invalid), "Degraded", "failed"),
        ("paused by spec", planned(&paused), "Suspended", "inProgress"),
        ("waiting at an approval gate", planned(&gate), "Suspended", "inProgress"),
        ("aborted", planned(&aborted), "Degraded", "failed"),
        ("spec not yet observed", object(&healthy, &healthy_status, 3), "Progressing", "inProgress"),
    ]
}

#[test]
fn argo_cds_lua_health_check_reads_every_status_shape_ramp_writes() {
    let lua = mlua::Lua::new();
    for (name, obj, want, _) in shapes() {
        let globals = lua.globals();
        globals.set("obj", mlua::LuaSerdeExt::to_value(&lua, &obj).unwrap()).unwrap();
        let hs: mlua::Table = lua.load(LUA).eval().unwrap_or_else(|e| panic!("{name}: {e}"));
        let status: String = hs.get("status").unwrap();
        let message: String = hs.get("message").unwrap_or_default();
        assert_eq!(status, want, "{name}: {message}\n{obj:#}");
        assert!(!message.is_empty(), "{name}: a message says why");
    }
}

/// Flux's three expressions for Rollouts, as the Kustomization in the docs declares them.
fn flux_exprs() -> Vec<(String, String)> {
    let doc: Value = serde_saphyr::from_str(FLUX).unwrap();
    let e = &doc["spec"]["healthCheckExprs"][0];
    assert_eq!((e["apiVersion"].as_str(), e["kind"].as_str()), (Some("ramp.dev/v1alpha1"), Some("Rollout")));
    // Flux evaluates inProgress, then failed, then current.
    ["inProgress", "failed", "current"]
        .iter()
        .map(|k| (k.to_string(), e[*k].as_str().unwrap().to_string()))
        .collect()
}

fn flux_state(exprs: &[(String, String)], obj: &Value) -> String {
    let mut ctx = cel::Context::default();
    for key in ["apiVersion", "kind", "metadata", "spec", "status"] {
        ctx.add_variable(key, obj[key].clone()).unwrap();
    }
    for (state, expr) in exprs {
        let program = cel::Program::compile(expr).unwrap_or_else(|e| panic!("{state}: {expr}: {e}"));
        if program.execute(&ctx).unwrap_or_else(|e| panic!("{state} on {obj:#}: {e}"))
            == cel::Value::Bool(true)
        {
            return state.clone();
        }
    }
    "unknown".into()
}

#[test]
fn fluxs_health_check_exprs_read_every_status_shape_ramp_writes() {
    let exprs = flux_exprs();
    for (name, obj, _, want) in shapes() {
        assert_eq!(flux_state(&exprs, &obj), want, "{name}\n{obj:#}");
    }
}

const GATED: &str = r#"
apiVersion: ramp.dev/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  strategy:
    canary:
      steps: [{setWeight: 50}, {approval: {message: "ship it?"}}]
  template:
    metadata:
      labels: {app: web}
      annotations: {sim.ramp.dev/readiness-delay: 100ms}
    spec:
      containers: [{name: web, image: "web:v1"}]
"#;

fn lua_health(obj: &Value) -> String {
    let lua = mlua::Lua::new();
    lua.globals().set("obj", mlua::LuaSerdeExt::to_value(&lua, obj).unwrap()).unwrap();
    let hs: mlua::Table = lua.load(LUA).eval().unwrap();
    hs.get("status").unwrap()
}

async fn live(k: &common::kubectl::Kubectl) -> Value {
    serde_json::from_str(&k.ok(&["get", "rollout", "web", "-o", "json"]).await).unwrap()
}

/// The recipes of docs/gitops.md with the real kubectl, and the checks on the live objects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_wait_recipes_and_the_health_checks_on_live_rollouts() {
    use common::{harness::Instance, kubectl::Kubectl};
    let k = Kubectl::start("gitops").await;
    k.ok(&["apply", "--server-side", "-f", "crds/rollout.yaml"]).await;
    k.ok(&["wait", "--for=condition=established", "crd/rollouts.ramp.dev", "--timeout=10s"]).await;
    let file = k.dir.join("rollout.yaml");
    std::fs::write(&file, GATED).unwrap();
    let mut controller = Instance::start(&k.running.url(), "ramp-a");
    k.ok(&["apply", "--server-side", "-f", file.to_str().unwrap()]).await;
    k.ok(&["wait", "--for=condition=Healthy", "rollout/web", "--timeout=60s"]).await;
    let obj = live(&k).await;
    assert_eq!(lua_health(&obj), "Healthy");
    assert_eq!(flux_state(&flux_exprs(), &obj), "current");

    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:v2"}]}}}});
    k.ok(&["patch", "rollout", "web", "--type=merge", "-p", &patch.to_string()]).await;
    k.ok(&["wait", "--for=condition=Paused", "rollout/web", "--timeout=60s"]).await;
    let obj = live(&k).await;
    assert_eq!(lua_health(&obj), "Suspended", "{obj:#}");
    assert_eq!(flux_state(&flux_exprs(), &obj), "inProgress");

    let reject = json!({"metadata": {"annotations": {"ramp.dev/request":
        json!({"id": "r1", "op": "reject", "by": "dan"}).to_string()}}});
    k.ok(&["patch", "rollout", "web", "--type=merge", "-p", &reject.to_string()]).await;
    k.ok(&["wait", "--for=jsonpath={.status.phase}=Aborted", "rollout/web", "--timeout=60s"]).await;
    let obj = live(&k).await;
    assert_eq!(lua_health(&obj), "Degraded", "{obj:#}");
    assert_eq!(flux_state(&flux_exprs(), &obj), "failed");
    controller.stop().await;
}
