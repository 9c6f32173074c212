//! The access reviews: `authentication.k8s.io/v1` TokenReview and SelfSubjectReview,
//! `authorization.k8s.io/v1` SubjectAccessReview, SelfSubjectAccessReview,
//! LocalSubjectAccessReview and SelfSubjectRulesReview. Each is a create that stores nothing:
//! the answer is the request with its `status` filled in (201), from the same authenticator
//! and authorizer every request meets.

use serde_json::{Map, Value, json};

use super::{
    SYSTEM_MASTERS, UserInfo,
    attributes::{RequestAttributes, ResourceAttributes},
    authorizer::aggregate,
    rules::PolicyRule,
};
use crate::apiserver::{ApiServer, errors::ApiError, route::Target};

/// One field error of a review's validation: `field: Invalid value: <value>: detail`.
struct Invalid {
    field: &'static str,
    value: String,
    detail: &'static str,
}

fn invalid(kind: &str, errors: &[Invalid]) -> ApiError {
    let texts: Vec<String> =
        errors.iter().map(|e| format!("{}: Invalid value: {}: {}", e.field, e.value, e.detail)).collect();
    let joined = if texts.len() == 1 { texts[0].clone() } else { format!("[{}]", texts.join(", ")) };
    let causes = errors
        .iter()
        .map(|e| {
            json!({"reason": "FieldValueInvalid", "message": format!("Invalid value: {}: {}", e.value, e.detail), "field": e.field})
        })
        .collect();
    ApiError::invalid(kind, "", format!("{kind} \"\" is invalid: {joined}"), causes)
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
}

/// How Go prints a present `*NonResourceAttributes` in a validation error (`%#v`).
fn non_resource_value(spec: &Value) -> String {
    match spec.get("nonResourceAttributes") {
        Some(n) if n.is_object() => {
            format!(
                "authorization.NonResourceAttributes{{Path:{:?}, Verb:{:?}}}",
                str_of(n, "path"),
                str_of(n, "verb")
            )
        }
        _ => "\"null\"".to_string(),
    }
}

/// `ValidateSubjectAccessReviewSpec`: exactly one kind of attributes; for a review of
/// another user, a user or a group.
fn check_spec(spec: &Value, needs_subject: bool) -> Vec<Invalid> {
    let (resource, non_resource) = (
        spec.get("resourceAttributes").is_some_and(Value::is_object),
        spec.get("nonResourceAttributes").is_some_and(Value::is_object),
    );
    let mut errors = Vec::new();
    if resource && non_resource {
        errors.push(Invalid {
            field: "spec.nonResourceAttributes",
            value: non_resource_value(spec),
            detail: "cannot be specified in combination with resourceAttributes",
        });
    }
    if !resource && !non_resource {
        errors.push(Invalid {
            field: "spec.resourceAttributes",
            value: non_resource_value(spec),
            detail: "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        });
    }
    if needs_subject && str_of(spec, "user").is_empty() && strings(&spec["groups"]).is_empty() {
        errors.push(Invalid {
            field: "spec.user",
            value: format!("{:?}", str_of(spec, "user")),
            detail: "at least one of user or group must be specified",
        });
    }
    errors
}

/// Metadata other than what `allowed` lists makes a review invalid (`must be empty`).
fn check_metadata(metadata: &Value, allowed: &[&str], detail: &'static str) -> Option<Invalid> {
    let extra: Vec<&String> = metadata
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| !allowed.contains(&k.as_str()) && k.as_str() != "managedFields" && !v.is_null())
        .map(|(k, _)| k)
        .collect();
    (!extra.is_empty()).then(|| Invalid {
        field: "metadata",
        // Go prints the whole ObjectMeta (%#v); the fields set are what matters.
        value: format!(
            "v1.ObjectMeta{{{}}}",
            extra.iter().map(|k| format!("{k}:{}", metadata[k.as_str()])).collect::<Vec<_>>().join(", ")
        ),
        detail,
    })
}

/// The attributes a review's spec asks about.
fn attributes_of(spec: &Value) -> RequestAttributes {
    match spec.get("resourceAttributes").filter(|r| r.is_object()) {
        Some(r) => RequestAttributes::resource(
            str_of(r, "verb"),
            ResourceAttributes {
                namespace: str_of(r, "namespace").into(),
                group: str_of(r, "group").into(),
                version: str_of(r, "version").into(),
                resource: str_of(r, "resource").into(),
                subresource: str_of(r, "subresource").into(),
                name: str_of(r, "name").into(),
            },
        ),
        None => {
            let n = &spec["nonResourceAttributes"];
            RequestAttributes::non_resource(str_of(n, "verb"), str_of(n, "path"))
        }
    }
}

/// The subject of a SubjectAccessReview: exactly the user, groups, uid and extra it names
/// (no `system:authenticated` is added).
fn subject_of(spec: &Value) -> UserInfo {
    UserInfo {
        name: str_of(spec, "user").into(),
        uid: str_of(spec, "uid").into(),
        groups: strings(&spec["groups"]),
        extra: spec
            .get("extra")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), strings(v))).collect())
            .unwrap_or_default(),
    }
}

impl ApiServer {
    /// A POST to one of the review resources, by the requesting `user`.
    pub fn review(&self, t: &Target, user: &UserInfo, body: &[u8]) -> Result<Value, ApiError> {
        let mut obj: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding request body: {e}")))?;
        if !obj.is_object() {
            return Err(ApiError::bad_request("the request body must be an object"));
        }
        obj["apiVersion"] = json!(t.def.api_version());
        obj["kind"] = json!(t.def.kind);
        let mut metadata = obj.get("metadata").cloned().filter(Value::is_object).unwrap_or_else(|| json!({}));
        let spec = obj.get("spec").cloned().filter(Value::is_object).unwrap_or_else(|| json!({}));
        let kind = t.def.qualified_kind();
        let status = match t.def.plural.as_str() {
            "tokenreviews" => self.token_review(&spec)?,
            "selfsubjectreviews" => json!({"userInfo": user.to_json()}),
            "subjectaccessreviews" => {
                let mut errors = check_spec(&spec, true);
                errors.extend(check_metadata(&metadata, &[], "must be empty"));
                if !errors.is_empty() {
                    return Err(invalid(&kind, &errors));
                }
                self.access_status(&subject_of(&spec), &attributes_of(&spec))
            }
            "selfsubjectaccessreviews" => {
                let errors = check_spec(&spec, false);
                if !errors.is_empty() {
                    return Err(invalid(&kind, &errors));
                }
                self.access_status(user, &attributes_of(&spec))
            }
            "localsubjectaccessreviews" => {
                let namespace = t.namespace.clone().unwrap_or_default();
                match metadata.get("namespace").and_then(Value::as_str) {
                    Some(ns) if !ns.is_empty() && ns != namespace => {
                        return Err(ApiError::bad_request(
                            "the namespace of the provided object does not match the namespace sent on the request",
                        ));
                    }
                    _ => metadata["namespace"] = json!(namespace),
                }
                let mut errors = check_spec(&spec, true);
                errors.extend(check_metadata(
                    &metadata,
                    &["namespace"],
                    "must be empty except for namespace",
                ));
                let asked = spec.pointer("/resourceAttributes/namespace").and_then(Value::as_str);
                if let Some(asked) = asked.filter(|a| *a != namespace) {
                    errors.push(Invalid {
                        field: "spec.resourceAttributes.namespace",
                        value: format!("{asked:?}"),
                        detail: "must match metadata.namespace",
                    });
                } else if asked.is_none() && spec.get("resourceAttributes").is_some_and(Value::is_object) {
                    errors.push(Invalid {
                        field: "spec.resourceAttributes.namespace",
                        value: "\"\"".into(),
                        detail: "must match metadata.namespace",
                    });
                }
                if spec.get("nonResourceAttributes").is_some_and(Value::is_object) {
                    errors.push(Invalid {
                        field: "spec.nonResourceAttributes",
                        value: non_resource_value(&spec),
                        detail: "disallowed on this kind of request",
                    });
                }
                if !errors.is_empty() {
                    return Err(invalid(&kind, &errors));
                }
                self.access_status(&subject_of(&spec), &attributes_of(&spec))
            }
            "selfsubjectrulesreviews" => {
                let namespace = str_of(&spec, "namespace");
                if namespace.is_empty() {
                    return Err(ApiError::bad_request("no namespace on request"));
                }
                // The answer carries no spec: the real server builds a new object.
                obj["spec"] = json!({});
                self.rules_review_status(user, namespace)
            }
            other => return Err(ApiError::no_route(&format!("review {other}"))),
        };
        metadata["creationTimestamp"] = Value::Null;
        obj["metadata"] = metadata;
        if obj.get("spec").is_none() && t.def.plural != "selfsubjectreviews" {
            obj["spec"] = spec;
        }
        obj["status"] = status;
        Ok(obj)
    }

    /// A TokenReview's status: the user the token stands for, or why it stands for none.
    fn token_review(&self, spec: &Value) -> Result<Value, ApiError> {
        let token = str_of(spec, "token");
        if token.is_empty() {
            return Err(ApiError::bad_request("token is required for TokenReview in authentication"));
        }
        let audiences = strings(&spec["audiences"]);
        Ok(match self.authenticate_token(token, &audiences) {
            Ok(user) => {
                let audiences =
                    if audiences.is_empty() { super::token_request::api_audiences() } else { audiences };
                json!({"authenticated": true, "user": user.to_json(), "audiences": audiences})
            }
            Err(error) => json!({"user": {}, "error": error}),
        })
    }

    /// A SubjectAccessReviewStatus: `allowed` always, `reason` when there is one.
    pub fn access_status(&self, user: &UserInfo, request: &RequestAttributes) -> Value {
        let decision = self.authorize(user, request);
        let mut status = Map::new();
        status.insert("allowed".into(), decision.allowed.into());
        if !decision.reason.is_empty() {
            status.insert("reason".into(), decision.reason.into());
        }
        Value::Object(status)
    }

    /// A SubjectRulesReviewStatus: every rule the user has in `namespace`.
    fn rules_review_status(&self, user: &UserInfo, namespace: &str) -> Value {
        let mut rules: Vec<PolicyRule> = Vec::new();
        if user.in_group(SYSTEM_MASTERS) {
            rules.push(PolicyRule::resources(&["*"], &["*"], &["*"]));
            rules.push(PolicyRule::urls(&["*"], &["*"]));
        }
        let applicable = self.applicable_rules(user, namespace);
        rules.extend(applicable.rules.into_iter().map(|(_, r)| r));
        let resource_rules: Vec<Value> = rules
            .iter()
            .filter(|r| !r.resources.is_empty())
            .map(|r| {
                let mut rule = json!({"verbs": r.verbs});
                for (key, values) in [
                    ("apiGroups", &r.api_groups),
                    ("resources", &r.resources),
                    ("resourceNames", &r.resource_names),
                ] {
                    if !values.is_empty() {
                        rule[key] = json!(values);
                    }
                }
                rule
            })
            .collect();
        let non_resource_rules: Vec<Value> = rules
            .iter()
            .filter(|r| !r.non_resource_urls.is_empty())
            .map(|r| json!({"verbs": r.verbs, "nonResourceURLs": r.non_resource_urls}))
            .collect();
        let mut status = json!({
            "resourceRules": resource_rules,
            "nonResourceRules": non_resource_rules,
            "incomplete": false,
        });
        if !applicable.errors.is_empty() {
            status["evaluationError"] = json!(aggregate(&applicable.errors));
        }
        status
    }
}
