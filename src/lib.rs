//! Ramp: a progressive delivery controller for Kubernetes.
//!
//! ```text
//!  api  ◄── plan (pure: Observed + now ─► Plan { actions, status, requeue })
//!   ▲         ▲
//!   └── whatif ┘ (runs plans at compressed time on the hollow cluster, `crates/hollow`)
//!   └── cli      (ramp / kubectl-ramp)
//! ```
//!
//! `plan` depends only on `api` and plain-data crates; it never performs I/O or reads a clock.

pub mod api;
pub mod cli;
pub mod controller;
pub mod plan;
#[cfg(feature = "hollow")]
pub mod whatif;
