//! The three rollout strategies. Only `rollingUpdate` is planned so far; blue-green and
//! canary are typed now so that manifests written today keep working when they are.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube_derive::KubeSchema;
use serde::{Deserialize, Serialize};

use super::duration::DurationString;

/// CEL: an int-or-string that is a non-negative integer or `N%`.
const NON_NEGATIVE_INT_OR_PERCENT: &str = "string(self).matches('^[0-9]+%?$')";
/// CEL: an int-or-string that is a non-negative integer or a percentage up to 100%.
const UNAVAILABLE_IN_RANGE: &str = "string(self).matches('^([0-9]+|(100|[1-9]?[0-9])%)$')";
/// CEL: maxSurge and maxUnavailable are not both zero (an unset field takes its 25% default).
const NOT_BOTH_ZERO: &str = "!(has(self.maxSurge) && has(self.maxUnavailable) \
     && string(self.maxSurge) in ['0', '0%'] && string(self.maxUnavailable) in ['0', '0%'])";

/// How a Rollout moves from the stable version to the new one: exactly one member is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new(
    "(has(self.rollingUpdate) ? 1 : 0) + (has(self.blueGreen) ? 1 : 0) + (has(self.canary) ? 1 : 0) == 1"
).message("exactly one of rollingUpdate, blueGreen or canary must be set"))]
pub struct RolloutStrategy {
    /// Replace pods gradually, like a Deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdateStrategy>,
    /// Bring the new version up beside the old one behind a preview Service, then switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blue_green: Option<BlueGreenStrategy>,
    /// Shift traffic to the new version in weighted steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<CanaryStrategy>,
}

/// Which strategy a spec selects, borrowed from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StrategyRef<'a> {
    /// `strategy.rollingUpdate`
    RollingUpdate(&'a RollingUpdateStrategy),
    /// `strategy.blueGreen`
    BlueGreen(&'a BlueGreenStrategy),
    /// `strategy.canary`
    Canary(&'a CanaryStrategy),
}

impl RolloutStrategy {
    /// The selected strategy, or `None` unless exactly one is set.
    pub fn selected(&self) -> Option<StrategyRef<'_>> {
        match (&self.rolling_update, &self.blue_green, &self.canary) {
            (Some(r), None, None) => Some(StrategyRef::RollingUpdate(r)),
            (None, Some(b), None) => Some(StrategyRef::BlueGreen(b)),
            (None, None, Some(c)) => Some(StrategyRef::Canary(c)),
            _ => None,
        }
    }

    /// A rolling update with the given limits.
    pub fn rolling(max_surge: Option<IntOrString>, max_unavailable: Option<IntOrString>) -> Self {
        Self { rolling_update: Some(RollingUpdateStrategy { max_surge, max_unavailable }), ..Self::default() }
    }
}

impl StrategyRef<'_> {
    /// The name used in metrics and messages.
    pub fn name(self) -> &'static str {
        match self {
            StrategyRef::RollingUpdate(_) => "rollingUpdate",
            StrategyRef::BlueGreen(_) => "blueGreen",
            StrategyRef::Canary(_) => "canary",
        }
    }
}

/// Deployment-style rolling update limits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new(NOT_BOTH_ZERO).message("maxSurge and maxUnavailable must not both be 0"))]
pub struct RollingUpdateStrategy {
    /// Pods allowed above `replicas` during the update: a count or a percentage of
    /// `replicas`, rounded up. May exceed 100%. Default 25%.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new(NON_NEGATIVE_INT_OR_PERCENT).message("must be a non-negative integer or a percentage such as 25%"))]
    pub max_surge: Option<IntOrString>,
    /// Pods allowed to be unavailable during the update: a count or a percentage of
    /// `replicas` (0–100%), rounded down. Default 25%.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new(UNAVAILABLE_IN_RANGE).message("must be a non-negative integer or a percentage from 0% to 100%"))]
    pub max_unavailable: Option<IntOrString>,
}

/// Blue-green: the new ReplicaSet comes up in full behind `previewService`; promotion flips
/// `activeService`'s selector to it in one write.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("!has(self.previewService) || self.previewService != self.activeService")
    .message("previewService must differ from activeService"))]
#[x_kube(validation = Rule::new(
    "!has(self.approval) || (!has(self.autoPromotionAfter) && !(has(self.autoPromotionEnabled) && self.autoPromotionEnabled))"
).message("approval replaces automatic promotion: remove autoPromotionEnabled and autoPromotionAfter"))]
pub struct BlueGreenStrategy {
    /// Service that carries production traffic; its selector is pinned to the active revision.
    #[schemars(length(min = 1, max = 253))]
    pub active_service: String,
    /// Service that reaches the new revision before promotion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub preview_service: Option<String>,
    /// Size of the new ReplicaSet before promotion (default: `replicas`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub preview_replicas: Option<i32>,
    /// Promote without approval once the new revision is ready (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_promotion_enabled: Option<bool>,
    /// Wait this long after the new revision is ready before promoting on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_promotion_after: Option<DurationString>,
    /// An approval gate before the switch (N approvals, from named groups, with a timeout);
    /// replaces automatic promotion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalStep>,
    /// Keep the old revision scaled up this long after the switch, so rollback is one more
    /// selector flip and data planes converge (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down_delay: Option<DurationString>,
    /// After an abort, keep the new revision's pods this long before scaling them down, so
    /// they can be inspected (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_scale_down_delay: Option<DurationString>,
    /// What a preview whose pods restart or flap ends in (default: abort after 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unstable_pods: Option<UnstablePods>,
    /// Analysis that must pass before the switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_promotion_analysis: Option<RolloutAnalysis>,
    /// Analysis that must pass after the switch, or the rollout aborts back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_promotion_analysis: Option<RolloutAnalysis>,
}

/// Canary: ordered steps that shift traffic to the new revision.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("!has(self.trafficRouting) || (has(self.stableService) && has(self.canaryService))")
    .message("trafficRouting needs stableService and canaryService"))]
#[x_kube(validation = Rule::new(NOT_BOTH_ZERO).message("maxSurge and maxUnavailable must not both be 0"))]
pub struct CanaryStrategy {
    /// Service pinned to the stable revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub stable_service: Option<String>,
    /// Service pinned to the canary revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub canary_service: Option<String>,
    /// Where weights are applied; without it, weight is approximated by replica ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_routing: Option<TrafficRouting>,
    /// As in `rollingUpdate`, for the pod count while scaling between steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new(NON_NEGATIVE_INT_OR_PERCENT).message("must be a non-negative integer or a percentage such as 25%"))]
    pub max_surge: Option<IntOrString>,
    /// As in `rollingUpdate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new(UNAVAILABLE_IN_RANGE).message("must be a non-negative integer or a percentage from 0% to 100%"))]
    pub max_unavailable: Option<IntOrString>,
    /// Analysis that runs in the background across the steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<BackgroundAnalysis>,
    /// The steps, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 100))]
    pub steps: Vec<CanaryStep>,
    /// With traffic routing: shrink the stable ReplicaSet as its traffic weight falls (and
    /// grow it back, Ready, before any weight returns to it). Default false: stable stays at
    /// full size until promotion, so an abort needs no scale-up.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dynamic_stable_scale: bool,
    /// What a new revision whose pods restart or flap ends in (default: abort after 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unstable_pods: Option<UnstablePods>,
}

/// The bound on a new revision whose pods are not stable. Pods that crash and come back reset
/// any progress deadline (argo-rollouts#4128, #3765), so Ramp counts instead: the container
/// restarts of the new revision's pods, and the times one of them went from Ready to not
/// Ready; either reaching its limit ends the rollout at once, whatever the deadline.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct UnstablePods {
    /// Container restarts, summed over the new revision's pods, that end the rollout
    /// (default 3; 0: not counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub max_restarts: Option<i32>,
    /// Ready → not Ready transitions of the new revision's pods that end the rollout
    /// (default 3; 0: not counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub max_readiness_flaps: Option<i32>,
    /// `Abort` (default): traffic and capacity back to stable. `Pause`: hold where it is (no
    /// more weight) until the revision is replaced or aborted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<UnstableAction>,
}

/// What an unstable new revision ends in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum UnstableAction {
    /// Return to stable.
    #[default]
    Abort,
    /// Hold for a person.
    Pause,
}

/// Default of `unstablePods.maxRestarts` and `maxReadinessFlaps`.
pub const DEFAULT_UNSTABLE_LIMIT: i32 = 3;

impl UnstablePods {
    /// Whether `restarts` and `flaps` reach a limit; the reason in words if so.
    pub fn exceeded(this: Option<&Self>, restarts: i32, flaps: i32) -> Option<String> {
        let limit = |v: Option<i32>| v.unwrap_or(DEFAULT_UNSTABLE_LIMIT);
        let (max_restarts, max_flaps) =
            (limit(this.and_then(|u| u.max_restarts)), limit(this.and_then(|u| u.max_readiness_flaps)));
        if max_restarts > 0 && restarts >= max_restarts {
            return Some(format!("its pods restarted {restarts} times (limit {max_restarts})"));
        }
        if max_flaps > 0 && flaps >= max_flaps {
            return Some(format!("its pods went from Ready to not Ready {flaps} times (limit {max_flaps})"));
        }
        None
    }
}

/// Traffic routers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct TrafficRouting {
    /// Weights on a Gateway API HTTPRoute's backendRefs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_api: Option<GatewayApiRouting>,
}

/// A Gateway API route (HTTPRoute or GRPCRoute, `gateway.networking.k8s.io/v1`) whose
/// backendRefs to the stable and canary Services get weights. Ramp changes only those two
/// weights, in the rules named here; every other rule, match, filter and backend is left as
/// it is, so several Rollouts can share one route.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("(has(self.httpRoute) ? 1 : 0) + (has(self.grpcRoute) ? 1 : 0) == 1")
    .message("gatewayApi names exactly one of httpRoute or grpcRoute"))]
pub struct GatewayApiRouting {
    /// Name of the HTTPRoute in the Rollout's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub http_route: Option<String>,
    /// Name of the GRPCRoute in the Rollout's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub grpc_route: Option<String>,
    /// The rules to weight, by name or index; empty: every rule whose backendRefs name both
    /// the stable and the canary Service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub rules: Vec<RouteRuleRef>,
}

impl GatewayApiRouting {
    /// The route's kind and name.
    pub fn route(&self) -> Option<(RouteKind, &str)> {
        match (&self.http_route, &self.grpc_route) {
            (Some(h), None) => Some((RouteKind::Http, h.as_str())),
            (None, Some(g)) => Some((RouteKind::Grpc, g.as_str())),
            _ => None,
        }
    }
}

/// The two Gateway API route kinds with weighted backendRefs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum RouteKind {
    /// `HTTPRoute`
    Http,
    /// `GRPCRoute`
    Grpc,
}

impl RouteKind {
    /// The kind's name.
    pub fn kind(self) -> &'static str {
        match self {
            RouteKind::Http => "HTTPRoute",
            RouteKind::Grpc => "GRPCRoute",
        }
    }

    /// The resource's plural.
    pub fn plural(self) -> &'static str {
        match self {
            RouteKind::Http => "httproutes",
            RouteKind::Grpc => "grpcroutes",
        }
    }
}

/// One rule of a route: by `name` (Gateway API 1.2+) or by 0-based `index`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("(has(self.name) ? 1 : 0) + (has(self.index) ? 1 : 0) == 1")
    .message("a rule is named by exactly one of name or index"))]
pub struct RouteRuleRef {
    /// The rule's `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub name: Option<String>,
    /// The rule's position in `spec.rules`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 15))]
    pub index: Option<i32>,
}

/// One canary step: exactly one member is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new(
    "(has(self.setWeight) ? 1 : 0) + (has(self.pause) ? 1 : 0) + (has(self.analysis) ? 1 : 0) \
     + (has(self.approval) ? 1 : 0) + (has(self.setCanaryScale) ? 1 : 0) + (has(self.setHeaderRoute) ? 1 : 0) == 1"
).message("a step sets exactly one of setWeight, pause, analysis, approval, setCanaryScale or setHeaderRoute"))]
pub struct CanaryStep {
    /// Percentage of traffic for the canary, 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub set_weight: Option<i32>,
    /// Wait: for `duration`, or until promoted when no duration is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<PauseStep>,
    /// Run an analysis and wait for its verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<RolloutAnalysis>,
    /// Wait for an approval from the dashboard, CLI or API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalStep>,
    /// Size the canary independently of its traffic weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_canary_scale: Option<SetCanaryScale>,
    /// Send requests with matching headers to the canary, whatever the weight (HTTPRoute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_header_route: Option<SetHeaderRoute>,
}

/// A header route: a rule Ramp adds to the HTTPRoute, with the weighted rule's matches plus
/// these headers (exact values), sending everything to the canary. It lasts until a later
/// `setHeaderRoute` of the same name without `match` removes it, or until promotion or abort.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct SetHeaderRoute {
    /// Name of the header route (part of the rule's name).
    #[schemars(length(min = 1, max = 63), regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: String,
    /// Headers a request must carry, all of them; empty: remove the route.
    #[serde(default, rename = "match", skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub matches: Vec<HeaderMatch>,
}

/// One header a request must carry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct HeaderMatch {
    /// Header name (case-insensitive).
    #[schemars(length(min = 1, max = 256))]
    pub header_name: String,
    /// Exact value.
    #[schemars(length(min = 1, max = 4096))]
    pub header_value: String,
}

/// A pause step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct PauseStep {
    /// How long to wait; absent means until promoted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<DurationString>,
}

/// An approval gate: a canary `approval` step, or a blue-green switch that waits for people.
/// Approvals are bound to the revision they approve; one rejection fails the gate.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalStep {
    /// Shown to approvers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub message: Option<String>,
    /// Approvals needed, each from a different person (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10))]
    pub required: Option<i32>,
    /// Only approvals from members of one of these groups count (as the API server
    /// authenticated them; empty: anyone allowed to approve).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 16))]
    pub groups: Vec<String>,
    /// The gate fails if it is not approved within this long of being reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<DurationString>,
    /// What a rejection or a timeout does: `abort` (default) or `pause` (the rollout holds at
    /// the gate until promoted past it or aborted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_reject: Option<GateFailure>,
}

/// What a failed approval gate does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum GateFailure {
    /// Abort: traffic and capacity return to stable.
    #[default]
    Abort,
    /// Hold at the gate: a person promotes past it or aborts.
    Pause,
}

/// Canary size override: exactly one member is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new(
    "(has(self.replicas) ? 1 : 0) + (has(self.weight) ? 1 : 0) + (has(self.matchTrafficWeight) ? 1 : 0) == 1"
).message("setCanaryScale sets exactly one of replicas, weight or matchTrafficWeight"))]
pub struct SetCanaryScale {
    /// An absolute number of canary pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub replicas: Option<i32>,
    /// Canary pods as a percentage of `replicas`, 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub weight: Option<i32>,
    /// Go back to sizing the canary by its traffic weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_traffic_weight: Option<bool>,
}

/// Analysis run from one or more templates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct RolloutAnalysis {
    /// The AnalysisTemplates (or ClusterAnalysisTemplates) to run together.
    #[schemars(length(min = 1, max = 16))]
    pub templates: Vec<AnalysisTemplateRef>,
    /// Values for the templates' arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 64))]
    pub args: Vec<AnalysisArg>,
    /// What a run that ends in `Error` (a provider that kept failing) does: `abort` (the
    /// default) or `pause` for a person. It never promotes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_error: Option<AnalysisErrorAction>,
    /// Measure and record every verdict without acting on any (a shadow run of templates
    /// that are not trusted yet): the step passes once the measurements are taken.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

/// What an analysis whose provider kept failing does to the rollout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AnalysisErrorAction {
    /// Abort, as for a failed analysis.
    #[default]
    Abort,
    /// Pause, as for an inconclusive one: a person promotes or aborts.
    Pause,
}

/// Background analysis for a canary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct BackgroundAnalysis {
    /// The templates and arguments.
    #[serde(flatten)]
    pub analysis: RolloutAnalysis,
    /// Step index (0-based) at which the analysis starts (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub starting_step: Option<i32>,
}

/// A reference to an analysis template.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
pub struct AnalysisTemplateRef {
    /// Name of the template.
    #[schemars(length(min = 1, max = 253))]
    pub template_name: String,
    /// Look the name up among ClusterAnalysisTemplates instead of namespaced ones.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cluster_scope: bool,
}

/// A named argument passed to analysis templates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, KubeSchema)]
#[x_kube(crates(kube_core = "::kube_core"))]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.value) != has(self.valueFrom)").message("an argument sets one of value or valueFrom"))]
pub struct AnalysisArg {
    /// Argument name as the template declares it.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Literal value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Value from a Secret in the Rollout's namespace, read at each measurement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<crate::api::analysis::template::ArgSource>,
}
