//! Ramp's integration tests, one binary (each test binary is a separate link of the whole
//! crate and its dependencies: one link instead of fifteen).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic: that is how they fail

mod common;

mod analysis_examples;
mod analysis_job;
mod analysis_prometheus;
mod analysis_providers;
mod architecture;
mod bench;
mod blue_green_e2e;
mod blue_green_props;
mod blue_green_tables;
mod canary_e2e;
mod canary_props;
mod canary_tables;
mod canary_unstable;
mod chart;
mod cli;
mod controller_crash;
mod controller_e2e;
mod controller_events;
mod controller_failover;
mod controller_failures;
mod controller_scoping;
mod controller_serve;
mod controller_writes;
mod crd;
mod crd_served;
mod dashboard_api;
mod dashboard_browser;
mod dashboard_live;
mod dashboard_rbac;
mod demo;
mod examples_e2e;
mod fault_matrix;
mod gates_webhooks;
mod gitops;
mod one_world;
mod operations_tables;
mod plan_props;
mod plan_tables;
mod plugin_gates;
mod plugin_offline;
mod plugin_ops;
mod plugin_status;
mod plugin_view;
mod python_client;
mod sim_auth;
mod validate;
mod workload_e2e;
