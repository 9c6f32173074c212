//! The requests a plan's writes become, built purely: method, path, query, content type and
//! body. `act` sends them with the kube client; what-if runs send the same requests into the
//! hollow cluster. Tested without a server.
//!
//! ReplicaSets are created with POST (never taking over an object of the same name Ramp does
//! not own); later changes are server-side applies of exactly the fields each action owns, with
//! the field manager `ramp` suffixed per field set (so one set's apply never drops another's
//! fields); status goes through the status subresource.

use std::collections::BTreeMap;

use http::Method;
use kube::{Resource, ResourceExt};
use serde_json::{Value, json};

use crate::{
    api::{Rollout, RolloutStatus, condition::keys},
    plan::{
        Action, NewReplicaSet, RevisionUpdate, RouteRules, RouteWeights, ScaleReplicaSet, ServiceSelector,
    },
};

/// Field manager of everything Ramp writes.
pub const MANAGER: &str = "ramp";
/// Label on every ReplicaSet Ramp creates: the Rollout's name (scopes the watch), cut to a
/// label value's 63 characters for longer names (ownership is by owner reference, not this).
pub const ROLLOUT_LABEL: &str = "ramp.dev/rollout";

/// Longest label value.
const MAX_LABEL_VALUE: usize = 63;

/// A Rollout name as a label value: at most 63 characters, ending alphanumeric.
pub fn rollout_label_value(name: &str) -> String {
    let cut = name.get(..MAX_LABEL_VALUE.min(name.len())).unwrap_or(name);
    cut.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string()
}

/// Content type of server-side apply.
const APPLY: &str = "application/apply-patch+yaml";
/// Content type of a JSON body.
const JSON: &str = "application/json";

/// What a write does, for counting and error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKind {
    /// POST a ReplicaSet.
    CreateReplicaSet,
    /// Apply `spec.replicas` and the scaling annotations.
    ScaleReplicaSet,
    /// Apply the revision annotations and `minReadySeconds`.
    UpdateReplicaSetRevision,
    /// DELETE a ReplicaSet.
    DeleteReplicaSet,
    /// Apply the Rollout's status.
    Status,
    /// Apply a Service's `pod-template-hash` selector key.
    SetServiceSelector,
    /// JSON-patch weights into a route's backendRefs.
    SetRouteWeights,
    /// JSON-patch Ramp's header-route rules into a route.
    SetRouteRules,
    /// Apply a referenced Deployment's `spec.replicas`.
    ScaleDeployment,
}

impl WriteKind {
    /// The name used as metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            WriteKind::CreateReplicaSet => "CreateReplicaSet",
            WriteKind::ScaleReplicaSet => "ScaleReplicaSet",
            WriteKind::UpdateReplicaSetRevision => "UpdateReplicaSetRevision",
            WriteKind::DeleteReplicaSet => "DeleteReplicaSet",
            WriteKind::Status => "Status",
            WriteKind::SetServiceSelector => "SetServiceSelector",
            WriteKind::SetRouteWeights => "SetRouteWeights",
            WriteKind::SetRouteRules => "SetRouteRules",
            WriteKind::ScaleDeployment => "ScaleDeployment",
        }
    }
}

/// One write request.
#[derive(Clone, Debug, PartialEq)]
pub struct Write {
    /// What it does.
    pub kind: WriteKind,
    /// The object it writes (ReplicaSet or Rollout name).
    pub name: String,
    /// HTTP method.
    pub method: Method,
    /// Path, without query.
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(&'static str, String)>,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: Value,
}

/// A request that could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The body could not be encoded.
    #[error("failed to encode the request body")]
    Encode(#[source] serde_json::Error),
    /// The parts do not form an HTTP request.
    #[error("failed to build the request")]
    Http(#[source] http::Error),
}

impl Write {
    /// `path?query`.
    pub fn uri(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let q: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}?{}", self.path, q.join("&"))
    }

    /// The request as HTTP.
    pub fn to_http(&self) -> Result<http::Request<Vec<u8>>, RenderError> {
        let body = serde_json::to_vec(&self.body).map_err(RenderError::Encode)?;
        http::Request::builder()
            .method(self.method.clone())
            .uri(self.uri())
            .header(http::header::CONTENT_TYPE, self.content_type)
            .header(http::header::ACCEPT, JSON)
            .body(body)
            .map_err(RenderError::Http)
    }
}

fn replica_sets_path(namespace: &str) -> String {
    format!("/apis/apps/v1/namespaces/{namespace}/replicasets")
}

fn apply_query(manager: String) -> Vec<(&'static str, String)> {
    vec![("fieldManager", manager), ("force", "true".into())]
}

/// The ReplicaSet object a create action posts.
pub fn new_replica_set(rollout: &Rollout, n: &NewReplicaSet) -> Value {
    let mut labels: BTreeMap<String, String> =
        n.template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
    labels.insert(ROLLOUT_LABEL.into(), rollout_label_value(&rollout.name_any()));
    let owner = rollout.controller_owner_ref(&()).map(|o| vec![o]);
    // Pods carry the label too, so the controller watches only Ramp's pods (for restarts).
    let mut template = serde_json::to_value(&n.template).unwrap_or_default();
    if let Some(meta) = template.get_mut("metadata").and_then(Value::as_object_mut) {
        let pod_labels = meta.entry("labels").or_insert_with(|| json!({}));
        if let Some(l) = pod_labels.as_object_mut() {
            l.insert(ROLLOUT_LABEL.into(), json!(rollout_label_value(&rollout.name_any())));
        }
    }
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": n.name, "namespace": rollout.namespace(), "labels": labels, "ownerReferences": owner,
            "annotations": {
                keys::REVISION: n.revision.to_string(),
                keys::TEMPLATE_FINGERPRINT: n.template_fingerprint,
                keys::DESIRED_REPLICAS: n.desired_replicas.to_string(),
                keys::MAX_REPLICAS: n.max_replicas.to_string(),
                // Generated: GitOps tools must neither prune nor diff it (labels copied from
                // the pod template may carry their tracking label).
                "argocd.argoproj.io/compare-options": "IgnoreExtraneous",
                "argocd.argoproj.io/sync-options": "Prune=false",
                "kustomize.toolkit.fluxcd.io/prune": "disabled",
                "kustomize.toolkit.fluxcd.io/reconcile": "disabled",
            },
        },
        "spec": {"replicas": n.replicas, "minReadySeconds": n.min_ready_seconds, "selector": n.selector, "template": template},
    })
}

fn create(ns: &str, rollout: &Rollout, n: &NewReplicaSet) -> Write {
    Write {
        kind: WriteKind::CreateReplicaSet,
        name: n.name.clone(),
        method: Method::POST,
        path: replica_sets_path(ns),
        query: vec![("fieldManager", MANAGER.into())],
        content_type: JSON,
        body: new_replica_set(rollout, n),
    }
}

fn scale(ns: &str, s: &ScaleReplicaSet) -> Write {
    Write {
        kind: WriteKind::ScaleReplicaSet,
        name: s.name.clone(),
        method: Method::PATCH,
        path: format!("{}/{}", replica_sets_path(ns), s.name),
        query: apply_query(format!("{MANAGER}-scale")),
        content_type: APPLY,
        body: json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": s.name, "annotations": {
                keys::DESIRED_REPLICAS: s.desired_replicas.to_string(), keys::MAX_REPLICAS: s.max_replicas.to_string()}},
            "spec": {"replicas": s.to}}),
    }
}

/// Field manager of a referenced Deployment's `spec.replicas` (forced: the Deployment's owner,
/// kubectl or a GitOps tool, keeps every other field; see docs/strategies.md for the
/// ignoreDifferences a GitOps tool needs on this one).
pub const WORKLOAD_MANAGER: &str = "ramp-workload";

/// The size of a referenced Deployment.
pub fn scale_deployment(ns: &str, name: &str, replicas: i32) -> Write {
    Write {
        kind: WriteKind::ScaleDeployment,
        name: name.to_string(),
        method: Method::PATCH,
        path: format!("/apis/apps/v1/namespaces/{ns}/deployments/{name}"),
        query: apply_query(WORKLOAD_MANAGER.into()),
        content_type: APPLY,
        body: json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas}}),
    }
}

fn revision(ns: &str, u: &RevisionUpdate) -> Write {
    let history: Vec<String> = u.revision_history.iter().map(ToString::to_string).collect();
    let mut annotations = json!({keys::REVISION: u.revision.to_string()});
    if !history.is_empty() {
        annotations[keys::REVISION_HISTORY] = json!(history.join(","));
    }
    Write {
        kind: WriteKind::UpdateReplicaSetRevision,
        name: u.name.clone(),
        method: Method::PATCH,
        path: format!("{}/{}", replica_sets_path(ns), u.name),
        query: apply_query(format!("{MANAGER}-revision")),
        content_type: APPLY,
        body: json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": u.name, "annotations": annotations}, "spec": {"minReadySeconds": u.min_ready_seconds}}),
    }
}

fn delete(ns: &str, name: &str) -> Write {
    Write {
        kind: WriteKind::DeleteReplicaSet,
        name: name.to_string(),
        method: Method::DELETE,
        path: format!("{}/{name}", replica_sets_path(ns)),
        query: Vec::new(),
        content_type: JSON,
        body: json!({"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"}),
    }
}

/// Content type of a JSON patch.
const JSON_PATCH: &str = "application/json-patch+json";
/// Field manager of the traffic writes (Service selectors, route weights).
pub const TRAFFIC_MANAGER: &str = "ramp-traffic";

/// A Service's selector key `pod-template-hash`, by server-side apply: Ramp owns that key
/// only; the user's keys (and every other field) stay theirs.
fn service_selector(ns: &str, s: &ServiceSelector) -> Write {
    Write {
        kind: WriteKind::SetServiceSelector,
        name: s.service.clone(),
        method: Method::PATCH,
        path: format!("/api/v1/namespaces/{ns}/services/{}", s.service),
        query: apply_query(TRAFFIC_MANAGER.into()),
        content_type: APPLY,
        body: json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": s.service},
            "spec": {"selector": {keys::POD_TEMPLATE_HASH: s.hash}}}),
    }
}

/// Route weights as a JSON patch of exactly those fields, each guarded by a `test` that the
/// backendRef still names the Service it was planned for. (A route's `rules` is an atomic
/// list, so a server-side apply would have to own all of it; the patch changes only the
/// weights, and fails instead of weighting the wrong backend if the route was edited since.)
fn route_weights(ns: &str, w: &RouteWeights) -> Write {
    let mut ops = Vec::new();
    for b in &w.backends {
        let at = format!("/spec/rules/{}/backendRefs/{}", b.rule, b.backend);
        ops.push(json!({"op": "test", "path": format!("{at}/name"), "value": b.service}));
        ops.push(json!({"op": "add", "path": format!("{at}/weight"), "value": b.weight}));
    }
    Write {
        kind: WriteKind::SetRouteWeights,
        name: w.route.clone(),
        method: Method::PATCH,
        path: format!("/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/{}/{}", w.kind.plural(), w.route),
        query: vec![("fieldManager", TRAFFIC_MANAGER.into())],
        content_type: JSON_PATCH,
        body: Value::Array(ops),
    }
}

/// Header-route rules as a JSON patch: each removal guarded by a `test` of the rule's name
/// (highest index first, so earlier indices stay valid), then the additions at the end.
fn route_rules(ns: &str, r: &RouteRules) -> Write {
    let mut ops = Vec::new();
    for (i, name) in &r.remove {
        ops.push(json!({"op": "test", "path": format!("/spec/rules/{i}/name"), "value": name}));
        ops.push(json!({"op": "remove", "path": format!("/spec/rules/{i}")}));
    }
    for rule in &r.add {
        ops.push(json!({"op": "add", "path": "/spec/rules/-", "value": rule}));
    }
    Write {
        kind: WriteKind::SetRouteRules,
        name: r.route.clone(),
        method: Method::PATCH,
        path: format!("/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/{}/{}", r.kind.plural(), r.route),
        query: vec![("fieldManager", TRAFFIC_MANAGER.into())],
        content_type: JSON_PATCH,
        body: Value::Array(ops),
    }
}

/// The request of one action; `None` for actions that are not object writes (events).
pub fn action(rollout: &Rollout, action: &Action) -> Option<Write> {
    let ns = rollout.namespace().unwrap_or_default();
    match action {
        Action::CreateReplicaSet(n) => Some(create(&ns, rollout, n)),
        Action::ScaleReplicaSet(s) => Some(scale(&ns, s)),
        Action::UpdateReplicaSetRevision(u) => Some(revision(&ns, u)),
        Action::DeleteReplicaSet { name } => Some(delete(&ns, name)),
        Action::SetServiceSelector(s) => Some(service_selector(&ns, s)),
        Action::SetRouteWeights(w) => Some(route_weights(&ns, w)),
        Action::SetRouteRules(r) => Some(route_rules(&ns, r)),
        Action::ScaleDeployment { name, replicas } => Some(scale_deployment(&ns, name, *replicas)),
        Action::Event(_) => None,
    }
}

/// The status write: an apply of the whole status through the status subresource.
pub fn status(rollout: &Rollout, status: &RolloutStatus) -> Write {
    let ns = rollout.namespace().unwrap_or_default();
    let name = rollout.name_any();
    Write {
        kind: WriteKind::Status,
        name: name.clone(),
        method: Method::PATCH,
        path: format!("/apis/ramp.dev/v1alpha1/namespaces/{ns}/rollouts/{name}/status"),
        query: apply_query(MANAGER.into()),
        content_type: APPLY,
        // The resourceVersion read is a precondition: a status planned from a stale cache
        // (our own last status write not yet seen) is refused with 409, never written over
        // the newer one; the reconcile retries on the fresh object.
        body: json!({"apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout",
            "metadata": {"name": name, "resourceVersion": rollout.metadata.resource_version},
            "status": status}),
    }
}

/// Every request `act` sends for a plan, in order: its writes, then the status if it changed.
/// (Events go through the recorder.)
pub fn plan_writes(rollout: &Rollout, plan: &crate::plan::Plan) -> Vec<Write> {
    let mut out: Vec<Write> = plan.actions.iter().filter_map(|a| action(rollout, a)).collect();
    if status_changed(rollout.status.as_ref(), &plan.status) {
        out.push(status(rollout, &plan.status));
    }
    out
}

/// Whether the status to write differs from the one observed.
pub fn status_changed(observed: Option<&RolloutStatus>, desired: &RolloutStatus) -> bool {
    observed != Some(desired)
}

/// How a planned status differs from the stored one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusChange {
    /// Not at all.
    Same,
    /// Only in pod counts, the weight they amount to, the messages that quote them and the
    /// last progress time (which the planner re-derives from the stored counts, so writing it
    /// late only moves the deadline later). A weight a canary step sets comes with a step
    /// change, which is [`Meaning`](Self::Meaning).
    CountsOnly,
    /// In something a user or the next reconcile acts on: phase, a condition's status or
    /// reason, revisions, generation, pause, abort, step, weight, selector, collisions.
    Meaning,
}

/// Classifies the difference between the stored and the planned status.
pub fn status_change(observed: Option<&RolloutStatus>, desired: &RolloutStatus) -> StatusChange {
    let Some(observed) = observed else { return StatusChange::Meaning };
    if observed == desired {
        return StatusChange::Same;
    }
    if without_counts(observed) == without_counts(desired) {
        StatusChange::CountsOnly
    } else {
        StatusChange::Meaning
    }
}

fn without_counts(s: &RolloutStatus) -> RolloutStatus {
    let mut s = s.clone();
    (s.replicas, s.updated_replicas, s.ready_replicas, s.available_replicas) = (0, 0, 0, 0);
    s.weight = None;
    s.message = None;
    s.last_progress_time = None;
    for c in &mut s.conditions {
        c.message.clear();
    }
    s
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use serde_json::json;

    use super::*;
    use crate::api::RolloutSpec;

    fn rollout() -> Rollout {
        let spec: RolloutSpec = serde_json::from_value(json!({
            "selector": {"matchLabels": {"app": "web"}}, "strategy": {"rollingUpdate": {}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "v2"}]}},
        }))
        .unwrap();
        Rollout {
            metadata: ObjectMeta {
                name: Some("web".into()),
                namespace: Some("prod".into()),
                uid: Some("u-1".into()),
                ..Default::default()
            },
            spec,
            status: None,
        }
    }

    #[test]
    fn a_scale_is_a_forced_apply_of_replicas_and_annotations_only() {
        let s =
            ScaleReplicaSet { name: "web-abc".into(), from: 2, to: 3, desired_replicas: 4, max_replicas: 5 };
        let w = action(&rollout(), &Action::ScaleReplicaSet(s)).unwrap();
        assert_eq!((w.method.clone(), w.kind), (Method::PATCH, WriteKind::ScaleReplicaSet));
        assert_eq!(
            w.uri(),
            "/apis/apps/v1/namespaces/prod/replicasets/web-abc?fieldManager=ramp-scale&force=true"
        );
        assert_eq!(w.content_type, "application/apply-patch+yaml");
        assert_eq!(
            w.body,
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "web-abc", "annotations": {
                    keys::DESIRED_REPLICAS: "4", keys::MAX_REPLICAS: "5"}},
                "spec": {"replicas": 3}})
        );
    }

    #[test]
    fn a_create_posts_an_owned_labelled_replica_set() {
        let r = rollout();
        let n = NewReplicaSet {
            name: "web-abc".into(),
            pod_template_hash: "abc".into(),
            template_fingerprint: "f".into(),
            revision: 2,
            replicas: 1,
            desired_replicas: 4,
            max_replicas: 5,
            min_ready_seconds: 3,
            selector: r.spec.selector.clone(),
            template: r.spec.template.clone().unwrap(),
        };
        let w = action(&r, &Action::CreateReplicaSet(Box::new(n))).unwrap();
        assert_eq!(
            (w.method.clone(), w.uri()),
            (Method::POST, "/apis/apps/v1/namespaces/prod/replicasets?fieldManager=ramp".to_string())
        );
        assert_eq!(w.body["metadata"]["labels"][ROLLOUT_LABEL], "web");
        assert_eq!(w.body["metadata"]["ownerReferences"][0]["uid"], "u-1");
        assert_eq!(w.body["metadata"]["ownerReferences"][0]["controller"], true);
        assert_eq!(w.body["metadata"]["annotations"][keys::REVISION], "2");
        assert_eq!(
            w.body["metadata"]["annotations"]["argocd.argoproj.io/compare-options"],
            "IgnoreExtraneous"
        );
        assert_eq!(w.body["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/prune"], "disabled");
        assert_eq!(w.body["spec"]["minReadySeconds"], 3);
    }

    #[test]
    fn a_delete_is_background_and_status_goes_to_the_subresource() {
        let r = rollout();
        let d = action(&r, &Action::DeleteReplicaSet { name: "web-old".into() }).unwrap();
        assert_eq!(
            (d.method.clone(), d.uri()),
            (Method::DELETE, "/apis/apps/v1/namespaces/prod/replicasets/web-old".to_string())
        );
        assert_eq!(d.body["propagationPolicy"], "Background");
        let mut r = r;
        r.metadata.resource_version = Some("42".into());
        let s = status(&r, &RolloutStatus::default());
        assert_eq!(
            s.body["metadata"],
            json!({"name": "web", "resourceVersion": "42"}),
            "read-at precondition"
        );
        assert_eq!(
            s.uri(),
            "/apis/ramp.dev/v1alpha1/namespaces/prod/rollouts/web/status?fieldManager=ramp&force=true"
        );
        assert_eq!(s.body["kind"], "Rollout");
        let req = s.to_http().unwrap();
        assert_eq!(req.headers()[http::header::CONTENT_TYPE], "application/apply-patch+yaml");
    }

    #[test]
    fn counts_alone_are_a_lesser_change_than_anything_a_reconcile_acts_on() {
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;

        use crate::api::RolloutPhase;
        let stored = RolloutStatus {
            phase: Some(RolloutPhase::Progressing),
            replicas: 10,
            updated_replicas: 3,
            message: Some("3 of 10 updated".into()),
            conditions: vec![Condition {
                type_: "Available".into(),
                status: "True".into(),
                reason: "MinimumReplicasAvailable".into(),
                message: "8 of 10 pods available".into(),
                last_transition_time: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                    jiff::Timestamp::UNIX_EPOCH,
                ),
                observed_generation: None,
            }],
            ..Default::default()
        };
        assert_eq!(status_change(Some(&stored), &stored), StatusChange::Same);
        assert_eq!(status_change(None, &stored), StatusChange::Meaning);
        let mut counts = stored.clone();
        counts.updated_replicas = 5;
        counts.weight = Some(50);
        counts.message = Some("5 of 10 updated".into());
        counts.conditions[0].message = "9 of 10 pods available".into();
        assert_eq!(status_change(Some(&stored), &counts), StatusChange::CountsOnly);
        let mut reason = counts.clone();
        reason.conditions[0].status = "False".into();
        assert_eq!(status_change(Some(&stored), &reason), StatusChange::Meaning);
        let mut phase = counts.clone();
        phase.phase = Some(RolloutPhase::Healthy);
        assert_eq!(status_change(Some(&stored), &phase), StatusChange::Meaning);
        let mut revision = counts;
        revision.stable_revision = Some("abc".into());
        assert_eq!(status_change(Some(&stored), &revision), StatusChange::Meaning);
    }

    #[test]
    fn traffic_writes_touch_only_the_selector_key_and_the_weights() {
        let r = rollout();
        let s = action(
            &r,
            &Action::SetServiceSelector(ServiceSelector { service: "web-stable".into(), hash: "abc".into() }),
        )
        .unwrap();
        assert_eq!(
            s.uri(),
            "/api/v1/namespaces/prod/services/web-stable?fieldManager=ramp-traffic&force=true"
        );
        assert_eq!(s.body["spec"], json!({"selector": {"pod-template-hash": "abc"}}));
        let w = action(
            &r,
            &Action::SetRouteWeights(RouteWeights {
                kind: crate::api::RouteKind::Http,
                route: "web".into(),
                backends: vec![crate::plan::WeightedBackend {
                    rule: 1,
                    backend: 0,
                    service: "web-canary".into(),
                    weight: 20,
                }],
            }),
        )
        .unwrap();
        assert_eq!(
            (w.method.clone(), w.uri(), w.content_type),
            (
                Method::PATCH,
                "/apis/gateway.networking.k8s.io/v1/namespaces/prod/httproutes/web?fieldManager=ramp-traffic"
                    .to_string(),
                "application/json-patch+json"
            )
        );
        assert_eq!(
            w.body,
            json!([
                {"op": "test", "path": "/spec/rules/1/backendRefs/0/name", "value": "web-canary"},
                {"op": "add", "path": "/spec/rules/1/backendRefs/0/weight", "value": 20},
            ])
        );
    }

    #[test]
    fn long_rollout_names_still_make_valid_label_values() {
        assert_eq!(rollout_label_value("web"), "web");
        let long = format!("{}.{}", "a".repeat(62), "b".repeat(100));
        assert_eq!(rollout_label_value(&long), "a".repeat(62));
        assert_eq!(rollout_label_value(&"c".repeat(250)).len(), 63);
    }

    #[test]
    fn a_plan_becomes_its_writes_then_its_status_and_nothing_when_nothing_changed() {
        let mut r = rollout();
        r.metadata.generation = Some(1);
        r.metadata.creation_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(jiff::Timestamp::UNIX_EPOCH));
        let obs = crate::controller::observe::assemble(&r, [], [], jiff::Timestamp::UNIX_EPOCH).unwrap();
        let p = crate::plan::plan(&obs);
        let ws = plan_writes(&r, &p);
        let shape: Vec<(WriteKind, Method, String)> =
            ws.iter().map(|w| (w.kind, w.method.clone(), w.uri())).collect();
        assert_eq!(
            shape,
            [
                (
                    WriteKind::CreateReplicaSet,
                    Method::POST,
                    "/apis/apps/v1/namespaces/prod/replicasets?fieldManager=ramp".to_string()
                ),
                (
                    WriteKind::Status,
                    Method::PATCH,
                    "/apis/ramp.dev/v1alpha1/namespaces/prod/rollouts/web/status?fieldManager=ramp&force=true"
                        .to_string()
                ),
            ]
        );
        assert_eq!(ws[1].body["status"]["observedGeneration"], 1);
        // The same plan once its status is stored: only the (idempotent) create, no status.
        r.status = Some(p.status.clone());
        let again: Vec<WriteKind> = plan_writes(&r, &p).iter().map(|w| w.kind).collect();
        assert_eq!(again, [WriteKind::CreateReplicaSet]);
    }
}
