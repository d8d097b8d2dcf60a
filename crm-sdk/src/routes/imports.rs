//! Routes of imports: the dry run of an uploaded file, the import in the background, its
//! state and report.

use super::push;
use crate::models::*;
use crate::{Client, ContactQuery, OpportunityQuery, Result};
use reqwest::Method;
use uuid::Uuid;

impl Client {
    /// The dry run of importing an uploaded file's contacts: what each of its first 5,000
    /// rows would do. Nothing is written.
    ///
    /// # Errors
    /// `NotFound` (the file), `ValidationFailed` (`key`, `mapping.<i>`, `file`), `Forbidden`.
    pub async fn preview_contact_import(&self, request: &ImportRequest) -> Result<ImportPreview> {
        self.send(Method::POST, "/api/v1/imports/contacts/preview", &[], Some(request), None)
            .await
    }

    /// Starts importing an uploaded file's contacts in the background.
    ///
    /// # Errors
    /// `NotFound` (the file), `ValidationFailed`, `Conflict` (the file is being imported),
    /// `Forbidden`.
    pub async fn start_contact_import(&self, request: &ImportRequest) -> Result<Import> {
        self.send(Method::POST, "/api/v1/imports/contacts", &[], Some(request), None).await
    }

    /// The dry run of importing an uploaded file of organizations: what each of its first
    /// 5,000 rows would do (found by external id, web domain or name). Nothing is written.
    ///
    /// # Errors
    /// `NotFound` (the file), `ValidationFailed` (`file`, `mapping`), `Forbidden`.
    pub async fn preview_organization_import(&self, request: &ImportRequest) -> Result<ImportPreview> {
        self.send(Method::POST, "/api/v1/imports/organizations/preview", &[], Some(request), None)
            .await
    }

    /// Starts importing an uploaded file of organizations in the background.
    ///
    /// # Errors
    /// `NotFound` (the file), `ValidationFailed`, `Conflict` (the file is being imported),
    /// `Forbidden`.
    pub async fn start_organization_import(&self, request: &ImportRequest) -> Result<Import> {
        self.send(Method::POST, "/api/v1/imports/organizations", &[], Some(request), None)
            .await
    }

    /// The dry run of importing an uploaded file of opportunities: what each of its first
    /// 5,000 rows would do. Nothing is written.
    ///
    /// # Errors
    /// `NotFound` (the file), `ValidationFailed` (`file`, `mapping`), `Forbidden`.
    pub async fn preview_opportunity_import(&self, request: &ImportRequest) -> Result<ImportPreview> {
        self.send(Method::POST, "/api/v1/imports/opportunities/preview", &[], Some(request), None)
            .await
    }

    /// Starts importing an uploaded file of opportunities in the background.
    ///
    /// # Errors
    /// `NotFound` (the file), `ValidationFailed`, `Conflict` (the file is being imported),
    /// `Forbidden`.
    pub async fn start_opportunity_import(&self, request: &ImportRequest) -> Result<Import> {
        self.send(Method::POST, "/api/v1/imports/opportunities", &[], Some(request), None)
            .await
    }

    /// Your imports, newest first (an Admin: the company's), at most `limit` (1 to 500).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn imports(&self, limit: Option<u32>) -> Result<Vec<Import>> {
        let mut query = Vec::new();
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, "/api/v1/imports", &query, None, None).await
    }

    /// One import and where it stands.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn import(&self, id: Uuid) -> Result<Import> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/imports/{id}"), &[], None, None)
            .await
    }

    /// The report of an import: a CSV (UTF-8 with BOM, semicolons) of the rows left out
    /// or to check, each with its line and reason.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn import_report(&self, id: Uuid) -> Result<Vec<u8>> {
        let url = self.url(&format!("/api/v1/imports/{id}/report"), &[])?;
        let res = Self::check(self.request(Method::GET, url, None).send().await?).await?;
        Ok(res.bytes().await?.to_vec())
    }

    /// The contacts you may see that pass the filters of `q` (its sort, cursor and limit
    /// are not used) as a file: `format` is `csv`, `excel_csv` or `xlsx`. The whole file
    /// is read into memory: for very large exports, stream the route yourself.
    ///
    /// # Errors
    /// `ValidationFailed` (`format`, a filter), `Forbidden`.
    pub async fn export_contacts(&self, format: &str, q: &ContactQuery) -> Result<Vec<u8>> {
        let mut query = vec![("format", format.to_owned())];
        push(&mut query, "kind", q.kind.as_ref());
        push(&mut query, "owner_id", q.owner_id);
        push(&mut query, "tag", q.tag.as_ref());
        push(&mut query, "organization_id", q.organization_id);
        push(&mut query, "segment_id", q.segment_id);
        push(&mut query, "updated_since", q.updated_since.map(|t| t.to_rfc3339()));
        push(&mut query, "lead_status", q.lead_status.as_ref());
        push(&mut query, "pooled", q.pooled);
        push(&mut query, "min_score", q.min_score);
        let url = self.url("/api/v1/exports/contacts", &query)?;
        let res = Self::check(self.request(Method::GET, url, None).send().await?).await?;
        Ok(res.bytes().await?.to_vec())
    }

    /// Every organization, oldest first, as a file: `format` is `csv`, `excel_csv` or
    /// `xlsx`.
    ///
    /// # Errors
    /// `ValidationFailed` (`format`).
    pub async fn export_organizations(&self, format: &str) -> Result<Vec<u8>> {
        self.download(Method::GET, "/api/v1/exports/organizations", vec![("format", format.to_owned())])
            .await
    }

    /// The opportunities you may see that pass the filters of `q` (its sort, cursor and
    /// limit are not used) as a file: `format` is `csv`, `excel_csv` or `xlsx`.
    ///
    /// # Errors
    /// `ValidationFailed` (`format`, a filter), `Forbidden` (Marketing).
    pub async fn export_opportunities(&self, format: &str, q: &OpportunityQuery) -> Result<Vec<u8>> {
        let mut query = vec![("format", format.to_owned())];
        push(&mut query, "owner_id", q.owner_id);
        push(&mut query, "pipeline_id", q.pipeline_id);
        push(&mut query, "stage_id", q.stage_id);
        push(&mut query, "status", q.status.as_ref());
        push(&mut query, "close_from", q.close_from);
        push(&mut query, "close_to", q.close_to);
        self.download(Method::GET, "/api/v1/exports/opportunities", query).await
    }

    /// The activities you may see, oldest first, as a file: `format` is `csv`,
    /// `excel_csv` or `xlsx`.
    ///
    /// # Errors
    /// `ValidationFailed` (`format`).
    pub async fn export_activities(&self, format: &str) -> Result<Vec<u8>> {
        self.download(Method::GET, "/api/v1/exports/activities", vec![("format", format.to_owned())])
            .await
    }

    /// The whole company as a ZIP archive (Admin): a CSV per kind of record, the
    /// pipelines, the users, the event log as JSON Lines and the counts.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn export_company(&self) -> Result<Vec<u8>> {
        self.download(Method::GET, "/api/v1/exports/company", Vec::new()).await
    }

    pub(crate) async fn download(&self, method: Method, path: &str, query: Vec<(&str, String)>) -> Result<Vec<u8>> {
        let url = self.url(path, &query)?;
        let res = Self::check(self.request(method, url, None).send().await?).await?;
        Ok(res.bytes().await?.to_vec())
    }

    /// The suppression list, newest first (Admin); with `email` or `phone`, only that
    /// value's entry (empty: it is not on the list).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`email`, `phone`).
    pub async fn suppressions(&self, email: Option<&str>, phone: Option<&str>, limit: Option<u32>) -> Result<Vec<Suppression>> {
        let mut query = Vec::new();
        push(&mut query, "email", email);
        push(&mut query, "phone", phone);
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, "/api/v1/suppressions", &query, None, None).await
    }

    /// Puts an email or a phone on the suppression list (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`email`/`phone`: malformed, or already there).
    pub async fn add_suppression(&self, entry: &SuppressionWrite) -> Result<Suppression> {
        self.send(Method::POST, "/api/v1/suppressions", &[], Some(entry), None).await
    }

    /// Takes an entry off the suppression list (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn remove_suppression(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/suppressions/{id}"), None, None)
            .await
    }
}
