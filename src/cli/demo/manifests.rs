//! The demo's manifests: `examples/demo/demo.yaml`, embedded in the binary, with the timeline
//! compressed by `pace` and the analysis pointed at the running hollow cluster.

use k8s_openapi::api::core::v1::Service;
use serde_json::Value;

use crate::api::{Rollout, analysis::AnalysisTemplate};

/// The file, as shipped.
pub const DEMO_YAML: &str = include_str!("../../../examples/demo/demo.yaml");

/// What the demo applies.
pub struct DemoObjects {
    /// The Service every version serves behind.
    pub service: Service,
    /// The success-rate template.
    pub template: AnalysisTemplate,
    /// The canary Rollout.
    pub rollout: Rollout,
}

/// Why the embedded manifests could not be used (a build defect, reported, not a panic).
#[derive(Debug, thiserror::Error)]
pub enum DemoManifestError {
    /// Not YAML.
    #[error("examples/demo/demo.yaml is not valid YAML: {0}")]
    Yaml(String),
    /// A document does not decode.
    #[error("examples/demo/demo.yaml: {kind}: {source}")]
    Decode {
        /// The kind.
        kind: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// Something is missing.
    #[error("examples/demo/demo.yaml has no {0}")]
    Missing(&'static str),
}

/// `d` (humantime) times `pace`, in milliseconds, at least `floor_ms`.
fn scaled(d: &str, pace: f64, floor_ms: u64) -> Option<String> {
    let parsed = humantime::parse_duration(d).ok()?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // durations of a demo
    let ms = ((parsed.as_secs_f64() * pace * 1000.0).round() as u64).max(floor_ms);
    Some(format!("{ms}ms"))
}

fn scale_at(v: &mut Value, pointer: &str, pace: f64, floor_ms: u64) {
    if let Some(slot) = v.pointer_mut(pointer)
        && let Some(new) = slot.as_str().and_then(|d| scaled(d, pace, floor_ms))
    {
        *slot = Value::String(new);
    }
}

/// Measurement times are recorded to the second (as every Kubernetes timestamp): an analysis
/// interval below that would measure back to back.
const ANALYSIS_FLOOR_MS: u64 = 1000;

/// The demo's objects, durations times `pace`, the analysis reading the SLIs at `sli_url`.
pub fn load(pace: f64, sli_url: &str) -> Result<DemoObjects, DemoManifestError> {
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(DEMO_YAML).map_err(|e| DemoManifestError::Yaml(e.to_string()))?;
    let (mut service, mut template, mut rollout) = (None, None, None);
    for mut doc in docs.into_iter().filter(|d| !d.is_null()) {
        let kind = doc["kind"].as_str().unwrap_or_default().to_string();
        let decode = |source| DemoManifestError::Decode { kind: kind.clone(), source };
        match kind.as_str() {
            "Service" => service = Some(serde_json::from_value(doc).map_err(decode)?),
            "AnalysisTemplate" => {
                if let Some(metrics) = doc.pointer_mut("/spec/metrics").and_then(Value::as_array_mut) {
                    for m in metrics {
                        scale_at(m, "/initialDelay", pace, ANALYSIS_FLOOR_MS);
                        scale_at(m, "/interval", pace, ANALYSIS_FLOOR_MS);
                    }
                }
                if let Some(args) = doc.pointer_mut("/spec/args").and_then(Value::as_array_mut) {
                    for a in args.iter_mut().filter(|a| a["name"] == "sli-url") {
                        a["value"] = Value::String(sli_url.into());
                    }
                }
                template = Some(serde_json::from_value(doc).map_err(decode)?);
            }
            "Rollout" => {
                if let Some(steps) =
                    doc.pointer_mut("/spec/strategy/canary/steps").and_then(Value::as_array_mut)
                {
                    for s in steps {
                        scale_at(s, "/pause/duration", pace, 1);
                    }
                }
                scale_at(
                    &mut doc,
                    "/spec/template/metadata/annotations/sim.ramp.dev~1readiness-delay",
                    pace,
                    1,
                );
                rollout = Some(serde_json::from_value(doc).map_err(decode)?);
            }
            _ => {}
        }
    }
    Ok(DemoObjects {
        service: service.ok_or(DemoManifestError::Missing("Service"))?,
        template: template.ok_or(DemoManifestError::Missing("AnalysisTemplate"))?,
        rollout: rollout.ok_or(DemoManifestError::Missing("Rollout"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_manifests_load_and_compress() {
        let o = load(0.1, "http://127.0.0.1:1").unwrap();
        let steps = &o.rollout.spec.strategy.canary.as_ref().unwrap().steps;
        assert_eq!(steps[3].pause.as_ref().unwrap().duration.as_ref().unwrap().as_str(), "1000ms");
        let m = &o.template.spec.metrics[0];
        assert_eq!(m.interval.as_ref().map(|d| d.as_str()), Some("1000ms"), "never under a second");
        let args = serde_json::to_value(&o.template.spec.args).unwrap();
        assert_eq!(args[0]["value"], "http://127.0.0.1:1");
        assert_eq!(o.service.metadata.name.as_deref(), Some("demo"));
    }
}
