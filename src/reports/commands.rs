//! Report writes (admins): a report with its categories, and new recommendations.

use super::model::{NewCategory, NewReport, Report};
use crate::audit::{self, Change};
use crate::auth::AuthUser;
use crate::db::schema::{categories, recommendations, reports};
use crate::error::ApiError;
use crate::recommendations::commands::audited_view;
use crate::recommendations::listing::Embeds;
use crate::recommendations::model::{NewRecommendation, Recommendation};
use crate::recommendations::queries::RecommendationView;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub fn not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "report",
        id: id.to_string(),
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    new: NewReport<'_>,
    new_categories: &[(String, String)],
) -> Result<Uuid, ApiError> {
    conn.transaction::<_, ApiError, _>(async |conn| {
        let report: Report = diesel::insert_into(reports::table)
            .values(&new)
            .returning(Report::as_returning())
            .get_result(conn)
            .await
            .map_err(|e| match ApiError::from(e) {
                ApiError::Conflict(_) => {
                    ApiError::Conflict("a report with this slug exists".into())
                }
                other => other,
            })?;
        let rows: Vec<NewCategory> = new_categories
            .iter()
            .enumerate()
            .map(|(i, (slug, name))| NewCategory {
                report_id: report.id,
                slug,
                name,
                position: i as i32,
            })
            .collect();
        diesel::insert_into(categories::table)
            .values(&rows)
            .execute(conn)
            .await?;
        audit::record(
            conn,
            Some(actor),
            Change {
                action: "create_report",
                entity_type: "report",
                entity_id: report.id,
                before: None,
                after: audit::snapshot(&(&report, new_categories)),
            },
        )
        .await?;
        Ok(report.id)
    })
    .await
}

/// A validated new recommendation; the category is named by slug.
pub struct RecommendationInput<'a> {
    pub category_slug: &'a str,
    pub code: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub position: Option<i32>,
}

/// Adds a recommendation to a report, and reads its representation (with `embeds`) before the
/// transaction commits.
pub async fn add_recommendation(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    report_id: Uuid,
    input: RecommendationInput<'_>,
    embeds: Embeds,
) -> Result<RecommendationView, ApiError> {
    let RecommendationInput {
        category_slug,
        code,
        title,
        body,
        position,
    } = input;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let report: Option<Uuid> = reports::table
            .find(report_id)
            .select(reports::id)
            .for_update()
            .first(conn)
            .await
            .optional()?;
        report.ok_or_else(|| not_found(report_id))?;
        let category_id: Uuid = categories::table
            .filter(categories::report_id.eq(report_id))
            .filter(categories::slug.eq(category_slug))
            .select(categories::id)
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| {
                ApiError::invalid(
                    "/category",
                    format!("no category {category_slug:?} in this report"),
                )
            })?;
        let position = match position {
            Some(p) => p,
            None => recommendations::table
                .filter(recommendations::report_id.eq(report_id))
                .select(diesel::dsl::max(recommendations::position))
                .first::<Option<i32>>(conn)
                .await?
                .map_or(1, |p| p.saturating_add(1)),
        };
        let created: Recommendation = diesel::insert_into(recommendations::table)
            .values(NewRecommendation {
                report_id,
                category_id,
                code,
                position,
                title,
                body,
            })
            .returning(Recommendation::as_returning())
            .get_result(conn)
            .await
            .map_err(|e| match ApiError::from(e) {
                ApiError::Conflict(_) => {
                    ApiError::Conflict(format!("the report already has a recommendation {code}"))
                }
                other => other,
            })?;
        audited_view(
            conn,
            actor,
            Change {
                action: "create_recommendation",
                entity_type: "recommendation",
                entity_id: created.id,
                before: None,
                after: audit::snapshot(&created),
            },
            embeds,
        )
        .await
    })
    .await
}
