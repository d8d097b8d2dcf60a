//! Leads and the customer cycle: `/api/v1/leads` (bring leads in), the qualification,
//! hand-over and conversion of a contact (`/api/v1/contacts/{id}/…`), the company's
//! disqualification reasons and the funnel from lead to sale.

use super::ApiTags;
use super::common::{etag, if_match};
use super::contacts::{ContactResponse, ContactWrite};
use super::dto::contacts::ContactDto;
use super::opportunities::{OpportunityResponse, OpportunityWrite};
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::lead::{LeadReason, LeadSettings, LeadStatus};
use crm_domain::{ContactId, OrganizationId, PipelineId, TeamId, UserId, ViolationKind};
use crm_ports::services::leads::{FunnelLine, HandOver};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

/// Leads to bring in at once.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct LeadsBody {
    /// The leads (prospects), at most 1,000.
    pub leads: Vec<ContactWrite>,
}

/// A lead's new qualification.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct LeadStatusBody {
    /// `new`, `working`, `qualified` or `disqualified`.
    pub status: String,
    /// To disqualify: a code of the company's list (`/api/v1/lead-reasons`).
    pub reason: Option<String>,
}

/// To whom a lead of the pool goes: a user, or the next sales rep of a team's round-robin.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct HandOverBody {
    /// This sales rep (or manager).
    pub owner_id: Option<Uuid>,
    /// The next sales rep of this team, in turn.
    pub team_id: Option<Uuid>,
    /// `true`: the next sales rep, in turn, of the team of the territory covering the lead
    /// (its postcode, its company's industry).
    pub by_territory: Option<bool>,
}

/// Why a prospect becomes a client by hand.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ConvertBody {
    /// The reason (1 to 200 characters), kept in the history.
    pub reason: String,
}

/// The first opportunity of a qualified lead.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct LeadOpportunityBody {
    /// Pipeline (the opportunity starts at its first stage).
    pub pipeline_id: Uuid,
    /// Title.
    pub title: String,
    /// Amount in minor units (cents).
    pub value_minor: i64,
    /// ISO 4217 currency (default: the company's).
    pub currency: Option<String>,
    /// Expected close date.
    pub expected_close: Option<NaiveDate>,
    /// Organization (default: the lead's).
    pub organization_id: Option<Uuid>,
}

/// A disqualification reason of the company's list.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none)]
pub struct LeadReasonDto {
    /// Stable code (`a-z`, `0-9`, `_`, `-`): built in (`no_budget`, `no_need`,
    /// `unreachable`, `competitor`, `not_a_fit`, translated by the interface) or the
    /// company's own.
    pub code: String,
    /// What people read; required for a code that is not built in.
    pub label: Option<String>,
}

/// The company's settings of the customer cycle.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none)]
pub struct LeadSettingsDto {
    /// The disqualification reasons, in the order offered (at most 50).
    pub reasons: Vec<LeadReasonDto>,
    /// A client with no open deal and no deal won for this many months (1 to 120) becomes
    /// a former client, checked daily; absent: never.
    pub former_client_after_months: Option<u16>,
}

impl From<LeadSettings> for LeadSettingsDto {
    fn from(s: LeadSettings) -> Self {
        Self {
            reasons: s
                .reasons
                .into_iter()
                .map(|r| LeadReasonDto {
                    code: r.code,
                    label: r.label,
                })
                .collect(),
            former_client_after_months: s.former_client_after_months,
        }
    }
}

/// How many clients became former clients.
#[derive(Debug, Clone, Object)]
pub struct FormerClientsDto {
    /// Clients that became former clients.
    pub changed: u64,
}

/// One line of the funnel from lead to sale.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FunnelLineDto {
    /// The month the leads came in (`YYYY-MM`, company time zone).
    pub period: String,
    /// Their source (absent: not given).
    pub source: Option<String>,
    /// Leads that came in.
    pub leads: u64,
    /// Of them, qualified at some point.
    pub qualified: u64,
    /// Of them, with an opportunity.
    pub with_opportunity: u64,
    /// Of them, with a won opportunity.
    pub won: u64,
    /// Conversion from one step to the next, between 0 and 1 (4 decimals; absent when the
    /// step before counts none): leads to qualified.
    pub qualified_rate: Option<f64>,
    /// Qualified to opportunity.
    pub opportunity_rate: Option<f64>,
    /// Opportunity to won.
    pub won_rate: Option<f64>,
}

/// `part / whole`, to 4 decimals; `None` when `whole` is 0.
fn rate(part: u64, whole: u64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)] // counts of leads stay far below 2^52
    (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

impl From<FunnelLine> for FunnelLineDto {
    fn from(l: FunnelLine) -> Self {
        Self {
            qualified_rate: rate(l.qualified, l.leads),
            opportunity_rate: rate(l.with_opportunity, l.qualified),
            won_rate: rate(l.won, l.with_opportunity),
            period: l.period,
            source: l.source,
            leads: l.leads,
            qualified: l.qualified,
            with_opportunity: l.with_opportunity,
            won: l.won,
        }
    }
}

pub struct LeadsApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Leads")]
impl LeadsApi {
    /// Bring a lead in: a prospect waiting in the pool for a sales rep, owned by you until
    /// it is handed over (Marketing, Manager, Admin). Likely duplicates make it fail with
    /// 409 and the candidates, unless `confirm_duplicates=true`.
    #[oai(path = "/api/v1/leads", method = "post", operation_id = "create_lead")]
    async fn create(&self, auth: Auth, body: Json<ContactWrite>, confirm_duplicates: Query<Option<bool>>) -> ApiResult<ContactResponse> {
        let c = self
            .app
            .create_lead(&auth.actor(), &body.0.input(), confirm_duplicates.0.unwrap_or(false))
            .await?;
        Ok(ContactResponse::Created(
            super::direct_json::DirectJson((&c).into()),
            etag(c.version),
            format!("/api/v1/contacts/{}", c.id),
        ))
    }

    /// Bring many leads in at once (at most 1,000), all or nothing: any fault names its
    /// lead as `leads.<index>.<field>`. No duplicate check.
    #[oai(path = "/api/v1/leads/bulk", method = "post", operation_id = "import_leads")]
    async fn bulk(&self, auth: Auth, body: Json<LeadsBody>) -> ApiResult<Json<Vec<ContactDto>>> {
        let inputs: Vec<_> = body.0.leads.iter().map(ContactWrite::input).collect();
        let created = self.app.import_leads(&auth.actor(), &inputs).await?;
        Ok(Json(created.iter().map(ContactDto::from).collect()))
    }

    /// Move a lead's qualification (`If-Match`: the contact's ETag). Marketing qualifies the
    /// leads of the pool; Managers and Admins any prospect they see.
    #[oai(path = "/api/v1/contacts/:id/lead-status", method = "post", operation_id = "set_lead_status")]
    async fn set_status(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<LeadStatusBody>,
    ) -> ApiResult<ContactResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let status = LeadStatus::parse(&body.0.status).map_err(|e| e.at("status"))?;
        let c = self
            .app
            .set_lead_status(&auth.actor(), ContactId::from_uuid(id.0), v, status, body.0.reason.as_deref())
            .await?;
        Ok(ContactResponse::ok(c))
    }

    /// Hand a qualified lead of the pool over to a sales rep (`owner_id`), to the next rep
    /// of a team's round-robin (`team_id`), or to the next rep of the team of the
    /// territory covering it (`by_territory: true`); the rep is notified.
    #[oai(path = "/api/v1/contacts/:id/hand-over", method = "post", operation_id = "hand_over_lead")]
    async fn hand_over(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<HandOverBody>,
    ) -> ApiResult<ContactResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let to = match (body.0.owner_id, body.0.team_id, body.0.by_territory == Some(true)) {
            (Some(u), None, false) => HandOver::To(UserId::from_uuid(u)),
            (None, Some(t), false) => HandOver::RoundRobin(TeamId::from_uuid(t)),
            (None, None, true) => HandOver::Territory,
            (Some(_), Some(_), _) => return Err(ApiError::field("team_id", ViolationKind::NotAllowed)),
            (_, _, true) => return Err(ApiError::field("by_territory", ViolationKind::NotAllowed)),
            (None, None, false) => return Err(ApiError::field("owner_id", ViolationKind::Required)),
        };
        let c = self.app.hand_over_lead(&auth.actor(), ContactId::from_uuid(id.0), v, to).await?;
        Ok(ContactResponse::ok(c))
    }

    /// Convert a prospect (or a former client) into a client by hand, for a reason kept in
    /// its history. A won deal converts its contacts by itself.
    #[oai(path = "/api/v1/contacts/:id/convert", method = "post", operation_id = "convert_to_client")]
    async fn convert(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<ConvertBody>,
    ) -> ApiResult<ContactResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let c = self
            .app
            .convert_to_client(&auth.actor(), ContactId::from_uuid(id.0), v, &body.0.reason)
            .await?;
        Ok(ContactResponse::ok(c))
    }

    /// Open the first opportunity of a qualified lead (handed over), in one step: at the
    /// pipeline's first stage, owned by the lead's owner, with the lead as its contact.
    #[oai(
        path = "/api/v1/contacts/:id/lead-opportunity",
        method = "post",
        operation_id = "open_lead_opportunity"
    )]
    async fn open_opportunity(&self, auth: Auth, id: Path<Uuid>, body: Json<LeadOpportunityBody>) -> ApiResult<OpportunityResponse> {
        let b = body.0;
        let w = OpportunityWrite {
            title: b.title,
            value_minor: b.value_minor,
            currency: b.currency,
            contact_ids: Vec::new(),
            organization_id: b.organization_id,
            expected_close: b.expected_close,
            probability: None,
        };
        let mut input = w.input();
        input.organization_id = b.organization_id.map(OrganizationId::from_uuid);
        let o = self
            .app
            .open_lead_opportunity(
                &auth.actor(),
                ContactId::from_uuid(id.0),
                PipelineId::from_uuid(b.pipeline_id),
                &input,
            )
            .await?;
        Ok(OpportunityResponse::Created(
            Json((&o).into()),
            etag(o.version),
            format!("/api/v1/opportunities/{}", o.id),
        ))
    }

    /// The company's settings of the customer cycle: disqualification reasons (the
    /// built-in list until an Admin sets one) and the former-client rule.
    #[oai(path = "/api/v1/lead-settings", method = "get", operation_id = "lead_settings")]
    async fn settings(&self, auth: Auth) -> ApiResult<Json<LeadSettingsDto>> {
        Ok(Json(self.app.lead_settings(&auth.actor()).await?.into()))
    }

    /// Replace the company's settings of the customer cycle (Admin).
    #[oai(path = "/api/v1/lead-settings", method = "put", operation_id = "set_lead_settings")]
    async fn set_settings(&self, auth: Auth, body: Json<LeadSettingsDto>) -> ApiResult<Json<LeadSettingsDto>> {
        let b = body.0;
        let settings = LeadSettings {
            reasons: b
                .reasons
                .into_iter()
                .map(|r| LeadReason {
                    code: r.code,
                    label: r.label,
                })
                .collect(),
            former_client_after_months: b.former_client_after_months,
        };
        Ok(Json(self.app.set_lead_settings(&auth.actor(), &settings).await?.into()))
    }

    /// Apply the former-client rule now (Admin; it also runs daily by itself).
    #[oai(
        path = "/api/v1/lead-settings/former-clients",
        method = "post",
        operation_id = "run_former_client_rule"
    )]
    async fn run_former_clients(&self, auth: Auth) -> ApiResult<Json<FormerClientsDto>> {
        Ok(Json(FormerClientsDto {
            changed: self.app.run_former_client_rule(&auth.actor()).await?,
        }))
    }

    /// The funnel from lead to sale over `[from, to)`: for the leads that came in each month
    /// (company time zone), by source, how many were qualified, got an opportunity, were
    /// won. Company-wide counts (Admin, Manager, Marketing, Observer).
    #[oai(path = "/api/v1/reports/lead-funnel", method = "get", operation_id = "lead_funnel")]
    async fn funnel(&self, auth: Auth, from: Query<DateTime<Utc>>, to: Query<DateTime<Utc>>) -> ApiResult<Json<Vec<FunnelLineDto>>> {
        let lines = self.app.lead_funnel(&auth.actor(), from.0, to.0).await?;
        Ok(Json(lines.into_iter().map(FunnelLineDto::from).collect()))
    }
}
