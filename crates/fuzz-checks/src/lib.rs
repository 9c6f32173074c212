//! The checks behind Ramp's fuzz targets: one function per target, each taking arbitrary
//! bytes, feeding them to one part of Ramp and asserting what must hold for any input (no
//! panic, no NaN verdict, every error answer a Status, ...).
//!
//! ```text
//!  fuzz/fuzz_targets/<target>.rs ──┐          (cargo fuzz, libFuzzer, nightly flags)
//!                                  ├─► fuzz_checks::<target>(bytes)
//!  tests/corpus_replay.rs ─────────┘          (cargo test, stable: every committed input)
//! ```
//!
//! The checks panic (through `assert!`) only when an invariant breaks: that is how libFuzzer
//! and the replay test both notice. Inputs are text where the part fuzzed reads text, so the
//! corpus under `fuzz/corpus/<target>/` stays readable.

pub mod analysis_expr;
pub mod durations;
pub mod judges;
pub mod patches;
pub mod requests;
pub mod rollout_spec;
pub mod selectors;

/// A fuzz target: its name (the file under `fuzz/fuzz_targets/` and the corpus folder) and
/// its check.
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// The check it runs on each input.
    pub check: fn(&[u8]),
}

/// Every target, by name.
pub const TARGETS: [Target; 7] = [
    Target { name: "rollout_spec", check: rollout_spec::check },
    Target { name: "int_or_percent_and_durations", check: durations::check },
    Target { name: "analysis_expr", check: analysis_expr::check },
    Target { name: "judges", check: judges::check },
    Target { name: "hollow_selectors", check: selectors::check },
    Target { name: "hollow_patches", check: patches::check },
    Target { name: "hollow_requests", check: requests::check },
];
