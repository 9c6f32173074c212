"""The Rollout custom resource through CustomObjectsApi: the status and scale subresources,
patch types a custom resource accepts, schema validation, and watching it."""

from kubernetes import client, dynamic, watch

from common import NS, check, equal, main, refused, rollout_body

GROUP, VERSION, PLURAL = "ramp.dev", "v1alpha1", "rollouts"
APPLY = "application/apply-patch+yaml"


def args(name=None):
    return (GROUP, VERSION, NS, PLURAL) + ((name,) if name else ())


def creates_and_validates(api):
    custom = client.CustomObjectsApi(api)
    made = custom.create_namespaced_custom_object(*args(), rollout_body("web"))
    equal((made["kind"], made["metadata"]["generation"]), ("Rollout", 1), "created Rollout")
    bad = rollout_body("bad")
    bad["spec"]["replicas"] = -2
    status = refused(422, "Invalid", custom.create_namespaced_custom_object, *args(), bad)
    fields = [c.get("field") for c in status.get("details", {}).get("causes", [])]
    check("spec.replicas" in fields, f"causes name spec.replicas: {fields}")
    listed = custom.list_namespaced_custom_object(*args(), label_selector="app=web")
    equal([r["metadata"]["name"] for r in listed["items"]], ["web"], "list by label")
    equal(listed["kind"], "RolloutList", "list kind")


def the_scale_subresource(api):
    custom = client.CustomObjectsApi(api)
    scale = custom.get_namespaced_custom_object_scale(*args("web"))
    equal((scale["apiVersion"], scale["kind"]), ("autoscaling/v1", "Scale"), "Scale kind")
    equal(scale["spec"]["replicas"], 2, "Scale.spec.replicas from .spec.replicas")
    equal(scale["metadata"]["name"], "web", "Scale name")
    scale = custom.patch_namespaced_custom_object_scale(*args("web"), {"spec": {"replicas": 5}})
    equal(scale["spec"]["replicas"], 5, "patched Scale")
    rollout = custom.get_namespaced_custom_object(*args("web"))
    equal(rollout["spec"]["replicas"], 5, "spec.replicas after scaling")
    equal(rollout["metadata"]["generation"], 2, "scaling moves generation")
    scale["spec"]["replicas"] = 3
    scale = custom.replace_namespaced_custom_object_scale(*args("web"), scale)
    equal(custom.get_namespaced_custom_object(*args("web"))["spec"]["replicas"], 3, "replaced Scale")
    scale["spec"]["replicas"] = -1
    refused(422, "Invalid", custom.replace_namespaced_custom_object_scale, *args("web"), scale)


def the_status_subresource(api):
    custom = client.CustomObjectsApi(api)
    before = custom.get_namespaced_custom_object(*args("web"))
    # A status write changes only status, whatever else the body says.
    patched = custom.patch_namespaced_custom_object_status(
        *args("web"),
        {"spec": {"replicas": 9}, "status": {"replicas": 3, "readyReplicas": 2, "selector": "app=web",
                                             "phase": "Progressing", "observedGeneration": 3}},
    )
    equal(patched["status"]["readyReplicas"], 2, "status written")
    equal(patched["spec"]["replicas"], before["spec"]["replicas"], "spec unchanged by a status write")
    equal(patched["metadata"]["generation"], before["metadata"]["generation"], "generation unchanged by a status write")
    # A main-resource write leaves status alone.
    main_write = custom.patch_namespaced_custom_object(*args("web"), {"status": {"readyReplicas": 0}})
    equal(main_write["status"]["readyReplicas"], 2, "status unchanged by a main-resource write")
    # The scale subresource reads replicas and the selector from status.
    scale = custom.get_namespaced_custom_object_scale(*args("web"))
    equal((scale["status"]["replicas"], scale["status"].get("selector")), (3, "app=web"), "Scale.status")
    got = custom.get_namespaced_custom_object_status(*args("web"))
    equal(got["status"]["phase"], "Progressing", "read through the status subresource")
    # Status validated against the schema too.
    refused(422, "Invalid", custom.patch_namespaced_custom_object_status, *args("web"),
            {"status": {"phase": "Sleeping"}})
    # Server-side apply of status, as a controller writes it.
    applied = custom.patch_namespaced_custom_object_status(
        *args("web"),
        {"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
         "status": {"phase": "Healthy", "message": "all replicas updated"}},
        field_manager="ramp", force=True, _content_type=APPLY,
    )
    equal((applied["status"]["phase"], applied["status"]["message"]), ("Healthy", "all replicas updated"), "applied status")
    managers = {(m["manager"], m["operation"], m.get("subresource", "")) for m in applied["metadata"]["managedFields"]}
    check(("ramp", "Apply", "status") in managers, f"managedFields after the status apply: {managers}")


def patch_types_of_a_custom_resource(api):
    custom = client.CustomObjectsApi(api)
    # The client's default for custom objects is a merge patch.
    merged = custom.patch_namespaced_custom_object(*args("web"), {"metadata": {"labels": {"tier": "front"}}})
    equal(merged["metadata"]["labels"], {"app": "web", "tier": "front"}, "merge patch")
    jp = custom.patch_namespaced_custom_object(
        *args("web"), [{"op": "replace", "path": "/spec/replicas", "value": 4}],
        _content_type="application/json-patch+json",
    )
    equal(jp["spec"]["replicas"], 4, "JSON patch")
    # Strategic merge is for built-in kinds only.
    refused(415, "UnsupportedMediaType", custom.patch_namespaced_custom_object, *args("web"),
            {"spec": {"replicas": 1}}, _content_type="application/strategic-merge-patch+json")
    applied = custom.patch_namespaced_custom_object(
        *args("web"), {"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
                       "spec": {"replicas": 6}},
        field_manager="ops", force=True, _content_type=APPLY,
    )
    equal(applied["spec"]["replicas"], 6, "server-side apply of a custom resource")


def the_dynamic_client_discovers_rollouts(api):
    rollouts = dynamic.DynamicClient(api).resources.get(api_version="ramp.dev/v1alpha1", kind="Rollout")
    equal((rollouts.name, rollouts.namespaced), ("rollouts", True), "discovered resource")
    equal(rollouts.short_names, ["rro"], "short names from discovery")
    got = rollouts.get(name="web", namespace=NS)
    equal(got.spec.replicas, 6, "Rollout through DynamicClient")
    status = rollouts.status.get(name="web", namespace=NS)
    equal(status.status.phase, "Healthy", "status subresource through DynamicClient")


def watches_a_custom_resource(api):
    custom = client.CustomObjectsApi(api)
    rv = custom.list_namespaced_custom_object(*args())["metadata"]["resourceVersion"]
    custom.create_namespaced_custom_object(*args(), rollout_body("api"))
    custom.patch_namespaced_custom_object_status(*args("api"), {"status": {"phase": "Paused"}})
    custom.delete_namespaced_custom_object(*args("api"))
    events = []
    w = watch.Watch()
    for event in w.stream(custom.list_namespaced_custom_object, *args(), resource_version=rv, timeout_seconds=30):
        events.append(event)
        if len(events) == 3:
            w.stop()
    got = [(e["type"], e["object"]["metadata"]["name"]) for e in events]
    equal(got, [("ADDED", "api"), ("MODIFIED", "api"), ("DELETED", "api")], "custom resource events")
    equal(events[1]["object"]["status"]["phase"], "Paused", "the status write arrives as MODIFIED")
    equal(w.resource_version, events[2]["object"]["metadata"]["resourceVersion"],
          "resourceVersion tracked from dict objects")


if __name__ == "__main__":
    main([
        creates_and_validates,
        the_scale_subresource,
        the_status_subresource,
        patch_types_of_a_custom_resource,
        the_dynamic_client_discovers_rollouts,
        watches_a_custom_resource,
    ])
