//! Resolving a request path to the resource, namespace, name and subresource it addresses.

use std::sync::Arc;

use super::{
    errors::ApiError,
    registry::{Registry, ResourceDef},
};

/// What a resource path addresses.
#[derive(Clone, Debug)]
pub struct Target {
    /// The resource type.
    pub def: Arc<ResourceDef>,
    /// Namespace from the path (None: cluster-scoped, or all namespaces).
    pub namespace: Option<String>,
    /// Object name (None: the collection).
    pub name: Option<String>,
    /// Subresource (`status`, `scale`, `eviction`).
    pub sub: Option<String>,
}

/// Resolves `/api/v1/...` or `/apis/{group}/{version}/...`; `None` when the path is not a
/// resource path (discovery and the like).
pub fn resolve(reg: &Registry, path: &str) -> Option<Result<Target, ApiError>> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", version, rest @ ..] if !rest.is_empty() => ("", *version, rest),
        ["apis", group, version, rest @ ..] if !rest.is_empty() => (*group, *version, rest),
        _ => return None,
    };
    let not_found = || Some(Err(ApiError::no_route(path)));
    // `/namespaces/{ns}/{plural}/...` addresses a namespaced resource; `/namespaces/{name}` and
    // `/namespaces/{name}/status` address a Namespace.
    if let ["namespaces", ns, plural, tail @ ..] = rest
        && let Some(def) = reg.lookup(group, version, plural).filter(|d| d.namespaced)
    {
        if tail.len() > 2 {
            return not_found();
        }
        return Some(Ok(Target {
            def,
            namespace: Some((*ns).to_string()),
            name: tail.first().map(|s| (*s).to_string()),
            sub: tail.get(1).map(|s| (*s).to_string()),
        }));
    }
    let [plural, tail @ ..] = rest else { return not_found() };
    let Some(def) = reg.lookup(group, version, plural) else { return not_found() };
    if tail.len() > 2 || (def.namespaced && !tail.is_empty()) {
        return not_found();
    }
    Some(Ok(Target {
        def,
        namespace: None,
        name: tail.first().map(|s| (*s).to_string()),
        sub: tail.get(1).map(|s| (*s).to_string()),
    }))
}
