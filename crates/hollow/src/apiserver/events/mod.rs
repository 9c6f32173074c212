//! Events: one store (the `v1` Events) seen through both `v1` and `events.k8s.io/v1`, which
//! are converted to and from it ([`convert`]), validated as the real server validates them
//! ([`validate`]), printed by the real Event printer, and expired an `--event-ttl` (1 h, by
//! the virtual clock) after their last write, as the real server's etcd leases expire them.

pub mod convert;
pub mod validate;

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    http::{HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::{
    ApiServer,
    errors::ApiError,
    objects::{Part, Writer, object_key},
    params::{Params, wants_table},
    patch,
    registry::{CellSource, Column, ResourceDef},
    route::Target,
    table::human_age,
};

/// The real server's default `--event-ttl`.
pub const EVENT_TTL: Duration = Duration::from_secs(3600);

fn str_at<'a>(o: &'a Value, ptr: &str) -> &'a str {
    o.pointer(ptr).and_then(Value::as_str).unwrap_or_default()
}

/// When an Event was last written: its newest managedFields time, else its creation.
fn last_write(ev: &Value) -> Option<Timestamp> {
    let managed = ev
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m["time"].as_str()?.parse::<Timestamp>().ok())
        .max();
    managed.or_else(|| str_at(ev, "/metadata/creationTimestamp").parse().ok())
}

impl ApiServer {
    /// Deletes the Events whose TTL has run out; returns how many went.
    pub fn expire_events(&self) -> usize {
        let Some(def) = self.registry.lookup("", "v1", "events") else { return 0 };
        let now = self.clock.now();
        let ttl = jiff::SignedDuration::try_from(EVENT_TTL).unwrap_or_default();
        let (events, _) = self.store.list(&def.id(), None);
        let mut gone = 0;
        for ev in events.iter().filter(|e| last_write(e).is_some_and(|t| t + ttl <= now)) {
            let key = object_key(&def, Some(str_at(ev, "/metadata/namespace")), str_at(ev, "/metadata/name"));
            gone += usize::from(self.finish_delete(&def, &key).is_ok());
        }
        gone
    }

    /// The legacy Event rules every `v1` Event write passes (422 otherwise).
    pub fn check_event(
        &self,
        def: &ResourceDef,
        name: &str,
        ev: &Value,
        strict: bool,
    ) -> Result<(), ApiError> {
        let errs = validate::validate(ev, strict);
        if errs.is_empty() {
            return Ok(());
        }
        let kind = if strict { "Event.events.k8s.io".to_string() } else { def.qualified_kind() };
        let (joined, causes) = validate::describe(&errs);
        Err(ApiError::invalid(&kind, name, format!("{kind} \"{name}\" is invalid: {joined}"), causes))
    }
}

/// The real Event printer's columns (both APIs print the stored form).
pub fn table_columns() -> Vec<Column> {
    fn col(name: &str, priority: i32, f: fn(&Value, Timestamp) -> Value) -> Column {
        Column {
            name: name.into(),
            type_: "string".into(),
            priority,
            description: String::new(),
            source: CellSource::Computed(f),
        }
    }
    fn first_seen(o: &Value, now: Timestamp) -> String {
        match str_at(o, "/firstTimestamp") {
            "" => human_age(str_at(o, "/eventTime"), now),
            t => human_age(t, now),
        }
    }
    fn last_seen(o: &Value, now: Timestamp) -> String {
        if let Some(t) = o.pointer("/series/lastObservedTime").and_then(Value::as_str) {
            return human_age(t, now);
        }
        match str_at(o, "/lastTimestamp") {
            "" => first_seen(o, now),
            t => human_age(t, now),
        }
    }
    vec![
        col("Last Seen", 0, |o, now| json!(last_seen(o, now))),
        col("Type", 0, |o, _| json!(str_at(o, "/type"))),
        col("Reason", 0, |o, _| json!(str_at(o, "/reason"))),
        col("Object", 0, |o, _| {
            let kind = str_at(o, "/involvedObject/kind").to_lowercase();
            json!(match str_at(o, "/involvedObject/name") {
                "" => kind,
                n => format!("{kind}/{n}"),
            })
        }),
        col("Subobject", 1, |o, _| json!(str_at(o, "/involvedObject/fieldPath"))),
        col("Source", 1, |o, _| {
            let (component, host) = (str_at(o, "/source/component"), str_at(o, "/source/host"));
            let (controller, instance) = (str_at(o, "/reportingComponent"), str_at(o, "/reportingInstance"));
            json!(match (component, host) {
                ("", _) if !controller.is_empty() => {
                    if instance.is_empty() {
                        controller.to_string()
                    } else {
                        format!("{controller}, {instance}")
                    }
                }
                (c, "") => c.to_string(),
                (c, h) => format!("{c}, {h}"),
            })
        }),
        col("Message", 0, |o, _| json!(str_at(o, "/message").trim())),
        col("First Seen", 1, |o, now| json!(first_seen(o, now))),
        col("Count", 1, |o, _| {
            let count =
                o.pointer("/series/count").or_else(|| o.get("count")).and_then(Value::as_i64).unwrap_or(0);
            json!(count.max(1))
        }),
        col("Name", 1, |o, _| json!(str_at(o, "/metadata/name"))),
    ]
}

fn ok(code: StatusCode, v: &Value) -> Response {
    (code, axum::Json(v)).into_response()
}

/// Each watch event's object converted to `events.k8s.io/v1`.
fn convert_watch(resp: Response) -> Response {
    let (parts, body) = resp.into_parts();
    let mut buf: Vec<u8> = Vec::new();
    let stream = body.into_data_stream().map(move |chunk| {
        chunk.map(|bytes| {
            buf.extend_from_slice(&bytes);
            let mut out = Vec::new();
            while let Some(i) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=i).collect();
                match serde_json::from_slice::<Value>(&line) {
                    Ok(mut ev) => {
                        match ev["object"]["kind"].as_str() {
                            Some("Event") if ev["type"] == "BOOKMARK" => {
                                ev["object"]["apiVersion"] = json!("events.k8s.io/v1")
                            }
                            Some("Event") => ev["object"] = convert::to_events_v1(&ev["object"]),
                            _ => {}
                        }
                        out.extend(ev.to_string().into_bytes());
                        out.push(b'\n');
                    }
                    Err(_) => out.extend(line),
                }
            }
            bytes::Bytes::from(out)
        })
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

fn parse(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding request body: {e}")))
}

/// Serves an `events.k8s.io/v1` Events request from the `v1` store.
pub fn handle(
    server: &Arc<ApiServer>,
    method: &Method,
    t: &Target,
    p: &Params,
    headers: &HeaderMap,
    body: &[u8],
    writer: &Writer,
) -> Result<Response, ApiError> {
    let core = server.registry.lookup("", "v1", "events").ok_or_else(|| ApiError::no_route("events"))?;
    let ct = Target { def: core.clone(), ..t.clone() };
    let mut q = p.clone();
    if let Some(fs) = q.0.get_mut("fieldSelector") {
        *fs = convert::field_selector_to_core(fs);
    }
    server.expire_events();
    let table = wants_table(headers);
    let one = |o: &Value| convert::to_events_v1(o);
    let write = |name: &str, ev: Value| -> Result<Value, ApiError> {
        let mut core_ev = convert::to_core(&ev);
        core_ev["metadata"]["name"] = json!(name);
        if let Some(ns) = &t.namespace {
            core_ev["metadata"]["namespace"] = json!(ns);
        }
        server.check_event(&core, name, &core_ev, true)?;
        Ok(core_ev)
    };
    let bytes = |v: &Value| serde_json::to_vec(v).map_err(|e| ApiError::internal(e.to_string()));
    match (method.clone(), t.name.as_deref(), t.sub.as_deref()) {
        (Method::GET, None, None) if p.flag("watch") => server.watch(&ct, &q).map(convert_watch),
        (Method::GET, None, None) => {
            let mut list = server.list(&ct, &q, table)?;
            if !table {
                let items: Vec<Value> = list["items"].as_array().into_iter().flatten().map(one).collect();
                list["items"] = json!(items);
                list["apiVersion"] = json!("events.k8s.io/v1");
            }
            Ok(ok(StatusCode::OK, &list))
        }
        (Method::GET, Some(n), None) => {
            let o = server.get_with(&ct, n, &q, table)?;
            Ok(ok(StatusCode::OK, &if table { o } else { one(&o) }))
        }
        (Method::POST, None, None) => {
            let ev = parse(body)?;
            let name = match str_at(&ev, "/metadata/name") {
                "" => str_at(&ev, "/metadata/generateName").to_string(),
                n => n.to_string(),
            };
            let core_ev = write(&name, ev.clone())?;
            let mut core_ev = core_ev;
            if str_at(&ev, "/metadata/name").is_empty()
                && let Some(m) = core_ev["metadata"].as_object_mut()
            {
                m.remove("name");
            }
            let created = server.create(&ct, writer, &bytes(&core_ev)?)?;
            Ok(ok(StatusCode::CREATED, &one(&created)))
        }
        (Method::PUT, Some(n), None) => {
            let core_ev = write(n, parse(body)?)?;
            Ok(ok(StatusCode::OK, &one(&*server.update(&ct, n, writer, &bytes(&core_ev)?, Part::Main)?)))
        }
        (Method::PATCH, Some(n), None) => {
            let key = object_key(&core, t.namespace.as_deref(), n);
            let old = server.store.get(&key).ok_or_else(|| ApiError::not_found("events.events.k8s.io", n))?;
            let current = one(&old);
            let media = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
            let patch_doc = parse(body)?;
            let map = |e: patch::PatchError| ApiError::bad_request(e.to_string());
            let patched = match media.split(';').next().unwrap_or_default().trim() {
                "application/json-patch+json" => patch::json(&current, &patch_doc).map_err(map)?,
                "application/strategic-merge-patch+json" => {
                    let lt = super::objects::list_types(&core);
                    patch::strategic(&current, &patch_doc, &lt).map_err(map)?
                }
                _ => patch::merge(&current, &patch_doc),
            };
            let core_ev = write(n, patched)?;
            Ok(ok(StatusCode::OK, &one(&*server.update(&ct, n, writer, &bytes(&core_ev)?, Part::Main)?)))
        }
        (Method::DELETE, Some(n), None) => {
            let (code, mut v) = server.delete(&ct, n, p, writer, body)?;
            if v["kind"] == "Event" {
                v = one(&v);
            } else {
                v["details"]["group"] = json!("events.k8s.io");
            }
            Ok(ok(StatusCode::from_u16(code).unwrap_or(StatusCode::OK), &v))
        }
        (Method::DELETE, None, None) => {
            let mut list = server.delete_collection(&ct, &q, writer, body)?;
            let items: Vec<Value> = list["items"].as_array().into_iter().flatten().map(one).collect();
            list["items"] = json!(items);
            list["apiVersion"] = json!("events.k8s.io/v1");
            Ok(ok(StatusCode::OK, &list))
        }
        _ => Err(ApiError::method_not_allowed(format!("{method} is not supported on events.events.k8s.io"))),
    }
}
