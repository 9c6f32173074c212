//! What the API server does to a custom resource with its CRD's structural `openAPIV3Schema`
//! on create, update and patch, as pure functions over `serde_json::Value`:
//!
//! 1. [`prune`] drops fields the schema does not declare (and non-nullable `null`s without a
//!    default), as the decoder does (`structuralpruning.PruneWithOptions`,
//!    `PruneNonNullableNullsWithoutDefaults`);
//! 2. [`apply_defaults`] fills `default`s (`structuraldefaulting.Default`);
//! 3. [`validate`] returns every 422 cause: the kube-openapi value checks
//!    (`apiextensions-apiserver/pkg/apiserver/validation`), embedded-resource and
//!    `x-kubernetes-list-type` invariants, then the `x-kubernetes-validations` CEL rules
//!    (evaluated by `kube-cel`) unless an earlier cause blocks them, as
//!    `pkg/registry/customresource/strategy.go` does. With `old` (an update) errors in parts of
//!    the object that did not change are ratcheted away, as with `CRDValidationRatcheting`.
//!
//! Messages follow the current apimachinery `field.Error` rendering: a cause's `message` is
//! the error body (`Invalid value: -1: spec.replicas in body should be greater than or equal
//! to 0`), its `field` the path (`spec.strategy.canary.steps[2].setWeight`), and
//! [`invalid_message`] joins them as `errors.NewInvalid` does.

mod cel;

pub use cel::Rules;
mod defaults;
mod formats;
mod prune;
pub(crate) mod render;
mod structural;
#[cfg(test)]
mod tests;
mod validate;

use std::fmt;

use serde_json::{Value, json};

/// One 422 cause, as in metav1.Status.details.causes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldCause {
    /// `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, ...
    pub reason: &'static str,
    /// The error body, without the field: `Invalid value: -1: ...`, `Required value`.
    pub message: String,
    /// The dotted path: `spec.strategy.canary.steps[2].setWeight` (`<nil>` for the object).
    pub field: String,
}

impl FieldCause {
    /// The `metav1.StatusCause` JSON: `{"reason", "message", "field"}`.
    pub fn to_json(&self) -> Value {
        json!({"reason": self.reason, "message": self.message, "field": self.field})
    }

    /// Whether the real server skips the CEL rules when this cause is present (a type,
    /// required, enum or size violation; `hasBlockingErr`). A server that validates
    /// `metadata` itself can use it for its own causes too.
    pub fn blocks_cel(&self) -> bool {
        matches!(
            self.reason,
            "FieldValueNotSupported"
                | "FieldValueRequired"
                | "FieldValueTooLong"
                | "FieldValueTooMany"
                | "FieldValueTypeInvalid"
        )
    }
}

/// `field.Error.Error()`: `spec.replicas: Invalid value: -1: ...`.
impl fmt::Display for FieldCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Applies `default`s from the schema in place (recursively, into objects and array items, only where the field is absent; as the API server does).
///
/// A `null` in a field that is not `nullable` counts as absent. Defaults are copied as they
/// are in the schema, then defaulted themselves.
pub fn apply_defaults(schema: &Value, obj: &mut Value) {
    defaults::apply(schema, obj);
}

/// Removes fields the schema does not declare (unless `x-kubernetes-preserve-unknown-fields: true` at that level or `x-kubernetes-int-or-string`/`x-kubernetes-embedded-resource` rules say otherwise); never prunes apiVersion/kind/metadata at the root. Returns the pruned paths (e.g. `spec.foo`) so the server can warn, or reject under fieldValidation=Strict.
///
/// Also drops, without reporting them, `null`s in fields that are neither `nullable` nor
/// defaulted. Paths are sorted; list items are written `spec.steps[2].foo`.
pub fn prune(schema: &Value, obj: &mut Value) -> Vec<String> {
    prune::prune(schema, obj)
}

/// Every validation failure: OpenAPI value checks, then CEL rules (with `old` for transition rules).
///
/// When a type, required, enum or size cause is present the rules are not evaluated and one
/// `<nil>: Invalid value: null: some validation rules were not checked ...` cause says so.
/// Call after [`prune`] and [`apply_defaults`]. `metadata` is not validated here.
pub fn validate(schema: &Value, obj: &Value, old: Option<&Value>) -> Vec<FieldCause> {
    let rules = cel::Rules::compile(schema);
    validate_compiled(schema, rules.as_ref(), obj, old)
}

/// Whether any node of the schema has CEL rules.
pub fn has_rules(schema: &Value) -> bool {
    cel::has_rules(schema)
}

/// [`validate`] with the schema's CEL rules compiled beforehand (`None`: it has none).
pub fn validate_compiled(
    schema: &Value,
    rules: Option<&Rules>,
    obj: &Value,
    old: Option<&Value>,
) -> Vec<FieldCause> {
    let mut causes = validate::openapi(schema, obj, old);
    causes.extend(structural::embedded(schema, obj));
    let old_lists_valid = old.is_none_or(|o| structural::lists(schema, o).is_empty());
    if old_lists_valid {
        causes.extend(structural::lists(schema, obj));
    }
    if let Some(rules) = rules {
        if causes.iter().any(FieldCause::blocks_cel) {
            causes.push(FieldCause::invalid(
                "<nil>",
                &render::Bad::Null,
                "some validation rules were not checked because the object was invalid; \
                 correct the existing errors to complete validation",
            ));
        } else {
            causes.extend(cel::validate(schema, rules, obj, old));
        }
    }
    causes
}

/// The 422 message: `Rollout.ramp.dev "web" is invalid: spec.replicas: Invalid value: -1: ...` (one cause) or `... is invalid: [cause, cause]` (several).
///
/// Identical causes are printed once, as `ErrorList.ToAggregate` does.
pub fn invalid_message(kind: &str, group: &str, name: &str, causes: &[FieldCause]) -> String {
    let qualified = if group.is_empty() { kind.to_string() } else { format!("{kind}.{group}") };
    let mut seen: Vec<String> = Vec::new();
    for c in causes {
        let s = c.to_string();
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    let quoted = render::go_quote(name);
    match seen.as_slice() {
        [] => format!("{qualified} {quoted} is invalid"),
        [one] => format!("{qualified} {quoted} is invalid: {one}"),
        many => format!("{qualified} {quoted} is invalid: [{}]", many.join(", ")),
    }
}

// Schema-node helpers shared by the passes.

/// `x-kubernetes-*` boolean extensions.
const PRESERVE: &str = "x-kubernetes-preserve-unknown-fields";
const EMBEDDED: &str = "x-kubernetes-embedded-resource";
const INT_OR_STRING: &str = "x-kubernetes-int-or-string";

fn flag(s: &Value, name: &str) -> bool {
    s.get(name).and_then(Value::as_bool) == Some(true)
}

fn nullable(s: &Value) -> bool {
    flag(s, "nullable")
}

fn property<'a>(s: &'a Value, name: &str) -> Option<&'a Value> {
    s.get("properties").and_then(|p| p.get(name))
}

/// `additionalProperties` when it is a schema.
fn additional(s: &Value) -> Option<&Value> {
    s.get("additionalProperties").filter(|a| a.is_object())
}

/// The schema of the value at key `k` of an object: its property, else the map value schema.
fn field_schema<'a>(s: &'a Value, k: &str) -> Option<&'a Value> {
    property(s, k).or_else(|| additional(s))
}

/// The old item an item of a `x-kubernetes-list-type: map` list corresponds to (same keys);
/// items of other lists correlate with nothing, as in `CorrelatedObject.Index`.
fn correlate_item<'a>(list: &Value, old: Option<&'a Value>, item: &Value) -> Option<&'a Value> {
    if list.get("x-kubernetes-list-type").and_then(Value::as_str) != Some("map") {
        return None;
    }
    let keys = list.get("x-kubernetes-list-map-keys").and_then(Value::as_array)?;
    let item = item.as_object()?;
    old?.as_array()?.iter().find(|o| {
        o.as_object().is_some_and(|o| keys.iter().filter_map(Value::as_str).all(|k| o.get(k) == item.get(k)))
    })
}

/// `field.Path` joins: `a.b`, `a[k]`, `a[0]`.
fn child(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_string() } else { format!("{path}.{name}") }
}

fn keyed(path: &str, key: &str) -> String {
    format!("{path}[{key}]")
}
