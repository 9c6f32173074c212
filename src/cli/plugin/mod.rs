//! The `kubectl ramp` commands that read and change live Rollouts, beside the operations of
//! [`super::ops`]: `list`, `get` (a tree, `--watch`), `status` (exit codes for CI), `set
//! image`, `history`, `plan ROLLOUT` (what the controller does next), `lint` (offline) and
//! `completion`. Every cluster command takes kubectl's `--kubeconfig`, `--context` and
//! `-n/--namespace` ([`target`]) and `-o text|json|yaml` ([`output`]).

pub mod completion;
pub mod get;
pub mod history;
#[cfg(feature = "hollow")]
pub mod lint;
pub mod list;
pub mod output;
pub mod plan_live;
pub mod set_image;
pub mod status;
pub mod target;
pub mod whoami;
