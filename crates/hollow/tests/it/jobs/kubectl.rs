//! The real kubectl creates a Job with its own generator (a protobuf body), waits for it to
//! complete and lists it, on a hollow cluster whose virtual clock the test moves.

use std::time::Duration;

use crate::common::kubectl::Kubectl;
use hollow::{clock::Clock, clock::epoch, controllers::Controllers, embedded};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_creates_waits_for_and_lists_a_job() {
    let running = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::virtual_at(epoch())).await.unwrap();
    let controllers = Controllers::new(running.server.clone());
    let dir = std::env::temp_dir().join(format!("ramp-kubectl-jobs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    embedded::write_kubeconfig(&dir.join("kubeconfig"), &running.url()).unwrap();
    let k = Kubectl { running, dir };
    let advance = |secs| {
        k.running.server.clock.advance(Duration::from_secs(secs));
        controllers.settle();
    };

    let out = k.ok(&["create", "job", "smoke", "--image=busybox:1.36", "--", "true"]).await;
    assert_eq!(out.trim(), "job.batch/smoke created");
    controllers.settle();
    let err = k.fails(&["wait", "--for=condition=complete", "job/smoke", "--timeout=0s"]).await;
    assert!(err.contains("condition not met for jobs/smoke"), "{err}");
    let running = k.ok(&["get", "jobs"]).await;
    let row: Vec<&str> = running.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row[..4], ["smoke", "Running", "0/1", "0s"], "{running}");

    advance(1);
    let out = k.ok(&["wait", "--for=condition=complete", "job/smoke", "--timeout=20s"]).await;
    assert_eq!(out.trim(), "job.batch/smoke condition met");
    advance(9);
    let jobs = k.ok(&["get", "jobs"]).await;
    let lines: Vec<Vec<&str>> = jobs.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines[0], ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], "{jobs}");
    assert_eq!(lines[1], ["smoke", "Complete", "1/1", "1s", "10s"], "{jobs}");
    let pods = k.ok(&["get", "pods", "-l", "job-name=smoke"]).await;
    let pod: Vec<&str> = pods.lines().nth(1).unwrap().split_whitespace().collect();
    assert!(pod[0].starts_with("smoke-"), "{pods}");
    assert_eq!(pod[1..4], ["0/1", "Completed", "0"], "{pods}");
    let described = k.ok(&["describe", "job", "smoke"]).await;
    assert!(described.contains("0 Active (0 Ready) / 1 Succeeded / 0 Failed"), "{described}");
    let command =
        k.ok(&["get", "job", "smoke", "-o", "jsonpath={.spec.template.spec.containers[0].command}"]).await;
    assert_eq!(command, r#"["true"]"#);

    // kubectl deletes in the background: the pods go too.
    k.ok(&["delete", "job", "smoke"]).await;
    controllers.settle();
    let left = k.ok(&["get", "pods", "-l", "job-name=smoke", "-o", "name"]).await;
    assert_eq!(left.trim(), "");
}
