//! Retention of prospects' data: the report of the prospects whose time is up under the
//! company's policy (a dry run: nothing changes), their erasure or anonymisation by an
//! Admin, and the daily job that erases or anonymises them when the company chose so. An
//! erasure by retention is the same crypto-shredding as a person's erasure, with an
//! `erased` event naming the rule; an anonymisation destroys the same key and rewrites the
//! record so that it names no one (`crm_domain::retention::anonymised`), with an
//! `anonymised` event. Neither puts the person on the suppression list (they objected to
//! nothing: if they come back and give their details again, they may be recorded).

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::query::Scope;
use crate::store::{ContactStore, JobStore, PersonKeyStore, PrivacyStore, TenantStore};
use chrono::{DateTime, Utc};
use crm_domain::contact::Contact;
use crm_domain::event::{EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::retention::{RetentionAction, RetentionCandidate, RetentionPolicy, anonymised, anonymous_subject};
use crm_domain::tenant::Language;
use crm_domain::visibility::{Capability, RecordScope};
use crm_domain::{Actor, TenantId};

/// The job kind (and key) of the daily run.
pub const RETENTION_SCAN: &str = "retention_scan";

/// Most prospects listed in a report, and erased by one call of an Admin.
pub const MAX_LISTED: u32 = 500;

/// Prospects erased per batch by the job.
const BATCH: u32 = 200;

/// How often the job runs.
const EVERY: chrono::Duration = chrono::Duration::days(1);

/// A prospect whose time is up, with their record.
#[derive(Debug, Clone)]
pub struct DueProspect {
    /// Why they are listed.
    pub candidate: RetentionCandidate,
    /// Their record (names shown to the Admin).
    pub contact: Contact,
}

/// What the policy would do now: nothing is changed by reading it.
#[derive(Debug, Clone)]
pub struct RetentionReport {
    /// The company's policy.
    pub policy: RetentionPolicy,
    /// Prospects whose last own contact is before this are due.
    pub cutoff: DateTime<Utc>,
    /// How many are due.
    pub total: u64,
    /// The first of them, oldest first.
    pub due: Vec<DueProspect>,
}

impl<S: PrivacyStore + ContactStore + PersonKeyStore + TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The prospects due under the company's policy (Admin), the oldest `limit` (at most
    /// [`MAX_LISTED`]) with their records, and how many in all.
    ///
    /// # Errors
    /// `Forbidden`, store failures.
    pub async fn retention_report(&self, actor: &Actor, limit: u32) -> Result<RetentionReport, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let policy = self.store.tenant(tenant).await?.settings.retention;
        let cutoff = policy.cutoff(self.clock.now());
        let total = self.store.retention_due_count(tenant, cutoff).await?;
        let candidates = self.store.retention_due(tenant, cutoff, limit.min(MAX_LISTED)).await?;
        let scope = tenant_scope(tenant);
        let mut due = Vec::with_capacity(candidates.len());
        for candidate in candidates {
            match self.store.contact(scope, candidate.contact_id).await {
                Ok(contact) => due.push(DueProspect { candidate, contact }),
                // Erased or deleted meanwhile.
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(RetentionReport {
            policy,
            cutoff,
            total,
            due,
        })
    }

    /// Erases now the oldest prospects due (Admin), at most [`MAX_LISTED`] per call,
    /// whatever the policy's action; how many were erased and how many are still due.
    ///
    /// # Errors
    /// `Forbidden`, store failures.
    pub async fn erase_due_prospects(&self, actor: &Actor) -> Result<(u64, u64), ServiceError> {
        self.act_now(actor, RetentionAction::Erase).await
    }

    /// Anonymises now the oldest prospects due (Admin), at most [`MAX_LISTED`] per call,
    /// whatever the policy's action; how many were anonymised and how many are still due.
    ///
    /// # Errors
    /// `Forbidden`, store failures.
    pub async fn anonymise_due_prospects(&self, actor: &Actor) -> Result<(u64, u64), ServiceError> {
        self.act_now(actor, RetentionAction::Anonymise).await
    }

    async fn act_now(&self, actor: &Actor, action: RetentionAction) -> Result<(u64, u64), ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let settings = self.store.tenant(tenant).await?.settings;
        let policy = settings.retention;
        let done = self
            .act_on_due(actor, tenant, policy, action, settings.language, MAX_LISTED)
            .await?;
        let remaining = self.store.retention_due_count(tenant, policy.cutoff(self.clock.now())).await?;
        Ok((done, remaining))
    }

    /// Applies the company's policy now: when it says `erase` or `anonymise`, every
    /// prospect due is, by batches; how many (0 when it only flags).
    ///
    /// # Errors
    /// Store failures.
    pub async fn apply_retention(&self, tenant: TenantId) -> Result<u64, ServiceError> {
        let settings = self.store.tenant(tenant).await?.settings;
        let policy = settings.retention;
        if policy.action == RetentionAction::Flag {
            return Ok(0);
        }
        let actor = Actor::System { tenant_id: tenant };
        let mut done = 0;
        loop {
            let n = self
                .act_on_due(&actor, tenant, policy, policy.action, settings.language, BATCH)
                .await?;
            done += n;
            if n < u64::from(BATCH) {
                return Ok(done);
            }
        }
    }

    /// Erases or anonymises (`action`) the oldest `limit` prospects due; how many.
    async fn act_on_due(
        &self,
        actor: &Actor,
        tenant: TenantId,
        policy: RetentionPolicy,
        action: RetentionAction,
        language: Language,
        limit: u32,
    ) -> Result<u64, ServiceError> {
        let cutoff = policy.cutoff(self.clock.now());
        let scope = tenant_scope(tenant);
        let mut done = 0;
        for candidate in self.store.retention_due(tenant, cutoff, limit).await? {
            let contact = match self.store.contact(scope, candidate.contact_id).await {
                Ok(c) => c,
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            };
            let why = vec![
                FieldChange {
                    field: "retention_months",
                    before: None,
                    after: Some(serde_json::Value::from(policy.prospect_months)),
                    sensitivity: Sensitivity::Clear,
                },
                FieldChange {
                    field: "retention_counted_from",
                    before: None,
                    after: Some(serde_json::Value::from(candidate.counted_from().to_rfc3339())),
                    sensitivity: Sensitivity::Clear,
                },
            ];
            let result = match action {
                RetentionAction::Anonymise => self.anonymise(actor, &contact, language, why).await,
                RetentionAction::Erase | RetentionAction::Flag => self.shred(actor, &contact, why).await,
            };
            match result {
                Ok(()) => done += 1,
                Err(ServiceError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

impl<S: PersonKeyStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Anonymises a contact (see [`crate::store::PersonKeyStore::anonymise_person`]) with
    /// an `anonymised` event carrying `changes` (why).
    async fn anonymise(&self, actor: &Actor, contact: &Contact, language: Language, changes: Vec<FieldChange>) -> Result<(), ServiceError> {
        let mut anon = anonymised(contact, language)?;
        anon.version = contact.version + 1;
        anon.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::Contact,
            contact.id.as_uuid(),
            EventKind::Anonymised,
            Some(contact.owner_id.as_uuid()),
            changes,
        );
        self.store
            .anonymise_person(&anon, contact.version, &anonymous_subject(language)?, std::slice::from_ref(&ev))
            .await?;
        Ok(())
    }
}

fn tenant_scope(tenant: TenantId) -> Scope {
    Scope {
        tenant_id: tenant,
        records: RecordScope::Tenant,
    }
}

/// The daily run of every tenant's policy, as a timer job.
pub struct RetentionScan<S, K, C, I> {
    app: App<S, K, C, I>,
}

impl<S, K, C: Clone, I: Clone> Clone for RetentionScan<S, K, C, I> {
    fn clone(&self) -> Self {
        Self { app: self.app.clone() }
    }
}

impl<S, K, C: Clone, I: Clone> RetentionScan<S, K, C, I> {
    /// The run over the application's store.
    pub fn new(app: &App<S, K, C, I>) -> Self {
        Self { app: app.clone() }
    }
}

impl<S: JobStore + TenantStore, K, C: Clock + Clone, I: IdGenerator + Clone> RetentionScan<S, K, C, I> {
    /// Queues the run of every tenant that has none queued or running, due a day from now;
    /// how many were queued.
    ///
    /// # Errors
    /// Store failures.
    pub async fn ensure_timers(&self) -> Result<usize, ServiceError> {
        self.app.ensure_timers(RETENTION_SCAN, EVERY).await
    }
}

impl<
    S: PrivacyStore + ContactStore + PersonKeyStore + TenantStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> crate::runtime::jobs::JobHandler for RetentionScan<S, K, C, I>
{
    fn kind(&self) -> &'static str {
        RETENTION_SCAN
    }

    fn run<'a>(
        &'a self,
        ctx: &'a crate::runtime::jobs::JobContext,
    ) -> crate::runtime::BoxFuture<'a, Result<crate::runtime::jobs::JobFinish, ServiceError>> {
        Box::pin(async move {
            let job = ctx.job();
            let n = self.app.apply_retention(job.tenant_id).await?;
            if n > 0 {
                tracing::info!(tenant = %job.tenant_id, prospects = n, "prospects erased at the end of their retention time");
            }
            Ok(self.app.next_timer(job, EVERY))
        })
    }
}
