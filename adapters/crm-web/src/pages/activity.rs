//! Logging an activity from a record's page (a contact, an opportunity): the form's values
//! and what it asks the use case for (the date read in the company's time zone).

use super::Form;
use crate::Web;
use crate::i18n::Lang;
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::event::EntityType;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use uuid::Uuid;

/// The activity form's values.
pub(crate) struct ActivityForm {
    pub(crate) kinds: Vec<(String, String, bool)>,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) when: String,
}

const ACTIVITY_KINDS: [&str; 4] = ["note", "call", "task", "meeting"];

impl ActivityForm {
    /// The form as typed (empty on a first visit: a note).
    pub(crate) fn new(lang: Lang, f: &Form) -> Self {
        let kind = f.get("kind").unwrap_or_else(|| "note".to_owned());
        Self {
            kinds: ACTIVITY_KINDS
                .iter()
                .map(|k| ((*k).to_owned(), lang.t(&format!("activity_kind.{k}")), *k == kind))
                .collect(),
            subject: f.text("subject"),
            body: f.text("body"),
            when: f.text("when"),
        }
    }
}

/// Logs the activity of `form` about a record, assigned to the actor (the form's draft
/// forgotten).
///
/// # Errors
/// The use case's: `Invalid` with the fields at fault, `NotFound`, `Forbidden`.
pub(crate) async fn log<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    entity_type: EntityType,
    entity_id: Uuid,
    form: &Form,
) -> Result<(), ServiceError> {
    let tz = super::company_tz(web, actor).await;
    let kind = form.get("kind").unwrap_or_else(|| "note".to_owned());
    let when = form
        .get("when")
        .and_then(|w| chrono::NaiveDateTime::parse_from_str(&w, "%Y-%m-%dT%H:%M").ok())
        .and_then(|w| w.and_local_timezone(tz).earliest())
        .map(|w| w.with_timezone(&chrono::Utc));
    let mut input = ActivityInput {
        subject: form.text("subject"),
        body: form.get("body"),
        links: vec![Link { entity_type, entity_id }],
        assignee_id: actor.user_id(),
        ..ActivityInput::default()
    };
    match kind.as_str() {
        "task" => input.due_at = when,
        "meeting" => {
            input.starts_at = when;
            input.ends_at = when.map(|w| w + chrono::Duration::hours(1));
        }
        "call" => {
            input.direction = Some("outbound".to_owned());
            input.starts_at = when;
        }
        _ => input.starts_at = when,
    }
    web.app.create_activity(actor, &kind, &input).await?;
    if let Some(form) = draft_form(entity_type) {
        super::drafts::forget(web, actor, form, Some(entity_id)).await;
    }
    Ok(())
}

/// The draft's name of the activity form on a record's page.
pub(crate) fn draft_form(entity_type: EntityType) -> Option<&'static str> {
    match entity_type {
        EntityType::Contact => Some("contact_activity"),
        EntityType::Opportunity => Some("opportunity_activity"),
        EntityType::Organization => Some("organization_activity"),
        _ => None,
    }
}
