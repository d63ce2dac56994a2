//! User request and response bodies. No response ever carries the password hash.

use super::model::{Account, UserInput, UserUpdate};
use crate::auth::password;
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::validate::Checks;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A user account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserDto {
    /// Stable identifier.
    pub id: Uuid,
    /// Login email, lower case.
    pub email: String,
    /// What the user may do.
    pub role: Role,
    /// A disabled user cannot log in, and its tokens stop working.
    pub disabled: bool,
    /// The agencies the user belongs to. An analyst with any may change only their work:
    /// status, owners, priority and target date of recommendations they lead, check-ins on
    /// those they lead or support, milestones they own or whose recommendation they lead.
    pub agency_ids: Vec<Uuid>,
    /// Increments on every change; the ETag carries it.
    pub version: i32,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Account> for UserDto {
    fn from(account: Account) -> Self {
        let u = account.user;
        Self {
            id: u.id,
            email: u.email,
            role: u.role,
            disabled: u.disabled,
            agency_ids: account.agency_ids,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "analyst@example.org", "role": "analyst", "password": "a long passphrase"}))]
pub struct CreateUserRequest {
    /// Login email (stored lower case, at most 254 characters).
    #[schema(max_length = 254, pattern = "^[!-?A-~]+@[!-?A-~]+\\.[!-?A-~]+$")]
    pub email: String,
    /// The role to grant.
    pub role: Role,
    /// Initial password, 12 to 1024 characters.
    #[schema(min_length = 12, max_length = 1024, pattern = "^[^\\x00]*$")]
    pub password: String,
    /// The agencies the user belongs to (default none: an analyst without agencies may
    /// change any recommendation).
    #[schema(max_items = 50)]
    pub agency_ids: Option<Vec<Uuid>>,
}

impl TryFrom<CreateUserRequest> for UserInput {
    type Error = ApiError;

    fn try_from(body: CreateUserRequest) -> Result<Self, ApiError> {
        let email = body.email.trim().to_lowercase();
        let mut checks = Checks::new();
        checks.email("/email", &email);
        if let Some(problem) = password::check_strength(&body.password) {
            checks.fail_if(true, "/password", problem);
        }
        let agency_ids = body.agency_ids.unwrap_or_default();
        checks.fail_if(agency_ids.len() > 50, "/agency_ids", "at most 50 agencies");
        checks.finish()?;
        Ok(Self {
            email,
            role: body.role,
            password: body.password,
            agency_ids,
        })
    }
}

/// Changes to an account; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"disabled": true}))]
pub struct UpdateUserRequest {
    /// New role.
    pub role: Option<Role>,
    /// Disable (true) or enable (false) the account; disabling revokes its tokens.
    pub disabled: Option<bool>,
    /// New password (12 to 1024 characters); revokes earlier session tokens (machine
    /// tokens stay: revoke them one by one).
    #[schema(min_length = 12, max_length = 1024, pattern = "^[^\\x00]*$")]
    pub password: Option<String>,
    /// The whole new set of agencies the user belongs to (`[]`: none).
    #[schema(max_items = 50)]
    pub agency_ids: Option<Vec<Uuid>>,
}

impl TryFrom<UpdateUserRequest> for UserUpdate {
    type Error = ApiError;

    fn try_from(body: UpdateUserRequest) -> Result<Self, ApiError> {
        let mut checks = Checks::new();
        if let Some(problem) = body.password.as_deref().and_then(password::check_strength) {
            checks.fail_if(true, "/password", problem);
        }
        let too_many = body.agency_ids.as_ref().is_some_and(|ids| ids.len() > 50);
        checks.fail_if(too_many, "/agency_ids", "at most 50 agencies");
        checks.finish()?;
        Ok(Self {
            role: body.role,
            disabled: body.disabled,
            password: body.password,
            agency_ids: body.agency_ids,
        })
    }
}

/// Query parameters of `list_users`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// Opaque position from a previous page's `next_cursor`.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}
