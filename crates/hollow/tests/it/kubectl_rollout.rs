//! `kubectl rollout history` and `kubectl rollout undo` against the hollow Deployment
//! controller's revision annotations.

use crate::common;

use common::kubectl::Kubectl;

async fn image(k: &Kubectl) -> String {
    k.ok(&["get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_and_undo_walk_the_revisions() {
    let k = Kubectl::start("rollout").await;
    k.ok(&["create", "deployment", "web", "--image=nginx:1.25"]).await;
    k.ok(&["rollout", "status", "deployment/web", "--timeout=20s"]).await;
    for v in ["1.26", "1.27"] {
        k.ok(&["set", "image", "deployment/web", &format!("nginx=nginx:{v}")]).await;
        k.ok(&[
            "annotate",
            "deployment/web",
            &format!("kubernetes.io/change-cause=image {v}"),
            "--overwrite",
        ])
        .await;
        k.ok(&["rollout", "status", "deployment/web", "--timeout=20s"]).await;
    }
    let history = k.ok(&["rollout", "history", "deployment/web"]).await;
    let rows: Vec<Vec<&str>> = history
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.iter().map(|r| r[0]).collect::<Vec<_>>(), ["1", "2", "3"], "{history}");
    assert!(history.contains("image 1.27"), "{history}");
    let rev2 = k.ok(&["rollout", "history", "deployment/web", "--revision=2"]).await;
    assert!(rev2.contains("nginx:1.26"), "{rev2}");
    let annotations = k.ok(&["get", "rs", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision}/{.metadata.annotations.deployment\\.kubernetes\\.io/max-replicas} {end}"]).await;
    let mut revs: Vec<&str> = annotations.split_whitespace().collect();
    revs.sort_unstable();
    assert_eq!(revs, ["1/2", "2/2", "3/2"], "{annotations}");
    let pod =
        k.ok(&["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.generateName}"]).await;
    assert!(pod.starts_with("web-") && pod.ends_with('-'), "{pod}");

    // Undo goes back to revision 2, which becomes revision 4 and remembers 2.
    k.ok(&["rollout", "undo", "deployment/web"]).await;
    k.ok(&["rollout", "status", "deployment/web", "--timeout=20s"]).await;
    assert_eq!(image(&k).await, "nginx:1.26");
    let history = k.ok(&["rollout", "history", "deployment/web"]).await;
    let revs: Vec<&str> = history.lines().skip(2).filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(revs, ["1", "3", "4"], "{history}");
    let back = k.ok(&["get", "rs", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision-history}{end}"]).await;
    assert_eq!(back, "2");
    assert_eq!(
        k.ok(&[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}"
        ])
        .await,
        "4"
    );

    // --to-revision picks one; the current one is a no-op the real kubectl reports.
    k.ok(&["rollout", "undo", "deployment/web", "--to-revision=1"]).await;
    k.ok(&["rollout", "status", "deployment/web", "--timeout=20s"]).await;
    assert_eq!(image(&k).await, "nginx:1.25");
    let same = k.ok(&["rollout", "undo", "deployment/web", "--to-revision=5"]).await;
    assert!(same.contains("skipped rollback"), "{same}");
    let err = k.fails(&["rollout", "undo", "deployment/web", "--to-revision=9"]).await;
    assert!(err.contains("unable to find specified revision 9 in history"), "{err}");
}
