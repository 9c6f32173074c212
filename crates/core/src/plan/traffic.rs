//! Traffic routers: where a canary's weight is applied, behind one trait so that the planner
//! never names a router. A router reads what is applied now from the [`TrafficView`] and says
//! which actions set a new weight; the actions are data, rendered into requests by the shell.
//!
//! Routers: Gateway API (`HTTPRoute`, `GRPCRoute`). Without a router the weight is the share
//! of pods (replica ratio, sized by the canary planner). Istio VirtualService, SMI
//! TrafficSplit or NGINX canary annotations are further implementations of
//! [`TrafficRouter`] with their own action variant; the planner does not change.

use super::{
    action::{Action, RouteRules, RouteWeights, ServiceSelector, WeightedBackend},
    observed::{Observed, RouteView, TrafficView},
};
use serde_json::{Value, json};

use crate::api::{GatewayApiRouting, RouteKind, SetHeaderRoute, condition::keys};

/// `SetServiceSelector` for `service` unless it already selects `hash`; nothing for a Service
/// that does not exist (reported by the caller).
pub fn select(obs: &Observed, service: &str, hash: &str) -> Option<Action> {
    let svc = obs.traffic.services.iter().find(|s| s.name == service)?;
    (svc.selector.get(keys::POD_TEMPLATE_HASH).map(String::as_str) != Some(hash))
        .then(|| Action::SetServiceSelector(ServiceSelector { service: service.into(), hash: hash.into() }))
}

/// Whether `service` exists and selects `hash`.
pub fn selects(obs: &Observed, service: &str, hash: &str) -> bool {
    obs.traffic.services.iter().any(|s| {
        s.name == service && s.selector.get(keys::POD_TEMPLATE_HASH).map(String::as_str) == Some(hash)
    })
}

/// The Services a spec's strategy names (stable, canary; active, preview), which the
/// observation must carry.
pub fn services_named(spec: &crate::api::RolloutSpec) -> Vec<&str> {
    let s = &spec.strategy;
    let canary = s.canary.iter().flat_map(|c| [c.stable_service.as_deref(), c.canary_service.as_deref()]);
    let blue_green =
        s.blue_green.iter().flat_map(|b| [Some(b.active_service.as_str()), b.preview_service.as_deref()]);
    canary.chain(blue_green).flatten().collect()
}

/// The routes a spec's strategy names.
pub fn routes_named(spec: &crate::api::RolloutSpec) -> Vec<(RouteKind, &str)> {
    spec.strategy
        .canary
        .iter()
        .filter_map(|c| c.traffic_routing.as_ref()?.gateway_api.as_ref()?.route())
        .collect()
}

/// What a router finds applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The canary's weight, if every weighted place agrees on one (else `None`: mid-write,
    /// or edited by someone else; the planner writes its weight again).
    pub weight: Option<i32>,
    /// The data plane has taken the current configuration (Gateway API: every parent
    /// reports the route `Accepted` at its current generation).
    pub accepted: bool,
    /// The largest share (percent) any weighted place gives the canary: the canary must keep
    /// the pods for it until it is lowered.
    pub canary_max: i32,
    /// The largest share any weighted place gives stable.
    pub stable_max: i32,
}

impl Applied {
    /// Whether `weight` is applied and in effect.
    pub fn is(&self, weight: i32) -> bool {
        self.accepted && self.weight == Some(weight)
    }
}

/// A router of a canary's traffic between the stable and canary Services.
pub trait TrafficRouter {
    /// For messages: `HTTPRoute web`.
    fn describe(&self) -> String;
    /// What is applied now; an error when the configuration cannot carry a weight (the
    /// route, a rule or a backend is missing), which the planner reports and waits on.
    fn applied(&self, traffic: &TrafficView) -> Result<Applied, String>;
    /// The actions that give the canary `weight` percent and stable the rest.
    fn set_weight(&self, traffic: &TrafficView, weight: i32) -> Result<Vec<Action>, String>;
    /// The actions that make the header routes exactly `wanted` (none when they are, or when
    /// the router has none and none is wanted).
    fn set_header_routes(
        &self,
        traffic: &TrafficView,
        wanted: &[SetHeaderRoute],
    ) -> Result<Vec<Action>, String>;
}

/// Weights on the backendRefs of a Gateway API route.
pub struct GatewayApi<'a> {
    kind: RouteKind,
    route: &'a str,
    routing: &'a GatewayApiRouting,
    stable: &'a str,
    canary: &'a str,
}

impl<'a> GatewayApi<'a> {
    /// The router for `routing`, weighting `stable` against `canary`.
    pub fn new(routing: &'a GatewayApiRouting, stable: &'a str, canary: &'a str) -> Option<Self> {
        let (kind, route) = routing.route()?;
        Some(Self { kind, route, routing, stable, canary })
    }

    fn route<'t>(&self, t: &'t TrafficView) -> Result<&'t RouteView, String> {
        t.routes
            .iter()
            .find(|r| r.kind == self.kind && r.name == self.route)
            .ok_or_else(|| format!("{} {} does not exist", self.kind.kind(), self.route))
    }

    /// Prefix of the names of the header-route rules Ramp adds for this canary.
    fn header_prefix(&self) -> String {
        format!("{}-hdr-", self.canary)
    }

    fn is_header_rule(&self, rule: &crate::plan::observed::RouteRuleView) -> bool {
        rule.name.as_deref().is_some_and(|n| n.starts_with(&self.header_prefix()))
    }

    /// The rule for header route `h`: the first weighted rule's matches, each with `h`'s
    /// headers added, every request to the canary (stable kept at weight 0, so the rule
    /// still names both Services).
    fn header_rule(&self, route: &RouteView, h: &SetHeaderRoute) -> Result<Value, String> {
        let (rule, s, c) = *self.targets(route)?.first().ok_or("no weighted rule")?;
        let base = &route.rules[rule];
        let ours: Vec<Value> = h
            .matches
            .iter()
            .map(|m| json!({"type": "Exact", "name": m.header_name, "value": m.header_value}))
            .collect();
        // Written in full (path included) so the API server's defaults change nothing and the
        // rule reads back as written.
        let matches: Vec<Value> = if base.matches.is_empty() {
            vec![json!({"path": {"type": "PathPrefix", "value": "/"}, "headers": ours})]
        } else {
            base.matches
                .iter()
                .map(|m| {
                    let mut m = m.clone();
                    let mut headers = m.get("headers").and_then(Value::as_array).cloned().unwrap_or_default();
                    headers.extend(ours.iter().cloned());
                    m["headers"] = Value::Array(headers);
                    m
                })
                .collect()
        };
        let backend = |i: usize, svc: &str, weight: i32| {
            let mut b = json!({"name": svc, "weight": weight});
            if let Some(p) = base.backends[i].port {
                b["port"] = json!(p);
            }
            b
        };
        Ok(json!({"name": format!("{}{}", self.header_prefix(), h.name), "matches": matches,
                  "backendRefs": [backend(s, self.stable, 0), backend(c, self.canary, 1)]}))
    }

    /// A header rule as it reads back.
    fn as_written(rule: &crate::plan::observed::RouteRuleView) -> Value {
        let refs: Vec<Value> = rule
            .backends
            .iter()
            .map(|b| {
                let mut v = json!({"name": b.name, "weight": b.weight});
                if let Some(p) = b.port {
                    v["port"] = json!(p);
                }
                v
            })
            .collect();
        json!({"name": rule.name, "matches": rule.matches, "backendRefs": refs})
    }

    /// The rules to weight, as (rule index, stable backend index, canary backend index).
    fn targets(&self, route: &RouteView) -> Result<Vec<(usize, usize, usize)>, String> {
        let both = |i: usize| -> Result<(usize, usize, usize), String> {
            let rule = &route.rules[i];
            let find = |svc: &str| rule.backends.iter().position(|b| b.name == svc);
            match (find(self.stable), find(self.canary)) {
                (Some(s), Some(c)) => Ok((i, s, c)),
                _ => Err(format!(
                    "rule {i} of {} {} must have backendRefs to both {} and {}",
                    self.kind.kind(),
                    self.route,
                    self.stable,
                    self.canary
                )),
            }
        };
        if self.routing.rules.is_empty() {
            let found: Vec<_> = (0..route.rules.len())
                .filter(|i| !self.is_header_rule(&route.rules[*i]))
                .filter_map(|i| both(i).ok())
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "no rule of {} {} has backendRefs to both {} and {}",
                    self.kind.kind(),
                    self.route,
                    self.stable,
                    self.canary
                ));
            }
            return Ok(found);
        }
        self.routing
            .rules
            .iter()
            .map(|r| {
                let i = match (&r.name, r.index) {
                    (Some(name), _) => route
                        .rules
                        .iter()
                        .position(|rule| rule.name.as_deref() == Some(name.as_str()))
                        .ok_or_else(|| {
                            format!("{} {} has no rule named {name}", self.kind.kind(), self.route)
                        })?,
                    (None, Some(i)) => usize::try_from(i)
                        .ok()
                        .filter(|i| *i < route.rules.len())
                        .ok_or_else(|| format!("{} {} has no rule {i}", self.kind.kind(), self.route))?,
                    (None, None) => return Err("a rule reference names neither a rule nor an index".into()),
                };
                both(i)
            })
            .collect()
    }
}

impl TrafficRouter for GatewayApi<'_> {
    fn describe(&self) -> String {
        format!("{} {}", self.kind.kind(), self.route)
    }

    fn applied(&self, t: &TrafficView) -> Result<Applied, String> {
        let route = self.route(t)?;
        let mut weight = None;
        let mut agree = true;
        let (mut canary_max, mut stable_max) = (0, 0);
        for (rule, s, c) in self.targets(route)? {
            let backends = &route.rules[rule].backends;
            let (sw, cw) = (backends[s].weight.max(0), backends[c].weight.max(0));
            let share = |x: i32| {
                let total = i64::from(sw) + i64::from(cw);
                if total == 0 {
                    0
                } else {
                    i32::try_from((i64::from(x) * 100 + total - 1) / total).unwrap_or(100)
                }
            };
            canary_max = canary_max.max(share(cw));
            stable_max = stable_max.max(share(sw));
            // Integer weights summing to 100 are what Ramp writes; anything else is not ours.
            let w = (sw + cw == 100).then_some(cw);
            match (weight, w) {
                (None, Some(w)) if agree => weight = Some(w),
                (Some(a), Some(b)) if a == b => {}
                _ => {
                    agree = false;
                    weight = None;
                }
            }
        }
        Ok(Applied {
            weight: if agree { weight } else { None },
            accepted: route.accepted_current,
            canary_max,
            stable_max,
        })
    }

    fn set_weight(&self, t: &TrafficView, weight: i32) -> Result<Vec<Action>, String> {
        let route = self.route(t)?;
        let weight = weight.clamp(0, 100);
        let mut backends = Vec::new();
        for (rule, s, c) in self.targets(route)? {
            backends.push(WeightedBackend {
                rule,
                backend: s,
                service: self.stable.to_string(),
                weight: 100 - weight,
            });
            backends.push(WeightedBackend { rule, backend: c, service: self.canary.to_string(), weight });
        }
        Ok(vec![Action::SetRouteWeights(RouteWeights {
            kind: self.kind,
            route: self.route.to_string(),
            backends,
        })])
    }

    fn set_header_routes(&self, t: &TrafficView, wanted: &[SetHeaderRoute]) -> Result<Vec<Action>, String> {
        let route = self.route(t)?;
        let desired: Vec<Value> =
            wanted.iter().map(|h| self.header_rule(route, h)).collect::<Result<_, _>>()?;
        let current: Vec<(usize, &crate::plan::observed::RouteRuleView)> =
            route.rules.iter().enumerate().filter(|(_, r)| self.is_header_rule(r)).collect();
        let mut remove: Vec<(usize, String)> = current
            .iter()
            .filter(|(_, r)| !desired.contains(&Self::as_written(r)))
            .map(|(i, r)| (*i, r.name.clone().unwrap_or_default()))
            .collect();
        remove.sort_by_key(|r| std::cmp::Reverse(r.0));
        let add: Vec<Value> =
            desired.into_iter().filter(|d| !current.iter().any(|(_, r)| Self::as_written(r) == *d)).collect();
        if remove.is_empty() && add.is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![Action::SetRouteRules(RouteRules {
            kind: self.kind,
            route: self.route.to_string(),
            remove,
            add,
        })])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        api::RouteRuleRef,
        plan::observed::{BackendView, RouteRuleView},
    };

    /// A rule: its name and its (Service, weight) backends.
    type Rule<'a> = (Option<&'a str>, Vec<(&'a str, i32)>);

    fn route(rules: Vec<Rule<'_>>, accepted: bool) -> TrafficView {
        TrafficView {
            services: Vec::new(),
            routes: vec![RouteView {
                kind: RouteKind::Http,
                name: "web".into(),
                rules: rules
                    .into_iter()
                    .map(|(name, b)| RouteRuleView {
                        name: name.map(str::to_string),
                        matches: Vec::new(),
                        backends: b
                            .into_iter()
                            .map(|(n, w)| BackendView { name: n.into(), weight: w, port: None })
                            .collect(),
                    })
                    .collect(),
                accepted_current: accepted,
            }],
        }
    }

    fn routing(rules: Vec<RouteRuleRef>) -> GatewayApiRouting {
        GatewayApiRouting { http_route: Some("web".into()), grpc_route: None, rules }
    }

    #[test]
    fn weights_go_only_to_the_two_backends_of_the_named_rules() {
        let t = route(
            vec![
                (Some("api"), vec![("web-stable", 100), ("web-canary", 0)]),
                (Some("other"), vec![("other-svc", 1)]),
                (None, vec![("mirror", 5), ("web-canary", 0), ("web-stable", 95)]),
            ],
            true,
        );
        let by_name = routing(vec![RouteRuleRef { name: Some("api".into()), index: None }]);
        let r = GatewayApi::new(&by_name, "web-stable", "web-canary").unwrap();
        assert_eq!(
            r.applied(&t),
            Ok(Applied { weight: Some(0), accepted: true, canary_max: 0, stable_max: 100 })
        );
        let Action::SetRouteWeights(w) = &r.set_weight(&t, 20).unwrap()[0] else { panic!() };
        let set: Vec<_> =
            w.backends.iter().map(|b| (b.rule, b.backend, b.service.as_str(), b.weight)).collect();
        assert_eq!(set, [(0, 0, "web-stable", 80), (0, 1, "web-canary", 20)]);

        // No rules named: every rule that names both Services, wherever they sit in it.
        let all = routing(Vec::new());
        let r = GatewayApi::new(&all, "web-stable", "web-canary").unwrap();
        let Action::SetRouteWeights(w) = &r.set_weight(&t, 50).unwrap()[0] else { panic!() };
        let rules: Vec<_> = w.backends.iter().map(|b| (b.rule, b.backend)).collect();
        assert_eq!(rules, [(0, 0), (0, 1), (2, 2), (2, 1)]);
        // Rule 2's weights (95 + 0) are not a split Ramp wrote: no single weight is applied.
        let a = r.applied(&t).unwrap();
        assert_eq!((a.weight, a.canary_max, a.stable_max), (None, 0, 100));
    }

    #[test]
    fn a_weight_counts_only_once_the_route_is_accepted_and_a_missing_piece_is_named() {
        let t = route(vec![(None, vec![("s", 70), ("c", 30)])], false);
        let cfg = routing(Vec::new());
        let r = GatewayApi::new(&cfg, "s", "c").unwrap();
        let a = r.applied(&t).unwrap();
        assert_eq!(a.weight, Some(30));
        assert!(!a.is(30), "written but not accepted yet");

        let missing = routing(vec![RouteRuleRef { name: None, index: Some(3) }]);
        let r = GatewayApi::new(&missing, "s", "c").unwrap();
        assert_eq!(r.applied(&t), Err("HTTPRoute web has no rule 3".into()));
        let lacking = route(vec![(None, vec![("s", 100)])], true);
        let r = GatewayApi::new(&cfg, "s", "c").unwrap();
        assert!(r.applied(&lacking).unwrap_err().contains("backendRefs to both s and c"));
        assert!(r.applied(&TrafficView::default()).unwrap_err().contains("does not exist"));
    }
}
