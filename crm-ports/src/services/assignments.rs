//! Tells people what others gave them: a contact or an opportunity created for them or
//! handed over to them, an activity assigned to them. A reader of the event log whose
//! notifications are written with its cursor (exactly once per event, keyed by the
//! event's sequence number).

use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::query::{ActivityScope, EventRecord, Scope};
use crate::runtime::BoxFuture;
use crate::runtime::consumers::{Interest, StoreConsumer};
use crate::store::{ActivityStore, ConsumerWrite, ContactStore, Notification, OpportunityStore};
use crm_domain::event::{EntityType, EventKind};
use crm_domain::visibility::RecordScope;
use crm_domain::{ActivityId, ContactId, OpportunityId, TenantId, UserId};

/// The consumer's name (its cursors and parked events are kept under it).
pub const ASSIGNMENTS: &str = "assignment_notifications";

/// Notification kinds it writes (the interface names them through its translations).
pub mod kinds {
    /// A contact given to the recipient.
    pub const CONTACT: &str = "contact_assigned";
    /// An opportunity given to the recipient.
    pub const OPPORTUNITY: &str = "opportunity_assigned";
    /// An activity assigned to the recipient.
    pub const ACTIVITY: &str = "activity_assigned";
}

const INTEREST: &[(EntityType, EventKind)] = &[
    (EntityType::Contact, EventKind::Created),
    (EntityType::Contact, EventKind::OwnerChanged),
    (EntityType::Opportunity, EventKind::Created),
    (EntityType::Opportunity, EventKind::OwnerChanged),
    (EntityType::Activity, EventKind::Created),
    (EntityType::Activity, EventKind::Updated),
];

/// Notifications of assignments (run it wrapped in
/// [`InStore`](crate::runtime::consumers::InStore)).
pub struct AssignmentNotices<S, K, C, I> {
    app: App<S, K, C, I>,
}

impl<S, K, C: Clone, I: Clone> Clone for AssignmentNotices<S, K, C, I> {
    fn clone(&self) -> Self {
        Self { app: self.app.clone() }
    }
}

impl<S, K, C: Clone, I: Clone> AssignmentNotices<S, K, C, I> {
    /// The consumer over the application's store.
    pub fn new(app: &App<S, K, C, I>) -> Self {
        Self { app: app.clone() }
    }
}

/// Who received the record by this event, when someone else gave it to them.
fn recipient(e: &EventRecord) -> Option<UserId> {
    let owner = UserId::from_uuid(e.owner_id?);
    if e.actor_id == Some(owner) {
        return None;
    }
    let handed_over = match (e.entity_type, e.kind) {
        (EntityType::Activity, EventKind::Updated) => e.changes.iter().any(|c| c.field == "assignee_id"),
        _ => true,
    };
    handed_over.then_some(owner)
}

impl<
    S: ActivityStore + ContactStore + OpportunityStore,
    K,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> AssignmentNotices<S, K, C, I>
{
    /// What to tell about one event, if anything (a record deleted since tells nothing).
    async fn notice(&self, tenant: TenantId, e: &EventRecord) -> Result<Option<Notification>, ServiceError> {
        let Some(user) = recipient(e) else { return Ok(None) };
        let all = Scope {
            tenant_id: tenant,
            records: RecordScope::Tenant,
        };
        let store = &self.app.store;
        let found = match e.entity_type {
            // A person's name is not copied: the notification links to them, the interface
            // names them (and an erased person leaves nothing here).
            EntityType::Contact => store
                .contact(all, ContactId::from_uuid(e.entity_id))
                .await
                .map(|_| (kinds::CONTACT, String::new(), None)),
            EntityType::Opportunity => store
                .opportunity(all, OpportunityId::from_uuid(e.entity_id))
                .await
                .map(|o| (kinds::OPPORTUNITY, o.fields.title.as_str().to_owned(), None)),
            EntityType::Activity => {
                let scope = ActivityScope {
                    tenant_id: tenant,
                    contacts: RecordScope::Tenant,
                    opportunities: RecordScope::Tenant,
                    user: None,
                };
                let id = ActivityId::from_uuid(e.entity_id);
                store
                    .activity(scope, id)
                    .await
                    .map(|a| (kinds::ACTIVITY, a.fields.subject.as_str().to_owned(), Some(id)))
            }
            _ => return Ok(None),
        };
        let (kind, subject, activity_id) = match found {
            Ok(f) => f,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(Some(Notification {
            id: self.app.new_id(),
            user_id: user,
            kind: kind.to_owned(),
            subject,
            activity_id,
            link: Some(crm_domain::activity::Link {
                entity_type: e.entity_type,
                entity_id: e.entity_id,
            }),
            reminder_key: format!("assigned:{}", e.seq),
            created_at: e.at,
            read_at: None,
        }))
    }
}

impl<
    S: ActivityStore + ContactStore + OpportunityStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> StoreConsumer for AssignmentNotices<S, K, C, I>
{
    fn name(&self) -> &'static str {
        ASSIGNMENTS
    }

    fn interest(&self) -> Interest {
        Interest::Only(INTEREST)
    }

    fn writes<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord]) -> BoxFuture<'a, Result<Vec<ConsumerWrite>, ServiceError>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for e in events {
                if let Some(n) = self.notice(tenant, e).await? {
                    out.push(ConsumerWrite::Notify(n));
                }
            }
            Ok(out)
        })
    }
}
