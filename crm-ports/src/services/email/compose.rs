//! One email written to a contact: from a template or as typed (both may use the
//! template variables), rendered for the recipient, shown as a preview or queued — the
//! message (its content sealed under the recipient's key, its Message-ID fixed), its
//! archive activity on the contact's and the deal's timelines, their events and the job
//! that sends it, in one transaction.

use super::sender::send_job;
use crate::app::{App, added as clear, cut, known, require, scope, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::mail::Mailbox;
use crate::store::{
    ContactStore, EmailContent, EmailMessage, EmailQueue, EmailState, EmailStore, MailRelayStore, NewJob, OpportunityStore,
    OrganizationStore, PipelineStore, SearchHasher, SuppressionStore, TenantStore, UserStore,
};
use crm_domain::activity::{Activity, ActivityInput, ActivityKind, Link};
use crm_domain::contact::Contact;
use crm_domain::email::EmailAddress;
use crm_domain::event::{EntityType, EventKind};
use crm_domain::opportunity::Opportunity;
use crm_domain::suppression::Channel;
use crm_domain::template::{self, Rendered, TemplateVariant};
use crm_domain::tenant::Language;
use crm_domain::text::Label;
use crm_domain::user::User;
use crm_domain::visibility::{Capability, Owned};
use crm_domain::{ActivityId, Actor, CampaignId, ContactId, EmailId, OpportunityId, TemplateId, ValidationError, ViolationKind};
use serde_json::Value;

/// How this installation writes its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// The From address of every message, the sender's name beside it and their own
    /// address as Reply-To (`None`: the sender's own address is the From).
    pub from: Option<String>,
    /// The right-hand part of Message-IDs (`<id@domain>`).
    pub domain: String,
    /// The address the recipients' links lead to (`https://crm.exemple.fr`): with it,
    /// every email carries an open pixel, its links as tracked redirects and an
    /// unsubscribe link (a footer and the RFC 8058 headers); without it, none of these.
    pub public_url: Option<String>,
    /// The unsubscribe footer's words per language, before the link.
    pub footers: Vec<(Language, String)>,
    /// The pace of a company's campaigns, in messages per minute (all its sending
    /// campaigns together); single emails are not held by it.
    pub campaign_rate: u32,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            from: None,
            domain: "crm.localhost".into(),
            public_url: None,
            footers: Vec::new(),
            campaign_rate: 600,
        }
    }
}

impl MailSettings {
    pub(crate) fn footer(&self, language: Language) -> &str {
        self.footers
            .iter()
            .find(|(l, _)| *l == language)
            .or_else(|| self.footers.first())
            .map_or("", |(_, f)| f.as_str())
    }
}

/// An email as its writer asks for it.
#[derive(Debug, Clone, Default)]
pub struct ComposeEmail {
    /// The recipient.
    pub contact_id: Option<ContactId>,
    /// Which of the contact's addresses (default: their first).
    pub to: Option<String>,
    /// The deal it is about (its variables, its timeline).
    pub opportunity_id: Option<OpportunityId>,
    /// The template written from.
    pub template_id: Option<TemplateId>,
    /// The template's language (default: the company's).
    pub language: Option<Language>,
    /// The subject (the template's when absent); may use the variables.
    pub subject: Option<String>,
    /// The body, plain text (the template's when absent); may use the variables.
    pub body: Option<String>,
}

/// What would go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The address written to.
    pub to: String,
    /// From.
    pub from: Mailbox,
    /// Reply-To.
    pub reply_to: Option<Mailbox>,
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: String,
}

/// Who a message goes to.
pub(crate) struct Recipient {
    pub(crate) contact: Contact,
    pub(crate) to: EmailAddress,
    pub(crate) opportunity: Option<Opportunity>,
}

/// Who writes a message, and in which words.
pub(crate) struct Origin {
    pub(crate) sender: Option<User>,
    pub(crate) company_name: String,
    pub(crate) language: Language,
    pub(crate) template_id: Option<TemplateId>,
}

/// A message as it is queued.
pub(crate) struct Queued {
    pub(crate) email: EmailMessage,
    pub(crate) activity: Activity,
    pub(crate) events: [crm_domain::event::NewEvent; 2],
    pub(crate) job: NewJob,
}

/// An email ready to be queued.
pub(crate) struct Prepared {
    language: Language,
    contact: Contact,
    opportunity: Option<Opportunity>,
    template_id: Option<TemplateId>,
    pub(crate) preview: Preview,
    sender: Option<User>,
}

/// The From and Reply-To of a message: the company's address with the sender's name and
/// their own address as Reply-To, else the sender's own address.
pub(crate) fn mailboxes(
    settings: &MailSettings,
    sender: Option<&User>,
    company_name: &str,
) -> Result<(Mailbox, Option<Mailbox>), ServiceError> {
    let sender_box = sender.map(|u| Mailbox {
        name: u.display_name.as_str().to_owned(),
        address: u.email.as_str().to_owned(),
    });
    Ok(match (&settings.from, sender_box) {
        (Some(company_from), s) => (
            Mailbox {
                name: s.as_ref().map_or_else(|| company_name.to_owned(), |s| s.name.clone()),
                address: company_from.clone(),
            },
            s,
        ),
        (None, Some(s)) => (s, None),
        (None, None) => return Err(ValidationError::field("from", ViolationKind::Required).into()),
    })
}

fn unknown(field: &str) -> ServiceError {
    ValidationError::field(field, ViolationKind::Unknown).into()
}

/// Writing one email.
impl<
    S: ContactStore
        + OrganizationStore
        + OpportunityStore
        + PipelineStore
        + UserStore
        + TenantStore
        + SuppressionStore
        + EmailStore
        + MailRelayStore
        + SearchHasher,
    K,
    C: Clock,
    I: IdGenerator,
> App<S, K, C, I>
{
    async fn prepare_email(&self, actor: &Actor, input: &ComposeEmail, settings: &MailSettings) -> Result<Prepared, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::SendEmail)?;
        let contact_id = input
            .contact_id
            .ok_or_else(|| ValidationError::field("contact_id", ViolationKind::Required))?;
        let contact = known(self.store.contact(scope(actor, Owned::Contact)?, contact_id).await, "contact_id")?;
        let to = match input.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(raw) => {
                let a = EmailAddress::parse(raw).map_err(|e| e.at("to"))?;
                if !contact.fields.emails.contains(&a) {
                    return Err(unknown("to"));
                }
                a
            }
            None => contact
                .fields
                .emails
                .first()
                .cloned()
                .ok_or_else(|| ValidationError::field("to", ViolationKind::Required))?,
        };
        if self
            .store
            .suppressed(tenant, &[(Channel::Email, to.as_str())])
            .await?
            .first()
            .copied()
            .unwrap_or(false)
        {
            return Err(ValidationError::field("to", ViolationKind::NotAllowed).into());
        }
        let opportunity = match input.opportunity_id {
            Some(id) => Some(known(
                self.store.opportunity(scope(actor, Owned::Opportunity)?, id).await,
                "opportunity_id",
            )?),
            None => None,
        };
        let company = self.store.tenant(tenant).await?;
        let company_name = company.name.as_str().to_owned();
        let language = input.language.unwrap_or(company.settings.language);
        let from_template = match input.template_id {
            Some(id) => Some(known(self.store.template(tenant, id).await, "template_id")?),
            None => None,
        };
        let base = from_template.as_ref().and_then(|t| t.variant(language));
        let mut v = crm_domain::error::Validator::new();
        let mut text_of = |field: &str, given: Option<&String>, from: Option<&String>| -> Option<String> {
            match given.filter(|s| !s.trim().is_empty()).or(from) {
                None => {
                    v.push(field, ViolationKind::Required);
                    None
                }
                Some(s) if given.is_some() => v.check(field, template::check_source(s)).map(|()| s.clone()),
                Some(s) => Some(s.clone()),
            }
        };
        let subject = text_of("subject", input.subject.as_ref(), base.map(|b| &b.subject));
        let body = text_of("body", input.body.as_ref(), base.map(|b| &b.body));
        v.finish()?;
        let variant = TemplateVariant {
            language,
            subject: subject.unwrap_or_default(),
            body: body.unwrap_or_default(),
        };
        let sender = match actor.user_id() {
            Some(u) => Some(self.store.user(tenant, u).await?),
            None => None,
        };
        let who = Recipient { contact, to, opportunity };
        let from = Origin {
            sender,
            company_name,
            language,
            template_id: from_template.map(|t| t.id),
        };
        self.compose_for(tenant, who, &variant, from, settings).await
    }

    /// A message rendered for one recipient.
    pub(crate) async fn compose_for(
        &self,
        tenant: crm_domain::TenantId,
        who: Recipient,
        variant: &TemplateVariant,
        origin: Origin,
        settings: &MailSettings,
    ) -> Result<Prepared, ServiceError> {
        let Recipient { contact, to, opportunity } = who;
        let Origin {
            sender,
            company_name,
            language,
            template_id,
        } = origin;
        let ctx = self
            .render_context(
                tenant,
                &contact,
                &to,
                opportunity.as_ref(),
                sender.as_ref(),
                &company_name,
                language,
            )
            .await?;
        let Rendered { subject, text } = template::render(variant, &ctx)?;
        let (from, reply_to) = mailboxes(settings, sender.as_ref(), &company_name)?;
        let html = template::text_to_html(&text, str::to_owned);
        Ok(Prepared {
            language,
            preview: Preview {
                to: to.as_str().to_owned(),
                from,
                reply_to,
                subject,
                text,
                html,
            },
            contact,
            opportunity,
            template_id,
            sender,
        })
    }

    /// What an email would be, rendered for its recipient, without sending it.
    ///
    /// # Errors
    /// As [`Self::send_email`].
    pub async fn preview_email(&self, actor: &Actor, input: &ComposeEmail, settings: &MailSettings) -> Result<Preview, ServiceError> {
        let settings = self.settings_for(tenant_of(actor)?, settings).await?;
        Ok(self.prepare_email(actor, input, &settings).await?.preview)
    }

    /// Writes an email to a contact the actor sees: queued with its archive on the
    /// contact's (and the deal's) timeline; the sender job hands it over.
    ///
    /// # Errors
    /// `Forbidden`; `Invalid`: `contact_id` required or unknown, `to` required (no
    /// address), unknown (not the contact's) or `not_allowed` (on the suppression list),
    /// `opportunity_id`/`template_id` unknown, `subject`/`body` required or at fault
    /// (`syntax`, `unknown_variable`, with the line), `from` required (the system writing
    /// without a company address).
    pub async fn send_email(&self, actor: &Actor, input: &ComposeEmail, settings: &MailSettings) -> Result<EmailMessage, ServiceError> {
        let tenant = tenant_of(actor)?;
        let settings = &self.settings_for(tenant, settings).await?;
        let p = self.prepare_email(actor, input, settings).await?;
        let now = self.clock.now();
        let q = self.queued(actor, p, settings, None, now)?;
        self.store
            .queue_emails(
                tenant,
                &EmailQueue {
                    at: now,
                    emails: std::slice::from_ref(&q.email),
                    activities: std::slice::from_ref(&q.activity),
                    events: &q.events,
                    jobs: std::slice::from_ref(&q.job),
                },
            )
            .await?;
        Ok(q.email)
    }

    /// A prepared message as it is queued: the message, its archive, their events and its
    /// send job (due at `due_at`).
    pub(crate) fn queued(
        &self,
        actor: &Actor,
        p: Prepared,
        settings: &MailSettings,
        campaign: Option<(CampaignId, chrono::DateTime<chrono::Utc>)>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Queued, ServiceError> {
        let tenant = tenant_of(actor)?;
        let id = EmailId::from_uuid(self.new_id());
        let mut links = vec![Link {
            entity_type: EntityType::Contact,
            entity_id: p.contact.id.as_uuid(),
        }];
        if let Some(o) = &p.opportunity {
            links.push(Link {
                entity_type: EntityType::Opportunity,
                entity_id: o.id.as_uuid(),
            });
        }
        let assignee = p.sender.as_ref().map_or(p.contact.owner_id, |u| u.id);
        let tracked = settings
            .public_url
            .as_deref()
            .map(|base| super::tracking::tracked(&*self.store, tenant, id, base, settings.footer(p.language), &p.preview.text));
        let fields = ActivityInput {
            subject: cut(&p.preview.subject, Label::MAX_CHARS),
            links,
            starts_at: Some(now),
            direction: Some("outbound".into()),
            ..ActivityInput::default()
        }
        .parse(ActivityKind::Email, assignee)?;
        let activity = Activity {
            id: ActivityId::from_uuid(self.new_id()),
            tenant_id: tenant,
            kind: ActivityKind::Email,
            created_by: actor.user_id(),
            fields,
            done_at: Some(now),
            system: false,
            reminder_key: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let email = EmailMessage {
            id,
            tenant_id: tenant,
            message_id: format!("{}@{}", id.as_uuid(), settings.domain),
            contact_id: p.contact.id,
            opportunity_id: p.opportunity.as_ref().map(|o| o.id),
            activity_id: Some(activity.id),
            template_id: p.template_id,
            sender_id: actor.user_id(),
            campaign_id: campaign.map(|(c, _)| c),
            content: Some(EmailContent {
                from: p.preview.from,
                to: Mailbox {
                    name: format!("{} {}", p.contact.fields.first_name.as_str(), p.contact.fields.last_name.as_str())
                        .trim()
                        .to_owned(),
                    address: p.preview.to,
                },
                reply_to: p.preview.reply_to,
                subject: p.preview.subject,
                text: tracked.as_ref().map_or(p.preview.text, |t| t.text.clone()),
                html: Some(tracked.as_ref().map_or(p.preview.html, |t| t.html.clone())),
                unsubscribe: tracked.map(|t| t.unsubscribe),
            }),
            state: EmailState::Queued,
            attempts: 0,
            resends: 0,
            last_error: None,
            queued_at: now,
            sent_at: None,
            stats: crate::store::EmailStats::default(),
        };
        let mut changes = vec![
            clear("contact_id", Value::from(email.contact_id.as_uuid().to_string())),
            clear("activity_id", Value::from(activity.id.as_uuid().to_string())),
        ];
        if let Some(o) = email.opportunity_id {
            changes.push(clear("opportunity_id", Value::from(o.as_uuid().to_string())));
        }
        if let Some(t) = email.template_id {
            changes.push(clear("template_id", Value::from(t.as_uuid().to_string())));
        }
        if let Some(c) = email.campaign_id {
            changes.push(clear("campaign_id", Value::from(c.as_uuid().to_string())));
        }
        let events = [
            self.event(
                actor,
                EntityType::Activity,
                activity.id.as_uuid(),
                EventKind::Created,
                Some(assignee.as_uuid()),
                Activity::changes(None, &activity),
            ),
            self.event(
                actor,
                EntityType::Email,
                id.as_uuid(),
                EventKind::Created,
                Some(p.contact.owner_id.as_uuid()),
                changes,
            ),
        ];
        let job = send_job(self.new_id(), tenant, id, campaign.map_or(now, |(_, due)| due))?;
        Ok(Queued {
            email,
            activity,
            events,
            job,
        })
    }

    /// One email, when its recipient is visible to the actor.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden` for those who do not send email.
    pub async fn email(&self, actor: &Actor, id: EmailId) -> Result<EmailMessage, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::SendEmail)?;
        let e = self.store.email(tenant, id).await?;
        self.store.contact(scope(actor, Owned::Contact)?, e.contact_id).await?;
        Ok(e)
    }

    /// The emails to a contact the actor sees, newest first.
    ///
    /// # Errors
    /// `NotFound` (the contact); `Forbidden`.
    pub async fn emails_to(&self, actor: &Actor, contact: ContactId, limit: u32) -> Result<Vec<EmailMessage>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::SendEmail)?;
        self.store.contact(scope(actor, Owned::Contact)?, contact).await?;
        Ok(self.store.emails_to(tenant, contact, limit.clamp(1, 200)).await?)
    }
}
