//! Agency writes (admins), each with its audit event.

use super::model::{Agency, AgencyChanges, NewAgency};
use super::queries;
use crate::audit::commands::{record, snapshot};
use crate::audit::model::{Actor, Change};
use crate::db::schema::{agencies, recommendation_agencies, recommendations};
use crate::domain::scope::{OutOfScope, Reach, WriteScope};
use crate::error::ApiError;
use crate::events::commands::record as record_event;
use crate::events::model::{EventType, NewEvent, Represent};
use crate::translations::model::Subject;
use crate::translations::queries::has_translation;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

const CODE_TAKEN: &str = "an agency with this code exists";

/// 422 at `field` naming the first of `ids` that is no agency.
pub async fn ensure_exist(
    conn: &mut AsyncPgConnection,
    field: &str,
    ids: &[Uuid],
) -> Result<(), ApiError> {
    match queries::first_missing(conn, ids).await? {
        Some(missing) => Err(ApiError::invalid(field, format!("no agency {missing}"))),
        None => Ok(()),
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    new: NewAgency,
    represent: &dyn Represent,
) -> Result<Agency, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        ensure_exist(conn, "agency_id", &Vec::from_iter(new.parent_id)).await?;
        let created: Agency = diesel::insert_into(agencies::table)
            .values(&new)
            .returning(Agency::as_returning())
            .get_result(conn)
            .await
            .map_err(ApiError::conflict_as(CODE_TAKEN))?;
        record(
            conn,
            Some(actor),
            Change {
                action: "create_agency",
                entity_type: "agency",
                entity_id: created.id,
                before: None,
                after: snapshot(&created),
            },
        )
        .await?;
        agency_event(conn, actor, EventType::AgencyCreated, &created, represent).await?;
        Ok(created)
    })
    .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    expected: i32,
    changes: AgencyChanges,
    represent: &dyn Represent,
) -> Result<Agency, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current: Agency = agencies::table
            .find(id)
            .select(Agency::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| ApiError::not_found("agency", id))?;
        if current.version != expected {
            return Err(ApiError::PreconditionFailed);
        }
        if let Some(language) = changes.language
            && has_translation(conn, Subject::Agency, id, language).await?
        {
            return Err(ApiError::Conflict(Subject::Agency.language_taken(language)));
        }
        if let Some(Some(parent)) = changes.parent_id {
            if parent == id || queries::ancestors(conn, parent).await?.contains(&id) {
                return Err(ApiError::invalid("/parent_id", "would make a cycle"));
            }
            ensure_exist(conn, "agency_id", &[parent]).await?;
        }
        let updated: Agency = diesel::update(agencies::table.find(id))
            .set((
                &changes,
                agencies::version.eq(agencies::version + 1),
                agencies::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Agency::as_returning())
            .get_result(conn)
            .await
            .map_err(ApiError::conflict_as(CODE_TAKEN))?;
        if changes.code.is_some() || changes.name.is_some() || changes.country.is_some() {
            bump_recommendations_of(conn, id).await?;
        }
        record(
            conn,
            Some(actor),
            Change {
                action: "update_agency",
                entity_type: "agency",
                entity_id: id,
                before: snapshot(&current),
                after: snapshot(&updated),
            },
        )
        .await?;
        agency_event(conn, actor, EventType::AgencyUpdated, &updated, represent).await?;
        Ok(updated)
    })
    .await
}

/// Records the agency's event, with its counts as its representation shows them.
pub async fn agency_event(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    event_type: EventType,
    agency: &Agency,
    represent: &dyn Represent,
) -> QueryResult<()> {
    let counts = queries::counts(conn, &[agency.id], represent.today())
        .await?
        .remove(&agency.id)
        .unwrap_or_default();
    let event = NewEvent {
        event_type,
        report_id: None,
        recommendation_id: None,
        data: represent.agency(agency, counts),
    };
    record_event(conn, Some(actor), event).await
}

/// Recommendations embed their agencies' code, name and country: a change to those is a new
/// version of every recommendation the agency leads or supports (so their ETags move).
pub async fn bump_recommendations_of(
    conn: &mut AsyncPgConnection,
    agency: Uuid,
) -> QueryResult<()> {
    let supported = recommendation_agencies::table
        .filter(recommendation_agencies::agency_id.eq(agency))
        .select(recommendation_agencies::recommendation_id);
    diesel::update(
        recommendations::table.filter(
            recommendations::lead_agency_id
                .eq(agency)
                .or(recommendations::id.eq_any(supported)),
        ),
    )
    .set((
        recommendations::version.eq(recommendations::version + 1),
        recommendations::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await
    .map(|_| ())
}

/// 403 unless `scope` reaches the recommendation for a write of `reach`; 404 when it does
/// not exist. Call under the recommendation's row lock, so its owners cannot change between
/// the check and the write.
pub async fn require_reach(
    conn: &mut AsyncPgConnection,
    scope: &WriteScope<'_>,
    recommendation_id: Uuid,
    reach: Reach,
) -> Result<(), ApiError> {
    require_reach_unless(conn, scope, recommendation_id, reach, false).await
}

/// As [`require_reach`], except that `owns_it` (the caller's agencies own the milestone
/// written) is enough on its own, within the token's report.
pub async fn require_reach_unless(
    conn: &mut AsyncPgConnection,
    scope: &WriteScope<'_>,
    recommendation_id: Uuid,
    reach: Reach,
    owns_it: bool,
) -> Result<(), ApiError> {
    if scope.is_unlimited() {
        return Ok(());
    }
    let (code, participants) = queries::participants(conn, recommendation_id)
        .await?
        .ok_or_else(|| ApiError::not_found("recommendation", recommendation_id))?;
    let refusal = match scope.allows(&participants, reach) {
        Ok(()) => return Ok(()),
        Err(OutOfScope::Report) => {
            return Err(ApiError::Forbidden(format!(
                "this token is limited to another report than {code}'s"
            )));
        }
        Err(OutOfScope::Agencies(_)) if owns_it => return Ok(()),
        Err(OutOfScope::Agencies(needed)) => needed,
    };
    let codes = queries::codes(conn, &refusal).await?;
    let who = match reach {
        Reach::Lead => "leads",
        Reach::LeadOrSupport => "leads or supports",
    };
    Err(ApiError::Forbidden(if codes.is_empty() {
        format!("no agency {who} {code}: only users without agency limits may make this change")
    } else {
        format!(
            "this change needs an analyst of {} (the agency that {who} {code}); yours are \
             not among them",
            codes.join(" or ")
        )
    }))
}
