//! Account writes, each one transaction with its audit event. The HTTP handlers and the
//! command line both create accounts here.

use super::model::{Account, NewUser, User, UserChanges};
use super::queries;
use crate::agencies::commands::ensure_exist as ensure_agencies_exist;
use crate::audit::commands::{record, snapshot};
use crate::audit::model::{Actor, Change};
use crate::db::schema::{user_agencies, users};
use crate::error::ApiError;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

/// What the audit log keeps of an account: never the hash.
#[derive(Serialize)]
struct Audited<'a> {
    id: Uuid,
    email: &'a str,
    role: crate::domain::Role,
    disabled: bool,
    agency_ids: &'a [Uuid],
    version: i32,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

fn audited(account: &Account) -> Option<serde_json::Value> {
    let u = &account.user;
    snapshot(&Audited {
        id: u.id,
        email: &u.email,
        role: u.role,
        disabled: u.disabled,
        agency_ids: &account.agency_ids,
        version: u.version,
        created_at: u.created_at,
        updated_at: u.updated_at,
    })
}

/// Replaces the user's agencies with `agency_ids` (422 at `/agency_ids` for an unknown one).
async fn set_agencies(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    agency_ids: &[Uuid],
) -> Result<Vec<Uuid>, ApiError> {
    ensure_agencies_exist(conn, "/agency_ids", agency_ids).await?;
    diesel::delete(user_agencies::table.filter(user_agencies::user_id.eq(user)))
        .execute(conn)
        .await?;
    let mut ids = agency_ids.to_vec();
    ids.sort();
    ids.dedup();
    let rows: Vec<_> = ids
        .iter()
        .map(|a| {
            (
                user_agencies::user_id.eq(user),
                user_agencies::agency_id.eq(a),
            )
        })
        .collect();
    diesel::insert_into(user_agencies::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(ids)
}

/// Creates an account belonging to `agency_ids`; `actor` is `None` from the command line.
pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Option<Actor<'_>>,
    new: NewUser<'_>,
    agency_ids: &[Uuid],
) -> Result<Account, ApiError> {
    let email = new.email;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let created: User = diesel::insert_into(users::table)
            .values(new)
            .returning(User::as_returning())
            .get_result(conn)
            .await
            .map_err(ApiError::conflict_as(format!(
                "a user with email {email} exists"
            )))?;
        let agency_ids = set_agencies(conn, created.id, agency_ids).await?;
        let created = Account {
            user: created,
            agency_ids,
        };
        record(
            conn,
            actor,
            Change {
                action: "create_user",
                entity_type: "user",
                entity_id: created.user.id,
                before: None,
                after: audited(&created),
            },
        )
        .await?;
        Ok(created)
    })
    .await
}

/// Applies `changes` when the account is still at `expected` version.
pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    changes: &UserChanges,
) -> Result<Account, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = queries::find_account(conn, id)
            .await?
            .ok_or_else(|| ApiError::not_found("user", id))?;
        let updated = diesel::update(
            users::table
                .filter(users::id.eq(id))
                .filter(users::version.eq(expected)),
        )
        .set((
            changes.role.map(|r| users::role.eq(r)),
            changes.disabled.map(|d| users::disabled.eq(d)),
            changes
                .password_hash
                .as_ref()
                .map(|h| users::password_hash.eq(h)),
            users::token_generation
                .eq(users::token_generation + i32::from(changes.revokes_tokens())),
            users::version.eq(users::version + 1),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .optional()?
        .ok_or(ApiError::PreconditionFailed)?;
        let agency_ids = match &changes.agency_ids {
            Some(ids) => set_agencies(conn, id, ids).await?,
            None => before.agency_ids.clone(),
        };
        let updated = Account {
            user: updated,
            agency_ids,
        };
        record(
            conn,
            Some(actor),
            Change {
                action: "update_user",
                entity_type: "user",
                entity_id: id,
                before: audited(&before),
                after: audited(&updated),
            },
        )
        .await?;
        Ok(updated)
    })
    .await
}
