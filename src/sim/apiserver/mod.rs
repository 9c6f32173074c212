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
pub mod builtins;
pub mod crds;
pub mod defaults;
pub mod delete;
pub mod discovery;
pub mod errors;
pub mod eviction;
pub mod faults;
pub mod gc;
pub mod list_type;
pub mod objects;
pub mod openapi;
pub mod params;
pub mod patch;
pub mod read;
pub mod registry;
pub mod route;
pub mod schema;
pub mod selectors;
pub mod store;
pub mod table;
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
            serial: AtomicU64::new(0),
        });
        if let Some(ns) = server.registry.lookup("", "v1", "namespaces") {
            let writer = Writer { manager: "kube-apiserver".into(), dry_run: false, strict: false };
            for name in INITIAL_NAMESPACES {
                let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
                let _ = server.commit(&ns, None, name, None, obj, Part::Main, &writer, true);
            }
        }
        server
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
        Router::new().fallback(dispatch).with_state(self.clone())
    }

    /// Serves on `addr` until the future resolves; returns the bound address through `bound`.
    pub async fn serve(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let gc = tokio::spawn(self.clone().run_garbage_collector());
        let result = axum::serve(listener, self.router()).with_graceful_shutdown(shutdown).await;
        gc.abort();
        result
    }
}

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
    body: Bytes,
) -> Response {
    let params = Params(query);
    match handle(&server, &method, uri.path(), &params, &headers, &body) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn handle(
    server: &Arc<ApiServer>,
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
    let writer = p.writer(headers);
    let content_type =
        headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("application/json");
    // Protobuf is not spoken here; client-go falls back to JSON on a 415.
    if !body.is_empty() && content_type.contains("protobuf") {
        return Err(ApiError::unsupported_media_type(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got {content_type})"
        )));
    }
    let patch_body = PatchBody { content_type, body };
    let part = match t.sub.as_deref() {
        None => Part::Main,
        Some("status") if t.def.status => Part::Status,
        Some("scale") if t.def.scale.is_some() => Part::Main,
        Some("eviction") if t.def.eviction => Part::Main,
        Some(other) => return Err(ApiError::no_route(&format!("{path} ({other})"))),
    };
    let created = |o: &Value| Ok(json_response(StatusCode::CREATED, o));
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
        (Method::POST, Some(n), Some("eviction")) => created(&server.evict(&t, &n, &writer)?),
        (Method::GET, Some(n), _) => {
            ok(&server.get_object(&t, &n, wants_table(headers) && t.sub.is_none())?)
        }
        (Method::PUT, Some(n), _) => ok(&*server.update(&t, &n, &writer, body, part)?),
        (Method::PATCH, Some(n), _) => {
            let (was_created, obj) = server.patch(&t, &n, &writer, p.flag("force"), &patch_body, part)?;
            if was_created { created(&obj) } else { ok(&obj) }
        }
        (Method::DELETE, Some(n), None) => ok(&*server.delete(&t, &n, p, &writer, body)?),
        _ => Err(ApiError::method_not_allowed(format!("{method} is not supported on {path}"))),
    }
}
