//! The Rollout CRD as the hollow API server serves it: schema defaults, and validation errors
//! with the field paths a user sees from `kubectl apply`.

use std::time::Duration;

use kube::{Api, Client, api::PostParams};
use serde_json::json;

async fn cluster() -> (hollow::embedded::Running, Client) {
    let running = hollow::embedded::start("127.0.0.1:0".parse().unwrap(), hollow::clock::Clock::system())
        .await
        .unwrap();
    let client = Client::try_from(kube::Config::new(running.url().parse().unwrap())).unwrap();
    (running, client)
}

#[tokio::test]
async fn custom_resources_are_defaulted_and_validated_with_field_paths() {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::runtime::wait::{await_condition, conditions};
    use ramp::api::Rollout;
    let (_c, client) = cluster().await;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&PostParams::default(), &ramp::api::crd::rollout_crd().unwrap()).await.unwrap();
    tokio::time::timeout(
        Duration::from_secs(5),
        await_condition(crds, "rollouts.ramp.dev", conditions::is_crd_established()),
    )
    .await
    .unwrap()
    .unwrap();
    let api: Api<Rollout> = Api::namespaced(client, "default");
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rolling.yaml")).unwrap();
    let mut doc: serde_json::Value = serde_saphyr::from_str(text.split("---").next().unwrap()).unwrap();
    doc["spec"].as_object_mut().unwrap().remove("replicas");
    let created =
        api.create(&PostParams::default(), &serde_json::from_value(doc.clone()).unwrap()).await.unwrap();
    assert_eq!(created.spec.replicas, 1, "schema default");
    doc["metadata"]["name"] = json!("bad");
    doc["spec"]["replicas"] = json!(-2);
    doc["spec"]["strategy"]["rollingUpdate"] = json!({"maxSurge": 0, "maxUnavailable": "0%"});
    doc["spec"]["progressDeadline"] = json!("soon");
    let err = api.create(&PostParams::default(), &serde_json::from_value(doc).unwrap()).await.unwrap_err();
    let kube::Error::Api(s) = &err else { panic!("{err:?}") };
    assert_eq!((s.code, s.reason.as_str()), (422, "Invalid"));
    let fields: Vec<String> = s.details.as_ref().unwrap().causes.iter().map(|c| c.field.clone()).collect();
    for f in ["spec.replicas", "spec.progressDeadline", "spec.strategy.rollingUpdate"] {
        assert!(fields.iter().any(|x| x == f), "no cause for {f}: {fields:?}");
    }
    assert!(s.message.starts_with(r#"Rollout.ramp.dev "bad" is invalid: ["#), "{}", s.message);
}
