//! `/api/v1/contacts/{id}/consents`: a person's consent to be prospected, per channel —
//! each channel's state and why, every record with its source, time and proof — and a
//! consent given or withdrawn.

use super::ApiTags;
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::ContactId;
use crm_domain::consent::{ConsentInput, ConsentRecord};
use crm_ports::services::consents::Consents;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// One record of a person's consent.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ConsentRecordDto {
    /// Id.
    pub id: Uuid,
    /// `email`, `phone` or `sms`.
    pub medium: String,
    /// `granted` or `withdrawn`.
    pub state: String,
    /// For a granted consent: `consent` or `legitimate_interest`.
    pub basis: Option<String>,
    /// Where it came from (`objection`: an objection carried out; `unsubscribe`: the
    /// unsubscribe link of an email).
    pub source: String,
    /// The proof kept.
    pub proof: Option<String>,
    /// When the person gave or withdrew it.
    pub given_at: DateTime<Utc>,
    /// Who recorded it (none: the system).
    pub recorded_by: Option<Uuid>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl ConsentRecordDto {
    fn of(r: &ConsentRecord) -> Self {
        Self {
            id: r.id,
            medium: r.medium.code().to_owned(),
            state: r.state.code().to_owned(),
            basis: r.state.basis().map(|b| b.code().to_owned()),
            source: r.source.to_string(),
            proof: r.proof.as_ref().map(ToString::to_string),
            given_at: r.given_at,
            recorded_by: r.recorded_by.map(|u| u.as_uuid()),
            recorded_at: r.recorded_at,
        }
    }
}

/// One channel of a person.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ChannelConsentDto {
    /// `email`, `phone` or `sms`.
    pub medium: String,
    /// Whether campaigns and automation may reach the person there.
    pub allowed: bool,
    /// Why: `consent`, `legitimate_interest`, `client`, `opt_out_regime` (calls, unless
    /// refused) when allowed; `opt_out`, `withdrawn`, `no_consent` (a private person who
    /// never said yes) when not.
    pub reason: String,
    /// The record that decides it, when one does.
    pub latest: Option<ConsentRecordDto>,
}

/// A person's consents.
#[derive(Debug, Clone, Object)]
pub struct ConsentsDto {
    /// The company's audience the states are judged under: `b2b`, `b2c` or `mixed`.
    pub audience: String,
    /// Email, phone, SMS.
    pub channels: Vec<ChannelConsentDto>,
    /// Every record, newest first.
    pub history: Vec<ConsentRecordDto>,
}

impl ConsentsDto {
    fn of(c: &Consents) -> Self {
        Self {
            audience: c.audience.code().to_owned(),
            channels: c
                .channels
                .iter()
                .map(|ch| ChannelConsentDto {
                    medium: ch.medium.code().to_owned(),
                    allowed: ch.reason.allows(),
                    reason: ch.reason.code().to_owned(),
                    latest: ch.latest.as_ref().map(ConsentRecordDto::of),
                })
                .collect(),
            history: c.history.iter().map(ConsentRecordDto::of).collect(),
        }
    }
}

/// A consent given or withdrawn.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ConsentBody {
    /// `email`, `phone` or `sms`.
    pub medium: String,
    /// `granted` or `withdrawn`.
    pub state: String,
    /// Required with `granted`: `consent` or `legitimate_interest`; none with `withdrawn`.
    pub basis: Option<String>,
    /// Where it came from: a form, a trade show, a phone call (at most 200 characters).
    pub source: String,
    /// The proof: the form's address, the signed paper's reference (at most 2,000
    /// characters; sealed).
    pub proof: Option<String>,
    /// When the person gave or withdrew it (default: now); not in the future.
    pub given_at: Option<DateTime<Utc>>,
}

/// A person's consents after a record.
#[derive(ApiResponse)]
pub enum ConsentsCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<ConsentsDto>),
}

pub struct ConsentsApi {
    pub app: CrmApp,
}

#[OpenApi(prefix_path = "/api/v1/contacts", tag = "ApiTags::Privacy")]
impl ConsentsApi {
    /// A person's consent per channel: whether campaigns and automation may reach them
    /// there and why, and every record, newest first (whoever sees the contact).
    #[oai(path = "/:id/consents", method = "get", operation_id = "get_contact_consents")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<ConsentsDto>> {
        let c = self.app.consents(&auth.actor(), ContactId::from_uuid(id.0)).await?;
        Ok(Json(ConsentsDto::of(&c)))
    }

    /// Record a consent given or withdrawn (who may edit the contact, and Marketing). A
    /// withdrawal ticks the record's email or call opt-out; a consent unticks it.
    #[oai(path = "/:id/consents", method = "post", operation_id = "record_contact_consent")]
    async fn record(&self, auth: Auth, id: Path<Uuid>, body: Json<ConsentBody>) -> ApiResult<ConsentsCreated> {
        let b = body.0;
        let input = ConsentInput {
            medium: b.medium,
            state: b.state,
            basis: b.basis,
            source: b.source,
            proof: b.proof,
            given_at: b.given_at,
        };
        let c = self.app.record_consent(&auth.actor(), ContactId::from_uuid(id.0), &input).await?;
        Ok(ConsentsCreated::Created(Json(ConsentsDto::of(&c))))
    }
}
