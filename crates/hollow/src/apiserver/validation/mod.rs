//! What the real API server refuses in a write of a built-in kind, with its codes and
//! `Status` bodies: called by the commit path (`objects.rs`) for create, update, patch and
//! apply alike.
//!
//! 1. [`decode_builtin`]: the object decodes as its Go type (400 on a value of the wrong
//!    type), fields the type lacks are dropped with a warning, or refused under Strict;
//! 2. [`builtin`]: `metadata` (names by the kind's rule, labels, annotations) and the kind's
//!    own rules (pods, workloads, Jobs, ConfigMaps and Secrets, Services), as 422 causes;
//! 3. [`custom_metadata`]: the `metadata` rules for custom resources, whose spec the CRD's
//!    schema validates (`schema/`);
//! 4. [`limits`]: the request body limit and etcd's object size limit.
//!
//! Causes are [`FieldCause`]s, rendered and joined as the CRD validation's are.

pub mod data;
pub mod decode;
pub mod gofmt;
pub mod jobs;
pub mod limits;
pub mod metadata;
pub mod names;
pub mod pods;
pub mod request;
pub mod service;
#[cfg(test)]
mod tests;
pub mod workloads;

use serde_json::Value;

use self::{names::NameRule, request::FieldValidation};
use super::{
    errors::ApiError,
    registry::ResourceDef,
    schema::{self, FieldCause},
};

/// The 422 for `causes` on object `name` of `def`'s kind.
pub fn invalid(def: &ResourceDef, name: &str, causes: &[FieldCause]) -> ApiError {
    let message = schema::invalid_message(&def.kind, &def.group, name, causes);
    let causes = causes.iter().map(FieldCause::to_json).collect();
    ApiError::invalid(&def.qualified_kind(), name, message, causes)
}

/// Fields a kind does not declare, by the request's `fieldValidation`: 400 under Strict,
/// a `Warning` each under Warn (the default), nothing under Ignore.
pub fn unknown_fields(paths: &[String], strict: bool) -> Result<(), ApiError> {
    if paths.is_empty() {
        return Ok(());
    }
    if strict || request::field_validation() == FieldValidation::Strict {
        let fields: Vec<String> = paths.iter().map(|p| format!("unknown field \"{p}\"")).collect();
        return Err(ApiError::bad_request(format!("strict decoding error: {}", fields.join(", "))));
    }
    for p in paths {
        request::warn(format!("unknown field \"{p}\""));
    }
    Ok(())
}

/// Decodes an incoming built-in object as its type (400 on a type error), then drops the
/// fields the type does not have (see [`unknown_fields`]). A Secret's `stringData` becomes
/// `data` here, as in the real server's decoding.
pub fn decode_builtin(def: &ResourceDef, obj: &mut Value, strict: bool) -> Result<(), ApiError> {
    let unknown = decode::typed(def, obj)?;
    unknown_fields(&unknown, strict)?;
    if def.kind == "Secret" && def.group.is_empty() {
        data::merge_string_data(obj);
    }
    Ok(())
}

/// Every 422 cause of a built-in object (defaults applied), `old` its stored state on update.
pub fn builtin(def: &ResourceDef, new: &Value, old: Option<&Value>) -> Vec<FieldCause> {
    let mut out = metadata::object(NameRule::of(&def.group, &def.kind), new);
    match (def.group.as_str(), def.kind.as_str()) {
        ("", "Pod") => pods::spec(new.get("spec"), "spec", &mut out),
        ("", "Service") => service::spec(new, &mut out),
        ("", "ConfigMap") => {
            if let Some(old) = old {
                data::immutable("ConfigMap", new, old, &mut out);
            }
            data::config_map(new, &mut out);
        }
        ("", "Secret") => {
            if let Some(old) = old {
                data::immutable("Secret", new, old, &mut out);
                let ty = |o: &Value| o.get("type").and_then(Value::as_str).unwrap_or("Opaque").to_string();
                if ty(new) != ty(old) {
                    out.push(FieldCause::invalid(
                        "type",
                        &schema::render::Bad::Str(ty(new)),
                        "field is immutable",
                    ));
                }
            }
            data::secret(new, &mut out);
        }
        ("apps", kind @ ("ReplicaSet" | "Deployment")) => {
            workloads::spec(kind, new, &mut out);
            if let Some(old) = old {
                workloads::immutable_selector(new, old, &mut out);
            }
        }
        ("batch", "Job") => jobs::job(new, old, &mut out),
        ("policy", "PodDisruptionBudget") => workloads::pdb(new, &mut out),
        _ => {}
    }
    out
}

/// The `metadata` causes of a custom resource (its names are DNS subdomains).
pub fn custom_metadata(obj: &Value) -> Vec<FieldCause> {
    metadata::object(NameRule::Subdomain, obj)
}

/// The real store's answer to a create that carries a `resourceVersion`: the error is
/// passed on untyped (500, no reason). A value that does not parse is ignored, as there.
pub fn resource_version_on_create(obj: &Value) -> Result<(), ApiError> {
    let rv = obj.pointer("/metadata/resourceVersion").and_then(Value::as_str).unwrap_or_default();
    match rv.parse::<u64>() {
        Ok(n) if n != 0 => {
            Err(ApiError::unknown(500, "resourceVersion should not be set on objects to be created"))
        }
        _ => Ok(()),
    }
}

/// The name `generateName` gives: the prefix cut to 58 characters, then 5 random ones.
pub fn generated_name(prefix: &str, suffix: &str) -> String {
    format!("{}{suffix}", names::generated_base(prefix))
}
