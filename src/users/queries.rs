//! User reads and writes. `User` never derives `Debug`/`Serialize`: it holds the hash.

use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::users;
use crate::domain::Role;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    pub token_generation: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
}

/// Fields an admin may change; a new hash or disabling also bumps the token generation.
#[derive(Default)]
pub struct UserChanges {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// Users by email, keyset after `after_email`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after_email: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let mut query = users::table
        .select(User::as_select())
        .order(users::email.asc())
        .into_boxed();
    if let Some(after) = after_email {
        query = query.filter(users::email.gt(after));
    }
    query.literal_limit(limit + 1).load(conn).await
}

/// Applies `changes` when the row is still at `expected_version`; `None` when it is not
/// (or is gone).
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    expected_version: i32,
    changes: &UserChanges,
    revoke_tokens: bool,
) -> QueryResult<Option<User>> {
    diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::version.eq(expected_version)),
    )
    .set((
        changes.role.map(|r| users::role.eq(r)),
        changes.disabled.map(|d| users::disabled.eq(d)),
        changes
            .password_hash
            .as_ref()
            .map(|h| users::password_hash.eq(h)),
        users::token_generation.eq(users::token_generation + if revoke_tokens { 1 } else { 0 }),
        users::version.eq(users::version + 1),
        users::updated_at.eq(diesel::dsl::now),
    ))
    .returning(User::as_returning())
    .get_result(conn)
    .await
    .optional()
}
