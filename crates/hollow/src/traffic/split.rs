//! Routing, the way a data plane would: which backend Services a target's requests reach
//! (HTTPRoute weights, or the target Service itself), and which ready endpoints serve them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::World;
use super::behaviour::{Behaviour, version_of};
use crate::rng::Rng;

/// `version` label of requests no endpoint served (gateway-generated 500 / 503).
pub const NO_VERSION: &str = "none";
/// Gateway API group of HTTPRoute.
const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";
/// Gateway API's upper bound on a backendRef weight.
const MAX_WEIGHT: u64 = 1_000_000;

/// One ready endpoint of a backend Service, as far as traffic cares.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Endpoint {
    /// Version label value of its pod.
    pub(super) version: String,
    /// How its pod answers.
    pub(super) behaviour: Behaviour,
}

/// Where a share of a target's requests ends up.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Backend {
    /// A Service with ready endpoints (never empty); requests spread evenly across them.
    Serve { service: String, endpoints: Vec<Endpoint> },
    /// Answered without reaching a pod: 500 (unresolvable backend, or all weights zero) or 503
    /// (backend Service without ready endpoints). Counted with `version="none"`.
    Fail { service: String, code: u16 },
}

/// A target's resolved routing: weighted backends (weight 0 entries dropped).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Plan {
    choices: Vec<(u64, Backend)>,
    total: u64,
    /// Used when the weights sum to 0.
    fallback: Backend,
}

impl Plan {
    /// The backend for one request (weighted random; the fallback when all weights are 0).
    pub(super) fn pick(&self, rng: &mut Rng) -> &Backend {
        if self.total == 0 {
            return &self.fallback;
        }
        let mut r = rng.below(self.total);
        for (weight, backend) in &self.choices {
            if r < *weight {
                return backend;
            }
            r -= weight;
        }
        &self.fallback // unreachable: r < total = Σ weights
    }
}

fn namespace_of(v: &Value) -> &str {
    v.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("default")
}

fn name_of(v: &Value) -> &str {
    v.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default()
}

fn by_key(objects: &[Value]) -> BTreeMap<(&str, &str), &Value> {
    objects.iter().map(|o| ((namespace_of(o), name_of(o)), o)).collect()
}

/// The world, indexed by (namespace, name) for one tick.
pub(super) struct Index<'a> {
    services: BTreeMap<(&'a str, &'a str), &'a Value>,
    endpoints: BTreeMap<(&'a str, &'a str), &'a Value>,
    pods: BTreeMap<(&'a str, &'a str), &'a Value>,
    /// HTTPRoutes in Gateway API precedence order: oldest first, then by namespace/name.
    routes: Vec<&'a Value>,
}

impl<'a> Index<'a> {
    pub(super) fn new(world: &World<'a>) -> Self {
        let mut routes: Vec<&Value> = world
            .routes
            .iter()
            .filter(|r| {
                let api = r.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
                let kind = r.get("kind").and_then(Value::as_str);
                api.split('/').next() == Some(GATEWAY_GROUP) && kind.is_none_or(|k| k == "HTTPRoute")
            })
            .collect();
        routes.sort_by_key(|r| {
            let created = r.pointer("/metadata/creationTimestamp").and_then(Value::as_str);
            (created.unwrap_or_default(), namespace_of(r), name_of(r))
        });
        Self {
            services: by_key(world.services),
            endpoints: by_key(world.endpoints),
            pods: by_key(world.pods),
            routes,
        }
    }

    /// How requests for Service `service` in `namespace` are routed.
    pub(super) fn plan(&self, namespace: &str, service: &str) -> Plan {
        let fallback = Backend::Fail { service: service.to_owned(), code: 500 };
        let Some(refs) = self.backend_refs(namespace, service) else {
            return Plan { choices: vec![(1, self.backend(namespace, service))], total: 1, fallback };
        };
        let choices: Vec<(u64, Backend)> = refs
            .iter()
            .filter_map(|r| {
                let weight = match r.get("weight") {
                    None | Some(Value::Null) => 1,
                    Some(w) => w.as_u64().unwrap_or(0).min(MAX_WEIGHT),
                };
                (weight > 0).then(|| (weight, self.backend_ref(namespace, r)))
            })
            .collect();
        let total = choices.iter().map(|(w, _)| w).sum();
        Plan { choices, total, fallback }
    }

    /// The `backendRefs` of the first rule (of the first route, in precedence order) in
    /// `namespace` that sends anything to Service `service`.
    fn backend_refs(&self, namespace: &str, service: &str) -> Option<&'a Vec<Value>> {
        self.routes.iter().filter(|r| namespace_of(r) == namespace).find_map(|route| {
            route.pointer("/spec/rules").and_then(Value::as_array)?.iter().find_map(|rule| {
                let refs = rule.get("backendRefs").and_then(Value::as_array)?;
                refs.iter().any(|r| is_local_service(namespace, r) && ref_name(r) == service).then_some(refs)
            })
        })
    }

    /// One backendRef of a route in `namespace`. Only core Services in the route's own
    /// namespace resolve (ReferenceGrants are not modelled); anything else gets 500s, as
    /// the Gateway API prescribes for unresolvable references.
    fn backend_ref(&self, namespace: &str, r: &Value) -> Backend {
        if is_local_service(namespace, r) {
            self.backend(namespace, ref_name(r))
        } else {
            Backend::Fail { service: ref_name(r).to_owned(), code: 500 }
        }
    }

    /// Service `service` in `namespace`: 500 if it does not exist, 503 if it has no ready
    /// endpoints, else its ready endpoints.
    fn backend(&self, namespace: &str, service: &str) -> Backend {
        let fail = |code| Backend::Fail { service: service.to_owned(), code };
        if !self.services.contains_key(&(namespace, service)) {
            return fail(500);
        }
        let endpoints: Vec<Endpoint> = self
            .endpoints
            .get(&(namespace, service))
            .and_then(|e| e.get("subsets"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("addresses").and_then(Value::as_array))
            .flatten()
            .map(|address| self.endpoint(namespace, address))
            .collect();
        if endpoints.is_empty() {
            fail(503)
        } else {
            Backend::Serve { service: service.to_owned(), endpoints }
        }
    }

    /// A ready address → its pod's version and behaviour (defaults when the pod is unknown).
    fn endpoint(&self, namespace: &str, address: &Value) -> Endpoint {
        let target = address.get("targetRef");
        let pod = target.and_then(|t| {
            let ns = t.get("namespace").and_then(Value::as_str).unwrap_or(namespace);
            let name = t.get("name").and_then(Value::as_str)?;
            self.pods.get(&(ns, name)).copied()
        });
        match pod {
            Some(pod) => Endpoint { version: version_of(pod).to_owned(), behaviour: Behaviour::of_pod(pod) },
            None => Endpoint {
                version: super::behaviour::UNKNOWN_VERSION.to_owned(),
                behaviour: Behaviour::default(),
            },
        }
    }
}

fn ref_name(r: &Value) -> &str {
    r.get("name").and_then(Value::as_str).unwrap_or_default()
}

/// A backendRef to a core Service in the route's own namespace (`group` "" and `kind`
/// "Service" are the defaults).
fn is_local_service(namespace: &str, r: &Value) -> bool {
    let field = |k: &str| r.get(k).and_then(Value::as_str);
    field("group").unwrap_or_default().is_empty()
        && field("kind").unwrap_or("Service") == "Service"
        && field("namespace").is_none_or(|ns| ns == namespace)
}
