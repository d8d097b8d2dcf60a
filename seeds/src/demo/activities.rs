//! The demo's activities: calls, meetings, notes and emails of the last 18 months, and
//! tasks due around today, each on a contact and assigned to its owner.

use crate::pick;
use crate::trades::Trade;
use chrono::{DateTime, Duration, Utc};
use crm_domain::Actor;
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::contact::Contact;
use crm_domain::event::EntityType;
use crm_ports::store::Store;
use crm_ports::{App, Clock, Credentials, IdGenerator, ServiceError};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Writes `count` activities on `contacts`, written by `admin`, their texts from `trade`,
/// dated around `today`; `rngs` draws the contacts and dates, then the words. How many were
/// written.
///
/// # Errors
/// The first service error.
pub(super) async fn load_activities<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    admin: &Actor,
    trade: &Trade,
    contacts: &[Contact],
    count: usize,
    today: DateTime<Utc>,
    rngs: (&mut ChaCha8Rng, &mut ChaCha8Rng),
) -> Result<usize, ServiceError> {
    let (rng, words) = rngs;
    for i in 0..count {
        let c = &contacts[rng.random_range(0..contacts.len())];
        let link = vec![Link {
            entity_type: EntityType::Contact,
            entity_id: c.id.as_uuid(),
        }];
        let when = today - Duration::minutes(rng.random_range(60..(540 * 24 * 60)));
        let (kind, input) = match i % 5 {
            0 => (
                "call",
                ActivityInput {
                    subject: "Appel de suivi".into(),
                    direction: Some("outbound".into()),
                    duration_seconds: Some(rng.random_range(30..1800)),
                    starts_at: Some(when),
                    body: Some("Intéressé ; rappeler après le comité.".into()),
                    links: link,
                    assignee_id: Some(c.owner_id),
                    ..ActivityInput::default()
                },
            ),
            1 => {
                let (subject, place) = *pick(words, trade.meetings);
                (
                    "meeting",
                    ActivityInput {
                        subject: subject.into(),
                        starts_at: Some(when),
                        ends_at: Some(when + Duration::hours(1)),
                        place: Some(place.into()),
                        links: link,
                        assignee_id: Some(c.owner_id),
                        ..ActivityInput::default()
                    },
                )
            }
            2 => (
                "note",
                ActivityInput {
                    subject: "Note".into(),
                    body: Some((*pick(words, trade.notes)).into()),
                    starts_at: Some(when),
                    links: link,
                    assignee_id: Some(c.owner_id),
                    ..ActivityInput::default()
                },
            ),
            3 => (
                "email",
                ActivityInput {
                    subject: (*pick(words, trade.emails)).into(),
                    direction: Some("outbound".into()),
                    starts_at: Some(when),
                    links: link,
                    assignee_id: Some(c.owner_id),
                    ..ActivityInput::default()
                },
            ),
            _ => {
                let due = today + Duration::hours(rng.random_range(-72..240));
                (
                    "task",
                    ActivityInput {
                        subject: (*pick(words, trade.tasks)).into(),
                        due_at: Some(due),
                        links: link,
                        assignee_id: Some(c.owner_id),
                        ..ActivityInput::default()
                    },
                )
            }
        };
        app.create_activity(admin, kind, &input).await?;
    }
    Ok(count)
}
