//! Jobs run by the hollow Job controller and kubelet on a virtual clock: success, failure
//! after the backoff limit, the active deadline, the pod failure policy, `OnFailure` restarts,
//! suspension, the TTL after finishing, deletion, and the `kubectl get jobs` table.

use super::{Hollow, cond, conditions, job};
use crate::common::http;
use kube::api::DeleteParams;
use serde_json::{Value, json};

#[tokio::test]
async fn a_job_runs_its_pod_to_completion() {
    let h = Hollow::new().await;
    let created = h.create(job("smoke", "smoke:v1", "5s", json!({}))).await;
    let uid = created.metadata.uid.unwrap();
    let running = h.job("smoke").await;
    assert_eq!(running["status"]["active"], 1);
    assert_eq!(running["status"]["ready"], 1);
    assert_eq!(running["status"]["startTime"], "2026-01-01T00:00:00Z");
    assert_eq!(running["status"]["terminating"], 0);
    assert_eq!(running["status"]["uncountedTerminatedPods"], json!({}));
    assert!(running["status"].get("conditions").is_none(), "{running}");

    let pods = h.pods("smoke").await;
    assert_eq!(pods.len(), 1);
    let pod = &pods[0];
    let name = pod["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("smoke-") && name.len() == "smoke-".len() + 5, "{name}");
    assert_eq!(
        pod["metadata"]["ownerReferences"],
        json!([{"apiVersion": "batch/v1", "kind": "Job", "name": "smoke", "uid": uid, "controller": true, "blockOwnerDeletion": true}])
    );
    assert_eq!(pod["metadata"]["finalizers"], json!(["batch.kubernetes.io/job-tracking"]));
    assert_eq!(pod["metadata"]["labels"]["batch.kubernetes.io/controller-uid"], uid.as_str());
    assert_eq!(pod["metadata"]["annotations"]["sim.ramp.dev/run-duration"], "5s");
    assert_eq!(pod["status"]["phase"], "Running");

    h.advance(4);
    assert_eq!(h.job("smoke").await["status"]["active"], 1, "still running at 4s");
    h.advance(1);
    let done = h.job("smoke").await;
    let s = &done["status"];
    assert_eq!(
        conditions(&done),
        [cond("SuccessCriteriaMet", "CompletionsReached"), cond("Complete", "CompletionsReached")]
    );
    for c in s["conditions"].as_array().unwrap() {
        assert_eq!(c["message"], "Reached expected number of succeeded pods");
        assert_eq!(
            (&c["lastProbeTime"], &c["lastTransitionTime"]),
            (&json!("2026-01-01T00:00:05Z"), &json!("2026-01-01T00:00:05Z"))
        );
    }
    assert_eq!(s["succeeded"], 1);
    assert_eq!(s["completionTime"], "2026-01-01T00:00:05Z");
    assert_eq!((&s["ready"], &s["terminating"]), (&json!(0), &json!(0)));
    assert_eq!(s["uncountedTerminatedPods"], json!({}));
    assert!(s.get("active").is_none() && s.get("failed").is_none(), "{s}");

    let pod = &h.pods("smoke").await[0];
    assert_eq!(pod["status"]["phase"], "Succeeded");
    assert!(pod["metadata"].get("finalizers").is_none_or(|f| f == &json!([])), "counted: {pod}");
    let t = &pod["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!((t["exitCode"].as_i64(), t["reason"].as_str()), (Some(0), Some("Completed")));
    assert_eq!(
        (&t["startedAt"], &t["finishedAt"]),
        (&json!("2026-01-01T00:00:00Z"), &json!("2026-01-01T00:00:05Z"))
    );

    // `kubectl get jobs`: NAME STATUS COMPLETIONS DURATION AGE.
    h.advance(55);
    let t = http::table(&h.running.server, "/apis/batch/v1/namespaces/default/jobs").await.body;
    let names: Vec<&str> =
        t["columnDefinitions"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"]
    );
    assert_eq!(
        t["rows"][0]["cells"],
        json!([
            "smoke",
            "Complete",
            "1/1",
            "5s",
            "60s",
            "main",
            "smoke:v1",
            format!("batch.kubernetes.io/controller-uid={uid}")
        ])
    );
}

#[tokio::test]
async fn a_failing_job_is_retried_after_a_back_off_until_its_backoff_limit() {
    let h = Hollow::new().await;
    h.create(job("flaky", "smoke:v1-exit1", "1s", json!({"backoffLimit": 1}))).await;
    h.advance(1);
    let j = h.job("flaky").await;
    assert_eq!((&j["status"]["failed"], j["status"].get("active")), (&json!(1), None), "{j}");
    assert!(conditions(&j).is_empty(), "one failure is within the limit");
    let first = &h.pods("flaky").await[0];
    assert_eq!(first["status"]["phase"], "Failed");
    assert_eq!(first["status"]["containerStatuses"][0]["state"]["terminated"]["reason"], "Error");
    h.advance(9);
    assert_eq!(h.pods("flaky").await.len(), 1, "the replacement waits 10s");
    h.advance(1);
    assert_eq!(h.pods("flaky").await.len(), 2);
    assert_eq!(h.job("flaky").await["status"]["active"], 1);
    h.advance(1);
    let j = h.job("flaky").await;
    assert_eq!(
        conditions(&j),
        [cond("FailureTarget", "BackoffLimitExceeded"), cond("Failed", "BackoffLimitExceeded")]
    );
    assert_eq!(j["status"]["conditions"][1]["message"], "Job has reached the specified backoff limit");
    assert_eq!(j["status"]["failed"], 2);
    assert!(j["status"].get("completionTime").is_none() && j["status"].get("succeeded").is_none());
    let phases: Vec<Value> = h.pods("flaky").await.iter().map(|p| p["status"]["phase"].clone()).collect();
    assert_eq!(phases, [json!("Failed"), json!("Failed")]);
    let t = http::table(&h.running.server, "/apis/batch/v1/namespaces/default/jobs").await.body;
    assert_eq!(
        t["rows"][0]["cells"].as_array().unwrap()[1..4],
        [json!("Failed"), json!("0/1"), json!("12s")]
    );
}

#[tokio::test]
async fn the_active_deadline_fails_a_job_that_runs_too_long_and_kills_its_pod() {
    let h = Hollow::new().await;
    h.create(job("slow", "smoke:v1", "1h", json!({"activeDeadlineSeconds": 30}))).await;
    h.advance(29);
    assert!(conditions(&h.job("slow").await).is_empty());
    h.advance(1);
    let j = h.job("slow").await;
    assert_eq!(
        conditions(&j),
        [cond("FailureTarget", "DeadlineExceeded"), cond("Failed", "DeadlineExceeded")]
    );
    assert_eq!(j["status"]["conditions"][0]["message"], "Job was active longer than specified deadline");
    assert_eq!((&j["status"]["failed"], &j["status"]["terminating"]), (&json!(1), &json!(0)));
    assert!(h.pods("slow").await.is_empty(), "the killed pod was deleted");
}

#[tokio::test]
async fn a_fail_job_rule_ends_the_job_at_the_first_matching_exit_code() {
    let h = Hollow::new().await;
    let policy = json!({"rules": [{"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}}]});
    let j = h.create(job("strict", "smoke:v1-exit42", "2s", json!({"podFailurePolicy": policy}))).await;
    assert_eq!(j.spec.unwrap().pod_replacement_policy.as_deref(), Some("Failed"));
    h.advance(2);
    let j = h.job("strict").await;
    assert_eq!(
        conditions(&j),
        [cond("FailureTarget", "PodFailurePolicy"), cond("Failed", "PodFailurePolicy")]
    );
    let pod = h.pods("strict").await[0]["metadata"]["name"].as_str().unwrap().to_string();
    assert_eq!(
        j["status"]["conditions"][0]["message"],
        format!(
            "Container main for pod default/{pod} failed with exit code 42 matching FailJob rule at index 0"
        )
    );
}

#[tokio::test]
async fn on_failure_restarts_count_against_the_backoff_limit() {
    let h = Hollow::new().await;
    let mut spec = job("restarts", "smoke:v1", "10s", json!({"backoffLimit": 2}));
    spec["spec"]["template"]["spec"]["restartPolicy"] = json!("OnFailure");
    spec["spec"]["template"]["metadata"]["annotations"]["sim.ramp.dev/exit-code"] = json!("1");
    h.create(spec).await;
    h.advance(10);
    let pod = &h.pods("restarts").await[0];
    assert_eq!(
        (&pod["status"]["phase"], &pod["status"]["containerStatuses"][0]["restartCount"]),
        (&json!("Running"), &json!(1))
    );
    assert!(conditions(&h.job("restarts").await).is_empty());
    h.advance(10);
    let j = h.job("restarts").await;
    assert_eq!(
        conditions(&j),
        [cond("FailureTarget", "BackoffLimitExceeded"), cond("Failed", "BackoffLimitExceeded")]
    );
    assert_eq!(j["status"]["failed"], 1, "the restarting pod was killed");
}

#[tokio::test]
async fn a_suspended_job_waits_and_a_finished_one_expires_after_its_ttl() {
    let h = Hollow::new().await;
    h.create(job("later", "smoke:v1", "1s", json!({"suspend": true, "ttlSecondsAfterFinished": 30}))).await;
    let j = h.job("later").await;
    assert_eq!(conditions(&j), [cond("Suspended", "JobSuspended")]);
    assert!(j["status"].get("startTime").is_none() && h.pods("later").await.is_empty());
    let t = http::table(&h.running.server, "/apis/batch/v1/namespaces/default/jobs").await.body;
    assert_eq!(
        t["rows"][0]["cells"].as_array().unwrap()[1..4],
        [json!("Suspended"), json!("0/1"), json!("")]
    );

    h.advance(100);
    let patch = kube::api::Patch::Merge(json!({"spec": {"suspend": false}}));
    h.jobs().patch("later", &kube::api::PatchParams::default(), &patch).await.unwrap();
    h.settle();
    let j = h.job("later").await;
    assert_eq!(j["status"]["startTime"], "2026-01-01T00:01:40Z");
    assert_eq!(j["status"]["conditions"][0]["status"], "False");
    assert_eq!(j["status"]["conditions"][0]["reason"], "JobResumed");
    h.advance(1);
    assert!(crate::jobs::conditions(&h.job("later").await).contains(&cond("Complete", "CompletionsReached")));
    h.advance(29);
    assert_eq!(h.pods("later").await.len(), 1);
    h.advance(1);
    assert!(h.jobs().get_opt("later").await.unwrap().is_none(), "deleted 30s after it finished");
    assert!(h.pods("later").await.is_empty(), "its pods went with it");
}

#[tokio::test]
async fn deleting_a_job_in_the_background_takes_its_running_and_finished_pods() {
    let h = Hollow::new().await;
    h.create(job("done", "smoke:v1", "1s", json!({}))).await;
    h.create(job("busy", "smoke:v1", "1h", json!({"parallelism": 2, "completions": 4}))).await;
    h.advance(1);
    assert_eq!((h.pods("done").await.len(), h.pods("busy").await.len()), (1, 2));
    for name in ["done", "busy"] {
        h.jobs().delete(name, &DeleteParams::background()).await.unwrap();
    }
    h.settle();
    assert!(h.pods("done").await.is_empty());
    assert!(h.pods("busy").await.is_empty(), "running pods are killed, released and removed");
    assert!(h.jobs().get_opt("busy").await.unwrap().is_none());
}

#[tokio::test]
async fn a_plain_delete_through_batch_v1_orphans_the_pods_and_says_so() {
    let h = Hollow::new().await;
    h.create(job("kept", "smoke:v1", "1h", json!({}))).await;
    let a = http::call(&h.running.server, "DELETE", "/apis/batch/v1/namespaces/default/jobs/kept", &[], None)
        .await;
    assert_eq!(a.code, 200, "{}", a.body);
    let warning = a.headers.get("warning").unwrap().to_str().unwrap();
    assert!(warning.contains("child pods are preserved by default when jobs are deleted"), "{warning}");
    h.settle();
    assert!(h.jobs().get_opt("kept").await.unwrap().is_none());
    let pods = h.pods("kept").await;
    assert_eq!(pods.len(), 1, "orphaned, not deleted");
    assert!(pods[0]["metadata"].get("ownerReferences").is_none_or(|r| r == &json!([])), "{}", pods[0]);
    assert!(pods[0]["metadata"].get("finalizers").is_none_or(|f| f == &json!([])), "released: {}", pods[0]);
    assert_eq!(pods[0]["status"]["phase"], "Running");
}

#[tokio::test]
async fn parallel_pods_run_until_the_completions_are_reached() {
    let h = Hollow::new().await;
    h.create(job("batch", "smoke:v1", "10s", json!({"parallelism": 2, "completions": 3}))).await;
    assert_eq!(h.pods("batch").await.len(), 2);
    h.advance(10);
    let j = h.job("batch").await;
    assert_eq!((&j["status"]["succeeded"], &j["status"]["active"]), (&json!(2), &json!(1)), "one more to go");
    let t = http::table(&h.running.server, "/apis/batch/v1/namespaces/default/jobs").await.body;
    assert_eq!(
        t["rows"][0]["cells"].as_array().unwrap()[1..4],
        [json!("Running"), json!("2/3"), json!("10s")]
    );
    h.advance(10);
    let j = h.job("batch").await;
    assert_eq!(j["status"]["succeeded"], 3);
    assert_eq!(conditions(&j).last(), Some(&cond("Complete", "CompletionsReached")));
    assert_eq!(h.pods("batch").await.len(), 3);
}

#[tokio::test]
async fn a_deleted_pod_counts_as_failed_and_is_replaced_but_a_suspended_one_does_not() {
    let h = Hollow::new().await;
    h.create(job("web", "smoke:v1", "1h", json!({}))).await;
    let first = h.pods("web").await[0]["metadata"]["name"].as_str().unwrap().to_string();
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(h.client.clone(), "default");
    pods.delete(&first, &DeleteParams::default()).await.unwrap();
    h.settle();
    let left = h.pods("web").await;
    assert_eq!(left.len(), 1, "the deleted pod went once counted");
    assert_ne!(left[0]["metadata"]["name"], first.as_str(), "and was replaced at once");
    assert_eq!(h.job("web").await["status"]["failed"], 1);

    // Replaced only once Failed: the kubelet kills the pod (exit 137) before the count.
    h.create(job("patient", "smoke:v1", "1h", json!({"podReplacementPolicy": "Failed"}))).await;
    let victim = h.pods("patient").await[0]["metadata"]["name"].as_str().unwrap().to_string();
    pods.delete(&victim, &DeleteParams::default()).await.unwrap();
    h.settle();
    assert_eq!(h.job("patient").await["status"]["failed"], 1);
    assert_ne!(h.pods("patient").await[0]["metadata"]["name"], victim.as_str());

    let patch = kube::api::Patch::Merge(json!({"spec": {"suspend": true}}));
    h.jobs().patch("web", &kube::api::PatchParams::default(), &patch).await.unwrap();
    h.settle();
    let j = h.job("web").await;
    assert!(h.pods("web").await.is_empty());
    assert_eq!(j["status"]["failed"], 1, "suspension is not a failure");
    assert!(j["status"].get("active").is_none());
    assert_eq!(conditions(&j), [cond("Suspended", "JobSuspended")]);
}
