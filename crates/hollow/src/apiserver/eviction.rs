//! The Eviction subresource of pods (`POST pods/{name}/eviction`), with the checks the real
//! server makes (`pkg/registry/core/pod/storage/eviction.go`), in order:
//! terminal or terminating pods are deleted directly; more than one budget → 500; no budget →
//! delete; a pod that is not Ready is deleted without spending budget when the budget policy
//! allows it; a budget whose status is behind its generation → 429 with `Retry-After: 10`; no
//! disruptions allowed → 429; otherwise the budget is decremented, the pod recorded in
//! `disruptedPods`, and the pod deleted.

use serde_json::{Value, json};

use super::{
    ApiServer,
    errors::ApiError,
    objects::{Part, Writer, object_key},
    route::Target,
};
use crate::controllers::{disruption, pod_ready};

impl ApiServer {
    /// Evicts a pod. `body` is the Eviction: its `deleteOptions.dryRun` counts as the query's.
    pub fn evict(&self, t: &Target, name: &str, writer: &Writer, body: &[u8]) -> Result<Value, ApiError> {
        let eviction: Value = serde_json::from_slice(body).unwrap_or_default();
        let dry_run = eviction
            .pointer("/deleteOptions/dryRun")
            .and_then(Value::as_array)
            .is_some_and(|d| d.iter().any(|x| x == "All"));
        let writer = &Writer { dry_run: writer.dry_run || dry_run, ..writer.clone() };
        let key = object_key(&t.def, t.namespace.as_deref(), name);
        let pod = self.store.get(&key).ok_or_else(|| ApiError::not_found("pods", name))?;
        let success =
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201});
        let phase = pod.pointer("/status/phase").and_then(Value::as_str).unwrap_or("Pending");
        let delete = |this: &Self| -> Result<Value, ApiError> {
            if !writer.dry_run {
                this.finish_delete(&t.def, &key)?;
            }
            Ok(success.clone())
        };
        if matches!(phase, "Pending" | "Succeeded" | "Failed")
            || pod.pointer("/metadata/deletionTimestamp").is_some()
        {
            return delete(self);
        }
        let Some(pdb_def) = self.registry.lookup("policy", "v1", "poddisruptionbudgets") else {
            return delete(self);
        };
        let (pdbs, _) = self.store.list(&pdb_def.id(), t.namespace.as_deref());
        let matching: Vec<&Value> = pdbs
            .iter()
            .map(|p| &**p)
            .filter(|p| !disruption::selected(p, std::slice::from_ref(&pod)).is_empty())
            .collect();
        let pdb = match matching.as_slice() {
            [] => return delete(self),
            [one] => *one,
            _ => {
                return Err(ApiError::internal(
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                ));
            }
        };
        let status = pdb.get("status").cloned().unwrap_or(json!({}));
        let num = |k: &str| status.get(k).and_then(Value::as_i64).unwrap_or(0);
        if !pod_ready(&pod).0 {
            let policy = pdb
                .pointer("/spec/unhealthyPodEvictionPolicy")
                .and_then(Value::as_str)
                .unwrap_or("IfHealthyBudget");
            let healthy_budget = num("currentHealthy") >= num("desiredHealthy") && num("desiredHealthy") > 0;
            if policy == "AlwaysAllow" || (policy == "IfHealthyBudget" && healthy_budget) {
                return delete(self);
            }
        }
        let generation = pdb.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(1);
        if status.get("observedGeneration").and_then(Value::as_i64).unwrap_or(0) < generation {
            return Err(ApiError::too_many_requests(
                "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget is still being processed by the server.",
                Some(10),
            ));
        }
        if num("disruptionsAllowed") <= 0 {
            let mut e = ApiError::too_many_requests(
                "Cannot evict pod as it would violate the pod's disruption budget.",
                None,
            );
            e.details = Some(json!({"causes": [{"reason": "DisruptionBudget", "message": format!(
                "The disruption budget {} needs {} healthy pods and has {} currently",
                pdb["metadata"]["name"].as_str().unwrap_or_default(), num("desiredHealthy"), num("currentHealthy"))}]}));
            return Err(e);
        }
        if writer.dry_run {
            return Ok(success);
        }
        let mut spent = pdb.clone();
        spent["status"]["disruptionsAllowed"] = json!(num("disruptionsAllowed") - 1);
        spent["status"]["disruptedPods"][name] = json!(self.clock.rfc3339());
        let pdb_name = pdb.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
        self.commit(&pdb_def, t.namespace.as_deref(), pdb_name, Some(pdb), spent, Part::Status, writer, true)
            .map_err(|e| if e.code == 409 { ApiError::too_many_requests(e.message, None) } else { e })?;
        delete(self)
    }
}
