//! The custom resource types (`ramp.dev/v1alpha1`), their defaults, validation and CRD YAML.
//!
//! Nothing here performs I/O; the planner, the controller, the CLI and the hollow cluster all
//! build on these types.

pub mod analysis;
pub mod condition;
pub mod crd;
pub mod duration;
pub mod reference;
pub mod rollout;
pub mod selector;
pub mod status;
pub mod strategy;
pub mod validate;
pub mod webhook;

pub use duration::DurationString;
pub use rollout::{Rollout, RolloutSpec, WorkloadRef, WorkloadScaleDown};
pub use status::{
    ApprovalRecord, PauseCondition, PendingNotification, RequestRecord, RolloutPhase, RolloutStatus,
    TemplateOverride,
};
pub use strategy::{
    AnalysisArg, AnalysisErrorAction, AnalysisTemplateRef, ApprovalStep, BackgroundAnalysis,
    BlueGreenStrategy, CanaryStep, CanaryStrategy, GateFailure, GatewayApiRouting, HeaderMatch, PauseStep,
    RollingUpdateStrategy, RolloutAnalysis, RolloutStrategy, RouteKind, RouteRuleRef, SetCanaryScale,
    SetHeaderRoute, StrategyRef, TrafficRouting, UnstableAction, UnstablePods,
};
pub use validate::{FieldError, InvalidSpec, validate};
pub use webhook::{Webhook, WebhookKind};
