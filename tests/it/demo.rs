//! `ramp demo` runs to completion on a compressed timeline, as CI and a newcomer run it, and its
//! output tells both outcomes: the healthy version promoted, the faulty one aborted by analysis.

use std::process::Command;

#[test]
fn the_demo_promotes_the_healthy_version_and_aborts_the_faulty_one() {
    let dir = std::env::temp_dir().join(format!("ramp-demo-test-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_ramp"))
        .args(["demo", "--pace", "0.1", "--kubeconfig"])
        .arg(dir.join("kubeconfig"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stdout}\n{stderr}", out.status);
    let outcome = stdout.split("Outcome").nth(1).unwrap_or_default();
    assert!(outcome.contains("demo:v2           promoted"), "{stdout}");
    assert!(outcome.contains("demo:v3-errors20  aborted by analysis"), "{stdout}");
    assert!(stdout.contains("meets failureCondition"), "the reason names the failed condition: {stdout}");
    // The timeline shows the canary's steps and the measurements, not only the end.
    for want in ["step 2/4: analysis", "analysis success-rate: success rate 1.000 passes", "FAILS"] {
        assert!(stdout.contains(want), "{want:?} missing from\n{stdout}");
    }
    assert!(!stdout.contains('\u{1b}'), "no colour or redraws when stdout is not a terminal");
    // The dashboard served beside it, with a demo-only token file next to the kubeconfig.
    assert!(
        stdout.contains("  dashboard:  http://127.0.0.1:") && stdout.contains("(log in with token "),
        "{stdout}"
    );
    let tokens = std::fs::read_to_string(dir.join("dashboard-tokens")).unwrap();
    assert!(tokens.lines().any(|l| l.ends_with(",demo,demo-admins")), "{tokens}");
    let _ = std::fs::remove_dir_all(dir);
}
