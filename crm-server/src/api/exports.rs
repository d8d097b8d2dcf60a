//! `/api/v1/exports`: the contacts a list shows (the same filters, segment and your
//! visibility), the organizations, the opportunities and the activities you may see, as a
//! file streamed while it is written: CSV, CSV for French Excel, an Excel workbook, or
//! vCards for contacts. The contacts' columns are those an import reads back.

use super::ApiTags;
use super::contacts::ContactFilterQuery;
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use crate::export::{CHANNEL_DEPTH, ExportFormat, headers};
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use crm_domain::Actor;
use crm_domain::ViolationKind;
use crm_ports::ServiceError;
use crm_ports::query::OpportunityFilter;
use crm_ports::services::export::{Export, ExportKind};
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
    /// A ZIP archive (a company's full export).
    #[oai(status = 200, content_type = "application/zip")]
    Zip(Binary<Body>, #[oai(header = "Content-Disposition")] String),
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
        /// A lead score of at least this.
        min_score: Query<Option<i32>>,
        #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>,
    ) -> ApiResult<ExportFile> {
        let lang = Lang::from_accept_language(accept_language.0.as_deref());
        let format = parse_format(format.0.as_deref(), true)?;
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
            min_score: min_score.0,
        }
        .filter(&self.app, &actor)
        .await?;
        let export = crate::export::start(&self.app, &actor, filter, lang).await?;
        Ok(self.file(actor, export, format, lang))
    }

    /// Every organization, oldest first, as a file: `format=csv` (default), `excel_csv`
    /// or `xlsx`. Every role sees every organization.
    #[oai(
        path = "/api/v1/exports/organizations",
        method = "get",
        operation_id = "export_organizations",
        tag = "ApiTags::Organizations"
    )]
    async fn organizations(
        &self,
        auth: Auth,
        /// `csv` (default), `excel_csv` or `xlsx`.
        format: Query<Option<String>>,
        #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>,
    ) -> ApiResult<ExportFile> {
        self.records(
            auth,
            ExportKind::Organizations,
            format.0,
            OpportunityFilter::default(),
            accept_language.0,
        )
        .await
    }

    /// The opportunities you may see that pass the filters (those of the list), oldest
    /// first, as a file: amounts as numbers with their currency, dates as dates in a
    /// workbook. 403 for a role that sees no opportunity (Marketing).
    #[oai(
        path = "/api/v1/exports/opportunities",
        method = "get",
        operation_id = "export_opportunities",
        tag = "ApiTags::Opportunities"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn opportunities(
        &self,
        auth: Auth,
        /// `csv` (default), `excel_csv` or `xlsx`.
        format: Query<Option<String>>,
        owner_id: Query<Option<Uuid>>,
        pipeline_id: Query<Option<Uuid>>,
        stage_id: Query<Option<Uuid>>,
        /// `open`, `won` or `lost`.
        status: Query<Option<super::dto::opportunities::StatusParam>>,
        /// Expected close on or after.
        close_from: Query<Option<chrono::NaiveDate>>,
        /// Expected close on or before.
        close_to: Query<Option<chrono::NaiveDate>>,
        #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>,
    ) -> ApiResult<ExportFile> {
        let filter = super::opportunities::filter(owner_id.0, pipeline_id.0, stage_id.0, status.0, close_from.0, close_to.0);
        self.records(auth, ExportKind::Opportunities, format.0, filter, accept_language.0)
            .await
    }

    /// The activities you may see (those concerning a contact or opportunity you see,
    /// every organization's, and those assigned to you), oldest first, as a file. Each
    /// row names what it concerns and gives its links as `contact:<id>`.
    #[oai(
        path = "/api/v1/exports/activities",
        method = "get",
        operation_id = "export_activities",
        tag = "ApiTags::Activities"
    )]
    async fn activities(
        &self,
        auth: Auth,
        /// `csv` (default), `excel_csv` or `xlsx`.
        format: Query<Option<String>>,
        #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>,
    ) -> ApiResult<ExportFile> {
        self.records(
            auth,
            ExportKind::Activities,
            format.0,
            OpportunityFilter::default(),
            accept_language.0,
        )
        .await
    }

    /// The whole company (Admin), at any time: a ZIP archive with one UTF-8 CSV per kind
    /// of record (`organizations.csv`, `contacts.csv`, `opportunities.csv`,
    /// `activities.csv`, `pipelines.csv`, `users.csv`), the event log as JSON Lines
    /// (`events.jsonl`) and `manifest.json` with the counts. Written while it is sent.
    /// `crm import company` brings it into an empty company with the same counts.
    #[oai(
        path = "/api/v1/exports/company",
        method = "get",
        operation_id = "export_company",
        tag = "ApiTags::Tenants"
    )]
    async fn company(&self, auth: Auth, #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>) -> ApiResult<ExportFile> {
        let lang = Lang::from_accept_language(accept_language.0.as_deref());
        let actor = auth.actor();
        crate::company::check(&self.app, &actor).await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel(CHANNEL_DEPTH);
        tokio::spawn(crate::company::write(self.app.clone(), actor, lang, tx));
        let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).map(|chunk| chunk.map_err(std::io::Error::other));
        let name = format!(
            "attachment; filename=\"{}-{}.zip\"",
            lang.t("export", "file_company"),
            self.app.now().format("%Y-%m-%d")
        );
        Ok(ExportFile::Zip(Binary(Body::from_bytes_stream(stream)), name))
    }
}

impl ExportsApi {
    async fn records(
        &self,
        auth: Auth,
        kind: ExportKind,
        format: Option<String>,
        filter: OpportunityFilter,
        accept_language: Option<String>,
    ) -> ApiResult<ExportFile> {
        let lang = Lang::from_accept_language(accept_language.as_deref());
        let format = parse_format(format.as_deref(), false)?;
        let actor = auth.actor();
        let export = crate::export::start_records(&self.app, &actor, kind, filter, lang).await?;
        Ok(self.file(actor, export, format, lang))
    }

    /// The file of an export started, written while it is sent.
    fn file(&self, actor: Actor, export: Export, format: ExportFormat, lang: Lang) -> ExportFile {
        let kind = export.kind();
        let (tx, mut rx) = tokio::sync::mpsc::channel(CHANNEL_DEPTH);
        tokio::spawn(crate::export::write(
            self.app.clone(),
            actor,
            export,
            format,
            headers(kind, lang),
            tx,
        ));
        let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).map(|chunk| chunk.map_err(std::io::Error::other));
        let body = Binary(Body::from_bytes_stream(stream));
        let name = format!(
            "attachment; filename=\"{}-{}.{}\"",
            lang.t("export", &format!("file_{}", kind.code())),
            self.app.now().format("%Y-%m-%d"),
            format.extension()
        );
        match format {
            ExportFormat::Xlsx => ExportFile::Xlsx(body, name),
            ExportFormat::Vcard => ExportFile::Vcard(body, name),
            ExportFormat::Csv | ExportFormat::ExcelCsv => ExportFile::Csv(body, name),
        }
    }
}

/// The format asked for (CSV by default); vCards only for contacts.
fn parse_format(code: Option<&str>, vcards: bool) -> Result<ExportFormat, ServiceError> {
    match code {
        None => Ok(ExportFormat::Csv),
        Some(f) => ExportFormat::parse(f)
            .filter(|f| vcards || *f != ExportFormat::Vcard)
            .ok_or_else(|| ServiceError::from(crm_domain::ValidationError::field("format", ViolationKind::Unknown))),
    }
}
