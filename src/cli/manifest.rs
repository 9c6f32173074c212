//! Reading manifests: a multi-document YAML file holding a Rollout and, optionally,
//! PodDisruptionBudgets over its pods.

use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use serde_json::Value;

use crate::api::Rollout;

/// What a manifest file held.
#[derive(Clone, Debug)]
pub struct Manifests {
    /// The Rollout.
    pub rollout: Rollout,
    /// Budgets found beside it.
    pub budgets: Vec<PodDisruptionBudget>,
}

/// Why a manifest file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not YAML.
    #[error("not valid YAML: {0}")]
    Yaml(String),
    /// A document could not be read as its kind.
    #[error("document {index} ({kind}) does not match its schema: {source}")]
    Decode {
        /// 1-based document number.
        index: usize,
        /// Its kind.
        kind: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// No Rollout, or more than one.
    #[error("expected exactly one Rollout (apiVersion ramp.dev/v1alpha1), found {0}")]
    RolloutCount(usize),
    /// A kind this command does not read.
    #[error("document {index} has kind {kind:?}; only Rollout and PodDisruptionBudget are read")]
    UnsupportedKind {
        /// 1-based document number.
        index: usize,
        /// Its kind.
        kind: String,
    },
}

/// Parses a manifest file's text.
pub fn parse(text: &str) -> Result<Manifests, ManifestError> {
    let docs: Vec<Value> =
        serde_saphyr::from_multiple(text).map_err(|e| ManifestError::Yaml(e.to_string()))?;
    let mut rollouts = Vec::new();
    let mut budgets = Vec::new();
    for (i, doc) in docs.into_iter().enumerate().filter(|(_, d)| !d.is_null()) {
        let index = i + 1;
        let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
        let api_version = doc.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
        let decode = |source| ManifestError::Decode { index, kind: kind.clone(), source };
        match (kind.as_str(), api_version.split('/').next().unwrap_or_default()) {
            ("Rollout", "ramp.dev") => rollouts.push(serde_json::from_value::<Rollout>(doc).map_err(decode)?),
            ("PodDisruptionBudget", "policy") => {
                budgets.push(serde_json::from_value::<PodDisruptionBudget>(doc).map_err(decode)?);
            }
            _ => return Err(ManifestError::UnsupportedKind { index, kind }),
        }
    }
    if rollouts.len() != 1 {
        return Err(ManifestError::RolloutCount(rollouts.len()));
    }
    let rollout = rollouts.remove(0);
    Ok(Manifests { rollout, budgets })
}
