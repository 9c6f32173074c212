//! Analysis in the shell: AnalysisRuns kept in line with each plan ([`runs`]), measured by
//! their own controller ([`runner`]) through the [`provider`]s, and read back as the
//! planner's verdicts ([`verdicts`]).

pub mod provider;
pub mod runner;
pub mod runs;
pub mod verdicts;
