//! The ReplicaSet sizes a plan is building: starts from what was observed, records each
//! change, and turns the final sizes into one scale action per ReplicaSet.

use std::collections::BTreeMap;

use super::{
    action::{Action, ScaleReplicaSet},
    observed::ReplicaSetView,
    replicas::Limits,
    revision::by_age,
};

/// Planned sizes over the live (not deleting) ReplicaSets, oldest first.
#[derive(Clone, Debug)]
pub struct Working {
    /// Views with `replicas` set to the planned size.
    pub rss: Vec<ReplicaSetView>,
    observed: BTreeMap<String, i32>,
    touched: Vec<String>,
    limits: Limits,
}

impl Working {
    /// Starts from the observed ReplicaSets.
    pub fn new(observed: &[ReplicaSetView], limits: Limits) -> Self {
        let mut rss: Vec<ReplicaSetView> = observed.iter().filter(|rs| !rs.deleting).cloned().collect();
        rss.sort_by(by_age);
        let observed = rss.iter().map(|rs| (rs.name.clone(), rs.replicas)).collect();
        Self { rss, observed, touched: Vec::new(), limits }
    }

    /// Adds a ReplicaSet this plan creates (already at its initial size; not a scale).
    pub fn add_created(&mut self, rs: ReplicaSetView) {
        self.observed.insert(rs.name.clone(), rs.replicas);
        self.rss.push(rs);
    }

    /// A ReplicaSet by name.
    pub fn get(&self, name: &str) -> Option<&ReplicaSetView> {
        self.rss.iter().find(|rs| rs.name == name)
    }

    /// Planned size of a ReplicaSet (0 if unknown).
    pub fn size(&self, name: &str) -> i32 {
        self.get(name).map_or(0, |rs| rs.replicas)
    }

    /// Sum of planned sizes.
    pub fn total(&self) -> i32 {
        self.rss.iter().map(|rs| rs.replicas).sum()
    }

    /// The ReplicaSets other than `target`, oldest first.
    pub fn others(&self, target: Option<&str>) -> Vec<ReplicaSetView> {
        self.rss.iter().filter(|rs| Some(rs.name.as_str()) != target).cloned().collect()
    }

    /// Plans `name` at `to` replicas (also refreshing its scaling annotations).
    pub fn scale(&mut self, name: &str, to: i32) {
        if let Some(rs) = self.rss.iter_mut().find(|rs| rs.name == name) {
            rs.replicas = to.max(0);
            if !self.touched.iter().any(|t| t == name) {
                self.touched.push(name.to_string());
            }
        }
    }

    /// Whether any size differs from what was observed.
    pub fn scaled_any(&self) -> bool {
        self.rss.iter().any(|rs| self.observed.get(&rs.name) != Some(&rs.replicas))
    }

    /// Whether any planned size is above the observed one.
    pub fn scaled_up_any(&self) -> bool {
        self.rss.iter().any(|rs| self.observed.get(&rs.name).is_some_and(|o| rs.replicas > *o))
    }

    /// One scale action per touched ReplicaSet whose size or annotations change (no event per
    /// scale: the ReplicaSets carry their sizes, and an event per wave doubled the writes of a
    /// rollout; transitions still get theirs).
    pub fn into_actions(self) -> Vec<Action> {
        let mut actions = Vec::new();
        for name in &self.touched {
            let (Some(rs), Some(from)) = (self.get(name), self.observed.get(name).copied()) else {
                continue;
            };
            let annotations_current = rs.desired_replicas == Some(self.limits.replicas)
                && rs.max_replicas == Some(self.limits.max_total());
            if rs.replicas == from && annotations_current {
                continue;
            }
            actions.push(Action::ScaleReplicaSet(ScaleReplicaSet {
                name: rs.name.clone(),
                from,
                to: rs.replicas,
                desired_replicas: self.limits.replicas,
                max_replicas: self.limits.max_total(),
            }));
        }
        actions
    }
}
