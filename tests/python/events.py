"""Events through core/v1 (create_namespaced_event, field selectors) and events.k8s.io/v1
(EventsV1Api), the two views of one resource."""

import datetime

from kubernetes import client, watch

from common import NS, check, equal, gap, main, refused, send

NOW = datetime.datetime(2026, 12, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
# events.k8s.io's eventTime is a metav1.MicroTime: Go parses it with exactly six fractional
# digits, and Python's isoformat() leaves the fraction out when it is zero. So a client
# sending a whole-second datetime is refused by a real API server too (checked below).
NOW_MICRO = NOW.replace(microsecond=250000)


def involved(name="web-1"):
    return client.V1ObjectReference(api_version="v1", kind="Pod", name=name, namespace=NS, uid=f"uid-{name}")


def core_event(name, reason, type_="Normal", obj="web-1"):
    return client.CoreV1Event(
        metadata=client.V1ObjectMeta(name=name),
        involved_object=involved(obj),
        reason=reason, message=f"{reason} happened", type=type_,
        first_timestamp=NOW, last_timestamp=NOW, count=1,
        source=client.V1EventSource(component="ramp"),
        reporting_component="ramp", reporting_instance="ramp-0",
    )


def core_v1_events(api):
    core = client.CoreV1Api(api)
    made = core.create_namespaced_event(NS, core_event("web-1.started", "Started"))
    equal((made.reason, made.involved_object.name, made.count), ("Started", "web-1", 1), "created event")
    core.create_namespaced_event(NS, core_event("web-1.unhealthy", "Unhealthy", "Warning"))
    core.create_namespaced_event(NS, core_event("web-2.started", "Started", obj="web-2"))
    by_object = core.list_namespaced_event(NS, field_selector="involvedObject.name=web-1,involvedObject.kind=Pod")
    equal(sorted(e.metadata.name for e in by_object.items), ["web-1.started", "web-1.unhealthy"],
          "events of one object (kubectl describe's query)")
    warnings = core.list_namespaced_event(NS, field_selector="type=Warning")
    equal([e.metadata.name for e in warnings.items], ["web-1.unhealthy"], "type=Warning")
    started = core.list_namespaced_event(NS, field_selector="reason=Started")
    equal(len(started.items), 2, "reason=Started")
    everywhere = core.list_event_for_all_namespaces(field_selector="involvedObject.uid=uid-web-2")
    equal([e.metadata.name for e in everywhere.items], ["web-2.started"], "involvedObject.uid across namespaces")
    # A repeat is a patch of count and lastTimestamp, as client-go's recorder does.
    later = NOW + datetime.timedelta(seconds=30)
    bumped = core.patch_namespaced_event("web-1.started", NS, {"count": 2, "lastTimestamp": later.isoformat()})
    equal((bumped.count, bumped.last_timestamp), (2, later), "repeated event")
    refused(400, "BadRequest", core.list_namespaced_event, NS, field_selector="spec.unknown=x")
    # The event's namespace must be its object's.
    wrong = core_event("elsewhere", "Started")
    wrong.involved_object.namespace = "kube-system"
    gap("involvedObject.namespace must match the event's (422)",
        lambda: refused(422, "Invalid", core.create_namespaced_event, NS, wrong))


def events_v1(api):
    ev = client.EventsV1Api(api)
    body = client.EventsV1Event(
        metadata=client.V1ObjectMeta(name="web.rollout-step"),
        event_time=NOW_MICRO, reporting_controller="ramp.dev/controller", reporting_instance="ramp-0",
        action="Scale", reason="StepAdvanced", note="step 2 of 4", type="Normal",
        regarding=client.V1ObjectReference(api_version="ramp.dev/v1alpha1", kind="Rollout", name="web",
                                           namespace=NS, uid="uid-web"),
    )
    whole_second = {**api.sanitize_for_serialization(body), "metadata": {"name": "whole-second"},
                    "eventTime": NOW.isoformat()}
    code, status = send(api, "POST", f"/apis/events.k8s.io/v1/namespaces/{NS}/events", whole_second)
    check(code == 400 and ".000000" in status.get("message", ""),
          f"a whole-second eventTime is refused as Go's MicroTime refuses it: {code} {status.get('message')}")
    made = ev.create_namespaced_event(NS, body)
    equal(made.event_time, NOW_MICRO, "eventTime to the microsecond")
    equal((made.reason, made.note, made.regarding.kind), ("StepAdvanced", "step 2 of 4", "Rollout"), "events.k8s.io/v1 event")
    check(made.event_time is not None, "eventTime kept")
    listed = ev.list_namespaced_event(NS, field_selector="regarding.name=web")
    equal([e.metadata.name for e in listed.items], ["web.rollout-step"], "regarding.name selector")
    # A repeat becomes a series.
    series = ev.patch_namespaced_event("web.rollout-step", NS, {
        "series": {"count": 2, "lastObservedTime": (NOW_MICRO + datetime.timedelta(seconds=5)).isoformat()}})
    equal(series.series.count, 2, "series.count")
    # Required fields, as ValidateEventCreate checks them for events.k8s.io/v1.
    path = f"/apis/events.k8s.io/v1/namespaces/{NS}/events"
    missing = {"metadata": {"name": "incomplete"}, "reason": "X", "type": "Normal",
               "regarding": {"kind": "Rollout", "name": "web", "namespace": NS}}

    def refuses_incomplete():
        code, status = send(api, "POST", path, missing)
        equal((code, status.get("reason")), (422, "Invalid"), "an incomplete events.k8s.io/v1 event")
        fields = sorted(c.get("field") for c in status.get("details", {}).get("causes", []))
        for field in ("eventTime", "reportingController", "reportingInstance", "action"):
            check(field in fields, f"a cause for {field}: {fields}")
        bad_type = {**api.sanitize_for_serialization(body), "metadata": {"name": "bad-type"}, "type": "Odd"}
        code, status = send(api, "POST", path, bad_type)
        equal((code, status.get("reason")), (422, "Invalid"), "an event of type Odd")

    gap("events.k8s.io/v1 events validated (eventTime, reportingController, reportingInstance, action, type)",
        refuses_incomplete)


def both_views_of_one_resource(api):
    core, ev = client.CoreV1Api(api), client.EventsV1Api(api)
    # An events.k8s.io event is a core/v1 Event too, with the fields mapped.
    gap("events.k8s.io/v1 and core/v1 share storage (regarding -> involvedObject, note -> message)", lambda: (
        equal(core.read_namespaced_event("web.rollout-step", NS).message, "step 2 of 4", "core view of a v1 event"),
        equal(ev.read_namespaced_event("web-1.started", NS).regarding.name, "web-1", "v1 view of a core event"),
    ))
    rv = core.list_namespaced_event(NS).metadata.resource_version
    core.create_namespaced_event(NS, core_event("web-3.started", "Started", obj="web-3"))
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_event, NS, resource_version=rv, timeout_seconds=30):
        equal((event["type"], event["object"].metadata.name), ("ADDED", "web-3.started"), "watched event")
        w.stop()


if __name__ == "__main__":
    main([core_v1_events, events_v1, both_views_of_one_resource])
