//! Exports as the API and `crm export` give them: the contacts a list shows, the
//! organizations, opportunities and activities, written as CSV (UTF-8, or as French Excel
//! opens it), XLSX or vCards piece by piece into a channel whose other end is an HTTP body
//! or a file. Headers and codes are in the reader's language, those an import reads back.

use crate::assemble::CrmApp;
use crate::i18n::Lang;
use crm_domain::Actor;
use crm_ports::ServiceError;
use crm_ports::query::{ContactFilter, OpportunityFilter};
use crm_ports::services::export::{CONTACT_COLUMNS, Export, ExportKind, Labels};
use crm_tabular::{CsvExport, CsvFlavour, VcardExport, XlsxExport};
use std::io::Write;
use tokio::sync::mpsc::Sender;

/// Bytes of the file, or why it stopped.
pub type Chunk = Result<Vec<u8>, String>;

/// How many chunks wait between the writer and the reader (each a page of rows, or 64 KiB
/// of workbook): the export holds no more than this.
pub const CHANNEL_DEPTH: usize = 8;

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CSV, UTF-8, commas.
    Csv,
    /// CSV as French Excel opens it: UTF-8 with BOM, semicolons, CRLF.
    ExcelCsv,
    /// Excel workbook.
    Xlsx,
    /// vCard 4.0 (address books, phones).
    Vcard,
}

impl ExportFormat {
    /// The format of a code: `csv`, `excel_csv` (or `excel`), `xlsx`, `vcf` (or `vcard`).
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "csv" => Some(Self::Csv),
            "excel_csv" | "excel" => Some(Self::ExcelCsv),
            "xlsx" => Some(Self::Xlsx),
            "vcf" | "vcard" => Some(Self::Vcard),
            _ => None,
        }
    }

    /// File extension.
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Csv | Self::ExcelCsv => "csv",
            Self::Xlsx => "xlsx",
            Self::Vcard => "vcf",
        }
    }
}

/// The headers of an export in `lang`.
pub fn headers(kind: ExportKind, lang: Lang) -> Vec<String> {
    kind.columns().iter().map(|c| lang.t("export", c)).collect()
}

/// Codes (kinds, statuses, priorities...) as a file says them in `lang` (what an import
/// reads back).
pub fn labels(lang: Lang) -> Labels {
    Box::new(move |code| lang.t("export", code))
}

/// Starts a contact export (checks the filter and the actor's rights, so that a refusal
/// comes before any byte).
///
/// # Errors
/// As [`CrmApp::contact_export`].
pub async fn start(app: &CrmApp, actor: &Actor, filter: ContactFilter, lang: Lang) -> Result<Export, ServiceError> {
    app.contact_export(actor, filter, labels(lang)).await
}

/// Starts an export of organizations, opportunities (those passing `filter`) or
/// activities.
///
/// # Errors
/// As [`CrmApp::record_export`].
pub async fn start_records(
    app: &CrmApp,
    actor: &Actor,
    kind: ExportKind,
    filter: OpportunityFilter,
    lang: Lang,
) -> Result<Export, ServiceError> {
    app.record_export(actor, kind, filter, labels(lang)).await
}

/// Writes every row of `export` in `format` into `tx`, then ends; a failure is sent as
/// the last chunk. Returns the rows written.
pub async fn write(app: CrmApp, actor: Actor, mut export: Export, format: ExportFormat, headers: Vec<String>, tx: Sender<Chunk>) -> u64 {
    let result = match format {
        ExportFormat::Csv | ExportFormat::ExcelCsv => {
            let flavour = if format == ExportFormat::Csv {
                CsvFlavour::Plain
            } else {
                CsvFlavour::FrenchExcel
            };
            write_csv(&app, &actor, &mut export, flavour, &headers, &tx).await
        }
        ExportFormat::Xlsx => write_xlsx(&app, &actor, &mut export, &headers, &tx).await,
        ExportFormat::Vcard => write_vcards(&app, &actor, &mut export, &tx).await,
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, rows = export.rows, "export stopped");
        let _ = tx.send(Err(e)).await;
    }
    export.rows
}

async fn write_csv(
    app: &CrmApp,
    actor: &Actor,
    export: &mut Export,
    flavour: CsvFlavour,
    headers: &[String],
    tx: &Sender<Chunk>,
) -> Result<(), String> {
    let mut csv = CsvExport::new(flavour, headers).map_err(|e| e.to_string())?;
    send(tx, csv.take()).await?;
    while let Some(rows) = app.next_export_rows(actor, export).await.map_err(|e| e.to_string())? {
        csv.push(&rows).map_err(|e| e.to_string())?;
        send(tx, csv.take()).await?;
    }
    Ok(())
}

async fn write_vcards(app: &CrmApp, actor: &Actor, export: &mut Export, tx: &Sender<Chunk>) -> Result<(), String> {
    let mut cards = VcardExport::new(&CONTACT_COLUMNS);
    while let Some(rows) = app.next_export_rows(actor, export).await.map_err(|e| e.to_string())? {
        cards.push(&rows);
        send(tx, cards.take()).await?;
    }
    Ok(())
}

async fn write_xlsx(app: &CrmApp, actor: &Actor, export: &mut Export, headers: &[String], tx: &Sender<Chunk>) -> Result<(), String> {
    let mut book = XlsxExport::new(headers).map_err(|e| e.to_string())?;
    while let Some(rows) = app.next_export_rows(actor, export).await.map_err(|e| e.to_string())? {
        book.push(&rows).map_err(|e| e.to_string())?;
    }
    let out = ChannelWriter {
        tx: tx.clone(),
        buffer: Vec::with_capacity(CHUNK),
    };
    tokio::task::spawn_blocking(move || {
        let mut out = out;
        book.finish(&mut out).map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

async fn send(tx: &Sender<Chunk>, bytes: Vec<u8>) -> Result<(), String> {
    if bytes.is_empty() {
        return Ok(());
    }
    tx.send(Ok(bytes)).await.map_err(|_| "the reader went away".to_owned())
}

/// Size of the pieces a workbook is sent in.
const CHUNK: usize = 64 * 1024;

/// Hands a workbook or an archive being written to the channel in pieces (on a blocking
/// thread).
pub(crate) struct ChannelWriter {
    tx: Sender<Chunk>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    /// Writes into `tx`.
    pub(crate) fn new(tx: Sender<Chunk>) -> Self {
        Self {
            tx,
            buffer: Vec::with_capacity(CHUNK),
        }
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let piece = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(piece))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the reader went away"))
    }
}
