//! `kubectl ramp set image ROLLOUT CONTAINER=IMAGE...`: a new revision by its image. Patches
//! the Rollout's `spec.template`, or — for a Rollout with `spec.workloadRef` — the Deployment
//! it runs (the Rollout follows that template). `*=IMAGE` sets every container.

use std::io::Write;

use anyhow::Context;
use k8s_openapi::api::{apps::v1::Deployment, core::v1::PodTemplateSpec};
use kube::{
    Api,
    api::{Patch, PatchParams},
};
use serde_json::{Value, json};

use super::target::Target;
use crate::{
    api::Rollout,
    cli::{CliError, Output},
};

/// `set` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SetCommand {
    /// Set container images of a Rollout's pod template (a new revision).
    Image(SetImageArgs),
}

/// Arguments of `set image`.
#[derive(Debug, clap::Args)]
pub struct SetImageArgs {
    /// The Rollout.
    pub rollout: String,
    /// `CONTAINER=IMAGE` pairs (`*=IMAGE`: every container); init containers too.
    #[arg(required = true, value_name = "CONTAINER=IMAGE", value_parser = parse_pair)]
    pub images: Vec<(String, String)>,
    #[command(flatten)]
    pub target: Target,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((c, i)) if !c.is_empty() && !i.is_empty() => Ok((c.to_string(), i.to_string())),
        _ => Err(format!("expected CONTAINER=IMAGE, got {s:?}")),
    }
}

/// The JSON patch setting the images of `template` (at `base`, a JSON pointer), each guarded
/// by a test of the container's name, so a template reordered meanwhile fails instead of
/// getting the wrong image. Unknown container names are an error listing the known ones.
pub fn image_patch(
    template: &PodTemplateSpec,
    base: &str,
    images: &[(String, String)],
) -> Result<(Vec<Value>, Vec<String>), String> {
    let spec = template.spec.clone().unwrap_or_default();
    let lists =
        [("containers", spec.containers), ("initContainers", spec.init_containers.unwrap_or_default())];
    let names: Vec<String> = lists.iter().flat_map(|(_, l)| l.iter().map(|c| c.name.clone())).collect();
    let unknown: Vec<&str> = images
        .iter()
        .map(|(c, _)| c.as_str())
        .filter(|c| *c != "*" && !names.iter().any(|n| n == c))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "no container named {} (the template has: {})",
            unknown.join(", "),
            names.join(", ")
        ));
    }
    let mut ops = Vec::new();
    let mut changed = Vec::new();
    for (list, containers) in &lists {
        for (i, c) in containers.iter().enumerate() {
            // The last pair naming a container wins, as in kubectl.
            let Some((_, image)) = images.iter().rev().find(|(n, _)| n == &c.name || n == "*") else {
                continue;
            };
            if c.image.as_deref() == Some(image.as_str()) {
                continue;
            }
            let at = format!("{base}/spec/{list}/{i}");
            ops.push(json!({"op": "test", "path": format!("{at}/name"), "value": c.name}));
            ops.push(json!({"op": "add", "path": format!("{at}/image"), "value": image}));
            changed.push(format!("{}={image}", c.name));
        }
    }
    Ok((ops, changed))
}

/// Runs `set image`.
pub fn run(args: &SetImageArgs, out: &mut dyn Write) -> Result<(), CliError> {
    super::target::runtime()?.block_on(set(args, out))
}

async fn set(args: &SetImageArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let client = args.target.client().await?;
    let ns = args.target.namespace(&client);
    let rollouts: Api<Rollout> = Api::namespaced(client.clone(), &ns);
    let rollout =
        rollouts.get_opt(&args.rollout).await.context("reading the Rollout")?.ok_or_else(|| {
            CliError::BadInput(format!("rollout {} not found in namespace {ns}", args.rollout))
        })?;
    let pp = PatchParams { field_manager: Some(super::target::IDENTITY.into()), ..Default::default() };
    let (kind, name, changed) = match (&rollout.spec.template, &rollout.spec.workload_ref) {
        (Some(template), _) => {
            let (ops, changed) = image_patch(template, "/spec/template", &args.images)
                .map_err(|e| CliError::BadInput(format!("rollout {}: {e}", args.rollout)))?;
            if !ops.is_empty() {
                let patch: json_patch::Patch =
                    serde_json::from_value(Value::Array(ops)).context("building the patch")?;
                rollouts
                    .patch(&args.rollout, &pp, &Patch::Json::<()>(patch))
                    .await
                    .context("patching the Rollout")?;
            }
            ("rollout", args.rollout.clone(), changed)
        }
        (None, Some(w)) => {
            let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
            let d =
                deployments.get_opt(&w.name).await.context("reading the Deployment")?.ok_or_else(|| {
                    CliError::BadInput(format!(
                        "rollout {} runs deployment {} (workloadRef), which does not exist in namespace {ns}",
                        args.rollout, w.name
                    ))
                })?;
            let template = d.spec.map(|s| s.template).unwrap_or_default();
            let (ops, changed) = image_patch(&template, "/spec/template", &args.images).map_err(|e| {
                CliError::BadInput(format!(
                    "deployment {} (workloadRef of rollout {}): {e}",
                    w.name, args.rollout
                ))
            })?;
            if !ops.is_empty() {
                let patch: json_patch::Patch =
                    serde_json::from_value(Value::Array(ops)).context("building the patch")?;
                deployments
                    .patch(&w.name, &pp, &Patch::Json::<()>(patch))
                    .await
                    .context("patching the Deployment")?;
            }
            ("deployment", w.name.clone(), changed)
        }
        (None, None) => {
            return Err(CliError::BadInput(format!(
                "rollout {} has neither a template nor a workloadRef",
                args.rollout
            )));
        }
    };
    let via = (kind == "deployment").then(|| format!("workloadRef of rollout {}", args.rollout));
    if args.output != Output::Text {
        let v = json!({"rollout": args.rollout, "patched": {"kind": kind, "name": name}, "changed": changed});
        return super::output::structured(out, args.output, &v);
    }
    let target = match &via {
        Some(v) => format!("{kind} {name} ({v})"),
        None => format!("{kind} {name}"),
    };
    if changed.is_empty() {
        writeln!(out, "{target}: images unchanged").context("writing output")?;
    } else {
        writeln!(out, "{target}: image updated: {}", changed.join(", ")).context("writing output")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> PodTemplateSpec {
        serde_json::from_value(json!({"spec": {
            "initContainers": [{"name": "migrate", "image": "m:1"}],
            "containers": [{"name": "web", "image": "web:v1"}, {"name": "proxy", "image": "envoy:1"}]}}))
        .unwrap()
    }

    #[test]
    fn images_are_set_by_container_name_each_guarded_by_a_test() {
        let (ops, changed) =
            image_patch(&template(), "/spec/template", &[("proxy".into(), "envoy:2".into())]).unwrap();
        assert_eq!(changed, vec!["proxy=envoy:2"]);
        assert_eq!(
            ops,
            vec![
                json!({"op": "test", "path": "/spec/template/spec/containers/1/name", "value": "proxy"}),
                json!({"op": "add", "path": "/spec/template/spec/containers/1/image", "value": "envoy:2"}),
            ]
        );
    }

    #[test]
    fn star_sets_every_container_and_unchanged_ones_are_skipped() {
        let (ops, changed) = image_patch(&template(), "", &[("*".into(), "web:v1".into())]).unwrap();
        assert_eq!(changed, vec!["proxy=web:v1", "migrate=web:v1"]);
        assert_eq!(ops.len(), 4);
    }

    #[test]
    fn an_unknown_container_is_refused_with_the_names() {
        let e = image_patch(&template(), "", &[("db".into(), "x".into())]).unwrap_err();
        assert_eq!(e, "no container named db (the template has: web, proxy, migrate)");
        assert!(parse_pair("web").is_err());
        assert_eq!(parse_pair("web=a=b").unwrap(), ("web".into(), "a=b".into()));
    }
}
