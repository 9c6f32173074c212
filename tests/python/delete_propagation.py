"""Deletion with each propagation policy (Background, Foreground, Orphan) and what happens to
the dependents, as the garbage collector handles them; finalizers hold an object back."""

from kubernetes import client

from common import NS, check, equal, gap, gone, main, refused, wait_until


def replica_set(name, replicas=2):
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


def pods_of(core, name):
    return core.list_namespaced_pod(NS, label_selector=f"app={name}").items


def with_pods(api, name, replicas=2):
    """A ReplicaSet and the pods its controller made for it."""
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    rs = apps.create_namespaced_replica_set(NS, replica_set(name, replicas))
    def all_made():
        pods = pods_of(core, name)
        return pods if len(pods) == replicas else None

    pods = wait_until(f"{replicas} pods of {name}", all_made)
    for p in pods:
        refs = p.metadata.owner_references or []
        check(any(r.uid == rs.metadata.uid and r.controller for r in refs), f"pod {p.metadata.name} owned by {name}: {refs}")
    return rs, pods


def owner_ref(obj, kind, api_version, block=None):
    return client.V1OwnerReference(api_version=api_version, kind=kind, name=obj.metadata.name,
                                   uid=obj.metadata.uid, block_owner_deletion=block)


def background_deletes_the_owner_now_and_dependents_after(api):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    rs, _ = with_pods(api, "bg")
    deleted = apps.delete_namespaced_replica_set("bg", NS, propagation_policy="Background")
    check(deleted is not None, "delete answers")
    check(gone(apps.read_namespaced_replica_set, "bg", NS), "the owner is gone at once")
    wait_until("the pods of bg to be collected", lambda: not pods_of(core, "bg"))
    # Plain objects too: a ConfigMap owned by another.
    owner = core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="owner")))
    core.create_namespaced_config_map(NS, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="child", owner_references=[owner_ref(owner, "ConfigMap", "v1")])))
    core.delete_namespaced_config_map("owner", NS)  # the default for a ConfigMap is Background
    wait_until("child to be collected", lambda: gone(core.read_namespaced_config_map, "child", NS))


def foreground_waits_for_blocking_dependents(api):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    rs, pods = with_pods(api, "fg")
    # A dependent with a finalizer of its own holds the owner in foreground deletion.
    core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(
        name="fg-held", finalizers=["example.com/hold"],
        owner_references=[owner_ref(rs, "ReplicaSet", "apps/v1", block=True)])))
    body, code, _ = apps.delete_namespaced_replica_set_with_http_info(
        "fg", NS, body=client.V1DeleteOptions(propagation_policy="Foreground"))
    equal(code, 200, "HTTP status of a foreground delete")
    # The answer is the object, now being deleted (the client leaves it a dict).
    equal(body["kind"], "ReplicaSet", "a foreground delete answers the object")
    check(body["metadata"].get("deletionTimestamp"), "the answer carries deletionTimestamp")
    check("foregroundDeletion" in body["metadata"].get("finalizers", []), f"finalizers: {body['metadata']}")
    wait_until("the pods of fg to be collected", lambda: not pods_of(core, "fg"))
    held = core.read_namespaced_config_map("fg-held", NS)
    check(held.metadata.deletion_timestamp is not None, "the blocking dependent is being deleted")
    still = apps.read_namespaced_replica_set("fg", NS)
    check("foregroundDeletion" in (still.metadata.finalizers or []), "the owner waits for the dependent")
    # Updates to an object being deleted still work; finalizers may only be removed.
    core.patch_namespaced_config_map("fg-held", NS, {"metadata": {"finalizers": None}},
                                     _content_type="application/merge-patch+json")
    wait_until("fg-held to go", lambda: gone(core.read_namespaced_config_map, "fg-held", NS))
    wait_until("the owner to go once its dependents are gone",
               lambda: gone(apps.read_namespaced_replica_set, "fg", NS))


def orphan_leaves_dependents_without_the_owner(api):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    rs, pods = with_pods(api, "orph")
    apps.delete_namespaced_replica_set("orph", NS, body=client.V1DeleteOptions(propagation_policy="Orphan"))
    wait_until("the orphaned owner to go", lambda: gone(apps.read_namespaced_replica_set, "orph", NS))

    def released():
        now = pods_of(core, "orph")
        if len(now) == len(pods) and all(not any(r.uid == rs.metadata.uid for r in p.metadata.owner_references or [])
                                         for p in now):
            return now
        return None

    left = wait_until("the pods to lose their owner reference", released)
    equal(sorted(p.metadata.name for p in left), sorted(p.metadata.name for p in pods), "the same pods stay")
    check(all(p.metadata.deletion_timestamp is None for p in left), "orphans are not being deleted")


def finalizers_hold_an_object(api):
    core = client.CoreV1Api(api)
    core.create_namespaced_config_map(NS, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="final", finalizers=["example.com/cleanup"])))
    core.delete_namespaced_config_map("final", NS)
    held = core.read_namespaced_config_map("final", NS)
    check(held.metadata.deletion_timestamp is not None, "deletionTimestamp set while a finalizer remains")
    # A finalizer cannot be added to an object being deleted (ValidateObjectMetaUpdate).
    gap("no new finalizers on an object being deleted (422)", lambda: refused(
        422, "Invalid", core.patch_namespaced_config_map, "final", NS,
        {"metadata": {"finalizers": ["example.com/cleanup", "example.com/late"]}},
        _content_type="application/merge-patch+json"))
    core.patch_namespaced_config_map("final", NS, {"metadata": {"finalizers": []}},
                                     _content_type="application/merge-patch+json")
    check(gone(core.read_namespaced_config_map, "final", NS), "gone once the last finalizer is removed")
    refused(404, "NotFound", core.delete_namespaced_config_map, "final", NS)
    # DeleteOptions are validated before the object is looked up (ValidateDeleteOptions).
    gap("an unknown propagationPolicy is a 422 DeleteOptions Invalid", lambda: refused(
        422, "Invalid", core.delete_namespaced_config_map, "final", NS, propagation_policy="Sideways"))


if __name__ == "__main__":
    main([
        background_deletes_the_owner_now_and_dependents_after,
        foreground_waits_for_blocking_dependents,
        orphan_leaves_dependents_without_the_owner,
        finalizers_hold_an_object,
    ])
