//! User reads.

use super::model::{Account, User};
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::{user_agencies, users};
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

/// The account `id` with its agencies.
pub async fn find_account(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Account>> {
    let Some(user) = find(conn, id).await? else {
        return Ok(None);
    };
    Ok(with_agencies(conn, vec![user]).await?.pop())
}

/// `users` with the agencies each belongs to, in the same order.
pub async fn with_agencies(
    conn: &mut AsyncPgConnection,
    users: Vec<User>,
) -> QueryResult<Vec<Account>> {
    let ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
    let pairs: Vec<(Uuid, Uuid)> = user_agencies::table
        .filter(user_agencies::user_id.eq_any(&ids))
        .select((user_agencies::user_id, user_agencies::agency_id))
        .order((user_agencies::user_id, user_agencies::agency_id))
        .load(conn)
        .await?;
    Ok(users
        .into_iter()
        .map(|user| Account {
            agency_ids: pairs
                .iter()
                .filter(|(u, _)| *u == user.id)
                .map(|(_, a)| *a)
                .collect(),
            user,
        })
        .collect())
}
