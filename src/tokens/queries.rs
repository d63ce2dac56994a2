//! Token reads.

use super::model::ApiToken;
use crate::db::literal_limit::LiteralLimitDsl;
use crate::db::schema::api_tokens;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ApiToken>> {
    api_tokens::table
        .find(id)
        .select(ApiToken::as_select())
        .first(conn)
        .await
        .optional()
}

/// Tokens oldest first, of `owner` only when given; fetches `limit + 1`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    owner: Option<Uuid>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ApiToken>> {
    let mut query = api_tokens::table
        .select(ApiToken::as_select())
        .order((api_tokens::created_at.asc(), api_tokens::id.asc()))
        .into_boxed();
    if let Some(owner) = owner {
        query = query.filter(api_tokens::user_id.eq(owner));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            api_tokens::created_at
                .gt(at)
                .or(api_tokens::created_at.eq(at).and(api_tokens::id.gt(id))),
        );
    }
    query.literal_limit(limit + 1).load(conn).await
}
