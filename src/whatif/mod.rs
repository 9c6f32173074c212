//! What-if runs: the real planner against the hollow cluster at compressed time, used by
//! `ramp plan` and the planner's property tests. There is one model of Kubernetes: these runs
//! drive the same hollow controllers, kubelets and disruption controller as the end-to-end
//! tests, and the planner's writes reach them as the controller's own requests.

pub mod driver;
pub mod history;
pub mod record;
pub mod world;
