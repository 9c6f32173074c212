//! `hollow_requests`: arbitrary requests through the hollow API server's in-process entry
//! (`ApiServer::call`: the same routing, decoding, admission and storage as over HTTP), on a
//! fork of a small cluster (the Rollout CRD, a Deployment with its pods, a Rollout, a
//! Service), after which the hollow controllers run over whatever the request changed, now
//! and an hour later.
//!
//! Input: the first line is `METHOD PATH?QUERY`, the second the Content-Type (empty: JSON),
//! the rest the body (any bytes: JSON, YAML, protobuf, nonsense).
//!
//! Checks: no panic in the server or a controller; every answer has a valid status code,
//! and every error answer is a `Status` object carrying that code.

use std::{sync::Arc, sync::OnceLock, time::Duration};

use hollow::{apiserver::ApiServer, clock::Clock, controllers::Controllers};
use ramp::whatif::{driver::epoch, world::World};
use serde_json::{Value, json};

/// Objects the cluster starts with, by collection path.
fn seed() -> Vec<(&'static str, Value)> {
    let labels = json!({"app": "web"});
    let template = json!({"metadata": {"labels": labels},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}});
    vec![
        (
            "/apis/apps/v1/namespaces/default/deployments",
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": template}}),
        ),
        (
            "/api/v1/namespaces/default/services",
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                   "spec": {"selector": labels, "ports": [{"port": 80}]}}),
        ),
        (
            "/apis/ramp.dev/v1alpha1/namespaces/default/rollouts",
            json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "api"},
                   "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}},
                            "template": {"metadata": {"labels": {"app": "api"}},
                                         "spec": {"containers": [{"name": "api", "image": "api:1"}]}},
                            "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}}}}),
        ),
    ]
}

/// The cluster every input starts from (built once; each input gets a fork).
fn base() -> Option<&'static Arc<ApiServer>> {
    static BASE: OnceLock<Option<Arc<ApiServer>>> = OnceLock::new();
    BASE.get_or_init(|| {
        let world = World::new(epoch()).ok()?;
        for (path, obj) in seed() {
            world.post(path, &obj).ok()?;
        }
        Controllers::new(world.server().clone()).settle();
        Some(world.server().clone())
    })
    .as_ref()
}

/// Splits an input into a request; `None` when it is not one `http` can even represent.
fn request(data: &[u8]) -> Option<http::Request<Vec<u8>>> {
    let mut lines = data.splitn(3, |b| *b == b'\n');
    let first = std::str::from_utf8(lines.next()?).ok()?;
    let content_type = std::str::from_utf8(lines.next().unwrap_or_default()).ok()?.trim();
    let body = lines.next().unwrap_or_default().to_vec();
    let (method, target) = first.split_once(' ').unwrap_or(("GET", first));
    let mut req = http::Request::builder().method(method).uri(target);
    if !content_type.is_empty() {
        req = req.header(http::header::CONTENT_TYPE, content_type);
    }
    req.body(body).ok()
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let Some(base) = base() else { return };
    let Some(req) = request(data) else { return };
    let server = base.fork(Clock::virtual_at(epoch()));
    let answer = server.call(&req);
    let code = answer.code.as_u16();
    assert!((200..600).contains(&code), "{} {} answered {code}", req.method(), req.uri());
    if code >= 400 {
        assert_eq!(answer.body["kind"], "Status", "{} {}: {code} {}", req.method(), req.uri(), answer.body);
        assert_eq!(answer.body["code"], code, "{} {}: {code} {}", req.method(), req.uri(), answer.body);
    }
    let controllers = Controllers::new(server.clone());
    controllers.settle();
    server.clock.advance(Duration::from_secs(3600));
    controllers.settle();
}
