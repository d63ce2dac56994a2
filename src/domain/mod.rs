//! The closed vocabularies shared by every resource: statuses, health, priorities, roles,
//! languages.

pub mod derivation;
pub mod language;
pub mod scope;
pub mod status;
pub mod vocab;
pub mod webhook_target;

pub use derivation::Derivation;
pub use language::Language;
pub use scope::{Reach, WriteScope};
pub use status::{Health, Status};
pub use vocab::{AgencyRole, MilestoneStatus, Priority, ProposalState, Role, TokenAccess};
