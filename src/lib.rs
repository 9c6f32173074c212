//! Ramp: a progressive delivery controller for Kubernetes.
//!
//! ```text
//!  api  ◄── plan (pure: Observed + now ─► Plan { actions, status, requeue })
//!   ▲         ▲
//!   └── sim ──┘  (hollow cluster; the driver runs plans at compressed time)
//!   └── cli      (ramp / kubectl-ramp)
//! ```
//!
//! `plan` depends only on `api` and plain-data crates; it never performs I/O or reads a clock.

pub mod api;
pub mod cli;
pub mod controller;
pub mod plan;
pub mod sim;
