//! Who is acting: a tenant user, the platform operator, or the system on a tenant's behalf.

use crate::ids::{TenantId, UserId};
use crate::user::Role;

/// The authenticated principal of every service call. The tenant always comes from here,
/// never from a path, body or header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A user logged in to one tenant.
    User {
        /// Their tenant.
        tenant_id: TenantId,
        /// Who they are.
        user_id: UserId,
        /// Their role.
        role: Role,
    },
    /// The operator of the installation: creates tenants, sees no tenant data.
    Operator,
    /// Automated work (scheduler, import) on behalf of one tenant, with Admin rights.
    System {
        /// The tenant acted for.
        tenant_id: TenantId,
    },
    /// An automation rule acting on one tenant (with Admin rights, like the system); its
    /// changes are logged with the rule and their depth in a chain of automations, so a
    /// rule whose actions trigger rules again stops at a limit.
    Automation {
        /// The tenant acted for.
        tenant_id: TenantId,
        /// The rule.
        rule_id: uuid::Uuid,
        /// How many automation runs led to this one (1: started by a person's change).
        depth: u8,
    },
}

/// What an automation's change records of its cause: the rule and its depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cause {
    /// The rule that acted.
    pub rule_id: uuid::Uuid,
    /// Its run's depth in a chain of automations.
    pub depth: u8,
}

impl Actor {
    /// The tenant acted in, if any (the operator has none).
    pub const fn tenant_id(&self) -> Option<TenantId> {
        match self {
            Self::User { tenant_id, .. } | Self::System { tenant_id } | Self::Automation { tenant_id, .. } => Some(*tenant_id),
            Self::Operator => None,
        }
    }

    /// The acting user, if a user.
    pub const fn user_id(&self) -> Option<UserId> {
        match self {
            Self::User { user_id, .. } => Some(*user_id),
            _ => None,
        }
    }

    /// Stable code of the actor's kind, for the event log.
    pub const fn kind_code(&self) -> &'static str {
        match self {
            Self::User { .. } => "user",
            Self::Operator => "operator",
            Self::System { .. } => "system",
            Self::Automation { .. } => "automation",
        }
    }

    /// The automation rule acting, and its depth, if an automation.
    pub const fn cause(&self) -> Option<Cause> {
        match self {
            Self::Automation { rule_id, depth, .. } => Some(Cause {
                rule_id: *rule_id,
                depth: *depth,
            }),
            _ => None,
        }
    }
}
