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
