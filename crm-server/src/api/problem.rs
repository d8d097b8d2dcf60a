//! Errors of the API as RFC 9457 problem+json, from one table of codes (HTTP status, stable
//! snake_case code, translated title and detail), in the request's language. Framework
//! errors (unreadable JSON, wrong types, unknown routes...) are mapped to the same format.
//! 5xx bodies say nothing internal; the cause is logged with the request id.

use crate::i18n::Lang;
use crm_domain::opportunity::RuleError;
use crm_domain::{ValidationError, ViolationKind};
use crm_ports::ServiceError;
use crm_ports::error::{DuplicateCandidate, TenantChoice};
use poem::Response;
use poem::error::ResponseError;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaResponses, Registry};
use poem_openapi::types::ToJSON;
use poem_openapi::{ApiResponse, Object};
use std::fmt;

/// The stable error codes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    MalformedRequest,
    ValidationFailed,
    Unauthenticated,
    CsrfFailed,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    PreconditionRequired,
    PreconditionFailed,
    PossibleDuplicates,
    OpportunityClosed,
    StageSkipped,
    AlreadyAtStage,
    NotAtLastStage,
    AtLastStage,
    NotClosed,
    InUse,
    IdempotencyKeyReused,
    IdempotencyInProgress,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    TenantChoiceRequired,
    SecondFactorRequired,
    UriTooLong,
    HeadersTooLarge,
    Unavailable,
    Internal,
}

impl Code {
    /// Every code, for the documentation and the tests.
    pub const ALL: [Code; 28] = [
        Code::MalformedRequest,
        Code::ValidationFailed,
        Code::Unauthenticated,
        Code::CsrfFailed,
        Code::Forbidden,
        Code::NotFound,
        Code::MethodNotAllowed,
        Code::PreconditionRequired,
        Code::PreconditionFailed,
        Code::PossibleDuplicates,
        Code::OpportunityClosed,
        Code::StageSkipped,
        Code::AlreadyAtStage,
        Code::NotAtLastStage,
        Code::AtLastStage,
        Code::NotClosed,
        Code::InUse,
        Code::IdempotencyKeyReused,
        Code::IdempotencyInProgress,
        Code::PayloadTooLarge,
        Code::UnsupportedMediaType,
        Code::TooManyRequests,
        Code::TenantChoiceRequired,
        Code::SecondFactorRequired,
        Code::UriTooLong,
        Code::HeadersTooLarge,
        Code::Unavailable,
        Code::Internal,
    ];

    /// (HTTP status, stable code).
    pub const fn spec(self) -> (u16, &'static str) {
        match self {
            Self::MalformedRequest => (400, "malformed_request"),
            Self::ValidationFailed => (422, "validation_failed"),
            Self::Unauthenticated => (401, "unauthenticated"),
            Self::CsrfFailed => (403, "csrf_failed"),
            Self::Forbidden => (403, "forbidden"),
            Self::NotFound => (404, "not_found"),
            Self::MethodNotAllowed => (405, "method_not_allowed"),
            Self::PreconditionRequired => (428, "precondition_required"),
            Self::PreconditionFailed => (412, "precondition_failed"),
            Self::PossibleDuplicates => (409, "possible_duplicates"),
            Self::OpportunityClosed => (409, "opportunity_closed"),
            Self::StageSkipped => (422, "stage_skipped"),
            Self::AlreadyAtStage => (422, "already_at_stage"),
            Self::NotAtLastStage => (422, "not_at_last_stage"),
            Self::AtLastStage => (422, "at_last_stage"),
            Self::NotClosed => (409, "not_closed"),
            Self::InUse => (409, "in_use"),
            Self::IdempotencyKeyReused => (422, "idempotency_key_reused"),
            Self::IdempotencyInProgress => (409, "idempotency_in_progress"),
            Self::PayloadTooLarge => (413, "payload_too_large"),
            Self::UnsupportedMediaType => (415, "unsupported_media_type"),
            Self::TooManyRequests => (429, "too_many_requests"),
            Self::TenantChoiceRequired => (409, "tenant_choice_required"),
            Self::SecondFactorRequired => (401, "second_factor_required"),
            Self::UriTooLong => (414, "uri_too_long"),
            Self::HeadersTooLarge => (431, "headers_too_large"),
            Self::Unavailable => (503, "unavailable"),
            Self::Internal => (500, "internal"),
        }
    }

    /// HTTP status.
    pub fn status(self) -> StatusCode {
        StatusCode::from_u16(self.spec().0).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Stable snake_case code.
    pub const fn name(self) -> &'static str {
        self.spec().1
    }
}

/// One field at fault.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FieldProblem {
    /// Dotted path of the field in the request (`emails.1`, `address.country`).
    pub field: String,
    /// Stable code of the violation (`required`, `malformed`, `too_long`...).
    pub code: String,
    /// Message in the request's language.
    pub message: String,
    /// The line of a text field where the fault is (a template's), 1 for the first.
    pub line: Option<u32>,
    /// What is at fault in the value (an unknown variable's name).
    pub value: Option<String>,
}

/// A possible duplicate, without details when the caller may not see it.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DuplicateProblem {
    /// The contact, when visible to the caller.
    pub contact_id: Option<uuid::Uuid>,
    /// Its name, when visible to the caller.
    pub display_name: Option<String>,
    /// Why it matches: `same_email`, `same_phone`, `similar_name`.
    pub reasons: Vec<String>,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Problem {
    /// URI reference of the problem type (`/problems/<code>`).
    #[oai(rename = "type")]
    pub kind: String,
    /// Short summary, in the request's language.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Explanation, in the request's language.
    pub detail: String,
    /// Stable snake_case code.
    pub code: String,
    /// Request path.
    pub instance: String,
    /// Request id (also in the `X-Request-Id` header), to quote to support.
    pub request_id: String,
    /// Fields at fault (validation errors).
    pub errors: Option<Vec<FieldProblem>>,
    /// Possible duplicates (creation of a contact).
    pub duplicates: Option<Vec<DuplicateProblem>>,
    /// The companies to choose from (login with an email used in several): log in again
    /// with one of their ids in `tenant_id`.
    pub tenants: Option<Vec<TenantChoiceProblem>>,
    /// The login's second step (`second_factor_required`): send `ticket` with a code to
    /// `POST /auth/login/second-factor` within five minutes.
    pub second_factor: Option<SecondFactorProblem>,
}

/// The ticket of a login's second step.
#[derive(Debug, Clone, Object)]
pub struct SecondFactorProblem {
    /// The ticket (a secret; it ends once used).
    pub ticket: String,
    /// Your company requires a second factor and you have none yet: set it up first with
    /// `POST /auth/login/second-factor/setup`, then send its first code.
    pub enrol: bool,
}

/// A company the person may log in to.
#[derive(Debug, Clone, Object)]
pub struct TenantChoiceProblem {
    /// Its id, to send as `tenant_id`.
    pub id: uuid::Uuid,
    /// Its name.
    pub name: String,
}

/// The error every handler returns.
#[derive(Debug, Clone)]
pub struct ApiError {
    code: Code,
    fields: Vec<crm_domain::error::FieldError>,
    duplicates: Vec<DuplicateCandidate>,
    tenants: Vec<TenantChoice>,
    /// Boxed: rare, and the error stays small.
    second_factor: Option<Box<(String, bool)>>,
    /// Seconds before a retry makes sense (429).
    pub retry_after: Option<u32>,
    cause: Option<String>,
}

impl ApiError {
    /// An error with only a code.
    pub fn new(code: Code) -> Self {
        Self {
            code,
            fields: Vec::new(),
            duplicates: Vec::new(),
            tenants: Vec::new(),
            second_factor: None,
            retry_after: None,
            cause: None,
        }
    }

    /// A validation error on one field.
    pub fn field(field: &str, kind: ViolationKind) -> Self {
        Self::from(ValidationError::field(field, kind))
    }

    /// An internal error whose cause is logged, never shown.
    pub fn internal(cause: impl Into<String>) -> Self {
        let mut e = Self::new(Code::Internal);
        e.cause = Some(cause.into());
        e
    }

    /// The code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The problem document in a language.
    pub fn problem(&self, lang: Lang, request_id: &str, instance: &str) -> Problem {
        let (status, name) = self.code.spec();
        Problem {
            kind: format!("/problems/{name}"),
            title: lang.t("problem", name),
            status,
            detail: lang.t("detail", name),
            code: name.to_owned(),
            instance: instance.to_owned(),
            request_id: request_id.to_owned(),
            errors: (!self.fields.is_empty()).then(|| {
                self.fields
                    .iter()
                    .map(|f| FieldProblem {
                        field: f.field.clone(),
                        code: f.kind.code().to_owned(),
                        message: lang.t("violation", f.kind.code()),
                        line: f.line,
                        value: f.value.clone(),
                    })
                    .collect()
            }),
            duplicates: (!self.duplicates.is_empty()).then(|| {
                self.duplicates
                    .iter()
                    .map(|d| DuplicateProblem {
                        contact_id: d.contact_id.map(|c| c.as_uuid()),
                        display_name: d.display_name.clone(),
                        reasons: d.reasons.iter().map(|r| r.code().to_owned()).collect(),
                    })
                    .collect()
            }),
            tenants: (!self.tenants.is_empty()).then(|| {
                self.tenants
                    .iter()
                    .map(|t| TenantChoiceProblem {
                        id: t.tenant_id.as_uuid(),
                        name: t.name.clone(),
                    })
                    .collect()
            }),
            second_factor: self.second_factor.as_deref().map(|(ticket, enrol)| SecondFactorProblem {
                ticket: ticket.clone(),
                enrol: *enrol,
            }),
        }
    }

    /// The problem document as JSON text.
    pub fn render_json(&self, lang: Lang, request_id: &str, instance: &str) -> String {
        self.problem(lang, request_id, instance).to_json_string()
    }

    /// The HTTP response in a language.
    pub fn render(&self, lang: Lang, request_id: &str, instance: &str) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(request_id, cause = %cause, "internal error");
        }
        let body = self.problem(lang, request_id, instance).to_json_string();
        let mut r = Response::builder()
            .status(self.code.status())
            .content_type("application/problem+json; charset=utf-8")
            .header("content-language", lang.code());
        if let Some(s) = self.retry_after {
            r = r.header("retry-after", s.to_string());
        }
        r.body(body)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.name())
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.code.status()
    }

    fn as_response(&self) -> Response {
        // Re-rendered with the request's language and id by the problem middleware.
        self.render(Lang::Fr, "", "")
    }
}

impl From<ValidationError> for ApiError {
    fn from(v: ValidationError) -> Self {
        let mut e = Self::new(Code::ValidationFailed);
        e.fields = v.errors().to_vec();
        e
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(v) => v.into(),
            ServiceError::Unauthenticated => Self::new(Code::Unauthenticated),
            ServiceError::NotFound => Self::new(Code::NotFound),
            ServiceError::Forbidden => Self::new(Code::Forbidden),
            ServiceError::Conflict => Self::new(Code::PreconditionFailed),
            ServiceError::Rule(r) => Self::new(match r {
                RuleError::Closed => Code::OpportunityClosed,
                RuleError::SkipsStage { .. } => Code::StageSkipped,
                RuleError::SameStage => Code::AlreadyAtStage,
                RuleError::NotAtLastStage => Code::NotAtLastStage,
                RuleError::AtLastStage => Code::AtLastStage,
                RuleError::NotClosed => Code::NotClosed,
                RuleError::Invalid(v) => return v.into(),
            }),
            ServiceError::PossibleDuplicates(d) => {
                let mut e = Self::new(Code::PossibleDuplicates);
                e.duplicates = d;
                e
            }
            ServiceError::InUse(_) => Self::new(Code::InUse),
            ServiceError::TooManyAttempts { retry_after_seconds } => {
                let mut e = Self::new(Code::TooManyRequests);
                e.retry_after = Some(u32::try_from(retry_after_seconds).unwrap_or(u32::MAX));
                e
            }
            ServiceError::ChooseTenant(t) => {
                let mut e = Self::new(Code::TenantChoiceRequired);
                e.tenants = t;
                e
            }
            ServiceError::SecondFactorRequired { ticket, enrol } => {
                let mut e = Self::new(Code::SecondFactorRequired);
                e.second_factor = Some(Box::new((ticket.0, enrol)));
                e
            }
            ServiceError::Unavailable => Self::new(Code::Unavailable),
            ServiceError::Internal(m) => Self::internal(m),
        }
    }
}

/// The documented error responses (all share the `Problem` schema); never built, only
/// read for the OpenAPI document.
#[derive(ApiResponse)]
#[allow(dead_code)]
enum ProblemResponses {
    /// Malformed request.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// Missing or invalid credentials.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// Not allowed for this role, or CSRF token missing.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// Not found, or not visible.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// Conflicts with the current state (duplicates, closed opportunity, in use).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The If-Match version is stale.
    #[oai(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Json<Problem>),
    /// The request line is too long.
    #[oai(status = 414, content_type = "application/problem+json")]
    UriTooLong(Json<Problem>),
    /// Method not allowed on this path.
    #[oai(status = 405, content_type = "application/problem+json")]
    MethodNotAllowed(Json<Problem>),
    /// Body too large.
    #[oai(status = 413, content_type = "application/problem+json")]
    TooLarge(Json<Problem>),
    /// The body is not JSON.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Invalid field values or a refused rule.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// If-Match required.
    #[oai(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(Json<Problem>),
    /// Too many attempts.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooMany(Json<Problem>),
    /// Unexpected error.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// Database unavailable.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        ProblemResponses::meta()
    }

    fn register(registry: &mut Registry) {
        ProblemResponses::register(registry);
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
