//! The hollow cluster. For now: a discrete-event simulation of the workload controllers
//! around one Rollout, used by `ramp plan` and the planner's property tests.

pub mod agent;
pub mod apiserver;
pub mod clock;
pub mod cluster;
pub mod controllers;
pub mod driver;
pub mod embedded;
pub mod record;
pub mod rng;
pub mod traffic;
pub mod transport;
