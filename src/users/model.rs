//! The `users` table. `User` never derives `Debug`/`Serialize`: it holds the password hash.

use crate::db::schema::users;
use crate::domain::Role;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    pub token_generation: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
}

/// An account with the agencies it belongs to.
#[derive(Clone)]
pub struct Account {
    pub user: User,
    /// Ordered by id.
    pub agency_ids: Vec<Uuid>,
}

/// A validated new account; the password is hashed before it is stored.
pub struct UserInput {
    pub email: String,
    pub role: Role,
    pub password: String,
    pub agency_ids: Vec<Uuid>,
}

/// A validated change to an account; a new password is hashed before it is stored.
pub struct UserUpdate {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
    pub agency_ids: Option<Vec<Uuid>>,
}

/// Fields an admin may change; a new hash or disabling also bumps the token generation.
#[derive(Default)]
pub struct UserChanges {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
    /// The whole new set of agencies.
    pub agency_ids: Option<Vec<Uuid>>,
}

impl UserChanges {
    /// Whether the change revokes the tokens issued before it.
    pub fn revokes_tokens(&self) -> bool {
        self.password_hash.is_some() || self.disabled == Some(true)
    }
}
