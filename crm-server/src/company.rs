//! A company's full export (Admin) and its way back. The export is a ZIP written while it
//! is sent: one UTF-8 CSV per kind of record (`organizations.csv`, `contacts.csv`,
//! `opportunities.csv`, `activities.csv`, `pipelines.csv`, `users.csv`), the event log as
//! JSON Lines (`events.jsonl`) and `manifest.json` with the counts. Brought into an empty
//! company (`crm import company`), it gives the same counts: the CSVs are read back, their
//! headers and codes decoded from French or English, and the records created through the
//! use cases ([`crm_ports::services::restore`]).

use crate::api::dto::events::EventDto;
use crate::assemble::CrmApp;
use crate::export::{Chunk, headers, labels};
use crate::i18n::Lang;
use crm_domain::Actor;
use crm_ports::ServiceError;
use crm_ports::query::{ContactFilter, OpportunityFilter};
use crm_ports::services::export::ExportKind;
use crm_ports::services::restore::{CompanyTables, RestoreReport, Row};
use crm_ports::tables::Cell;
use crm_tabular::{CsvExport, CsvFlavour, Limits, ZipStream};
use poem_openapi::types::ToJSON;
use std::collections::HashMap;
use std::io::Write;
use tokio::sync::mpsc::{Receiver, Sender};

/// The columns of `pipelines.csv` (a row a stage) and `users.csv`.
const PIPELINE_COLUMNS: [&str; 5] = ["pipeline_id", "pipeline", "stage_id", "stage", "probability"];
const USER_COLUMNS: [&str; 4] = ["email", "name", "role", "team"];

/// Events read from the log at a time.
const EVENT_BATCH: u32 = 1_000;

enum Op {
    Start(String),
    Bytes(Vec<u8>),
}

/// Checks that the actor may export the whole company (the Admin: it holds the audit log).
///
/// # Errors
/// `Forbidden`.
pub async fn check(app: &CrmApp, actor: &Actor) -> Result<(), ServiceError> {
    app.events_after(actor, 0, 1).await.map(drop)
}

/// Writes the company's archive into `tx` (a failure is sent as the last chunk); returns
/// the counts written.
pub async fn write(app: CrmApp, actor: Actor, lang: Lang, tx: Sender<Chunk>) -> HashMap<&'static str, u64> {
    let (ops, rx) = tokio::sync::mpsc::channel(crate::export::CHANNEL_DEPTH);
    let at = app.now().naive_utc();
    let zipper = tokio::task::spawn_blocking({
        let tx = tx.clone();
        move || zip_into(rx, tx, at)
    });
    let mut counts = HashMap::new();
    let produced = produce(&app, &actor, lang, &ops, &mut counts).await;
    drop(ops);
    let zipped = zipper.await.map_err(|e| e.to_string()).and_then(|r| r);
    if let Err(e) = produced.and(zipped) {
        tracing::warn!(error = %e, "company export stopped");
        let _ = tx.send(Err(e)).await;
    }
    counts
}

fn zip_into(mut rx: Receiver<Op>, tx: Sender<Chunk>, at: chrono::NaiveDateTime) -> Result<(), String> {
    let mut zip = ZipStream::new(crate::export::ChannelWriter::new(tx), at);
    while let Some(op) = rx.blocking_recv() {
        match op {
            Op::Start(name) => zip.start(&name),
            Op::Bytes(b) => zip.write(&b),
        }
        .map_err(|e| e.to_string())?;
    }
    let mut out = zip.finish().map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}

async fn send(ops: &Sender<Op>, op: Op) -> Result<(), String> {
    ops.send(op).await.map_err(|_| "the archive stopped".to_owned())
}

async fn produce(app: &CrmApp, actor: &Actor, lang: Lang, ops: &Sender<Op>, counts: &mut HashMap<&'static str, u64>) -> Result<(), String> {
    let err = |e: ServiceError| e.to_string();
    for kind in ExportKind::ALL {
        send(ops, Op::Start(format!("{}.csv", kind.code()))).await?;
        let mut export = match kind {
            ExportKind::Contacts => app.contact_export(actor, ContactFilter::default(), labels(lang)).await,
            _ => app.record_export(actor, kind, OpportunityFilter::default(), labels(lang)).await,
        }
        .map_err(err)?;
        let mut csv = CsvExport::new(CsvFlavour::Plain, &headers(kind, lang)).map_err(|e| e.to_string())?;
        while let Some(rows) = app.next_export_rows(actor, &mut export).await.map_err(err)? {
            csv.push(&rows).map_err(|e| e.to_string())?;
            send(ops, Op::Bytes(csv.take())).await?;
        }
        send(ops, Op::Bytes(csv.take())).await?;
        counts.insert(kind.code(), export.rows);
    }
    let pipelines = app.list_pipelines(actor).await.map_err(err)?;
    let users = app.list_users(actor).await.map_err(err)?;
    let stage_rows: Vec<Vec<Cell>> = pipelines
        .iter()
        .flat_map(|p| {
            p.stages.iter().map(|s| {
                vec![
                    Cell::Text(p.id.to_string()),
                    Cell::text(p.name.as_str()),
                    Cell::Text(s.id.to_string()),
                    Cell::text(s.name.as_str()),
                    Cell::Integer(i64::from(s.probability.percent())),
                ]
            })
        })
        .collect();
    counts.insert("pipelines", pipelines.len() as u64);
    table(ops, "pipelines.csv", &PIPELINE_COLUMNS, &stage_rows, lang).await?;
    let user_rows: Vec<Vec<Cell>> = users
        .iter()
        .map(|u| {
            vec![
                Cell::text(u.email.as_str()),
                Cell::text(u.display_name.as_str()),
                Cell::Text(u.role.code().to_owned()),
                Cell::opt(u.team_id),
            ]
        })
        .collect();
    counts.insert("users", users.len() as u64);
    table(ops, "users.csv", &USER_COLUMNS, &user_rows, lang).await?;
    send(ops, Op::Start("events.jsonl".into())).await?;
    let (mut after, mut events) = (0, 0u64);
    loop {
        let batch = app.events_after(actor, after, EVENT_BATCH).await.map_err(err)?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        let mut lines = Vec::new();
        for e in &batch {
            lines.extend_from_slice(EventDto::from(e).to_json_string().as_bytes());
            lines.push(b'\n');
        }
        events += batch.len() as u64;
        send(ops, Op::Bytes(lines)).await?;
    }
    counts.insert("events", events);
    let manifest = serde_json::json!({
        "format": "crm-company-export",
        "version": 1,
        "exported_at": app.now().to_rfc3339(),
        "language": lang.code(),
        "counts": counts,
    });
    send(ops, Op::Start("manifest.json".into())).await?;
    send(ops, Op::Bytes(serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?)).await
}

async fn table(ops: &Sender<Op>, name: &str, columns: &[&str], rows: &[Vec<Cell>], lang: Lang) -> Result<(), String> {
    let headers: Vec<String> = columns.iter().map(|c| lang.t("export", c)).collect();
    let mut csv = CsvExport::new(CsvFlavour::Plain, &headers).map_err(|e| e.to_string())?;
    csv.push(rows).map_err(|e| e.to_string())?;
    send(ops, Op::Start(name.to_owned())).await?;
    send(ops, Op::Bytes(csv.take())).await
}

/// The columns whose cells hold a code written in the reader's language, and the prefix
/// of its key in `[export]`.
const CODED: [(&str, &str); 6] = [
    ("kind", "kind_"),
    ("status", "status_"),
    ("activity_kind", "activity_"),
    ("priority", "priority_"),
    ("direction", "direction_"),
    ("size", "size_"),
];

/// Every code a label may stand for, in French and English.
fn codes() -> HashMap<String, String> {
    let mut out = HashMap::new();
    for lang in [Lang::En, Lang::Fr] {
        for key in lang.keys("export") {
            out.insert(format!("{}\u{0}{}", section_of(&key), lang.t("export", &key)), key);
        }
    }
    out
}

fn section_of(key: &str) -> &str {
    CODED.iter().find(|(_, p)| key.starts_with(p)).map_or("", |(_, p)| p)
}

/// The rows of a CSV of the archive, headers and codes decoded.
fn rows_of(bytes: &[u8], columns: &[&str], codes: &HashMap<String, String>) -> Result<Vec<Row>, String> {
    let table = crm_tabular::read_csv(bytes, &Limits::default()).map_err(|e| e.to_string())?;
    let mut by_header: HashMap<String, &str> = HashMap::new();
    for lang in [Lang::En, Lang::Fr] {
        for c in columns {
            by_header.insert(lang.t("export", c), c);
        }
    }
    let header_codes: Vec<Option<&str>> = table
        .headers
        .iter()
        .map(|h| {
            by_header
                .get(h.trim())
                .copied()
                .or_else(|| columns.iter().find(|c| **c == h.trim()).copied())
        })
        .collect();
    Ok(table
        .rows
        .into_iter()
        .map(|(line, cells)| {
            let mut row = HashMap::new();
            for (code, value) in header_codes.iter().zip(cells) {
                let Some(code) = code else { continue };
                let value = match CODED.iter().find(|(c, _)| c == code) {
                    Some((_, prefix)) => codes
                        .get(&format!("{prefix}\u{0}{}", value.trim()))
                        .map_or(value, |key| key[prefix.len()..].to_owned()),
                    None => value,
                };
                row.insert((*code).to_owned(), value);
            }
            (line, row)
        })
        .collect())
}

/// Brings a company's archive into the actor's (empty) company.
///
/// # Errors
/// A message for the operator: not an archive of ours, a file that cannot be read, or the
/// restore's refusal (a company not empty, a role other than Admin).
pub async fn restore(app: &CrmApp, actor: &Actor, archive: &[u8]) -> Result<RestoreReport, String> {
    let files = crm_tabular::read_archive(archive, &Limits::default()).map_err(|e| e.to_string())?;
    if !files.iter().any(|(n, _)| n == "manifest.json") {
        return Err("ce n'est pas l'export complet d'une entreprise (manifest.json manque)".into());
    }
    let codes = codes();
    let mut tables = CompanyTables::default();
    for (name, bytes) in &files {
        let (slot, columns): (&mut Vec<Row>, &[&str]) = match name.as_str() {
            "organizations.csv" => (&mut tables.organizations, ExportKind::Organizations.columns()),
            "contacts.csv" => (&mut tables.contacts, ExportKind::Contacts.columns()),
            "opportunities.csv" => (&mut tables.opportunities, ExportKind::Opportunities.columns()),
            "activities.csv" => (&mut tables.activities, ExportKind::Activities.columns()),
            "pipelines.csv" => (&mut tables.pipelines, &PIPELINE_COLUMNS),
            _ => continue,
        };
        if bytes.is_empty() {
            continue;
        }
        *slot = rows_of(bytes, columns, &codes).map_err(|e| format!("{name} : {e}"))?;
    }
    app.restore_company(actor, &tables).await.map_err(|e| crate::cli::explain(&e))
}
