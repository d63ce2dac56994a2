//! Token writes, each one transaction with its audit event. The audit log keeps the token's
//! settings, never the token or its hash.

use super::model::{ApiToken, NewApiToken, TokenInput};
use super::queries;
use crate::audit::commands::{record, snapshot};
use crate::audit::model::{Actor, Change};
use crate::db::schema::api_tokens;
use crate::error::ApiError;
use crate::reports::model::ReportRef;
use crate::reports::queries::resolve;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

const RESOURCE: &str = "api_token";

/// Stores a token for the actor, of which only `hash` is kept.
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    input: &TokenInput,
    hash: &[u8; 32],
) -> Result<ApiToken, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let report_id = match &input.report {
            None => None,
            Some(reference) => Some(resolve(conn, reference).await?.ok_or_else(|| {
                let named = match reference {
                    ReportRef::Id(id) => id.to_string(),
                    ReportRef::Slug(slug) => slug.clone(),
                };
                ApiError::invalid("/report", format!("no report {named}"))
            })?),
        };
        let created: ApiToken = diesel::insert_into(api_tokens::table)
            .values(NewApiToken {
                user_id: actor.id,
                name: &input.name,
                access: input.access,
                report_id,
                token_hash: hash,
                expires_on: input.expires_on,
            })
            .returning(ApiToken::as_returning())
            .get_result(conn)
            .await?;
        record(
            conn,
            Some(actor),
            Change {
                action: "create_token",
                entity_type: RESOURCE,
                entity_id: created.id,
                before: None,
                after: snapshot(&created),
            },
        )
        .await?;
        Ok(created)
    })
    .await
}

/// Revokes token `id`: its owner's or, for an admin, anyone's (404 otherwise, so tokens of
/// others are not disclosed).
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    any_owner: bool,
) -> Result<(), ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let token = queries::find(conn, id)
            .await?
            .filter(|t| any_owner || t.user_id == actor.id)
            .ok_or_else(|| ApiError::not_found("token", id))?;
        diesel::delete(api_tokens::table.find(id))
            .execute(conn)
            .await?;
        record(
            conn,
            Some(actor),
            Change {
                action: "revoke_token",
                entity_type: RESOURCE,
                entity_id: id,
                before: snapshot(&token),
                after: None,
            },
        )
        .await?;
        Ok(())
    })
    .await
}
