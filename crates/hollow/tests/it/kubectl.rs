//! The real `kubectl` against the hollow cluster: what users type must work unchanged.
//! Needs `kubectl` on PATH (or `$KUBECTL`); scripts/test checks for it first.

use crate::common;

use std::process::Command;

use common::kubectl::Kubectl;

async fn with_rollout(name: &str) -> Kubectl {
    let k = Kubectl::start(name).await;
    k.ok(&["apply", "-f", "crds/rollout.yaml"]).await;
    k.ok(&["wait", "--for=condition=established", "crd/rollouts.ramp.dev", "--timeout=10s"]).await;
    k.ok(&["apply", "-f", "examples/rolling.yaml"]).await;
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_shows_printer_columns_categories_and_defaults() {
    let k = with_rollout("get").await;
    let table = k.ok(&["get", "rollouts"]).await;
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "DESIRED", "CURRENT", "UP-TO-DATE", "AVAILABLE", "PHASE", "STEP", "WEIGHT", "AGE"]
    );
    assert!(table.lines().nth(1).unwrap().starts_with("web"), "{table}");
    assert!(k.ok(&["get", "rro"]).await.contains("web"));
    let all = k.ok(&["get", "ramp"]).await;
    assert!(all.contains("rollout.ramp.dev/web") || all.contains("web"), "{all}");
    let yaml = k.ok(&["get", "rro", "web", "-o", "yaml"]).await;
    assert!(yaml.contains("kind: Rollout") && yaml.contains("replicas: 10"), "{yaml}");
    // Schema defaults are applied by the server: a Rollout without replicas gets 1.
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/rolling.yaml")).unwrap();
    let minimal =
        text.split("---").next().unwrap().replace("name: web", "name: small").replace("  replicas: 10\n", "");
    let file = k.dir.join("small.yaml");
    std::fs::write(&file, minimal).unwrap();
    k.ok(&["apply", "-f", file.to_str().unwrap()]).await;
    assert_eq!(k.ok(&["get", "rro", "small", "-o", "jsonpath={.spec.replicas}"]).await, "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_and_patch_and_the_server_validates() {
    let k = with_rollout("patch").await;
    k.ok(&["scale", "rollout", "web", "--replicas=4"]).await;
    assert_eq!(k.ok(&["get", "rro", "web", "-o", "jsonpath={.spec.replicas}"]).await, "4");
    k.ok(&["patch", "rro", "web", "--type", "merge", "-p", r#"{"spec":{"paused":true}}"#]).await;
    k.ok(&[
        "patch",
        "rro",
        "web",
        "--type",
        "json",
        "-p",
        r#"[{"op":"replace","path":"/spec/replicas","value":6}]"#,
    ])
    .await;
    assert_eq!(
        k.ok(&["get", "rro", "web", "-o", "jsonpath={.spec.replicas} {.spec.paused}"]).await,
        "6 true"
    );
    let err = k.fails(&["patch", "rro", "web", "--type", "merge", "-p", r#"{"spec":{"replicas":-1}}"#]).await;
    assert!(err.contains("spec.replicas: Invalid value: -1"), "{err}");
    let err = k
        .fails(&[
            "patch",
            "rro",
            "web",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":0}}}}"#,
        ])
        .await;
    assert!(err.contains("maxSurge and maxUnavailable must not both be 0"), "{err}");
    let err = k
        .fails(&[
            "patch",
            "rro",
            "web",
            "--type",
            "json",
            "-p",
            r#"[{"op":"test","path":"/spec/replicas","value":99}]"#,
        ])
        .await;
    // The real server answers a JSON Patch that does not apply with a bare 422.
    assert!(
        err.contains(
            "The request is invalid: the server rejected our request due to an error in our request"
        ),
        "{err}"
    );
    assert_eq!(
        k.ok(&["get", "rro", "web", "-o", "jsonpath={.spec.replicas}"]).await,
        "6",
        "failed patches change nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_apply_tracks_owners_and_reports_conflicts() {
    let k = Kubectl::start("ssa").await;
    k.ok(&["apply", "-f", "crds/rollout.yaml"]).await;
    k.ok(&["wait", "--for=condition=established", "crd/rollouts.ramp.dev", "--timeout=10s"]).await;
    k.ok(&["apply", "--server-side", "-f", "examples/rolling.yaml"]).await;
    k.ok(&["scale", "rollout", "web", "--replicas=7"]).await;
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/rolling.yaml")).unwrap();
    let file = k.dir.join("three.yaml");
    std::fs::write(&file, text.replace("replicas: 10", "replicas: 3")).unwrap();
    let err =
        k.fails(&["apply", "--server-side", "--field-manager=other", "-f", file.to_str().unwrap()]).await;
    assert!(err.contains("Apply failed with 1 conflict") && err.contains(".spec.replicas"), "{err}");
    k.ok(&[
        "apply",
        "--server-side",
        "--field-manager=other",
        "--force-conflicts",
        "-f",
        file.to_str().unwrap(),
    ])
    .await;
    let managers = k
        .ok(&["get", "rro", "web", "-o", "jsonpath={.spec.replicas} {.metadata.managedFields[*].manager}"])
        .await;
    assert!(
        managers.starts_with("3 ") && managers.contains("other") && managers.contains("kubectl"),
        "{managers}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_sees_a_condition_set_while_it_waits_and_delete_removes() {
    let k = with_rollout("wait").await;
    let status = r#"{"status":{"conditions":[{"type":"Healthy","status":"True","reason":"RolloutCompleted","message":"done","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}"#;
    let watching = k.running.server.store.receivers();
    let waiting = {
        let mut cmd = Command::new(std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into()));
        cmd.arg("--kubeconfig").arg(k.dir.join("kubeconfig")).arg("--cache-dir").arg(k.dir.join("cache"));
        cmd.args(["wait", "--for=condition=Healthy", "rollout/web", "--timeout=20s"]);
        tokio::task::spawn_blocking(move || cmd.output())
    };
    // The condition appears only once the wait is watching (a new watch receiver), so this
    // is the path where kubectl sees it arrive, not finds it already there.
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while k.running.server.store.receivers() <= watching {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("kubectl wait opened a watch");
    k.ok(&["patch", "rro", "web", "--subresource=status", "--type", "merge", "-p", status]).await;
    let out = waiting.await.unwrap().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("condition met"));
    k.ok(&["delete", "rro", "web"]).await;
    let err = k.fails(&["get", "rro", "web"]).await;
    assert!(err.contains(r#"rollouts.ramp.dev "web" not found"#), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_gets_a_replica_set_whose_pods_become_ready() {
    let k = Kubectl::start("deploy").await;
    let file = k.dir.join("deploy.yaml");
    std::fs::write(
        &file,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nginx}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: nginx}}\n  \
         template:\n    metadata: {labels: {app: nginx}}\n    spec: {containers: [{name: nginx, image: \"nginx:1.27\"}]}\n",
    )
    .unwrap();
    k.ok(&["apply", "-f", file.to_str().unwrap()]).await;
    k.ok(&["wait", "--for=condition=Available", "deploy/nginx", "--timeout=20s"]).await;
    let pods = k.ok(&["get", "pods", "-l", "app=nginx", "--no-headers"]).await;
    let rows: Vec<&str> = pods.lines().collect();
    assert_eq!(rows.len(), 2, "{pods}");
    assert!(rows.iter().all(|r| r.contains("1/1") && r.contains("Running")), "{pods}");
    let rs = k
        .ok(&["get", "rs", "-l", "app=nginx", "-o", "jsonpath={.items[0].metadata.ownerReferences[0].kind}"])
        .await;
    assert_eq!(rs, "Deployment");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_create_generators_work_though_they_send_protobuf() {
    let k = Kubectl::start("create").await;
    k.ok(&["create", "deployment", "web", "--image=nginx:1.27", "--replicas=3", "--port=80"]).await;
    k.ok(&["wait", "--for=condition=Available", "deploy/web", "--timeout=20s"]).await;
    let ready =
        k.ok(&["get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas} {.spec.strategy.type}"]).await;
    assert_eq!(ready, "3 RollingUpdate", "defaults applied as the real server does");
    k.ok(&["create", "namespace", "team-a"]).await;
    k.ok(&["create", "configmap", "cfg", "-n", "team-a", "--from-literal=k=v"]).await;
    k.ok(&["create", "secret", "generic", "sec", "-n", "team-a", "--from-literal=password=s3cr3t"]).await;
    k.ok(&["create", "service", "clusterip", "web", "--tcp=80:8080"]).await;
    assert_eq!(k.ok(&["get", "cm", "cfg", "-n", "team-a", "-o", "jsonpath={.data.k}"]).await, "v");
    assert_eq!(
        k.ok(&["get", "secret", "sec", "-n", "team-a", "-o", "jsonpath={.data.password}"]).await,
        "czNjcjN0"
    );
    let svc = k
        .ok(&[
            "get",
            "svc",
            "web",
            "-o",
            "jsonpath={.spec.ports[0].port} {.spec.ports[0].targetPort} {.spec.type}",
        ])
        .await;
    assert_eq!(svc, "80 8080 ClusterIP");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_apply_of_a_changed_deployment_merges_strategically_and_describe_works() {
    let k = Kubectl::start("smp").await;
    let file = k.dir.join("deploy.yaml");
    let manifest = |image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 2\n  \
             selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      \
             containers:\n      - {{name: web, image: \"{image}\", env: [{{name: MODE, value: fast}}]}}\n      \
             - {{name: sidecar, image: \"envoy:1.30\"}}\n"
        )
    };
    std::fs::write(&file, manifest("nginx:1.27")).unwrap();
    k.ok(&["apply", "-f", file.to_str().unwrap()]).await;
    // Someone adds an env var by hand; the next apply must keep it (a strategic merge keyed by
    // container and env name), and change only the image.
    k.ok(&["set", "env", "deploy/web", "-c", "web", "EXTRA=1"]).await;
    std::fs::write(&file, manifest("nginx:1.28")).unwrap();
    k.ok(&["apply", "-f", file.to_str().unwrap()]).await;
    let got = k
        .ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[*].image} {.spec.template.spec.containers[0].env[*].name}"])
        .await;
    assert_eq!(
        got, "nginx:1.28 envoy:1.30 MODE EXTRA",
        "image changed, sidecar untouched, hand-added env kept after the applied one"
    );
    let described = k.ok(&["describe", "deploy", "web"]).await;
    assert!(described.contains("Name:") && described.contains("nginx:1.28"), "{described}");
}
