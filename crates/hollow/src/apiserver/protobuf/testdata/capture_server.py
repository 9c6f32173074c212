#!/usr/bin/env python3
"""Tiny capture API server for kubectl: minimal discovery, dumps request bodies.

Usage: server.py PORT DUMPDIR [RESPONSE_DIR]
If RESPONSE_DIR/<METHOD>_<last path segment>.pb exists it is served as a protobuf
response (oracle mode); if RESPONSE_DIR/<METHOD>_<seg>.json exists it is served as JSON.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
DUMP = sys.argv[2]
RESP = sys.argv[3] if len(sys.argv) > 3 else None
os.makedirs(DUMP, exist_ok=True)
COUNTER = [0]


def res(name, kind, namespaced=True, verbs=None, sub=False):
    return {
        "name": name,
        "singularName": "" if sub else kind.lower(),
        "namespaced": namespaced,
        "kind": kind,
        "verbs": verbs or ["create", "delete", "get", "list", "patch", "update", "watch"],
    }


GROUPS = {
    "apps/v1": [res("deployments", "Deployment"), res("replicasets", "ReplicaSet"),
                res("deployments/scale", "Scale", sub=True), res("replicasets/scale", "Scale", sub=True),
                res("controllerrevisions", "ControllerRevision")],
    "policy/v1": [res("poddisruptionbudgets", "PodDisruptionBudget")],
    "coordination.k8s.io/v1": [res("leases", "Lease")],
    "events.k8s.io/v1": [res("events", "Event")],
    "autoscaling/v1": [res("horizontalpodautoscalers", "HorizontalPodAutoscaler")],
    "batch/v1": [res("jobs", "Job"), res("cronjobs", "CronJob")],
    "rbac.authorization.k8s.io/v1": [
        res("roles", "Role"), res("rolebindings", "RoleBinding"),
        res("clusterroles", "ClusterRole", namespaced=False),
        res("clusterrolebindings", "ClusterRoleBinding", namespaced=False)],
    "authentication.k8s.io/v1": [
        res("tokenreviews", "TokenReview", namespaced=False, verbs=["create"]),
        res("selfsubjectreviews", "SelfSubjectReview", namespaced=False, verbs=["create"])],
    "authorization.k8s.io/v1": [
        res("selfsubjectaccessreviews", "SelfSubjectAccessReview", namespaced=False, verbs=["create"]),
        res("subjectaccessreviews", "SubjectAccessReview", namespaced=False, verbs=["create"]),
        res("selfsubjectrulesreviews", "SelfSubjectRulesReview", namespaced=False, verbs=["create"]),
        res("localsubjectaccessreviews", "LocalSubjectAccessReview", verbs=["create"])],
    "ramp.dev/v1alpha1": [res("rollouts", "Rollout")],
}
CORE = [
    res("pods", "Pod"), dict(res("pods/eviction", "Eviction", sub=True, verbs=["create"]), group="policy", version="v1"),
    res("namespaces", "Namespace", namespaced=False), res("configmaps", "ConfigMap"),
    res("secrets", "Secret"), res("services", "Service"), res("serviceaccounts", "ServiceAccount"),
    dict(res("serviceaccounts/token", "TokenRequest", sub=True, verbs=["create"]),
         group="authentication.k8s.io", version="v1"),
    res("endpoints", "Endpoints"), res("events", "Event"), res("nodes", "Node", namespaced=False),
    res("replicationcontrollers", "ReplicationController"),
    res("replicationcontrollers/scale", "Scale", sub=True),
]


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        with open(os.path.join(DUMP, "log.txt"), "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
            for k, v in self.headers.items():
                if k.lower() in ("content-type", "accept"):
                    f.write("    %s: %s\n" % (k, v))

    def send(self, code, body, ctype="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def canned(self):
        if not RESP:
            return False
        seg = self.path.split("?")[0].rstrip("/").split("/")[-1]
        for ext, ctype in ((".pb", "application/vnd.kubernetes.protobuf"), (".json", "application/json")):
            p = os.path.join(RESP, "%s_%s%s" % (self.command, seg, ext))
            if os.path.exists(p):
                with open(p, "rb") as f:
                    code = 201 if self.command == "POST" else 200
                    self.send(code, f.read(), ctype)
                return True
        return False

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/api":
            return self.send(200, {"kind": "APIVersions", "versions": ["v1"],
                                   "serverAddressByClientCIDRs": []})
        if path == "/apis":
            groups = []
            for gv in GROUPS:
                g, v = gv.split("/")
                groups.append({"name": g, "versions": [{"groupVersion": gv, "version": v}],
                               "preferredVersion": {"groupVersion": gv, "version": v}})
            return self.send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        if path == "/api/v1":
            return self.send(200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": CORE})
        if path.startswith("/apis/") and path.count("/") == 3:
            gv = path[len("/apis/"):]
            if gv in GROUPS:
                return self.send(200, {"kind": "APIResourceList", "groupVersion": gv,
                                       "resources": GROUPS[gv]})
        if self.canned():
            return
        self.send(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                        "reason": "NotFound", "code": 404, "message": "not found"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        COUNTER[0] += 1
        seg = self.path.split("?")[0].rstrip("/").split("/")[-1]
        ext = "pb" if "protobuf" in (self.headers.get("Content-Type") or "") else "json"
        with open(os.path.join(DUMP, "%02d_%s_%s.%s" % (COUNTER[0], self.command, seg, ext)), "wb") as f:
            f.write(body)
        if self.canned():
            return
        self.send(201, {"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 201,
                        "metadata": {}, "details": {"name": "captured"}})

    do_PUT = do_POST
    do_PATCH = do_POST

    def do_DELETE(self):
        self.do_POST()


ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
