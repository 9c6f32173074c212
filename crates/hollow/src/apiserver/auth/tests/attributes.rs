//! Request attributes from method, path and query, as `RequestInfoFactory` derives them.

use std::collections::HashMap;

use super::super::attributes::RequestAttributes;
use crate::apiserver::params::Params;

fn attrs(method: &str, path: &str, query: &[(&str, &str)]) -> RequestAttributes {
    let q: HashMap<String, String> = query.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    RequestAttributes::from_request(method, path, &Params(q))
}

/// `verb ns group resource sub name`, or `verb path` for a non-resource request.
fn shown(a: &RequestAttributes) -> String {
    match &a.resource {
        Some(r) => {
            format!("{} {} {} {} {} {}", a.verb, r.namespace, r.group, r.resource, r.subresource, r.name)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        }
        None => format!("{} {}", a.verb, a.path),
    }
}

/// `(method, path, query, what it asks)`.
type Case = (&'static str, &'static str, &'static [(&'static str, &'static str)], &'static str);

#[test]
fn verbs_and_resources_come_from_method_and_path() {
    let cases: &[Case] = &[
        ("GET", "/api/v1/namespaces/shop/pods", &[], "list shop pods"),
        ("GET", "/api/v1/namespaces/shop/pods", &[("watch", "true")], "watch shop pods"),
        ("GET", "/api/v1/namespaces/shop/pods/p1", &[], "get shop pods p1"),
        ("GET", "/api/v1/pods", &[], "list pods"),
        ("GET", "/api/v1/watch/namespaces/shop/pods", &[], "watch shop pods"),
        ("POST", "/api/v1/namespaces/shop/pods", &[], "create shop pods"),
        (
            "PUT",
            "/apis/ramp.dev/v1alpha1/namespaces/shop/rollouts/web",
            &[],
            "update shop ramp.dev rollouts web",
        ),
        (
            "PATCH",
            "/apis/ramp.dev/v1alpha1/namespaces/shop/rollouts/web/status",
            &[],
            "patch shop ramp.dev rollouts status web",
        ),
        ("DELETE", "/apis/apps/v1/namespaces/shop/replicasets/rs", &[], "delete shop apps replicasets rs"),
        (
            "DELETE",
            "/apis/apps/v1/namespaces/shop/replicasets",
            &[],
            "deletecollection shop apps replicasets",
        ),
        ("POST", "/api/v1/namespaces/shop/pods/p1/eviction", &[], "create shop pods eviction p1"),
        (
            "POST",
            "/api/v1/namespaces/shop/serviceaccounts/robot/token",
            &[],
            "create shop serviceaccounts token robot",
        ),
        (
            "PUT",
            "/apis/apps/v1/namespaces/shop/deployments/d/scale",
            &[],
            "update shop apps deployments scale d",
        ),
        // A Namespace is addressed in its own namespace.
        ("GET", "/api/v1/namespaces", &[], "list namespaces"),
        ("GET", "/api/v1/namespaces/shop", &[], "get shop namespaces shop"),
        ("PUT", "/api/v1/namespaces/shop/status", &[], "update shop namespaces status shop"),
        (
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            &[],
            "create authorization.k8s.io selfsubjectaccessreviews",
        ),
        // A list of one name is authorized for that name.
        (
            "GET",
            "/api/v1/namespaces/shop/configmaps",
            &[("fieldSelector", "metadata.name=settings")],
            "list shop configmaps settings",
        ),
        (
            "GET",
            "/api/v1/namespaces/shop/configmaps",
            &[("fieldSelector", "metadata.name!=settings")],
            "list shop configmaps",
        ),
        // Non-resource requests.
        ("GET", "/version", &[], "get /version"),
        ("GET", "/api", &[], "get /api"),
        ("GET", "/api/v1", &[], "get /api/v1"),
        ("GET", "/apis/ramp.dev/v1alpha1", &[], "get /apis/ramp.dev/v1alpha1"),
        ("GET", "/openapi/v3/apis/apps/v1", &[], "get /openapi/v3/apis/apps/v1"),
        ("POST", "/healthz", &[], "post /healthz"),
    ];
    for (method, path, query, want) in cases {
        assert_eq!(shown(&attrs(method, path, query)), *want, "{method} {path} {query:?}");
    }
}
