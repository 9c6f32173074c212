//! The static token file of `ramp demo`: lines `token,user,group,group...`, each token with
//! full rights on every Rollout. Made for a demo on a laptop, where there is no identity
//! provider to ask; a production dashboard authenticates with TokenReview only. When a file
//! is given, its tokens are recognised first and never sent to the API server; any other
//! token is reviewed by the Kubernetes reviewer behind it.

use std::{collections::HashMap, path::Path, sync::Arc};

use futures::{FutureExt, future::BoxFuture};

use super::{
    auth::{Access, Identity, ReviewError, Reviewer, Source},
    cache::{Key, key},
};

/// Why a token file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    /// It cannot be read.
    #[error("cannot read the dashboard token file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not `token,user,groups...`.
    #[error("dashboard token file, line {line}: {problem} (each line is token,user,group,group...)")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: &'static str,
    },
    /// No token in it.
    #[error("the dashboard token file {0} holds no token")]
    Empty(String),
}

/// Tokens from a file, by digest.
#[derive(Clone, Debug, Default)]
pub struct StaticTokens {
    users: HashMap<Key, Identity>,
}

impl StaticTokens {
    /// Reads a token file.
    pub fn read(path: &Path) -> Result<Self, TokenFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| TokenFileError::Read { path: path.display().to_string(), source })?;
        let tokens = Self::parse(&text)?;
        if tokens.users.is_empty() {
            return Err(TokenFileError::Empty(path.display().to_string()));
        }
        Ok(tokens)
    }

    /// Parses a token file's text (blank lines and `#` comments are skipped).
    pub fn parse(text: &str) -> Result<Self, TokenFileError> {
        let mut users = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |problem| TokenFileError::Line { line: i + 1, problem };
            let mut fields = line.split(',').map(str::trim);
            let token = fields.next().filter(|t| !t.is_empty()).ok_or_else(|| bad("empty token"))?;
            let user = fields.next().filter(|u| !u.is_empty()).ok_or_else(|| bad("no user"))?;
            let groups = fields.filter(|g| !g.is_empty()).map(str::to_string).collect();
            let identity = Identity {
                username: user.into(),
                uid: String::new(),
                groups,
                extra: Default::default(),
                source: Source::TokenFile,
            };
            if users.insert(digest(token), identity).is_some() {
                return Err(bad("the same token twice"));
            }
        }
        Ok(Self { users })
    }

    /// Users in the file.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether the file has no users.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

fn digest(token: &str) -> Key {
    key(&[b"static", token.as_bytes()])
}

/// The file's tokens first, then (if any) another reviewer for every other token.
pub struct Layered {
    tokens: StaticTokens,
    next: Option<Arc<dyn Reviewer>>,
}

impl Layered {
    /// `tokens`, falling back to `next`.
    pub fn new(tokens: StaticTokens, next: Option<Arc<dyn Reviewer>>) -> Self {
        Self { tokens, next }
    }
}

impl Reviewer for Layered {
    fn authenticate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<Identity>, ReviewError>> {
        async move {
            // Looked up by digest: no byte-by-byte comparison with a secret to time.
            if let Some(who) = self.tokens.users.get(&digest(token)) {
                return Ok(Some(who.clone()));
            }
            match &self.next {
                Some(next) => next.authenticate(token).await,
                None => Ok(None),
            }
        }
        .boxed()
    }

    fn authorize<'a>(
        &'a self,
        who: &'a Identity,
        what: &'a Access,
    ) -> BoxFuture<'a, Result<bool, ReviewError>> {
        async move {
            match (who.source, &self.next) {
                (Source::TokenFile, _) => Ok(true),
                (Source::Kubernetes, Some(next)) => next.authorize(who, what).await,
                (Source::Kubernetes, None) => Ok(false),
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::auth::Verb;

    #[tokio::test]
    async fn file_tokens_have_full_rights_and_others_are_passed_on() {
        let tokens =
            StaticTokens::parse("# demo users\n\ns3cret,alice,ops, release \nviewer-token,bob\n").unwrap();
        assert_eq!(tokens.len(), 2);
        let r = Layered::new(tokens, None);
        let alice = r.authenticate("s3cret").await.unwrap().unwrap();
        assert_eq!(
            (alice.username.as_str(), alice.groups.clone()),
            ("alice", vec!["ops".into(), "release".into()])
        );
        assert_eq!(alice.source, Source::TokenFile);
        assert!(r.authorize(&alice, &Access::on(Verb::Abort, "shop", "web")).await.unwrap());
        assert!(r.authenticate("s3cre").await.unwrap().is_none());
        let outsider = Identity { source: Source::Kubernetes, ..alice };
        assert!(
            !r.authorize(&outsider, &Access::list("")).await.unwrap(),
            "no reviewer behind: nothing allowed"
        );
    }

    #[test]
    fn bad_lines_are_named() {
        let e = StaticTokens::parse("ok,alice\n,bob\n").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("empty token"), "{e}");
        let e = StaticTokens::parse("t\n").unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("no user"), "{e}");
        let e = StaticTokens::parse("t,a\nt,b\n").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("twice"), "{e}");
    }
}
