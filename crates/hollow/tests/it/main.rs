//! The hollow cluster's integration tests, one binary (each test binary is a separate link
//! of the whole crate, and the crate is built optimised: one link instead of fourteen).
//! `watch_release` stays a binary of its own: it measures the process's memory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic: that is how they fail

mod common;

mod agent;
mod api;
mod auth;
mod client_findings;
mod controllers;
mod events;
mod faults;
mod jobs;
mod kubectl;
mod kubectl_rollout;
mod limits;
mod refusals;
mod requests;
mod tables;
mod traffic;
mod transport;
