//! The resource types the hollow API server serves: the built-in kinds, and every resource a
//! CustomResourceDefinition adds (registered when the CRD is created, removed when deleted).

use std::{
    collections::BTreeMap,
    sync::{Arc, RwLock},
};

use serde_json::Value;

use super::{builtins, store::ResourceId};

/// Where the scale subresource reads and writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalePaths {
    /// JSON path of the desired replicas, e.g. `.spec.replicas`.
    pub spec_replicas: String,
    /// JSON path of the observed replicas, e.g. `.status.replicas`.
    pub status_replicas: String,
    /// JSON path of the selector string, if any.
    pub label_selector: Option<String>,
}

/// How a Table cell is computed.
#[derive(Clone, Debug)]
pub enum CellSource {
    /// A CRD `jsonPath`.
    JsonPath(String),
    /// A built-in column.
    Computed(fn(&Value, jiff::Timestamp) -> Value),
}

/// One printer column.
#[derive(Clone, Debug)]
pub struct Column {
    /// Header.
    pub name: String,
    /// OpenAPI type: string, integer, number, boolean, date.
    pub type_: String,
    /// Shown only with `-o wide` when > 0.
    pub priority: i32,
    /// Description.
    pub description: String,
    /// Value.
    pub source: CellSource,
}

/// One served resource type.
#[derive(Clone, Debug)]
pub struct ResourceDef {
    /// API group (`""` core).
    pub group: String,
    /// Served version.
    pub version: String,
    /// Plural name.
    pub plural: String,
    /// Singular name.
    pub singular: String,
    /// Kind.
    pub kind: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
    /// Short names.
    pub short_names: Vec<String>,
    /// Categories (`all`, `ramp`).
    pub categories: Vec<String>,
    /// Has a status subresource (main-resource writes leave status alone and vice versa).
    pub status: bool,
    /// Scale subresource.
    pub scale: Option<ScalePaths>,
    /// Pods: the eviction subresource.
    pub eviction: bool,
    /// ServiceAccounts: the token subresource (TokenRequest).
    pub token_request: bool,
    /// A review (TokenReview, SubjectAccessReview, ...): `create` is its only verb and nothing
    /// is stored.
    pub create_only: bool,
    /// A built-in kind (strategic merge patch allowed; list semantics from the built-in table).
    pub builtin: bool,
    /// `metadata.generation` counts spec changes.
    pub generation: bool,
    /// Structural schema (CRDs).
    pub schema: Option<Value>,
    /// The schema's CEL rules, compiled once when the CRD is served (None: no rules).
    pub rules: Option<std::sync::Arc<super::schema::Rules>>,
    /// Printer columns (NAME is implicit, AGE appended for built-ins).
    pub columns: Vec<Column>,
    /// Field selectors accepted besides metadata.name and metadata.namespace.
    pub selectable_fields: Vec<String>,
}

impl ResourceDef {
    /// The resource id.
    pub fn id(&self) -> ResourceId {
        ResourceId::new(&self.group, &self.plural)
    }

    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }

    /// `Kind.group` as the API server names it in messages (`Rollout.ramp.dev`).
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() { self.kind.clone() } else { format!("{}.{}", self.kind, self.group) }
    }

    /// `plural.group` as in RBAC and error messages (`replicasets.apps`).
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() { self.plural.clone() } else { format!("{}.{}", self.plural, self.group) }
    }
}

/// Every served resource type.
#[derive(Clone)]
pub struct Registry {
    defs: Arc<RwLock<BTreeMap<ResourceId, Arc<ResourceDef>>>>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// An independent copy of the served types (a CRD installed later in one is not
    /// served by the other).
    pub fn fork(&self) -> Self {
        let defs = self.defs.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        Self { defs: Arc::new(RwLock::new(defs)) }
    }

    /// The built-in kinds.
    pub fn new() -> Self {
        let defs = builtins::all().into_iter().map(|d| (d.id(), Arc::new(d))).collect();
        Self { defs: Arc::new(RwLock::new(defs)) }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<ResourceId, Arc<ResourceDef>>> {
        self.defs.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The resource served at `group/version/plural`.
    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceDef>> {
        self.read().get(&ResourceId::new(group, plural)).filter(|d| d.version == version).cloned()
    }

    /// The resource of a kind in a group.
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<Arc<ResourceDef>> {
        self.read().values().find(|d| d.group == group && d.kind == kind).cloned()
    }

    /// A resource by id, whatever its version.
    pub fn get(&self, id: &ResourceId) -> Option<Arc<ResourceDef>> {
        self.read().get(id).cloned()
    }

    /// All resource types.
    pub fn all(&self) -> Vec<Arc<ResourceDef>> {
        self.read().values().cloned().collect()
    }

    /// Adds or replaces a resource type (a CRD was created or changed).
    pub fn register(&self, def: ResourceDef) {
        self.defs.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(def.id(), Arc::new(def));
    }

    /// Removes a resource type (its CRD was deleted).
    pub fn unregister(&self, id: &ResourceId) {
        self.defs.write().unwrap_or_else(std::sync::PoisonError::into_inner).remove(id);
    }

    /// `(group, [versions])` in a stable order, core group excluded.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for d in self.read().values().filter(|d| !d.group.is_empty()) {
            let versions = groups.entry(d.group.clone()).or_default();
            if !versions.contains(&d.version) {
                versions.push(d.version.clone());
            }
        }
        groups.into_iter().collect()
    }
}

/// Reads a value at a simple JSON path (`.spec.replicas`, `.status.conditions[0].type`,
/// `.metadata.labels.app`) as printer columns and the scale subresource use them.
pub fn json_path<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = obj;
    for part in path.trim_start_matches('.').split('.').filter(|p| !p.is_empty()) {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        if !name.is_empty() {
            node = node.get(name)?;
        }
        if let Some(i) = index {
            node = node.get(i)?;
        }
    }
    Some(node)
}
