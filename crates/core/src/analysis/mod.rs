//! Metric analysis: how measurements become verdicts. Pure, like the planner: providers (I/O)
//! live in the shell and hand measurements in.
//!
//! - [`expr`]: the `threshold` judge's condition language.

pub mod expr;
