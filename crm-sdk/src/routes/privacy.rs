//! Routes of the rights of the people the company keeps data on (Admin).

use super::push;
use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use uuid::Uuid;

impl Client {
    /// The register of requests (those about `contact` when given).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn privacy_requests(&self, contact: Option<Uuid>) -> Result<Vec<PrivacyRequest>> {
        let mut query = Vec::new();
        push(&mut query, "contact_id", contact);
        self.send::<(), _>(Method::GET, "/api/v1/privacy/requests", &query, None, None)
            .await
    }

    /// Logs a person's request.
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`kind`, `received_at`, `note`, `contact_id`).
    pub async fn create_privacy_request(&self, r: &PrivacyRequestWrite) -> Result<PrivacyRequest> {
        self.send(Method::POST, "/api/v1/privacy/requests", &[], Some(r), None).await
    }

    /// One request.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn privacy_request(&self, id: Uuid) -> Result<PrivacyRequest> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/privacy/requests/{id}"), &[], None, None)
            .await
    }

    /// Answers a request at `version`.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed` (`status`, `answer`).
    pub async fn answer_privacy_request(&self, id: Uuid, version: i64, a: &PrivacyAnswer) -> Result<PrivacyRequest> {
        self.send(
            Method::PUT,
            &format!("/api/v1/privacy/requests/{id}/answer"),
            &[],
            Some(a),
            Some(version),
        )
        .await
    }

    /// Everything kept about a contact, as JSON (`csv`: false) or CSV.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn export_personal_data(&self, contact: Uuid, csv: bool) -> Result<Vec<u8>> {
        let format = if csv { "csv" } else { "json" };
        self.download(
            Method::GET,
            &format!("/api/v1/privacy/contacts/{contact}/data"),
            vec![("format", format.to_owned())],
        )
        .await
    }

    /// Erases a person (with the request it carries out, if any).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed` (the request changed).
    pub async fn erase_contact(&self, contact: Uuid, e: &Erasure) -> Result<()> {
        self.send_empty(Method::POST, &format!("/api/v1/privacy/contacts/{contact}/erase"), Some(e), None)
            .await
    }

    /// A person's consent per channel: whether campaigns and automation may reach them
    /// there and why, and every record.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn contact_consents(&self, contact: Uuid) -> Result<Consents> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/contacts/{contact}/consents"), &[], None, None)
            .await
    }

    /// Records a consent given or withdrawn; the person's consents after it.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed` (`medium`, `state`, `basis`, `source`,
    /// `proof`, `given_at`), `Conflict`.
    pub async fn record_consent(&self, contact: Uuid, c: &ConsentWrite) -> Result<Consents> {
        self.send(Method::POST, &format!("/api/v1/contacts/{contact}/consents"), &[], Some(c), None)
            .await
    }

    /// The prospects whose retention time is up (a dry run): the oldest `limit` (1 to
    /// 500, default 100) and how many in all.
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`limit`).
    pub async fn retention_report(&self, limit: Option<u32>) -> Result<RetentionReport> {
        let mut query = Vec::new();
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, "/api/v1/privacy/retention", &query, None, None)
            .await
    }

    /// Erases now the oldest 500 prospects whose retention time is up.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn erase_due_prospects(&self) -> Result<RetentionErasure> {
        self.send::<(), _>(Method::POST, "/api/v1/privacy/retention/erase", &[], None, None)
            .await
    }

    /// Anonymises now the oldest prospects due (500 per call): their records stay, naming
    /// no one.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn anonymise_due_prospects(&self) -> Result<RetentionAnonymisation> {
        self.send::<(), _>(Method::POST, "/api/v1/privacy/retention/anonymise", &[], None, None)
            .await
    }

    /// The register of processing activities (GDPR art. 30), worded in the client's
    /// language.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn processing_register(&self) -> Result<ProcessingRegister> {
        self.send::<(), _>(Method::GET, "/api/v1/privacy/register", &[], None, None).await
    }

    /// The register of processing activities as a PDF.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn processing_register_pdf(&self) -> Result<Vec<u8>> {
        self.download(Method::GET, "/api/v1/privacy/register", vec![("format", "pdf".to_owned())])
            .await
    }

    /// Who opened or exported whose personal data, newest first (to one contact or by one
    /// user when given, after the access `before` — the last one read —, at most `limit`).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`limit`).
    pub async fn access_log(
        &self,
        contact: Option<Uuid>,
        user: Option<Uuid>,
        before: Option<Uuid>,
        limit: Option<u32>,
    ) -> Result<Vec<Access>> {
        let mut query = Vec::new();
        push(&mut query, "contact_id", contact);
        push(&mut query, "user_id", user);
        push(&mut query, "before", before);
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, "/api/v1/privacy/access-log", &query, None, None)
            .await
    }
}
