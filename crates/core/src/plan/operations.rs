//! `undo` and `restart`, the operations that change *what* runs rather than how far a rollout
//! has got, carried out before any strategy plans: they put a template in place of the spec's
//! (`status.templateOverride`) for as long as the spec's template is the one they were asked
//! on — the spec itself is never edited, so a GitOps tool has nothing to revert, and a new
//! template in Git ends the override.
//!
//! - `undo` runs an earlier revision's ReplicaSet (the stable one, or `toRevision`) again;
//! - `restart` runs the same template with `ramp.dev/restartedAt` in its pod annotations: a new
//!   ReplicaSet of the same pods, so every pod is re-created within the strategy's bounds.
//!
//! Both skip the strategy's steps and analysis (a canary goes straight to promotion, a
//! blue-green preview is approved with analysis skipped). Other requests on a rolling update,
//! which has no steps, are refused with the reason.

use k8s_openapi::api::core::v1::PodTemplateSpec;

use super::{
    action::EventNote,
    blue_green,
    canary::steps::{carried_out, refused},
    observed::{Observed, ReplicaSetView},
    request::{Annotation, Op},
    revision::{self, Desired},
};
use crate::api::{ApprovalRecord, RequestRecord, StrategyRef, TemplateOverride};

/// The pod annotation a restart writes.
pub const RESTARTED_AT: &str = "ramp.dev/restartedAt";

/// What a pass runs towards, after the operations.
pub struct Effective {
    /// The observation the strategy plans on (the request marked handled, the override and
    /// its skipped steps in its status).
    pub obs: Observed,
    /// The template to roll towards.
    pub desired: Desired,
    /// The request handled here, with its event.
    pub handled: Option<(RequestRecord, EventNote)>,
}

fn restarted(template: &PodTemplateSpec, at: &str) -> PodTemplateSpec {
    let mut t = template.clone();
    t.metadata
        .get_or_insert_with(Default::default)
        .annotations
        .get_or_insert_with(Default::default)
        .insert(RESTARTED_AT.into(), at.into());
    t
}

/// The desired template for an override still in effect.
fn desired_of(obs: &Observed, spec: &PodTemplateSpec, o: &TemplateOverride) -> Option<Desired> {
    match (&o.revision, &o.restarted_at) {
        (Some(hash), _) => {
            let rs = obs.replica_sets.iter().find(|rs| !rs.deleting && &rs.pod_template_hash == hash)?;
            // The ReplicaSet exists, so the template is never used to create one: only its
            // fingerprint, recorded on it, matters.
            Some(Desired { template: spec.clone(), fingerprint: rs.template_fingerprint.clone()? })
        }
        (None, Some(at)) => Some(Desired::of(&restarted(spec, at))),
        (None, None) => None,
    }
}

/// The hash the desired template has (or will get).
fn hash_of(obs: &Observed, d: &Desired) -> String {
    let live: Vec<ReplicaSetView> = obs.replica_sets.iter().filter(|rs| !rs.deleting).cloned().collect();
    revision::find_by_fingerprint(&live, &d.fingerprint).map_or_else(
        || {
            revision::free_name(
                &obs.rollout.name,
                &d.template,
                obs.rollout.status.collision_count,
                &obs.replica_sets,
            )
            .0
        },
        |rs| rs.pod_template_hash.clone(),
    )
}

/// Applies a pending `undo` or `restart` (and refuses step operations on a rolling update),
/// and the override in effect.
pub fn prepare(obs: &Observed, spec: &PodTemplateSpec, strategy: StrategyRef<'_>) -> Effective {
    let spec_fp = revision::fingerprint(spec);
    let prior = &obs.rollout.status;
    let mut current = prior.template_override.clone().filter(|o| o.spec_fingerprint == spec_fp);
    let running =
        current.as_ref().and_then(|o| desired_of(obs, spec, o)).unwrap_or_else(|| Desired::of(spec));
    let running_hash = hash_of(obs, &running);
    let mut handled = None;
    if let Some(ann) = obs.rollout.request.as_ref().filter(|r| r.pending(prior)) {
        handled = match ann {
            Annotation::Request(q) if q.revision.as_deref().is_some_and(|r| r != running_hash) => None,
            Annotation::Request(q) if q.op == Op::Undo => {
                Some(match undo_target(obs, q.to_revision, &running_hash) {
                    Err(why) => refused(ann, &running_hash, &why),
                    Ok(rs) => {
                        let spec_hash = hash_of(obs, &Desired::of(spec));
                        current = (rs.pod_template_hash != spec_hash).then(|| TemplateOverride {
                            spec_fingerprint: spec_fp.clone(),
                            revision: Some(rs.pod_template_hash.clone()),
                            restarted_at: None,
                        });
                        carried_out(
                            ann,
                            &running_hash,
                            format!(
                                "running revision {} ({}) instead of {running_hash}, steps and analysis skipped, until the spec's template changes",
                                rs.revision, rs.pod_template_hash
                            ),
                        )
                    }
                })
            }
            Annotation::Request(q) if q.op == Op::Restart => {
                Some(if current.as_ref().is_some_and(|o| o.revision.is_some()) {
                    refused(ann, &running_hash, "an undo is in effect: change the spec's template first")
                } else {
                    let at = obs.now.to_string();
                    current = Some(TemplateOverride {
                        spec_fingerprint: spec_fp.clone(),
                        revision: None,
                        restarted_at: Some(at.clone()),
                    });
                    carried_out(
                        ann,
                        &running_hash,
                        format!("every pod of revision {running_hash} is re-created ({RESTARTED_AT} {at})"),
                    )
                })
            }
            _ if matches!(strategy, StrategyRef::RollingUpdate(_)) => Some(refused(
                ann,
                &running_hash,
                "a rolling update has no steps to promote, abort or approve (undo and restart apply; pause with spec.paused)",
            )),
            _ => None,
        };
    }
    let desired =
        current.as_ref().and_then(|o| desired_of(obs, spec, o)).unwrap_or_else(|| Desired::of(spec));
    let mut obs = obs.clone();
    let st = &mut obs.rollout.status;
    if let Some((record, _)) = &handled {
        st.last_request = Some(record.clone());
    }
    st.template_override.clone_from(&current);
    if current.is_some() {
        skip_steps(&mut obs, &desired, strategy);
    }
    Effective { obs, desired, handled }
}

/// An override skips the strategy's steps and analysis for its revision.
fn skip_steps(obs: &mut Observed, desired: &Desired, strategy: StrategyRef<'_>) {
    let hash = hash_of(obs, desired);
    let st = &mut obs.rollout.status;
    match strategy {
        StrategyRef::Canary(c) => {
            if st.aborted_revision.as_deref() != Some(hash.as_str()) {
                st.updated_revision = Some(hash);
                st.current_step = Some(i32::try_from(c.steps.len()).unwrap_or(i32::MAX));
            }
        }
        StrategyRef::BlueGreen(_) => {
            if !st
                .approvals
                .iter()
                .any(|a| a.revision == hash && a.step == blue_green::SWITCH_SKIPPING_ANALYSIS)
            {
                st.approvals.push(ApprovalRecord {
                    revision: hash,
                    step: blue_green::SWITCH_SKIPPING_ANALYSIS,
                    approved: true,
                    by: "ramp (undo or restart)".into(),
                    at: String::new(),
                    message: String::new(),
                    groups: Vec::new(),
                    promoted: true,
                });
            }
        }
        StrategyRef::RollingUpdate(_) => {}
    }
}

/// The ReplicaSet an undo goes back to.
fn undo_target<'a>(obs: &'a Observed, to: Option<u64>, running: &str) -> Result<&'a ReplicaSetView, String> {
    let live: Vec<&ReplicaSetView> =
        obs.replica_sets.iter().filter(|rs| !rs.deleting && rs.template_fingerprint.is_some()).collect();
    let kept = || {
        let mut n: Vec<u64> = live.iter().map(|rs| rs.revision).collect();
        n.sort_unstable();
        n.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
    };
    let target = match to {
        Some(n) => live
            .iter()
            .find(|rs| rs.revision == n || rs.revision_history.contains(&n))
            .copied()
            .ok_or_else(|| format!("revision {n} is not kept (kept: {})", kept()))?,
        None => {
            let stable = obs.rollout.status.stable_revision.as_deref().filter(|h| *h != running);
            let by_stable = stable.and_then(|h| live.iter().find(|rs| rs.pod_template_hash == h).copied());
            let current_rev =
                live.iter().find(|rs| rs.pod_template_hash == running).map_or(u64::MAX, |rs| rs.revision);
            by_stable
                .or_else(|| {
                    live.iter().filter(|rs| rs.revision < current_rev).max_by_key(|rs| rs.revision).copied()
                })
                .ok_or_else(|| "no earlier revision is kept".to_string())?
        }
    };
    if target.pod_template_hash == running {
        return Err(format!("revision {} is the one running", target.revision));
    }
    Ok(target)
}
