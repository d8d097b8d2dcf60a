//! Visibility and permissions as data: which records an actor sees, what they may do.
//!
//! Not visible means "does not exist" (the API answers 404); visible but not allowed means
//! forbidden (403). Stores turn a [`RecordScope`] into query filters; nothing is filtered
//! after fetching.

use crate::actor::Actor;
use crate::ids::UserId;
use crate::user::Role;

/// Owned records (contacts, opportunities) an actor may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordScope {
    /// Every record of the tenant.
    Tenant,
    /// Records owned by this user.
    OwnedBy(UserId),
    /// Records owned by this manager or by a member of a team they lead.
    TeamsLedBy(UserId),
    /// None.
    Nothing,
}

impl RecordScope {
    /// Whether a record is in scope, given its owner and the manager of the owner's team
    /// (the same decision the store makes in SQL; used by in-memory fakes and tests).
    pub fn admits(self, owner: UserId, owner_team_manager: Option<UserId>) -> bool {
        match self {
            Self::Tenant => true,
            Self::OwnedBy(u) => owner == u,
            Self::TeamsLedBy(m) => owner == m || owner_team_manager == Some(m),
            Self::Nothing => false,
        }
    }
}

/// Kinds of owned records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owned {
    /// Contacts.
    Contact,
    /// Opportunities.
    Opportunity,
}

/// Which owned records the actor sees.
pub fn read_scope(actor: &Actor, kind: Owned) -> RecordScope {
    match actor {
        Actor::Operator => RecordScope::Nothing,
        Actor::System { .. } | Actor::Automation { .. } => RecordScope::Tenant,
        Actor::User { user_id, role, .. } => match (role, kind) {
            (Role::Admin | Role::Observer, _) => RecordScope::Tenant,
            (Role::Marketing, Owned::Contact) => RecordScope::Tenant,
            (Role::Marketing, Owned::Opportunity) => RecordScope::Nothing,
            (Role::Manager, _) => RecordScope::TeamsLedBy(*user_id),
            (Role::Sales, _) => RecordScope::OwnedBy(*user_id),
        },
    }
}

/// Something an actor may or may not do, checked before any write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Create, edit, delete the contacts in their scope.
    WriteContacts,
    /// Create, edit, delete organizations.
    WriteOrganizations,
    /// Create, edit, move, win, lose the opportunities in their scope.
    WriteOpportunities,
    /// Reopen a won or lost opportunity.
    ReopenOpportunities,
    /// Create and change pipelines and stages.
    ManagePipelines,
    /// Create and change users and teams.
    ManageUsers,
    /// Change the tenant's settings.
    ManageTenant,
    /// Bring a deleted record back.
    RestoreDeleted,
    /// Read the whole audit history: the company-wide log (by user, by period) and the
    /// change history of every record (users, teams, the tenant, organizations,
    /// pipelines). The Admin's alone.
    ReadAudit,
    /// Read the change history of the contacts and opportunities in their read scope
    /// (Admin: every one; Manager: those of the teams they lead).
    ReadRecordHistory,
    /// Read the forecast of the opportunities in scope.
    ReadForecast,
    /// Create tenants.
    CreateTenants,
    /// Log and change activities (tasks, meetings, calls, emails, notes).
    WriteActivities,
    /// Create, change and fill segments.
    ManageSegments,
    /// Scan for duplicates and dismiss groups of the review queue.
    ReviewDuplicates,
    /// Upload files (for imports) and keep their own files; an Admin reads everyone's.
    UploadFiles,
    /// Bring leads in, qualify or disqualify them, edit the leads still in the pool and
    /// hand them over to sales reps; set the company's disqualification reasons (Admin).
    QualifyLeads,
    /// Write, change and delete the company's email templates (every sender reads them).
    ManageTemplates,
    /// Write an email to a contact in their read scope (it is queued, sent and archived).
    SendEmail,
    /// Write, schedule, start, pause and cancel the company's campaigns and read their
    /// statistics; a campaign reaches the segment's members in its writer's read scope.
    RunCampaigns,
    /// Validate (submit) the forecast of a team they lead for a month or a quarter (an
    /// Admin: any team's).
    SubmitForecast,
    /// Read the submitted forecasts of teams and how they compared with what was won (a
    /// Manager: the teams they lead; an Admin and an Observer: every team's).
    ReadTeamForecasts,
    /// Write, change and delete the company's lead scoring rules (everyone who sees a
    /// contact reads its score).
    ManageScoring,
    /// Write, change, delete and try the company's automation rules, and read their runs.
    ManageAutomations,
}

/// Whether the actor has a capability.
pub fn allows(actor: &Actor, cap: Capability) -> bool {
    use Capability as C;
    match actor {
        Actor::Operator => cap == C::CreateTenants,
        Actor::System { .. } | Actor::Automation { .. } => cap != C::CreateTenants,
        Actor::User { role, .. } => match role {
            Role::Admin => cap != C::CreateTenants,
            Role::Manager => matches!(
                cap,
                C::WriteContacts
                    | C::WriteOrganizations
                    | C::WriteOpportunities
                    | C::ReadForecast
                    | C::WriteActivities
                    | C::ManageSegments
                    | C::ReviewDuplicates
                    | C::ReadRecordHistory
                    | C::UploadFiles
                    | C::QualifyLeads
                    | C::ManageTemplates
                    | C::SendEmail
                    | C::RunCampaigns
                    | C::SubmitForecast
                    | C::ReadTeamForecasts
            ),
            Role::Sales => matches!(
                cap,
                C::WriteContacts
                    | C::WriteOrganizations
                    | C::WriteOpportunities
                    | C::ReadForecast
                    | C::WriteActivities
                    | C::UploadFiles
                    | C::SendEmail
            ),
            Role::Marketing => matches!(
                cap,
                C::ManageSegments
                    | C::UploadFiles
                    | C::QualifyLeads
                    | C::ManageTemplates
                    | C::SendEmail
                    | C::RunCampaigns
                    | C::ManageScoring
                    | C::ManageAutomations
            ),
            Role::Observer => matches!(cap, C::ReadForecast | C::ReadTeamForecasts),
        },
    }
}

/// Whether the actor may make `owner` the owner of a record. `owner_team_manager` is the
/// manager of the proposed owner's team, if any.
pub fn may_assign_owner(actor: &Actor, owner: UserId, owner_team_manager: Option<UserId>) -> bool {
    match actor {
        Actor::Operator => false,
        Actor::System { .. } | Actor::Automation { .. } => true,
        Actor::User { user_id, role, .. } => match role {
            Role::Admin => true,
            Role::Manager => owner == *user_id || owner_team_manager == Some(*user_id),
            Role::Sales => owner == *user_id,
            Role::Marketing | Role::Observer => false,
        },
    }
}

/// Whether the actor may edit a contact in their read scope: those who write contacts,
/// and those who qualify leads while the contact is a lead still in the pool.
pub fn may_edit_contact(actor: &Actor, pooled_lead: bool) -> bool {
    allows(actor, Capability::WriteContacts) || (pooled_lead && allows(actor, Capability::QualifyLeads))
}

/// Whether the actor may hand a pooled lead over to `owner` (whose role is `owner_role`
/// and whose team's manager is `owner_team_manager`): Marketing to any sales rep or
/// manager; the others as they assign any record.
pub fn may_hand_over_lead(actor: &Actor, owner: UserId, owner_role: Role, owner_team_manager: Option<UserId>) -> bool {
    match actor {
        Actor::User { role: Role::Marketing, .. } => matches!(owner_role, Role::Sales | Role::Manager),
        _ => allows(actor, Capability::QualifyLeads) && may_assign_owner(actor, owner, owner_team_manager),
    }
}

/// Whether the actor may hand pooled leads to the team led by `team_manager` (its next
/// sales rep in turn): Marketing to any team; the others to a team whose records they
/// may assign (a Manager: the teams they lead).
pub fn may_hand_over_lead_to_team(actor: &Actor, team_manager: UserId) -> bool {
    match actor {
        Actor::User { role: Role::Marketing, .. } => true,
        _ => allows(actor, Capability::QualifyLeads) && may_assign_owner(actor, team_manager, Some(team_manager)),
    }
}

/// Whether a contact is in scope, given its owner, the manager of the owner's team and
/// whether it is a lead in the pool (seen by Managers too, never by a sales rep). The
/// same decision the store makes in SQL.
pub fn contact_in_scope(scope: RecordScope, owner: UserId, owner_team_manager: Option<UserId>, pooled_lead: bool) -> bool {
    scope.admits(owner, owner_team_manager) || (pooled_lead && matches!(scope, RecordScope::TeamsLedBy(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TenantId;
    use uuid::Uuid;

    fn user(role: Role, n: u128) -> Actor {
        Actor::User {
            tenant_id: TenantId::from_uuid(Uuid::from_u128(1)),
            user_id: UserId::from_uuid(Uuid::from_u128(n)),
            role,
        }
    }
    fn uid(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn scopes_by_role() {
        assert_eq!(read_scope(&user(Role::Admin, 7), Owned::Contact), RecordScope::Tenant);
        assert_eq!(read_scope(&user(Role::Observer, 7), Owned::Opportunity), RecordScope::Tenant);
        assert_eq!(read_scope(&user(Role::Marketing, 7), Owned::Contact), RecordScope::Tenant);
        assert_eq!(read_scope(&user(Role::Marketing, 7), Owned::Opportunity), RecordScope::Nothing);
        assert_eq!(read_scope(&user(Role::Manager, 7), Owned::Contact), RecordScope::TeamsLedBy(uid(7)));
        assert_eq!(read_scope(&user(Role::Sales, 7), Owned::Contact), RecordScope::OwnedBy(uid(7)));
        assert_eq!(read_scope(&Actor::Operator, Owned::Contact), RecordScope::Nothing);
    }

    #[test]
    fn scope_admits() {
        let m = uid(7);
        assert!(RecordScope::TeamsLedBy(m).admits(m, None));
        assert!(RecordScope::TeamsLedBy(m).admits(uid(8), Some(m)));
        assert!(!RecordScope::TeamsLedBy(m).admits(uid(8), Some(uid(9))));
        assert!(RecordScope::OwnedBy(m).admits(m, None));
        assert!(!RecordScope::OwnedBy(m).admits(uid(8), Some(m)));
        assert!(!RecordScope::Nothing.admits(m, None));
    }

    #[test]
    fn leads_rights() {
        let (admin, manager, sales, marketing, observer) = (
            user(Role::Admin, 1),
            user(Role::Manager, 2),
            user(Role::Sales, 3),
            user(Role::Marketing, 4),
            user(Role::Observer, 5),
        );
        for (a, q) in [
            (&admin, true),
            (&manager, true),
            (&sales, false),
            (&marketing, true),
            (&observer, false),
        ] {
            assert_eq!(allows(a, Capability::QualifyLeads), q, "{a:?}");
        }
        // Marketing edits pooled leads only; sales reps and managers every contact in scope.
        assert!(may_edit_contact(&marketing, true));
        assert!(!may_edit_contact(&marketing, false));
        assert!(may_edit_contact(&sales, false));
        assert!(!may_edit_contact(&observer, true));
        // Hand-over: Marketing to sales reps and managers; a manager within the team; a
        // sales rep never.
        assert!(may_hand_over_lead(&marketing, uid(3), Role::Sales, None));
        assert!(!may_hand_over_lead(&marketing, uid(1), Role::Admin, None));
        assert!(may_hand_over_lead(&manager, uid(3), Role::Sales, Some(uid(2))));
        assert!(!may_hand_over_lead(&manager, uid(3), Role::Sales, Some(uid(9))));
        assert!(!may_hand_over_lead(&sales, uid(3), Role::Sales, None));
        assert!(may_hand_over_lead(&admin, uid(3), Role::Sales, None));
        // A team's turn: Marketing any team, a Manager the teams he leads, an Admin all.
        assert!(may_hand_over_lead_to_team(&marketing, uid(9)));
        assert!(may_hand_over_lead_to_team(&manager, uid(2)));
        assert!(!may_hand_over_lead_to_team(&manager, uid(9)));
        assert!(!may_hand_over_lead_to_team(&sales, uid(3)));
        assert!(may_hand_over_lead_to_team(&admin, uid(9)));
        // The pool: Managers see it, a sales rep never.
        assert!(contact_in_scope(RecordScope::TeamsLedBy(uid(2)), uid(4), None, true));
        assert!(!contact_in_scope(RecordScope::TeamsLedBy(uid(2)), uid(4), None, false));
        assert!(!contact_in_scope(RecordScope::OwnedBy(uid(3)), uid(4), None, true));
    }

    #[test]
    fn capability_matrix() {
        use Capability as C;
        let writers = [Role::Admin, Role::Manager, Role::Sales];
        for r in Role::ALL {
            let a = user(r, 1);
            assert_eq!(allows(&a, C::WriteContacts), writers.contains(&r), "{r:?}");
            assert_eq!(allows(&a, C::WriteOpportunities), writers.contains(&r), "{r:?}");
            assert_eq!(allows(&a, C::ReopenOpportunities), r == Role::Admin, "{r:?}");
            assert_eq!(allows(&a, C::ManagePipelines), r == Role::Admin, "{r:?}");
            assert_eq!(allows(&a, C::RestoreDeleted), r == Role::Admin, "{r:?}");
            // The audit is the Admin's; a Manager reads the history of their teams' records.
            assert_eq!(allows(&a, C::ReadAudit), r == Role::Admin, "{r:?}");
            assert_eq!(allows(&a, C::ReadRecordHistory), matches!(r, Role::Admin | Role::Manager), "{r:?}");
            assert!(!allows(&a, C::CreateTenants));
        }
        assert!(allows(&Actor::Operator, C::CreateTenants));
        assert!(!allows(&Actor::Operator, C::WriteContacts));
        assert!(!allows(&Actor::Operator, C::ReadAudit));
        let system = Actor::System {
            tenant_id: TenantId::from_uuid(Uuid::from_u128(1)),
        };
        assert!(allows(&system, C::ReadAudit));
        assert!(allows(&system, C::ReadRecordHistory));
    }

    #[test]
    fn owner_assignment() {
        let m = user(Role::Manager, 7);
        assert!(may_assign_owner(&m, uid(7), None));
        assert!(may_assign_owner(&m, uid(8), Some(uid(7))));
        assert!(!may_assign_owner(&m, uid(8), Some(uid(9))));
        assert!(may_assign_owner(&user(Role::Sales, 3), uid(3), None));
        assert!(!may_assign_owner(&user(Role::Sales, 3), uid(4), None));
        assert!(may_assign_owner(&user(Role::Admin, 3), uid(4), None));
        assert!(!may_assign_owner(&user(Role::Observer, 3), uid(3), None));
    }
}
