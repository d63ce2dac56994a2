//! Proposal writes: propose, approve, return. Each is one transaction that locks the proposal
//! (when there is one) before the recommendation, records its audit entry and its event.

use super::model::{NewProposal, Proposal, ProposalRow};
use crate::audit::commands::{record, snapshot};
use crate::audit::model::{Actor, Change};
use crate::db::schema::{closure_proposals, recommendations};
use crate::domain::{ProposalState, Reach};
use crate::error::ApiError;
use crate::events::commands::record as record_event;
use crate::events::model::{EventType, Represent};
use crate::recommendations::commands::{
    Authors, apply_status_change, check_move, event, lock, lock_at_version,
};
use crate::recommendations::model::listing::Embeds;
use crate::recommendations::model::{Recommendation, RecommendationView, StatusChangeInput};
use crate::recommendations::queries as recommendation_queries;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

const RESOURCE: &str = "closure_proposal";

/// Proposes the move `input` (to a closed status) of a recommendation still at `expected`;
/// 409 when one is pending already or the lifecycle forbids the move.
pub async fn propose(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    recommendation_id: Uuid,
    expected: i32,
    input: &StatusChangeInput,
    represent: &dyn Represent,
) -> Result<ProposalRow, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let current =
            lock_at_version(conn, &actor, Reach::Lead, recommendation_id, expected).await?;
        check_move(&current, input.to)?;
        if let Some(pending) = current.pending_proposal_id {
            return Err(ApiError::Conflict(format!(
                "a closure proposal for {} is pending already: /api/v1/proposals/{pending}",
                current.code
            )));
        }
        let proposal: Proposal = diesel::insert_into(closure_proposals::table)
            .values(NewProposal {
                recommendation_id,
                to_status: input.to,
                health: input.health,
                note: &input.note,
                evidence_urls: &input.evidence_urls,
                effective_on: input.effective_on,
                proposed_by_id: Some(actor.id),
                proposed_by_email: actor.email,
            })
            .returning(Proposal::as_returning())
            .get_result(conn)
            .await
            .map_err(ApiError::conflict_as(format!(
                "a closure proposal for {} is pending already",
                current.code
            )))?;
        point_at(conn, recommendation_id, Some(proposal.id)).await?;
        recorded(
            conn,
            actor,
            "propose_closure",
            None,
            &proposal,
            EventType::RecommendationClosureProposed,
            represent,
        )
        .await?;
        Ok((proposal, current.code, current.report_id))
    })
    .await
}

/// Applies a pending proposal: the status change goes into the history with the proposer as
/// its author and the actor as its approver. 403 for the proposer; 409 when it is no longer
/// pending or the recommendation has moved to a status it cannot close from.
pub async fn approve(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    represent: &dyn Represent,
) -> Result<ProposalRow, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = lock_pending(conn, id).await?;
        if before.proposed_by_id == Some(actor.id) {
            return Err(ApiError::Forbidden(
                "you proposed this closure: another reviewer must approve it".into(),
            ));
        }
        let current = lock(conn, &actor, Reach::Lead, before.recommendation_id).await?;
        check_move(&current, before.to_status)?;
        point_at(conn, current.id, None).await?;
        let input = StatusChangeInput {
            to: before.to_status,
            health: before.health,
            note: before.note.clone(),
            evidence_urls: before.evidence_urls.clone(),
            effective_on: before.effective_on,
        };
        let authors = Authors {
            author_id: before.proposed_by_id,
            author_email: &before.proposed_by_email,
            approved_by: Some((actor.id, actor.email)),
        };
        let embeds = Embeds::DETAIL_DEFAULT;
        apply_status_change(conn, actor, &current, &input, authors, embeds, represent).await?;
        let decided = decide(conn, actor, id, ProposalState::Approved, None).await?;
        recorded(
            conn,
            actor,
            "approve_closure",
            Some(&before),
            &decided,
            EventType::RecommendationClosureApproved,
            represent,
        )
        .await?;
        Ok((decided, current.code, current.report_id))
    })
    .await
}

/// Sends a pending proposal back with the actor's `note`; the recommendation stays as it is.
pub async fn send_back(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    note: &str,
    represent: &dyn Represent,
) -> Result<ProposalRow, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = lock_pending(conn, id).await?;
        let current = lock(conn, &actor, Reach::Lead, before.recommendation_id).await?;
        point_at(conn, current.id, None).await?;
        let decided = decide(conn, actor, id, ProposalState::Returned, Some(note)).await?;
        recorded(
            conn,
            actor,
            "return_closure",
            Some(&before),
            &decided,
            EventType::RecommendationClosureReturned,
            represent,
        )
        .await?;
        Ok((decided, current.code, current.report_id))
    })
    .await
}

/// Locks proposal `id`; 404 when there is none, 409 when it is decided already.
async fn lock_pending(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Proposal, ApiError> {
    let proposal: Proposal = closure_proposals::table
        .find(id)
        .select(Proposal::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found("proposal", id))?;
    if proposal.state != ProposalState::Pending {
        return Err(ApiError::Conflict(format!(
            "this proposal was {} already",
            proposal.state
        )));
    }
    Ok(proposal)
}

/// Sets (or clears) the recommendation's pending proposal: a new version of it.
async fn point_at(
    conn: &mut AsyncPgConnection,
    recommendation_id: Uuid,
    proposal: Option<Uuid>,
) -> Result<Recommendation, ApiError> {
    Ok(
        diesel::update(recommendations::table.find(recommendation_id))
            .set((
                recommendations::pending_proposal_id.eq(proposal),
                recommendations::version.eq(recommendations::version + 1),
                recommendations::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Recommendation::as_returning())
            .get_result(conn)
            .await?,
    )
}

async fn decide(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    id: Uuid,
    state: ProposalState,
    note: Option<&str>,
) -> Result<Proposal, ApiError> {
    Ok(diesel::update(closure_proposals::table.find(id))
        .set((
            closure_proposals::state.eq(state),
            closure_proposals::decided_by_id.eq(Some(actor.id)),
            closure_proposals::decided_by_email.eq(Some(actor.email)),
            closure_proposals::decision_note.eq(note),
            closure_proposals::decided_at.eq(diesel::dsl::now),
            closure_proposals::version.eq(closure_proposals::version + 1),
        ))
        .returning(Proposal::as_returning())
        .get_result(conn)
        .await?)
}

/// Records the step's audit entry and its event, which carries the recommendation as it is
/// now and the proposal.
async fn recorded(
    conn: &mut AsyncPgConnection,
    actor: Actor<'_>,
    action: &str,
    before: Option<&Proposal>,
    after: &Proposal,
    event_type: EventType,
    represent: &dyn Represent,
) -> Result<RecommendationView, ApiError> {
    record(
        conn,
        Some(actor),
        Change {
            action,
            entity_type: RESOURCE,
            entity_id: after.id,
            before: before.and_then(snapshot),
            after: snapshot(after),
        },
    )
    .await?;
    let id = after.recommendation_id;
    let view = recommendation_queries::find(conn, id, Embeds::DETAIL_DEFAULT)
        .await?
        .ok_or_else(|| ApiError::not_found("recommendation", id))?;
    let data = represent.proposal(&view, after);
    record_event(conn, Some(actor), event(event_type, &view, data)).await?;
    Ok(view)
}
