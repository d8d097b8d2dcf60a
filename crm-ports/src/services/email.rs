//! Email: the company's templates (written by the Admin, Managers and Marketing, read by
//! every sender), one email written to a contact and queued with its archive
//! (`email/compose.rs`), and the job that hands each message to the mailer
//! (`email/sender.rs`).

mod campaign;
mod compose;
mod context;
pub mod forget;
mod inbound;
mod relay;
pub(crate) use relay::relay_host;
mod sender;
mod tracking;

pub use campaign::{CampaignPorts, CampaignRunner};
pub use compose::{ComposeEmail, MailSettings, Preview};
pub use inbound::Filed;
pub use relay::{MailRelayInput, MailRelayView};
pub use sender::{EMAIL_SEND, EmailSender};
pub use tracking::{LinkKind, Unsubscription};

use crate::app::{App, check_version, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::EmailStore;
use crm_domain::event::{Diff, EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::template::{self, EmailTemplate, RenderContext, Rendered, TemplateInput};
use crm_domain::tenant::Language;
use crm_domain::visibility::{Capability, allows};
use crm_domain::{Actor, TemplateId};

fn template_changes(before: Option<&EmailTemplate>, after: &EmailTemplate) -> Vec<FieldChange> {
    let mut d = Diff::new();
    d.field("name", before.map(|b| &b.name), &after.name, Sensitivity::Clear);
    let langs = |t: &EmailTemplate| t.variants.iter().map(|v| v.language.code()).collect::<Vec<_>>();
    d.field("languages", before.map(langs).as_ref(), &langs(after), Sensitivity::Clear);
    let texts = |t: &EmailTemplate| t.variants.iter().map(|v| format!("{}\n{}", v.subject, v.body)).collect::<Vec<_>>();
    d.field("texts", before.map(texts).as_ref(), &texts(after), Sensitivity::Clear);
    d.into_changes()
}

/// Whether the actor may read the company's templates: whoever may write one or send.
fn require_read(actor: &Actor) -> Result<(), ServiceError> {
    if allows(actor, Capability::ManageTemplates) || allows(actor, Capability::SendEmail) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Templates.
impl<S: EmailStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The company's templates, by name.
    ///
    /// # Errors
    /// `Forbidden` for those who neither write templates nor send email.
    pub async fn email_templates(&self, actor: &Actor) -> Result<Vec<EmailTemplate>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require_read(actor)?;
        Ok(self.store.templates(tenant).await?)
    }

    /// One template.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn email_template(&self, actor: &Actor, id: TemplateId) -> Result<EmailTemplate, ServiceError> {
        let tenant = tenant_of(actor)?;
        require_read(actor)?;
        Ok(self.store.template(tenant, id).await?)
    }

    /// A template as typed, checked and rendered with sample values (a made-up contact,
    /// deal and sender): what its author sees before saving it.
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` as [`Self::create_email_template`].
    pub async fn sample_email_template(&self, actor: &Actor, input: TemplateInput) -> Result<Vec<(Language, Rendered)>, ServiceError> {
        tenant_of(actor)?;
        require_read(actor)?;
        let checked = input.check()?;
        let sample = RenderContext::sample();
        checked
            .variants
            .iter()
            .map(|v| Ok((v.language, template::render(v, &sample)?)))
            .collect()
    }

    /// Writes a template: every variant checked (syntax, variables, a trial rendering).
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` (`name` required, too long or `repeated`;
    /// `variants.N.subject|body` with `syntax` or `unknown_variable` and the line).
    pub async fn create_email_template(&self, actor: &Actor, input: TemplateInput) -> Result<EmailTemplate, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTemplates)?;
        let checked = input.check()?;
        let now = self.clock.now();
        let t = EmailTemplate {
            id: TemplateId::from_uuid(self.new_id()),
            tenant_id: tenant,
            name: checked.name,
            variants: checked.variants,
            created_by: actor.user_id(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::Template,
            t.id.as_uuid(),
            EventKind::Created,
            None,
            template_changes(None, &t),
        );
        self.store.create_template(&t, &ev).await?;
        Ok(t)
    }

    /// Replaces a template's name and variants.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict` (stale version), `Invalid` as on creation.
    pub async fn update_email_template(
        &self,
        actor: &Actor,
        id: TemplateId,
        expected_version: i64,
        input: TemplateInput,
    ) -> Result<EmailTemplate, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTemplates)?;
        let before = self.store.template(tenant, id).await?;
        check_version(before.version, expected_version)?;
        let checked = input.check()?;
        let mut after = before.clone();
        after.name = checked.name;
        after.variants = checked.variants;
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::Template,
            id.as_uuid(),
            EventKind::Updated,
            None,
            template_changes(Some(&before), &after),
        );
        self.store.update_template(&after, expected_version, &ev).await?;
        Ok(after)
    }

    /// Deletes a template (what was sent from it stays as sent).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict` (stale version).
    pub async fn delete_email_template(&self, actor: &Actor, id: TemplateId, expected_version: i64) -> Result<(), ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTemplates)?;
        let before = self.store.template(tenant, id).await?;
        check_version(before.version, expected_version)?;
        let ev = self.event(actor, EntityType::Template, id.as_uuid(), EventKind::Deleted, None, Vec::new());
        self.store.delete_template(tenant, before.id, &ev).await?;
        Ok(())
    }
}
