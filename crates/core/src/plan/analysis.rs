//! The analyses a strategy waits on in this pass: the shell makes sure an AnalysisRun exists
//! for each (and ends those no longer wanted); their verdicts come back in
//! [`Observed::verdicts`](super::Observed).

use super::AnalysisPoint;
use crate::api::RolloutAnalysis;

/// An analysis the strategy runs now.
#[derive(Clone, Debug, PartialEq)]
pub struct WantedAnalysis {
    /// Where in the strategy.
    pub point: AnalysisPoint,
    /// pod-template-hash of the revision it judges.
    pub revision: String,
    /// The templates and arguments.
    pub analysis: RolloutAnalysis,
}

impl AnalysisPoint {
    /// The point as written in an AnalysisRun's `spec.point` and its name.
    pub fn label(self) -> String {
        match self {
            AnalysisPoint::Background => "background".into(),
            AnalysisPoint::Step(i) => format!("step-{i}"),
            AnalysisPoint::PrePromotion => "prePromotion".into(),
            AnalysisPoint::PostPromotion => "postPromotion".into(),
        }
    }

    /// Reads [`label`](Self::label) back.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "background" => Some(AnalysisPoint::Background),
            "prePromotion" => Some(AnalysisPoint::PrePromotion),
            "postPromotion" => Some(AnalysisPoint::PostPromotion),
            _ => s.strip_prefix("step-").and_then(|n| n.parse().ok()).map(AnalysisPoint::Step),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_back() {
        for p in [
            AnalysisPoint::Background,
            AnalysisPoint::Step(0),
            AnalysisPoint::Step(12),
            AnalysisPoint::PrePromotion,
            AnalysisPoint::PostPromotion,
        ] {
            assert_eq!(AnalysisPoint::parse(&p.label()), Some(p));
        }
        assert_eq!(AnalysisPoint::parse("step-x"), None);
        assert_eq!(AnalysisPoint::parse("later"), None);
    }
}
