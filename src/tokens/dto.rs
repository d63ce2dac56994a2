//! Token request and response bodies. The token itself appears only in `CreatedMachineToken`.

use super::model::{ApiToken, TokenInput};
use crate::domain::TokenAccess;
use crate::error::ApiError;
use crate::http::pagination;
use crate::http::validate::Checks;
use crate::reports::model::ReportRef;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The longest a token may live, and how long it lives unless told otherwise.
pub const MAX_DAYS: u64 = 365;

/// A machine token's settings (never the token).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MachineTokenDto {
    /// Stable identifier; `DELETE /api/v1/tokens/{id}` revokes the token.
    pub id: Uuid,
    /// What the token is for, as its creator named it.
    pub name: String,
    /// `read` never writes; `write` may do what its owner may.
    pub access: TokenAccess,
    /// The last day (UTC) the token works.
    pub expires_on: NaiveDate,
    /// The only report the token may write to, if limited to one.
    pub report: Option<Uuid>,
    /// The user the token acts as.
    pub owner_id: Uuid,
    /// When the token was created.
    pub created_at: DateTime<Utc>,
    /// When the token was last used, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<ApiToken> for MachineTokenDto {
    fn from(t: ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name,
            access: t.access,
            expires_on: t.expires_on,
            report: t.report_id,
            owner_id: t.user_id,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// A new token, with the secret shown only here.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedMachineToken {
    #[serde(flatten)]
    pub settings: MachineTokenDto,
    /// The token (`ptk_…`): send it as `Authorization: Bearer <token>`. Shown only in this
    /// answer; policytrack keeps only its hash.
    #[schema(pattern = "^ptk_[A-Za-z0-9_-]{43}$")]
    pub token: String,
}

/// A new machine token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Power BI refresh", "access": "read"}))]
pub struct CreateMachineTokenRequest {
    /// What the token is for (1 to 200 characters).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
    )]
    pub name: String,
    /// `read` (never writes) or `write` (whatever the owner may).
    pub access: TokenAccess,
    /// The last day the token works: today at the earliest, a year from today at the latest
    /// (the default).
    pub expires_on: Option<NaiveDate>,
    /// Limit the token's writes to this report (id or slug).
    #[schema(min_length = 1, max_length = 100, pattern = "^[^\\x00]+$")]
    pub report: Option<String>,
}

impl CreateMachineTokenRequest {
    pub fn validate(self, today: NaiveDate) -> Result<TokenInput, ApiError> {
        let name = self.name.trim().to_owned();
        let latest = today.checked_add_days(Days::new(MAX_DAYS)).unwrap_or(today);
        let expires_on = self.expires_on.unwrap_or(latest);
        let mut checks = Checks::new();
        checks.fail_if(
            name.is_empty() || name.chars().count() > 200,
            "/name",
            "must be 1 to 200 characters",
        );
        checks.fail_if(name.contains('\0'), "/name", "must not contain NUL");
        checks.fail_if(expires_on < today, "/expires_on", "must not be in the past");
        checks.fail_if(
            expires_on > latest,
            "/expires_on",
            format!("must be at most a year ahead ({latest} or earlier)"),
        );
        checks.finish()?;
        Ok(TokenInput {
            name,
            access: self.access,
            expires_on,
            report: self.report.as_deref().map(ReportRef::parse),
        })
    }
}

/// Query parameters of `list_tokens`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MachineTokenListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Where a page of tokens continues: after this creation time and id.
pub type TokenPosition = (DateTime<Utc>, Uuid);

impl MachineTokenListParams {
    /// The page size and the position to continue after.
    pub fn page(&self) -> Result<(i64, Option<TokenPosition>), ApiError> {
        Ok((
            pagination::limit(self.limit.as_deref())?,
            pagination::cursor(self.cursor.as_deref())?,
        ))
    }
}
