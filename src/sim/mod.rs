//! The hollow cluster. For now: a discrete-event simulation of the workload controllers
//! around one Rollout, used by `ramp plan` and the planner's property tests.

pub mod cluster;
pub mod driver;
pub mod rng;
