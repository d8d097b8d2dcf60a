//! The demo's campaigns, each played as it happened: Marketing makes the list of
//! recipients and writes the campaign a few days before, starts it on the day, the
//! messages go out (through the application's own jobs, under a clock set to that day),
//! then the recipients react over the following days: some mail readers fetch the pixel at
//! once (counted as machines), people open, follow the link, answer, unsubscribe, and
//! one address comes back unknown. The automation rules see each reaction when it happens.

use super::background::{Background, Written};
use super::compliance::Diary;
use chrono::{DateTime, Duration, Utc};
use crm_domain::campaign::{CampaignAction, CampaignInput};
use crm_domain::contact::Contact;
use crm_domain::{Actor, ContactId, TemplateId};
use crm_ports::mail::{DeliveryReport, FailedRecipient, InboundMessage};
use crm_ports::services::email::LinkKind;
use crm_ports::services::segments::SegmentInput;
use crm_ports::store::{EmailMessage, EmailState, Store};
use crm_ports::{App, Clock, Credentials, FixedClock, IdGenerator, ServiceError};
use rand::{Rng, RngExt};
use std::collections::HashMap;

/// A reader's mail program.
const READER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.0";
/// A security gateway that fetches every image as the message arrives.
const GATEWAY: &str = "Mozilla/5.0 (compatible; Microsoft Office Protection)";

/// Answers people write back.
const REPLIES: [&str; 5] = [
    "Merci pour le message, je suis intéressé. Pouvez-vous me rappeler en début de semaine prochaine ?",
    "Bonjour, je ne suis plus en charge de ce sujet : voyez avec ma collègue qui a repris le dossier.",
    "Avec plaisir, je passerai vous voir. Avez-vous un créneau le mardi matin ?",
    "Bien reçu, merci. Nous en reparlons après notre comité de direction.",
    "Pouvez-vous m'envoyer une proposition chiffrée pour notre site ?",
];

/// One campaign of the demo.
pub(super) struct CampaignPlan<'a> {
    /// Its name (the list is named after it).
    pub name: &'a str,
    /// The list's name.
    pub list: &'a str,
    /// The template it sends.
    pub template: TemplateId,
    /// Who receives it.
    pub recipients: Vec<ContactId>,
    /// When it starts.
    pub at: DateTime<Utc>,
}

/// What a company's campaigns need.
pub(super) struct Audience<'a> {
    /// Writes and runs the campaigns.
    pub marketing: Actor,
    /// The company's contacts (for the replies' senders).
    pub contacts: &'a [Contact],
    /// The company's domain (replies' Message-IDs).
    pub domain: &'a str,
    /// The company's inbound secret (where replies are filed).
    pub inbound: &'a str,
}

/// What happened to a message, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reaction {
    Fetched,
    Opened,
    Clicked,
    Replied,
    Unsubscribed,
    Bounced,
}

/// Plays a campaign; how many messages went out.
///
/// # Errors
/// The first service error.
pub(super) async fn play<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    background: &Background<S, K, C, I>,
    rng: &mut impl Rng,
    who: &Audience<'_>,
    plan: &CampaignPlan<'_>,
    diary: &mut Diary,
) -> Result<usize, ServiceError> {
    let tenant = who
        .marketing
        .tenant_id()
        .ok_or_else(|| ServiceError::Internal("demo: campaigns are a company's".into()))?;
    let at = |t: DateTime<Utc>| app.with_clock(FixedClock(t));
    let prepared = plan.at - Duration::days(3);
    let list = at(prepared)
        .create_segment(
            &who.marketing,
            &SegmentInput {
                name: plan.list.into(),
                rule: None,
            },
        )
        .await?;
    at(prepared).add_segment_members(&who.marketing, list.id, &plan.recipients).await?;
    let draft = at(prepared + Duration::hours(1))
        .create_campaign(
            &who.marketing,
            CampaignInput {
                name: plan.name.into(),
                segment_id: Some(list.id),
                template_id: Some(plan.template),
                language: None,
            },
        )
        .await?;
    // The consents and requests as they stood on the day it was sent.
    diary.write_until(app, plan.at).await?;
    at(plan.at)
        .move_campaign(
            &who.marketing,
            draft.id,
            draft.version,
            CampaignAction::Start,
            None,
            &background.mail,
        )
        .await?;
    background.settle(tenant, plan.at).await?;
    let mut sent: Vec<EmailMessage> = Vec::new();
    loop {
        let page = app
            .campaign_emails(&who.marketing, draft.id, sent.last().map(|m| m.id), 200)
            .await?;
        if page.is_empty() {
            break;
        }
        sent.extend(page);
    }
    sent.retain(|m| m.state == EmailState::Sent);
    let mut reactions = reactions(rng, &sent);
    reactions.sort_by_key(|(t, _, _)| *t);
    let people: HashMap<ContactId, &Contact> = who.contacts.iter().map(|c| (c.id, c)).collect();
    for (n, (t, reaction, i)) in reactions.iter().enumerate() {
        // What people said of their consents meanwhile, before this reaction.
        diary.write_until(app, *t).await?;
        let m = &sent[*i];
        let then = at(*t);
        match reaction {
            Reaction::Fetched => then.email_opened(&app.email_link_token(m, LinkKind::Open), Some(GATEWAY)).await?,
            Reaction::Opened => then.email_opened(&app.email_link_token(m, LinkKind::Open), Some(READER)).await?,
            Reaction::Clicked => {
                then.email_clicked(&app.email_link_token(m, LinkKind::Click(0)), Some(READER))
                    .await?;
            }
            Reaction::Unsubscribed => {
                then.unsubscribe(&app.email_link_token(m, LinkKind::Unsubscribe)).await?;
            }
            Reaction::Replied | Reaction::Bounced => {
                let to = people
                    .get(&m.contact_id)
                    .and_then(|c| c.fields.emails.first())
                    .map(|e| e.as_str().to_owned());
                let subject = m.content.as_ref().map(|c| c.subject.clone()).unwrap_or_default();
                let message = if *reaction == Reaction::Replied {
                    InboundMessage {
                        message_id: Some(format!("reponse-{n}-{}@{}", m.id.as_uuid().simple(), who.domain)),
                        answers: vec![m.message_id.clone()],
                        from: to,
                        subject: format!("RE: {subject}"),
                        text: REPLIES[n % REPLIES.len()].into(),
                        date: Some(*t),
                        delivery: None,
                    }
                } else {
                    InboundMessage {
                        subject: "Undelivered Mail Returned to Sender".into(),
                        delivery: Some(DeliveryReport {
                            original: Some(m.message_id.clone()),
                            failed: vec![FailedRecipient {
                                address: to.unwrap_or_default(),
                                status: "5.1.1".into(),
                                diagnostic: Some("smtp; 550 5.1.1 <destinataire> : adresse inconnue".into()),
                            }],
                        }),
                        ..InboundMessage::default()
                    }
                };
                then.file_inbound(who.inbound, b"", &Written(message)).await?;
            }
        }
        // The automation rules hear of a click or an answer as it happens.
        if matches!(reaction, Reaction::Clicked | Reaction::Replied) {
            background.settle(tenant, *t).await?;
        }
    }
    if let Some((last, _, _)) = reactions.last() {
        background.settle(tenant, *last).await?;
    }
    Ok(sent.len())
}

/// The recipients' reactions to `sent` (indexes into it), unordered: about half open
/// within three days, a third of those follow the link, a few answer or unsubscribe; one
/// in ten messages is fetched by a gateway as it arrives. Whatever the draw, the first
/// address comes back unknown, the second recipient opens, follows the link and answers,
/// the third opens and unsubscribes: every kind of reaction shows in every campaign.
fn reactions(rng: &mut impl Rng, sent: &[EmailMessage]) -> Vec<(DateTime<Utc>, Reaction, usize)> {
    let mut out = Vec::new();
    for (i, m) in sent.iter().enumerate() {
        let Some(at) = m.sent_at else { continue };
        if i == 0 {
            out.push((at + Duration::minutes(2), Reaction::Bounced, i));
            continue;
        }
        if rng.random_bool(0.1) {
            out.push((at + Duration::seconds(rng.random_range(2..20)), Reaction::Fetched, i));
        }
        if i > 2 && !rng.random_bool(0.5) {
            continue;
        }
        let opened = at + Duration::minutes(rng.random_range(20..4_320));
        out.push((opened, Reaction::Opened, i));
        if i == 1 || (i > 2 && rng.random_bool(0.33)) {
            out.push((opened + Duration::minutes(rng.random_range(1..30)), Reaction::Clicked, i));
        }
        if i == 1 || (i > 2 && rng.random_bool(0.08)) {
            out.push((opened + Duration::minutes(rng.random_range(30..1_440)), Reaction::Replied, i));
        } else if i == 2 || rng.random_bool(0.04) {
            out.push((opened + Duration::minutes(rng.random_range(1..5)), Reaction::Unsubscribed, i));
        }
    }
    out
}
