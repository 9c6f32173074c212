//! Proportional scaling (the Deployment controller's `sync`/`scale`): when `spec.replicas`
//! changes mid-rollout, every active ReplicaSet grows or shrinks in proportion to its size,
//! so the rollout keeps its shape instead of dumping the change onto one revision.

use super::{budget::DisruptionLedger, observed::ReplicaSetView, replicas::Limits, working::Working};

/// Whether `spec.replicas` changed since the active ReplicaSets were last sized: one of them
/// carries a desired-replicas annotation different from it.
pub fn is_scaling_event(w: &Working, replicas: i32) -> bool {
    w.rss.iter().filter(|rs| rs.replicas > 0).any(|rs| rs.desired_replicas.is_some_and(|d| d != replicas))
}

/// Resizes the active ReplicaSets for a new `spec.replicas`. `target` is the revision being
/// rolled to; `prior_replicas` is the Rollout's last `status.replicas` (used when a
/// ReplicaSet has no max-replicas annotation). Shrinking old ReplicaSets because the target is
/// saturated goes through the disruption ledger; shrinking because `spec.replicas` went down
/// is the user's own request and does not.
pub fn scale(
    w: &mut Working,
    target: Option<&str>,
    limits: Limits,
    prior_replicas: i32,
    observed: &[ReplicaSetView],
    ledger: &mut DisruptionLedger<'_>,
) {
    let active: Vec<ReplicaSetView> = w.rss.iter().filter(|rs| rs.replicas > 0).cloned().collect();
    if active.len() <= 1 {
        // One active ReplicaSet (or none: the target, else the newest) takes the whole count.
        let chosen = active
            .first()
            .map(|rs| rs.name.clone())
            .or_else(|| target.map(str::to_string).or_else(|| w.rss.last().map(|rs| rs.name.clone())));
        if let Some(name) = chosen {
            w.scale(&name, limits.replicas);
        }
        return;
    }

    if let Some(t) = target.and_then(|t| w.get(t))
        && t.replicas == limits.replicas
        && t.desired_replicas == Some(limits.replicas)
        && t.countable_available() == limits.replicas
    {
        // The target is saturated: the old ReplicaSets are surplus.
        for rs in active.iter().filter(|rs| Some(rs.name.as_str()) != target) {
            let to = match observed.iter().find(|o| o.name == rs.name) {
                Some(o) => ledger.clamp_scale_down(o, 0),
                None => 0,
            };
            w.scale(&rs.name, to);
        }
        return;
    }

    let allowed = if limits.replicas > 0 { limits.max_total() } else { 0 };
    let current: i32 = active.iter().map(|rs| rs.replicas).sum();
    let to_add = allowed - current;
    let mut order = active.clone();
    // Larger first; ties: newer first when growing, older first when shrinking; then name.
    order.sort_by(|a, b| {
        b.replicas.cmp(&a.replicas).then_with(|| {
            let age = a.created.cmp(&b.created).then_with(|| a.name.cmp(&b.name));
            if to_add > 0 { age.reverse() } else { age }
        })
    });
    let mut added = 0;
    let mut sizes: Vec<(String, i32)> = Vec::with_capacity(order.len());
    for rs in &order {
        let proportion = proportion(rs, limits, prior_replicas, to_add, added);
        sizes.push((rs.name.clone(), rs.replicas + proportion));
        added += proportion;
    }
    if let Some(first) = sizes.first_mut() {
        first.1 = (first.1 + to_add - added).max(0);
    }
    for (name, size) in sizes {
        w.scale(&name, size);
    }
}

/// `getProportion`: this ReplicaSet's share of `to_add`, bounded by what is left.
fn proportion(rs: &ReplicaSetView, limits: Limits, prior_replicas: i32, to_add: i32, added: i32) -> i32 {
    if rs.replicas == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = if limits.replicas == 0 {
        -rs.replicas
    } else {
        let annotated = rs.max_replicas.unwrap_or(prior_replicas);
        if annotated <= 0 {
            return 0;
        }
        let scaled = f64::from(rs.replicas) * f64::from(limits.max_total()) / f64::from(annotated);
        // Go's math.Round: half away from zero, which f64::round also does.
        scaled.round() as i32 - rs.replicas
    };
    let left = to_add - added;
    if to_add > 0 { fraction.min(left) } else { fraction.max(left) }
}
