//! Who a credential belongs to, kept per instance so that a request carrying a token costs
//! no database round trip. An entry is stamped with the read cache's data generation when
//! its lookup began and is used only while that generation holds: any write through this
//! instance drops it at once, and a change made elsewhere (a revoked token, a disabled user,
//! new agencies) within the read cache's window. With the read cache off, or while no reads
//! keep its watcher checking, every request looks its caller up.

use super::jwt::Claims;
use crate::db::Db;
use crate::db::cached_sql::sql;
use crate::db::schema::{api_tokens, users};
use crate::domain::{Role, TokenAccess};
use crate::error::ApiError;
use crate::read_cache::ReadCache;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::Array;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// What authorizes a caller's requests.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Uuid,
    pub email: Arc<str>,
    pub role: Role,
    /// The agencies the user belongs to (empty: none).
    pub agencies: Arc<[Uuid]>,
    /// Set when the caller presented a machine token.
    pub token: Option<TokenGrant>,
}

/// What a machine token adds to its owner's rights: limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenGrant {
    pub id: Uuid,
    pub access: TokenAccess,
    pub report: Option<Uuid>,
    /// The last day (UTC) the token works.
    pub expires_on: NaiveDate,
}

/// A verified credential: a signed session token's subject, or a machine token's hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    Session { user: Uuid, generation: i32 },
    Machine([u8; 32]),
}

/// Cheap to clone: every worker shares the same entries.
#[derive(Clone)]
pub struct Principals {
    data: ReadCache,
    shared: Arc<Mutex<Entries>>,
}

#[derive(Default)]
struct Entries {
    known: HashMap<Credential, (u64, Option<Principal>)>,
    /// Session tokens whose signature was verified, with their expiry (Unix seconds): the same
    /// bytes carry the same signature, so it is checked once, not on every request.
    verified: HashMap<Box<str>, (Credential, i64)>,
    /// When each machine token's `last_used_at` was last written from here.
    used: HashMap<Uuid, Instant>,
}

/// Bounds memory under a flood of distinct (mostly invalid) credentials.
const MAX_ENTRIES: usize = 10_000;
/// `last_used_at` is kept to this precision: a write per use would move the data
/// generation, and with it every cached read, on every token request.
pub const LAST_USED_PRECISION: Duration = Duration::from_secs(60);

impl Principals {
    pub fn new(data: ReadCache) -> Self {
        Self {
            data,
            shared: Arc::default(),
        }
    }

    /// The principal behind `credential` (`None`: it authorizes nothing), from memory when
    /// the data has not changed since it was looked up, else from `conn`'s database.
    pub async fn resolve(
        &self,
        db: &Db,
        credential: Credential,
    ) -> Result<Option<Principal>, ApiError> {
        // Only while reads keep the watcher checking: a lone write is no reason to wake it
        // (and hold its connection), and a write's own statements dwarf this lookup.
        let generation = self.data.current_generation();
        if let Some(generation) = generation
            && let Some(kept) = self.kept(&credential, generation)
        {
            return Ok(kept);
        }
        let mut conn = db.conn().await?;
        let loaded = load(&mut conn, &credential).await?;
        if let (Some(generation), Ok(mut entries)) = (generation, self.shared.lock()) {
            if entries.known.len() >= MAX_ENTRIES {
                entries.known.clear();
            }
            entries
                .known
                .insert(credential, (generation, loaded.clone()));
        }
        Ok(loaded)
    }

    fn kept(&self, credential: &Credential, generation: u64) -> Option<Option<Principal>> {
        let entries = self.shared.lock().ok()?;
        let (kept_at, principal) = entries.known.get(credential)?;
        (*kept_at == generation).then(|| principal.clone())
    }

    /// The credential a session token (JWT) stands for: from memory when these exact bytes
    /// were verified before and have not expired since, else as `verify` finds it.
    pub fn session(
        &self,
        token: &str,
        verify: impl FnOnce(&str) -> Option<Claims>,
    ) -> Option<Credential> {
        let now = chrono::Utc::now().timestamp();
        if let Ok(entries) = self.shared.lock()
            && let Some((credential, expires)) = entries.verified.get(token)
            && now < *expires
        {
            return Some(credential.clone());
        }
        let claims = verify(token)?;
        let credential = Credential::Session {
            user: claims.sub,
            generation: claims.generation,
        };
        if let Ok(mut entries) = self.shared.lock() {
            if entries.verified.len() >= MAX_ENTRIES {
                entries.verified.clear();
            }
            entries
                .verified
                .insert(token.into(), (credential.clone(), claims.exp));
        }
        Some(credential)
    }

    /// Whether this use of token `id` should be written as its `last_used_at` (at most once
    /// per [`LAST_USED_PRECISION`] per instance).
    pub fn note_use(&self, id: Uuid) -> bool {
        let Ok(mut entries) = self.shared.lock() else {
            return false;
        };
        let now = Instant::now();
        match entries.used.get(&id) {
            Some(at) if now.duration_since(*at) < LAST_USED_PRECISION => false,
            _ => {
                if entries.used.len() >= MAX_ENTRIES {
                    entries.used.clear();
                }
                entries.used.insert(id, now);
                true
            }
        }
    }
}

/// A token and its owner: token id, access, report, last day; user id, email, role, agencies.
type TokenRow = (
    Uuid,
    TokenAccess,
    Option<Uuid>,
    NaiveDate,
    Uuid,
    String,
    Role,
    Vec<Uuid>,
);

/// The user's agencies, read in the statement that reads the user (one round trip).
fn agencies_of_user()
-> crate::db::cached_sql::Sql<Array<diesel::sql_types::Uuid>, crate::db::cached_sql::Start> {
    sql("ARRAY(SELECT ua.agency_id FROM user_agencies ua WHERE ua.user_id = users.id ORDER BY 1)")
}

async fn load(
    conn: &mut AsyncPgConnection,
    credential: &Credential,
) -> QueryResult<Option<Principal>> {
    let (user_id, email, role, agencies, token) = match credential {
        Credential::Session { user, generation } => {
            let found: Option<(String, Role, Vec<Uuid>)> = users::table
                .find(user)
                .filter(users::disabled.eq(false))
                .filter(users::token_generation.eq(generation))
                .select((users::email, users::role, agencies_of_user()))
                .first(conn)
                .await
                .optional()?;
            let Some((email, role, agencies)) = found else {
                return Ok(None);
            };
            (*user, email, role, agencies, None)
        }
        Credential::Machine(hash) => {
            let found: Option<TokenRow> = api_tokens::table
                .inner_join(users::table)
                .filter(api_tokens::token_hash.eq(&hash[..]))
                .filter(users::disabled.eq(false))
                .select((
                    api_tokens::id,
                    api_tokens::access,
                    api_tokens::report_id,
                    api_tokens::expires_on,
                    users::id,
                    users::email,
                    users::role,
                    agencies_of_user(),
                ))
                .first(conn)
                .await
                .optional()?;
            let Some((id, access, report, expires_on, user, email, role, agencies)) = found else {
                return Ok(None);
            };
            let grant = TokenGrant {
                id,
                access,
                report,
                expires_on,
            };
            (user, email, role, agencies, Some(grant))
        }
    };
    Ok(Some(Principal {
        user_id,
        email: email.into(),
        role,
        agencies: agencies.into(),
        token,
    }))
}

/// Writes a machine token's `last_used_at`.
pub async fn record_use(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::jwt::JwtKeys;
    use crate::config::Secret;
    use std::cell::Cell;

    #[test]
    fn a_session_token_is_verified_once_and_never_past_its_expiry() {
        let principals = Principals::new(ReadCache::default());
        let keys = JwtKeys::new(
            &Secret::new("0123456789abcdef0123456789abcdef"),
            Duration::from_secs(60),
        );
        let user = Uuid::new_v4();
        let token = keys.issue(user, Role::Analyst, 2).expect("token");
        let verified = Cell::new(0);
        let verify = |t: &str| {
            verified.set(verified.get() + 1);
            keys.verify(t)
        };
        let expected = Credential::Session {
            user,
            generation: 2,
        };
        assert_eq!(principals.session(&token, verify), Some(expected.clone()));
        assert_eq!(principals.session(&token, verify), Some(expected));
        assert_eq!(verified.get(), 1, "the signature is checked once");
        assert_eq!(principals.session("not a token", verify), None);
        // A kept entry past its expiry is verified again (and then refused).
        if let Ok(mut entries) = principals.shared.lock()
            && let Some(entry) = entries.verified.get_mut(token.as_str())
        {
            entry.1 = chrono::Utc::now().timestamp() - 1;
        }
        let before = verified.get();
        principals.session(&token, verify);
        assert_eq!(verified.get(), before + 1);
    }
}
