//! Every committed fuzz input — the seed corpora (`fuzz/corpus/<target>/`) and the inputs
//! that once crashed (`fuzz/regressions/<target>/`) — run through its target's check on the
//! stable toolchain, so `cargo test` catches a regression without cargo-fuzz or nightly.

#![allow(clippy::panic)] // tests may panic: that is how they fail

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
};

use fuzz_checks::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files under `fuzz/<kind>/<target>/`, sorted (none when the folder does not exist).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Replays every committed input of `target`; fails naming each input whose check panicked.
fn replay(target: &str) {
    let t = TARGETS.iter().find(|t| t.name == target).unwrap_or_else(|| panic!("no target {target}"));
    let seeds = inputs("corpus", target);
    assert!(!seeds.is_empty(), "fuzz/corpus/{target}/ has no seed: the replay would prove nothing");
    let mut failed = Vec::new();
    for path in seeds.iter().chain(&inputs("regressions", target)) {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if catch_unwind(AssertUnwindSafe(|| (t.check)(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target}: these inputs fail their check:\n{}", failed.join("\n"));
}

#[test]
fn every_target_has_a_replay_test() {
    let here = include_str!("corpus_replay.rs");
    for t in &TARGETS {
        assert!(here.contains(&format!("fn {}()", t.name)), "no replay test for {}", t.name);
        assert!(
            fuzz_dir().join("fuzz_targets").join(format!("{}.rs", t.name)).is_file(),
            "no fuzz target {}",
            t.name
        );
    }
}

#[test]
fn rollout_spec() {
    replay("rollout_spec");
}

#[test]
fn int_or_percent_and_durations() {
    replay("int_or_percent_and_durations");
}

#[test]
fn analysis_expr() {
    replay("analysis_expr");
}

#[test]
fn judges() {
    replay("judges");
}

#[test]
fn hollow_selectors() {
    replay("hollow_selectors");
}

#[test]
fn hollow_patches() {
    replay("hollow_patches");
}

#[test]
fn hollow_requests() {
    replay("hollow_requests");
}
