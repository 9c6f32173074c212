//! What-if runs: the real planner against a simulated cluster at compressed time, used by
//! `ramp plan` and the planner's property tests.

pub mod cluster;
pub mod driver;
pub mod record;
