//! `/api/v1/imports`: importing contacts from an uploaded file (`POST /api/v1/files`). The
//! dry run says what each row would do; the import runs as a background job whose progress
//! and report of the rows left out are read here. Those who write contacts import; Marketing
//! too, its new contacts going to the leads' pool.

use super::ApiTags;
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use crate::i18n::Lang;
use crate::import_text;
use chrono::{DateTime, Utc};
use crm_domain::import::ImportField;
use crm_domain::{UserId, ViolationKind};
use crm_ports::ServiceError;
use crm_ports::files::FileStorage;
use crm_ports::services::import::{ImportEntity, ImportJob, ImportOptions, RowAction, RowNote, UpsertKey};
use crm_tabular::Tables;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use std::sync::Arc;
use uuid::Uuid;

/// How to import a file.
#[derive(Debug, Clone, Object, Default)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none)]
pub struct ImportRequestDto {
    /// The uploaded file (CSV or XLSX), one of yours.
    pub file_id: Uuid,
    /// The field of each column, in order (`first_name`, `email`... or null to ignore
    /// it); guessed from the headers when absent.
    pub mapping: Option<Vec<Option<String>>>,
    /// What finds the contact a row updates: `email` (default), `phone` or `external_id`.
    pub key: Option<String>,
    /// Create the rows that only look like an existing contact (a close name). Default false.
    pub create_possible_duplicates: Option<bool>,
    /// Import nothing when one row is at fault. Default false (those rows are left out).
    pub all_or_nothing: Option<bool>,
    /// Who gets the new contacts (default: you; Marketing's go to the leads' pool).
    pub owner_id: Option<Uuid>,
    /// Contacts: the new contacts a territory covers (postcode, organization's industry)
    /// go to that territory's team, in turn (Admin, Manager, Marketing). Default false.
    pub by_territory: Option<bool>,
}

/// What the import says of a row.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RowNoteDto {
    /// `invalid`, `repeated_in_file`, `ambiguous`, `not_visible`, `not_editable`,
    /// `possible_duplicate`, `unknown_organization`.
    pub code: String,
    /// In your language (`Accept-Language`).
    pub text: String,
    /// The fields at fault (`invalid`).
    pub fields: Option<Vec<String>>,
}

/// One row of a dry run.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PreviewRowDto {
    /// Its line in the file (the headers are line 1).
    pub line: i64,
    /// `create`, `update`, `unchanged` or `skip`.
    pub action: String,
    /// The contact it updates (or already matches).
    pub contact_id: Option<Uuid>,
    /// In an import of organizations: the organization it updates (or already matches).
    pub organization_id: Option<Uuid>,
    /// In an import of opportunities: the opportunity it already matches.
    pub opportunity_id: Option<Uuid>,
    /// Why it is left out, or what to check.
    pub note: Option<RowNoteDto>,
    /// An import by territory: the territory whose team gets the new contact.
    pub territory: Option<String>,
    /// Its cells, as read.
    pub cells: Vec<String>,
}

/// Rows of a dry run by what they would do.
#[derive(Debug, Clone, Object)]
pub struct PreviewCountsDto {
    /// New contacts.
    pub create: i64,
    /// Contacts updated.
    pub update: i64,
    /// Contacts that already have everything.
    pub unchanged: i64,
    /// Rows left out.
    pub skip: i64,
}

/// The dry run of a file: nothing is written.
#[derive(Debug, Clone, Object)]
pub struct ImportPreviewDto {
    /// The header row.
    pub headers: Vec<String>,
    /// The field of each column (null: ignored).
    pub mapping: Vec<Option<String>>,
    /// When the mapping was not given: the start of the company's earlier import of a file
    /// with the same headers whose mapping it is (absent: guessed from the headers).
    pub mapping_from: Option<DateTime<Utc>>,
    /// Rows in the file.
    pub total: i64,
    /// The first rows (at most 5,000), each with what it would do.
    pub rows: Vec<PreviewRowDto>,
    /// Those rows, counted.
    pub counts: PreviewCountsDto,
}

/// An import and where it stands.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ImportDto {
    /// Id.
    pub id: Uuid,
    /// What the file holds: `contacts` or `organizations` (then `created`, `updated` and
    /// `unchanged` count organizations).
    pub entity: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    /// The file imported.
    pub file_id: Uuid,
    /// Who imports.
    pub user_id: Option<Uuid>,
    /// Rows in the file (0 until the job has read it).
    pub total: i64,
    /// Rows done.
    pub done: i64,
    /// Contacts created.
    pub created: i64,
    /// Contacts updated.
    pub updated: i64,
    /// Rows whose contact already had everything.
    pub unchanged: i64,
    /// Rows left out.
    pub skipped: i64,
    /// Organizations created.
    pub organizations: i64,
    /// All or nothing, and rows at fault: nothing was written.
    pub refused: bool,
    /// Rows in the report (left out, or imported with something to check).
    pub report_rows: i64,
    /// The last error of the job.
    pub error: Option<String>,
    /// Asked at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn n(x: u64) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX)
}

impl From<&ImportJob> for ImportDto {
    fn from(j: &ImportJob) -> Self {
        let p = &j.progress;
        Self {
            id: j.job.id,
            entity: j.spec.entity.code().to_owned(),
            state: j.job.state.name().to_owned(),
            file_id: j.spec.file_id,
            user_id: j.spec.user_id.map(|u| u.as_uuid()),
            total: n(p.total),
            done: n(p.done),
            created: n(p.created),
            updated: n(p.updated),
            unchanged: n(p.unchanged),
            skipped: n(p.skipped),
            organizations: n(p.organizations),
            refused: p.refused,
            report_rows: p.noted.len() as i64,
            error: j.job.error.clone(),
            created_at: j.job.created_at,
            updated_at: j.job.updated_at,
        }
    }
}

fn note_dto(lang: Lang, note: &RowNote) -> RowNoteDto {
    RowNoteDto {
        code: import_text::code(note).to_owned(),
        text: import_text::reason(lang, note),
        fields: match note {
            RowNote::Invalid(v) => Some(v.errors().iter().map(|e| e.field.clone()).collect()),
            _ => None,
        },
    }
}

/// The mapping and options of a request, every fault named.
/// The field of each column, as asked (`None`: to guess).
type Mapping = Option<Vec<Option<ImportField>>>;

fn read_request(r: &ImportRequestDto) -> Result<(Mapping, ImportOptions), ServiceError> {
    let mut v = crm_domain::error::Validator::new();
    let key = match r.key.as_deref() {
        None => UpsertKey::Email,
        Some(k) => UpsertKey::parse(k).unwrap_or_else(|| {
            v.push("key", ViolationKind::Unknown);
            UpsertKey::Email
        }),
    };
    let mapping = r.mapping.as_ref().map(|m| {
        m.iter()
            .enumerate()
            .map(|(i, code)| {
                let code = code.as_deref()?;
                let field = ImportField::parse(code);
                if field.is_none() {
                    v.push(format!("mapping.{i}"), ViolationKind::Unknown);
                }
                field
            })
            .collect::<Vec<_>>()
    });
    if mapping.as_ref().is_some_and(|m| m.len() > 200) {
        v.push("mapping", ViolationKind::TooLarge);
    }
    v.finish()?;
    let options = ImportOptions {
        create_possible_duplicates: r.create_possible_duplicates.unwrap_or(false),
        all_or_nothing: r.all_or_nothing.unwrap_or(false),
        owner: r.owner_id.map(UserId::from_uuid),
        by_territory: r.by_territory.unwrap_or(false),
        ..ImportOptions::by(key)
    };
    Ok((mapping, options))
}

#[derive(ApiResponse)]
pub enum Started {
    /// Queued: follow it at `Location`.
    #[oai(status = 202)]
    Accepted(Json<ImportDto>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum Report {
    /// The report (CSV, UTF-8 with BOM, semicolons).
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(Binary<Vec<u8>>, #[oai(header = "Content-Disposition")] String),
}

/// A dry run as the API gives it.
fn preview_dto(lang: Lang, p: crm_ports::services::import::ImportPreview, entity: ImportEntity) -> ImportPreviewDto {
    let mut counts = PreviewCountsDto {
        create: 0,
        update: 0,
        unchanged: 0,
        skip: 0,
    };
    let rows = p
        .rows
        .into_iter()
        .map(|(cells, plan)| {
            let (action, id) = match plan.action {
                RowAction::Create => {
                    counts.create += 1;
                    ("create", None)
                }
                RowAction::Update(id) => {
                    counts.update += 1;
                    ("update", Some(id))
                }
                RowAction::Unchanged(id) => {
                    counts.unchanged += 1;
                    ("unchanged", Some(id))
                }
                RowAction::Skip => {
                    counts.skip += 1;
                    ("skip", None)
                }
            };
            PreviewRowDto {
                line: n(plan.line),
                action: action.to_owned(),
                contact_id: id.filter(|_| entity == ImportEntity::Contacts),
                organization_id: id.filter(|_| entity == ImportEntity::Organizations),
                opportunity_id: id.filter(|_| entity == ImportEntity::Opportunities),
                note: plan.note.as_ref().map(|note| note_dto(lang, note)),
                territory: plan.territory.clone(),
                cells,
            }
        })
        .collect();
    ImportPreviewDto {
        headers: p.headers,
        mapping: p.mapping.iter().map(|f| f.map(|f| f.code().to_owned())).collect(),
        mapping_from: p.mapping_from,
        total: n(p.total),
        rows,
        counts,
    }
}

pub struct ImportsApi {
    pub app: CrmApp,
    pub files: Arc<dyn FileStorage>,
    /// The prefix the API is mounted under (`""` at the root).
    pub base_path: String,
}

impl ImportsApi {
    async fn start_entity(&self, auth: Auth, body: ImportRequestDto, entity: ImportEntity) -> ApiResult<Started> {
        let (mapping, options) = read_request(&body)?;
        let actor = auth.actor();
        let mapping = match mapping {
            Some(m) => m,
            None => {
                let table = self
                    .app
                    .import_table(&actor, &*self.files, &Tables::default(), body.file_id)
                    .await?;
                self.app.mapping_for_entity(&actor, entity, &table.headers).await?.0
            }
        };
        let job = self.app.start_import(&actor, entity, body.file_id, &mapping, &options).await?;
        Ok(Started::Accepted(
            Json(ImportDto::from(&job)),
            format!("{}/api/v1/imports/{}", self.base_path, job.job.id),
        ))
    }
}

#[OpenApi(tag = "ApiTags::Files")]
impl ImportsApi {
    /// The dry run of importing an uploaded file's contacts: the mapping (guessed from the
    /// headers unless given) and, for each of its first 5,000 rows, whether it would create
    /// a contact, update one (found by its key, with the duplicate rules of a contact
    /// created by hand), leave it unchanged, or be left out, and why. Nothing is written.
    #[oai(
        path = "/api/v1/imports/contacts/preview",
        method = "post",
        operation_id = "preview_contact_import"
    )]
    async fn preview(
        &self,
        auth: Auth,
        body: Json<ImportRequestDto>,
        #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>,
    ) -> ApiResult<Json<ImportPreviewDto>> {
        let lang = Lang::from_accept_language(accept_language.0.as_deref());
        let (mapping, options) = read_request(&body.0)?;
        let tables = Tables::default();
        let p = self
            .app
            .preview_contact_import(&auth.actor(), &*self.files, &tables, body.0.file_id, mapping.as_deref(), &options)
            .await?;
        Ok(Json(preview_dto(lang, p, ImportEntity::Contacts)))
    }

    /// Imports an uploaded file's contacts in the background: rows written by pieces of
    /// 500, each with the job's progress (a crash resumes after the last piece: every row
    /// once). 409 while the same file is being imported.
    #[oai(path = "/api/v1/imports/contacts", method = "post", operation_id = "start_contact_import")]
    async fn start(&self, auth: Auth, body: Json<ImportRequestDto>) -> ApiResult<Started> {
        self.start_entity(auth, body.0, ImportEntity::Contacts).await
    }

    /// The dry run of importing an uploaded file of organizations: the mapping (that of
    /// the company's last import of a file with the same headers, else guessed: "Raison
    /// sociale", "Site web", "Secteur", "Effectif"...) and, for each of its first 5,000
    /// rows, whether it would create an organization, update one (found by its external
    /// id, else its web domain, else its name), leave it unchanged, or be left out, and
    /// why. With `key=external_id`, only the external id finds one. Nothing is written.
    #[oai(
        path = "/api/v1/imports/organizations/preview",
        method = "post",
        operation_id = "preview_organization_import"
    )]
    async fn preview_organizations(
        &self,
        auth: Auth,
        body: Json<ImportRequestDto>,
        #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>,
    ) -> ApiResult<Json<ImportPreviewDto>> {
        let lang = Lang::from_accept_language(accept_language.0.as_deref());
        let (mapping, options) = read_request(&body.0)?;
        let p = self
            .app
            .preview_organization_import(
                &auth.actor(),
                &*self.files,
                &Tables::default(),
                body.0.file_id,
                mapping.as_deref(),
                &options,
            )
            .await?;
        Ok(Json(preview_dto(lang, p, ImportEntity::Organizations)))
    }

    /// Imports an uploaded file of organizations in the background, as contacts are
    /// (pieces of 500, a crash resumes after the last one); follow it with the imports'
    /// routes. For those who write organizations.
    #[oai(
        path = "/api/v1/imports/organizations",
        method = "post",
        operation_id = "start_organization_import"
    )]
    async fn start_organizations(&self, auth: Auth, body: Json<ImportRequestDto>) -> ApiResult<Started> {
        self.start_entity(auth, body.0, ImportEntity::Organizations).await
    }

    /// The dry run of importing an uploaded file of opportunities (deals of another CRM,
    /// a spreadsheet): the mapping (the company's last one for the same headers, else
    /// guessed: "Intitulé", "Montant", "Étape", "Statut", "Clôture prévue",
    /// "Propriétaire"…) and, for each of its first 5,000 rows, whether it would open an
    /// opportunity (at its pipeline and stage found by name, won or lost when it says so,
    /// linked to its organization by name and its contacts by email), find one already
    /// there (its CRM id, or the same title at the same organization: left as it is), or
    /// be left out, and why. Nothing is written.
    #[oai(
        path = "/api/v1/imports/opportunities/preview",
        method = "post",
        operation_id = "preview_opportunity_import"
    )]
    async fn preview_opportunities(
        &self,
        auth: Auth,
        body: Json<ImportRequestDto>,
        #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>,
    ) -> ApiResult<Json<ImportPreviewDto>> {
        let lang = Lang::from_accept_language(accept_language.0.as_deref());
        let (mapping, _) = read_request(&body.0)?;
        let p = self
            .app
            .preview_opportunity_import(&auth.actor(), &*self.files, &Tables::default(), body.0.file_id, mapping.as_deref())
            .await?;
        Ok(Json(preview_dto(lang, p, ImportEntity::Opportunities)))
    }

    /// Imports an uploaded file of opportunities in the background (pieces of 500, a
    /// crash resumes after the last one); follow it with the imports' routes. For those
    /// who write opportunities.
    #[oai(path = "/api/v1/imports/opportunities", method = "post", operation_id = "start_opportunity_import")]
    async fn start_opportunities(&self, auth: Auth, body: Json<ImportRequestDto>) -> ApiResult<Started> {
        self.start_entity(auth, body.0, ImportEntity::Opportunities).await
    }

    /// Your imports, newest first (an Admin: the company's).
    #[oai(path = "/api/v1/imports", method = "get", operation_id = "list_imports")]
    async fn list(
        &self,
        auth: Auth,
        /// At most this many (1 to 500, default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<ImportDto>>> {
        let jobs = self.app.import_jobs(&auth.actor(), limit.0.unwrap_or(50)).await?;
        Ok(Json(jobs.iter().map(ImportDto::from).collect()))
    }

    /// One of your imports (an Admin: any of the company's) and where it stands.
    #[oai(path = "/api/v1/imports/:id", method = "get", operation_id = "get_import")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<ImportDto>> {
        Ok(Json(ImportDto::from(&self.app.import_job(&auth.actor(), id.0).await?)))
    }

    /// The report of an import: each row left out (or imported with something to check)
    /// as it was in the file, then its line and the reason in your language — a CSV as
    /// French Excel opens it (UTF-8 with BOM, semicolons).
    #[oai(path = "/api/v1/imports/:id/report", method = "get", operation_id = "import_report")]
    async fn report(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "Accept-Language")] accept_language: Header<Option<String>>,
    ) -> ApiResult<Report> {
        let lang = Lang::from_accept_language(accept_language.0.as_deref());
        let (headers, rows) = self
            .app
            .import_report(&auth.actor(), &*self.files, &Tables::default(), id.0)
            .await?;
        let rows = rows.into_iter().map(|r| (r.cells, r.noted.line, r.noted.note));
        let bytes = import_text::report_csv(lang, &headers, rows).map_err(ServiceError::Internal)?;
        Ok(Report::Ok(
            Binary(bytes),
            format!("attachment; filename=\"import-{}-rapport.csv\"", id.0),
        ))
    }
}
