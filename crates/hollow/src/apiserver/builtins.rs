//! The built-in kinds the hollow API server serves, with their field selectors (the fields
//! their real registries convert) and printer columns ([`super::printers`]).

use super::{
    printers,
    registry::{ResourceDef, ScalePaths},
};

struct Def {
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    all: bool,
    status: bool,
    scale: bool,
    generation: bool,
    create_only: bool,
    fields: &'static [&'static str],
}

fn builtins() -> Vec<Def> {
    let d = |group, version, plural, kind, namespaced, short: &'static [&'static str]| Def {
        group,
        version,
        plural,
        kind,
        namespaced,
        short,
        all: false,
        status: false,
        scale: false,
        generation: false,
        create_only: false,
        fields: &[],
    };
    // The reviews: served for `create` only, nothing stored.
    let review = |group, plural, kind, namespaced| Def {
        create_only: true,
        ..d(group, "v1", plural, kind, namespaced, &[])
    };
    vec![
        Def {
            status: true,
            fields: &["status.phase"],
            ..d("", "v1", "namespaces", "Namespace", false, &["ns"])
        },
        Def {
            all: true,
            status: true,
            fields: &[
                "status.phase",
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "status.podIP",
                "status.podIPs",
                "status.nominatedNodeName",
                "spec.hostNetwork",
            ],
            ..d("", "v1", "pods", "Pod", true, &["po"])
        },
        Def {
            all: true,
            status: true,
            fields: &["spec.clusterIP", "spec.type"],
            ..d("", "v1", "services", "Service", true, &["svc"])
        },
        d("", "v1", "endpoints", "Endpoints", true, &["ep"]),
        Def {
            fields: &[
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "source",
                "type",
            ],
            ..d("", "v1", "events", "Event", true, &["ev"])
        },
        d("", "v1", "configmaps", "ConfigMap", true, &["cm"]),
        Def { fields: &["type"], ..d("", "v1", "secrets", "Secret", true, &[]) },
        d("", "v1", "serviceaccounts", "ServiceAccount", true, &["sa"]),
        Def { status: true, fields: &["spec.unschedulable"], ..d("", "v1", "nodes", "Node", false, &["no"]) },
        Def {
            all: true,
            status: true,
            scale: true,
            generation: true,
            fields: &["status.replicas"],
            ..d("apps", "v1", "replicasets", "ReplicaSet", true, &["rs"])
        },
        Def {
            all: true,
            status: true,
            scale: true,
            generation: true,
            ..d("apps", "v1", "deployments", "Deployment", true, &["deploy"])
        },
        Def {
            all: true,
            status: true,
            generation: true,
            fields: &["status.successful"],
            ..d("batch", "v1", "jobs", "Job", true, &[])
        },
        Def {
            status: true,
            generation: true,
            ..d("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, &["pdb"])
        },
        d("coordination.k8s.io", "v1", "leases", "Lease", true, &[]),
        Def {
            fields: &[
                "regarding.kind",
                "regarding.namespace",
                "regarding.name",
                "regarding.uid",
                "reason",
                "type",
                "reportingController",
            ],
            ..d("events.k8s.io", "v1", "events", "Event", true, &["ev"])
        },
        d("rbac.authorization.k8s.io", "v1", "roles", "Role", true, &[]),
        d("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, &[]),
        d("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, &[]),
        d("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, &[]),
        d("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, &["pc"]),
        review("authentication.k8s.io", "tokenreviews", "TokenReview", false),
        review("authentication.k8s.io", "selfsubjectreviews", "SelfSubjectReview", false),
        review("authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview", false),
        review("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false),
        review("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false),
        review("authorization.k8s.io", "localsubjectaccessreviews", "LocalSubjectAccessReview", true),
        Def {
            status: true,
            generation: true,
            ..d(
                "apiextensions.k8s.io",
                "v1",
                "customresourcedefinitions",
                "CustomResourceDefinition",
                false,
                &["crd", "crds"],
            )
        },
    ]
}

/// Every built-in resource type.
pub fn all() -> Vec<ResourceDef> {
    builtins()
        .into_iter()
        .map(|d| ResourceDef {
            group: d.group.into(),
            version: d.version.into(),
            plural: d.plural.into(),
            singular: d.kind.to_lowercase(),
            kind: d.kind.into(),
            namespaced: d.namespaced,
            short_names: d.short.iter().map(|s| (*s).to_string()).collect(),
            categories: if d.all { vec!["all".into()] } else { Vec::new() },
            status: d.status,
            scale: d.scale.then(|| ScalePaths {
                spec_replicas: ".spec.replicas".into(),
                status_replicas: ".status.replicas".into(),
                label_selector: Some(".status.selector".into()),
            }),
            eviction: d.plural == "pods",
            token_request: d.plural == "serviceaccounts",
            create_only: d.create_only,
            rules: None,
            builtin: true,
            generation: d.generation,
            schema: None,
            columns: printers::columns(d.group, d.kind),
            selectable_fields: d.fields.iter().map(|s| (*s).to_string()).collect(),
        })
        .collect()
}
