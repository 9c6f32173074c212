//! TokenRequest (`POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`, what `kubectl
//! create token NAME` sends): a token for the ServiceAccount's user,
//! `system:serviceaccount:{ns}:{name}`, in the groups `system:serviceaccounts` and
//! `system:serviceaccounts:{ns}`. It expires `expirationSeconds` (default 3600, at least 600)
//! after it was issued, by the server's clock (so on a virtual clock it expires in virtual
//! time), and stops working when the ServiceAccount is deleted or re-created.
//!
//! The token is shaped like the real one, a JWT with the real claims (`iss`, `sub`, `aud`,
//! `exp`, `kubernetes.io`), so tools that read its claims work; its signature is random bytes
//! and the server knows it by its text alone.

use serde_json::{Value, json};

use super::{service_account_user, tokens::IssuedToken};
use crate::{
    apiserver::{ApiServer, errors::ApiError, objects::object_key, route::Target},
    clock::format_time,
    rng::Rng,
};

/// The issuer and default audience (kubeadm's `--service-account-issuer`).
pub const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";
/// The shortest lifetime a token may be asked for (`may not specify a duration less than 10
/// minutes`).
pub const MIN_EXPIRATION_SECONDS: i64 = 600;
/// The longest (`2^32` seconds).
pub const MAX_EXPIRATION_SECONDS: i64 = 1 << 32;
/// The lifetime when none is asked for.
pub const DEFAULT_EXPIRATION_SECONDS: i64 = 3600;

/// The audiences a token is for when none are named (`--api-audiences`).
pub fn api_audiences() -> Vec<String> {
    vec![ISSUER.to_string()]
}

/// Base64url without padding, as JWTs encode their parts.
fn base64url(bytes: &[u8]) -> String {
    crate::apiserver::protobuf::base64(bytes)
        .replace('+', "-")
        .replace('/', "_")
        .trim_end_matches('=')
        .to_string()
}

fn invalid(field: &str, value: impl std::fmt::Display, detail: &str) -> ApiError {
    let kind = "TokenRequest.authentication.k8s.io";
    ApiError::invalid(
        kind,
        "",
        format!("{kind} \"\" is invalid: {field}: Invalid value: {value}: {detail}"),
        vec![
            json!({"reason": "FieldValueInvalid", "message": format!("Invalid value: {value}: {detail}"), "field": field}),
        ],
    )
}

impl ApiServer {
    /// Issues a token for the ServiceAccount `name` in the target's namespace.
    pub fn token_request(&self, t: &Target, name: &str, body: &[u8]) -> Result<Value, ApiError> {
        let namespace = t.namespace.clone().unwrap_or_default();
        let mut req: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding request body: {e}")))?;
        if !req.is_object() {
            return Err(ApiError::bad_request("the request body must be an object"));
        }
        for (field, want, what) in [("name", name, "name"), ("namespace", namespace.as_str(), "namespace")] {
            let given =
                req.pointer(&format!("/metadata/{field}")).and_then(Value::as_str).unwrap_or_default();
            if !given.is_empty() && given != want {
                let detail = format!("must match the service account {what} if specified");
                let kind = "TokenRequest.authentication.k8s.io";
                return Err(ApiError::invalid(
                    kind,
                    name,
                    format!(
                        "{kind} {name:?} is invalid: metadata.{field}: Invalid value: {given:?}: {detail}"
                    ),
                    vec![
                        json!({"reason": "FieldValueInvalid", "message": format!("Invalid value: {given:?}: {detail}"), "field": format!("metadata.{field}")}),
                    ],
                ));
            }
        }
        let sa = self
            .store
            .get(&object_key(&t.def, Some(&namespace), name))
            .ok_or_else(|| ApiError::not_found("serviceaccounts", name))?;
        let sa_uid = sa.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default().to_string();
        let mut spec = req.get("spec").cloned().filter(Value::is_object).unwrap_or_else(|| json!({}));
        let mut audiences: Vec<String> = spec["audiences"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect();
        if audiences.is_empty() {
            audiences = api_audiences();
        }
        let seconds = match &spec["expirationSeconds"] {
            Value::Null => DEFAULT_EXPIRATION_SECONDS,
            v => v.as_i64().ok_or_else(|| {
                ApiError::bad_request(format!("json: cannot unmarshal {v} into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64"))
            })?,
        };
        if seconds < MIN_EXPIRATION_SECONDS {
            return Err(invalid(
                "spec.expirationSeconds",
                seconds,
                "may not specify a duration less than 10 minutes",
            ));
        }
        if seconds > MAX_EXPIRATION_SECONDS {
            return Err(invalid(
                "spec.expirationSeconds",
                seconds,
                "may not specify a duration larger than 2^32 seconds",
            ));
        }
        let now = self.clock.now();
        let expires = now.checked_add(jiff::SignedDuration::from_secs(seconds)).unwrap_or(now);
        let serial = self.next_serial();
        let id = format!("{:08x}-0000-4000-9000-{serial:012x}", self.store.current_rv() & 0xffff_ffff);
        let token = self.jwt(&namespace, name, &sa_uid, &id, &audiences, now, expires, serial);
        self.tokens.issue(
            &token,
            IssuedToken {
                namespace: namespace.clone(),
                name: name.to_string(),
                uid: sa_uid,
                id,
                audiences: audiences.clone(),
                expires,
            },
        );
        spec["audiences"] = json!(audiences);
        spec["expirationSeconds"] = json!(seconds);
        if spec.get("boundObjectRef").is_none() {
            spec["boundObjectRef"] = Value::Null;
        }
        req["apiVersion"] = json!("authentication.k8s.io/v1");
        req["kind"] = json!("TokenRequest");
        req["metadata"] =
            json!({"name": name, "namespace": namespace, "creationTimestamp": format_time(now)});
        req["spec"] = spec;
        req["status"] = json!({"token": token, "expirationTimestamp": format_time(expires)});
        Ok(req)
    }

    #[allow(clippy::too_many_arguments)]
    fn jwt(
        &self,
        namespace: &str,
        name: &str,
        uid: &str,
        id: &str,
        audiences: &[String],
        now: jiff::Timestamp,
        expires: jiff::Timestamp,
        serial: u64,
    ) -> String {
        let header = json!({"alg": "RS256", "kid": "hollow"});
        let claims = json!({
            "aud": audiences,
            "exp": expires.as_second(),
            "iat": now.as_second(),
            "iss": ISSUER,
            "jti": id,
            "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": uid}},
            "nbf": now.as_second(),
            "sub": service_account_user(namespace, name),
        });
        let mut rng = Rng::new(serial ^ 0x5eed_7043);
        let signature: Vec<u8> = (0..32).flat_map(|_| rng.next_u64().to_le_bytes()).collect();
        format!(
            "{}.{}.{}",
            base64url(header.to_string().as_bytes()),
            base64url(claims.to_string().as_bytes()),
            base64url(&signature)
        )
    }
}
