//! Errors of the store port and of the application services.

use crm_domain::ValidationError;
use crm_domain::duplicates::MatchReason;
use crm_domain::opportunity::RuleError;
use crm_domain::{ContactId, ViolationKind};

/// What a store operation can report. Adapters translate their own errors at the seam:
/// not found, unique violation, stale version, serialization failure, anything else.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record in the tenant (or not visible, or deleted).
    #[error("not found")]
    NotFound,
    /// The expected version is stale, or a concurrent transaction won.
    #[error("version conflict")]
    Conflict,
    /// A uniqueness rule refused the write.
    #[error("duplicate value for {field}")]
    Duplicate {
        /// The field whose value is already taken.
        field: &'static str,
    },
    /// A referenced record does not exist in the tenant.
    #[error("unknown reference in {field}")]
    UnknownReference {
        /// The referencing field.
        field: &'static str,
    },
    /// A page cursor that this store did not issue.
    #[error("malformed cursor")]
    BadCursor,
    /// The database cannot be reached.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else; the message is for logs only.
    #[error("store failure: {0}")]
    Internal(String),
}

/// A possible duplicate found when creating a contact. Candidates the caller may not see
/// carry no details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateCandidate {
    /// The contact, when the caller may see it.
    pub contact_id: Option<ContactId>,
    /// Display name, when the caller may see it.
    pub display_name: Option<String>,
    /// Why it matches.
    pub reasons: Vec<MatchReason>,
}

/// A company a person may log in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantChoice {
    /// The tenant.
    pub tenant_id: crm_domain::TenantId,
    /// Its name.
    pub name: String,
}

/// A secret handed to the client between two steps of a login; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Ticket(pub String);

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ticket(<redacted>)")
    }
}

/// What a service call can report.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Bad input; names every field at fault.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// Missing, unknown, expired or revoked credentials.
    #[error("unauthenticated")]
    Unauthenticated,
    /// No such record, or not visible to the actor (the two are indistinguishable).
    #[error("not found")]
    NotFound,
    /// Visible, but the actor's role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// The expected version is stale.
    #[error("version conflict")]
    Conflict,
    /// A pipeline rule refused the change.
    #[error(transparent)]
    Rule(RuleError),
    /// Likely duplicates exist; retry with confirmation to create anyway.
    #[error("possible duplicates")]
    PossibleDuplicates(Vec<DuplicateCandidate>),
    /// The record is still used (e.g. a stage holding opportunities).
    #[error("still in use: {0}")]
    InUse(&'static str),
    /// Too many login attempts (or current-password checks) in the window: nothing was
    /// checked; retry after so many seconds.
    #[error("too many attempts")]
    TooManyAttempts {
        /// Seconds until the window ends.
        retry_after_seconds: u64,
    },
    /// The password is right for this email in several companies: say which one.
    #[error("choose a tenant")]
    ChooseTenant(Vec<TenantChoice>),
    /// The password is right and the account asks for a second factor: the login goes on
    /// with this ticket and a code (`enrol`: the company requires one and the person has
    /// none yet; they set it up with the ticket first).
    #[error("second factor required")]
    SecondFactorRequired {
        /// The ticket (a secret, valid a few minutes).
        ticket: Ticket,
        /// Whether the person must first set up their second factor.
        enrol: bool,
    },
    /// The store cannot be reached.
    #[error("service unavailable")]
    Unavailable,
    /// Anything else; the message is for logs only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<RuleError> for ServiceError {
    fn from(e: RuleError) -> Self {
        match e {
            RuleError::Invalid(v) => Self::Invalid(v),
            other => Self::Rule(other),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict => Self::Conflict,
            StoreError::Duplicate { field } => Self::Invalid(ValidationError::field(field, ViolationKind::Repeated)),
            StoreError::UnknownReference { field } => Self::Invalid(ValidationError::field(field, ViolationKind::Unknown)),
            StoreError::BadCursor => Self::Invalid(ValidationError::field("cursor", ViolationKind::Malformed)),
            StoreError::Unavailable(_) => Self::Unavailable,
            StoreError::Internal(m) => Self::Internal(m),
        }
    }
}
