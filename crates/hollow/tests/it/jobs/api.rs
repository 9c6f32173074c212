//! What the API server does with a Job on write, as the real one: discovery, defaults, the
//! generated selector and labels, and the 422s (restart policy, missing template, selectors,
//! immutable fields).

use super::{Hollow, job};
use crate::common::http;
use serde_json::{Value, json};

const JOBS: &str = "/apis/batch/v1/namespaces/default/jobs";

/// `(field, reason, message)` of a 422's causes.
fn causes(body: &Value) -> Vec<(String, String, String)> {
    body["details"]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (s("field"), s("reason"), s("message"))
        })
        .collect()
}

#[tokio::test]
async fn jobs_are_discovered_with_their_status_subresource() {
    let h = Hollow::new().await;
    let list = http::get(&h.running.server, "/apis/batch/v1").await.body;
    let names: Vec<&str> =
        list["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["jobs", "jobs/status"]);
    assert_eq!(list["resources"][0]["categories"], json!(["all"]));
    assert_eq!(list["resources"][0]["kind"], "Job");
    assert!(list["resources"][0].get("shortNames").is_none_or(|s| s == &json!([])));
}

#[tokio::test]
async fn the_server_defaults_the_spec_and_generates_the_selector_and_labels() {
    let h = Hollow::new().await;
    let created = h.create(job("plain", "smoke:v1", "1s", json!({}))).await;
    let uid = created.metadata.uid.clone().unwrap();
    let j = h.job("plain").await;
    let spec = &j["spec"];
    for (k, v) in [
        ("parallelism", json!(1)),
        ("completions", json!(1)),
        ("backoffLimit", json!(6)),
        ("completionMode", json!("NonIndexed")),
        ("suspend", json!(false)),
        ("podReplacementPolicy", json!("TerminatingOrFailed")),
    ] {
        assert_eq!(spec[k], v, "{k}");
    }
    assert!(spec.get("manualSelector").is_none());
    assert_eq!(spec["selector"], json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}));
    let generated = json!({"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "plain",
                           "controller-uid": uid, "job-name": "plain"});
    assert_eq!(spec["template"]["metadata"]["labels"], generated);
    assert_eq!(j["metadata"]["labels"], generated, "a Job without labels gets its template's");
    assert_eq!(spec["template"]["spec"]["dnsPolicy"], "ClusterFirst");
    assert_eq!(j["metadata"]["generation"], 1);
    // The writer owns what it sent (and its defaults), not what the server generated after.
    let owned = &j["metadata"]["managedFields"][0]["fieldsV1"];
    assert!(owned["f:spec"].get("f:backoffLimit").is_some(), "{owned}");
    assert!(owned["f:spec"].get("f:selector").is_none() && owned.get("f:metadata").is_none(), "{owned}");

    let mut labelled = job("labelled", "smoke:v1", "1s", json!({}));
    labelled["spec"]["template"]["metadata"]["labels"] = json!({"app": "smoke"});
    h.create(labelled).await;
    let j = h.job("labelled").await;
    assert_eq!(j["metadata"]["labels"], json!({"app": "smoke"}), "the template's labels as sent");
    assert_eq!(j["spec"]["template"]["metadata"]["labels"]["app"], "smoke");
    assert_eq!(j["spec"]["template"]["metadata"]["labels"]["job-name"], "labelled");
    let sel = http::get(&h.running.server, &format!("{JOBS}?fieldSelector=status.successful%3D0")).await;
    assert_eq!(sel.body["items"].as_array().unwrap().len(), 2, "{}", sel.body);
}

#[tokio::test]
async fn a_restart_policy_of_always_is_refused() {
    let h = Hollow::new().await;
    let mut always = job("always", "smoke:v1", "1s", json!({}));
    always["spec"]["template"]["spec"]["restartPolicy"] = json!("Always");
    let a = http::post(&h.running.server, JOBS, &always).await;
    assert_eq!(a.code, 422, "{}", a.body);
    assert_eq!(a.body["reason"], "Invalid");
    assert_eq!(a.body["details"]["kind"], "Job");
    assert_eq!(a.body["details"]["group"], "batch");
    let msg = r#"Required value: valid values: "OnFailure", "Never""#;
    assert_eq!(
        causes(&a.body),
        [("spec.template.spec.restartPolicy".into(), "FieldValueRequired".into(), msg.into())]
    );
    assert_eq!(
        a.body["message"],
        format!("Job.batch \"always\" is invalid: spec.template.spec.restartPolicy: {msg}")
    );
    always["spec"]["template"]["spec"]["restartPolicy"] = json!("Sometimes");
    let a = http::post(&h.running.server, JOBS, &always).await;
    let last = causes(&a.body).pop().unwrap();
    assert_eq!(last.2, r#"Unsupported value: "Sometimes": supported values: "OnFailure", "Never""#);
}

#[tokio::test]
async fn a_job_without_a_template_is_refused_as_its_pods_would_be() {
    let h = Hollow::new().await;
    let a = http::post(&h.running.server, JOBS, &json!({"metadata": {"name": "empty"}})).await;
    assert_eq!(a.code, 422, "{}", a.body);
    let fields: Vec<String> = causes(&a.body).into_iter().map(|c| format!("{}: {}", c.0, c.2)).collect();
    assert_eq!(
        fields,
        [
            "spec.template.spec.containers: Required value",
            r#"spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never""#,
        ]
    );
}

#[tokio::test]
async fn selectors_are_checked_and_selector_and_template_are_immutable() {
    let h = Hollow::new().await;
    let mut manual = job(
        "manual",
        "smoke:v1",
        "1s",
        json!({"manualSelector": true, "selector": {"matchLabels": {"app": "x"}}}),
    );
    manual["spec"]["template"]["metadata"]["labels"] = json!({"app": "y"});
    let a = http::post(&h.running.server, JOBS, &manual).await;
    assert_eq!(a.code, 422);
    assert_eq!(
        causes(&a.body),
        [(
            "spec.template.metadata.labels".into(),
            "FieldValueInvalid".into(),
            r#"Invalid value: map[string]string{"app":"y"}: `selector` does not match template `labels`"#
                .into()
        )]
    );
    manual["spec"]["template"]["metadata"]["labels"] = json!({"app": "x"});
    assert_eq!(http::post(&h.running.server, JOBS, &manual).await.code, 201);
    assert!(h.job("manual").await["spec"]["template"]["metadata"]["labels"].get("job-name").is_none());

    h.create(job("fixed", "smoke:v1", "1s", json!({}))).await;
    let merge = [("content-type", "application/merge-patch+json")];
    let patch = json!({"spec": {"selector": {"matchLabels": {"app": "other"}}}});
    let a = http::call(&h.running.server, "PATCH", &format!("{JOBS}/fixed"), &merge, Some(&patch)).await;
    assert_eq!(a.code, 422, "{}", a.body);
    let c = causes(&a.body);
    assert!(c.iter().any(|c| c.0 == "spec.selector" && c.2.ends_with(": field is immutable")), "{c:?}");
    let patch =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "smoke:v2"}]}}}});
    let a = http::call(&h.running.server, "PATCH", &format!("{JOBS}/fixed"), &merge, Some(&patch)).await;
    assert_eq!(a.code, 422, "{}", a.body);
    let c = causes(&a.body);
    assert_eq!((c[0].0.as_str(), c[0].1.as_str()), ("spec.template", "FieldValueInvalid"));
    assert!(c[0].2.ends_with(": field is immutable"), "{c:?}");
    // What may change: parallelism, the deadline, the TTL.
    let patch =
        json!({"spec": {"parallelism": 2, "activeDeadlineSeconds": 60, "ttlSecondsAfterFinished": 5}});
    let a = http::call(&h.running.server, "PATCH", &format!("{JOBS}/fixed"), &merge, Some(&patch)).await;
    assert_eq!(a.code, 200, "{}", a.body);
    assert_eq!(a.body["metadata"]["generation"], 2);
}
