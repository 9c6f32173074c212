//! Property tests of blue-green on the hollow cluster: random sizes, preview sizes, promotion
//! settings, readiness delays and requests (promote, promoteFull, abort, retry, pause, resume,
//! approve, reject, restart) at random moments. At every pass the active Service selects at
//! least `replicas` ready pods (the switch, and the switch back, only ever go to a revision
//! with every replica available) and the plan is deterministic; at the end (retry, resume and a
//! full promotion are always asked last) every pod runs the new template and is Ready.

use crate::common;

use std::time::Duration;

use common::spec;
use proptest::prelude::*;
use ramp::{
    api::{BlueGreenStrategy, Rollout, RolloutPhase, RolloutStrategy},
    whatif::{
        driver::{self, Change, PodBehaviour, Run, Scenario, ScheduledChange, Start, Traffic},
        world::World,
    },
};
use serde_json::json;

const OPS: [&str; 9] =
    ["promote", "promoteFull", "abort", "retry", "pause", "resume", "approve", "reject", "restart"];

#[derive(Clone, Debug)]
struct Case {
    replicas: i32,
    preview: Option<i32>,
    auto: bool,
    after: Option<u64>,
    scale_down_delay: u64,
    delay_ms: u64,
    jitter_ms: u64,
    seed: u64,
    requests: Vec<(u64, usize)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (1..=8i32, prop::option::of(0..=8i32), any::<bool>(), prop::option::of(1..90u64), 0..120u64),
        (0..10_000u64, 0..5_000u64, any::<u64>()),
        prop::collection::vec((1..1_500u64, 0..OPS.len()), 0..=4),
    )
        .prop_map(
            |((replicas, preview, auto, after, scale_down_delay), (delay_ms, jitter_ms, seed), requests)| {
                Case { replicas, preview, auto, after, scale_down_delay, delay_ms, jitter_ms, seed, requests }
            },
        )
}

fn request_at(secs: u64, id: &str, op: &str) -> ScheduledChange {
    ScheduledChange {
        at: Duration::from_secs(secs),
        change: Change::Request(json!({"id": id, "op": op, "by": "prop"}).to_string()),
    }
}

fn scenario(c: &Case) -> Scenario {
    let mut s = spec(c.replicas, "25%", "25%", "web:v2");
    s.strategy = RolloutStrategy {
        blue_green: Some(BlueGreenStrategy {
            active_service: "web-active".into(),
            preview_service: Some("web-preview".into()),
            preview_replicas: c.preview,
            auto_promotion_enabled: Some(c.auto),
            auto_promotion_after: c.after.map(|a| format!("{a}s").as_str().into()),
            scale_down_delay: Some(format!("{}s", c.scale_down_delay).as_str().into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let rollout = Rollout {
        metadata: kube::api::ObjectMeta { name: Some("web".into()), ..Default::default() },
        spec: s,
        status: None,
    };
    let mut changes = Vec::new();
    let mut at = 0;
    for (i, (t, op)) in c.requests.iter().enumerate() {
        at = (*t).max(at + 1);
        changes.push(request_at(at, &format!("q{i}"), OPS[*op]));
    }
    changes.push(request_at(3_000, "final-retry", "retry"));
    changes.push(request_at(3_001, "final-resume", "resume"));
    changes.push(request_at(3_600, "final-promote", "promoteFull"));
    Scenario {
        rollout,
        budgets: Vec::new(),
        start: Start::FromPrevious,
        behaviour: PodBehaviour {
            readiness_delay: Duration::from_millis(c.delay_ms),
            jitter: Duration::from_millis(c.jitter_ms),
            never_ready_templates: Vec::new(),
        },
        seed: c.seed,
        changes,
        lag_chance: 0.0,
        time_limit: Duration::from_secs(6 * 3600),
        traffic: Traffic { services: vec!["web-active".into(), "web-preview".into()], route: None },
    }
}

fn run_case(c: &Case) -> Result<(), TestCaseError> {
    let sc = scenario(c);
    let (run, world): (Run, World) =
        driver::run_in_world(&sc).map_err(|e| TestCaseError::fail(e.to_string()))?;
    for p in &run.plans {
        prop_assert!(p.deterministic, "plan at {:?} differed between two calls on the same input", p.at);
    }
    let replicas = usize::try_from(c.replicas).unwrap_or(0);
    for t in &run.traffic {
        let active = t.services.iter().find(|(s, _)| s == "web-active").map_or(0, |(_, n)| *n);
        prop_assert!(
            active >= replicas,
            "at {:?}: the active Service selects {active} ready pods of {replicas}",
            t.at
        );
    }
    prop_assert!(run.settled, "did not settle (at {:?}): {:?}", run.elapsed, run.status.message);
    prop_assert_eq!(run.status.phase, Some(RolloutPhase::Healthy), "final status: {:?}", run.status.message);
    prop_assert_eq!(&run.status.stable_revision, &run.status.updated_revision);
    let pods = world.pods();
    for p in &pods {
        let image = p.pointer("/spec/containers/0/image").and_then(serde_json::Value::as_str);
        prop_assert_eq!(image, Some("web:v2"), "a pod runs another image");
        prop_assert!(hollow::controllers::pod_ready(p).0, "a pod is not Ready");
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Production never loses capacity through a switch, whatever is asked when.
    #[test]
    fn the_active_service_always_has_every_replica_ready_and_the_rollout_ends_on_the_new_template(c in case()) {
        run_case(&c)?;
    }
}
