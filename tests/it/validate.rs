//! `validate()`: every problem at once, each with its field path. The same checks back the
//! controller's InvalidSpec condition and `ramp lint`.

use crate::common;

use common::{ios, spec};
use ramp::api::{
    BlueGreenStrategy, CanaryStep, CanaryStrategy, PauseStep, RolloutStrategy, SetCanaryScale, WorkloadRef,
    validate,
};

fn problems(s: &ramp::api::RolloutSpec) -> Vec<String> {
    match validate(s) {
        Ok(()) => Vec::new(),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_sound_spec_passes() {
    assert_eq!(problems(&spec(3, "25%", "25%", "v1")), Vec::<String>::new());
}

#[test]
fn every_problem_is_reported_with_its_path() {
    let mut s = spec(-1, "0", "0", "v1");
    s.min_ready_seconds = -2;
    s.progress_deadline = "soon".into();
    s.selector.match_labels = Some([("app".to_string(), "api".to_string())].into());
    let p = problems(&s);
    for want in [
        "spec.replicas: must be >= 0, got -1",
        "spec.minReadySeconds: must be >= 0, got -2",
        "spec.progressDeadline: must be a duration",
        "spec.template.metadata.labels: must match spec.selector",
        "spec.strategy.rollingUpdate: maxSurge and maxUnavailable must not both be 0",
    ] {
        assert!(p.iter().any(|x| x.starts_with(want)), "missing {want:?} in {p:#?}");
    }
}

#[test]
fn limits_are_checked() {
    let p = problems(&spec(3, "x", "150%", "v1"));
    assert!(
        p.iter().any(
            |x| x.starts_with("spec.strategy.rollingUpdate.maxSurge: must be an integer or a percentage")
        )
    );
    assert!(
        p.iter().any(|x| x == "spec.strategy.rollingUpdate.maxUnavailable: must be at most 100%, got 150%")
    );
    assert_eq!(problems(&spec(3, "250%", "0", "v1")), Vec::<String>::new(), "surge may exceed 100%");
}

#[test]
fn deadline_must_exceed_min_ready_seconds() {
    let mut s = spec(3, "1", "0", "v1");
    s.min_ready_seconds = 600;
    assert!(
        problems(&s)
            .iter()
            .any(|x| x.starts_with("spec.progressDeadline: must be greater than minReadySeconds"))
    );
}

#[test]
fn empty_selector_and_template_workload_ref_exclusivity() {
    let mut s = spec(3, "1", "0", "v1");
    s.selector = Default::default();
    s.workload_ref = Some(WorkloadRef {
        api_version: "apps/v1".into(),
        kind: "StatefulSet".into(),
        name: "x".into(),
        scale_down: None,
    });
    let p = problems(&s);
    assert!(p.iter().any(|x| x.starts_with("spec.selector: must not be empty")), "{p:?}");
    assert!(p.iter().any(|x| x == "spec: exactly one of template or workloadRef must be set"), "{p:?}");
    assert!(p.iter().any(|x| x == "spec.workloadRef: must reference an apps/v1 Deployment"), "{p:?}");
}

#[test]
fn canary_steps_are_checked_one_by_one() {
    let mut s = spec(3, "1", "0", "v1");
    s.strategy = RolloutStrategy {
        canary: Some(CanaryStrategy {
            stable_service: Some("web".into()),
            canary_service: Some("web".into()),
            max_surge: Some(ios("1")),
            steps: vec![
                CanaryStep { set_weight: Some(20), ..Default::default() },
                CanaryStep::default(),
                CanaryStep { set_weight: Some(120), ..Default::default() },
                CanaryStep {
                    pause: Some(PauseStep { duration: Some("1 hour".into()) }),
                    ..Default::default()
                },
                CanaryStep {
                    set_canary_scale: Some(SetCanaryScale {
                        replicas: Some(1),
                        weight: Some(5),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }),
        ..Default::default()
    };
    let p = problems(&s);
    for want in [
        "spec.strategy.canary.canaryService: must differ from stableService",
        "spec.strategy.canary.steps[1]: must set exactly one of",
        "spec.strategy.canary.steps[2].setWeight: must be 0..=100, got 120",
        "spec.strategy.canary.steps[3].pause.duration: must be a duration",
        "spec.strategy.canary.steps[4].setCanaryScale: must set exactly one of replicas, weight or matchTrafficWeight",
    ] {
        assert!(p.iter().any(|x| x.starts_with(want)), "missing {want:?} in {p:#?}");
    }
    assert!(!p.iter().any(|x| x.contains("steps[0]")), "step 0 is fine: {p:#?}");
}

#[test]
fn blue_green_durations_and_services() {
    let mut s = spec(3, "1", "0", "v1");
    s.strategy = RolloutStrategy {
        blue_green: Some(BlueGreenStrategy {
            active_service: "web".into(),
            preview_service: Some("web".into()),
            scale_down_delay: Some("30 seconds".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let p = problems(&s);
    assert!(p.iter().any(|x| x == "spec.strategy.blueGreen.previewService: must differ from activeService"));
    assert!(p.iter().any(|x| x.starts_with("spec.strategy.blueGreen.scaleDownDelay: must be a duration")));
}

#[test]
fn every_rollout_in_examples_is_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for doc in text.split("\n---") {
            let v: serde_json::Value = serde_saphyr::from_str(doc).unwrap();
            if v["kind"] != "Rollout" {
                continue;
            }
            let r: ramp::api::Rollout = serde_json::from_value(v).unwrap();
            assert_eq!(ramp::api::validate(&r.spec), Ok(()), "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen >= 5, "{seen} Rollouts in examples/");
}
