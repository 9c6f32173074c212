//! `web`: GET or POST a URL, find the value in the JSON answer with a JSONPath. A non-2xx
//! status, a timeout, a body that is not JSON or a path that finds no number is an error.

use futures::future::BoxFuture;

use super::{Answer, MetricSource, Request, jsonpath, timeout_of};
use crate::api::analysis::WebMethod;
use ramp_core::analysis::value::Sample;

/// HTTP JSON endpoints over a shared client.
pub struct Web<'c> {
    /// The HTTP client.
    pub http: &'c reqwest::Client,
}

impl MetricSource for Web<'_> {
    fn measure<'a>(&'a self, req: &'a Request<'a>) -> BoxFuture<'a, Answer> {
        Box::pin(async move {
            let Some(w) = req.metric.provider.web.as_ref() else {
                return Answer::Error { message: "no web provider".into(), query: String::new() };
            };
            let url = match req.fill(&w.url) {
                Ok(u) => u,
                Err(message) => return Answer::Error { message, query: w.url.clone() },
            };
            let recorded = req.masked(&url);
            match self.fetch(req, &url).await {
                Ok(value) => Answer::Values {
                    value,
                    baseline: None,
                    share: None,
                    query: recorded,
                    window: format!("at {}", req.at),
                },
                Err(message) => Answer::Error { message: req.masked(&message), query: recorded },
            }
        })
    }
}

impl Web<'_> {
    async fn fetch(&self, req: &Request<'_>, url: &str) -> Result<Sample, String> {
        let Some(w) = req.metric.provider.web.as_ref() else { return Err("no web provider".into()) };
        let timeout = timeout_of(w.timeout.as_ref());
        let mut r = match w.method.unwrap_or_default() {
            WebMethod::Get => self.http.get(url),
            WebMethod::Post => self.http.post(url).body(req.fill(w.body.as_deref().unwrap_or(""))?),
        }
        .timeout(timeout);
        for h in &w.headers {
            let value = match (&h.value, req.credentials.headers.get(&h.name)) {
                (Some(v), _) => req.fill(v)?,
                (None, Some(v)) => v.clone(),
                (None, None) => return Err(format!("header {}: its Secret could not be read", h.name)),
            };
            r = r.header(&h.name, value);
        }
        let resp = r.send().await.map_err(|e| {
            if e.is_timeout() {
                format!("GET {url}: no answer within {timeout:?}")
            } else {
                format!("{url}: {e}")
            }
        })?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("{url} answered {status}"));
        }
        let body: serde_json::Value =
            resp.json().await.map_err(|e| format!("{url}: the answer is not JSON: {e}"))?;
        let (numbers, vector) = jsonpath::select(&body, w.json_path.as_deref().unwrap_or("$"))?;
        Ok(match (vector, numbers.as_slice()) {
            (false, [one]) => Sample::Number(*one),
            _ => Sample::Vector(numbers),
        })
    }
}
