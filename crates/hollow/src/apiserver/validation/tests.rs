use serde_json::{Value, json};

use super::{names, *};
use crate::apiserver::registry::Registry;

fn def(group: &str, plural: &str) -> std::sync::Arc<ResourceDef> {
    Registry::new().lookup(group, "v1", plural).unwrap()
}

fn causes(group: &str, plural: &str, obj: &Value, old: Option<&Value>) -> Vec<(String, String)> {
    builtin(&def(group, plural), obj, old).into_iter().map(|c| (c.field, c.message)).collect()
}

fn deployment(selector: Value, labels: Value) -> Value {
    json!({"metadata": {"name": "web"}, "spec": {"replicas": 1, "selector": selector,
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
}

#[test]
fn name_formats_say_what_the_real_server_says() {
    assert!(names::dns1123_subdomain("a.b-c").is_empty());
    assert_eq!(
        names::dns1123_subdomain("Web_1"),
        [
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        ]
    );
    assert_eq!(names::dns1123_subdomain(&"a".repeat(254))[0], "must be no more than 253 characters");
    assert_eq!(names::dns1123_label("a.b"), ["must not contain dots"]);
    assert_eq!(names::dns1123_label(&"a".repeat(64)), ["must be no more than 63 characters"]);
    assert!(names::dns1035_label("1abc")[0].starts_with("a DNS-1035 label must consist of"));
    assert!(names::dns1035_label("abc-1").is_empty());
    assert_eq!(names::path_segment("..", false), ["may not be '..'"]);
    assert_eq!(names::path_segment("a/b%", true), ["may not contain '/'", "may not contain '%'"]);
}

#[test]
fn qualified_names_and_label_values() {
    assert!(names::qualified_name("app.kubernetes.io/name").is_empty());
    assert_eq!(names::qualified_name("/x"), ["prefix part must be non-empty"]);
    assert_eq!(names::qualified_name(&"k".repeat(64)), ["name part must be no more than 63 characters"]);
    assert!(names::qualified_name("a/b/c")[0].starts_with("a qualified name must consist of"));
    assert!(
        names::qualified_name("Bad_Prefix/x")[0].starts_with("prefix part a lowercase RFC 1123 subdomain")
    );
    assert!(names::label_value("").is_empty());
    assert!(names::label_value("-x")[0].contains("(e.g. 'MyValue',  or 'my_value',  or '12345', regex"));
    assert_eq!(names::label_value(&"v".repeat(64)), ["must be no more than 63 characters"]);
}

#[test]
fn generate_name_base_is_cut_to_58() {
    let name = generated_name(&"x".repeat(70), "abcde");
    assert_eq!(name.len(), 63);
    assert!(name.ends_with("xabcde"));
    assert_eq!(generated_name("web-", "abcde"), "web-abcde");
}

#[test]
fn namespaces_are_labels_services_dns1035_rbac_path_segments() {
    let ns = causes("", "namespaces", &json!({"metadata": {"name": "a.b"}}), None);
    assert_eq!(ns, [("metadata.name".into(), "Invalid value: \"a.b\": must not contain dots".into())]);
    let svc = json!({"metadata": {"name": "1web"}, "spec": {"ports": [{"port": 80}]}});
    assert!(causes("", "services", &svc, None)[0].1.contains("a DNS-1035 label"));
    let role = json!({"metadata": {"name": "system:Controller"}});
    assert!(causes("rbac.authorization.k8s.io", "roles", &role, None).is_empty());
    let bad = json!({"metadata": {"name": "a/b"}});
    assert_eq!(
        causes("rbac.authorization.k8s.io", "roles", &bad, None)[0].1,
        "Invalid value: \"a/b\": may not contain '/'"
    );
}

#[test]
fn generate_name_masks_its_trailing_dash() {
    let cm = json!({"metadata": {"name": "web-abcde", "generateName": "web-"}});
    assert!(causes("", "configmaps", &cm, None).is_empty());
    let cm = json!({"metadata": {"name": "Web-abcde", "generateName": "Web-"}});
    let fields: Vec<String> = causes("", "configmaps", &cm, None).into_iter().map(|c| c.0).collect();
    assert_eq!(fields, ["metadata.name", "metadata.generateName"]);
}

#[test]
fn labels_annotations_and_their_size() {
    let cm = json!({"metadata": {"name": "c", "labels": {"a/b/c": "x", "ok": "-bad"},
        "annotations": {"Example.com/Key": "fine", "big": "x".repeat(metadata::TOTAL_ANNOTATION_SIZE)}}});
    let got = causes("", "configmaps", &cm, None);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got[0].0 == "metadata.labels" && got[0].1.starts_with("Invalid value: \"a/b/c\": a qualified name")
    );
    assert!(got[1].0 == "metadata.labels" && got[1].1.starts_with("Invalid value: \"-bad\": a valid label"));
    assert_eq!(got[2], ("metadata.annotations".into(), "Too long: may not be more than 262144 bytes".into()));
}

#[test]
fn pods_need_named_containers_with_images() {
    let got = causes("", "pods", &json!({"metadata": {"name": "p"}, "spec": {}}), None);
    assert_eq!(got, [("spec.containers".into(), "Required value".into())]);
    let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{}, {"name": "Bad", "image": "x"}, {"name": "c", "image": "x"}, {"name": "c", "image": "x"}]}});
    let fields: Vec<String> = causes("", "pods", &pod, None).into_iter().map(|c| c.0).collect();
    assert_eq!(
        fields,
        [
            "spec.containers[0].name",
            "spec.containers[0].image",
            "spec.containers[1].name",
            "spec.containers[3].name"
        ]
    );
}

#[test]
fn selectors_must_select_the_template() {
    let got = causes(
        "apps",
        "deployments",
        &deployment(json!({"matchLabels": {"app": "a"}}), json!({"app": "b"})),
        None,
    );
    assert_eq!(
        got,
        [(
            "spec.template.metadata.labels".into(),
            "Invalid value: map[string]string{\"app\":\"b\"}: `selector` does not match template `labels`"
                .into()
        )]
    );
    let got = causes("apps", "replicasets", &deployment(json!({}), json!({"app": "b"})), None);
    assert_eq!(
        got,
        [(
            "spec.selector".into(),
            "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment".into()
        )]
    );
    let mut neg = deployment(json!({"matchLabels": {"app": "a"}}), json!({"app": "a"}));
    neg["spec"]["replicas"] = json!(-1);
    assert_eq!(
        causes("apps", "deployments", &neg, None),
        [("spec.replicas".into(), "Invalid value: -1: must be greater than or equal to 0".into())]
    );
}

#[test]
fn selectors_are_immutable_in_apps_v1() {
    let old = deployment(json!({"matchLabels": {"app": "a"}}), json!({"app": "a", "v": "1"}));
    let new = deployment(json!({"matchLabels": {"app": "a", "v": "1"}}), json!({"app": "a", "v": "1"}));
    let got = causes("apps", "deployments", &new, Some(&old));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "spec.selector");
    assert!(got[0].1.ends_with("{\"app\":\"a\", \"v\":\"1\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"));
    assert!(causes("apps", "deployments", &old, Some(&old)).is_empty());
}

#[test]
fn immutable_config_maps_and_secrets() {
    let old = json!({"metadata": {"name": "c"}, "immutable": true, "data": {"k": "v"}});
    let new = json!({"metadata": {"name": "c"}, "immutable": false, "data": {"k": "w"}});
    let got = causes("", "configmaps", &new, Some(&old));
    assert_eq!(
        got,
        [
            ("immutable".into(), "Forbidden: field is immutable when `immutable` is set".into()),
            ("data".into(), "Forbidden: field is immutable when `immutable` is set".into())
        ]
    );
    let mut secret = json!({"metadata": {"name": "s"}, "stringData": {"k": "v"}});
    data::merge_string_data(&mut secret);
    assert_eq!(secret, json!({"metadata": {"name": "s"}, "data": {"k": "dg=="}}));
}

#[test]
fn type_errors_decode_as_go_reports_them() {
    let d = def("apps", "deployments");
    let mut obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": "3"}});
    let err = decode_builtin(&d, &mut obj, false).unwrap_err();
    assert_eq!(err.code, 400);
    assert_eq!(
        err.message,
        "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
    );
    let p = def("", "pods");
    let mut obj = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p", "labels": {"a": 1}}});
    let err = decode_builtin(&p, &mut obj, false).unwrap_err();
    assert!(
        err.message.ends_with(
            "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"
        ),
        "{}",
        err.message
    );
    let mut obj = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "x", "ports": [{"containerPort": "80"}]}]}});
    let err = decode_builtin(&p, &mut obj, false).unwrap_err();
    assert!(
        err.message
            .ends_with("Go struct field ContainerPort.spec.containers.ports.containerPort of type int32"),
        "{}",
        err.message
    );
}

#[test]
fn unknown_fields_are_dropped_or_refused() {
    let d = def("apps", "deployments");
    let body = json!({"metadata": {"name": "web", "labels": null}, "spec": {"foo": 1, "template": {"spec": {"containers": [{"name": "c", "bar": true}]}}}});
    let mut obj = body.clone();
    assert_eq!(decode::typed(&d, &mut obj).unwrap(), ["spec.foo", "spec.template.spec.containers[0].bar"]);
    assert!(
        obj.pointer("/spec/foo").is_none() && obj.pointer("/spec/template/spec/containers/0/bar").is_none()
    );
    let mut obj = body;
    let err = decode_builtin(&d, &mut obj, true).unwrap_err();
    assert_eq!(
        err.message,
        "strict decoding error: unknown field \"spec.foo\", unknown field \"spec.template.spec.containers[0].bar\""
    );
    let (_, warnings) = request::run(request::FieldValidation::Warn, || {
        decode_builtin(&d, &mut json!({"metadata": {"name": "w"}, "spec": {"foo": 1}}), false)
    });
    assert_eq!(warnings, ["unknown field \"spec.foo\""]);
    let (_, warnings) = request::run(request::FieldValidation::Ignore, || {
        decode_builtin(&d, &mut json!({"metadata": {"name": "w"}, "spec": {"foo": 1}}), false)
    });
    assert!(warnings.is_empty());
    assert_eq!(
        request::header_value("unknown field \"spec.foo\""),
        "299 - \"unknown field \\\"spec.foo\\\"\""
    );
}

#[test]
fn quantities_may_be_numbers() {
    let p = def("", "pods");
    let mut obj = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x",
        "resources": {"limits": {"cpu": 1, "memory": "1Gi"}}}]}});
    assert_eq!(decode::typed(&p, &mut obj).unwrap(), Vec::<String>::new());
}

#[test]
fn resource_version_on_create_and_sizes() {
    assert_eq!(
        resource_version_on_create(&json!({"metadata": {"resourceVersion": "12"}})).unwrap_err().code,
        500
    );
    assert!(resource_version_on_create(&json!({"metadata": {"resourceVersion": "0"}})).is_ok());
    assert_eq!(limits::request_body(&vec![b' '; limits::MAX_REQUEST_BODY_BYTES + 1]).unwrap_err().code, 413);
    let big = json!({"data": {"k": "x".repeat(limits::ETCD_MAX_REQUEST_BYTES)}});
    let err = limits::stored_object(&big).unwrap_err();
    assert_eq!((err.code, err.reason, err.message.as_str()), (500, "", "etcdserver: request is too large"));
}
