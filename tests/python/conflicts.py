"""Optimistic concurrency: 409 Conflict on a stale resourceVersion (replace, patch, delete
preconditions, custom resources), and the read-modify-write retry loop operators write."""

import threading

from kubernetes import client
from kubernetes.client.rest import ApiException

from common import NS, check, equal, main, refused, rollout_body

GROUP, VERSION, PLURAL = "ramp.dev", "v1alpha1", "rollouts"
MODIFIED = "the object has been modified; please apply your changes to the latest version and try again"


def a_stale_replace_is_a_conflict(api):
    core = client.CoreV1Api(api)
    first = core.create_namespaced_config_map(
        NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="counter"), data={"n": "0"})
    )
    core.patch_namespaced_config_map("counter", NS, {"data": {"n": "1"}})
    first.data = {"n": "stale"}
    status = refused(409, "Conflict", core.replace_namespaced_config_map, "counter", NS, first)
    equal(status["message"], f'Operation cannot be fulfilled on configmaps "counter": {MODIFIED}', "conflict message")
    equal(status.get("details", {}).get("name"), "counter", "details.name")
    equal(status.get("details", {}).get("kind"), "configmaps", "details.kind")
    equal(core.read_namespaced_config_map("counter", NS).data, {"n": "1"}, "the stale write changed nothing")
    # Without a resourceVersion a built-in kind's replace is unconditional.
    first.metadata.resource_version = None
    equal(core.replace_namespaced_config_map("counter", NS, first).data, {"n": "stale"}, "unconditional replace")


def a_stale_patch_precondition_is_a_conflict(api):
    core = client.CoreV1Api(api)
    current = core.read_namespaced_config_map("counter", NS)
    stale = str(int(current.metadata.resource_version) - 1)
    refused(409, "Conflict", core.patch_namespaced_config_map, "counter", NS,
            {"metadata": {"resourceVersion": stale}, "data": {"n": "x"}},
            _content_type="application/merge-patch+json")
    refused(409, "Conflict", core.patch_namespaced_config_map, "counter", NS,
            [{"op": "replace", "path": "/metadata/resourceVersion", "value": stale},
             {"op": "replace", "path": "/data/n", "value": "x"}])
    ok = core.patch_namespaced_config_map(
        "counter", NS, {"metadata": {"resourceVersion": current.metadata.resource_version}, "data": {"n": "2"}}
    )
    equal(ok.data, {"n": "2"}, "a patch on the current resourceVersion")
    # A delete precondition on a stale resourceVersion: 409, the object stays.
    refused(409, "Conflict", core.delete_namespaced_config_map, "counter", NS,
            body=client.V1DeleteOptions(preconditions=client.V1Preconditions(resource_version=stale)))
    refused(409, "Conflict", core.delete_namespaced_config_map, "counter", NS,
            body=client.V1DeleteOptions(preconditions=client.V1Preconditions(uid="not-the-uid")))
    core.read_namespaced_config_map("counter", NS)


def custom_resources_need_a_current_resource_version(api):
    custom = client.CustomObjectsApi(api)
    made = custom.create_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, rollout_body("web"))
    custom.patch_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "web", {"spec": {"replicas": 3}})
    made["spec"]["replicas"] = 5
    status = refused(409, "Conflict", custom.replace_namespaced_custom_object, GROUP, VERSION, NS, PLURAL, "web", made)
    equal(status["message"], f'Operation cannot be fulfilled on rollouts.ramp.dev "web": {MODIFIED}',
          "custom resource conflict message")
    del made["metadata"]["resourceVersion"]
    status = refused(422, "Invalid", custom.replace_namespaced_custom_object, GROUP, VERSION, NS, PLURAL, "web", made)
    check("must be specified for an update" in status["message"], f"update without resourceVersion: {status['message']}")


def read_modify_write_retries_converge(api):
    core = client.CoreV1Api(api)
    core.create_namespaced_config_map(
        NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="shared"), data={"n": "0"})
    )
    conflicts = []
    errors = []

    def bump(times):
        try:
            for _ in range(times):
                while True:
                    cm = core.read_namespaced_config_map("shared", NS)
                    cm.data["n"] = str(int(cm.data["n"]) + 1)
                    try:
                        core.replace_namespaced_config_map("shared", NS, cm)
                        break
                    except ApiException as e:
                        if e.status != 409:
                            raise
                        conflicts.append(1)
        except Exception as e:  # reported below: a thread cannot fail the script itself
            errors.append(e)

    workers = [threading.Thread(target=bump, args=(25,)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    check(not errors, f"writers failed: {errors}")
    equal(core.read_namespaced_config_map("shared", NS).data["n"], "100", "every increment landed once")
    print(f"  ({len(conflicts)} conflicts retried)")


if __name__ == "__main__":
    main([
        a_stale_replace_is_a_conflict,
        a_stale_patch_precondition_is_a_conflict,
        custom_resources_need_a_current_resource_version,
        read_modify_write_retries_converge,
    ])
