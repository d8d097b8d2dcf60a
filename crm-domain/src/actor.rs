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
}

impl Actor {
    /// The tenant acted in, if any (the operator has none).
    pub const fn tenant_id(&self) -> Option<TenantId> {
        match self {
            Self::User { tenant_id, .. } | Self::System { tenant_id } => Some(*tenant_id),
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
        }
    }
}
