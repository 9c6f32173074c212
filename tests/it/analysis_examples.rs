//! The analysis templates in `examples/analysis/` as a user meets them: applied with the real
//! `kubectl` (the API server's schema and CEL rules accept them), their metrics checked as the
//! controller checks them, their queries printed by `ramp analysis render`; a recorded run
//! judged again by `ramp analysis replay`; and a template the schema must refuse, refused.

use crate::common;

use std::process::Command;

use common::kubectl::Kubectl;
use ramp::{
    analysis::{measure::Answer, measure::measure, tally, value::Sample},
    api::analysis::{AnalysisRun, AnalysisRunSpec, AnalysisRunStatus, AnalysisTemplate, MetricResult},
};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/analysis");

fn examples() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

fn ramp(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ramp")).args(args).output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_template_is_accepted_by_the_api_server() {
    let k = Kubectl::start("analysis-examples").await;
    k.ok(&["apply", "--server-side", "-f", "crds/rollout.yaml"]).await;
    k.ok(&["wait", "--for=condition=established", "crd/analysistemplates.ramp.dev", "--timeout=10s"]).await;
    let files = examples();
    assert!(files.len() >= 6, "{files:?}");
    for path in &files {
        let p = path.to_string_lossy();
        k.ok(&["apply", "--server-side", "-f", &p]).await;
        let t: AnalysisTemplate = serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        ramp::controller::analysis::runs::check_metrics(&t.spec.metrics)
            .unwrap_or_else(|e| panic!("{p}: {e}"));
    }
    let listed = k.ok(&["get", "analysistemplates", "-o", "name"]).await;
    assert_eq!(listed.lines().count(), files.len(), "{listed}");
    // What the schema refuses: a metric with two judges, a job-less metric without one, a
    // malformed ratio.
    let bad = r#"{"apiVersion": "ramp.dev/v1alpha1", "kind": "AnalysisTemplate", "metadata": {"name": "bad"},
        "spec": {"metrics": [
          {"name": "two", "provider": {"web": {"url": "http://x"}},
           "judge": {"threshold": {"successCondition": "result > 1"}, "sequential": {}}},
          {"name": "none", "provider": {"web": {"url": "http://x"}}},
          {"name": "ratio", "provider": {"web": {"url": "http://x"}}, "judge": {"sequential": {"maxRatio": "lots"}}}]}}"#;
    let file = std::env::temp_dir().join(format!("ramp-bad-template-{}.json", std::process::id()));
    std::fs::write(&file, bad).unwrap();
    let err = k.fails(&["apply", "--server-side", "-f", &file.to_string_lossy()]).await;
    for want in [
        "a judge sets exactly one of threshold, compare or sequential",
        "a metric sets a judge",
        "spec.metrics[2].judge.sequential.maxRatio",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    let _ = std::fs::remove_file(file);
}

#[test]
fn render_prints_the_promql_of_each_example() {
    let out = ramp(&[
        "analysis",
        "render",
        &format!("{DIR}/success-rate-threshold.yaml"),
        "--set",
        "rollout.namespace=shop",
        "--set",
        "rollout.canaryService=web-canary",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("# metric success-rate — judge: threshold: success when `result >= 0.99`"),
        "{text}"
    );
    assert!(
        text.contains(
            "sum(rate(http_requests_total{namespace=\"shop\",service=\"web-canary\",code!~\"5..\"}[{{interval}}]))"
        ),
        "{text}"
    );
    let seq = ramp(&["analysis", "render", &format!("{DIR}/success-rate-sequential.yaml")]);
    let text = String::from_utf8_lossy(&seq.stdout);
    assert!(text.contains("# canary requests") && text.contains("or vector(0)"), "{text}");
    let kayenta = ramp(&["analysis", "render", &format!("{DIR}/kayenta-compare.yaml")]);
    let text = String::from_utf8_lossy(&kayenta.stdout);
    assert!(text.contains("histogram_quantile(0.99") && text.contains("# baseline"), "{text}");
    for path in examples() {
        let o = ramp(&["analysis", "render", &path.to_string_lossy()]);
        assert!(o.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&o.stderr));
    }
    let missing =
        ramp(&["analysis", "render", "/no/such/template.yaml", "--kubeconfig", "/no/such/kubeconfig"]);
    assert!(!missing.status.success());
}

#[test]
fn replay_judges_a_recorded_run_again() {
    // A run of the sequential example, recorded measurement by measurement.
    let t: AnalysisTemplate = serde_saphyr::from_str(
        &std::fs::read_to_string(format!("{DIR}/success-rate-sequential.yaml")).unwrap(),
    )
    .unwrap();
    let spec = AnalysisRunSpec {
        rollout: "web".into(),
        revision: "abc".into(),
        point: "step-2".into(),
        metrics: t.spec.metrics.clone(),
        ..AnalysisRunSpec::default()
    };
    let metric = &spec.metrics[0];
    let mut r = MetricResult { name: metric.name.clone(), ..MetricResult::default() };
    for i in 0..4 {
        let i = f64::from(i);
        let a = Answer::Values {
            value: Sample::Vector(vec![12.0 * i, 100.0 * i]),
            baseline: Some(Sample::Vector(vec![i, 400.0 * i])),
            share: None,
            query: "q".into(),
            window: "w".into(),
        };
        let m = measure(metric, &r, a, jiff::Timestamp::from_second(1_800_000_000 + i as i64).unwrap());
        tally::record(metric, &mut r, m);
    }
    let mut results = vec![r];
    let (phase, message, _) = tally::decide(&spec, &mut results, false);
    let run = AnalysisRun {
        metadata: kube::api::ObjectMeta { name: Some("web-abc-step-2".into()), ..Default::default() },
        spec,
        status: Some(AnalysisRunStatus {
            phase,
            message: Some(message),
            metric_results: results,
            ..Default::default()
        }),
    };
    let file = std::env::temp_dir().join(format!("ramp-run-{}.yaml", std::process::id()));
    std::fs::write(&file, serde_saphyr::to_string(&run).unwrap()).unwrap();
    let out = ramp(&["analysis", "replay", &file.to_string_lossy()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("metric errors: Failed (recorded: Failed)"), "{text}");
    assert!(text.contains("verdict: Failed — errors: 3 failed measurement(s), failureLimit 0"), "{text}");
    assert!(text.contains("regression beyond maxRatio 1.5"), "{text}");
    // The same record under a looser judge: would it have passed?
    let looser = std::env::temp_dir().join(format!("ramp-looser-{}.yaml", std::process::id()));
    let text = std::fs::read_to_string(format!("{DIR}/success-rate-sequential.yaml"))
        .unwrap()
        .replace("\"1.5\"", "\"50\"");
    std::fs::write(&looser, text).unwrap();
    let out = ramp(&[
        "analysis",
        "replay",
        &file.to_string_lossy(),
        "--template",
        &looser.to_string_lossy(),
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["recorded"]["phase"], "Failed");
    assert_eq!(v["replayed"]["phase"], "Running", "{v}");
    let _ = (std::fs::remove_file(file), std::fs::remove_file(looser));
}
