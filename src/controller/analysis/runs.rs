//! Keeps each Rollout's AnalysisRuns in line with what its plan waits on: a run for every
//! wanted analysis (created once, named after rollout, revision and point, so a restarted
//! controller finds it), `terminate` on runs no longer wanted, `superseded` on the runs of an
//! attempt that was retried, and a bounded history. Templates are resolved when a run is
//! created; a template that is missing or wrong gives a run in `Error` saying why (so the
//! rollout fails closed and the reason is on the run, in an Event and in the Rollout's
//! message).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use kube::{
    Api, Resource, ResourceExt,
    api::{DeleteParams, Patch, PatchParams, PostParams},
};
use serde_json::json;

use crate::{
    api::{
        Rollout, RolloutAnalysis, StrategyRef,
        analysis::{
            AnalysisPhase, AnalysisRun, AnalysisRunSpec, AnalysisRunStatus, AnalysisTemplate,
            AnalysisTemplateSpec, ClusterAnalysisTemplate, Metric, RunArg,
        },
    },
    controller::{act::bounded, context::Context, error::Error},
    plan::{Plan, WantedAnalysis},
};

/// Runs kept per Rollout (the oldest finished ones beyond it are deleted).
pub const HISTORY_LIMIT: usize = 10;
/// Field manager of Ramp's writes to AnalysisRuns (and the Jobs of `job` metrics).
pub use crate::controller::act::MANAGER;

/// The part of a run's name that says where it runs (names are lowercase).
fn point_name(point: &str) -> String {
    match point {
        "background" => "bg".into(),
        "prePromotion" => "pre".into(),
        "postPromotion" => "post".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// The name of a run: `<rollout>-<hash>-<point>` (the Rollout's name cut as for its other
/// children), then `-2`, `-3`… when that is taken by a run set aside.
pub fn run_name(rollout: &str, hash: &str, point: &str, taken: &BTreeSet<String>) -> String {
    let base = crate::plan::revision::child_name(rollout, &format!("{hash}-{}", point_name(point)));
    if !taken.contains(&base) {
        return base;
    }
    (2..).map(|n| format!("{base}-{n}")).find(|n| !taken.contains(n)).unwrap_or(base)
}

/// The Rollout's runs, from the owner index (not a scan of every cached run).
pub fn runs_of(ctx: &Context, rollout: &Rollout) -> Vec<std::sync::Arc<AnalysisRun>> {
    let Some(store) = &ctx.analysis_runs else { return Vec::new() };
    let uid = rollout.uid().unwrap_or_default();
    ctx.run_owners.owned_by(&uid).iter().filter_map(|r| store.get(r)).collect()
}

/// Whether `rollout` (as observed from the cache) is the stored one: its resourceVersion is
/// still the server's. When it is not, the newer version's watch event reconciles it again.
async fn is_current(ctx: &Context, rollout: &Rollout) -> Result<bool, Error> {
    let api: Api<Rollout> = Api::namespaced(ctx.client.clone(), &rollout.namespace().unwrap_or_default());
    let stored = bounded(api.get(&rollout.name_any())).await.map_err(Error::ReadRollout)?;
    Ok(stored.metadata.resource_version == rollout.metadata.resource_version)
}

fn patch_spec(field: &str) -> Patch<serde_json::Value> {
    Patch::Merge(json!({ "spec": { field: true } }))
}

/// Brings the Rollout's runs in line with `plan` (leader only; before the status is written,
/// so a retry's superseded runs are set aside before the retry is recorded).
pub async fn sync(ctx: &Context, rollout: &Rollout, plan: &Plan) -> Result<(), Error> {
    let Some(_) = &ctx.analysis_runs else { return Ok(()) };
    let ns = rollout.namespace().unwrap_or_default();
    let api: Api<AnalysisRun> = Api::namespaced(ctx.client.clone(), &ns);
    let runs = runs_of(ctx, rollout);
    let write_err =
        |what: &'static str, name: &str, source| Error::WriteAnalysis { what, name: name.into(), source };
    let pp = PatchParams { field_manager: Some(MANAGER.into()), ..PatchParams::default() };

    // A retry carried out in this plan: the runs of the attempt before are history.
    let mut set_aside = BTreeSet::new();
    let prior = rollout.status.as_ref().and_then(|s| s.aborted_revision.clone());
    if let Some(h) = prior.filter(|h| plan.status.aborted_revision.as_ref() != Some(h)) {
        for r in runs.iter().filter(|r| r.spec.revision == h && !r.spec.superseded) {
            crate::controller::act::may_write(ctx)?;
            bounded(api.patch(&r.name_any(), &pp, &patch_spec("superseded")))
                .await
                .map_err(|e| write_err("set aside", &r.name_any(), e))?;
            set_aside.insert(r.name_any());
        }
    }
    let live: Vec<_> =
        runs.iter().filter(|r| !r.spec.superseded && !set_aside.contains(&r.name_any())).collect();
    let wanted_key = |w: &WantedAnalysis| (w.revision.clone(), w.point.label());
    let wanted: BTreeSet<(String, String)> = plan.analyses.iter().map(wanted_key).collect();
    let taken: BTreeSet<String> = runs.iter().map(|r| r.name_any()).collect();

    for w in &plan.analyses {
        let (rev, point) = wanted_key(w);
        if live.iter().any(|r| r.spec.revision == rev && r.spec.point == point) {
            continue;
        }
        crate::controller::act::may_write(ctx)?;
        let name = run_name(&rollout.name_any(), &rev, &point, &taken);
        let (spec, problem) = match resolve(ctx, rollout, w).await {
            Ok(spec) => (spec, None),
            Err(why) => (bare_spec(rollout, w), Some(why)),
        };
        let run = AnalysisRun {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(ns.clone()),
                labels: Some(BTreeMap::from([(
                    crate::controller::act::ROLLOUT_LABEL.to_string(),
                    crate::controller::render::rollout_label_value(&rollout.name_any()),
                )])),
                owner_references: Some(vec![owner(rollout)]),
                ..ObjectMeta::default()
            },
            spec,
            status: None,
        };
        match bounded(
            api.create(&PostParams { field_manager: Some(MANAGER.into()), ..PostParams::default() }, &run),
        )
        .await
        {
            Ok(_) => {}
            Err(kube::Error::Api(e)) if e.code == 409 => continue,
            Err(e) => return Err(write_err("create", &name, e)),
        }
        if let Some(why) = problem {
            let status = AnalysisRunStatus {
                phase: AnalysisPhase::Error,
                message: Some(why),
                started_at: Some(Time(ctx.clock.now())),
                metric_results: Vec::new(),
                score: None,
            };
            let body = json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "AnalysisRun", "status": status});
            bounded(api.patch_status(&name, &PatchParams::apply(MANAGER).force(), &Patch::Apply(body)))
                .await
                .map_err(|e| write_err("record the error of", &name, e))?;
        }
    }

    // Runs no longer waited on stop measuring. Ending one is final (an ended run is judged
    // on what it measured), so it is done only on a plan made from the Rollout as it is
    // now: the caches of Rollouts and runs are fed by separate watches, and a run this
    // controller just created can be seen before its own status write that reached the
    // run's step. Planned from that older Rollout, the run looks unwanted; ended there, it
    // would pass without a single measurement.
    let ending: Vec<_> = live
        .iter()
        .filter(|r| {
            let phase = r.status.as_ref().map(|s| s.phase).unwrap_or_default();
            !phase.is_terminal()
                && !r.spec.terminate
                && !wanted.contains(&(r.spec.revision.clone(), r.spec.point.clone()))
        })
        .collect();
    if !ending.is_empty() && is_current(ctx, rollout).await? {
        for r in ending {
            crate::controller::act::may_write(ctx)?;
            bounded(api.patch(&r.name_any(), &pp, &patch_spec("terminate")))
                .await
                .map_err(|e| write_err("end", &r.name_any(), e))?;
        }
    }

    // Bounded history: the oldest finished runs beyond the limit go.
    if runs.len() > HISTORY_LIMIT {
        let mut finished: Vec<_> = runs
            .iter()
            .filter(|r| {
                r.status.as_ref().is_some_and(|s| s.phase.is_terminal())
                    && !wanted.contains(&(r.spec.revision.clone(), r.spec.point.clone()))
            })
            .collect();
        finished.sort_by_key(|r| r.creation_timestamp().map(|t| t.0));
        for r in finished.into_iter().take(runs.len() - HISTORY_LIMIT) {
            crate::controller::act::may_write(ctx)?;
            match bounded(api.delete(&r.name_any(), &DeleteParams::default())).await {
                Ok(_) => {}
                Err(kube::Error::Api(e)) if e.code == 404 => {}
                Err(e) => return Err(write_err("delete", &r.name_any(), e)),
            }
        }
    }
    Ok(())
}

fn owner(rollout: &Rollout) -> OwnerReference {
    OwnerReference {
        api_version: Rollout::api_version(&()).into_owned(),
        kind: Rollout::kind(&()).into_owned(),
        name: rollout.name_any(),
        uid: rollout.uid().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// Services on each side: the canary's (or preview) and the stable's (or active).
fn services(rollout: &Rollout) -> (Option<String>, Option<String>) {
    match rollout.spec.strategy.selected() {
        Some(StrategyRef::Canary(c)) => (c.canary_service.clone(), c.stable_service.clone()),
        Some(StrategyRef::BlueGreen(b)) => (
            b.preview_service.clone().or_else(|| Some(b.active_service.clone())),
            Some(b.active_service.clone()),
        ),
        _ => (None, None),
    }
}

/// The `rollout.*` values every run gets.
fn context_args(rollout: &Rollout, w: &WantedAnalysis) -> Vec<RunArg> {
    let (canary, stable) = services(rollout);
    let stable_hash = rollout.status.as_ref().and_then(|s| s.stable_revision.clone());
    [
        ("rollout.name", Some(rollout.name_any())),
        ("rollout.namespace", rollout.namespace()),
        ("rollout.canaryHash", Some(w.revision.clone())),
        ("rollout.stableHash", stable_hash),
        ("rollout.canaryService", canary),
        ("rollout.stableService", stable),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| RunArg { name: k.into(), value: Some(v), value_from: None }))
    .collect()
}

fn bare_spec(rollout: &Rollout, w: &WantedAnalysis) -> AnalysisRunSpec {
    AnalysisRunSpec {
        rollout: rollout.name_any(),
        revision: w.revision.clone(),
        stable_revision: rollout.status.as_ref().and_then(|s| s.stable_revision.clone()),
        point: w.point.label(),
        metrics: Vec::new(),
        args: context_args(rollout, w),
        dry_run: w.analysis.dry_run,
        terminate: false,
        superseded: false,
        on_error: w.analysis.on_error,
        score: None,
    }
}

async fn template(
    ctx: &Context,
    ns: &str,
    name: &str,
    cluster: bool,
) -> Result<AnalysisTemplateSpec, String> {
    let got = if cluster {
        let api: Api<ClusterAnalysisTemplate> = Api::all(ctx.client.clone());
        bounded(api.get(name)).await.map(|t| t.spec.template)
    } else {
        let api: Api<AnalysisTemplate> = Api::namespaced(ctx.client.clone(), ns);
        bounded(api.get(name)).await.map(|t| t.spec)
    };
    let kind = if cluster { "ClusterAnalysisTemplate" } else { "AnalysisTemplate" };
    got.map_err(|e| match e {
        kube::Error::Api(s) if s.code == 404 => format!("{kind} {name} not found"),
        e => format!("cannot read {kind} {name}: {e}"),
    })
}

/// The run's spec from the templates and the Rollout's arguments, or why it cannot be made.
async fn resolve(ctx: &Context, rollout: &Rollout, w: &WantedAnalysis) -> Result<AnalysisRunSpec, String> {
    let ns = rollout.namespace().unwrap_or_default();
    let a: &RolloutAnalysis = &w.analysis;
    let mut spec = bare_spec(rollout, w);
    let mut declared = BTreeMap::new();
    for t in &a.templates {
        let tpl = template(ctx, &ns, &t.template_name, t.cluster_scope).await?;
        spec.dry_run |= tpl.dry_run;
        match (&spec.score, tpl.score) {
            (Some(a), Some(b)) if *a != b => {
                return Err(format!(
                    "templates give different scores ({} and another); set score in one",
                    t.template_name
                ));
            }
            (None, Some(b)) => spec.score = Some(b),
            _ => {}
        }
        for arg in tpl.args {
            declared.entry(arg.name.clone()).or_insert(arg);
        }
        spec.metrics.extend(tpl.metrics);
    }
    check_metrics(&spec.metrics)?;
    for (name, arg) in declared {
        let given = a.args.iter().find(|x| x.name == name);
        let (value, value_from) = match given {
            Some(g) => (g.value.clone(), g.value_from.clone()),
            None => (arg.value, arg.value_from),
        };
        if value.is_none() && value_from.is_none() {
            return Err(format!("argument {name} has no value: the Rollout's analysis must give it"));
        }
        spec.args.push(RunArg { name: format!("args.{name}"), value, value_from });
    }
    Ok(spec)
}

/// Metric names unique; threshold conditions parse; judge settings in range (the first
/// problem, as a sentence).
pub fn check_metrics(metrics: &[Metric]) -> Result<(), String> {
    match ramp_core::analysis::check::metrics(metrics).first() {
        Some(p) => Err(p.summary()),
        None => Ok(()),
    }
}
