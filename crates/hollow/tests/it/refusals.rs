//! The hollow API server refuses what a real API server refuses in writes of built-in kinds,
//! with the same codes and `Status` bodies: one test per refusal, through kube-rs.

use hollow::{clock::Clock, embedded};
use k8s_openapi::api::{apps::v1::Deployment, core::v1::ConfigMap};
use kube::{
    Api, Client,
    api::{Patch, PatchParams, PostParams},
};
use serde_json::{Value, json};

async fn cluster() -> (embedded::Running, Client) {
    let running = embedded::start("127.0.0.1:0".parse().unwrap(), Clock::system()).await.unwrap();
    let config = kube::Config::new(running.url().parse().unwrap());
    (running, Client::try_from(config).unwrap())
}

/// One answer: code, `Warning` headers, body.
struct Answer {
    code: u16,
    warnings: Vec<String>,
    body: Value,
}

impl Answer {
    fn causes(&self) -> Vec<(String, String, String)> {
        self.body
            .pointer("/details/causes")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                        (s("reason"), s("field"), s("message"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn reason(&self) -> &str {
        self.body["reason"].as_str().unwrap_or_default()
    }

    fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }
}

async fn send(client: &Client, method: &str, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", content_type)
        .body(kube::client::Body::from(body))
        .unwrap();
    let resp = client.send(req).await.unwrap();
    let code = resp.status().as_u16();
    let warnings =
        resp.headers().get_all("warning").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let bytes = resp.into_body().collect_bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { code, warnings, body }
}

async fn post(client: &Client, path: &str, obj: &Value) -> Answer {
    send(client, "POST", path, "application/json", serde_json::to_vec(obj).unwrap()).await
}

const CMS: &str = "/api/v1/namespaces/default/configmaps";
const DEPLOYS: &str = "/apis/apps/v1/namespaces/default/deployments";

fn deployment(name: &str, selector: Value, labels: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
           "spec": {"replicas": 1, "selector": selector,
                    "template": {"metadata": {"labels": labels},
                                 "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}})
}

fn web(name: &str) -> Value {
    deployment(name, json!({"matchLabels": {"app": "web"}}), json!({"app": "web"}))
}

fn assert_invalid(a: &Answer, kind: &str, name: &str) {
    assert_eq!((a.code, a.reason()), (422, "Invalid"), "{}", a.body);
    assert_eq!(a.body["details"]["kind"], kind, "{}", a.body);
    assert_eq!(a.body["details"]["name"], name, "{}", a.body);
}

#[tokio::test]
async fn names_follow_the_rule_of_their_kind() {
    let (_c, client) = cluster().await;
    let a = post(&client, CMS, &json!({"metadata": {"name": "Web_1"}})).await;
    assert_invalid(&a, "ConfigMap", "Web_1");
    assert_eq!(a.causes().len(), 1);
    assert_eq!(a.causes()[0].0, "FieldValueInvalid");
    assert_eq!(a.causes()[0].1, "metadata.name");
    assert!(a.message().starts_with("ConfigMap \"Web_1\" is invalid: metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain must consist of"), "{}", a.message());
    let long = "a".repeat(254);
    let a = post(&client, CMS, &json!({"metadata": {"name": long}})).await;
    assert_eq!(a.causes()[0].2, format!("Invalid value: \"{long}\": must be no more than 253 characters"));
    let a = post(&client, "/api/v1/namespaces", &json!({"metadata": {"name": "team.a"}})).await;
    assert_invalid(&a, "Namespace", "team.a");
    assert_eq!(
        a.message(),
        "Namespace \"team.a\" is invalid: metadata.name: Invalid value: \"team.a\": must not contain dots"
    );
    let svc = json!({"metadata": {"name": "1web"}, "spec": {"ports": [{"port": 80}]}});
    let a = post(&client, "/api/v1/namespaces/default/services", &svc).await;
    assert_invalid(&a, "Service", "1web");
    assert!(a.causes()[0].2.contains("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character"));
    let role = json!({"metadata": {"name": "a%b"}, "rules": []});
    let a = post(&client, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", &role).await;
    assert_invalid(&a, "Role", "a%b");
    assert_eq!(a.causes()[0].2, "Invalid value: \"a%b\": may not contain '%'");
    let ok = json!({"metadata": {"name": "system:leader-locking"}, "rules": []});
    assert_eq!(
        post(&client, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", &ok).await.code,
        201
    );
}

#[tokio::test]
async fn generate_name_is_cut_to_58_and_checked() {
    let (_c, client) = cluster().await;
    let a = post(&client, CMS, &json!({"metadata": {"generateName": format!("{}-", "x".repeat(80))}})).await;
    assert_eq!(a.code, 201, "{}", a.body);
    let name = a.body["metadata"]["name"].as_str().unwrap();
    assert_eq!(name.len(), 63);
    assert!(name.starts_with(&"x".repeat(58)));
    let a = post(&client, CMS, &json!({"metadata": {"generateName": "Web-"}})).await;
    let fields: Vec<String> = a.causes().into_iter().map(|c| c.1).collect();
    assert_eq!(fields, ["metadata.name", "metadata.generateName"], "{}", a.body);
    assert!(a.causes()[1].2.starts_with("Invalid value: \"Web-\": a lowercase RFC 1123 subdomain"));
}

#[tokio::test]
async fn label_keys_values_and_annotation_size() {
    let (_c, client) = cluster().await;
    let a = post(&client, CMS, &json!({"metadata": {"name": "c", "labels": {"a/b/c": "x"}}})).await;
    assert_invalid(&a, "ConfigMap", "c");
    assert_eq!(a.causes()[0].1, "metadata.labels");
    assert!(a.causes()[0].2.starts_with("Invalid value: \"a/b/c\": a qualified name must consist of"));
    let a = post(&client, CMS, &json!({"metadata": {"name": "c", "labels": {"app": "x".repeat(64)}}})).await;
    assert!(a.causes()[0].2.ends_with(": must be no more than 63 characters"), "{:?}", a.causes());
    let a = post(&client, CMS, &json!({"metadata": {"name": "c", "annotations": {"Bad Key": "x"}}})).await;
    assert_eq!(a.causes()[0].1, "metadata.annotations");
    let big = "x".repeat(256 * 1024);
    let a = post(&client, CMS, &json!({"metadata": {"name": "c", "annotations": {"a": big}}})).await;
    assert_eq!(
        a.causes(),
        [(
            "FieldValueTooLong".into(),
            "metadata.annotations".into(),
            "Too long: may not be more than 262144 bytes".into()
        )]
    );
    let d = deployment("web", json!({"matchLabels": {"app": "-x"}}), json!({"app": "-x"}));
    let a = post(&client, DEPLOYS, &d).await;
    let fields: Vec<String> = a.causes().into_iter().map(|c| c.1).collect();
    assert_eq!(fields, ["spec.selector.matchLabels", "spec.template.metadata.labels"], "{}", a.body);
}

#[tokio::test]
async fn a_string_where_an_integer_belongs_is_a_400() {
    let (_c, client) = cluster().await;
    let mut d = web("web");
    d["spec"]["replicas"] = json!("3");
    let a = post(&client, DEPLOYS, &d).await;
    assert_eq!((a.code, a.reason()), (400, "BadRequest"));
    assert_eq!(
        a.message(),
        "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
    );
    // A patch that makes the object ill-typed is refused too.
    assert_eq!(post(&client, DEPLOYS, &web("web")).await.code, 201);
    let p = serde_json::to_vec(&json!({"spec": {"replicas": true}})).unwrap();
    let a = send(&client, "PATCH", &format!("{DEPLOYS}/web"), "application/merge-patch+json", p).await;
    assert_eq!(a.code, 400, "{}", a.body);
}

#[tokio::test]
async fn negative_replicas_are_a_422() {
    let (_c, client) = cluster().await;
    let mut d = web("web");
    d["spec"]["replicas"] = json!(-1);
    let a = post(&client, DEPLOYS, &d).await;
    assert_invalid(&a, "Deployment", "web");
    assert_eq!(
        a.message(),
        "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
    assert_eq!(a.body["details"]["group"], "apps");
}

#[tokio::test]
async fn pods_and_pod_templates_need_containers_with_names_and_images() {
    let (_c, client) = cluster().await;
    let a = post(&client, "/api/v1/namespaces/default/pods", &json!({"metadata": {"name": "p"}, "spec": {}}))
        .await;
    assert_invalid(&a, "Pod", "p");
    assert_eq!(a.message(), "Pod \"p\" is invalid: spec.containers: Required value");
    assert_eq!(a.causes()[0].0, "FieldValueRequired");
    let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"image": "x"}, {"name": "c"}]}});
    let a = post(&client, "/api/v1/namespaces/default/pods", &pod).await;
    assert_eq!(
        a.message(),
        "Pod \"p\" is invalid: [spec.containers[0].name: Required value, spec.containers[1].image: Required value]"
    );
    let mut d = web("web");
    d["spec"]["template"]["spec"]["containers"] = json!([]);
    let a = post(&client, DEPLOYS, &d).await;
    assert_eq!(
        a.causes(),
        [("FieldValueRequired".into(), "spec.template.spec.containers".into(), "Required value".into())]
    );
}

#[tokio::test]
async fn selectors_must_select_the_template_and_not_be_empty() {
    let (_c, client) = cluster().await;
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    let d: Deployment = serde_json::from_value(deployment(
        "web",
        json!({"matchLabels": {"app": "web"}}),
        json!({"app": "api"}),
    ))
    .unwrap();
    let err = api.create(&PostParams::default(), &d).await.unwrap_err();
    let kube::Error::Api(s) = err else { panic!("{err:?}") };
    assert_eq!((s.code, s.reason.as_str()), (422, "Invalid"));
    assert_eq!(
        s.message,
        "Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"api\"}: `selector` does not match template `labels`"
    );
    let rs = json!({"metadata": {"name": "rs"}, "spec": {"selector": {}, "template": {"metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": "x"}]}}}});
    let a = post(&client, "/apis/apps/v1/namespaces/default/replicasets", &rs).await;
    assert_eq!(a.causes()[0].1, "spec.selector");
    assert!(a.causes()[0].2.ends_with("empty selector is invalid for deployment"), "{:?}", a.causes());
}

#[tokio::test]
async fn apps_v1_selectors_are_immutable_on_update_patch_and_apply() {
    let (_c, client) = cluster().await;
    let a = post(
        &client,
        DEPLOYS,
        &deployment("web", json!({"matchLabels": {"app": "web"}}), json!({"app": "web", "v": "1"})),
    )
    .await;
    assert_eq!(a.code, 201);
    let mut put = a.body.clone();
    put["spec"]["selector"] = json!({"matchLabels": {"app": "web", "v": "1"}});
    let a = send(
        &client,
        "PUT",
        &format!("{DEPLOYS}/web"),
        "application/json",
        serde_json::to_vec(&put).unwrap(),
    )
    .await;
    assert_invalid(&a, "Deployment", "web");
    assert_eq!(
        a.message(),
        "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"v\":\"1\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
    );
    let api: Api<Deployment> = Api::default_namespaced(client.clone());
    let patch = json!({"spec": {"selector": {"matchLabels": {"v": "1"}}}});
    let err = api.patch("web", &PatchParams::default(), &Patch::Merge(&patch)).await.unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 422 && s.message.ends_with("field is immutable")),
        "{err:?}"
    );
    let mut applied = deployment("web", json!({"matchLabels": {"v": "1"}}), json!({"app": "web", "v": "1"}));
    applied["metadata"]["namespace"] = json!("default");
    let err = api.patch("web", &PatchParams::apply("me").force(), &Patch::Apply(&applied)).await.unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 422 && s.message.ends_with("field is immutable")),
        "{err:?}"
    );
    // Changing something else is fine.
    let scale = json!({"spec": {"replicas": 3}});
    assert_eq!(
        api.patch("web", &PatchParams::default(), &Patch::Merge(&scale))
            .await
            .unwrap()
            .spec
            .unwrap()
            .replicas,
        Some(3)
    );
}

#[tokio::test]
async fn immutable_config_maps_and_secrets_stay_as_they_are() {
    let (_c, client) = cluster().await;
    let api: Api<ConfigMap> = Api::default_namespaced(client.clone());
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "c"}, "immutable": true, "data": {"k": "v"}}))
            .unwrap();
    api.create(&PostParams::default(), &cm).await.unwrap();
    let err = api
        .patch("c", &PatchParams::default(), &Patch::Merge(json!({"data": {"k": "w"}})))
        .await
        .unwrap_err();
    let kube::Error::Api(s) = err else { panic!("{err:?}") };
    assert_eq!(s.code, 422);
    assert_eq!(
        s.message,
        "ConfigMap \"c\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
    );
    let err = api
        .patch("c", &PatchParams::default(), &Patch::Merge(json!({"immutable": false})))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.message.ends_with("immutable: Forbidden: field is immutable when `immutable` is set")),
        "{err:?}"
    );
    // Labels may still change.
    api.patch("c", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"labels": {"a": "b"}}})))
        .await
        .unwrap();
    let secrets = "/api/v1/namespaces/default/secrets";
    let a = post(
        &client,
        secrets,
        &json!({"metadata": {"name": "s"}, "immutable": true, "stringData": {"k": "v"}}),
    )
    .await;
    assert_eq!(a.code, 201);
    assert_eq!(a.body["data"], json!({"k": "dg=="}), "stringData is written into data");
    let p = serde_json::to_vec(&json!({"stringData": {"k": "other"}})).unwrap();
    let a = send(&client, "PATCH", &format!("{secrets}/s"), "application/merge-patch+json", p).await;
    assert_invalid(&a, "Secret", "s");
    assert_eq!(
        a.causes(),
        [(
            "FieldValueForbidden".into(),
            "data".into(),
            "Forbidden: field is immutable when `immutable` is set".into()
        )]
    );
}

#[tokio::test]
async fn resource_version_on_create_is_refused_by_the_store() {
    let (_c, client) = cluster().await;
    let a = post(&client, CMS, &json!({"metadata": {"name": "c", "resourceVersion": "42"}})).await;
    assert_eq!(a.code, 500);
    assert_eq!(a.message(), "resourceVersion should not be set on objects to be created");
    assert!(a.body.get("reason").is_none(), "the real error has no reason: {}", a.body);
    // kube-rs surfaces it as an API error.
    let api: Api<ConfigMap> = Api::default_namespaced(client);
    let cm: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "d", "resourceVersion": "7"}})).unwrap();
    let err = api.create(&PostParams::default(), &cm).await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(s) if s.code == 500), "{err:?}");
}

#[tokio::test]
async fn objects_over_the_size_limits() {
    let (_c, client) = cluster().await;
    // Over the API server's 3 MiB body limit.
    let body =
        serde_json::to_vec(&json!({"metadata": {"name": "c"}, "data": {"k": "x".repeat(3 * 1024 * 1024)}}))
            .unwrap();
    let a = send(&client, "POST", CMS, "application/json", body).await;
    assert_eq!((a.code, a.reason()), (413, "RequestEntityTooLarge"));
    assert_eq!(a.message(), "Request entity too large: limit is 3145728");
    // Within the body limit, but over a ConfigMap's 1 MiB.
    let a =
        post(&client, CMS, &json!({"metadata": {"name": "c"}, "data": {"k": "x".repeat(1024 * 1024 + 1)}}))
            .await;
    assert_eq!(
        a.causes(),
        [("FieldValueTooLong".into(), "".into(), "Too long: may not be more than 1048576 bytes".into())]
    );
    // Within the body limit and the kind's rules, but over etcd's 1.5 MiB.
    let lease = json!({"metadata": {"name": "l"}, "spec": {"holderIdentity": "x".repeat(2 * 1024 * 1024)}});
    let a = post(&client, "/apis/coordination.k8s.io/v1/namespaces/default/leases", &lease).await;
    assert_eq!(a.code, 500);
    assert_eq!(a.message(), "etcdserver: request is too large");
}

#[tokio::test]
async fn unknown_fields_warn_by_default_fail_under_strict_pass_under_ignore() {
    let (_c, client) = cluster().await;
    let mut d = web("web");
    d["spec"]["foo"] = json!(1);
    let a = post(&client, DEPLOYS, &d).await;
    assert_eq!(a.code, 201);
    assert_eq!(a.warnings, ["299 - \"unknown field \\\"spec.foo\\\"\""]);
    assert!(a.body["spec"].get("foo").is_none(), "the field is dropped");
    let mut d2 = web("web2");
    d2["spec"]["template"]["spec"]["containers"][0]["bar"] = json!("x");
    let a = post(&client, &format!("{DEPLOYS}?fieldValidation=Strict"), &d2).await;
    assert_eq!((a.code, a.reason()), (400, "BadRequest"));
    assert_eq!(a.message(), "strict decoding error: unknown field \"spec.template.spec.containers[0].bar\"");
    let a = post(&client, &format!("{DEPLOYS}?fieldValidation=Ignore"), &d2).await;
    assert_eq!(a.code, 201);
    assert!(a.warnings.is_empty());
    // kube-rs does the same with a typed patch.
    let api: Api<Deployment> = Api::default_namespaced(client);
    let pp =
        PatchParams { field_validation: Some(kube::api::ValidationDirective::Strict), ..Default::default() };
    let err = api.patch("web", &pp, &Patch::Merge(json!({"spec": {"baz": 1}}))).await.unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 400 && s.message.contains("unknown field \"spec.baz\"")),
        "{err:?}"
    );
}
