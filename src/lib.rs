//! Ramp: a progressive delivery controller for Kubernetes.
//!
//! ```text
//!  api  ◄── plan (pure: Observed + now ─► Plan { actions, status, requeue })
//!   ▲         ▲
//!   └── whatif ┘ (runs plans at compressed time on the hollow cluster, `crates/hollow`)
//!   └── cli      (ramp / kubectl-ramp)
//!   └── dashboard (web UI and JSON API on the controller's caches)
//! ```
//!
//! `api` and `plan` live in `crates/core` (`ramp-core`), whose dependencies are plain-data
//! crates only: the planner cannot name tokio, a kube client or the hollow cluster.

pub use ramp_core::{analysis, api, plan};

pub mod cli;
pub mod controller;
pub mod dashboard;
#[cfg(feature = "hollow")]
pub mod fault_matrix;
pub mod gates;
#[cfg(feature = "hollow")]
pub mod whatif;
