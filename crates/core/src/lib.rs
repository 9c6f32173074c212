//! Ramp's Rollout API and its planner.
//!
//! ```text
//!  api  ◄── plan (pure: Observed + now ─► Plan { actions, status, requeue })
//! ```
//!
//! This crate is the planner's boundary: its dependencies are plain-data crates only (no async
//! runtime, no HTTP, no kube client, no hollow cluster), so the compiler, not a review, keeps
//! `plan` free of I/O. The clock is kept out by clippy's `disallowed-methods`.

pub mod analysis;
pub mod api;
pub mod plan;
