"""Create, replace and the four patch types (merge, JSON patch, strategic merge, server-side
apply with a field manager, through the typed API and through DynamicClient)."""

import copy

from kubernetes import client, dynamic, utils

from common import NS, check, equal, main, refused

APPLY = "application/apply-patch+yaml"


def deployment(name, containers, replicas=1):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": c, "image": f"{c}:v1"} for c in containers]},
            },
        },
    }


def creates_and_replaces(api):
    core = client.CoreV1Api(api)
    made = core.create_namespaced_config_map(
        NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="plain"), data={"a": "1"})
    )
    check(made.metadata.uid and made.metadata.creation_timestamp, "uid and creationTimestamp set on create")
    check(made.metadata.resource_version, "resourceVersion set on create")
    gen = core.create_namespaced_config_map(
        NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(generate_name="gen-"))
    )
    check(gen.metadata.name.startswith("gen-") and len(gen.metadata.name) == 9, f"generateName: {gen.metadata.name}")
    refused(409, "AlreadyExists", core.create_namespaced_config_map, NS,
            client.V1ConfigMap(metadata=client.V1ObjectMeta(name="plain")))
    refused(404, "NotFound", core.create_namespaced_config_map, "nowhere",
            client.V1ConfigMap(metadata=client.V1ObjectMeta(name="x")))
    made.data = {"a": "2", "b": "3"}
    replaced = core.replace_namespaced_config_map("plain", NS, made)
    equal(replaced.data, {"a": "2", "b": "3"}, "replaced data")
    check(int(replaced.metadata.resource_version) > int(made.metadata.resource_version), "replace moves the resourceVersion")
    same = core.replace_namespaced_config_map("plain", NS, replaced)
    equal(same.metadata.resource_version, replaced.metadata.resource_version, "a no-op replace keeps the resourceVersion")
    dry = core.create_namespaced_config_map(
        NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="dry")), dry_run="All"
    )
    equal(dry.metadata.name, "dry", "dry-run create answers the object")
    refused(404, "NotFound", core.read_namespaced_config_map, "dry", NS)


def patches_of_each_type(api):
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment(NS, deployment("web", ["app", "sidecar"]))
    # Strategic merge (the client's default for a dict body): containers merge by name.
    smp = apps.patch_namespaced_deployment(
        "web", NS, {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:v2"}]}}}}
    )
    equal([(c.name, c.image) for c in smp.spec.template.spec.containers],
          [("app", "app:v2"), ("sidecar", "sidecar:v1")], "strategic merge by container name")
    equal(smp.metadata.generation, 2, "a spec change moves generation")
    # JSON merge patch: a list is replaced whole; null deletes a key.
    merged = apps.patch_namespaced_deployment(
        "web", NS,
        {"metadata": {"labels": {"app": "web", "tier": "front"}},
         "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:v3"}]}}}},
        _content_type="application/merge-patch+json",
    )
    equal([(c.name, c.image) for c in merged.spec.template.spec.containers], [("app", "app:v3")],
          "merge patch replaces the list")
    merged = apps.patch_namespaced_deployment(
        "web", NS, {"metadata": {"labels": {"tier": None}}}, _content_type="application/merge-patch+json"
    )
    equal(merged.metadata.labels, {"app": "web"}, "merge patch null removes the label")
    # JSON patch (a list body): test, replace, add; a failed test is a 422.
    jp = apps.patch_namespaced_deployment("web", NS, [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "add", "path": "/metadata/annotations", "value": {"note": "json-patch"}},
    ])
    equal((jp.spec.replicas, jp.metadata.annotations), (3, {"note": "json-patch"}), "JSON patch result")
    refused(422, "Invalid", apps.patch_namespaced_deployment, "web", NS,
            [{"op": "test", "path": "/spec/replicas", "value": 1}])
    refused(404, "NotFound", apps.patch_namespaced_deployment, "absent", NS, {"metadata": {"labels": {"a": "b"}}})
    # Scale subresource of a Deployment.
    scale = apps.read_namespaced_deployment_scale("web", NS)
    equal(scale.spec.replicas, 3, "Scale.spec.replicas")
    scale = apps.patch_namespaced_deployment_scale("web", NS, {"spec": {"replicas": 2}})
    equal(apps.read_namespaced_deployment("web", NS).spec.replicas, 2, "replicas after patching the scale")


def server_side_apply_with_field_managers(api):
    core = client.CoreV1Api(api)
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"a": "1", "b": "2"}}
    first = core.patch_namespaced_config_map("applied", NS, cm, field_manager="alice", _content_type=APPLY)
    equal(first.data, {"a": "1", "b": "2"}, "apply creates")
    managers = {(m.manager, m.operation) for m in first.metadata.managed_fields}
    equal(managers, {("alice", "Apply")}, "managedFields after the first apply")
    fields = first.metadata.managed_fields[0].fields_v1
    check("f:a" in fields.get("f:data", {}) and "f:b" in fields["f:data"], f"fieldsV1 of alice: {fields}")
    # Another manager changing alice's field: 409 naming the field and its manager.
    other = copy.deepcopy(cm)
    other["data"] = {"a": "changed"}
    status = refused(409, "Conflict", core.patch_namespaced_config_map, "applied", NS, other,
                     field_manager="bob", _content_type=APPLY)
    causes = status.get("details", {}).get("causes", [])
    check(any(c.get("field") == ".data.a" for c in causes), f"conflict causes: {causes}")
    check('conflict with "alice"' in status["message"], f"conflict message: {status['message']}")
    # force takes the field over; alice keeps b.
    forced = core.patch_namespaced_config_map("applied", NS, other, field_manager="bob", force=True,
                                              _content_type=APPLY)
    equal(forced.data, {"a": "changed", "b": "2"}, "forced apply")
    owners = {m.manager: m.fields_v1.get("f:data", {}) for m in forced.metadata.managed_fields}
    check("f:a" in owners["bob"] and "f:a" not in owners["alice"], f"ownership after force: {owners}")
    # A manager that stops applying a field it alone owns removes it.
    dropped = core.patch_namespaced_config_map(
        "applied", NS, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {}},
        field_manager="alice", _content_type=APPLY,
    )
    equal(dropped.data, {"a": "changed"}, "b removed when alice stops applying it")
    # Apply requires a field manager (the user agent does not stand in); force is for applies only.
    status = refused(422, "Invalid", core.patch_namespaced_config_map, "applied", NS, cm, _content_type=APPLY)
    equal(status["message"],
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
          "apply without a field manager")
    refused(422, "Invalid", core.patch_namespaced_config_map, "applied", NS, {"data": {"a": "x"}}, force=True)


def dynamic_client_applies(api):
    dyn = dynamic.DynamicClient(api)
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    body = deployment("dyn", ["app"], replicas=2)
    made = deployments.server_side_apply(body=body, namespace=NS, field_manager="ops")
    equal(made.spec.replicas, 2, "DynamicClient apply creates")
    body["spec"]["replicas"] = 4
    again = deployments.server_side_apply(body=body, namespace=NS, field_manager="ops")
    equal(again.spec.replicas, 4, "DynamicClient apply updates")
    equal(again.metadata.generation, 2, "generation after the second apply")
    got = deployments.get(name="dyn", namespace=NS)
    equal(got.metadata.managedFields[0].manager, "ops", "managedFields through DynamicClient")
    listed = deployments.get(namespace=NS, label_selector="app=dyn")
    equal([d.metadata.name for d in listed.items], ["dyn"], "DynamicClient list")
    patched = deployments.patch(name="dyn", namespace=NS, body={"spec": {"replicas": 1}},
                                content_type="application/merge-patch+json")
    equal(patched.spec.replicas, 1, "DynamicClient merge patch")
    deployments.delete(name="dyn", namespace=NS)
    refused(404, "NotFound", client.AppsV1Api(api).read_namespaced_deployment, "dyn", NS)


def creates_from_dicts_and_reads_the_version(api):
    version = client.VersionApi(api).get_code()
    check(version.major == "1" and version.git_version.startswith("v1."), f"/version: {version}")
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "from-dict"},
           "spec": {"selector": {"app": "from-dict"}, "ports": [{"port": 80}]}}
    made = utils.create_from_dict(api, {"apiVersion": "v1", "kind": "List",
                                        "items": [deployment("from-dict", ["app"]), svc]}, namespace=NS)
    equal(sorted(type(m).__name__ for m in made), ["V1Deployment", "V1Service"], "utils.create_from_dict")
    got = client.CoreV1Api(api).read_namespaced_service("from-dict", NS)
    equal((got.spec.type, got.spec.ports[0].target_port), ("ClusterIP", 80), "Service defaults")


if __name__ == "__main__":
    main([
        creates_and_replaces,
        patches_of_each_type,
        server_side_apply_with_field_managers,
        dynamic_client_applies,
        creates_from_dicts_and_reads_the_version,
    ])
