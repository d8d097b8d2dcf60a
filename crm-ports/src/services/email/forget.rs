//! An erased (or anonymised) person's emails forgotten by the mailer: a reader of the log
//! that meets `person_erased` (or `person_anonymised`) asks the mailer to drop the copies it keeps of the messages sent to
//! them — the embedded mailer's `.eml` files. (A relay keeps none here; what the
//! recipient's mailbox holds is theirs.) Run again after a failure, it forgets nothing
//! twice and fails on nothing already gone.

use crate::app::App;
use crate::env::Clock;
use crate::error::ServiceError;
use crate::mail::Mailer;
use crate::query::EventRecord;
use crate::runtime::BoxFuture;
use crate::runtime::consumers::{Consumer, Interest, Positions};
use crate::store::{Advance, ConsumerStore, EmailStore};
use crm_domain::event::{EntityType, EventKind};
use crm_domain::{ContactId, TenantId};
use std::sync::Arc;

/// The reader's name (its cursor).
pub const MAIL_FORGETTER: &str = "mail_forgetter";

const INTEREST: &[(EntityType, EventKind)] = &[
    (EntityType::Contact, EventKind::Erased),
    (EntityType::Contact, EventKind::Anonymised),
];

/// Most messages of one person forgotten.
const MAX_MESSAGES: u32 = 100_000;

/// Forgets the mailer's copies of an erased person's emails.
pub struct MailForgetter<S, K, C, I> {
    app: App<S, K, C, I>,
    mailer: Arc<dyn Mailer>,
}

impl<S, K, C: Clone, I: Clone> MailForgetter<S, K, C, I> {
    /// The reader over the application's store, for this mailer.
    pub fn new(app: &App<S, K, C, I>, mailer: Arc<dyn Mailer>) -> Self {
        Self { app: app.clone(), mailer }
    }
}

impl<
    S: EmailStore + ConsumerStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: crate::env::IdGenerator + Clone + Send + Sync + 'static,
> Consumer for MailForgetter<S, K, C, I>
{
    fn name(&self) -> &'static str {
        MAIL_FORGETTER
    }

    fn interest(&self) -> Interest {
        Interest::Only(INTEREST)
    }

    fn positions(&self) -> Positions {
        Positions::Store
    }

    fn position(&self, tenant: TenantId) -> BoxFuture<'_, Result<i64, ServiceError>> {
        Box::pin(async move { Ok(self.app.store.consumer_cursor(tenant, MAIL_FORGETTER).await?) })
    }

    fn apply<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord], advance: Advance) -> BoxFuture<'a, Result<(), ServiceError>> {
        Box::pin(async move {
            for e in events {
                let sent = self
                    .app
                    .store
                    .emails_to(tenant, ContactId::from_uuid(e.entity_id), MAX_MESSAGES)
                    .await?;
                let ids: Vec<String> = sent.into_iter().map(|m| m.message_id).collect();
                if !ids.is_empty() {
                    self.mailer
                        .forget(tenant, &ids)
                        .await
                        .map_err(|err| ServiceError::Internal(format!("forgetting {} messages: {err}", ids.len())))?;
                }
            }
            self.app
                .store
                .consumer_commit(tenant, MAIL_FORGETTER, advance, &[], self.app.now())
                .await?;
            Ok(())
        })
    }
}
