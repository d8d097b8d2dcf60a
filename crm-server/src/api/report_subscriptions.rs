//! `/api/v1/reports/subscriptions`: receiving the sales report by email every week or every
//! month (as a PDF or a workbook, over one's own deals, one's team's or all one sees), and
//! one now; one's own subscriptions only.

use super::ApiTags;
use super::common::NoContent;
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::report::ReportScope;
use crm_domain::{ValidationError, ViolationKind};
use crm_ports::services::report_mail::{Frequency, Subscription};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A scheduled report.
#[derive(Debug, Clone, Object)]
pub struct ReportSubscriptionDto {
    /// Id.
    pub id: Uuid,
    /// `weekly` (Mondays, the week before) or `monthly` (the 1st, the month before).
    pub frequency: String,
    /// `pdf` or `xlsx`.
    pub format: String,
    /// `mine`, `team` or `company`.
    pub scope: String,
    /// When it goes next (07:00 in the company's time zone).
    pub next_at: DateTime<Utc>,
}

/// A report to receive by email.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ReportSubscriptionWrite {
    /// `weekly` or `monthly`.
    pub frequency: String,
    /// `pdf` (default) or `xlsx`.
    pub format: Option<String>,
    /// `mine`, `team` or `company` (default).
    pub scope: Option<String>,
    /// Also send one now, over the week or month so far.
    #[oai(default)]
    pub send_now: bool,
}

#[derive(ApiResponse)]
pub enum SubscriptionCreated {
    /// Subscribed.
    #[oai(status = 201)]
    Created(Json<ReportSubscriptionDto>),
}

fn dto(s: &Subscription) -> ReportSubscriptionDto {
    ReportSubscriptionDto {
        id: s.id,
        frequency: s.mail.frequency.code().to_owned(),
        format: s.mail.format.clone(),
        scope: s.mail.scope.code().to_owned(),
        next_at: s.next_at,
    }
}

pub struct ReportSubscriptionsApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Reports")]
impl ReportSubscriptionsApi {
    /// The reports I receive by email.
    #[oai(path = "/api/v1/reports/subscriptions", method = "get", operation_id = "list_report_subscriptions")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<ReportSubscriptionDto>>> {
        let list = self.app.report_subscriptions(&auth.actor()).await?;
        Ok(Json(list.iter().map(dto).collect()))
    }

    /// Receive the sales report by email every week (Mondays at 07:00, the week before) or
    /// every month (the 1st at 07:00, the month before), within what I may see when it
    /// goes. 422 on `frequency` (unknown, or already received at that frequency),
    /// `format`, `scope`.
    #[oai(path = "/api/v1/reports/subscriptions", method = "post", operation_id = "subscribe_report")]
    async fn subscribe(&self, auth: Auth, body: Json<ReportSubscriptionWrite>) -> ApiResult<SubscriptionCreated> {
        let b = body.0;
        let frequency =
            Frequency::parse(&b.frequency).ok_or_else(|| ApiError::from(ValidationError::field("frequency", ViolationKind::Unknown)))?;
        let scope = match b.scope.as_deref() {
            None => ReportScope::Company,
            Some(s) => ReportScope::parse(s).ok_or_else(|| ApiError::from(ValidationError::field("scope", ViolationKind::Unknown)))?,
        };
        let format = b.format.unwrap_or_else(|| "pdf".to_owned());
        let s = self
            .app
            .subscribe_report(&auth.actor(), frequency, &format, scope, b.send_now)
            .await?;
        Ok(SubscriptionCreated::Created(Json(dto(&s))))
    }

    /// Stop receiving a report.
    #[oai(path = "/api/v1/reports/subscriptions/:id", method = "delete", operation_id = "unsubscribe_report")]
    async fn unsubscribe(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<NoContent> {
        self.app.unsubscribe_report(&auth.actor(), id.0).await?;
        Ok(NoContent::Done)
    }
}
