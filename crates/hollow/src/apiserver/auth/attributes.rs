//! What a request asks to do, in the terms authorization speaks: apiserver's
//! `RequestInfoFactory`. A path under `/api/{v}/...` or `/apis/{g}/{v}/...` with a resource is a
//! resource request (verb from the method, `list`/`watch` for a GET of a collection,
//! `deletecollection` for a DELETE of one); anything else (`/version`, `/apis`, `/healthz`,
//! `/openapi/v3`) is a non-resource request whose verb is the lowercased method.

use super::super::params::Params;

/// The resource part of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceAttributes {
    /// Namespace (`""`: cluster-scoped, or all namespaces). For a Namespace object, its name.
    pub namespace: String,
    /// API group (`""` core).
    pub group: String,
    /// API version.
    pub version: String,
    /// Resource (plural).
    pub resource: String,
    /// Subresource (`status`, `scale`, `eviction`, `token`).
    pub subresource: String,
    /// Object name (`""`: the collection).
    pub name: String,
}

impl ResourceAttributes {
    /// `resource/subresource`, or `resource`.
    pub fn combined_resource(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
}

/// What one request (or one access review) asks to do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestAttributes {
    /// The verb: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`, or anything an access review names (`approve`, `impersonate`).
    pub verb: String,
    /// The URL path (what non-resource rules match).
    pub path: String,
    /// The resource, for a resource request.
    pub resource: Option<ResourceAttributes>,
}

impl RequestAttributes {
    /// A resource request.
    pub fn resource(verb: &str, attrs: ResourceAttributes) -> Self {
        Self { verb: verb.to_string(), path: String::new(), resource: Some(attrs) }
    }

    /// A non-resource request.
    pub fn non_resource(verb: &str, path: &str) -> Self {
        Self { verb: verb.to_string(), path: path.to_string(), resource: None }
    }

    /// The attributes of an HTTP request.
    pub fn from_request(method: &str, path: &str, params: &Params) -> Self {
        let non_resource = || Self::non_resource(&method.to_lowercase(), path);
        let parts: Vec<&str> = path.trim_matches('/').split('/').filter(|p| !p.is_empty()).collect();
        if parts.len() < 3 {
            return non_resource();
        }
        let (group, rest) = match parts[0] {
            "api" => ("", &parts[1..]),
            "apis" if parts.len() >= 4 => (parts[1], &parts[2..]),
            _ => return non_resource(),
        };
        let (version, mut rest) = (rest[0], &rest[1..]);
        let mut verb = match method {
            "POST" => "create",
            "GET" | "HEAD" => "get",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "",
        }
        .to_string();
        // `/api/v1/watch/...` and `/api/v1/proxy/...` put the verb in the path.
        if matches!(rest.first(), Some(&("watch" | "proxy"))) && rest.len() >= 2 {
            verb = rest[0].to_string();
            rest = &rest[1..];
        }
        let mut attrs =
            ResourceAttributes { group: group.into(), version: version.into(), ..Default::default() };
        if rest.first() == Some(&"namespaces")
            && let Some(ns) = rest.get(1)
        {
            attrs.namespace = (*ns).to_string();
            // `namespaces/{name}/status` and `/finalize` are the Namespace's subresources.
            if rest.len() > 2 && !matches!(rest[2], "status" | "finalize") {
                rest = &rest[2..];
            }
        }
        if let Some(r) = rest.first() {
            attrs.resource = (*r).to_string();
        }
        if let Some(n) = rest.get(1) {
            attrs.name = (*n).to_string();
        }
        if let Some(s) = rest.get(2).filter(|_| verb != "proxy") {
            attrs.subresource = (*s).to_string();
        }
        if attrs.name.is_empty() && verb == "delete" {
            verb = "deletecollection".into();
        }
        if attrs.name.is_empty() && verb == "get" {
            verb = if params.flag("watch") { "watch" } else { "list" }.into();
            if let Some(name) = params.get("fieldSelector").and_then(exact_name) {
                attrs.name = name;
            }
        }
        Self { verb, path: path.to_string(), resource: Some(attrs) }
    }
}

/// `metadata.name` when a field selector requires exactly one (`metadata.name=web`,
/// `metadata.name==web`), as the name a list or watch is authorized for.
fn exact_name(selector: &str) -> Option<String> {
    selector.split(',').find_map(|term| {
        let value = term.strip_prefix("metadata.name==").or_else(|| term.strip_prefix("metadata.name="))?;
        let valid = !value.is_empty() && value != "." && value != ".." && !value.contains(['/', '%']);
        valid.then(|| value.to_string())
    })
}
