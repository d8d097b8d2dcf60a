//! `crm export contacts|organizations|opportunities|activities`: a tenant's records (for
//! contacts: all, or those of a kind or a tag) written to a file as the API gives them:
//! CSV, CSV for French Excel, an Excel workbook or vCards, in French or English, with a
//! spinner on long work.

use crate::assemble::CrmApp;
use crate::cli::explain;
use crate::export::{CHANNEL_DEPTH, ExportFormat, headers};
use crate::i18n::Lang;
use crm_domain::{Actor, TenantId};
use crm_ports::query::{ContactFilter, OpportunityFilter};
use crm_ports::services::export::{Export, ExportKind};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportArgs {
    /// `csv`, `excel_csv` or `xlsx` (default: from the file's extension).
    pub format: Option<String>,
    /// Only contacts of this kind (`prospect`, `client`, `partner`, `former_client`).
    pub kind: Option<String>,
    /// Only contacts carrying this tag.
    pub tag: Option<String>,
    /// Headers and kinds in this language (`fr` or `en`).
    pub lang: String,
}

/// What to export of organizations, opportunities or activities.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RecordArgs {
    /// The tenant's id.
    #[arg(long)]
    pub tenant: uuid::Uuid,
    /// csv (UTF-8, commas), excel_csv (as French Excel opens it) or xlsx; default: from
    /// the file's extension (.xlsx), else excel_csv.
    #[arg(long)]
    pub format: Option<String>,
    /// Language of the headers and codes: fr or en.
    #[arg(long, default_value = "fr")]
    pub lang: String,
    /// The file to write.
    pub out: std::path::PathBuf,
}

fn format_of(format: Option<&str>, out: &Path, vcards: bool) -> Result<ExportFormat, String> {
    let ext = |x: &str| out.extension().is_some_and(|e| e.eq_ignore_ascii_case(x));
    match format {
        Some(f) => ExportFormat::parse(f)
            .filter(|f| vcards || *f != ExportFormat::Vcard)
            .ok_or_else(|| {
                format!(
                    "format inconnu « {f} » : csv, excel_csv, xlsx{}",
                    if vcards { " ou vcf" } else { "" }
                )
            }),
        None if ext("xlsx") => Ok(ExportFormat::Xlsx),
        None if vcards && ext("vcf") => Ok(ExportFormat::Vcard),
        None => Ok(ExportFormat::ExcelCsv),
    }
}

fn lang_of(code: &str) -> Lang {
    if code == "en" { Lang::En } else { Lang::Fr }
}

/// Writes `tenant`'s contacts to `out`; says how many and where.
///
/// # Errors
/// A message for the operator (unknown format or kind, unwritable file, store failure).
pub async fn contacts(app: &CrmApp, tenant: TenantId, out: &Path, args: &ExportArgs) -> Result<String, String> {
    let format = format_of(args.format.as_deref(), out, true)?;
    let lang = lang_of(&args.lang);
    let kind = crate::api::common::contact_kind(args.kind.as_deref()).map_err(|e| e.to_string())?;
    let tag = crate::api::common::contact_tag(args.tag.as_deref()).map_err(|e| e.to_string())?;
    let filter = ContactFilter {
        kind,
        tag,
        ..ContactFilter::default()
    };
    let actor = Actor::System { tenant_id: tenant };
    let export = crate::export::start(app, &actor, filter, lang).await.map_err(|e| explain(&e))?;
    write_file(app, actor, export, format, lang, out).await
}

/// Writes a tenant's organizations, opportunities or activities to a file; says how many
/// and where.
///
/// # Errors
/// A message for the operator (unknown format, unwritable file, store failure).
pub async fn records(app: &CrmApp, kind: ExportKind, args: &RecordArgs) -> Result<String, String> {
    let format = format_of(args.format.as_deref(), &args.out, false)?;
    let lang = lang_of(&args.lang);
    let actor = Actor::System {
        tenant_id: TenantId::from_uuid(args.tenant),
    };
    let export = crate::export::start_records(app, &actor, kind, OpportunityFilter::default(), lang)
        .await
        .map_err(|e| explain(&e))?;
    write_file(app, actor, export, format, lang, &args.out).await
}

async fn write_file(app: &CrmApp, actor: Actor, export: Export, format: ExportFormat, lang: Lang, out: &Path) -> Result<String, String> {
    let kind = export.kind();
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).map_err(|e| format!("{} : {e}", out.display()))?);
    let (tx, mut rx) = tokio::sync::mpsc::channel(CHANNEL_DEPTH);
    let writer = tokio::spawn(crate::export::write(app.clone(), actor, export, format, headers(kind, lang), tx));
    let spinner = spinner();
    let mut bytes: u64 = 0;
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?;
        file.write_all(&chunk).map_err(|e| format!("{} : {e}", out.display()))?;
        bytes += chunk.len() as u64;
        spinner.set_position(bytes);
    }
    file.flush().map_err(|e| format!("{} : {e}", out.display()))?;
    spinner.finish_and_clear();
    let rows = writer.await.map_err(|e| e.to_string())?;
    let what = lang.t("export", &format!("file_{}", kind.code()));
    Ok(format!("{rows} {what} exportés dans {} ({bytes} octets)", out.display()))
}

/// `crm export …`.
#[derive(Debug, clap::Subcommand)]
pub enum ExportCmd {
    /// The tenant's contacts (all, or of a kind, or carrying a tag), oldest first, with
    /// the columns an import reads back.
    Contacts {
        /// The tenant's id.
        #[arg(long)]
        tenant: uuid::Uuid,
        /// csv (UTF-8, commas), excel_csv (as French Excel opens it), xlsx or vcf (vCard
        /// 4.0); default: from the file's extension (.xlsx, .vcf), else excel_csv.
        #[arg(long)]
        format: Option<String>,
        /// Only this kind: prospect, client, partner or former_client.
        #[arg(long)]
        kind: Option<String>,
        /// Only contacts carrying this tag.
        #[arg(long)]
        tag: Option<String>,
        /// Language of the headers and kinds: fr or en.
        #[arg(long, default_value = "fr")]
        lang: String,
        /// The file to write.
        out: std::path::PathBuf,
    },
    /// Every organization of the tenant, oldest first.
    Organizations(RecordArgs),
    /// Every opportunity of the tenant, amounts with their currency.
    Opportunities(RecordArgs),
    /// Every activity of the tenant, with the records it concerns.
    Activities(RecordArgs),
    /// The whole company (a ZIP: a CSV per kind of record, pipelines, users, the event
    /// log as JSON Lines, the counts), to keep or to bring into another company with
    /// `crm import company`.
    Company {
        /// The tenant's id.
        #[arg(long)]
        tenant: uuid::Uuid,
        /// Language of the headers and codes: fr or en.
        #[arg(long, default_value = "fr")]
        lang: String,
        /// The archive to write (.zip).
        out: std::path::PathBuf,
    },
}

/// Runs an export command; says what was written.
///
/// # Errors
/// A message for the operator.
pub async fn run(app: &CrmApp, cmd: &ExportCmd) -> Result<String, String> {
    match cmd {
        ExportCmd::Contacts {
            tenant,
            format,
            kind,
            tag,
            lang,
            out,
        } => {
            let args = ExportArgs {
                format: format.clone(),
                kind: kind.clone(),
                tag: tag.clone(),
                lang: lang.clone(),
            };
            contacts(app, TenantId::from_uuid(*tenant), out, &args).await
        }
        ExportCmd::Organizations(a) => records(app, ExportKind::Organizations, a).await,
        ExportCmd::Opportunities(a) => records(app, ExportKind::Opportunities, a).await,
        ExportCmd::Activities(a) => records(app, ExportKind::Activities, a).await,
        ExportCmd::Company { tenant, lang, out } => company(app, TenantId::from_uuid(*tenant), lang_of(lang), out).await,
    }
}

/// Writes a company's archive to `out`; says the counts.
///
/// # Errors
/// A message for the operator.
pub async fn company(app: &CrmApp, tenant: TenantId, lang: Lang, out: &Path) -> Result<String, String> {
    let actor = Actor::System { tenant_id: tenant };
    crate::company::check(app, &actor).await.map_err(|e| explain(&e))?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).map_err(|e| format!("{} : {e}", out.display()))?);
    let (tx, mut rx) = tokio::sync::mpsc::channel(CHANNEL_DEPTH);
    let writer = tokio::spawn(crate::company::write(app.clone(), actor, lang, tx));
    let spinner = spinner();
    let mut bytes: u64 = 0;
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?;
        file.write_all(&chunk).map_err(|e| format!("{} : {e}", out.display()))?;
        bytes += chunk.len() as u64;
        spinner.set_position(bytes);
    }
    file.flush().map_err(|e| format!("{} : {e}", out.display()))?;
    spinner.finish_and_clear();
    let counts = writer.await.map_err(|e| e.to_string())?;
    let n = |k: &str| counts.get(k).copied().unwrap_or(0);
    Ok(format!(
        "entreprise exportée dans {} ({bytes} octets) : {} sociétés, {} contacts, {} opportunités, {} activités, {} pipelines, {} utilisateurs, {} événements",
        out.display(),
        n("organizations"),
        n("contacts"),
        n("opportunities"),
        n("activities"),
        n("pipelines"),
        n("users"),
        n("events")
    ))
}

/// Brings a company's archive into the (empty) company `tenant`; says the counts and the
/// rows refused.
///
/// # Errors
/// A message for the operator.
pub async fn restore(app: &CrmApp, tenant: TenantId, file: &Path) -> Result<String, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{} : {e}", file.display()))?;
    let actor = Actor::System { tenant_id: tenant };
    let r = crate::company::restore(app, &actor, &bytes).await?;
    let mut out = format!(
        "{} sociétés, {} contacts, {} opportunités, {} activités importés ; {} pipelines créés ; {} lignes refusées",
        r.organizations,
        r.contacts,
        r.opportunities,
        r.activities,
        r.pipelines,
        r.refused.len()
    );
    for (name, line, e) in r.refused.iter().take(20) {
        out.push_str(&format!("\n  {name}, ligne {line} : {}", explain(e)));
    }
    Ok(out)
}

/// Bytes written so far, on standard error when it is a terminal.
fn spinner() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {bytes} écrits ({elapsed})") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
