//! `/api/v1/campaigns`: one template sent to the members of a segment (Admin, Manager,
//! Marketing) — written as a draft, scheduled or started, paused, resumed, cancelled, with
//! its statistics and its recipients, and a test sent to oneself.

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::campaign::{Campaign, CampaignAction, CampaignInput};
use crm_domain::tenant::Language;
use crm_domain::{CampaignId, EmailId, SegmentId, TemplateId, ValidationError, ViolationKind};
use crm_ports::services::email::MailSettings;
use crm_ports::store::{CampaignStats, EmailMessage};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// What became of a campaign's messages.
#[derive(Debug, Clone, Object)]
pub struct CampaignStatsDto {
    /// Messages queued (one per recipient).
    pub recipients: i64,
    /// Waiting for their attempt (or held by a pause).
    pub queued: i64,
    /// Accepted by the relay.
    pub sent: i64,
    /// Given up after their attempts.
    pub failed: i64,
    /// Refused for good (the address bounces).
    pub bounced: i64,
    /// Never sent: cancelled first.
    pub cancelled: i64,
    /// Opened by a person (machine opens not counted).
    pub opened: i64,
    /// With a link followed.
    pub clicked: i64,
    /// Whose recipient unsubscribed through it.
    pub unsubscribed: i64,
    /// Answered.
    pub replied: i64,
}

impl From<CampaignStats> for CampaignStatsDto {
    fn from(s: CampaignStats) -> Self {
        Self {
            recipients: s.recipients,
            queued: s.queued,
            sent: s.sent,
            failed: s.failed,
            bounced: s.bounced,
            cancelled: s.cancelled,
            opened: s.opened,
            clicked: s.clicked,
            unsubscribed: s.unsubscribed,
            replied: s.replied,
        }
    }
}

/// A campaign.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CampaignDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Who it goes to: the segment's members in its writer's read scope.
    pub segment_id: Uuid,
    /// What it says.
    pub template_id: Uuid,
    /// The template's language (none: the company's).
    pub language: Option<String>,
    /// `draft`, `scheduled`, `sending`, `paused`, `sent` or `cancelled`.
    pub status: String,
    /// When it starts (scheduled).
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Who wrote it (the sender of its messages).
    pub created_by: Option<Uuid>,
    /// When it started sending.
    pub started_at: Option<DateTime<Utc>>,
    /// When every recipient had their message queued.
    pub filled_at: Option<DateTime<Utc>>,
    /// When it was sent or cancelled.
    pub finished_at: Option<DateTime<Utc>>,
    /// Members left out: no address, or on the suppression list.
    pub skipped: i64,
    /// Its statistics (one campaign read, not the list).
    pub stats: Option<CampaignStatsDto>,
    /// Version (`ETag`).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn campaign_dto(c: &Campaign, stats: Option<CampaignStats>) -> CampaignDto {
    CampaignDto {
        id: c.id.as_uuid(),
        name: c.name.clone(),
        segment_id: c.segment_id.as_uuid(),
        template_id: c.template_id.as_uuid(),
        language: c.language.map(|l| l.code().to_owned()),
        status: c.status.code().to_owned(),
        scheduled_at: c.scheduled_at,
        created_by: c.created_by.map(|u| u.as_uuid()),
        started_at: c.started_at,
        filled_at: c.filled_at,
        finished_at: c.finished_at,
        skipped: c.skipped,
        stats: stats.map(Into::into),
        version: c.version,
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

/// A campaign as written.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct CampaignWrite {
    /// Name.
    pub name: String,
    /// The segment (a rule or a static list).
    pub segment_id: Option<Uuid>,
    /// The template.
    pub template_id: Option<Uuid>,
    /// `fr` or `en` (default: the company's).
    pub language: Option<String>,
}

fn campaign_input(w: CampaignWrite) -> Result<CampaignInput, ApiError> {
    Ok(CampaignInput {
        name: w.name,
        segment_id: w.segment_id.map(SegmentId::from_uuid),
        template_id: w.template_id.map(TemplateId::from_uuid),
        language: w
            .language
            .as_deref()
            .map(|l| Language::parse(l).map_err(|e| ApiError::from(e.at("language"))))
            .transpose()?,
    })
}

/// A move in a campaign's life.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct CampaignMove {
    /// `schedule` (with `at`), `unschedule`, `start`, `pause`, `resume` or `cancel`.
    pub action: String,
    /// The start time of `schedule`, in the future.
    pub at: Option<DateTime<Utc>>,
}

fn action(raw: &str) -> Result<CampaignAction, ApiError> {
    Ok(match raw {
        "schedule" => CampaignAction::Schedule,
        "unschedule" => CampaignAction::Unschedule,
        "start" => CampaignAction::Start,
        "pause" => CampaignAction::Pause,
        "resume" => CampaignAction::Resume,
        "cancel" => CampaignAction::Cancel,
        _ => return Err(ValidationError::field("action", ViolationKind::Unknown).into()),
    })
}

/// One recipient of a campaign: their message and what they did with it.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CampaignRecipientDto {
    /// The message (`/api/v1/emails/{id}`).
    pub email_id: Uuid,
    /// The contact.
    pub contact_id: Uuid,
    /// Their name (none once erased).
    pub name: Option<String>,
    /// The address written to (none once erased).
    pub address: Option<String>,
    /// `queued`, `sending`, `sent`, `failed`, `bounced` or `cancelled`.
    pub state: String,
    /// The last failure.
    pub last_error: Option<String>,
    /// Accepted by the relay.
    pub sent_at: Option<DateTime<Utc>>,
    /// A person's first open.
    pub opened_at: Option<DateTime<Utc>>,
    /// The first click.
    pub clicked_at: Option<DateTime<Utc>>,
    /// Unsubscribed through it.
    pub unsubscribed_at: Option<DateTime<Utc>>,
    /// The first reply.
    pub replied_at: Option<DateTime<Utc>>,
}

fn recipient_dto(m: &EmailMessage) -> CampaignRecipientDto {
    let to = m.content.as_ref().map(|c| &c.to);
    CampaignRecipientDto {
        email_id: m.id.as_uuid(),
        contact_id: m.contact_id.as_uuid(),
        name: to.map(|t| t.name.clone()),
        address: to.map(|t| t.address.clone()),
        state: m.state.code().to_owned(),
        last_error: m.last_error.clone(),
        sent_at: m.sent_at,
        opened_at: m.stats.opened_at,
        clicked_at: m.stats.clicked_at,
        unsubscribed_at: m.stats.unsubscribed_at,
        replied_at: m.stats.replied_at,
    }
}

#[derive(ApiResponse)]
pub enum CampaignResponse {
    /// The campaign.
    #[oai(status = 200)]
    Ok(Json<CampaignDto>, #[oai(header = "ETag")] String),
    /// Created (a draft).
    #[oai(status = 201)]
    Created(
        Json<CampaignDto>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}

#[derive(ApiResponse)]
pub enum TestQueued {
    /// The test is on its way to your own address.
    #[oai(status = 202)]
    Accepted,
}

pub struct CampaignsApi {
    pub app: CrmApp,
    pub mail: MailSettings,
}

#[OpenApi(tag = "ApiTags::Email")]
impl CampaignsApi {
    /// The company's campaigns, newest first (Admin, Manager, Marketing).
    #[oai(path = "/api/v1/campaigns", method = "get", operation_id = "list_campaigns")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<CampaignDto>>> {
        let list = self.app.campaigns(&auth.actor()).await?;
        Ok(Json(list.iter().map(|c| campaign_dto(c, None)).collect()))
    }

    /// Write a campaign (a draft): a name, a segment and a template.
    #[oai(path = "/api/v1/campaigns", method = "post", operation_id = "create_campaign")]
    async fn create(&self, auth: Auth, body: Json<CampaignWrite>) -> ApiResult<CampaignResponse> {
        let c = self.app.create_campaign(&auth.actor(), campaign_input(body.0)?).await?;
        Ok(CampaignResponse::Created(
            Json(campaign_dto(&c, None)),
            etag(c.version),
            format!("/api/v1/campaigns/{}", c.id.as_uuid()),
        ))
    }

    /// One campaign with its statistics, counted from its messages now.
    #[oai(path = "/api/v1/campaigns/:id", method = "get", operation_id = "get_campaign")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<CampaignResponse> {
        let actor = auth.actor();
        let id = CampaignId::from_uuid(id.0);
        let c = self.app.campaign(&actor, id).await?;
        let stats = self.app.campaign_stats(&actor, id).await?;
        Ok(CampaignResponse::Ok(Json(campaign_dto(&c, Some(stats))), etag(c.version)))
    }

    /// Change a draft or scheduled campaign (`If-Match` required).
    #[oai(path = "/api/v1/campaigns/:id", method = "put", operation_id = "update_campaign")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<CampaignWrite>,
    ) -> ApiResult<CampaignResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let input = campaign_input(body.0)?;
        let c = self
            .app
            .update_campaign(&auth.actor(), CampaignId::from_uuid(id.0), v, input)
            .await?;
        Ok(CampaignResponse::Ok(Json(campaign_dto(&c, None)), etag(c.version)))
    }

    /// Delete a draft or scheduled campaign (`If-Match` required); one that sent is
    /// cancelled instead.
    #[oai(path = "/api/v1/campaigns/:id", method = "delete", operation_id = "delete_campaign")]
    async fn delete(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<NoContent> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.app.delete_campaign(&auth.actor(), CampaignId::from_uuid(id.0), v).await?;
        Ok(NoContent::Done)
    }

    /// Move a campaign in its life (`If-Match` required): `schedule` at a future `at`,
    /// `unschedule`, `start` now, `pause`, `resume` or `cancel`. Scheduling and starting
    /// need the server's public address (`public_url`) for the tracking and unsubscribe
    /// links.
    #[oai(path = "/api/v1/campaigns/:id/status", method = "post", operation_id = "move_campaign")]
    async fn move_campaign(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<CampaignMove>,
    ) -> ApiResult<CampaignResponse> {
        let actor = auth.actor();
        let id = CampaignId::from_uuid(id.0);
        // The campaign first: another company's id is a 404, not a field at fault.
        self.app.campaign(&actor, id).await?;
        let v = if_match(if_match_h.0.as_deref())?;
        let a = action(&body.0.action)?;
        let c = self.app.move_campaign(&actor, id, v, a, body.0.at, &self.mail).await?;
        Ok(CampaignResponse::Ok(Json(campaign_dto(&c, None)), etag(c.version)))
    }

    /// Send yourself a test of the campaign's message: the template written for the first
    /// member of the segment you see, the subject marked `[Test]`, without tracking (202).
    #[oai(path = "/api/v1/campaigns/:id/test", method = "post", operation_id = "test_campaign")]
    async fn test(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<TestQueued> {
        self.app
            .send_campaign_test(&auth.actor(), CampaignId::from_uuid(id.0), &self.mail)
            .await?;
        Ok(TestQueued::Accepted)
    }

    /// The campaign's recipients, one message each, in queueing order.
    #[oai(
        path = "/api/v1/campaigns/:id/recipients",
        method = "get",
        operation_id = "list_campaign_recipients"
    )]
    async fn recipients(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        /// After this message (the last `email_id` of the previous page).
        after: Query<Option<Uuid>>,
        /// At most this many (1 to 200, default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<CampaignRecipientDto>>> {
        let list = self
            .app
            .campaign_emails(
                &auth.actor(),
                CampaignId::from_uuid(id.0),
                after.0.map(EmailId::from_uuid),
                limit.0.unwrap_or(50),
            )
            .await?;
        Ok(Json(list.iter().map(recipient_dto).collect()))
    }
}
