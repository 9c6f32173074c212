//! Tables for rbac.authorization.k8s.io/v1 (`kubectl create role|rolebinding|clusterrole|
//! clusterrolebinding` send these as protobuf).
//!
//! Tags from k8s-pb 0.9, JSON names from k8s-openapi 0.29 `v1_35`, emit modes from the Go
//! struct tags (`rules` and `verbs` are never omitted, `subjects` is); keep in sync by hand.

use super::super::schema::{A, P, Ty, Z, many, one};

msg! { ROLE = "io.k8s.api.rbac.v1.Role" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    many(2, "rules", Ty::Msg(&POLICY_RULE), A),
]}

msg! { CLUSTER_ROLE = "io.k8s.api.rbac.v1.ClusterRole" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    many(2, "rules", Ty::Msg(&POLICY_RULE), A),
    one(3, "aggregationRule", Ty::Msg(&AGGREGATION_RULE), P),
]}

msg! { ROLE_BINDING = "io.k8s.api.rbac.v1.RoleBinding" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    many(2, "subjects", Ty::Msg(&SUBJECT), Z),
    one(3, "roleRef", Ty::Msg(&ROLE_REF), A),
]}

msg! { CLUSTER_ROLE_BINDING = "io.k8s.api.rbac.v1.ClusterRoleBinding" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    many(2, "subjects", Ty::Msg(&SUBJECT), Z),
    one(3, "roleRef", Ty::Msg(&ROLE_REF), A),
]}

msg! { POLICY_RULE = "io.k8s.api.rbac.v1.PolicyRule" [
    many(1, "verbs", Ty::Str, A),
    many(2, "apiGroups", Ty::Str, Z),
    many(3, "resources", Ty::Str, Z),
    many(4, "resourceNames", Ty::Str, Z),
    many(5, "nonResourceURLs", Ty::Str, Z),
]}

msg! { AGGREGATION_RULE = "io.k8s.api.rbac.v1.AggregationRule" [
    many(1, "clusterRoleSelectors", Ty::Msg(&super::meta::LABEL_SELECTOR), Z),
]}

msg! { SUBJECT = "io.k8s.api.rbac.v1.Subject" [
    one(1, "kind", Ty::Str, A),
    one(2, "apiGroup", Ty::Str, Z),
    one(3, "name", Ty::Str, A),
    one(4, "namespace", Ty::Str, Z),
]}

msg! { ROLE_REF = "io.k8s.api.rbac.v1.RoleRef" [
    one(1, "apiGroup", Ty::Str, A),
    one(2, "kind", Ty::Str, A),
    one(3, "name", Ty::Str, A),
]}
