//! `kubectl ramp lint FILE...` (offline): the checks a cluster and the controller would make,
//! without either. Every Rollout, AnalysisTemplate and ClusterAnalysisTemplate in the
//! (multi-document YAML) files goes through
//!
//! 1. what the API server does with the generated CRDs (`ramp crd`): defaults, unknown fields
//!    (refused under strict field validation), `metadata` names and labels, the OpenAPI
//!    value checks and the CEL `x-kubernetes-validations` rules — the hollow cluster's own
//!    machinery, not a second validator;
//! 2. then what the controller checks: a Rollout's spec (its `InvalidSpec` condition), a
//!    template's conditions and judge settings.
//!
//! Each problem prints as `FILE: KIND/NAME: field.path: message`. Other kinds are skipped.
//! Exit 0 when clean, 2 with problems. `-` reads stdin.

use std::{
    io::{Read, Write},
    path::PathBuf,
};

use anyhow::Context;
use hollow::apiserver::{schema, validation};
use serde::Serialize;
use serde_json::Value;

use crate::{
    api::{Rollout, analysis::AnalysisTemplateSpec, crd::all_crds},
    cli::{CliError, Output, exit},
};

/// Arguments of `lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Manifest files (`-`: stdin).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

/// One problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file (`<stdin>` for `-`).
    pub file: String,
    /// The object's kind (empty for a file that is not YAML).
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The field (`spec.strategy.canary.steps[1].setWeight`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}/{}: {}: {}", self.file, self.kind, self.name, self.path, self.message)
        }
    }
}

/// The kinds Ramp defines, with their installed CRD's served schema.
fn schemas() -> Result<Vec<(String, Value)>, CliError> {
    let mut out = Vec::new();
    for crd in all_crds().context("generating the CRDs")? {
        let kind = crd.spec.names.kind.clone();
        let schema = crd
            .spec
            .versions
            .iter()
            .find(|v| v.served)
            .and_then(|v| v.schema.as_ref())
            .and_then(|s| s.open_api_v3_schema.as_ref())
            .map(serde_json::to_value)
            .transpose()
            .context("encoding a CRD schema")?;
        if let Some(schema) = schema {
            out.push((kind, schema));
        }
    }
    Ok(out)
}

/// Whether a schema problem at `reported` already says what is wrong at `path`: the same
/// field, or one inside it (not inside the whole `spec`, whose rules are about other things).
fn covers(reported: &str, path: &str) -> bool {
    reported == path
        || (!matches!(reported, "spec" | "metadata" | "<nil>" | "")
            && path.strip_prefix(reported).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('[')))
}

/// Every problem in one file's text.
pub fn lint_text(file: &str, text: &str, schemas: &[(String, Value)]) -> Vec<Problem> {
    let docs: Vec<Value> = match serde_saphyr::from_multiple(text) {
        Ok(d) => d,
        Err(e) => {
            return vec![Problem {
                file: file.into(),
                kind: String::new(),
                name: String::new(),
                path: String::new(),
                message: format!("not valid YAML: {e}"),
            }];
        }
    };
    let mut out = Vec::new();
    for doc in docs.into_iter().filter(|d| !d.is_null()) {
        let api_version = doc.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
        if api_version.split('/').next() != Some("ramp.dev") {
            continue;
        }
        let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
        let name = doc.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("<unnamed>").to_string();
        let mut problem = |path: String, message: String| {
            out.push(Problem { file: file.into(), kind: kind.clone(), name: name.clone(), path, message })
        };
        let Some((_, schema)) = schemas.iter().find(|(k, _)| *k == kind) else {
            let known: Vec<&str> = schemas.iter().map(|(k, _)| k.as_str()).collect();
            problem("kind".into(), format!("ramp.dev has no kind {kind:?} (it has {})", known.join(", ")));
            continue;
        };
        if api_version != "ramp.dev/v1alpha1" {
            problem("apiVersion".into(), format!("ramp.dev serves v1alpha1, not {api_version:?}"));
            continue;
        }
        // As the API server takes a custom resource: defaults, pruning, then validation.
        let mut obj = doc.clone();
        schema::apply_defaults(schema, &mut obj);
        for field in schema::prune(schema, &mut obj) {
            problem(field, "unknown field (a strict API server refuses it; others drop it)".into());
        }
        let mut causes = validation::custom_metadata(&obj);
        causes.extend(schema::validate(schema, &obj, None));
        for c in &causes {
            problem(c.field.clone(), c.message.clone());
        }
        // The controller would never see an object the API server refused, but its checks
        // are reported too (all problems at once), except on a field already reported.
        let reported: Vec<String> = causes.iter().map(|c| c.field.clone()).collect();
        let mut problem = |path: String, message: String| {
            if !reported.iter().any(|r| covers(r, &path)) {
                problem(path, message);
            }
        };
        match kind.as_str() {
            "Rollout" => match serde_json::from_value::<Rollout>(obj) {
                Ok(r) => {
                    if let Err(invalid) = crate::api::validate(&r.spec) {
                        for e in invalid.0 {
                            problem(e.path, e.message);
                        }
                    }
                }
                // A type error the schema reported already.
                Err(_) if !reported.is_empty() => {}
                Err(e) => problem("spec".into(), format!("cannot be read as a Rollout: {e}")),
            },
            _ => match obj.get("spec").cloned().map(serde_json::from_value::<AnalysisTemplateSpec>) {
                Some(Ok(spec)) => {
                    for p in ramp_core::analysis::check::metrics(&spec.metrics) {
                        // Unique names within a template are the schema's rule, reported above.
                        if p.problem != ramp_core::analysis::check::Problem::Duplicate {
                            problem(format!("spec.metrics[{}].{}", p.index, p.field()), p.message());
                        }
                    }
                }
                Some(Err(_)) if !reported.is_empty() => {}
                Some(Err(e)) => problem("spec".into(), format!("cannot be read as a template: {e}")),
                None => problem("spec".into(), "Required value".into()),
            },
        }
    }
    out
}

/// Runs `lint`.
pub fn run(args: &LintArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let schemas = schemas()?;
    let mut problems = Vec::new();
    for path in &args.files {
        let (name, text) = if path.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CliError::BadInput(format!("cannot read stdin: {e}")))?;
            ("<stdin>".to_string(), text)
        } else {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", path.display())))?;
            (path.display().to_string(), text)
        };
        problems.extend(lint_text(&name, &text, &schemas));
    }
    if args.output != Output::Text {
        super::output::structured(out, args.output, &problems)?;
    } else {
        for p in &problems {
            writeln!(out, "{p}").context("writing output")?;
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(CliError::Exit(exit::BAD_INPUT)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(text: &str) -> Vec<String> {
        lint_text("f.yaml", text, &schemas().unwrap()).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn other_kinds_are_skipped_and_a_sound_rollout_passes() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rolling.yaml")).unwrap();
        assert_eq!(lint(&text), Vec::<String>::new());
    }

    #[test]
    fn schema_and_controller_problems_carry_their_paths() {
        let p = lint(
            r#"
apiVersion: ramp.dev/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy: {canary: {steps: [{setWeight: 20}, {pause: {duration: soon}}]}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: web, image: "web:v1"}]}
"#,
        );
        assert!(
            p.contains(
                &"f.yaml: Rollout/web: spec.template.metadata.labels: must match spec.selector".to_string()
            ),
            "{p:#?}"
        );
        assert!(p.iter().any(|x| x.starts_with("f.yaml: Rollout/web: spec.strategy.canary.steps[1].pause.duration: ")), "{p:#?}");
    }
}
