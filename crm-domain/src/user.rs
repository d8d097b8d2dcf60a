//! Users, their single role, and teams led by managers.

use crate::email::EmailAddress;
use crate::error::{ValidationError, ViolationKind};
use crate::ids::{TeamId, TenantId, UserId};
use crate::text::{Label, Name};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a user may do in their tenant. One role per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Configures the tenant: pipelines, users, teams, rules. Sees everything.
    Admin,
    /// Supervises the teams they lead.
    Manager,
    /// Works their own portfolio.
    Sales,
    /// Segments, campaigns, lead qualification; reads contacts.
    Marketing,
    /// Reads everything, writes nothing.
    Observer,
}

impl Role {
    /// Every role, for exhaustive tests and matrices.
    pub const ALL: [Role; 5] = [Role::Admin, Role::Manager, Role::Sales, Role::Marketing, Role::Observer];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::Sales => "sales",
            Self::Marketing => "marketing",
            Self::Observer => "observer",
        }
    }

    /// Parses a code.
    ///
    /// # Errors
    /// `unknown` for anything else.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|r| r.code() == raw.trim())
            .ok_or_else(|| ValidationError::field("", ViolationKind::Unknown))
    }
}

/// A person who logs in, in one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Login and contact address (personal data, stored encrypted).
    pub email: EmailAddress,
    /// Display name.
    pub display_name: Name,
    /// Role.
    pub role: Role,
    /// The team the user belongs to, at most one.
    pub team_id: Option<TeamId>,
    /// The interface language the person chose (`None`: their browser's).
    pub language: Option<crate::tenant::Language>,
    /// When an Admin deactivated the user: they cannot log in, their sessions and tokens
    /// are revoked, they are given no new work; their records stay theirs.
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// Whether the user may log in and be given work.
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }
}

/// A group of users with a manager and an optional territory. A manager may lead several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Id.
    pub id: TeamId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Name, unique in the tenant.
    pub name: Name,
    /// The user leading the team; must have the Manager or Admin role.
    pub manager_id: UserId,
    /// The area the team covers.
    pub territory: Option<Label>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Checks that a user may lead a team.
///
/// # Errors
/// `manager_id: unknown` unless the role is Manager or Admin.
pub fn check_team_manager(role: Role) -> Result<(), ValidationError> {
    match role {
        Role::Manager | Role::Admin => Ok(()),
        _ => Err(ValidationError::field("manager_id", ViolationKind::Unknown)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Ok(r));
        }
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn only_managers_and_admins_lead() {
        assert!(check_team_manager(Role::Manager).is_ok());
        assert!(check_team_manager(Role::Admin).is_ok());
        assert!(check_team_manager(Role::Sales).is_err());
        assert!(check_team_manager(Role::Observer).is_err());
    }
}
