//! Per-request state the write path needs but the shared `Writer` does not carry: the
//! `fieldValidation` directive and the `Warning` headers collected while the request runs.
//!
//! Requests are handled synchronously on one thread (`handle` in the server module), so the
//! state lives in a thread-local scope around the handler; writes made outside a request
//! (the hollow controllers) see no scope and warn nobody.

use std::cell::RefCell;

/// `fieldValidation`: what happens to fields the kind does not declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValidation {
    /// Dropped silently.
    Ignore,
    /// Dropped, with a `Warning` header per field (the default).
    Warn,
    /// Refused with 400 BadRequest.
    Strict,
}

impl FieldValidation {
    /// The directive of a `fieldValidation` query value (unset or unknown: `Warn`).
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("Ignore") => Self::Ignore,
            Some("Strict") => Self::Strict,
            _ => Self::Warn,
        }
    }
}

struct Scope {
    validation: FieldValidation,
    warnings: Vec<String>,
}

thread_local! {
    static SCOPE: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

/// Runs `f` as one request with `validation`; returns its result and the warnings it raised.
pub fn run<T>(validation: FieldValidation, f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let outer = SCOPE.with(|s| s.replace(Some(Scope { validation, warnings: Vec::new() })));
    let result = f();
    let scope = SCOPE.with(|s| s.replace(outer));
    (result, scope.map(|s| s.warnings).unwrap_or_default())
}

/// The directive of the running request (`Warn` outside one, but nothing is collected there).
pub fn field_validation() -> FieldValidation {
    SCOPE.with(|s| s.borrow().as_ref().map_or(FieldValidation::Warn, |s| s.validation))
}

/// Adds a warning to the running request, unless it asked for `Ignore`.
pub fn warn(message: String) {
    SCOPE.with(|s| {
        if let Some(scope) = s.borrow_mut().as_mut()
            && scope.validation == FieldValidation::Warn
            && !scope.warnings.contains(&message)
        {
            scope.warnings.push(message);
        }
    });
}

/// Adds a warning that is not about unknown fields (a registry's own, such as a Job DELETE's
/// default propagation): `fieldValidation` does not silence it.
pub fn warn_always(message: String) {
    SCOPE.with(|s| {
        if let Some(scope) = s.borrow_mut().as_mut()
            && !scope.warnings.contains(&message)
        {
            scope.warnings.push(message);
        }
    });
}

/// A `Warning` header value: `299 - "<text>"`, the text escaped as the real server does.
pub fn header_value(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("299 - \"{escaped}\"")
}
