//! `/api/v1/exports`: the contacts a list shows (the same filters, segment and your
//! visibility) as a file, streamed while it is written: CSV, CSV for French Excel, or an
//! Excel workbook. Its columns are those an import reads back.

use super::ApiTags;
use super::contacts::ContactFilterQuery;
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use crate::export::{CHANNEL_DEPTH, ExportFormat, contact_headers};
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use crm_domain::ViolationKind;
use crm_ports::ServiceError;
use futures::StreamExt;
use poem::Body;
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::Binary;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

#[derive(ApiResponse)]
pub enum ExportFile {
    /// CSV (UTF-8; with `format=excel_csv`, with a byte order mark, semicolons and CRLF).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(Binary<Body>, #[oai(header = "Content-Disposition")] String),
    /// Excel workbook (a new sheet every 1,048,575 rows).
    #[oai(status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Xlsx(Binary<Body>, #[oai(header = "Content-Disposition")] String),
    /// vCard 4.0, a card a contact.
    #[oai(status = 200, content_type = "text/vcard; charset=utf-8")]
    Vcard(Binary<Body>, #[oai(header = "Content-Disposition")] String),
}

pub struct ExportsApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Contacts")]
impl ExportsApi {
    /// The contacts you may see that pass the filters (those of the contact list), oldest
    /// first, as a file: `format=csv` (UTF-8, commas), `excel_csv` (as French Excel opens
    /// it), `xlsx` (dates as dates) or `vcf` (vCard 4.0, for address books and phones). Headers and kinds in your language; importing the
    /// file back changes nothing. Streamed: a large export starts at once and holds no
    /// more than a few pages in memory.
    #[oai(path = "/api/v1/exports/contacts", method = "get", operation_id = "export_contacts")]
    #[allow(clippy::too_many_arguments)]
    async fn contacts(
        &self,
        auth: Auth,
        /// `csv` (default), `excel_csv`, `xlsx` or `vcf` (vCard 4.0).
        format: Query<Option<String>>,
        /// `prospect`, `client`, `partner` or `former_client`.
        kind: Query<Option<String>>,
        /// Owner.
        owner_id: Query<Option<Uuid>>,
        /// Carries this tag.
        tag: Query<Option<String>>,
        /// Belongs to this organization.
        organization_id: Query<Option<Uuid>>,
        /// Changed at or after.
        updated_since: Query<Option<DateTime<Utc>>>,
        /// Member of this segment.
        segment_id: Query<Option<Uuid>>,
        /// Leads in this status.
        lead_status: Query<Option<String>>,
        /// `true`: leads waiting in the pool; `false`: every other contact.
        pooled: Query<Option<bool>>,
        #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>,
    ) -> ApiResult<ExportFile> {
        let lang = Lang::from_accept_language(accept_language.0.as_deref());
        let format = match format.0.as_deref() {
            None => ExportFormat::Csv,
            Some(f) => ExportFormat::parse(f)
                .ok_or_else(|| ServiceError::from(crm_domain::ValidationError::field("format", ViolationKind::Unknown)))?,
        };
        let actor = auth.actor();
        let filter = ContactFilterQuery {
            kind: kind.0,
            owner_id: owner_id.0,
            tag: tag.0,
            organization_id: organization_id.0,
            updated_since: updated_since.0,
            segment_id: segment_id.0,
            lead_status: lead_status.0,
            pooled: pooled.0,
        }
        .filter(&self.app, &actor)
        .await?;
        let export = crate::export::start(&self.app, &actor, filter, lang).await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel(CHANNEL_DEPTH);
        tokio::spawn(crate::export::write(
            self.app.clone(),
            actor,
            export,
            format,
            contact_headers(lang),
            tx,
        ));
        let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).map(|chunk| chunk.map_err(std::io::Error::other));
        let body = Binary(Body::from_bytes_stream(stream));
        let name = format!(
            "attachment; filename=\"{}-{}.{}\"",
            lang.t("export", "file_contacts"),
            Utc::now().format("%Y-%m-%d"),
            format.extension()
        );
        Ok(match format {
            ExportFormat::Xlsx => ExportFile::Xlsx(body, name),
            ExportFormat::Vcard => ExportFile::Vcard(body, name),
            ExportFormat::Csv | ExportFormat::ExcelCsv => ExportFile::Csv(body, name),
        })
    }
}
