//! The fault matrix (`ramp bench faults`, docs/reliability.md): each strategy rolled out by the
//! controller on the hollow cluster under each fault, on tokio's paused clock. Every cell must
//! reach its end state (promoted; aborted to stable when a canary's metrics provider is down),
//! with traffic never pointed at a version without a Ready pod, the budget never overdrawn by
//! a scale-down, and nothing lost from status, checked at every change the cluster makes; and
//! the fault must really have been injected. One test per strategy, so they run side by side.

use ramp::fault_matrix::{self, Cell, Fault, Outcome, Strategy, render_details, render_grid};

async fn run_strategy(strategy: Strategy) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for cell in fault_matrix::cells().into_iter().filter(|c: &Cell| c.strategy == strategy) {
        outcomes.push(fault_matrix::run(cell).await);
    }
    println!("{}\n{}", render_grid(&outcomes), render_details(&outcomes));
    outcomes
}

/// Every cell passed, and each check had something to check.
fn assert_all_held(strategy: Strategy, outcomes: &[Outcome]) {
    let applicable = Fault::ALL.iter().filter(|f| f.applies_to(strategy)).count();
    assert_eq!(outcomes.len(), applicable, "one cell per fault");
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.passed()).collect();
    assert!(
        failed.is_empty(),
        "cells that failed:\n{}",
        render_details(&failed.into_iter().cloned().collect::<Vec<_>>())
    );
    for o in outcomes {
        assert!(
            o.checked.statuses > 0 && o.checked.scale_downs > 0,
            "{:?}: checks ran: {:?}",
            o.cell,
            o.checked
        );
        // Every strategy but the rolling update moves traffic by selectors or weights.
        if strategy != Strategy::RollingUpdate {
            assert!(o.checked.routing > 0, "{:?}: routing checked: {:?}", o.cell, o.checked);
        }
        assert!(o.requests.1 > 0, "{:?}: the controller wrote", o.cell);
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_rolling_update_holds_every_check_under_every_fault() {
    let outcomes = run_strategy(Strategy::RollingUpdate).await;
    assert_all_held(Strategy::RollingUpdate, &outcomes);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_blue_green_switch_holds_every_check_under_every_fault() {
    let outcomes = run_strategy(Strategy::BlueGreen).await;
    assert_all_held(Strategy::BlueGreen, &outcomes);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_replica_ratio_canary_holds_every_check_under_every_fault() {
    let outcomes = run_strategy(Strategy::CanaryReplicas).await;
    assert_all_held(Strategy::CanaryReplicas, &outcomes);
    let down = outcomes.iter().find(|o| o.cell.fault == Fault::MetricsDown).unwrap();
    assert_eq!(down.expected, fault_matrix::End::Aborted, "no metrics, no promotion: it fails closed");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_gateway_routed_canary_holds_every_check_under_every_fault() {
    let outcomes = run_strategy(Strategy::CanaryGateway).await;
    assert_all_held(Strategy::CanaryGateway, &outcomes);
}

#[test]
fn ramp_bench_faults_prints_the_matrix_and_refuses_a_fault_it_does_not_know() {
    let ramp =
        |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_ramp")).args(args).output().unwrap();
    let o = ramp(&["bench", "faults", "--strategy", "blue-green", "--fault", "none,pod-kills"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{text}\n{}", String::from_utf8_lossy(&o.stderr));
    let row = |name: &str| text.lines().find(|l| l.starts_with(name)).unwrap_or_default().to_string();
    assert!(row("fault").contains("blue-green"), "{text}");
    assert!(row("none ").contains("ok promoted"), "{text}");
    assert!(row("pod-kills ").contains("ok promoted"), "{text}");
    assert!(text.contains("blue-green       pod-kills") && text.contains("2 pods killed"), "{text}");
    assert!(text.trim_end().ends_with("2 cells, 2 passed, 0 failed"), "{text}");

    let bad = ramp(&["bench", "faults", "--fault", "bogus"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("unknown fault \"bogus\"; known: none, api-errors-500"), "{err}");
}
