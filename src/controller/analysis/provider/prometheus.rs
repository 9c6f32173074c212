//! Prometheus (and the built-in SLIs, which are PromQL Ramp writes): instant or range
//! queries through `prometheus-http-query`, bearer or basic credentials, a timeout per query
//! (sent to the server and enforced here). An empty vector or NaN is an answer with no data —
//! the no-data policy decides it — never a 0; a 5xx, a timeout or an unparsable answer is an
//! error.

use futures::future::BoxFuture;
use prometheus_http_query::{Client, response::Data};

use super::{Answer, MetricSource, Request, timeout_of};
use crate::api::analysis::{PrometheusProvider, RangeQuery};
use ramp_core::analysis::{builtin, value::Sample};

/// Prometheus queries over a shared HTTP client.
pub struct Prometheus<'c> {
    /// The HTTP client.
    pub http: &'c reqwest::Client,
}

/// What to ask, placeholders still in.
struct Asked {
    address: String,
    query: String,
    baseline: Option<String>,
    requests: Option<(String, String)>,
    range: Option<RangeQuery>,
    timeout: std::time::Duration,
}

fn asked(req: &Request<'_>) -> Result<Asked, String> {
    let m = req.metric;
    if let Some(q) = builtin::expand(&m.provider, &m.judge) {
        return Ok(Asked {
            address: q.address,
            query: q.query,
            baseline: q.baseline,
            requests: q.requests,
            range: q.lookback.map(|l| RangeQuery {
                lookback: crate::api::DurationString::new(&l),
                step: Some(crate::api::DurationString::new(builtin::compare_step(m))),
            }),
            timeout: super::DEFAULT_TIMEOUT,
        });
    }
    let p: &PrometheusProvider = m.provider.prometheus.as_ref().ok_or("no prometheus provider")?;
    Ok(Asked {
        address: p.address.clone(),
        query: p.query.clone(),
        baseline: p.baseline_query.clone(),
        requests: None,
        range: p.range.clone(),
        timeout: timeout_of(p.timeout.as_ref()),
    })
}

impl MetricSource for Prometheus<'_> {
    fn measure<'a>(&'a self, req: &'a Request<'a>) -> BoxFuture<'a, Answer> {
        Box::pin(async move {
            let a = match asked(req) {
                Ok(a) => a,
                Err(message) => return Answer::Error { message, query: String::new() },
            };
            let recorded = req.masked(&req.fill(&a.query).unwrap_or_else(|_| a.query.clone()));
            match self.ask_all(req, &a).await {
                Ok((value, baseline, share, window)) => {
                    Answer::Values { value, baseline, share, query: recorded, window }
                }
                Err(message) => Answer::Error { message: req.masked(&message), query: recorded },
            }
        })
    }
}

impl Prometheus<'_> {
    async fn ask_all(
        &self,
        req: &Request<'_>,
        a: &Asked,
    ) -> Result<(Sample, Option<Sample>, Option<f64>, String), String> {
        let address = req.fill(&a.address)?;
        let client =
            Client::from(self.http.clone(), &address).map_err(|e| format!("address {address}: {e}"))?;
        let value = self.ask(&client, req, a, &a.query).await?;
        let baseline = match &a.baseline {
            Some(q) => Some(self.ask(&client, req, a, q).await?),
            None => None,
        };
        let weight = req.values.get("rollout.weight").and_then(|w| w.parse::<f64>().ok()).map(|w| w / 100.0);
        let (value, baseline) = match (&a.requests, baseline) {
            // Sequential counts: each side is [failures, requests] so far.
            (Some((canary, stable)), Some(b)) => {
                let (c, s) =
                    (self.ask(&client, req, a, canary).await?, self.ask(&client, req, a, stable).await?);
                if c.is_no_data() || s.is_no_data() {
                    // No requests recorded on a side: no data (the no-data policy decides).
                    (Sample::Vector(Vec::new()), Some(b))
                } else {
                    (
                        Sample::Vector(vec![value.total(), c.total()]),
                        Some(Sample::Vector(vec![b.total(), s.total()])),
                    )
                }
            }
            (_, b) => (value, b),
        };
        let window = match &a.range {
            Some(r) => format!("{} before {}", r.lookback, req.at),
            None => format!("instant at {}", req.at),
        };
        Ok((value, baseline, weight, window))
    }

    async fn ask(
        &self,
        client: &Client,
        req: &Request<'_>,
        a: &Asked,
        query: &str,
    ) -> Result<Sample, String> {
        let q = req.fill(query)?;
        let at = req.at.as_second();
        let ms = i64::try_from(a.timeout.as_millis()).unwrap_or(i64::MAX);
        let call = async {
            match &a.range {
                None => client.query(&q).at(at).timeout(ms).auth(req).get().await,
                Some(r) => {
                    let lookback = r.lookback.parse().map_err(|e| e.to_string())?;
                    let step = r
                        .step
                        .as_ref()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(std::time::Duration::from_secs(10));
                    let start = at - i64::try_from(lookback.as_secs()).unwrap_or(0);
                    client.query_range(&q, start, at, step.as_secs_f64()).timeout(ms).auth(req).get().await
                }
            }
            .map_err(|e| format!("query `{q}`: {}", explain(&e)))
        };
        let result = tokio::time::timeout(a.timeout, call)
            .await
            .map_err(|_| format!("query `{q}`: no answer within {:?}", a.timeout))??;
        Ok(match result.data() {
            Data::Scalar(s) => Sample::Number(s.value()),
            Data::Vector(v) if v.len() == 1 => Sample::Number(v[0].sample().value()),
            Data::Vector(v) => Sample::Vector(v.iter().map(|s| s.sample().value()).collect()),
            Data::Matrix(m) => {
                Sample::Vector(m.iter().flat_map(|r| r.samples().iter().map(|s| s.value())).collect())
            }
        })
    }
}

/// An error with its causes (the HTTP status of a refused query is one of them).
fn explain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    text
}

/// Credentials on a query builder.
trait WithAuth: Sized {
    fn with_header(self, name: reqwest::header::HeaderName, value: reqwest::header::HeaderValue) -> Self;

    fn auth(self, req: &Request<'_>) -> Self {
        let c = req.credentials;
        let value = if let Some(token) = &c.bearer {
            format!("Bearer {token}")
        } else if let Some((user, password)) = &c.basic {
            use base64_engine::encode;
            format!("Basic {}", encode(&format!("{user}:{password}")))
        } else {
            return self;
        };
        match reqwest::header::HeaderValue::from_str(&value) {
            Ok(mut v) => {
                v.set_sensitive(true);
                self.with_header(reqwest::header::AUTHORIZATION, v)
            }
            Err(_) => self,
        }
    }
}

impl WithAuth for prometheus_http_query::InstantQueryBuilder {
    fn with_header(self, name: reqwest::header::HeaderName, value: reqwest::header::HeaderValue) -> Self {
        self.header(name, value)
    }
}

impl WithAuth for prometheus_http_query::RangeQueryBuilder {
    fn with_header(self, name: reqwest::header::HeaderName, value: reqwest::header::HeaderValue) -> Self {
        self.header(name, value)
    }
}

/// Standard base64 (RFC 4648, with padding) for basic auth: eight lines instead of a crate.
mod base64_engine {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[cfg(test)]
    #[test]
    fn known_vectors() {
        assert_eq!(encode("Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(encode("ab"), "YWI=");
        assert_eq!(encode(""), "");
    }
}
