"""Eviction (POST pods/{name}/eviction): allowed while a PodDisruptionBudget has room, refused
with 429 and the DisruptionBudget cause when it has none; allowed again once pods recover."""

import json

from kubernetes import client

from common import NS, check, equal, gone, main, refused, wait_until


def replica_set(name, replicas):
    labels = {"app": name}
    return client.V1ReplicaSet(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1ReplicaSetSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name="app", image="app:v1")]),
            ),
        ),
    )


def pod(name):
    return client.V1Pod(metadata=client.V1ObjectMeta(name=name, labels={"app": "web"}),
                        spec=client.V1PodSpec(containers=[client.V1Container(name="app", image="app:v1")]))


def ready_pods(core, app):
    pods = core.list_namespaced_pod(NS, label_selector=f"app={app}").items
    return [p for p in pods if p.metadata.deletion_timestamp is None and any(
        c.type == "Ready" and c.status == "True" for c in (p.status.conditions or []))]


def eviction(pod, dry_run=False):
    return client.V1Eviction(
        metadata=client.V1ObjectMeta(name=pod, namespace=NS),
        delete_options=client.V1DeleteOptions(dry_run=["All"]) if dry_run else None,
    )


def evict(api, pod, dry_run=False):
    """Evicts; returns (HTTP status, body as the server wrote it)."""
    resp = client.CoreV1Api(api).create_namespaced_pod_eviction(
        pod, NS, eviction(pod, dry_run), _preload_content=False)
    return resp.status, json.loads(resp.data)


def budget_allows(policy, n):
    def probe():
        pdb = policy.read_namespaced_pod_disruption_budget("web", NS)
        s = pdb.status
        fresh = s is not None and s.observed_generation == pdb.metadata.generation
        return pdb if fresh and s.disruptions_allowed == n else None
    return probe


def eviction_without_a_budget(api):
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    apps.create_namespaced_replica_set(NS, replica_set("free", 1))
    pod = wait_until("a ready pod of free", lambda: ready_pods(core, "free"))[0].metadata.name
    code, body = evict(api, pod)
    equal(code, 201, "HTTP status of an allowed eviction")
    equal((body.get("kind"), body.get("status")), ("Status", "Success"), "eviction answer")
    wait_until(f"{pod} to go", lambda: gone(core.read_namespaced_pod, pod, NS))
    refused(404, "NotFound", core.create_namespaced_pod_eviction, "no-such-pod", NS, eviction("no-such-pod"))


def a_budget_allows_then_refuses(api):
    core, policy = client.CoreV1Api(api), client.PolicyV1Api(api)
    # Bare pods: nothing replaces an evicted one until the script does, so the budget's state
    # is the script's to decide (a ReplicaSet's hollow pods would be Ready again at once).
    for i in range(3):
        core.create_namespaced_pod(NS, pod(f"web-{i}"))
    wait_until("3 ready pods of web", lambda: len(ready_pods(core, "web")) == 3)
    policy.create_namespaced_pod_disruption_budget(NS, client.V1PodDisruptionBudget(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1PodDisruptionBudgetSpec(min_available=2,
                                              selector=client.V1LabelSelector(match_labels={"app": "web"})),
    ))
    pdb = wait_until("the budget to allow one disruption", budget_allows(policy, 1))
    equal((pdb.status.current_healthy, pdb.status.desired_healthy, pdb.status.expected_pods), (3, 2, 3),
          "budget status")
    pods = [p.metadata.name for p in ready_pods(core, "web")]
    # A dry run spends nothing.
    code, _ = evict(api, pods[0], dry_run=True)
    equal(code, 201, "dry-run eviction")
    core.read_namespaced_pod(pods[0], NS)
    # The first eviction spends the allowance, the second is refused.
    code, _ = evict(api, pods[0])
    equal(code, 201, "first eviction")
    after = policy.read_namespaced_pod_disruption_budget("web", NS)
    equal(after.status.disruptions_allowed, 0, "allowance spent at once")
    # (disruptedPods is not checked: it names the pod only until the pod is gone, which in the
    # hollow cluster is at once, so whether a read sees it is a race.)
    status = refused(429, "TooManyRequests", core.create_namespaced_pod_eviction, pods[1], NS, eviction(pods[1]))
    equal(status["message"], "Cannot evict pod as it would violate the pod's disruption budget.", "429 message")
    causes = status.get("details", {}).get("causes", [])
    check(any(c.get("reason") == "DisruptionBudget" for c in causes), f"DisruptionBudget cause: {causes}")
    check(any("needs 2 healthy pods and has 2 currently" in c.get("message", "") for c in causes),
          f"cause message: {causes}")
    core.read_namespaced_pod(pods[1], NS)
    # Once a replacement is Ready the budget has room again.
    wait_until(f"{pods[0]} to go", lambda: gone(core.read_namespaced_pod, pods[0], NS))
    core.create_namespaced_pod(NS, pod("web-3"))
    wait_until("3 ready pods again", lambda: len(ready_pods(core, "web")) == 3)
    wait_until("the budget to allow one disruption again", budget_allows(policy, 1))
    code, _ = evict(api, pods[1])
    equal(code, 201, "eviction after recovery")


if __name__ == "__main__":
    main([eviction_without_a_budget, a_budget_allows_then_refuses])
