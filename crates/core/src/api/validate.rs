//! Spec validation beyond what the CRD schema can say. Returns every problem with its field
//! path; the same function backs the controller's `InvalidSpec` condition and `ramp lint`.

use std::fmt;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{
    duration::DurationString,
    rollout::RolloutSpec,
    selector,
    strategy::{CanaryStrategy, RolloutAnalysis, StrategyRef},
};

/// One problem in a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path, e.g. `spec.strategy.canary.steps[2].setWeight`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem found in a spec (never empty).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid spec: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct InvalidSpec(pub Vec<FieldError>);

#[derive(Default)]
struct Collector(Vec<FieldError>);

impl Collector {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { path: path.into(), message: message.into() });
    }

    fn approval(&mut self, path: &str, g: &super::ApprovalStep) {
        self.duration(&format!("{path}.timeout"), g.timeout.as_ref());
        if let Some(n) = g.required.filter(|n| !(1..=10).contains(n)) {
            self.err(format!("{path}.required"), format!("must be 1..=10, got {n}"));
        }
    }

    fn duration(&mut self, path: &str, d: Option<&DurationString>) {
        if let Some(Err(e)) = d.map(DurationString::parse) {
            self.err(path, e.to_string());
        }
    }

    fn non_negative(&mut self, path: &str, v: Option<i32>) {
        if let Some(v) = v.filter(|v| *v < 0) {
            self.err(path, format!("must be >= 0, got {v}"));
        }
    }

    /// Checks an int-or-percent; returns whether it is zero.
    fn int_or_percent(&mut self, path: &str, v: Option<&IntOrString>, max_percent: Option<i32>) -> bool {
        match v {
            None => false,
            Some(IntOrString::Int(i)) => {
                self.non_negative(path, Some(*i));
                *i == 0
            }
            Some(IntOrString::String(s)) => match parse_percent(s) {
                Some(p) if max_percent.is_some_and(|m| p > m) => {
                    self.err(path, format!("must be at most {}%, got {s}", max_percent.unwrap_or(100)));
                    false
                }
                Some(p) => p == 0,
                None => {
                    self.err(path, format!("must be an integer or a percentage such as 25%, got {s:?}"));
                    false
                }
            },
        }
    }

    fn surge_limits(&mut self, base: &str, surge: Option<&IntOrString>, unavailable: Option<&IntOrString>) {
        let surge_zero = self.int_or_percent(&format!("{base}.maxSurge"), surge, None);
        let unavailable_zero = self.int_or_percent(&format!("{base}.maxUnavailable"), unavailable, Some(100));
        if surge_zero && unavailable_zero {
            self.err(base, "maxSurge and maxUnavailable must not both be 0");
        }
    }

    fn analysis(&mut self, path: &str, a: &RolloutAnalysis) {
        if a.templates.is_empty() {
            self.err(format!("{path}.templates"), "must name at least one template");
        }
        for (i, t) in a.templates.iter().enumerate() {
            if t.template_name.is_empty() {
                self.err(format!("{path}.templates[{i}].templateName"), "must not be empty");
            }
        }
    }

    fn canary(&mut self, base: &str, c: &CanaryStrategy) {
        self.surge_limits(base, c.max_surge.as_ref(), c.max_unavailable.as_ref());
        if c.traffic_routing.is_some() && (c.stable_service.is_none() || c.canary_service.is_none()) {
            self.err(format!("{base}.trafficRouting"), "needs stableService and canaryService");
        }
        if let (Some(s), Some(k)) = (&c.stable_service, &c.canary_service)
            && s == k
        {
            self.err(format!("{base}.canaryService"), "must differ from stableService");
        }
        let routed = c.traffic_routing.as_ref().is_some_and(|t| t.gateway_api.is_some());
        if let Some(g) = c.traffic_routing.as_ref().and_then(|t| t.gateway_api.as_ref()) {
            if g.route().is_none() {
                self.err(
                    format!("{base}.trafficRouting.gatewayApi"),
                    "names exactly one of httpRoute or grpcRoute",
                );
            }
            for (i, r) in g.rules.iter().enumerate() {
                if r.name.is_some() == r.index.is_some() {
                    self.err(
                        format!("{base}.trafficRouting.gatewayApi.rules[{i}]"),
                        "names exactly one of name or index",
                    );
                }
            }
        }
        if c.dynamic_stable_scale && !routed {
            self.err(
                format!("{base}.dynamicStableScale"),
                "needs trafficRouting: without a router the pods already are the weight",
            );
        }
        for (i, step) in c.steps.iter().enumerate() {
            let p = format!("{base}.steps[{i}]");
            let set = [
                step.set_weight.is_some(),
                step.pause.is_some(),
                step.analysis.is_some(),
                step.approval.is_some(),
                step.set_canary_scale.is_some(),
                step.set_header_route.is_some(),
            ];
            if set.iter().filter(|s| **s).count() != 1 {
                self.err(
                    &p,
                    "must set exactly one of setWeight, pause, analysis, approval, setCanaryScale or setHeaderRoute",
                );
            }
            let http_routed = c
                .traffic_routing
                .as_ref()
                .and_then(|t| t.gateway_api.as_ref())
                .is_some_and(|g| g.http_route.is_some());
            if step.set_header_route.is_some() && !http_routed {
                self.err(
                    format!("{p}.setHeaderRoute"),
                    "needs trafficRouting.gatewayApi.httpRoute: header matches live in an HTTPRoute",
                );
            }
            if let Some(w) = step.set_weight.filter(|w| !(0..=100).contains(w)) {
                self.err(format!("{p}.setWeight"), format!("must be 0..=100, got {w}"));
            }
            if let Some(pause) = &step.pause {
                self.duration(&format!("{p}.pause.duration"), pause.duration.as_ref());
            }
            if let Some(a) = &step.analysis {
                self.analysis(&format!("{p}.analysis"), a);
            }
            if let Some(g) = &step.approval {
                self.approval(&format!("{p}.approval"), g);
            }
            if step.set_canary_scale.is_some() && !routed {
                self.err(
                    format!("{p}.setCanaryScale"),
                    "needs trafficRouting: without a router the canary's size is its weight",
                );
            }
            if let Some(s) = &step.set_canary_scale {
                let n = [s.replicas.is_some(), s.weight.is_some(), s.match_traffic_weight.is_some()];
                if n.iter().filter(|s| **s).count() != 1 {
                    self.err(
                        format!("{p}.setCanaryScale"),
                        "must set exactly one of replicas, weight or matchTrafficWeight",
                    );
                }
                self.non_negative(&format!("{p}.setCanaryScale.replicas"), s.replicas);
                if let Some(w) = s.weight.filter(|w| !(0..=100).contains(w)) {
                    self.err(format!("{p}.setCanaryScale.weight"), format!("must be 0..=100, got {w}"));
                }
            }
        }
        if let Some(bg) = &c.analysis {
            self.analysis(&format!("{base}.analysis"), &bg.analysis);
            if let Some(s) = bg.starting_step
                && (s < 0 || s as usize > c.steps.len())
            {
                self.err(
                    format!("{base}.analysis.startingStep"),
                    format!("must be within 0..={}, got {s}", c.steps.len()),
                );
            }
        }
    }
}

/// Parses `"25%"` into 25.
pub fn parse_percent(s: &str) -> Option<i32> {
    let digits = s.strip_suffix('%')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Checks a spec; `Err` lists every problem found.
pub fn validate(spec: &RolloutSpec) -> Result<(), InvalidSpec> {
    let mut c = Collector::default();
    c.non_negative("spec.replicas", Some(spec.replicas));
    c.non_negative("spec.minReadySeconds", Some(spec.min_ready_seconds));
    c.non_negative("spec.revisionHistoryLimit", Some(spec.revision_history_limit));
    match spec.progress_deadline.parse() {
        Err(e) => c.err("spec.progressDeadline", e.to_string()),
        Ok(d) if d.as_secs() <= u64::try_from(spec.min_ready_seconds).unwrap_or(0) => c.err(
            "spec.progressDeadline",
            format!("must be greater than minReadySeconds ({}s)", spec.min_ready_seconds),
        ),
        Ok(_) => {}
    }

    if let Err(e) = selector::check(&spec.selector) {
        c.err("spec.selector", e.to_string());
    } else if selector::is_empty(&spec.selector) {
        c.err(
            "spec.selector",
            "must not be empty: an empty selector would select every pod in the namespace",
        );
    }
    if spec.template.is_some() == spec.workload_ref.is_some() {
        c.err("spec", "exactly one of template or workloadRef must be set");
    }
    if let Some(t) = &spec.template {
        let labels = t.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
        if selector::matches(&spec.selector, &labels) == Ok(false) {
            c.err("spec.template.metadata.labels", "must match spec.selector");
        }
        if t.spec.as_ref().is_none_or(|s| s.containers.is_empty()) {
            c.err("spec.template.spec.containers", "must have at least one container");
        }
    }
    if let Some(w) = &spec.workload_ref {
        if w.api_version != "apps/v1" || w.kind != "Deployment" {
            c.err("spec.workloadRef", "must reference an apps/v1 Deployment");
        }
        if w.name.is_empty() {
            c.err("spec.workloadRef.name", "must not be empty");
        }
    }

    let rolling = matches!(spec.strategy.selected(), Some(StrategyRef::RollingUpdate(_)));
    for (i, w) in spec.webhooks.iter().enumerate() {
        let p = format!("spec.webhooks[{i}]");
        if spec.webhooks[..i].iter().any(|x| x.name == w.name) {
            c.err(format!("{p}.name"), format!("{:?} is used by an earlier webhook", w.name));
        }
        if !(w.url.starts_with("http://") || w.url.starts_with("https://")) {
            c.err(format!("{p}.url"), "url must be an http:// or https:// URL");
        }
        c.duration(&format!("{p}.timeout"), w.timeout.as_ref());
        if w.kind.is_gate() && rolling {
            c.err(
                format!("{p}.type"),
                format!(
                    "{} gates a canary or blue-green rollout; a rolling update has no gate",
                    w.kind.as_str()
                ),
            );
        }
    }

    match spec.strategy.selected() {
        None => c.err("spec.strategy", "exactly one of rollingUpdate, blueGreen or canary must be set"),
        Some(StrategyRef::RollingUpdate(r)) => {
            c.surge_limits("spec.strategy.rollingUpdate", r.max_surge.as_ref(), r.max_unavailable.as_ref());
        }
        Some(StrategyRef::BlueGreen(b)) => {
            let base = "spec.strategy.blueGreen";
            if b.active_service.is_empty() {
                c.err(format!("{base}.activeService"), "must not be empty");
            }
            if b.preview_service.as_ref() == Some(&b.active_service) {
                c.err(format!("{base}.previewService"), "must differ from activeService");
            }
            c.non_negative(&format!("{base}.previewReplicas"), b.preview_replicas);
            c.duration(&format!("{base}.autoPromotionAfter"), b.auto_promotion_after.as_ref());
            if let Some(g) = &b.approval {
                c.approval(&format!("{base}.approval"), g);
                if b.auto_promotion_after.is_some() || b.auto_promotion_enabled == Some(true) {
                    c.err(
                        format!("{base}.approval"),
                        "approval replaces automatic promotion: remove autoPromotionEnabled and autoPromotionAfter",
                    );
                }
            }
            c.duration(&format!("{base}.scaleDownDelay"), b.scale_down_delay.as_ref());
            c.duration(&format!("{base}.abortScaleDownDelay"), b.abort_scale_down_delay.as_ref());
            if let Some(a) = &b.pre_promotion_analysis {
                c.analysis(&format!("{base}.prePromotionAnalysis"), a);
            }
            if let Some(a) = &b.post_promotion_analysis {
                c.analysis(&format!("{base}.postPromotionAnalysis"), a);
            }
        }
        Some(StrategyRef::Canary(k)) => c.canary("spec.strategy.canary", k),
    }

    if c.0.is_empty() { Ok(()) } else { Err(InvalidSpec(c.0)) }
}
