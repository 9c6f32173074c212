//! `int_or_percent_and_durations`: one string as a percentage (`parse_percent`, the scaled
//! limits), as a duration (`DurationString::parse`, humantime), and in every int-or-percent
//! and duration field of a canary and a blue-green Rollout, which are then validated and
//! planned (a duration reaches timestamp arithmetic there).
//!
//! Checks: no panic; a percentage reads back as written; a scaled limit is never negative and
//! a percentage of at most 100 never scales above its total; an accepted duration follows
//! the documented grammar and means what humantime says; a refusal quotes the input.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use ramp::{
    api::{DurationString, Rollout, validate::parse_percent},
    cli::manifest,
    plan::replicas::{Limits, scaled},
};

use crate::rollout_spec;

/// Totals the limits are scaled over: none, few, many, and the most `spec.replicas` holds.
const TOTALS: [i32; 5] = [0, 1, 3, 10, i32::MAX];

const CANARY: &str = "
apiVersion: ramp.dev/v1alpha1
kind: Rollout
metadata: {name: web, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  webhooks:
    - {name: confirm, type: confirmRollout, url: 'http://127.0.0.1:9/confirm', timeout: 5s}
  strategy:
    canary:
      stableService: web-stable
      canaryService: web-canary
      steps:
        - setWeight: 25
        - pause: {duration: 1m}
        - approval: {timeout: 10m}
        - setWeight: 75
        - pause: {duration: 30s}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: 'nginx:1.27'}]}
";

const BLUE_GREEN: &str = "
apiVersion: ramp.dev/v1alpha1
kind: Rollout
metadata: {name: web, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  strategy:
    blueGreen:
      activeService: web-active
      previewService: web-preview
      autoPromotionAfter: 1m
      scaleDownDelay: 30s
      abortScaleDownDelay: 30s
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: 'nginx:1.27'}]}
";

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else { return };
    percent(s);
    duration(s);
    in_rollouts(s);
}

fn percent(s: &str) {
    let parsed = parse_percent(s);
    if let Some(p) = parsed {
        assert!(p >= 0, "{s:?} read as {p}%");
        assert_eq!(parse_percent(&format!("{p}%")), Some(p), "{s:?}");
    }
    let mut values = vec![IntOrString::String(s.to_string())];
    if let Ok(i) = s.parse::<i32>() {
        values.push(IntOrString::Int(i));
    }
    for v in &values {
        for total in TOTALS {
            for round_up in [false, true] {
                let x = scaled(Some(v), total, round_up);
                assert!(x >= 0, "{v:?} of {total} scaled to {x}");
                if parsed.is_some_and(|p| p <= 100) {
                    assert!(x <= total, "{v:?} of {total} scaled to {x}");
                }
            }
            let l = Limits::resolve(total, Some(v), Some(v));
            assert!((0..=l.replicas).contains(&l.max_unavailable), "{l:?}");
            assert!(l.max_surge >= 0, "{l:?}");
        }
    }
}

fn duration(s: &str) {
    match DurationString::new(s).parse() {
        Ok(d) => {
            assert!(s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric()), "{s:?} accepted");
            assert_eq!(humantime::parse_duration(s).ok(), Some(d), "{s:?}");
        }
        Err(e) => assert!(e.to_string().contains(&format!("{s:?}")), "{e} does not quote {s:?}"),
    }
    let _ = humantime::parse_duration(s);
}

fn base(yaml: &str) -> Option<Rollout> {
    manifest::parse(yaml).ok().map(|m| m.rollout)
}

fn in_rollouts(s: &str) {
    let d = || Some(DurationString::new(s));
    if let Some(mut r) = base(CANARY) {
        r.spec.progress_deadline = DurationString::new(s);
        if let Some(c) = r.spec.strategy.canary.as_mut() {
            for step in &mut c.steps {
                if let Some(p) = step.pause.as_mut() {
                    p.duration = d();
                }
                if let Some(a) = step.approval.as_mut() {
                    a.timeout = d();
                }
            }
        }
        for w in &mut r.spec.webhooks {
            w.timeout = d();
        }
        rollout_spec::run(r);
    }
    if let Some(mut r) = base(BLUE_GREEN) {
        if let Some(b) = r.spec.strategy.blue_green.as_mut() {
            b.auto_promotion_after = d();
            b.scale_down_delay = d();
            b.abort_scale_down_delay = d();
        }
        rollout_spec::run(r);
    }
    // Limits the planner would refuse anyway stop at validation: only plan the readable ones.
    let value = match s.parse::<i32>() {
        Ok(i) => IntOrString::Int(i),
        Err(_) if parse_percent(s).is_some() => IntOrString::String(s.to_string()),
        Err(_) => return,
    };
    for replicas in [1, 10, i32::MAX] {
        for surge in [true, false] {
            if let Some(mut r) = base(CANARY) {
                r.spec.replicas = replicas;
                if let Some(c) = r.spec.strategy.canary.as_mut() {
                    let field = if surge { &mut c.max_surge } else { &mut c.max_unavailable };
                    *field = Some(value.clone());
                }
                rollout_spec::run(r);
            }
        }
    }
}
