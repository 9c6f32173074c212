"""Leases (coordination.k8s.io/v1) and leader election with the client's own
kubernetes.leaderelection: two candidates, one leads, the other takes over after it stops."""

import datetime
import json
import threading

from kubernetes import client
from kubernetes.leaderelection import electionconfig, leaderelection
from kubernetes.leaderelection.resourcelock.leaselock import LeaseLock

from common import NS, check, equal, gap, main, refused, wait_until

LOCK = "ramp-python-election"
# Long enough that a loaded machine renews in time (renewals are every retry period, 1 s).
LEASE_SECONDS = 10


def raw(api, path):
    """A GET answered as the server wrote it (no model in between)."""
    resp = api.call_api("GET", api.configuration.host + path)
    resp.read()
    return json.loads(resp.data)


def leases_round_trip(api):
    coord = client.CoordinationV1Api(api)
    now = datetime.datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=datetime.timezone.utc)
    lease = coord.create_namespaced_lease(NS, client.V1Lease(
        metadata=client.V1ObjectMeta(name="plain"),
        spec=client.V1LeaseSpec(holder_identity="a", lease_duration_seconds=15, acquire_time=now,
                                renew_time=now, lease_transitions=0),
    ))
    equal(lease.spec.renew_time, now, "renewTime round trip (microseconds, UTC)")
    stored = raw(api, f"/apis/coordination.k8s.io/v1/namespaces/{NS}/leases/plain")
    # The real server re-encodes a MicroTime in UTC with a Z; the hollow one keeps the client's spelling.
    gap("MicroTime normalised to ...123456Z", lambda: equal(
        stored["spec"]["renewTime"], "2026-12-01T12:00:00.123456Z", "renewTime as the server writes MicroTime"))
    lease.spec.holder_identity = "b"
    lease.spec.lease_transitions = 1
    renewed = coord.replace_namespaced_lease("plain", NS, lease)
    equal((renewed.spec.holder_identity, renewed.spec.lease_transitions), ("b", 1), "replaced lease")
    refused(409, "Conflict", coord.replace_namespaced_lease, "plain", NS, lease)
    listed = coord.list_namespaced_lease(NS, field_selector="metadata.name=plain")
    equal([x.metadata.name for x in listed.items], ["plain"], "list leases")
    coord.delete_namespaced_lease("plain", NS)


class Candidate:
    """One elector on its own thread. `stop()` makes its lock fail from then on, as a process
    that lost the API server or died would: it cannot renew and its lease runs out."""

    def __init__(self, identity):
        self.identity = identity
        self.started = threading.Event()
        self.stopped_leading = threading.Event()
        self.halted = threading.Event()
        candidate = self

        class Lock(LeaseLock):
            def get(self, name, namespace):
                if candidate.halted.is_set():
                    return False, client.rest.ApiException(status=503, reason="candidate stopped")
                return super().get(name, namespace)

            def update(self, name, namespace, updated_record):
                return not candidate.halted.is_set() and super().update(name, namespace, updated_record)

        # retry_period must be at least 1 s and renew_deadline above 1.2 retry periods.
        config = electionconfig.Config(
            Lock(LOCK, NS, identity), lease_duration=LEASE_SECONDS, renew_deadline=6, retry_period=1,
            onstarted_leading=self.started.set, onstopped_leading=self.stopped_leading.set,
        )
        self.thread = threading.Thread(target=leaderelection.LeaderElection(config).run, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.halted.set()


def one_leads_and_the_other_takes_over(api):
    coord = client.CoordinationV1Api(api)
    a, b = Candidate("candidate-a"), Candidate("candidate-b")
    a.start()
    b.start()
    wait_until("a leader", lambda: a.started.is_set() or b.started.is_set())
    leader, follower = (a, b) if a.started.is_set() else (b, a)
    lease = coord.read_namespaced_lease(LOCK, NS)
    equal(lease.spec.holder_identity, leader.identity, "holderIdentity of the lease")
    equal(lease.spec.lease_duration_seconds, LEASE_SECONDS, "leaseDurationSeconds")
    # The leader renews; the follower stays a follower while it does.
    first = lease.spec.renew_time
    wait_until("two renewals", lambda: coord.read_namespaced_lease(LOCK, NS).spec.renew_time
               > first + datetime.timedelta(seconds=1.5))
    check(not follower.started.is_set(), f"{follower.identity} leads while {leader.identity} renews")
    equal(coord.read_namespaced_lease(LOCK, NS).spec.holder_identity, leader.identity, "holder while renewing")
    # The leader stops: it gives up once its renew deadline passes; the follower takes over
    # once the lease has run out.
    leader.stop()
    wait_until(f"{leader.identity} to stop leading", leader.stopped_leading.is_set)
    wait_until(f"{follower.identity} to take over", follower.started.is_set)
    taken = coord.read_namespaced_lease(LOCK, NS)
    equal(taken.spec.holder_identity, follower.identity, "holderIdentity after the takeover")
    check(taken.spec.acquire_time > lease.spec.acquire_time, "a new acquireTime for the new holder")
    follower.stop()


if __name__ == "__main__":
    main([leases_round_trip, one_leads_and_the_other_takes_over])
