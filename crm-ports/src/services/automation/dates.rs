//! Dates reached: an hourly timer per company that starts the rules whose trigger is a date
//! ("3 days before the expected close") for the open opportunities whose day it is, in the
//! company's time zone. A run is keyed by its record and day, so the hours after the first
//! find it started and start nothing again.

use super::engine::Candidate;
use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{OpportunityFilter, PageRequest, Scope};
use crate::runtime::BoxFuture;
use crate::runtime::jobs::{JobContext, JobFinish, JobHandler};
use crate::store::{ActivityStore, AutomationStore, JobStore, OpportunityStore, RunStart, SegmentStore, TenantStore};
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_domain::automation::{AutomationRule, Trigger};
use crm_domain::event::EntityType;
use crm_domain::tenant::TimeZone;
use crm_domain::visibility::RecordScope;

/// The timer's kind.
pub const DATES: &str = "automation.dates";

const EVERY: chrono::Duration = chrono::Duration::hours(1);

impl<S: AutomationStore + SegmentStore + OpportunityStore + ActivityStore + TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The runs a date rule starts on `day` (the company's date at that instant, in its
    /// `zone`): one per open opportunity expected to close `-days` days later.
    pub(crate) async fn date_starts(
        &self,
        tenant: TenantId,
        zone: TimeZone,
        rule: &AutomationRule,
        days: i32,
        day: DateTime<Utc>,
    ) -> Result<Vec<RunStart>, ServiceError> {
        let today = day.with_timezone(&zone.tz()).date_naive();
        let Some(close) = today.checked_sub_signed(chrono::Duration::days(i64::from(days))) else {
            return Ok(Vec::new());
        };
        let scope = Scope {
            tenant_id: tenant,
            records: RecordScope::Tenant,
        };
        let filter = OpportunityFilter {
            status: Some("open"),
            close_from: Some(close),
            close_to: Some(close),
            ..OpportunityFilter::default()
        };
        let mut candidates = Vec::new();
        let mut cursor = None;
        loop {
            let page = PageRequest {
                cursor,
                limit: Some(crate::query::MAX_PAGE_SIZE),
                ..PageRequest::default()
            };
            let found = self.store.list_opportunities(scope, &filter, &page).await?;
            for o in &found.items {
                candidates.push(Candidate {
                    rule,
                    trigger_key: format!("date:{}:{close}", o.id),
                    at: day,
                    event_seq: None,
                    entity_type: EntityType::Opportunity,
                    entity_id: o.id.as_uuid(),
                    contact_id: o.fields.contact_ids.first().copied(),
                    cause_depth: 0,
                });
            }
            match found.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        self.decide_runs(tenant, candidates, day).await
    }

    /// Starts the company's date rules for today; how many runs were new.
    ///
    /// # Errors
    /// Store failures.
    pub async fn start_date_rules(&self, tenant: TenantId) -> Result<u64, ServiceError> {
        let now = self.clock.now();
        let mut started = 0;
        let mut zone = None;
        for rule in self.store.automations(tenant).await?.iter().filter(|r| r.spec.active) {
            if let Trigger::DateReached { days } = rule.spec.trigger {
                let z = match zone {
                    Some(z) => z,
                    None => *zone.insert(self.store.tenant(tenant).await?.settings.time_zone),
                };
                let starts = self.date_starts(tenant, z, rule, days, now).await?;
                if !starts.is_empty() {
                    started += self.store.start_automation_runs(tenant, &starts).await?;
                }
            }
        }
        Ok(started)
    }
}

/// The hourly look at dates of every company, as a timer job.
pub struct DateRules<S, K, C, I> {
    app: App<S, K, C, I>,
}

impl<S, K, C: Clone, I: Clone> Clone for DateRules<S, K, C, I> {
    fn clone(&self) -> Self {
        Self { app: self.app.clone() }
    }
}

impl<S, K, C: Clone, I: Clone> DateRules<S, K, C, I> {
    /// The timer over the application's store.
    pub fn new(app: &App<S, K, C, I>) -> Self {
        Self { app: app.clone() }
    }
}

impl<S: JobStore + TenantStore, K, C: Clock + Clone, I: IdGenerator + Clone> DateRules<S, K, C, I> {
    /// Queues the timer of every company that has none; how many were queued.
    ///
    /// # Errors
    /// Store failures.
    pub async fn ensure_timers(&self) -> Result<usize, ServiceError> {
        self.app.ensure_timers(DATES, EVERY).await
    }
}

impl<
    S: AutomationStore + SegmentStore + OpportunityStore + ActivityStore + TenantStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> JobHandler for DateRules<S, K, C, I>
{
    fn kind(&self) -> &'static str {
        DATES
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(async move {
            let job = ctx.job();
            let n = self.app.start_date_rules(job.tenant_id).await?;
            if n > 0 {
                tracing::info!(tenant = %job.tenant_id, runs = n, "automation rules started by a date");
            }
            Ok(self.app.next_timer(job, EVERY))
        })
    }
}
