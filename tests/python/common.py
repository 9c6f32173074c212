"""Shared helpers for the scripts that hold the hollow cluster to the official Python client.

Each script loads the kubeconfig named by $KUBECONFIG, runs its checks in order and exits
non-zero with a clear message on the first one that fails (no pytest needed).
"""

import json
import os
import sys
import time
import traceback

from kubernetes import client, config
from kubernetes.client.rest import ApiException

NS = "default"
# Waits are polls with a generous bound: a loaded machine is slow, never wrong.
WAIT_SECONDS = 60


class CheckFailed(Exception):
    pass


def connect():
    """Loads $KUBECONFIG into the client's default configuration; returns the ApiClient."""
    config.load_kube_config(os.environ["KUBECONFIG"])
    return client.ApiClient()


def check(ok, message):
    if not ok:
        raise CheckFailed(message)


def equal(got, want, what):
    check(got == want, f"{what}: got {got!r}, want {want!r}")


def api_error(call, *args, **kwargs):
    """Runs a call that must fail; returns (ApiException, its Status body as a dict)."""
    try:
        result = call(*args, **kwargs)
    except ApiException as e:
        try:
            body = json.loads(e.body) if e.body else {}
        except ValueError:
            body = {}
        return e, body
    raise CheckFailed(f"{getattr(call, '__name__', call)} should have failed, returned {result!r}")


def refused(status, reason, call, *args, **kwargs):
    """Runs a call that must be refused with HTTP `status` and a Status of `reason`; returns the Status."""
    e, body = api_error(call, *args, **kwargs)
    equal(e.status, status, f"HTTP status of {getattr(call, '__name__', call)}")
    equal(body.get("kind"), "Status", "error body kind")
    equal(body.get("code"), status, "Status.code")
    equal(body.get("reason"), reason, "Status.reason")
    return body


def wait_until(what, probe, seconds=WAIT_SECONDS):
    """Polls `probe` until it returns something truthy; returns that value."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.05)
    raise CheckFailed(f"timed out after {seconds}s waiting for {what} (last: {last!r})")


def gone(read, *args, **kwargs):
    """True once `read` answers 404."""
    try:
        read(*args, **kwargs)
        return False
    except ApiException as e:
        if e.status == 404:
            return True
        raise


def main(checks):
    """Runs each check function in order; exits 1 on the first failure."""
    api = connect()
    for fn in checks:
        name = fn.__name__
        try:
            fn(api)
        except CheckFailed as e:
            print(f"FAILED {name}: {e}", file=sys.stderr)
            sys.exit(1)
        except ApiException as e:
            print(f"FAILED {name}: unexpected API error {e.status} {e.reason}: {e.body}", file=sys.stderr)
            traceback.print_exc()
            sys.exit(1)
        except Exception:
            print(f"FAILED {name}: unexpected exception", file=sys.stderr)
            traceback.print_exc()
            sys.exit(1)
        print(f"ok {name}")


def rollout_body(name, replicas=2, image="web:v1"):
    """A valid Rollout (ramp.dev/v1alpha1), as a dict for CustomObjectsApi."""
    return {
        "apiVersion": "ramp.dev/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": image}]},
            },
        },
    }


def gap(what, run):
    """A check the hollow cluster does not pass yet (a known difference from the real API
    server, named in the report). Runs only with RAMP_PYTHON_GAPS=1, so it can be turned on."""
    if os.environ.get("RAMP_PYTHON_GAPS") == "1":
        run()
    else:
        print(f"  (gap, not checked: {what})")


def send(api, method, path, body=None, content_type="application/json"):
    """A request the typed API would refuse to build (its models validate client-side);
    returns (HTTP status, JSON body)."""
    headers = {"Content-Type": content_type, "Accept": "application/json"}
    resp = api.call_api(method, api.configuration.host + path, header_params=headers,
                        body=body)
    resp.read()
    return resp.status, json.loads(resp.data) if resp.data else {}
