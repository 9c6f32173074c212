//! The hollow cluster: a Kubernetes-compatible API server in memory, with hollow workload
//! controllers and kubelets, synthetic traffic and SLI metrics per version, fault injection, a
//! virtual clock, an in-process transport and an agent mode. Real clients (kube-rs, `kubectl`,
//! the official Python client) use it unchanged.
//!
//! Test and what-if infrastructure for Ramp; not published. It knows nothing of Ramp: a
//! Rollout is just a custom resource to it.

pub mod agent;
pub mod apiserver;
pub mod clock;
pub mod controllers;
pub mod embedded;
pub mod rng;
pub mod tls;
pub mod traffic;
pub mod transport;
