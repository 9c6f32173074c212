//! Helpers shared by the hollow cluster's integration tests.
#![allow(dead_code)]

pub mod http;
pub mod kubectl;
