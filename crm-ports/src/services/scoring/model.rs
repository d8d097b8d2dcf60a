//! The learned model of a company (Admin, Marketing): trained on demand and every week on
//! its own history — each contact linked to a deal won or lost, with the facts as they stood
//! when the deal closed (engagements after it left out) and their score by today's rules —
//! kept with its judgement (AUC on the examples kept aside, beside the rules'), and read
//! back with its factors in words.

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::runtime::BoxFuture;
use crate::runtime::jobs::{JobContext, JobFinish, JobHandler};
use crate::store::{JobStore, ScoringStore, TenantStore};
use chrono::{DateTime, Utc};
use crm_domain::scoring::learned::{Example, Training, features, train};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, ContactId, TenantId};

/// The kind of the weekly training timer.
pub const WEEKLY: &str = "scoring.train";
/// Contacts read at once.
const PAGE: usize = 500;

/// Training the learned model.
impl<S: ScoringStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Trains a company's model now and keeps it.
    ///
    /// # Errors
    /// Store failures.
    pub async fn train_scoring_model_of(&self, tenant: TenantId) -> Result<(DateTime<Utc>, Training), ServiceError> {
        let history = self.store.scoring_examples(tenant).await?;
        let rules = self.store.scoring_rules(tenant).await?;
        let now = self.clock.now();
        let mut examples = Vec::with_capacity(history.len());
        for chunk in history.chunks(PAGE) {
            let ids: Vec<ContactId> = chunk.iter().map(|(id, _, _)| *id).collect();
            let facts = self.store.scoring_facts(tenant, &ids, now).await?;
            for (id, mut f) in facts {
                let Some((_, won, closed)) = chunk.iter().find(|(c, _, _)| *c == id) else {
                    continue;
                };
                // What was known when the deal closed.
                f.engagements.retain(|(_, at)| at <= closed);
                examples.push(Example {
                    contact_id: id.as_uuid(),
                    x: features(&f),
                    won: *won,
                    rules_score: crm_domain::scoring::score(&rules, &f, *closed).score,
                });
            }
        }
        let training = train(&examples);
        self.store.save_scoring_model(tenant, now, &training).await?;
        Ok((now, training))
    }

    /// Trains the actor's company's model now (Admin, Marketing).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn train_scoring_model(&self, actor: &Actor) -> Result<(DateTime<Utc>, Training), ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageScoring)?;
        self.train_scoring_model_of(tenant).await
    }

    /// The company's latest training, if any (Admin, Marketing).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn scoring_model(&self, actor: &Actor) -> Result<Option<(DateTime<Utc>, Training)>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageScoring)?;
        Ok(self.store.scoring_model(tenant).await?)
    }
}

/// The weekly training of every company.
pub struct WeeklyTraining<S, K, C, I> {
    app: App<S, K, C, I>,
}

impl<S, K, C: Clone, I: Clone> Clone for WeeklyTraining<S, K, C, I> {
    fn clone(&self) -> Self {
        Self { app: self.app.clone() }
    }
}

impl<S, K, C: Clone, I: Clone> WeeklyTraining<S, K, C, I> {
    /// The timer's handler.
    pub fn new(app: &App<S, K, C, I>) -> Self {
        Self { app: app.clone() }
    }
}

impl<S: ScoringStore + JobStore + TenantStore, K, C: Clock, I: IdGenerator> WeeklyTraining<S, K, C, I> {
    /// Queues the weekly timer of every company that has none.
    ///
    /// # Errors
    /// Store failures.
    pub async fn ensure_timers(&self) -> Result<usize, ServiceError> {
        self.app.ensure_timers(WEEKLY, chrono::Duration::weeks(1)).await
    }
}

impl<S, K, C, I> JobHandler for WeeklyTraining<S, K, C, I>
where
    S: ScoringStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + 'static,
    I: IdGenerator + 'static,
{
    fn kind(&self) -> &'static str {
        WEEKLY
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(async move {
            self.app.train_scoring_model_of(ctx.job().tenant_id).await?;
            Ok(self.app.next_timer(ctx.job(), chrono::Duration::weeks(1)))
        })
    }
}
