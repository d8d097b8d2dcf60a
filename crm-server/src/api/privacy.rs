//! `/api/v1/privacy`: the rights of the people the company keeps data on (GDPR), for the
//! Admin — the register of requests with their deadlines and answers, one person's data
//! exported (JSON or CSV), and a person erased.

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::privacy::PrivacyRequest;
use crm_domain::{ContactId, PrivacyRequestId, ValidationError, ViolationKind};
use crm_ports::services::privacy::PrivacyRequestInput;
use crm_ports::services::privacy_export::{personal_data_csv, personal_data_json};
use crm_ports::services::retention::MAX_LISTED;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A person's request about their data.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PrivacyRequestDto {
    /// Id.
    pub id: Uuid,
    /// The contact it is about (kept after an erasure).
    pub contact_id: Uuid,
    /// `access`, `portability`, `rectification`, `erasure`, `restriction` or `objection`.
    pub kind: String,
    /// When it came in.
    pub received_at: DateTime<Utc>,
    /// The deadline to answer: one month after it came in.
    pub due_at: DateTime<Utc>,
    /// Still open past its deadline.
    pub late: bool,
    /// How it came in, what exactly is asked.
    pub note: Option<String>,
    /// `open`, `done` or `refused`.
    pub status: String,
    /// The answer (why, when refused).
    pub answer: Option<String>,
    /// Who logged it.
    pub logged_by: Option<Uuid>,
    /// Who answered it.
    pub answered_by: Option<Uuid>,
    /// When.
    pub answered_at: Option<DateTime<Utc>>,
    /// Version (ETag).
    pub version: i64,
}

impl PrivacyRequestDto {
    fn of(q: &PrivacyRequest, now: DateTime<Utc>) -> Self {
        Self {
            id: q.id.as_uuid(),
            contact_id: q.contact_id.as_uuid(),
            kind: q.kind.code().to_owned(),
            received_at: q.received_at,
            due_at: q.due_at,
            late: q.is_late(now),
            note: q.note.as_ref().map(ToString::to_string),
            status: q.status.code().to_owned(),
            answer: q.answer.as_ref().map(ToString::to_string),
            logged_by: q.logged_by.map(|u| u.as_uuid()),
            answered_by: q.answered_by.map(|u| u.as_uuid()),
            answered_at: q.answered_at,
            version: q.version,
        }
    }
}

/// A request to log.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PrivacyRequestBody {
    /// The contact it is about.
    pub contact_id: Uuid,
    /// `access`, `portability`, `rectification`, `erasure`, `restriction` or `objection`.
    pub kind: String,
    /// When it came in (default: now); not in the future.
    pub received_at: Option<DateTime<Utc>>,
    /// How it came in, what exactly is asked (at most 2,000 characters).
    pub note: Option<String>,
}

/// The answer to a request.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct PrivacyAnswerBody {
    /// `done` or `refused`.
    pub status: String,
    /// The answer; required for a refusal (why).
    pub answer: Option<String>,
}

/// An erasure.
#[derive(Debug, Clone, Object, Default)]
#[oai(deny_unknown_fields)]
pub struct EraseBody {
    /// The erasure request it carries out (answered « done » with it).
    pub request_id: Option<Uuid>,
    /// That request's version (its ETag); required with `request_id`.
    pub request_version: Option<i64>,
}

/// A request with its ETag.
#[derive(ApiResponse)]
pub enum PrivacyRequestResponse {
    /// The request.
    #[oai(status = 200)]
    Ok(Json<PrivacyRequestDto>, #[oai(header = "ETag")] String),
    /// Logged.
    #[oai(status = 201)]
    Created(Json<PrivacyRequestDto>, #[oai(header = "ETag")] String),
}

/// One person's data.
#[derive(ApiResponse)]
pub enum PersonalDataResponse {
    /// As JSON: `contact`, `activities`, `emails`, `history`, `requests`, `made_at`.
    #[oai(status = 200, content_type = "application/json")]
    Json(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
    /// As CSV (UTF-8 with BOM, semicolons): `section;champ;valeur`.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
}

/// A prospect whose retention time is up.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DueProspectDto {
    /// The contact.
    pub contact_id: Uuid,
    /// Their owner.
    pub owner_id: Uuid,
    /// When their data was collected (the record created).
    pub created_at: DateTime<Utc>,
    /// The last contact that came from them: a click or a reply to an email, an inbound
    /// call or email logged, a consent given (none when never).
    pub last_initiated_at: Option<DateTime<Utc>>,
}

/// What the retention policy would do now (nothing is changed by reading it).
#[derive(Debug, Clone, Object)]
pub struct RetentionReportDto {
    /// Months a prospect is kept (the tenant's `retention_months`).
    pub retention_months: i64,
    /// `flag` (listed here only) or `erase` (erased by the daily job).
    pub retention_action: String,
    /// Prospects with no contact of their own since this instant are due.
    pub cutoff: DateTime<Utc>,
    /// How many are due.
    pub total: u64,
    /// The oldest of them (`limit`).
    pub prospects: Vec<DueProspectDto>,
}

/// An erasure of the prospects due.
#[derive(Debug, Clone, Object)]
pub struct RetentionErasureDto {
    /// How many were erased by this call (at most 500).
    pub erased: u64,
    /// How many are still due (call again to erase them).
    pub remaining: u64,
}

/// An anonymisation of the prospects due.
#[derive(Debug, Clone, Object)]
pub struct RetentionAnonymisationDto {
    /// How many were anonymised by this call (at most 500).
    pub anonymised: u64,
    /// How many are still due (call again to anonymise them).
    pub remaining: u64,
}

/// A row of a register section.
#[derive(Debug, Clone, Object)]
pub struct RegisterRowDto {
    /// What it says (`Finalité`, `Base légale`…).
    pub label: String,
    /// Its items (one or several: each legal basis, each recipient…).
    pub items: Vec<String>,
}

/// A section of the register: the controller, a processing, or the security measures.
#[derive(Debug, Clone, Object)]
pub struct RegisterSectionDto {
    /// Its title.
    pub title: String,
    /// Its rows.
    pub rows: Vec<RegisterRowDto>,
}

/// The register of processing activities, worded in the requested language.
#[derive(Debug, Clone, Object)]
pub struct RegisterDto {
    /// The company responsible.
    pub company: String,
    /// The latest change of what it rests on (settings, users, relay, webhooks, rules).
    pub changed_at: DateTime<Utc>,
    /// When it was drawn up.
    pub made_at: DateTime<Utc>,
    /// Its sections.
    pub sections: Vec<RegisterSectionDto>,
}

/// The register, as JSON or PDF.
#[derive(ApiResponse)]
pub enum RegisterResponse {
    /// As JSON.
    #[oai(status = 200)]
    Json(Json<RegisterDto>),
    /// As a PDF.
    #[oai(status = 200, content_type = "application/pdf")]
    Pdf(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
}

/// An access to personal data.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AccessDto {
    /// Id.
    pub id: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub user_id: Uuid,
    /// `view` (a record opened), `personal_data` (a person's data exported), `export` (a
    /// list of contacts exported) or `listed` (a list showed people with their emails or
    /// phones).
    pub kind: String,
    /// Whose record (none for a list).
    pub contact_id: Option<Uuid>,
    /// How many people (a list's size).
    pub count: u32,
    /// Everyone a list showed (`listed`), in its order.
    pub contact_ids: Vec<Uuid>,
}

pub struct PrivacyApi {
    pub app: CrmApp,
}

#[OpenApi(prefix_path = "/api/v1/privacy", tag = "ApiTags::Privacy")]
impl PrivacyApi {
    /// The register of requests (Admin): open ones first by deadline, then the answered
    /// ones, newest first; those about one contact with `contact_id`.
    #[oai(path = "/requests", method = "get", operation_id = "list_privacy_requests")]
    async fn list(
        &self,
        auth: Auth,
        /// Only the requests about this contact.
        contact_id: Query<Option<Uuid>>,
    ) -> ApiResult<Json<Vec<PrivacyRequestDto>>> {
        let now = self.app.now();
        let all = self
            .app
            .privacy_requests(&auth.actor(), contact_id.0.map(ContactId::from_uuid))
            .await?;
        Ok(Json(all.iter().map(|q| PrivacyRequestDto::of(q, now)).collect()))
    }

    /// Log a person's request (Admin); its deadline is one month after it came in.
    #[oai(path = "/requests", method = "post", operation_id = "create_privacy_request")]
    async fn create(&self, auth: Auth, body: Json<PrivacyRequestBody>) -> ApiResult<PrivacyRequestResponse> {
        let input = PrivacyRequestInput {
            contact_id: ContactId::from_uuid(body.0.contact_id),
            kind: body.0.kind,
            received_at: body.0.received_at,
            note: body.0.note,
        };
        let q = self.app.log_privacy_request(&auth.actor(), &input).await?;
        Ok(PrivacyRequestResponse::Created(
            Json(PrivacyRequestDto::of(&q, self.app.now())),
            etag(q.version),
        ))
    }

    /// One request (Admin).
    #[oai(path = "/requests/:id", method = "get", operation_id = "get_privacy_request")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<PrivacyRequestResponse> {
        let q = self.app.privacy_request(&auth.actor(), PrivacyRequestId::from_uuid(id.0)).await?;
        Ok(PrivacyRequestResponse::Ok(
            Json(PrivacyRequestDto::of(&q, self.app.now())),
            etag(q.version),
        ))
    }

    /// Answer a request (Admin): `done`, or `refused` with the reason; `If-Match` is its
    /// ETag.
    #[oai(path = "/requests/:id/answer", method = "put", operation_id = "answer_privacy_request")]
    async fn answer(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<PrivacyAnswerBody>,
    ) -> ApiResult<PrivacyRequestResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let q = self
            .app
            .answer_privacy_request(
                &auth.actor(),
                PrivacyRequestId::from_uuid(id.0),
                v,
                &body.0.status,
                body.0.answer.as_deref(),
            )
            .await?;
        Ok(PrivacyRequestResponse::Ok(
            Json(PrivacyRequestDto::of(&q, self.app.now())),
            etag(q.version),
        ))
    }

    /// Everything kept about a contact, for them (Admin): `format=json` (default) or
    /// `csv`. The export is logged.
    #[oai(path = "/contacts/:id/data", method = "get", operation_id = "export_personal_data")]
    async fn export(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        /// `json` (default) or `csv`.
        format: Query<Option<String>>,
    ) -> ApiResult<PersonalDataResponse> {
        let csv = match format.0.as_deref() {
            None | Some("json") => false,
            Some("csv") => true,
            Some(_) => return Err(ValidationError::field("format", ViolationKind::Unknown).into()),
        };
        let d = self.app.personal_data(&auth.actor(), ContactId::from_uuid(id.0)).await?;
        let name = format!("donnees-personnelles-{}", id.0);
        Ok(if csv {
            PersonalDataResponse::Csv(Binary(personal_data_csv(&d)), format!("attachment; filename=\"{name}.csv\""))
        } else {
            let body = serde_json::to_vec_pretty(&personal_data_json(&d)).map_err(|e| crm_ports::ServiceError::Internal(e.to_string()))?;
            PersonalDataResponse::Json(Binary(body), format!("attachment; filename=\"{name}.json\""))
        })
    }

    /// Erase a person (Admin): their data key destroyed (every copy in the history and
    /// the emails unreadable), their record emptied for good, their queued emails
    /// cancelled, their emails and phones kept only as keyed hashes on the suppression
    /// list, their search entry removed. With `request_id`, that request is answered.
    #[oai(path = "/contacts/:id/erase", method = "post", operation_id = "erase_contact")]
    async fn erase(&self, auth: Auth, id: Path<Uuid>, body: Json<EraseBody>) -> ApiResult<NoContent> {
        let request = match (body.0.request_id, body.0.request_version) {
            (None, _) => None,
            (Some(r), Some(v)) => Some((PrivacyRequestId::from_uuid(r), v)),
            (Some(_), None) => return Err(ValidationError::field("request_version", ViolationKind::Required).into()),
        };
        self.app.erase_contact(&auth.actor(), ContactId::from_uuid(id.0), request).await?;
        Ok(NoContent::Done)
    }

    /// The prospects whose retention time is up under the company's policy (Admin), a dry
    /// run: the oldest first (`limit`, default 100, at most 500) and how many in all.
    #[oai(path = "/retention", method = "get", operation_id = "retention_report")]
    async fn retention(
        &self,
        auth: Auth,
        /// How many to list (1 to 500, default 100).
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<RetentionReportDto>> {
        let limit = match limit.0 {
            None => 100,
            Some(n @ 1..=MAX_LISTED) => n,
            Some(_) => return Err(ValidationError::field("limit", ViolationKind::OutOfRange).into()),
        };
        let r = self.app.retention_report(&auth.actor(), limit).await?;
        Ok(Json(RetentionReportDto {
            retention_months: i64::from(r.policy.prospect_months),
            retention_action: r.policy.action.code().to_owned(),
            cutoff: r.cutoff,
            total: r.total,
            prospects: r
                .due
                .iter()
                .map(|d| DueProspectDto {
                    contact_id: d.candidate.contact_id.as_uuid(),
                    owner_id: d.candidate.owner_id.as_uuid(),
                    created_at: d.candidate.created_at,
                    last_initiated_at: d.candidate.last_initiated_at,
                })
                .collect(),
        }))
    }

    /// Erase now the prospects whose retention time is up (Admin), the oldest 500 per
    /// call, whatever the policy's action: each as an erasure (their key destroyed, their
    /// record emptied, their search entry removed), without the suppression list.
    #[oai(path = "/retention/erase", method = "post", operation_id = "erase_due_prospects")]
    async fn erase_due(&self, auth: Auth) -> ApiResult<Json<RetentionErasureDto>> {
        let (erased, remaining) = self.app.erase_due_prospects(&auth.actor()).await?;
        Ok(Json(RetentionErasureDto { erased, remaining }))
    }

    /// Anonymise now the prospects whose retention time is up (Admin), the oldest 500 per
    /// call, whatever the policy's action: each keeps their record, renamed « Prospect
    /// anonymisé #… » with no email, phone, organization, job title, address, notes nor
    /// external id; their key destroyed (history and sent emails unreadable), their
    /// activities about them alone without their words; no suppression list.
    #[oai(path = "/retention/anonymise", method = "post", operation_id = "anonymise_due_prospects")]
    async fn anonymise_due(&self, auth: Auth) -> ApiResult<Json<RetentionAnonymisationDto>> {
        let (anonymised, remaining) = self.app.anonymise_due_prospects(&auth.actor()).await?;
        Ok(Json(RetentionAnonymisationDto { anonymised, remaining }))
    }

    /// The register of processing activities (GDPR art. 30) of the company (Admin), built
    /// from its settings, users, mail relay, webhooks, scoring rules and automations, in
    /// the language of `Accept-Language`: `format=json` (default) or `pdf`.
    #[oai(path = "/register", method = "get", operation_id = "processing_register")]
    async fn register(
        &self,
        auth: Auth,
        #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>,
        /// `json` (default) or `pdf`.
        format: Query<Option<String>>,
    ) -> ApiResult<RegisterResponse> {
        let pdf = match format.0.as_deref() {
            None | Some("json") => false,
            Some("pdf") => true,
            Some(_) => return Err(ValidationError::field("format", ViolationKind::Unknown).into()),
        };
        let r = self.app.processing_register(&auth.actor()).await?;
        let lang = crm_web::Lang::from_accept_language(accept_language.0.as_deref());
        if pdf {
            let body = crm_web::register_export::pdf(lang, &r);
            let name = format!("registre-traitements-{}.pdf", r.made_at.format("%Y-%m-%d"));
            return Ok(RegisterResponse::Pdf(Binary(body), format!("attachment; filename=\"{name}\"")));
        }
        Ok(RegisterResponse::Json(Json(RegisterDto {
            company: r.register.company.clone(),
            changed_at: r.changed_at,
            made_at: r.made_at,
            sections: crm_web::register_export::sections(lang, &r)
                .into_iter()
                .map(|s| RegisterSectionDto {
                    title: s.title,
                    rows: s.rows.into_iter().map(|(label, items)| RegisterRowDto { label, items }).collect(),
                })
                .collect(),
        })))
    }

    /// Who opened or exported whose personal data (Admin), newest first: to one contact
    /// or by one user when given, after `before` (the `id` of the last one read, for the
    /// next page); `limit` 1 to 500 (default 100). Accesses are written in batches: one
    /// may take a moment to appear.
    #[oai(path = "/access-log", method = "get", operation_id = "access_log")]
    async fn access_log(
        &self,
        auth: Auth,
        /// Only the accesses to this contact's record.
        contact_id: Query<Option<Uuid>>,
        /// Only this user's.
        user_id: Query<Option<Uuid>>,
        /// The id of the last access read: the next page.
        before: Query<Option<Uuid>>,
        /// How many (1 to 500, default 100).
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<AccessDto>>> {
        let limit = match limit.0 {
            None => 100,
            Some(n @ 1..=crm_ports::services::access_log::MAX_READ) => n,
            Some(_) => return Err(ValidationError::field("limit", ViolationKind::OutOfRange).into()),
        };
        let entries = self
            .app
            .access_log(
                &auth.actor(),
                contact_id.0.map(ContactId::from_uuid),
                user_id.0.map(crm_domain::UserId::from_uuid),
                before.0,
                limit,
            )
            .await?;
        Ok(Json(
            entries
                .iter()
                .map(|e| AccessDto {
                    id: e.id,
                    at: e.at,
                    user_id: e.user_id.as_uuid(),
                    kind: e.kind.code().to_owned(),
                    contact_id: e.contact_id.map(|c| c.as_uuid()),
                    count: e.count,
                    contact_ids: e.listed.iter().map(|c| c.as_uuid()).collect(),
                })
                .collect(),
        ))
    }
}
