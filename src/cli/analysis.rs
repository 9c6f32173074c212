//! `ramp analysis render TEMPLATE`: the queries a template's metrics run, built-in SLIs written
//! out as PromQL, placeholders filled where `--set` gives them — what will be asked, readable
//! and pasteable. `ramp analysis replay RUN`: a recorded AnalysisRun judged again offline,
//! with its own metrics or a template's (`--template`), measurement by measurement.

use std::{collections::BTreeMap, io::Write, path::PathBuf};

use anyhow::Context;
use kube::Api;

use super::{CliError, Output, ops::Target};
use crate::{
    analysis::{builtin, replay, substitute::fill_known},
    api::analysis::{AnalysisRun, AnalysisTemplate, AnalysisTemplateSpec, ClusterAnalysisTemplate, Metric},
};

/// `ramp analysis ...`.
#[derive(Debug, clap::Args)]
pub struct AnalysisArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: AnalysisCommand,
}

/// Analysis subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AnalysisCommand {
    /// Print the queries a template's metrics run (built-in SLIs as PromQL).
    Render(RenderArgs),
    /// Judge a recorded AnalysisRun's measurements again, offline.
    Replay(ReplayArgs),
}

/// `render`'s arguments.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// A template: a YAML file, or the name of an AnalysisTemplate in the cluster.
    pub template: String,
    /// Read a ClusterAnalysisTemplate of that name.
    #[arg(long)]
    pub cluster_scope: bool,
    /// Placeholder values, `NAME=VALUE` (`args.service=web`, `rollout.canaryService=web-canary`,
    /// `interval=1m`); others stay as `{{...}}`.
    #[arg(long = "set", value_parser = parse_pair)]
    pub set: Vec<(String, String)>,
    #[command(flatten)]
    pub target: Target,
}

/// `replay`'s arguments.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// An AnalysisRun: a YAML/JSON file (`kubectl get rar NAME -o yaml`), or its name in the
    /// cluster.
    pub run: String,
    /// Judge with this template's metrics instead of the run's (matched by name).
    #[arg(long)]
    pub template: Option<PathBuf>,
    #[command(flatten)]
    pub target: Target,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: Output,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .ok_or(format!("{s:?} is not NAME=VALUE"))
}

/// Runs `ramp analysis ...`.
pub fn run(args: &AnalysisArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let rt =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    rt.block_on(async {
        match &args.command {
            AnalysisCommand::Render(a) => render(a, out).await,
            AnalysisCommand::Replay(a) => replay_run(a, out).await,
        }
    })
}

fn read_file<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, CliError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?;
    serde_saphyr::from_str(&text).map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))
}

async fn client(target: &Target) -> Result<kube::Client, CliError> {
    super::controller::client(target.kubeconfig.as_ref(), target.context.clone(), "ramp").await
}

fn namespace(target: &Target, client: &kube::Client) -> String {
    target.namespace.clone().unwrap_or_else(|| client.default_namespace().to_string())
}

async fn template_spec(name: &str, cluster: bool, target: &Target) -> Result<AnalysisTemplateSpec, CliError> {
    let path = std::path::Path::new(name);
    if path.exists() {
        let doc: serde_json::Value = read_file(path)?;
        let spec = doc.get("spec").cloned().unwrap_or_default();
        return serde_json::from_value(spec)
            .map_err(|e| CliError::BadInput(format!("{name}: not an AnalysisTemplate spec: {e}")));
    }
    let c = client(target).await?;
    let got = if cluster {
        Api::<ClusterAnalysisTemplate>::all(c).get_opt(name).await.map(|t| t.map(|t| t.spec.template))
    } else {
        let ns = namespace(target, &c);
        Api::<AnalysisTemplate>::namespaced(c, &ns).get_opt(name).await.map(|t| t.map(|t| t.spec))
    };
    got.context("reading the template")?
        .ok_or_else(|| CliError::BadInput(format!("template {name} not found")))
}

/// The queries of one metric, as `(what, text)`.
fn queries(m: &Metric) -> Vec<(&'static str, String)> {
    let p = &m.provider;
    if let Some(q) = builtin::expand(p, &m.judge) {
        let mut v = vec![("query", q.query)];
        v.extend(q.baseline.map(|b| ("baseline", b)));
        if let Some((c, s)) = q.requests {
            v.push(("canary requests", c));
            v.push(("baseline requests", s));
        }
        return v;
    }
    if let Some(pr) = &p.prometheus {
        let mut v = vec![("query", pr.query.clone())];
        v.extend(pr.baseline_query.clone().map(|b| ("baseline", b)));
        return v;
    }
    if let Some(w) = &p.web {
        return vec![("url", w.url.clone())];
    }
    if let Some(j) = &p.job {
        return vec![("job spec", j.spec.to_string())];
    }
    Vec::new()
}

fn judge_text(m: &Metric) -> String {
    let j = &m.judge;
    if let Some(t) = &j.threshold {
        let mut parts = Vec::new();
        parts.extend(t.success_condition.as_ref().map(|c| format!("success when `{c}`")));
        parts.extend(t.failure_condition.as_ref().map(|c| format!("failure when `{c}`")));
        return format!("threshold: {}", parts.join(", "));
    }
    if j.compare.is_some() {
        return "compare (Mann-Whitney, Kayenta's rules)".into();
    }
    if let Some(s) = &j.sequential {
        return match crate::analysis::sequential::Settings::of(s) {
            Ok(s) => {
                format!("sequential {:?}: maxRatio {}, alpha {}", s.kind, s.max_ratio, s.alpha).to_lowercase()
            }
            Err(e) => format!("sequential (invalid: {e})"),
        };
    }
    "the Job's success".into()
}

async fn render(a: &RenderArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let spec = template_spec(&a.template, a.cluster_scope, &a.target).await?;
    let values: BTreeMap<String, String> = a.set.iter().cloned().collect();
    crate::controller::analysis::runs::check_metrics(&spec.metrics).map_err(CliError::BadInput)?;
    for m in &spec.metrics {
        let address = m.provider.success_rate.as_ref().map(|s| s.address.clone()).or_else(|| {
            m.provider.latency.as_ref().map(|s| s.address.clone()).or(m
                .provider
                .prometheus
                .as_ref()
                .map(|p| p.address.clone()))
        });
        writeln!(out, "# metric {} — judge: {}", m.name, judge_text(m)).context("writing")?;
        let fill = |text: &str| {
            fill_known(text, &values).map_err(|e| CliError::BadInput(format!("metric {}: {e}", m.name)))
        };
        if let Some(addr) = address {
            writeln!(out, "# server: {}", fill(&addr)?.0).context("writing")?;
        }
        for (what, q) in queries(m) {
            let (filled, open) = fill(&q)?;
            if open.is_empty() {
                writeln!(out, "# {what}").context("writing")?;
            } else {
                writeln!(out, "# {what} (filled at each measurement: {})", open.join(", "))
                    .context("writing")?;
            }
            writeln!(out, "{filled}").context("writing")?;
        }
        writeln!(out).context("writing")?;
    }
    Ok(())
}

async fn replay_run(a: &ReplayArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let path = std::path::Path::new(&a.run);
    let run: AnalysisRun = if path.exists() {
        read_file(path)?
    } else {
        let c = client(&a.target).await?;
        let ns = namespace(&a.target, &c);
        Api::<AnalysisRun>::namespaced(c, &ns)
            .get_opt(&a.run)
            .await
            .context("reading the AnalysisRun")?
            .ok_or_else(|| CliError::BadInput(format!("AnalysisRun {} not found in {ns}", a.run)))?
    };
    let recorded = run.status.clone().unwrap_or_default();
    let mut spec = run.spec.clone();
    if let Some(t) = &a.template {
        let t = template_spec(&t.to_string_lossy(), false, &a.target).await?;
        crate::controller::analysis::runs::check_metrics(&t.metrics).map_err(CliError::BadInput)?;
        spec.metrics = t.metrics;
        spec.score = t.score.or(spec.score);
    }
    let again = replay::replay(&spec, &recorded, run.spec.terminate);
    if a.output != Output::Text {
        let body = serde_json::json!({
            "recorded": {"phase": recorded.phase, "message": recorded.message, "score": recorded.score},
            "replayed": {"phase": again.phase, "message": again.message, "score": again.score, "metricResults": again.results},
        });
        return super::plugin::output::structured(out, a.output, &body);
    }
    for r in &again.results {
        let old = recorded.metric_results.iter().find(|x| x.name == r.name);
        writeln!(
            out,
            "metric {}: {:?} (recorded: {})",
            r.name,
            r.phase,
            old.map_or("none".into(), |o| format!("{:?}", o.phase))
        )
        .context("writing")?;
        let first =
            old.map_or(0, |o| usize::try_from(o.count).unwrap_or(0).saturating_sub(o.measurements.len()));
        for (i, m) in r.measurements.iter().enumerate() {
            let was = old.and_then(|o| o.measurements.get(i)).map(|x| x.phase);
            let changed = if was.is_some_and(|w| w != m.phase) { " (changed)" } else { "" };
            writeln!(
                out,
                "  #{:<4} {}  {:<12}{changed} value {}{}  {}",
                first + i + 1,
                m.at.0,
                format!("{:?}", m.phase),
                m.value,
                m.baseline.as_ref().map(|b| format!(" vs {b}")).unwrap_or_default(),
                m.message
            )
            .context("writing")?;
        }
    }
    writeln!(out, "verdict: {:?} — {}", again.phase, again.message).context("writing")?;
    writeln!(out, "recorded: {:?} — {}", recorded.phase, recorded.message.unwrap_or_default())
        .context("writing")?;
    Ok(())
}
