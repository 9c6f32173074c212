"""List (selectors, pages), watch from a list's resourceVersion, resume from the last event's
resourceVersion, and 410 Gone for a resourceVersion older than the server keeps."""

from kubernetes import client, watch

from common import NS, CheckFailed, check, equal, gap, main, refused


def cm(name, labels=None, data=None):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data)


def take(w, n, func, *args, **kwargs):
    """The first n events of a watch; stops it after them."""
    got = []
    for event in w.stream(func, *args, **kwargs):
        got.append(event)
        if len(got) == n:
            w.stop()
            break
    return got


def names(events):
    return [(e["type"], e["object"].metadata.name) for e in events]


def lists_with_selectors_and_pages(api):
    core = client.CoreV1Api(api)
    for i in range(5):
        core.create_namespaced_config_map(NS, cm(f"item-{i}", {"app": "web" if i % 2 == 0 else "db", "i": str(i)}))
    web = core.list_namespaced_config_map(NS, label_selector="app=web")
    equal(sorted(c.metadata.name for c in web.items), ["item-0", "item-2", "item-4"], "app=web")
    check(int(web.metadata.resource_version) > 0, f"list resourceVersion {web.metadata.resource_version!r}")
    equal(web.kind, "ConfigMapList", "list kind")
    sel = core.list_namespaced_config_map(NS, label_selector="app in (db),i!=1")
    equal([c.metadata.name for c in sel.items], ["item-3"], "set-based selector")
    by_name = core.list_namespaced_config_map(NS, field_selector="metadata.name=item-1")
    equal([c.metadata.name for c in by_name.items], ["item-1"], "field selector")
    # Pages of 2: every item exactly once, a continue token on all but the last page.
    seen, token, pages = [], None, 0
    while True:
        page = core.list_namespaced_config_map(NS, label_selector="i", limit=2, _continue=token)
        pages += 1
        seen += [c.metadata.name for c in page.items]
        token = page.metadata._continue
        if not token:
            break
        check(len(page.items) == 2, f"a page before the last holds {len(page.items)} items")
    equal(sorted(seen), [f"item-{i}" for i in range(5)], "paged items")
    equal(pages, 3, "pages of 2 over 5 items")
    every = client.CoreV1Api(api).list_config_map_for_all_namespaces(label_selector="i")
    equal(len(every.items), 5, "list across namespaces")


def watches_from_a_list_and_resumes(api):
    core = client.CoreV1Api(api)
    rv = core.list_namespaced_config_map(NS).metadata.resource_version
    core.create_namespaced_config_map(NS, cm("w1", {"watch": "yes"}, {"k": "1"}))
    core.patch_namespaced_config_map("w1", NS, {"data": {"k": "2"}})
    core.delete_namespaced_config_map("w1", NS)
    w = watch.Watch()
    events = take(w, 3, core.list_namespaced_config_map, NS, resource_version=rv, timeout_seconds=30)
    equal(names(events), [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")], "events since the list")
    check(isinstance(events[0]["object"], client.V1ConfigMap), f"typed object: {type(events[0]['object'])}")
    equal(events[1]["object"].data, {"k": "2"}, "MODIFIED carries the new object")
    rvs = [int(e["object"].metadata.resource_version) for e in events]
    check(rvs == sorted(rvs) and len(set(rvs)) == 3, f"resourceVersions increase: {rvs}")
    # Resume from the last event: only what happened after it.
    last = w.resource_version
    equal(last, events[-1]["object"].metadata.resource_version, "Watch.resource_version after the last event")
    core.create_namespaced_config_map(NS, cm("w2"))
    events = take(watch.Watch(), 1, core.list_namespaced_config_map, NS, resource_version=last, timeout_seconds=30)
    equal(names(events), [("ADDED", "w2")], "events after resuming")


def a_selector_watch_sees_objects_leave_and_enter(api):
    core = client.CoreV1Api(api)
    rv = core.list_namespaced_config_map(NS, label_selector="tier=front").metadata.resource_version
    core.create_namespaced_config_map(NS, cm("s1", {"tier": "front"}))
    core.patch_namespaced_config_map("s1", NS, {"metadata": {"labels": {"tier": "back"}}})
    core.patch_namespaced_config_map("s1", NS, {"metadata": {"labels": {"tier": "front"}}})
    events = take(
        watch.Watch(), 3, core.list_namespaced_config_map, NS,
        label_selector="tier=front", resource_version=rv, timeout_seconds=30,
    )
    equal(names(events), [("ADDED", "s1"), ("DELETED", "s1"), ("ADDED", "s1")], "leaving and entering the selector")


def bookmarks_carry_a_resource_version(api):
    core = client.CoreV1Api(api)
    rv = core.list_namespaced_config_map(NS).metadata.resource_version
    core.create_namespaced_config_map(NS, cm("b1"))
    seen = []
    w = watch.Watch()
    for event in w.stream(
        core.list_namespaced_config_map, NS, resource_version=rv, allow_watch_bookmarks=True, timeout_seconds=3
    ):
        seen.append(event["type"])
        if event["type"] == "BOOKMARK":
            check(int(event["raw_object"]["metadata"]["resourceVersion"]) > 0, f"bookmark {event['raw_object']}")
    check(seen and seen[0] == "ADDED", f"events with bookmarks allowed: {seen}")


def a_streaming_list_sends_initial_events_then_a_bookmark(api):
    core = client.CoreV1Api(api)
    want = sorted(c.metadata.name for c in core.list_namespaced_config_map(NS, label_selector="i").items)
    got, end = [], None
    w = watch.Watch()
    for event in w.stream(
        core.list_namespaced_config_map, NS, label_selector="i", send_initial_events=True,
        resource_version_match="NotOlderThan", allow_watch_bookmarks=True, timeout_seconds=30,
    ):
        if event["type"] == "BOOKMARK":
            end = event["raw_object"]["metadata"]
            w.stop()
        else:
            equal(event["type"], "ADDED", "initial events are ADDED")
            got.append(event["object"].metadata.name)
    equal(sorted(got), want, "initial events: every object once")
    check(end is not None and end.get("annotations", {}).get("k8s.io/initial-events-end") == "true",
          f"the closing bookmark carries k8s.io/initial-events-end: {end}")


def a_too_old_resource_version_is_gone(api):
    core = client.CoreV1Api(api)
    old = core.list_namespaced_config_map(NS).metadata.resource_version
    core.create_namespaced_config_map(NS, cm("g1"))
    # Compaction, as etcd does it: the change log no longer reaches back to `old`.
    resp = api.call_api("POST", api.configuration.host + "/sim/compact")
    equal(resp.status, 200, "POST /sim/compact")
    # With timeout_seconds the client does not retry: the ERROR event becomes a 410 ApiException.
    try:
        take(watch.Watch(), 1, core.list_namespaced_config_map, NS, resource_version=old, timeout_seconds=10)
        raise CheckFailed("a watch from a compacted resourceVersion should fail with 410")
    except client.rest.ApiException as e:
        equal(e.status, 410, "watch from a compacted resourceVersion")
        check("Expired" in str(e.reason), f"410 reason: {e.reason!r}")
    # Without it the client retries once from the same resourceVersion, then gives up with 410.
    try:
        take(watch.Watch(), 1, core.list_namespaced_config_map, NS, resource_version=old)
        raise CheckFailed("a retried watch from a compacted resourceVersion should fail with 410")
    except client.rest.ApiException as e:
        equal(e.status, 410, "retried watch from a compacted resourceVersion")
    # A list at exactly a compacted resourceVersion is gone too.
    gap("list with resourceVersionMatch=Exact at a compacted resourceVersion is 410", lambda: refused(
        410, "Expired", core.list_namespaced_config_map, NS, resource_version=old, resource_version_match="Exact"))
    # The recovery operators write: list again, watch from the new list's resourceVersion.
    fresh = core.list_namespaced_config_map(NS)
    check("g1" in [c.metadata.name for c in fresh.items], "the relist holds the change the watch missed")
    core.create_namespaced_config_map(NS, cm("g2"))
    events = take(
        watch.Watch(), 1, core.list_namespaced_config_map, NS,
        resource_version=fresh.metadata.resource_version, timeout_seconds=30,
    )
    equal(names(events), [("ADDED", "g2")], "watch after the relist")


if __name__ == "__main__":
    main([
        lists_with_selectors_and_pages,
        watches_from_a_list_and_resumes,
        a_selector_watch_sees_objects_leave_and_enter,
        bookmarks_carry_a_resource_version,
        a_streaming_list_sends_initial_events_then_a_bookmark,
        a_too_old_resource_version_is_gone,
    ])
