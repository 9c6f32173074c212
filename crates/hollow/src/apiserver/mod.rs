//! The hollow API server: a Kubernetes-compatible HTTP API served from memory, that kube-rs
//! and the real `kubectl` use unchanged.
//!
//! ```text
//!  HTTP (axum) ─► dispatch ─► route (resource, namespace, name, subresource)
//!                    │            read / watch / write / delete
//!                    ▼
//!               objects::commit (defaults, schema, generation, managedFields, preconditions)
//!                    ▼
//!               Store (resourceVersion, change log, broadcast) ─► watches, controllers, GC
//! ```

pub mod apply;
pub mod audit;
pub mod auth;
pub mod batch;
pub mod builtins;
pub mod continue_token;
pub mod crds;
pub mod defaults;
pub mod delete;
pub mod discovery;
pub mod errors;
pub mod events;
pub mod eviction;
pub mod faults;
pub mod gc;
pub mod inproc;
pub mod limits;
pub mod list_type;
pub mod objects;
pub mod openapi;
pub mod params;
pub mod patch;
pub mod printers;
pub mod protobuf;
pub mod read;
pub mod registry;
pub mod route;
pub mod schema;
pub mod selectors;
pub mod store;
pub mod table;
pub mod timestamps;
pub mod validation;
pub mod watch;
pub mod write;

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    Router,
    body::Bytes,
    extract::{Query, State},
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use self::{
    errors::ApiError,
    objects::{Part, Writer},
    params::{Params, wants_table},
    registry::Registry,
    store::Store,
    write::PatchBody,
};
use super::clock::Clock;

/// Namespaces every cluster starts with.
pub const INITIAL_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/// The server state, shared by every request, controller and test.
pub struct ApiServer {
    /// Objects.
    pub store: Store,
    /// Served resource types.
    pub registry: Registry,
    /// Time.
    pub clock: Clock,
    /// Injected faults.
    pub faults: faults::Faults,
    /// Every write request: who (User-Agent), what, and the answer (for tests of who wrote);
    /// the newest [`audit::AUDIT_CAP`] are kept.
    pub audit: std::sync::Mutex<std::collections::VecDeque<AuditEntry>>,
    /// The garbage collector's place in the change log.
    pub gc: gc::Collector,
    /// Synthetic traffic and its SLI metrics (served on `/metrics`).
    pub traffic: std::sync::Mutex<crate::traffic::Traffic>,
    /// Bearer tokens the server accepts (see [`ApiServer::auth`]).
    pub(crate) tokens: auth::Tokens,
    serial: AtomicU64,
}

impl ApiServer {
    /// A server with the initial namespaces.
    pub fn new(clock: Clock) -> Arc<Self> {
        let server = Arc::new(Self {
            store: Store::new(),
            registry: Registry::new(),
            clock,
            faults: faults::Faults::default(),
            traffic: std::sync::Mutex::new(crate::traffic::Traffic::new(1, Vec::new())),
            audit: std::sync::Mutex::new(std::collections::VecDeque::new()),
            gc: gc::Collector::default(),
            tokens: auth::Tokens::default(),
            serial: AtomicU64::new(0),
        });
        if let Some(ns) = server.registry.lookup("", "v1", "namespaces") {
            let writer = Writer { manager: "kube-apiserver".into(), dry_run: false, strict: false };
            for name in INITIAL_NAMESPACES {
                let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
                let _ = server.commit(&ns, None, name, None, obj, Part::Main, &writer, true);
            }
        }
        server.bootstrap_rbac();
        server
    }

    /// The token table: add tokens (`server.auth().add_token(token, user, uid, &groups)`) or
    /// load a `--token-auth-file`. A request with `Authorization: Bearer <token>` is that user.
    pub fn auth(&self) -> &auth::Tokens {
        &self.tokens
    }

    /// An independent copy of this server on `clock`: the same objects, change log, served
    /// types and counters (so it goes on exactly as this one would), with default faults, no
    /// traffic and no watchers. Building a cluster once and forking it is how many short
    /// what-if runs avoid installing the same CRDs again each time.
    pub fn fork(&self, clock: Clock) -> Arc<Self> {
        let audit = self.audit.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        Arc::new(Self {
            store: self.store.fork(),
            registry: self.registry.fork(),
            clock,
            faults: faults::Faults::default(),
            traffic: std::sync::Mutex::new(crate::traffic::Traffic::new(1, Vec::new())),
            audit: std::sync::Mutex::new(audit),
            gc: self.gc.fork(),
            tokens: self.tokens.clone(),
            serial: AtomicU64::new(self.serial.load(Ordering::Relaxed)),
        })
    }

    /// A counter for generated names and addresses.
    pub fn next_serial(&self) -> u64 {
        self.serial.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The next Service ClusterIP.
    pub fn next_cluster_ip(&self) -> String {
        let n = self.next_serial();
        format!("10.96.{}.{}", (n / 250) % 250, n % 250 + 1)
    }

    /// The HTTP router.
    pub fn router(self: &Arc<Self>) -> Router {
        // The body limit is the real server's, answered with its Status (see `validation::limits`).
        Router::new()
            .fallback(dispatch)
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(self.clone())
    }

    /// Serves on `listener` (a `TcpListener`, or a [`crate::tls::TlsListener`] for HTTPS), with
    /// the garbage collector, until `shutdown` resolves.
    pub fn serve<L>(
        self: Arc<Self>,
        listener: L,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> impl std::future::Future<Output = std::io::Result<()>> + Send
    where
        L: axum::serve::Listener,
        L::Addr: std::fmt::Debug,
    {
        // Subscribed now: the collector sees every change made after this returns.
        let collector = self.clone().run_garbage_collector();
        async move {
            let gc = tokio::spawn(collector);
            let result = axum::serve(listener, self.router()).with_graceful_shutdown(shutdown).await;
            gc.abort();
            result
        }
    }
}

pub use self::audit::AuditEntry;

/// Binds a listener on `addr` (port 0 picks a free one).
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

fn json_response(code: StatusCode, v: &Value) -> Response {
    (code, axum::Json(v)).into_response()
}

async fn dispatch(
    State(server): State<Arc<ApiServer>>,
    method: Method,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let body: Bytes = match limits::read_body(&headers, body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let params = Params(query);
    if uri.path() == "/sim/sli" && method == Method::GET {
        return sli(&server, &params.0);
    }
    if uri.path().starts_with("/sim/") {
        return admin(&server, &method, uri.path(), &body);
    }
    if uri.path() == "/metrics" {
        let text = server.traffic.lock().unwrap_or_else(std::sync::PoisonError::into_inner).render();
        return ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response();
    }
    let latency = server.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let resource_request = uri.path().starts_with("/api/") || uri.path().starts_with("/apis/");
    let is_write = !matches!(method, Method::GET | Method::HEAD);
    let user_agent = headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if server.faults.is_dead(&user_agent) {
        return ApiError::unavailable("injected fault: this client's process is gone").into_response();
    }
    let user = match server.authenticate(&headers) {
        Ok(user) => user,
        Err(e) => {
            if is_write && resource_request {
                server.record_audit(user_agent, None, &method, uri.path(), e.code);
            }
            return e.into_response();
        }
    };
    if let Err(e) = server.authorize_request(&user, &method, uri.path(), &params, &headers) {
        if is_write && resource_request {
            server.record_audit(user_agent, Some(&user), &method, uri.path(), e.code);
        }
        return e.into_response();
    }
    if resource_request && let Some(e) = server.faults.injected(&method, uri.path()) {
        return e.into_response();
    }
    let directive = validation::request::FieldValidation::parse(params.get("fieldValidation"));
    let (result, warnings) = validation::request::run(directive, || {
        handle(&server, &user, &method, uri.path(), &params, &headers, &body)
    });
    let mut response = match result {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    for w in warnings {
        if let Ok(v) = axum::http::HeaderValue::from_str(&validation::request::header_value(&w)) {
            response.headers_mut().append("warning", v);
        }
    }
    if is_write && resource_request && response.status().is_success() && !uri.path().contains("/leases") {
        server.faults.count_write(&user_agent);
    }
    if is_write && resource_request {
        server.record_audit(user_agent, Some(&user), &method, uri.path(), response.status().as_u16());
    }
    response
}

/// `GET /sim/sli?version=V[&service=S][&min=N]`: the synthetic traffic's service level of one
/// version (a pod-template-hash, or `app.kubernetes.io/version`) since it started serving, as
/// JSON — `{"version", "requests", "errors", "successRate"}`, errors being 5xx answers and
/// `successRate` null until it has served `N` requests (default 1) — for analysis with the
/// `web` provider where no Prometheus runs (`ramp demo`).
fn sli(server: &Arc<ApiServer>, query: &HashMap<String, String>) -> Response {
    let Some(version) = query.get("version").filter(|v| !v.is_empty()) else {
        return ApiError::bad_request("version is required").into_response();
    };
    let service = query.get("service").filter(|s| !s.is_empty());
    let counts = server.traffic.lock().unwrap_or_else(std::sync::PoisonError::into_inner).counts();
    let (mut requests, mut errors) = (0u64, 0u64);
    for ((svc, ver, code), n) in counts {
        if &ver != version || service.is_some_and(|s| *s != svc) {
            continue;
        }
        requests += n;
        if code.starts_with('5') {
            errors += n;
        }
    }
    #[allow(clippy::cast_precision_loss)] // request counts stay far below 2^52
    let min = query.get("min").and_then(|m| m.parse::<u64>().ok()).unwrap_or(1).max(1);
    let rate = (requests >= min).then(|| (requests - errors) as f64 / requests as f64);
    json_response(
        StatusCode::OK,
        &json!({"version": version, "requests": requests, "errors": errors, "successRate": rate}),
    )
}

/// The admin endpoint: `GET /sim/faults` shows the fault settings, `POST /sim/faults` replaces
/// them, `GET /sim/faults/counts` how many faults were injected; `POST /sim/traffic` sets the traffic targets (`[{namespace, service, ratePerSecond}]`); `POST /sim/faults/drop-watches` closes every watch; `POST /sim/kill-pods` with
/// `{"namespace": .., "selector": ..}` deletes the matching pods at once; `POST /sim/compact`
/// drops the change log up to now (etcd compaction: a watch from an older resourceVersion gets
/// 410 Gone), for clients outside the process.
fn admin(server: &Arc<ApiServer>, method: &Method, path: &str, body: &[u8]) -> Response {
    let result = match (method, path) {
        (&Method::GET, "/sim/faults") => {
            serde_json::to_value(server.faults.settings()).map_err(|e| ApiError::internal(e.to_string()))
        }
        (&Method::POST, "/sim/faults") => serde_json::from_slice::<faults::FaultSettings>(body)
            .map_err(|e| ApiError::bad_request(format!("invalid fault settings: {e}")))
            .map(|s| {
                server.faults.set(s);
                serde_json::to_value(server.faults.settings()).unwrap_or_default()
            }),
        (&Method::POST, "/sim/traffic") => serde_json::from_slice::<Vec<Value>>(body)
            .map_err(|e| {
                ApiError::bad_request(format!("expected [{{namespace, service, ratePerSecond}}]: {e}"))
            })
            .map(|targets| {
                let targets: Vec<crate::traffic::Target> = targets
                    .iter()
                    .map(|t| {
                        crate::traffic::Target::new(
                            t["namespace"].as_str().unwrap_or("default"),
                            t["service"].as_str().unwrap_or_default(),
                            t["ratePerSecond"].as_f64().unwrap_or(0.0),
                        )
                    })
                    .collect();
                let n = targets.len();
                server.traffic.lock().unwrap_or_else(std::sync::PoisonError::into_inner).set_targets(targets);
                server.faults.touch();
                json!({"targets": n})
            }),
        (&Method::GET, "/sim/faults/counts") => {
            serde_json::to_value(server.faults.counts()).map_err(|e| ApiError::internal(e.to_string()))
        }
        (&Method::POST, "/sim/faults/drop-watches") => {
            server.faults.drop_watches();
            Ok(json!({"dropped": true}))
        }
        (&Method::POST, "/sim/compact") => {
            let rv = server.store.current_rv();
            server.store.compact(rv);
            Ok(json!({"compacted": rv.to_string()}))
        }
        (&Method::POST, "/sim/kill-pods") => serde_json::from_slice::<Value>(body)
            .map_err(|e| ApiError::bad_request(e.to_string()))
            .and_then(|v| {
                let ns = v["namespace"].as_str().unwrap_or("default");
                server.kill_pods(ns, v["selector"].as_str().unwrap_or_default()).map(|n| json!({"killed": n}))
            }),
        _ => Err(ApiError::no_route(path)),
    };
    match result {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => e.into_response(),
    }
}

impl ApiServer {
    /// Deletes the pods matching a label selector in a namespace at once (a node failure, an
    /// OOM kill); their ReplicaSets replace them. Returns how many went.
    pub fn kill_pods(&self, namespace: &str, selector: &str) -> Result<usize, ApiError> {
        let sel = selectors::LabelSelector::parse(selector).map_err(ApiError::bad_request)?;
        let Some(def) = self.registry.lookup("", "v1", "pods") else { return Ok(0) };
        let (pods, _) = self.store.list(&def.id(), Some(namespace));
        let mut killed = 0;
        for p in pods.iter().filter(|p| sel.matches(&selectors::labels_of(p))) {
            let name = p.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
            killed += usize::from(
                self.finish_delete(&def, &objects::object_key(&def, Some(namespace), name)).is_ok(),
            );
        }
        self.faults.count(|c| c.pods_killed += killed as u64);
        Ok(killed)
    }
}

/// PatchOptions as the real server validates them before any defaulting: an apply names its
/// field manager (the user agent stands in only for other writes), `force` is for applies only.
fn check_patch_options(p: &Params, content_type: &str) -> Result<(), ApiError> {
    let apply = content_type.starts_with("application/apply-patch");
    let (field, reason, message) = if apply && p.get("fieldManager").is_none_or(str::is_empty) {
        ("fieldManager", "FieldValueRequired", "Required value: is required for apply patch")
    } else if !apply && p.get("force").is_some() {
        ("force", "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch")
    } else {
        return Ok(());
    };
    Err(ApiError::invalid(
        "PatchOptions.meta.k8s.io",
        "",
        format!("PatchOptions.meta.k8s.io \"\" is invalid: {field}: {message}"),
        vec![json!({"reason": reason, "message": message, "field": field})],
    ))
}

/// Go writes unset pointers as `null`; in Kubernetes semantics null is the same as absent.
fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

pub(crate) fn handle(
    server: &Arc<ApiServer>,
    user: &auth::UserInfo,
    method: &Method,
    path: &str,
    p: &Params,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let ok = |v: &Value| Ok(json_response(StatusCode::OK, v));
    match (method, path.trim_end_matches('/')) {
        (&Method::GET, "/version") => return ok(&discovery::version()),
        (&Method::GET, "/healthz" | "/readyz" | "/livez") => {
            return Ok((StatusCode::OK, "ok").into_response());
        }
        (&Method::GET, "/api") => return ok(&discovery::core_versions()),
        (&Method::GET, "/apis") => return ok(&discovery::groups(&server.registry)),
        (&Method::GET, "/api/v1") => {
            return discovery::resources(&server.registry, "", "v1")
                .map_or_else(|| Err(ApiError::no_route(path)), |v| ok(&v));
        }
        _ => {}
    }
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    if method == Method::GET {
        match segs.as_slice() {
            ["openapi", "v3"] => return ok(&openapi::v3_root(&server.registry)),
            ["openapi", "v3", "api", v] => {
                return openapi::v3_group_version(&server.registry, "", v)
                    .map_or_else(|| Err(ApiError::no_route(path)), |d| ok(&d));
            }
            ["openapi", "v3", "apis", g, v] => {
                return openapi::v3_group_version(&server.registry, g, v)
                    .map_or_else(|| Err(ApiError::no_route(path)), |d| ok(&d));
            }
            ["apis", g] => {
                return discovery::group(&server.registry, g)
                    .map_or_else(|| Err(ApiError::no_route(path)), |v| ok(&v));
            }
            ["apis", g, v] => {
                return discovery::resources(&server.registry, g, v)
                    .map_or_else(|| Err(ApiError::no_route(path)), |v| ok(&v));
            }
            _ => {}
        }
    }
    let Some(target) = route::resolve(&server.registry, path) else { return Err(ApiError::no_route(path)) };
    let t = target?;
    validation::limits::request_body(body)?;
    let writer = p.writer(headers);
    // events.k8s.io/v1 Events are the v1 Events, converted.
    if t.def.group == "events.k8s.io" && t.def.plural == "events" {
        return events::handle(server, method, &t, p, headers, body, &writer);
    }
    let content_type =
        headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("application/json");
    if content_type.contains("json")
        && let Some(bracket) = limits::nesting_exceeded(body)
    {
        return Err(limits::too_deep(&t.def.kind, body, bracket));
    }
    // kubectl's generators (`kubectl create deployment ...`) send built-in kinds as protobuf.
    let decoded;
    let (body, content_type) = if !body.is_empty() && content_type.contains("protobuf") {
        let mut v = protobuf::decode(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding protobuf body: {e}")))?;
        drop_nulls(&mut v);
        decoded = serde_json::to_vec(&v).map_err(|e| ApiError::internal(e.to_string()))?;
        (decoded.as_slice(), "application/json")
    } else {
        (body, content_type)
    };
    let patch_body = PatchBody { content_type, body };
    let part = match t.sub.as_deref() {
        None => Part::Main,
        Some("status") if t.def.status => Part::Status,
        Some("scale") if t.def.scale.is_some() => Part::Main,
        Some("eviction") if t.def.eviction => Part::Main,
        Some("token") if t.def.token_request => Part::Main,
        Some(other) => return Err(ApiError::no_route(&format!("{path} ({other})"))),
    };
    let created = |o: &Value| Ok(json_response(StatusCode::CREATED, o));
    if t.def.create_only {
        // The reviews: a create that stores nothing, and no other verb.
        return match (method, &t.name) {
            (&Method::POST, None) => created(&server.review(&t, user, body)?),
            _ => Err(ApiError::method_not_allowed(
                "the server does not allow this method on the requested resource",
            )),
        };
    }
    match (method.clone(), t.name.clone(), t.sub.as_deref()) {
        (Method::GET, None, None) if p.flag("watch") => server.watch(&t, p),
        (Method::GET, None, None) => ok(&server.list(&t, p, wants_table(headers))?),
        (Method::POST, None, None) => created(&*server.create(&t, &writer, body)?),
        (Method::GET, Some(n), Some("scale")) => {
            let obj = server.get_object(&t, &n, false)?;
            ok(&server.scale_of(&t.def, &obj)?)
        }
        (Method::PUT, Some(n), Some("scale")) => {
            ok(&server.write_scale(&t, &n, &writer, &patch_body, false)?)
        }
        (Method::PATCH, Some(n), Some("scale")) => {
            ok(&server.write_scale(&t, &n, &writer, &patch_body, true)?)
        }
        (Method::POST, Some(n), Some("eviction")) => created(&server.evict(&t, &n, &writer, body)?),
        (Method::POST, Some(n), Some("token")) => created(&server.token_request(&t, &n, body)?),
        (Method::GET, Some(n), _) => {
            ok(&server.get_with(&t, &n, p, wants_table(headers) && t.sub.is_none())?)
        }
        (Method::PUT, Some(n), _) => ok(&*server.update(&t, &n, &writer, body, part)?),
        (Method::PATCH, Some(n), _) => {
            check_patch_options(p, content_type)?;
            let (was_created, obj) = server.patch(&t, &n, &writer, p.flag("force"), &patch_body, part)?;
            if was_created { created(&obj) } else { ok(&obj) }
        }
        (Method::DELETE, Some(n), None) => {
            let (code, v) = server.delete(&t, &n, p, &writer, body)?;
            Ok(json_response(StatusCode::from_u16(code).unwrap_or(StatusCode::OK), &v))
        }
        (Method::DELETE, None, None) => ok(&server.delete_collection(&t, p, &writer, body)?),
        _ => Err(ApiError::method_not_allowed(format!("{method} is not supported on {path}"))),
    }
}
