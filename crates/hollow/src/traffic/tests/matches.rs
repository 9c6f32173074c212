//! HTTPRoute rule `matches`: which rule a target's requests take, by path, headers and
//! method, and Gateway API precedence among the rules that match.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use super::{NS, Objects, key, route, target};
use crate::traffic::{NO_VERSION, Target, Traffic};

const OLD: &str = "2024-01-01T00:00:00Z";
const NEW: &str = "2024-06-01T00:00:00Z";

/// A rule with `matches` (`Value::Null` = no matches field) sending to `refs`.
fn rule(matches: Value, refs: &[(&str, u64)]) -> Value {
    let refs: Vec<Value> = refs.iter().map(|(n, w)| json!({"name": n, "port": 80, "weight": w})).collect();
    let mut rule = json!({"backendRefs": refs});
    if !matches.is_null() {
        rule["matches"] = matches;
    }
    rule
}

/// An HTTPRoute in [`NS`] with `rules`.
fn rules_route(name: &str, created: &str, rules: Vec<Value>) -> Value {
    let mut r = route(NS, name, created, &[]);
    r["spec"]["rules"] = Value::Array(rules);
    r
}

/// Stable/canary objects with `routes`.
fn with_routes(routes: Vec<Value>) -> Objects {
    let mut o = Objects::canary("app:v2");
    o.routes = routes;
    o
}

/// Sends 100 requests of `t` (its rate is overridden) for one second; returns the counts.
fn counts(o: &Objects, t: Target) -> BTreeMap<(String, String, String), u64> {
    let mut traffic = Traffic::new(7, vec![Target { rate_per_second: 100.0, ..t }]);
    traffic.tick(Duration::from_secs(1), &o.world());
    traffic.counts()
}

fn all(service: &str, version: &str, code: &str) -> BTreeMap<(String, String, String), u64> {
    BTreeMap::from([(key(service, version, code), 100)])
}

fn header(name: &str, value: &str) -> Value {
    json!({"name": name, "value": value})
}

/// `setHeaderRoute`: rule A (`x-canary: always` → canary), rule B (no matches → stable 100,
/// canary 0).
fn header_route(header_name: &str) -> Value {
    rules_route(
        "app",
        OLD,
        vec![
            rule(json!([{"headers": [header(header_name, "always")]}]), &[("canary", 1)]),
            rule(Value::Null, &[("stable", 100), ("canary", 0)]),
        ],
    )
}

#[test]
fn header_route_sends_matching_requests_to_the_canary() {
    let o = with_routes(vec![header_route("x-canary")]);
    let canary = || target("canary", 0.0);
    assert_eq!(counts(&o, canary().with_header("x-canary", "always")), all("canary", "v2", "200"));
    assert_eq!(counts(&o, canary()), all("stable", "v1", "200"));
    assert_eq!(counts(&o, canary().with_header("x-canary", "never")), all("stable", "v1", "200"));
    // Rule A does not name `stable`, so requests addressed to it only ever see rule B.
    assert_eq!(
        counts(&o, target("stable", 0.0).with_header("x-canary", "always")),
        all("stable", "v1", "200")
    );
}

#[test]
fn header_names_are_case_insensitive_values_are_not() {
    let o = with_routes(vec![header_route("X-Canary")]);
    let canary = Target::new(NS, "canary", 0.0);
    assert_eq!(counts(&o, canary.clone().with_header("x-CANARY", "always")), all("canary", "v2", "200"));
    let mut direct = canary.clone(); // set without the builder, which lowercases
    direct.headers.insert("X-CANARY".into(), "always".into());
    assert_eq!(counts(&o, direct), all("canary", "v2", "200"));
    assert_eq!(counts(&o, canary.with_header("x-canary", "Always")), all("stable", "v1", "200"));
}

#[test]
fn path_prefix_matches_whole_segments() {
    for prefix in ["/api", "/api/"] {
        let o = with_routes(vec![rules_route(
            "app",
            OLD,
            vec![
                rule(json!([{"path": {"type": "PathPrefix", "value": prefix}}]), &[("canary", 1)]),
                rule(Value::Null, &[("stable", 1), ("canary", 0)]),
            ],
        )]);
        let to = |path: &str| counts(&o, target("canary", 0.0).with_path(path));
        for path in ["/api", "/api/", "/api/v1"] {
            assert_eq!(to(path), all("canary", "v2", "200"), "{prefix} should match {path}");
        }
        for path in ["/apiv2", "/", "/API", "/v1/api"] {
            assert_eq!(to(path), all("stable", "v1", "200"), "{prefix} should not match {path}");
        }
    }
}

#[test]
fn exact_path_matches_only_that_path() {
    let o = with_routes(vec![rules_route(
        "app",
        OLD,
        vec![rule(json!([{"path": {"type": "Exact", "value": "/api"}}]), &[("canary", 1)])],
    )]);
    assert_eq!(counts(&o, target("canary", 0.0).with_path("/api")), all("canary", "v2", "200"));
    assert_eq!(counts(&o, target("canary", 0.0).with_path("/api/")), all("canary", NO_VERSION, "404"));
}

#[test]
fn exact_path_beats_prefix_and_longer_prefix_beats_shorter() {
    // Both less specific rules are in the older route and come first: specificity still wins.
    let o = with_routes(vec![
        rules_route(
            "a-old",
            OLD,
            vec![
                rule(Value::Null, &[("stable", 1)]),
                rule(json!([{"path": {"value": "/api"}}]), &[("stable", 1)]),
            ],
        ),
        rules_route(
            "b-new",
            NEW,
            vec![
                rule(json!([{"path": {"type": "Exact", "value": "/api"}}]), &[("stable", 0), ("canary", 1)]),
                rule(json!([{"path": {"value": "/api/v1"}}]), &[("stable", 0), ("canary", 1)]),
            ],
        ),
    ]);
    let to = |path: &str| counts(&o, target("stable", 0.0).with_path(path));
    assert_eq!(to("/api"), all("canary", "v2", "200")); // Exact /api over PathPrefix /api
    assert_eq!(to("/api/v1/users"), all("canary", "v2", "200")); // /api/v1 over /api and /
    assert_eq!(to("/api/v2"), all("stable", "v1", "200")); // /api only
}

#[test]
fn more_header_matches_beat_fewer_but_not_a_longer_path() {
    let o = with_routes(vec![
        rules_route("a-old", OLD, vec![rule(json!([{"headers": [header("x-a", "1")]}]), &[("stable", 1)])]),
        rules_route(
            "b-new",
            NEW,
            vec![
                rule(
                    json!([{"headers": [header("x-a", "1"), header("x-b", "1")]}]),
                    &[("stable", 0), ("canary", 1)],
                ),
                rule(json!([{"path": {"value": "/api"}}]), &[("stable", 1)]),
            ],
        ),
    ]);
    let both = || target("stable", 0.0).with_header("x-a", "1").with_header("x-b", "1");
    assert_eq!(counts(&o, both()), all("canary", "v2", "200"));
    assert_eq!(counts(&o, target("stable", 0.0).with_header("x-a", "1")), all("stable", "v1", "200"));
    assert_eq!(counts(&o, both().with_path("/api")), all("stable", "v1", "200"));
}

#[test]
fn ties_go_to_the_oldest_route_then_the_first_rule() {
    let first = rule(json!([{"headers": [header("x-a", "1")]}]), &[("stable", 0), ("canary", 1)]);
    let second = rule(json!([{"headers": [header("x-b", "1")]}]), &[("stable", 1)]);
    let o = with_routes(vec![
        rules_route("a-new", NEW, vec![rule(Value::Null, &[("stable", 1)])]),
        rules_route("z-old", OLD, vec![first, second, rule(Value::Null, &[("stable", 0), ("canary", 1)])]),
    ]);
    let request = target("stable", 0.0).with_header("x-a", "1").with_header("x-b", "1");
    assert_eq!(counts(&o, request), all("canary", "v2", "200")); // the first of two equals
    assert_eq!(counts(&o, target("stable", 0.0)), all("canary", "v2", "200")); // z-old is older
}

#[test]
fn matches_are_ored_and_conditions_anded() {
    let matches = json!([
        {"path": {"value": "/a"}, "headers": [header("x-a", "1")]},
        {"path": {"value": "/b"}},
    ]);
    let o = with_routes(vec![rules_route("app", OLD, vec![rule(matches, &[("canary", 1)])])]);
    let to = |t: Target| counts(&o, t);
    assert_eq!(to(target("canary", 0.0).with_path("/a").with_header("x-a", "1")), all("canary", "v2", "200"));
    assert_eq!(to(target("canary", 0.0).with_path("/b")), all("canary", "v2", "200"));
    assert_eq!(to(target("canary", 0.0).with_path("/a")), all("canary", NO_VERSION, "404"));
    assert_eq!(to(target("canary", 0.0).with_header("x-a", "1")), all("canary", NO_VERSION, "404"));
}

#[test]
fn no_matching_rule_is_404_on_the_target() {
    let o = with_routes(vec![rules_route(
        "app",
        OLD,
        vec![rule(json!([{"headers": [header("x-canary", "always")]}]), &[("canary", 1)])],
    )]);
    assert_eq!(counts(&o, target("canary", 0.0)), all("canary", NO_VERSION, "404"));
    // No rule names `stable`: it still serves itself.
    assert_eq!(counts(&o, target("stable", 0.0)), all("stable", "v1", "200"));
}

#[test]
fn method_must_be_get_and_unsupported_conditions_never_match() {
    let cases = [
        (json!([{"method": "GET"}]), true),
        (json!([{"method": "POST"}]), false),
        (json!([{"headers": [{"name": "x-a", "value": "1", "type": "RegularExpression"}]}]), false),
        (json!([{"path": {"type": "RegularExpression", "value": "/.*"}}]), false),
        (json!([{"queryParams": [{"name": "q", "value": "1"}]}]), false),
        (json!([]), true), // empty matches: the default PathPrefix /
    ];
    for (matches, hits) in cases {
        let refs = [("stable", 1), ("canary", 0)];
        let o = with_routes(vec![rules_route("app", OLD, vec![rule(matches.clone(), &refs)])]);
        let expected = if hits { all("stable", "v1", "200") } else { all("canary", NO_VERSION, "404") };
        let t = target("canary", 0.0).with_header("x-a", "1");
        assert_eq!(counts(&o, t), expected, "{matches}");
    }
}

#[test]
fn a_method_match_beats_none_at_equal_path() {
    let o = with_routes(vec![rules_route(
        "app",
        OLD,
        vec![
            rule(
                json!([{"headers": [header("x-a", "1"), header("x-b", "1")]}]),
                &[("stable", 1), ("canary", 0)],
            ),
            rule(json!([{"method": "GET"}]), &[("canary", 1)]),
        ],
    )]);
    let t = target("canary", 0.0).with_header("x-a", "1").with_header("x-b", "1");
    assert_eq!(counts(&o, t), all("canary", "v2", "200"));
}

#[test]
fn targets_differing_in_request_are_paced_separately() {
    let o = with_routes(vec![header_route("x-canary")]);
    let flagged = |rate| target("canary", rate).with_header("x-canary", "always");
    let mut shouty = target("canary", 1.0);
    shouty.headers.insert("X-Canary".into(), "always".into());
    let mut t = Traffic::new(3, vec![target("canary", 5.0), flagged(2.0), shouty]);
    assert_eq!(t.targets(), vec![target("canary", 5.0), flagged(3.0)]);
    t.tick(Duration::from_secs(2), &o.world());
    let expected = BTreeMap::from([(key("canary", "v2", "200"), 6), (key("stable", "v1", "200"), 10)]);
    assert_eq!(t.counts(), expected);
}
