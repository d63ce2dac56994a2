//! The closed vocabularies shared by every resource: statuses, health, priorities, roles.

pub mod derivation;
pub mod status;
pub mod vocab;
pub mod webhook_target;

pub use derivation::Derivation;
pub use status::{Health, Status};
pub use vocab::{AgencyRole, MilestoneStatus, Priority, Role};
