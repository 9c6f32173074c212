//! Tables for apimachinery meta/v1 messages (ObjectMeta, LabelSelector, DeleteOptions, ...).
//!
//! Generated from k8s-pb 0.9 (tags), k8s-openapi 0.29 `v1_35` (JSON names) and the Go
//! struct tags as observed through kubectl 1.32 (emit modes); keep in sync by hand.

use super::super::schema::{A, P, Ty, Z, many, map, one};

msg! { DELETE_OPTIONS = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions" [
    one(1, "gracePeriodSeconds", Ty::I64, P),
    one(2, "preconditions", Ty::Msg(&PRECONDITIONS), P),
    one(3, "orphanDependents", Ty::Bool, P),
    one(4, "propagationPolicy", Ty::Str, P),
    many(5, "dryRun", Ty::Str, Z),
    one(6, "ignoreStoreReadErrorWithClusterBreakingPotential", Ty::Bool, P),
]}

msg! { OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" [
    one(1, "name", Ty::Str, Z),
    one(2, "generateName", Ty::Str, Z),
    one(3, "namespace", Ty::Str, Z),
    one(4, "selfLink", Ty::Str, Z),
    one(5, "uid", Ty::Str, Z),
    one(6, "resourceVersion", Ty::Str, Z),
    one(7, "generation", Ty::I64, Z),
    one(8, "creationTimestamp", Ty::Time, A),
    one(9, "deletionTimestamp", Ty::Time, P),
    one(10, "deletionGracePeriodSeconds", Ty::I64, P),
    map(11, "labels", Ty::Str, Z),
    map(12, "annotations", Ty::Str, Z),
    many(13, "ownerReferences", Ty::Msg(&OWNER_REFERENCE), Z),
    many(14, "finalizers", Ty::Str, Z),
    many(17, "managedFields", Ty::Msg(&MANAGED_FIELDS_ENTRY), Z),
]}

msg! { PRECONDITIONS = "io.k8s.apimachinery.pkg.apis.meta.v1.Preconditions" [
    one(1, "uid", Ty::Str, P),
    one(2, "resourceVersion", Ty::Str, P),
]}

msg! { OWNER_REFERENCE = "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference" [
    one(5, "apiVersion", Ty::Str, A),
    one(1, "kind", Ty::Str, A),
    one(3, "name", Ty::Str, A),
    one(4, "uid", Ty::Str, A),
    one(6, "controller", Ty::Bool, P),
    one(7, "blockOwnerDeletion", Ty::Bool, P),
]}

msg! { MANAGED_FIELDS_ENTRY = "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry" [
    one(1, "manager", Ty::Str, Z),
    one(2, "operation", Ty::Str, Z),
    one(3, "apiVersion", Ty::Str, Z),
    one(4, "time", Ty::Time, P),
    one(6, "fieldsType", Ty::Str, Z),
    one(7, "fieldsV1", Ty::RawJson, P),
    one(8, "subresource", Ty::Str, Z),
]}

msg! { LABEL_SELECTOR = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector" [
    map(1, "matchLabels", Ty::Str, Z),
    many(2, "matchExpressions", Ty::Msg(&LABEL_SELECTOR_REQUIREMENT), Z),
]}

msg! { CONDITION = "io.k8s.apimachinery.pkg.apis.meta.v1.Condition" [
    one(1, "type", Ty::Str, A),
    one(2, "status", Ty::Str, A),
    one(3, "observedGeneration", Ty::I64, Z),
    one(4, "lastTransitionTime", Ty::Time, A),
    one(5, "reason", Ty::Str, A),
    one(6, "message", Ty::Str, A),
]}

msg! { LABEL_SELECTOR_REQUIREMENT = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement" [
    one(1, "key", Ty::Str, A),
    one(2, "operator", Ty::Str, A),
    many(3, "values", Ty::Str, Z),
]}
