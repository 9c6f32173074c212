//! Metric analysis: how measurements become verdicts. Pure, like the planner: providers (I/O)
//! live in the shell and hand answers in.
//!
//! - [`expr`]: the `threshold` judge's condition language;
//! - [`value`]: measured values and their text form in status;
//! - [`substitute`]: `{{args.NAME}}` and friends in queries;
//! - [`threshold`], [`comparative`] (the `compare` judge of [`compare`] over [`stats`], and
//!   the [`sequential`] judge): one measurement judged;
//! - [`measure`]: an answer into a measurement with evidence (no-data policy first);
//! - [`tally`]: limits, phases and schedule;
//! - [`check`]: metrics checked before a run (and by `ramp lint`).

pub mod builtin;
pub mod check;
pub mod comparative;
pub mod compare;
pub mod expr;
#[cfg(test)]
mod fuzz;
pub mod measure;
pub mod replay;
pub mod sequential;
pub mod stats;
pub mod substitute;
pub mod tally;
pub mod threshold;
pub mod value;
