//! A hollow cluster, a controller serving the dashboard (wall clock, real TCP: the browser
//! and the HTTP client need real sockets), and a small HTTP client for it.

use std::{net::SocketAddr, time::Duration};

use hollow::embedded;
use kube::{Api, Client, api::PostParams};
use ramp::api::Rollout;
use serde_json::{Value, json};

use super::harness::{Instance, setup};

/// How a request authenticates.
#[derive(Clone, Copy, Debug)]
pub enum Auth<'a> {
    /// Not at all.
    None,
    /// `Authorization: Bearer`.
    Bearer(&'a str),
    /// The session cookie.
    Cookie(&'a str),
}

/// An answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// The cluster, the controller and its dashboard.
pub struct World {
    pub running: embedded::Running,
    pub client: Client,
    pub instance: Instance,
    pub addr: SocketAddr,
    pub base: String,
    http: reqwest::Client,
}

impl World {
    /// Starts everything; `settings` adjusts the dashboard (its address is chosen here).
    pub async fn start(settings: impl FnOnce(&mut ramp::dashboard::Settings)) -> Self {
        let (running, client) = setup().await;
        let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let mut d = ramp::dashboard::Settings::new(addr);
        settings(&mut d);
        let instance = Instance::start_dashboard(&running.url(), "ramp-a", d);
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let w = Self { running, client, instance, addr, base: format!("http://{addr}"), http };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let up = w.http.get(format!("{}/login", w.base)).send().await;
            if up.is_ok_and(|r| r.status() == 200) {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "the dashboard never answered on {addr}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        w
    }

    /// Another controller replica with its own dashboard, on the same cluster; its base URL.
    pub async fn another_replica(
        &self,
        identity: &str,
        settings: ramp::dashboard::Settings,
    ) -> (Instance, String) {
        let addr = settings.listen;
        let instance = Instance::start_dashboard(&self.running.url(), identity, settings);
        let base = format!("http://{addr}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !self.http.get(format!("{base}/login")).send().await.is_ok_and(|r| r.status() == 200) {
            assert!(tokio::time::Instant::now() < deadline, "replica {identity} never answered on {addr}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (instance, base)
    }

    /// A GET on another replica's `base`.
    pub async fn get_at(&self, base: &str, path: &str, auth: Auth<'_>) -> Reply {
        Self::send(self.with_auth(self.http.get(format!("{base}{path}")), auth)).await
    }

    /// A POST on another replica's `base`.
    pub async fn post_at(&self, base: &str, path: &str, auth: Auth<'_>) -> Reply {
        Self::send(self.with_auth(self.http.post(format!("{base}{path}")), auth)).await
    }

    fn with_auth(&self, mut rb: reqwest::RequestBuilder, auth: Auth<'_>) -> reqwest::RequestBuilder {
        match auth {
            Auth::None => {}
            Auth::Bearer(t) => rb = rb.bearer_auth(t),
            Auth::Cookie(t) => rb = rb.header("cookie", format!("ramp_session={t}")),
        }
        rb
    }

    async fn send(rb: reqwest::RequestBuilder) -> Reply {
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        Reply { status, headers, body: r.text().await.unwrap() }
    }

    /// GET `path`.
    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Reply {
        Self::send(self.with_auth(self.http.get(format!("{}{path}", self.base)), auth)).await
    }

    /// POST `body` (JSON, if any) to `path` with extra `headers`.
    pub async fn post(
        &self,
        path: &str,
        auth: Auth<'_>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let mut rb = self.with_auth(self.http.post(format!("{}{path}", self.base)), auth);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        Self::send(rb).await
    }

    /// Logs in through the form; the session cookie's value.
    pub async fn login(&self, token: &str) -> String {
        let rb = self
            .http
            .post(format!("{}/login", self.base))
            .header("origin", &self.base)
            .form(&[("token", token), ("next", "/")]);
        let r = Self::send(rb).await;
        assert_eq!(r.status, 303, "login refused: {}", r.body);
        let cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        cookie.split(';').next().unwrap().strip_prefix("ramp_session=").unwrap().to_string()
    }

    /// The CSRF token a page gives a cookie session.
    pub async fn csrf(&self, cookie: &str) -> String {
        let page = self.get("/", Auth::Cookie(cookie)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let at = page.body.find(r#"name="csrf-token" content=""#).unwrap()
            + r#"name="csrf-token" content=""#.len();
        page.body[at..].split('"').next().unwrap().to_string()
    }

    /// Polls `GET path` (up to a minute) until its JSON satisfies `f`: the dashboard's caches
    /// follow the cluster a moment later.
    pub async fn until_shown(&self, path: &str, token: &str, f: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let r = self.get(path, Auth::Bearer(token)).await;
            if r.status == 200 && f(&r.json()) {
                return r.json();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{path} never showed it: {} {}",
                r.status,
                r.body
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The Rollouts API.
    pub fn rollouts(&self) -> Api<Rollout> {
        Api::namespaced(self.client.clone(), "default")
    }
}

/// A canary `web` of 4 pods: 25 %, an untimed pause, an approval, 75 %, then promotion.
pub fn canary(image: &str) -> Rollout {
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                 "strategy": {"canary": {"maxSurge": 1, "maxUnavailable": 0,
                     "steps": [{"setWeight": 25}, {"pause": {}}, {"approval": {"message": "check the canary"}}, {"setWeight": 75}, {"pause": {}}]}},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "100ms"}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .unwrap()
}

/// Creates the canary at `web:v1` and waits until it is healthy.
pub async fn healthy_canary(w: &World) {
    let api = w.rollouts();
    api.create(&PostParams::default(), &canary("web:v1")).await.unwrap();
    super::rollouts::wait_for(&api, "v1 healthy", |r| {
        super::rollouts::phase(r) == Some(ramp::api::RolloutPhase::Healthy)
    })
    .await;
}

/// The request annotation on `web` (None if there is none).
pub async fn request_annotation(w: &World) -> Option<String> {
    let r = w.rollouts().get("web").await.unwrap();
    r.metadata.annotations.and_then(|a| a.get("ramp.dev/request").cloned())
}

/// One server-sent event.
#[derive(Debug)]
pub struct SseEvent {
    pub event: String,
    pub data: Value,
}

/// A live `/api/v1/watch` stream.
pub struct Watch {
    response: reqwest::Response,
    buffer: String,
}

impl Watch {
    /// Opens `path` with a Bearer token.
    pub async fn open(w: &World, path: &str, token: &str) -> Self {
        let response =
            reqwest::Client::new().get(format!("{}{path}", w.base)).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let ct = response.headers().get("content-type").unwrap().to_str().unwrap().to_string();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        Self { response, buffer: String::new() }
    }

    /// The next event (comments skipped), or None at the end of the stream.
    pub async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut data) = (String::from("message"), Vec::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v).to_string());
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive comment or a retry hint
                }
                let data = data.join("\n");
                let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
                return Some(SseEvent { event, data });
            }
            let chunk = self.response.chunk().await.unwrap()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Waits (up to a minute) for an event for which `f` holds; panics with the events seen.
    pub async fn until(&mut self, what: &str, f: impl Fn(&SseEvent) -> bool) -> SseEvent {
        let mut seen = Vec::new();
        let found = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(e) = self.next().await {
                if f(&e) {
                    return Some(e);
                }
                seen.push(format!(
                    "{} {}",
                    e.event,
                    e.data
                        .get("row")
                        .or(e.data.get("detail"))
                        .map(|r| format!("phase={} step={}", r["phase"], r["step"]))
                        .unwrap_or_default()
                ));
            }
            None
        })
        .await;
        match found {
            Ok(Some(e)) => e,
            _ => panic!("no event: {what}; saw {seen:?}"),
        }
    }
}

/// A read-only user (Role `rollout-viewer` in `default`, through group `viewers`).
pub const VIEWER: &str = "viewer-token";
/// May approve and reject only (Role `rollout-approver`, group `release-managers`).
pub const APPROVER: &str = "approver-token";
/// May do everything (Role `rollout-operator`, group `operators`).
pub const OPERATOR: &str = "operator-token";
/// Authenticated, granted nothing.
pub const OUTSIDER: &str = "outsider-token";

/// Adds the users above to the hollow cluster's token table and their Roles and RoleBindings
/// in `default`, as an administrator would apply them.
pub async fn with_users(w: &World) {
    let auth = w.running.server.auth();
    auth.add_token(VIEWER, "vera", "uid-vera", &["viewers"]);
    auth.add_token(APPROVER, "alice", "uid-alice", &["release-managers"]);
    auth.add_token(OPERATOR, "oscar", "uid-oscar", &["operators"]);
    auth.add_token(OUTSIDER, "nobody", "uid-nobody", &[] as &[&str]);
    for (role, group, verbs) in [
        ("rollout-viewer", "viewers", json!(["get", "list", "watch"])),
        ("rollout-approver", "release-managers", json!(["get", "list", "watch", "approve", "reject"])),
        (
            "rollout-operator",
            "operators",
            json!(["get", "list", "watch", "promote", "abort", "retry", "approve", "reject"]),
        ),
    ] {
        grant(w, "default", role, group, verbs).await;
    }
}

/// A Role in `namespace` with `verbs` on Rollouts, bound to `group`.
pub async fn grant(w: &World, namespace: &str, role: &str, group: &str, verbs: Value) {
    use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
    let roles: Api<Role> = Api::namespaced(w.client.clone(), namespace);
    let r: Role = serde_json::from_value(json!({
        "metadata": {"name": role},
        "rules": [{"apiGroups": ["ramp.dev"], "resources": ["rollouts"], "verbs": verbs}],
    }))
    .unwrap();
    roles.create(&PostParams::default(), &r).await.unwrap();
    let bindings: Api<RoleBinding> = Api::namespaced(w.client.clone(), namespace);
    let b: RoleBinding = serde_json::from_value(json!({
        "metadata": {"name": format!("{role}-{group}")},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role},
        "subjects": [{"kind": "Group", "name": group, "apiGroup": "rbac.authorization.k8s.io"}],
    }))
    .unwrap();
    bindings.create(&PostParams::default(), &b).await.unwrap();
}
