//! `crm import plan`: the dry run of a contacts import from the command line. The file is
//! read as it comes (CSV in the usual dialects and encodings, or XLSX), its columns are
//! guessed to fields from their headers, and each row says what it would do; nothing is
//! written.

use crate::assemble::CrmApp;
use crate::cli::explain;
use crm_domain::import::guess_mapping;
use crm_domain::{Actor, TenantId};
use crm_ports::services::import::{ImportOptions, RowAction, RowNote, UpsertKey};
use crm_tabular::{CsvFlavour, Limits, Table, TextEncoding, read_csv, read_xlsx, write_csv};
use std::path::Path;

/// The file read as a table (XLSX by its name, else CSV).
fn read(file: &Path) -> Result<Table, String> {
    let limits = Limits::default();
    let size = std::fs::metadata(file).map_err(|e| format!("{} : {e}", file.display()))?.len();
    if size > limits.max_bytes as u64 {
        return Err(format!(
            "{} : fichier trop gros (plus de {} octets)",
            file.display(),
            limits.max_bytes
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| format!("{} : {e}", file.display()))?;
    let xlsx = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let table = if xlsx {
        read_xlsx(&bytes, &limits)
    } else {
        read_csv(&bytes, &limits)
    };
    table.map_err(|e| format!("{} : {e}", file.display()))
}

fn encoding_name(t: &Table) -> String {
    let sep = match t.dialect.separator {
        b';' => "point-virgule",
        b',' => "virgule",
        b'\t' => "tabulation",
        b'|' => "barre verticale",
        _ => "",
    };
    match t.dialect.encoding {
        TextEncoding::Workbook => "classeur XLSX (première feuille)".to_owned(),
        TextEncoding::Utf8 => format!("CSV UTF-8, séparateur {sep}"),
        TextEncoding::Utf8Bom => format!("CSV UTF-8 avec BOM, séparateur {sep}"),
        TextEncoding::Utf16 => format!("texte UTF-16, séparateur {sep}"),
        TextEncoding::Windows1252 => format!("CSV Windows-1252, séparateur {sep}"),
    }
}

fn note_text(note: &RowNote) -> String {
    match note {
        RowNote::Invalid(v) => explain(&crm_ports::ServiceError::Invalid(v.clone())).replace("\n  ", " "),
        RowNote::RepeatedInFile(line) => format!("même clé que la ligne {line}"),
        RowNote::Ambiguous => "la clé désigne plusieurs contacts".to_owned(),
        RowNote::NotVisible => "la clé désigne un contact hors de votre périmètre".to_owned(),
        RowNote::PossibleDuplicate(reasons) => {
            let r: Vec<&str> = reasons.iter().map(|r| r.code()).collect();
            format!("doublon possible ({})", r.join(", "))
        }
    }
}

/// The rows left out, as a CSV French Excel opens: each row as it was in the file, then
/// its line and the reason.
fn write_report(path: &Path, headers: &[String], left_out: Vec<Vec<String>>) -> Result<(), String> {
    let mut headers = headers.to_vec();
    headers.extend(["Ligne".to_owned(), "Raison".to_owned()]);
    let bytes = write_csv(&headers, &left_out, CsvFlavour::FrenchExcel).map_err(|e| e.to_string())?;
    std::fs::write(path, bytes).map_err(|e| format!("{} : {e}", path.display()))
}

/// The dry run of importing `file`'s contacts into `tenant`, keyed by `key` (`email` or
/// `phone`), as text for the operator; the rows left out written to `report` when given.
///
/// # Errors
/// A message for the operator (unreadable file, unknown key, refused input).
pub async fn plan(app: &CrmApp, tenant: TenantId, file: &Path, key: &str, anyway: bool, report: Option<&Path>) -> Result<String, String> {
    let key = UpsertKey::parse(key).ok_or_else(|| format!("clé inconnue « {key} » : email ou phone"))?;
    let table = read(file)?;
    let mapping = guess_mapping(&table.headers);
    let actor = Actor::System { tenant_id: tenant };
    let options = ImportOptions {
        key,
        create_possible_duplicates: anyway,
    };
    let plans = app
        .plan_contact_import(&actor, &table.rows, &mapping, &options)
        .await
        .map_err(|e| explain(&e))?;
    let mut out = format!(
        "{} : {} lignes, {}\nColonnes :\n",
        file.display(),
        table.rows.len(),
        encoding_name(&table)
    );
    for (h, f) in table.headers.iter().zip(&mapping) {
        out.push_str(&format!("  {h:<30} → {}\n", f.map_or("(ignorée)", |f| f.code())));
    }
    let (mut created, mut updated, mut skipped) = (0, 0, 0);
    let mut left_out = Vec::new();
    // One plan per row, in the file's order.
    for (p, (_, cells)) in plans.iter().zip(&table.rows) {
        let what = match &p.action {
            RowAction::Create => {
                created += 1;
                "création".to_owned()
            }
            RowAction::Update(id) => {
                updated += 1;
                format!("mise à jour de {id}")
            }
            RowAction::Skip => {
                skipped += 1;
                "ignorée".to_owned()
            }
        };
        let why = p.note.as_ref().map(|n| format!(" — {}", note_text(n))).unwrap_or_default();
        if p.action == RowAction::Skip {
            let mut row = cells.clone();
            row.extend([p.line.to_string(), why.trim_start_matches(" — ").to_owned()]);
            left_out.push(row);
        }
        out.push_str(&format!("ligne {:>6} : {what}{why}\n", p.line));
    }
    out.push_str(&format!(
        "À blanc, rien n'est écrit. À créer : {created}, à mettre à jour : {updated}, ignorées : {skipped}."
    ));
    if let Some(path) = report {
        write_report(path, &table.headers, left_out)?;
        out.push_str(&format!("\nLignes ignorées et leur raison : {}", path.display()));
    }
    Ok(out)
}
