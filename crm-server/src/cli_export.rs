//! `crm export contacts`: a tenant's contacts (all, or those of a kind, an owner, a tag,
//! a segment) written to a file as the API gives them: CSV, CSV for French Excel, or an
//! Excel workbook, in French or English, with a spinner on long work.

use crate::assemble::CrmApp;
use crate::cli::explain;
use crate::export::{CHANNEL_DEPTH, ExportFormat, contact_headers};
use crate::i18n::Lang;
use crm_domain::{Actor, TenantId};
use crm_ports::query::ContactFilter;
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

/// Writes `tenant`'s contacts to `out`; says how many and where.
///
/// # Errors
/// A message for the operator (unknown format or kind, unwritable file, store failure).
pub async fn contacts(app: &CrmApp, tenant: TenantId, out: &Path, args: &ExportArgs) -> Result<String, String> {
    let format = match &args.format {
        Some(f) => ExportFormat::parse(f).ok_or_else(|| format!("format inconnu « {f} » : csv, excel_csv, xlsx ou vcf"))?,
        None if out.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) => ExportFormat::Xlsx,
        None if out.extension().is_some_and(|e| e.eq_ignore_ascii_case("vcf")) => ExportFormat::Vcard,
        None => ExportFormat::ExcelCsv,
    };
    let lang = if args.lang == "en" { Lang::En } else { Lang::Fr };
    let kind = crate::api::common::contact_kind(args.kind.as_deref()).map_err(|e| e.to_string())?;
    let tag = crate::api::common::contact_tag(args.tag.as_deref()).map_err(|e| e.to_string())?;
    let filter = ContactFilter {
        kind,
        tag,
        ..ContactFilter::default()
    };
    let actor = Actor::System { tenant_id: tenant };
    let export = crate::export::start(app, &actor, filter, lang).await.map_err(|e| explain(&e))?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).map_err(|e| format!("{} : {e}", out.display()))?);
    let (tx, mut rx) = tokio::sync::mpsc::channel(CHANNEL_DEPTH);
    let writer = tokio::spawn(crate::export::write(app.clone(), actor, export, format, contact_headers(lang), tx));
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
    Ok(format!("{rows} contacts exportés dans {} ({bytes} octets)", out.display()))
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
