//! The audit log: every write request, who made it and the answer, kept as a bounded ring of
//! the newest [`AUDIT_CAP`] entries (the oldest go first, in constant time).

use axum::http::Method;

use super::{ApiServer, auth::UserInfo};

/// Audit log cap: older entries are dropped beyond it.
pub const AUDIT_CAP: usize = 100_000;

/// One audited write request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Local time it was answered.
    pub at: std::time::SystemTime,
    /// `User-Agent` header.
    pub user_agent: String,
    /// The user the request was authenticated as (`""` when authentication failed).
    pub user: String,
    /// That user's groups.
    pub groups: Vec<String>,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// Response status.
    pub code: u16,
}

impl ApiServer {
    /// Appends to the audit log, dropping the oldest entry when it is full. `user` is None
    /// for a request refused before it was authenticated.
    pub fn record_audit(
        &self,
        user_agent: String,
        user: Option<&UserInfo>,
        method: &Method,
        path: &str,
        code: u16,
    ) {
        let entry = AuditEntry {
            #[allow(clippy::disallowed_methods)] // audit timestamps are wall-clock by nature
            at: std::time::SystemTime::now(),
            user_agent,
            user: user.map(|u| u.name.clone()).unwrap_or_default(),
            groups: user.map(|u| u.groups.clone()).unwrap_or_default(),
            method: method.to_string(),
            path: path.to_string(),
            code,
        };
        let mut log = self.audit.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if log.len() >= AUDIT_CAP {
            log.pop_front();
        }
        log.push_back(entry);
    }
}
