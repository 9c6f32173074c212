//! `ramp bench`: each benchmark run at a tiny size through the real binary (the process
//! benchmarks start `ramp controller` children from it). These check the tables' shape and
//! what the benchmarks assert about correctness, never how fast anything was.

use std::process::{Command, Output};

fn bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ramp")).arg("bench").args(args).env("NO_COLOR", "1").output().unwrap()
}

/// Stdout of a benchmark that must succeed.
fn table(args: &[&str]) -> String {
    let out = bench(args);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "ramp bench {args:?} failed: {stderr}\n{stdout}");
    println!("{stdout}");
    stdout.into_owned()
}

/// The lines after the one starting with `header`, up to the first blank one, split in columns.
fn rows(text: &str, header: &str) -> Vec<Vec<String>> {
    let mut lines = text.lines().skip_while(|l| !l.trim_start().starts_with(header));
    let head = lines.next().unwrap_or_else(|| panic!("no header {header:?} in:\n{text}"));
    let width = head.split_whitespace().count();
    lines
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .take_while(|cols| cols.len() == width)
        .collect()
}

#[test]
fn failover_times_each_signal_and_finds_no_write_by_a_non_leader() {
    let out = table(&[
        "failover",
        "--kills",
        "1",
        "--stops",
        "1",
        "--lease-duration",
        "2s",
        "--renew-deadline",
        "1s",
        "--retry-period",
        "200ms",
    ]);
    let rows = rows(&out, "leader");
    let signals: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(signals, ["SIGKILL", "SIGTERM"]);
    assert!(rows.iter().all(|r| r[1] == "1" && r[2..].iter().all(|c| c.ends_with('s'))), "{rows:?}");
    let audit = out.lines().find(|l| l.starts_with("writes by the controllers")).unwrap();
    assert!(audit.ends_with(", 0 by an instance that did not hold the lease"), "{audit}");
    assert!(!audit.contains(": 0 checked"), "the leaders wrote something: {audit}");
}

#[test]
fn steady_prints_the_footprint_and_the_reaction_of_a_controller_process() {
    // Ten failing verdicts in a row: each new revision's run must be measured, never ended
    // unmeasured and passed (a stale-cache race once promoted about one revision in 30).
    let out = table(&["steady", "--rollouts", "2", "--idle-secs", "1", "--changes", "2", "--verdicts", "10"]);
    let footprint = rows(&out, "rollouts     rs");
    assert_eq!(footprint.len(), 1, "{out}");
    assert_eq!(footprint[0][0], "2");
    // Two Rollouts at their second revision, plus the verdict canary not created yet: 4 RS.
    assert_eq!(footprint[0][1], "4", "two ReplicaSets each: {footprint:?}");
    assert!(footprint[0][4].ends_with("MiB"), "{footprint:?}");
    let reaction = rows(&out, "rollouts  change-p50");
    assert_eq!(reaction.len(), 1, "{out}");
    assert!(reaction[0][1..].iter().all(|c| c.ends_with("ms")), "{reaction:?}");
}

#[test]
fn rolling_compares_each_case_with_its_optimal_schedule() {
    let out = table(&["rolling", "--cases", "3/1/0/200ms,4/2/1/200ms", "--runs", "1"]);
    let rows = rows(&out, "replicas");
    assert_eq!(rows.len(), 2, "{out}");
    // 3 pods one at a time: three waves of 200 ms; 4 pods three at a time: two waves.
    assert_eq!((rows[0][4].as_str(), rows[0][5].as_str()), ("3", "0.60s"));
    assert_eq!((rows[1][4].as_str(), rows[1][5].as_str()), ("2", "0.40s"));
    // replicas surge unavail ready waves optimal measured worst rounding ratio
    assert!(rows.iter().all(|r| r.len() == 10 && r[9].ends_with('x')), "{rows:?}");
}

#[test]
fn requests_counts_each_strategy_against_its_minimum() {
    let out = table(&["requests", "--replicas", "2"]);
    let rows = rows(&out, "strategy");
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["rolling", "blue-green", "canary", "canary-route"]);
    for r in &rows {
        let (writes, minimum): (u32, u32) = (r[1].parse().unwrap(), r[2].parse().unwrap());
        assert!(writes >= minimum, "fewer writes than the minimum necessary: {r:?}");
    }
}

#[test]
fn whatif_reports_simulated_hours_per_scenario() {
    let out = table(&["whatif", "--runs", "1"]);
    // Scenario names have spaces: a row is its line, its last four columns numbers.
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("scenario"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("simulated:"))
        .collect();
    assert_eq!(rows.len(), 4, "three scenarios and the total: {out}");
    assert!(rows[3].starts_with("all "), "{out}");
    for r in &rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        let runs: u32 = cols[cols.len() - 4].parse().unwrap_or_else(|_| panic!("runs in {r:?}"));
        assert!(runs >= 1, "{r}");
        assert!(cols[cols.len() - 3].ends_with('h') && cols[cols.len() - 2].ends_with('s'), "{r}");
        let rate: f64 = cols[cols.len() - 1].parse().unwrap_or_else(|_| panic!("rate in {r:?}"));
        assert!(rate > 0.0, "{r}");
    }
}

#[test]
fn detection_catches_every_faulty_canary_with_each_judge() {
    let out = table(&["detection", "--canaries", "20"]);
    let judges: Vec<&str> = out.lines().skip(1).take(3).collect();
    assert_eq!(judges.len(), 3, "{out}");
    for j in judges {
        assert!(j.contains("100.0%"), "every 20%-error canary caught: {j}");
    }
}

#[test]
fn bad_arguments_are_refused_before_anything_runs() {
    let out = bench(&["failover", "--kills", "0", "--stops", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to measure"));
    let out = bench(&["rolling", "--cases", "10/0/0/1s"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bench(&["failover", "--lease-duration", "1s", "--renew-deadline", "1s"]);
    assert_eq!(out.status.code(), Some(2));
}
