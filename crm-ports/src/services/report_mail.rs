//! Scheduled reports: a user asks to receive the sales report by email every week or every
//! month (as a PDF or a workbook, over their own deals, their team's or all they see). A
//! subscription is a recurring timer of the platform (`report.email`, one per user and
//! frequency): each time it fires, the server's handler writes the report of the week or
//! month just over as that user — within what they may see at that moment — mails it to
//! them and queues the next time in the same transaction. Sending one now is a one-off job
//! of the same kind, over the period so far.

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{Job, JobState, JobStore, NewJob, TenantStore};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use crm_domain::report::{PeriodKind, ReportPeriod, ReportScope, start_of_day};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, UserId, ValidationError, ViolationKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The kind of the jobs that mail reports.
pub const KIND: &str = "report.email";
/// The local hour reports go out.
pub const HOUR: u32 = 7;

/// How often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Mondays, the week before (Monday to Sunday).
    Weekly,
    /// The 1st of each month, the month before.
    Monthly,
}

impl Frequency {
    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
        }
    }

    /// The frequency of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Weekly, Self::Monthly].into_iter().find(|f| f.code() == code)
    }
}

/// What a report job carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportMail {
    /// Who receives it (and whose visibility it is written with).
    pub user_id: UserId,
    /// How often.
    pub frequency: Frequency,
    /// `pdf` or `xlsx`.
    pub format: String,
    /// Whose deals.
    pub scope: ReportScope,
    /// A one-off (now, over the period so far) rather than the recurring one.
    #[serde(default)]
    pub once: bool,
}

/// A subscription as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Its id (the job's).
    pub id: Uuid,
    /// What it sends.
    pub mail: ReportMail,
    /// When it goes next.
    pub next_at: DateTime<Utc>,
}

fn local_at<Tz: TimeZone>(day: NaiveDate, tz: &Tz) -> DateTime<Utc> {
    let t = day.and_time(NaiveTime::from_hms_opt(HOUR, 0, 0).unwrap_or_default());
    tz.from_local_datetime(&t)
        .earliest()
        .map_or_else(|| start_of_day(day, tz), |t| t.with_timezone(&Utc))
}

/// The first sending time strictly after `after`: the next Monday (weekly) or the next 1st
/// (monthly) at 07:00 in `tz`.
pub fn next_run<Tz: TimeZone>(frequency: Frequency, after: DateTime<Utc>, tz: &Tz) -> DateTime<Utc> {
    let mut day = after.with_timezone(tz).date_naive();
    loop {
        let fits = match frequency {
            Frequency::Weekly => day.weekday() == chrono::Weekday::Mon,
            Frequency::Monthly => day.day() == 1,
        };
        if fits && local_at(day, tz) > after {
            return local_at(day, tz);
        }
        day = day.checked_add_days(Days::new(1)).unwrap_or(day);
    }
}

/// The period a report sent at `at` covers: the week (Monday to Sunday) or month just over;
/// for a one-off, the week or month so far.
pub fn period_for<Tz: TimeZone>(mail: &ReportMail, at: DateTime<Utc>, tz: &Tz) -> ReportPeriod {
    let today = at.with_timezone(tz).date_naive();
    let day = if mail.once { today } else { today.pred_opt().unwrap_or(today) };
    match mail.frequency {
        Frequency::Monthly => ReportPeriod::containing(day, PeriodKind::Month),
        Frequency::Weekly => {
            let monday = day
                .checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
                .unwrap_or(day);
            let sunday = monday.checked_add_days(Days::new(6)).unwrap_or(monday);
            ReportPeriod::custom(monday, sunday).unwrap_or_else(|_| ReportPeriod::containing(day, PeriodKind::Custom))
        }
    }
}

fn subscription_of(j: &Job) -> Option<Subscription> {
    let mail: ReportMail = serde_json::from_value(j.payload.clone()).ok()?;
    (j.kind == KIND && !mail.once && matches!(j.state, JobState::Queued | JobState::Running)).then_some(Subscription {
        id: j.id,
        mail,
        next_at: j.due_at,
    })
}

fn key_of(user: UserId, frequency: Frequency) -> String {
    format!("{KIND}:{}:{}", user.as_uuid(), frequency.code())
}

/// Scheduled reports.
impl<S: JobStore + TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The actor's subscriptions.
    ///
    /// # Errors
    /// `Forbidden` for those who read no report (Marketing, the operator).
    pub async fn report_subscriptions(&self, actor: &Actor) -> Result<Vec<Subscription>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ReadForecast)?;
        let me = actor.user_id().ok_or(ServiceError::Forbidden)?;
        Ok(self
            .store
            .jobs(tenant, Some(KIND), 500)
            .await?
            .iter()
            .filter_map(subscription_of)
            .filter(|s| s.mail.user_id == me)
            .collect())
    }

    /// Subscribes the actor to a report every week or month (and sends one now, over the
    /// period so far, when `send_now`).
    ///
    /// # Errors
    /// `Forbidden`; `format: unknown` (not `pdf` or `xlsx`); `frequency: repeated` when the
    /// actor already receives it at that frequency.
    pub async fn subscribe_report(
        &self,
        actor: &Actor,
        frequency: Frequency,
        format: &str,
        scope: ReportScope,
        send_now: bool,
    ) -> Result<Subscription, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ReadForecast)?;
        let me = actor.user_id().ok_or(ServiceError::Forbidden)?;
        if !matches!(format, "pdf" | "xlsx") {
            return Err(ValidationError::field("format", ViolationKind::Unknown).into());
        }
        let tz = self.store.tenant(tenant).await?.settings.time_zone.tz();
        let now = self.clock.now();
        let mail = ReportMail {
            user_id: me,
            frequency,
            format: format.to_owned(),
            scope,
            once: false,
        };
        let job = NewJob {
            id: self.new_id(),
            tenant_id: tenant,
            kind: KIND.to_owned(),
            payload: serde_json::to_value(&mail).map_err(|e| ServiceError::Internal(e.to_string()))?,
            due_at: next_run(frequency, now, &tz),
            key: Some(key_of(me, frequency)),
        };
        if !self.store.enqueue_job(&job, now).await? {
            return Err(ValidationError::field("frequency", ViolationKind::Repeated).into());
        }
        if send_now {
            let once = ReportMail {
                once: true,
                ..mail.clone()
            };
            let one = NewJob {
                id: self.new_id(),
                payload: serde_json::to_value(&once).map_err(|e| ServiceError::Internal(e.to_string()))?,
                due_at: now,
                key: None,
                ..job.clone()
            };
            self.store.enqueue_job(&one, now).await?;
        }
        Ok(Subscription {
            id: job.id,
            mail,
            next_at: job.due_at,
        })
    }

    /// Ends one of the actor's subscriptions.
    ///
    /// # Errors
    /// `NotFound` for another's or none.
    pub async fn unsubscribe_report(&self, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
        let tenant = tenant_of(actor)?;
        let mine = self.report_subscriptions(actor).await?.iter().any(|s| s.id == id);
        if !mine {
            return Err(ServiceError::NotFound);
        }
        self.store.cancel_job(tenant, id, self.clock.now()).await?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn reports_go_out_on_mondays_and_firsts_at_seven_paris_time() {
        let paris = crm_domain::tenant::TimeZone::PARIS.tz();
        // Tuesday 1 December 2026, 17:00 UTC: next Monday is the 7th, 07:00 Paris = 06:00 UTC.
        assert_eq!(
            next_run(Frequency::Weekly, t("2026-12-01T17:00:00Z"), &paris),
            t("2026-12-07T06:00:00Z")
        );
        assert_eq!(
            next_run(Frequency::Monthly, t("2026-12-01T17:00:00Z"), &paris),
            t("2027-01-01T06:00:00Z")
        );
        // A Monday before 07:00: that same morning; right at it: the next week.
        assert_eq!(
            next_run(Frequency::Weekly, t("2026-12-07T05:00:00Z"), &paris),
            t("2026-12-07T06:00:00Z")
        );
        assert_eq!(
            next_run(Frequency::Weekly, t("2026-12-07T06:00:00Z"), &paris),
            t("2026-12-14T06:00:00Z")
        );
        // Summer time: 07:00 Paris is 05:00 UTC.
        assert_eq!(
            next_run(Frequency::Monthly, t("2027-06-15T00:00:00Z"), &paris),
            t("2027-07-01T05:00:00Z")
        );
    }

    #[test]
    fn a_report_covers_the_week_or_month_just_over() {
        let paris = crm_domain::tenant::TimeZone::PARIS.tz();
        let mail = |frequency, once| ReportMail {
            user_id: UserId::from_uuid(Uuid::from_u128(1)),
            frequency,
            format: "pdf".into(),
            scope: ReportScope::Mine,
            once,
        };
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let w = period_for(&mail(Frequency::Weekly, false), t("2026-12-07T06:00:00Z"), &paris);
        assert_eq!((w.first, w.last), (d("2026-11-30"), d("2026-12-06")));
        let m = period_for(&mail(Frequency::Monthly, false), t("2027-01-01T06:00:00Z"), &paris);
        assert_eq!((m.first, m.last), (d("2026-12-01"), d("2026-12-31")));
        // Now: the week so far.
        let now = period_for(&mail(Frequency::Weekly, true), t("2026-12-03T10:00:00Z"), &paris);
        assert_eq!((now.first, now.last), (d("2026-11-30"), d("2026-12-06")));
    }
}
