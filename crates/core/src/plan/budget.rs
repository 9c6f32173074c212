//! The disruption ledger: how many Ready pods a plan may still take away, per
//! PodDisruptionBudget that selects them.
//!
//! Guarantees: the Ready pods removed by all the scale-downs one plan makes never exceed
//! `status.disruptionsAllowed` of any budget selecting those pods. A budget whose status is
//! stale (observedGeneration behind) or whose selector cannot be evaluated allows nothing; a
//! budget that cannot be read at all covers every pod and allows nothing.
//!
//! Assumptions: a ReplicaSet shrinking from `r` to `t` pods deletes not-Ready pods first, as
//! the ReplicaSet controller does, so it removes `max(0, ready - t)` Ready pods.
//!
//! A budget's status lags the pods it counts. Ready pods a ReplicaSet no longer holds (its
//! size was lowered, the pods are going) may still be in `currentHealthy` and in
//! `disruptionsAllowed`; spending that allowance again would overdraw it. So the allowance
//! used is `disruptionsAllowed - max(0, currentHealthy - ready pods the covered ReplicaSets
//! can still count on)`: exact when the budget covers only this rollout's pods, conservative
//! when it covers others too.
//!
//! Caveats: this is check-then-act. A drain running at the same moment spends the same
//! budget; only evictions reserve budget atomically.

use std::collections::BTreeMap;

use super::observed::{DisruptionBudgetView, ReplicaSetView};
use crate::api::selector;

/// A scale-down held back by a budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// The budget that allowed the least.
    pub budget: String,
    /// ReplicaSet that was held back.
    pub replica_set: String,
    /// Pods the rolling maths wanted gone.
    pub wanted: i32,
    /// Pods actually removed.
    pub removed: i32,
    /// Why the budget cannot be read, when that is what holds the scale-down.
    pub unreadable: Option<String>,
}

/// Whether a budget selects the pods of a ReplicaSet; a selector that cannot be evaluated
/// counts as selecting them, so it holds scale-downs back rather than letting them through.
fn covers(b: &DisruptionBudgetView, rs: &ReplicaSetView) -> bool {
    b.unreadable.is_some()
        || b.selector.as_ref().is_some_and(|s| selector::matches(s, &rs.template_labels).unwrap_or(true))
}

/// Remaining allowance per budget, spent as the plan scales down.
#[derive(Clone, Debug)]
pub struct DisruptionLedger<'a> {
    budgets: &'a [DisruptionBudgetView],
    remaining: Vec<i32>,
    spent_by_rs: BTreeMap<String, i32>,
    /// The first scale-down a budget held back, if any.
    pub blocked: Option<Blocked>,
}

impl<'a> DisruptionLedger<'a> {
    /// A ledger with every budget's allowance, corrected for pods already on their way out.
    pub fn new(budgets: &'a [DisruptionBudgetView], replica_sets: &[ReplicaSetView]) -> Self {
        let remaining = budgets
            .iter()
            .map(|b| {
                if !b.status_current || b.unreadable.is_some() {
                    return 0;
                }
                let ours: i32 = replica_sets
                    .iter()
                    .filter(|rs| !rs.deleting && covers(b, rs))
                    .map(ReplicaSetView::countable_ready)
                    .sum();
                let in_flight = (b.current_healthy - ours).max(0);
                (b.disruptions_allowed - in_flight).max(0)
            })
            .collect();
        Self { budgets, remaining, spent_by_rs: BTreeMap::new(), blocked: None }
    }

    fn covering(&self, rs: &ReplicaSetView) -> Vec<usize> {
        self.budgets.iter().enumerate().filter(|(_, b)| covers(b, rs)).map(|(i, _)| i).collect()
    }

    /// Clamps a scale-down of `rs` to `target` replicas so no covering budget is exceeded,
    /// spends the allowance, and returns the size to use.
    pub fn clamp_scale_down(&mut self, rs: &ReplicaSetView, target: i32) -> i32 {
        let covering = self.covering(rs);
        let ready = rs.countable_ready();
        let spent = self.spent_by_rs.get(&rs.name).copied().unwrap_or(0);
        let Some(allowance) = covering.iter().map(|i| self.remaining[*i]).min() else {
            return target;
        };
        // Ready pods removed when shrinking to t is max(0, ready - t), counted over the whole
        // plan for this ReplicaSet (it may be shrunk twice in one pass).
        let floor = (ready - spent - allowance).max(0);
        let clamped = target.max(floor);
        let removed_ready = (ready - clamped).max(0) - spent;
        for i in &covering {
            self.remaining[*i] -= removed_ready.max(0);
        }
        *self.spent_by_rs.entry(rs.name.clone()).or_default() += removed_ready.max(0);
        if clamped > target && self.blocked.is_none() {
            let tightest =
                covering.iter().min_by_key(|i| (self.remaining[**i], self.budgets[**i].unreadable.is_none()));
            let budget = tightest.map(|i| &self.budgets[*i]);
            self.blocked = Some(Blocked {
                budget: budget.map(|b| b.name.clone()).unwrap_or_default(),
                unreadable: budget.and_then(|b| b.unreadable.clone()),
                replica_set: rs.name.clone(),
                wanted: rs.replicas - target,
                removed: rs.replicas - clamped,
            });
        }
        clamped
    }
}
