//! Drafts of forms (autosave): what a person types in a form is kept on the server while
//! they type, per person, form and record, so that reopening the form — after a reload, on
//! another device, after logging in again — offers it back. A draft is the person's own:
//! no one else reads it. It is sealed at rest, forgotten when the form is saved, after
//! [`DRAFT_DAYS`] days, and with the person a record is about when they are erased.

use crate::app::{App, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{ContactStore, Draft, DraftKey, DraftStore, OpportunityStore, OrganizationStore, TenantStore};
use crm_domain::error::{ValidationError, Validator, ViolationKind};
use crm_domain::{Actor, ContactId, OpportunityId, OrganizationId};
use std::collections::BTreeMap;
use uuid::Uuid;

/// How long a draft is kept.
pub const DRAFT_DAYS: i64 = 30;
/// Most fields a draft keeps.
pub const MAX_FIELDS: usize = 60;
/// Longest field name.
pub const MAX_NAME: usize = 64;
/// Most characters of all the values together.
pub const MAX_CHARS: usize = 50_000;

/// What a form is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum About {
    /// A record being created.
    New,
    /// A contact.
    Contact,
    /// An organization.
    Organization,
    /// A deal.
    Opportunity,
}

/// The forms that keep drafts and what each is about.
const FORMS: [(&str, About); 9] = [
    ("contact_new", About::New),
    ("organization_new", About::New),
    ("opportunity_new", About::New),
    ("contact", About::Contact),
    ("contact_activity", About::Contact),
    ("organization", About::Organization),
    ("organization_activity", About::Organization),
    ("opportunity", About::Opportunity),
    ("opportunity_activity", About::Opportunity),
];

fn about(form: &str) -> Result<About, ServiceError> {
    FORMS
        .iter()
        .find(|(f, _)| *f == form)
        .map(|(_, a)| *a)
        .ok_or_else(|| ServiceError::Invalid(ValidationError::field("form", ViolationKind::Unknown)))
}

/// The fields of a draft checked against the limits.
fn check_fields(fields: &BTreeMap<String, String>) -> Result<(), ServiceError> {
    let mut v = Validator::new();
    if fields.len() > MAX_FIELDS {
        v.push("fields", ViolationKind::TooLarge);
    }
    if fields.keys().any(|k| k.is_empty() || k.chars().count() > MAX_NAME) {
        v.push("fields", ViolationKind::Malformed);
    }
    if fields.values().map(|s| s.chars().count()).sum::<usize>() > MAX_CHARS {
        v.push("fields", ViolationKind::TooLong);
    }
    v.finish().map_err(ServiceError::Invalid)
}

impl<S: DraftStore + ContactStore + OrganizationStore + OpportunityStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The key of the actor's draft of a form, once the record it is about is one they
    /// may see.
    async fn draft_key<'a>(&self, actor: &Actor, form: &'a str, record: Option<Uuid>) -> Result<DraftKey<'a>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        let user_id = actor.user_id().ok_or(ServiceError::Forbidden)?;
        let record = match (about(form)?, record) {
            (About::New, None) => Uuid::nil(),
            (About::New, Some(_)) | (_, None) => {
                return Err(ServiceError::Invalid(ValidationError::field("record", ViolationKind::NotAllowed)));
            }
            (About::Contact, Some(id)) => self.contact(actor, ContactId::from_uuid(id)).await?.id.as_uuid(),
            (About::Organization, Some(id)) => self.organization(actor, OrganizationId::from_uuid(id)).await?.id.as_uuid(),
            (About::Opportunity, Some(id)) => self.opportunity(actor, OpportunityId::from_uuid(id)).await?.id.as_uuid(),
        };
        Ok(DraftKey {
            tenant_id,
            user_id,
            form,
            record,
        })
    }

    /// Keeps what the actor typed in a form (about `record`, or creating one when `None`),
    /// replacing their previous draft of it.
    ///
    /// # Errors
    /// `Invalid` (an unknown form, too many or too long fields), `NotFound` (a record the
    /// actor may not see), `Forbidden` for anyone but a user.
    pub async fn save_draft(
        &self,
        actor: &Actor,
        form: &str,
        record: Option<Uuid>,
        fields: BTreeMap<String, String>,
        base_version: Option<i64>,
    ) -> Result<Draft, ServiceError> {
        check_fields(&fields)?;
        let key = self.draft_key(actor, form, record).await?;
        let draft = Draft {
            fields,
            base_version,
            saved_at: self.clock.now(),
        };
        self.store.put_draft(&key, &draft).await?;
        Ok(draft)
    }

    /// The actor's draft of a form, unless it has expired.
    ///
    /// # Errors
    /// As [`App::save_draft`].
    pub async fn draft(&self, actor: &Actor, form: &str, record: Option<Uuid>) -> Result<Option<Draft>, ServiceError> {
        let key = self.draft_key(actor, form, record).await?;
        let oldest = crm_domain::time::sub(self.clock.now(), chrono::Duration::days(DRAFT_DAYS));
        Ok(self.store.draft(&key).await?.filter(|d| d.saved_at >= oldest))
    }

    /// Forgets the actor's draft of a form (saved, or set aside).
    ///
    /// # Errors
    /// As [`App::save_draft`].
    pub async fn discard_draft(&self, actor: &Actor, form: &str, record: Option<Uuid>) -> Result<(), ServiceError> {
        let key = self.draft_key(actor, form, record).await?;
        Ok(self.store.drop_draft(&key).await?)
    }
}

impl<S: DraftStore + TenantStore, K, C: Clock, I> App<S, K, C, I> {
    /// Forgets every tenant's drafts older than [`DRAFT_DAYS`]; how many.
    ///
    /// # Errors
    /// Store failures.
    pub async fn purge_expired_drafts(&self) -> Result<u64, ServiceError> {
        let before = crm_domain::time::sub(self.clock.now(), chrono::Duration::days(DRAFT_DAYS));
        let mut n = 0;
        for t in self.store.list_tenants().await? {
            n += self.store.purge_drafts(t.id, before).await?;
        }
        Ok(n)
    }
}
