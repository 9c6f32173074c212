//! Tables for authentication.k8s.io/v1 (TokenReview, SelfSubjectReview, TokenRequest) and
//! authorization.k8s.io/v1 (the access and rules reviews): `kubectl auth whoami|can-i` and
//! `kubectl create token` send these as protobuf.
//!
//! Tags from k8s-pb 0.9, JSON names from k8s-openapi 0.29 `v1_35`, emit modes from the Go
//! struct tags (`allowed`, `incomplete`, a TokenRequest's `audiences`, `expirationSeconds` and
//! `boundObjectRef` are never omitted); keep in sync by hand.

use super::super::schema::{A, N, P, Ty, Z, many, map, one};

msg! { TOKEN_REVIEW = "io.k8s.api.authentication.v1.TokenReview" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&TOKEN_REVIEW_SPEC), A),
    one(3, "status", Ty::Msg(&TOKEN_REVIEW_STATUS), A),
]}

msg! { SELF_SUBJECT_REVIEW = "io.k8s.api.authentication.v1.SelfSubjectReview" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "status", Ty::Msg(&SELF_SUBJECT_REVIEW_STATUS), A),
]}

msg! { TOKEN_REQUEST = "io.k8s.api.authentication.v1.TokenRequest" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&TOKEN_REQUEST_SPEC), A),
    one(3, "status", Ty::Msg(&TOKEN_REQUEST_STATUS), A),
]}

msg! { SUBJECT_ACCESS_REVIEW = "io.k8s.api.authorization.v1.SubjectAccessReview" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&SUBJECT_ACCESS_REVIEW_SPEC), A),
    one(3, "status", Ty::Msg(&SUBJECT_ACCESS_REVIEW_STATUS), A),
]}

msg! { LOCAL_SUBJECT_ACCESS_REVIEW = "io.k8s.api.authorization.v1.LocalSubjectAccessReview" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&SUBJECT_ACCESS_REVIEW_SPEC), A),
    one(3, "status", Ty::Msg(&SUBJECT_ACCESS_REVIEW_STATUS), A),
]}

msg! { SELF_SUBJECT_ACCESS_REVIEW = "io.k8s.api.authorization.v1.SelfSubjectAccessReview" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&SELF_SUBJECT_ACCESS_REVIEW_SPEC), A),
    one(3, "status", Ty::Msg(&SUBJECT_ACCESS_REVIEW_STATUS), A),
]}

msg! { SELF_SUBJECT_RULES_REVIEW = "io.k8s.api.authorization.v1.SelfSubjectRulesReview" [
    one(1, "metadata", Ty::Msg(&super::meta::OBJECT_META), A),
    one(2, "spec", Ty::Msg(&SELF_SUBJECT_RULES_REVIEW_SPEC), A),
    one(3, "status", Ty::Msg(&SUBJECT_RULES_REVIEW_STATUS), A),
]}

msg! { TOKEN_REVIEW_SPEC = "io.k8s.api.authentication.v1.TokenReviewSpec" [
    one(1, "token", Ty::Str, Z),
    many(2, "audiences", Ty::Str, Z),
]}

msg! { TOKEN_REVIEW_STATUS = "io.k8s.api.authentication.v1.TokenReviewStatus" [
    one(1, "authenticated", Ty::Bool, Z),
    one(2, "user", Ty::Msg(&USER_INFO), A),
    many(4, "audiences", Ty::Str, Z),
    one(3, "error", Ty::Str, Z),
]}

msg! { USER_INFO = "io.k8s.api.authentication.v1.UserInfo" [
    one(1, "username", Ty::Str, Z),
    one(2, "uid", Ty::Str, Z),
    many(3, "groups", Ty::Str, Z),
    map(4, "extra", Ty::Strings, Z),
]}

msg! { SELF_SUBJECT_REVIEW_STATUS = "io.k8s.api.authentication.v1.SelfSubjectReviewStatus" [
    one(1, "userInfo", Ty::Msg(&USER_INFO), A),
]}

msg! { TOKEN_REQUEST_SPEC = "io.k8s.api.authentication.v1.TokenRequestSpec" [
    many(1, "audiences", Ty::Str, A),
    one(4, "expirationSeconds", Ty::I64, N),
    one(3, "boundObjectRef", Ty::Msg(&BOUND_OBJECT_REFERENCE), N),
]}

msg! { TOKEN_REQUEST_STATUS = "io.k8s.api.authentication.v1.TokenRequestStatus" [
    one(1, "token", Ty::Str, A),
    one(2, "expirationTimestamp", Ty::Time, A),
]}

msg! { BOUND_OBJECT_REFERENCE = "io.k8s.api.authentication.v1.BoundObjectReference" [
    one(1, "kind", Ty::Str, Z),
    one(2, "apiVersion", Ty::Str, Z),
    one(3, "name", Ty::Str, Z),
    one(4, "uid", Ty::Str, Z),
]}

msg! { SUBJECT_ACCESS_REVIEW_SPEC = "io.k8s.api.authorization.v1.SubjectAccessReviewSpec" [
    one(1, "resourceAttributes", Ty::Msg(&RESOURCE_ATTRIBUTES), P),
    one(2, "nonResourceAttributes", Ty::Msg(&NON_RESOURCE_ATTRIBUTES), P),
    one(3, "user", Ty::Str, Z),
    many(4, "groups", Ty::Str, Z),
    map(5, "extra", Ty::Strings, Z),
    one(6, "uid", Ty::Str, Z),
]}

msg! { SELF_SUBJECT_ACCESS_REVIEW_SPEC = "io.k8s.api.authorization.v1.SelfSubjectAccessReviewSpec" [
    one(1, "resourceAttributes", Ty::Msg(&RESOURCE_ATTRIBUTES), P),
    one(2, "nonResourceAttributes", Ty::Msg(&NON_RESOURCE_ATTRIBUTES), P),
]}

msg! { SUBJECT_ACCESS_REVIEW_STATUS = "io.k8s.api.authorization.v1.SubjectAccessReviewStatus" [
    one(1, "allowed", Ty::Bool, A),
    one(4, "denied", Ty::Bool, Z),
    one(2, "reason", Ty::Str, Z),
    one(3, "evaluationError", Ty::Str, Z),
]}

msg! { RESOURCE_ATTRIBUTES = "io.k8s.api.authorization.v1.ResourceAttributes" [
    one(1, "namespace", Ty::Str, Z),
    one(2, "verb", Ty::Str, Z),
    one(3, "group", Ty::Str, Z),
    one(4, "version", Ty::Str, Z),
    one(5, "resource", Ty::Str, Z),
    one(6, "subresource", Ty::Str, Z),
    one(7, "name", Ty::Str, Z),
    one(8, "fieldSelector", Ty::Msg(&FIELD_SELECTOR_ATTRIBUTES), P),
    one(9, "labelSelector", Ty::Msg(&LABEL_SELECTOR_ATTRIBUTES), P),
]}

msg! { FIELD_SELECTOR_ATTRIBUTES = "io.k8s.api.authorization.v1.FieldSelectorAttributes" [
    one(1, "rawSelector", Ty::Str, Z),
    many(2, "requirements", Ty::Msg(&FIELD_SELECTOR_REQUIREMENT), Z),
]}

msg! { FIELD_SELECTOR_REQUIREMENT = "io.k8s.apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement" [
    one(1, "key", Ty::Str, A),
    one(2, "operator", Ty::Str, A),
    many(3, "values", Ty::Str, Z),
]}

msg! { LABEL_SELECTOR_ATTRIBUTES = "io.k8s.api.authorization.v1.LabelSelectorAttributes" [
    one(1, "rawSelector", Ty::Str, Z),
    many(2, "requirements", Ty::Msg(&super::meta::LABEL_SELECTOR_REQUIREMENT), Z),
]}

msg! { NON_RESOURCE_ATTRIBUTES = "io.k8s.api.authorization.v1.NonResourceAttributes" [
    one(1, "path", Ty::Str, Z),
    one(2, "verb", Ty::Str, Z),
]}

msg! { SELF_SUBJECT_RULES_REVIEW_SPEC = "io.k8s.api.authorization.v1.SelfSubjectRulesReviewSpec" [
    one(1, "namespace", Ty::Str, Z),
]}

msg! { SUBJECT_RULES_REVIEW_STATUS = "io.k8s.api.authorization.v1.SubjectRulesReviewStatus" [
    many(1, "resourceRules", Ty::Msg(&RESOURCE_RULE), A),
    many(2, "nonResourceRules", Ty::Msg(&NON_RESOURCE_RULE), A),
    one(3, "incomplete", Ty::Bool, A),
    one(4, "evaluationError", Ty::Str, Z),
]}

msg! { RESOURCE_RULE = "io.k8s.api.authorization.v1.ResourceRule" [
    many(1, "verbs", Ty::Str, A),
    many(2, "apiGroups", Ty::Str, Z),
    many(3, "resources", Ty::Str, Z),
    many(4, "resourceNames", Ty::Str, Z),
]}

msg! { NON_RESOURCE_RULE = "io.k8s.api.authorization.v1.NonResourceRule" [
    many(1, "verbs", Ty::Str, A),
    many(2, "nonResourceURLs", Ty::Str, Z),
]}
