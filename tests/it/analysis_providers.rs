//! Each provider against a local HTTP fixture that answers as Prometheus' HTTP API and as a JSON
//! endpoint do, including their failure modes: an empty vector and NaN are answers with no
//! data (never a 0), a 5xx and an unparsable body are errors, a slow server is a timeout
//! error, credentials are sent and never recorded, placeholders are filled.

use std::{collections::BTreeMap, time::Duration};

use axum::{
    Router,
    extract::Query,
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::get,
};
use jiff::Timestamp;
use ramp::{
    analysis::{measure::Answer, value::Sample},
    api::{
        DurationString,
        analysis::{
            Judge, Metric, MetricProvider, PrometheusProvider, RangeQuery, SuccessRateSli, ThresholdJudge,
            WebProvider,
        },
    },
    controller::analysis::provider::{Credentials, Providers, Request},
};
use serde_json::{Value, json};

const TOKEN: &str = "s3cret-token";

fn vector(values: &[&str]) -> Value {
    let result: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"metric": {"pod": format!("p{i}")}, "value": [1_800_000_000, v]}))
        .collect();
    json!({"status": "success", "data": {"resultType": "vector", "result": result}})
}

/// A Prometheus stand-in: the answer is chosen by the query text.
async fn prometheus(headers: HeaderMap, Query(q): Query<BTreeMap<String, String>>) -> impl IntoResponse {
    let query = q.get("query").cloned().unwrap_or_default();
    let authorised =
        headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"));
    let ok = |v: Value| (StatusCode::OK, axum::Json(v)).into_response();
    match query.as_str() {
        "empty" => ok(vector(&[])),
        "nan" => ok(vector(&["NaN"])),
        "one" => ok(vector(&["0.97"])),
        "many" => ok(vector(&["0.9", "0.99", "NaN"])),
        "scalar" => ok(
            json!({"status": "success", "data": {"resultType": "scalar", "result": [1_800_000_000, "42"]}}),
        ),
        "matrix" => ok(json!({"status": "success", "data": {"resultType": "matrix", "result": [
            {"metric": {}, "values": [[1_800_000_000, "1"], [1_800_000_010, "2"]]},
            {"metric": {}, "values": [[1_800_000_000, "3"]]}]}})),
        "broken" => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "error", "errorType": "unavailable", "error": "shutting down"})),
        )
            .into_response(),
        "garbage" => (StatusCode::OK, "<html>not json</html>").into_response(),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            ok(vector(&["1"]))
        }
        "guarded" if authorised => ok(vector(&["1"])),
        "guarded" => (StatusCode::UNAUTHORIZED, "Unauthorized").into_response(),
        other
            if other
                .starts_with("sum(rate(http_requests_total{namespace=\"shop\",service=\"web-canary\"") =>
        {
            ok(vector(&["0.99"]))
        }
        other => (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({"status": "error", "errorType": "bad_data", "error": format!("unknown {other}")}),
            ),
        )
            .into_response(),
    }
}

async fn web(headers: HeaderMap, Query(q): Query<BTreeMap<String, String>>) -> impl IntoResponse {
    match q.get("case").map(String::as_str) {
        Some("nested") => {
            axum::Json(json!({"data": {"errorRate": "0.02", "series": [{"v": 1}, {"v": 2.5}]}}))
                .into_response()
        }
        Some("header") if headers.get("x-api-key").and_then(|v| v.to_str().ok()) == Some(TOKEN) => {
            axum::Json(json!({"ok": 1})).into_response()
        }
        Some("header") => StatusCode::FORBIDDEN.into_response(),
        Some("500") => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        _ => axum::Json(json!({"data": null})).into_response(),
    }
}

async fn fixture() -> String {
    let app = Router::new()
        .route("/api/v1/query", get(prometheus).post(prometheus))
        .route("/api/v1/query_range", get(prometheus).post(prometheus))
        .route("/json", get(web));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn prom_metric(url: &str, query: &str) -> Metric {
    Metric {
        name: "m".into(),
        provider: MetricProvider {
            prometheus: Some(PrometheusProvider {
                address: url.into(),
                query: query.into(),
                timeout: Some(DurationString::new("500ms")),
                ..PrometheusProvider::default()
            }),
            ..MetricProvider::default()
        },
        judge: Judge {
            threshold: Some(ThresholdJudge {
                success_condition: Some("true".into()),
                failure_condition: None,
            }),
            ..Judge::default()
        },
        ..Metric::default()
    }
}

async fn ask(metric: &Metric, creds: Credentials, secrets: &[String]) -> Answer {
    let values: BTreeMap<String, String> = [
        ("rollout.namespace", "shop"),
        ("rollout.canaryService", "web-canary"),
        ("rollout.stableService", "web-stable"),
        ("interval", "30s"),
        ("args.case", "nested"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let providers = Providers::new(None).unwrap();
    let req = Request {
        metric,
        values: &values,
        secret_values: secrets,
        credentials: &creds,
        at: Timestamp::from_second(1_800_000_000).unwrap(),
        run: None,
        number: 1,
    };
    providers.source_for(metric).measure(&req).await
}

fn value_of(a: &Answer) -> Sample {
    match a {
        Answer::Values { value, .. } => value.clone(),
        other => panic!("expected values, got {other:?}"),
    }
}

fn error_of(a: &Answer) -> String {
    match a {
        Answer::Error { message, .. } => message.clone(),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn prometheus_answers_become_values_or_no_data() {
    let url = fixture().await;
    let none = Credentials::default();
    assert_eq!(value_of(&ask(&prom_metric(&url, "one"), none.clone(), &[]).await), Sample::Number(0.97));
    assert_eq!(value_of(&ask(&prom_metric(&url, "scalar"), none.clone(), &[]).await), Sample::Number(42.0));
    let empty = value_of(&ask(&prom_metric(&url, "empty"), none.clone(), &[]).await);
    assert!(
        empty.is_no_data() && empty == Sample::Vector(vec![]),
        "an empty vector is no data, not 0: {empty}"
    );
    let nan = value_of(&ask(&prom_metric(&url, "nan"), none.clone(), &[]).await);
    assert!(nan.is_no_data(), "NaN is no data: {nan}");
    let many = value_of(&ask(&prom_metric(&url, "many"), none.clone(), &[]).await);
    assert_eq!(many.to_string(), "[0.9, 0.99, NaN]");
    let mut range = prom_metric(&url, "matrix");
    if let Some(p) = range.provider.prometheus.as_mut() {
        p.range =
            Some(RangeQuery { lookback: DurationString::new("10m"), step: Some(DurationString::new("10s")) });
    }
    assert_eq!(value_of(&ask(&range, none, &[]).await), Sample::Vector(vec![1.0, 2.0, 3.0]));
}

#[tokio::test]
async fn prometheus_failures_are_errors() {
    let url = fixture().await;
    let none = Credentials::default();
    let e = error_of(&ask(&prom_metric(&url, "broken"), none.clone(), &[]).await);
    assert!(e.contains("broken"), "{e}");
    error_of(&ask(&prom_metric(&url, "garbage"), none.clone(), &[]).await);
    let e = error_of(&ask(&prom_metric(&url, "slow"), none.clone(), &[]).await);
    assert!(e.contains("slow"), "a timeout names the query: {e}");
    let e = error_of(&ask(&prom_metric("http://127.0.0.1:1", "one"), none.clone(), &[]).await);
    assert!(!e.is_empty());
    let e = error_of(&ask(&prom_metric(&url, "{{args.missing}}"), none, &[]).await);
    assert!(e.contains("args.missing"), "an unknown placeholder is refused: {e}");
}

#[tokio::test]
async fn prometheus_credentials_are_sent_and_masked() {
    let url = fixture().await;
    let e = error_of(&ask(&prom_metric(&url, "guarded"), Credentials::default(), &[]).await);
    assert!(e.contains("401") || e.to_lowercase().contains("unauthorized"), "{e}");
    let creds = Credentials { bearer: Some(TOKEN.into()), ..Credentials::default() };
    assert_eq!(
        value_of(&ask(&prom_metric(&url, "guarded"), creds, &[TOKEN.into()]).await),
        Sample::Number(1.0)
    );
    // A Secret's value used in a query is masked wherever the query is recorded.
    let mut m = prom_metric(&url, "guarded");
    if let Some(p) = m.provider.prometheus.as_mut() {
        p.query = format!("x{{token=\"{TOKEN}\"}}");
    }
    match ask(&m, Credentials::default(), &[TOKEN.into()]).await {
        Answer::Error { message, query } => {
            assert!(!query.contains(TOKEN) && query.contains("******"), "{query}");
            assert!(!message.contains(TOKEN), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn built_in_success_rate_fills_the_rollout_in() {
    let url = fixture().await;
    let m = Metric {
        provider: MetricProvider {
            success_rate: Some(SuccessRateSli { address: url.clone(), ..SuccessRateSli::default() }),
            ..MetricProvider::default()
        },
        ..prom_metric(&url, "unused")
    };
    match ask(&m, Credentials::default(), &[]).await {
        Answer::Values { value, query, .. } => {
            assert_eq!(value, Sample::Number(0.99));
            assert!(query.contains("service=\"web-canary\"") && query.contains("[30s]"), "{query}");
        }
        other => panic!("{other:?}"),
    }
}

fn web_metric(url: &str, path: &str) -> Metric {
    Metric {
        provider: MetricProvider {
            web: Some(WebProvider {
                url: url.into(),
                json_path: Some(path.into()),
                timeout: Some(DurationString::new("500ms")),
                ..WebProvider::default()
            }),
            ..MetricProvider::default()
        },
        ..prom_metric(url, "unused")
    }
}

#[tokio::test]
async fn web_finds_values_by_json_path() {
    let url = fixture().await;
    let nested = format!("{url}/json?case={{{{args.case}}}}");
    let none = Credentials::default();
    assert_eq!(
        value_of(&ask(&web_metric(&nested, "$.data.errorRate"), none.clone(), &[]).await),
        Sample::Number(0.02)
    );
    assert_eq!(
        value_of(&ask(&web_metric(&nested, "$.data.series[*].v"), none.clone(), &[]).await),
        Sample::Vector(vec![1.0, 2.5])
    );
    let e =
        error_of(&ask(&web_metric(&format!("{url}/json?case=null"), "$.data.x"), none.clone(), &[]).await);
    assert!(e.contains("$.data.x") || e.contains("data"), "{e}");
    let e = error_of(&ask(&web_metric(&format!("{url}/json?case=500"), "$"), none.clone(), &[]).await);
    assert!(e.contains("500"), "{e}");
    let mut keyed = web_metric(&format!("{url}/json?case=header"), "$.ok");
    if let Some(w) = keyed.provider.web.as_mut() {
        w.headers =
            vec![ramp::api::analysis::WebHeader { name: "x-api-key".into(), value: None, value_from: None }];
    }
    let creds = Credentials {
        headers: [("x-api-key".to_string(), TOKEN.to_string())].into(),
        ..Credentials::default()
    };
    assert_eq!(value_of(&ask(&keyed, creds, &[TOKEN.into()]).await), Sample::Number(1.0));
}
