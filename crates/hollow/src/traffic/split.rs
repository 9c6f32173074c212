//! Routing, the way a data plane would: which backend Services a target's requests reach
//! (the most specific matching HTTPRoute rule's weights, or the target Service itself), and
//! which ready endpoints serve them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::World;
use super::behaviour::{Behaviour, version_of};
use super::matches::{Request, Specificity, best_match};
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
    /// Answered without reaching a pod: 404 (routes name the Service but no rule matches),
    /// 500 (unresolvable backend, or all weights zero) or 503 (backend Service without ready
    /// endpoints). Counted with `version="none"`.
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
    /// Every request to `backend`.
    fn single(backend: Backend) -> Self {
        Self { choices: vec![(1, backend.clone())], total: 1, fallback: backend }
    }

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

    /// How `request`s for Service `service` in `namespace` are routed: no rule names the
    /// Service → the Service itself; rules name it but none matches → 404; else the split of
    /// the selected rule.
    pub(super) fn plan(&self, namespace: &str, service: &str, request: &Request) -> Plan {
        let fail = |code| Backend::Fail { service: service.to_owned(), code };
        let mut rules = self.rules_naming(namespace, service).peekable();
        if rules.peek().is_none() {
            return Plan::single(self.backend(namespace, service));
        }
        match most_specific(rules, request) {
            Some(refs) => self.split(namespace, refs, fail(500)),
            None => Plan::single(fail(404)),
        }
    }

    /// The weighted split across one rule's `refs`; `fallback` when all weights are 0.
    fn split(&self, namespace: &str, refs: &[Value], fallback: Backend) -> Plan {
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

    /// The rules, with their `backendRefs`, of the routes in `namespace` that send anything to
    /// Service `service`, in precedence order: route order, then rule order.
    fn rules_naming<'s>(
        &'s self,
        namespace: &'s str,
        service: &'s str,
    ) -> impl Iterator<Item = (&'a Value, &'a [Value])> + 's {
        let rules = self
            .routes
            .iter()
            .filter(move |r| namespace_of(r) == namespace)
            .filter_map(|route| route.pointer("/spec/rules").and_then(Value::as_array))
            .flatten();
        rules.filter_map(move |rule| {
            let refs = rule.get("backendRefs").and_then(Value::as_array)?;
            let names = refs.iter().any(|r| is_local_service(namespace, r) && ref_name(r) == service);
            names.then_some((rule, refs.as_slice()))
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

/// The `backendRefs` of the rule whose match for `request` is most specific; on a tie the
/// earliest in `rules` (which come in route, then rule order) wins.
fn most_specific<'a>(
    rules: impl Iterator<Item = (&'a Value, &'a [Value])>,
    request: &Request,
) -> Option<&'a [Value]> {
    let mut best: Option<(Specificity, &[Value])> = None;
    for (rule, refs) in rules {
        let Some(specificity) = best_match(rule, request) else { continue };
        if best.is_none_or(|(b, _)| specificity > b) {
            best = Some((specificity, refs));
        }
    }
    best.map(|(_, refs)| refs)
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
