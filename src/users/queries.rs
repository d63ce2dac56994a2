//! User reads.

use super::model::User;
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::users;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
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
