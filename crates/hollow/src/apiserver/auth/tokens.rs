//! The token table: static tokens (`--token-auth-file`, or added from Rust) and the
//! service-account tokens the server issued (TokenRequest).

use std::{
    collections::{BTreeMap, HashMap},
    path::Path,
    sync::RwLock,
};

use jiff::Timestamp;

use super::{UserInfo, csv};

/// A token file that cannot be loaded; the messages are kube-apiserver's.
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    /// The file cannot be read.
    #[error("cannot read token file '{path}': {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not valid CSV.
    #[error("token file '{path}': {source}")]
    Csv {
        /// The file.
        path: String,
        /// Where and why.
        source: csv::ParseError,
    },
    /// A record has fewer than three fields.
    #[error(
        "token file '{path}' must have at least 3 columns (token, user name, user uid), found {found} (line {line})"
    )]
    TooFewColumns {
        /// The file.
        path: String,
        /// Fields found.
        found: usize,
        /// Line of the record.
        line: usize,
    },
}

/// A service-account token the server issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    /// The ServiceAccount's namespace.
    pub namespace: String,
    /// The ServiceAccount's name.
    pub name: String,
    /// The ServiceAccount's uid when the token was issued (a token outlives no re-creation).
    pub uid: String,
    /// The token id (`jti`), shown as the credential id.
    pub id: String,
    /// Audiences it was issued for.
    pub audiences: Vec<String>,
    /// When it stops working (server clock).
    pub expires: Timestamp,
}

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Known {
    /// A static token: this user (groups as listed, `system:authenticated` not yet added).
    Static(UserInfo),
    /// A service-account token.
    Issued(IssuedToken),
}

/// Every token the server knows. Shared by the request path and the tests that add tokens.
/// It starts with [`super::ADMIN_TOKEN`] for the default admin.
#[derive(Debug)]
pub struct Tokens {
    static_tokens: RwLock<HashMap<String, UserInfo>>,
    issued: RwLock<HashMap<String, IssuedToken>>,
}

impl Default for Tokens {
    fn default() -> Self {
        let admin = UserInfo::new(super::DEFAULT_ADMIN, &[super::SYSTEM_MASTERS]);
        Self {
            static_tokens: RwLock::new(HashMap::from([(super::ADMIN_TOKEN.to_string(), admin)])),
            issued: RwLock::default(),
        }
    }
}

impl Clone for Tokens {
    fn clone(&self) -> Self {
        Self {
            static_tokens: RwLock::new(read(&self.static_tokens).clone()),
            issued: RwLock::new(read(&self.issued).clone()),
        }
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Tokens {
    /// Adds (or replaces) a static token for `user`, as a line `token,user,uid,"g1,g2"` of a
    /// token file would. `system:authenticated` is added when the token is used.
    pub fn add_token<G: AsRef<str>>(&self, token: &str, user: &str, uid: &str, groups: &[G]) {
        let info = UserInfo {
            name: user.to_string(),
            uid: uid.to_string(),
            groups: groups.iter().map(|g| g.as_ref().to_string()).collect(),
            extra: BTreeMap::new(),
        };
        write(&self.static_tokens).insert(token.to_string(), info);
    }

    /// Removes a static token; whether it was there.
    pub fn remove_token(&self, token: &str) -> bool {
        write(&self.static_tokens).remove(token).is_some()
    }

    /// Loads the records of a token file's text (`source` names it in errors); returns how many
    /// tokens were added. Like kube-apiserver: at least three columns, the fourth split on `,`
    /// into groups, records with an empty token skipped, a later duplicate wins; nothing is
    /// added when any record is refused.
    pub fn load_csv(&self, text: &str, source: &str) -> Result<usize, TokenFileError> {
        let records =
            csv::records(text).map_err(|e| TokenFileError::Csv { path: source.to_string(), source: e })?;
        let mut parsed = Vec::new();
        for (line, record) in records {
            if record.len() < 3 {
                return Err(TokenFileError::TooFewColumns {
                    path: source.to_string(),
                    found: record.len(),
                    line,
                });
            }
            if record[0].is_empty() {
                continue;
            }
            // Go's strings.Split: an empty fourth column is one empty group, as there.
            let groups: Vec<String> =
                record.get(3).map(|g| g.split(',').map(str::to_string).collect()).unwrap_or_default();
            parsed.push((record[0].clone(), record[1].clone(), record[2].clone(), groups));
        }
        for (token, user, uid, groups) in &parsed {
            self.add_token(token, user, uid, groups);
        }
        Ok(parsed.len())
    }

    /// Reads and loads a token file (`--token-auth-file`).
    pub fn load_file(&self, path: &Path) -> Result<usize, TokenFileError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| TokenFileError::Read { path: shown.clone(), source: e })?;
        self.load_csv(&text, &shown)
    }

    /// Adds every static token of `other` (a token file read before the server started).
    pub fn add_all(&self, other: &Tokens) {
        let theirs = read(&other.static_tokens).clone();
        write(&self.static_tokens).extend(theirs);
    }

    /// Records a service-account token.
    pub fn issue(&self, token: &str, issued: IssuedToken) {
        write(&self.issued).insert(token.to_string(), issued);
    }

    /// What `token` is, if the server knows it.
    pub fn lookup(&self, token: &str) -> Option<Known> {
        if let Some(user) = read(&self.static_tokens).get(token) {
            return Some(Known::Static(user.clone()));
        }
        read(&self.issued).get(token).cloned().map(Known::Issued)
    }
}
