//! `crm import plan`, `run` and `resume`: importing contacts from the command line. The
//! file is read as it comes (CSV in the usual dialects and encodings, or XLSX), its columns
//! are guessed to fields from their headers. `plan` says what each row would do and writes
//! nothing; `run` stores the file and imports it as a background job, which this command
//! works on (one more worker) until it is done, with a progress bar; `resume` takes an
//! import up again after a crash, from its last piece written.

use crate::assemble::CrmApp;
use crate::cli::{explain, progress_bar};
use crate::i18n::Lang;
use crm_domain::user::Role;
use crm_domain::{Actor, TenantId, UserId};
use crm_ports::files::FileStorage;
use crm_ports::runtime::Shutdown;
use crm_ports::runtime::jobs::JobOptions;
use crm_ports::services::import::{ContactImport, ImportOptions, MAX_IMPORT_BYTES, RowAction, RowNote, UpsertKey};
use crm_ports::store::JobState;
use crm_ports::tables::TableReader;
use crm_tabular::{Limits, Table, Tables, TextEncoding, is_vcard, read_csv, read_vcards, read_xlsx};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

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
    let ext = file.extension().map(|e| e.to_ascii_lowercase());
    let table = match ext.as_ref().and_then(|e| e.to_str()) {
        Some("xlsx") => read_xlsx(&bytes, &limits),
        Some("vcf" | "vcard") => read_vcards(&bytes, &limits),
        _ if is_vcard(&bytes) => read_vcards(&bytes, &limits),
        _ => read_csv(&bytes, &limits),
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
        TextEncoding::Vcard => "fiches vCard".to_owned(),
        TextEncoding::Utf8 => format!("CSV UTF-8, séparateur {sep}"),
        TextEncoding::Utf8Bom => format!("CSV UTF-8 avec BOM, séparateur {sep}"),
        TextEncoding::Utf16 => format!("texte UTF-16, séparateur {sep}"),
        TextEncoding::Windows1252 => format!("CSV Windows-1252, séparateur {sep}"),
    }
}

/// The rows reported, as a CSV French Excel opens: each row as it was in the file, then
/// its line and the reason.
fn write_report(path: &Path, headers: &[String], rows: Vec<(Vec<String>, u64, RowNote)>) -> Result<(), String> {
    let bytes = crate::import_text::report_csv(Lang::Fr, headers, rows)?;
    std::fs::write(path, bytes).map_err(|e| format!("{} : {e}", path.display()))
}

/// The dry run of importing `file`'s contacts into `tenant`, keyed by `key` (`email` or
/// `phone`), as text for the operator; the rows left out written to `report` when given.
///
/// # Errors
/// A message for the operator (unreadable file, unknown key, refused input).
pub async fn plan(app: &CrmApp, tenant: TenantId, file: &Path, key: &str, anyway: bool, report: Option<&Path>) -> Result<String, String> {
    let key = UpsertKey::parse(key).ok_or_else(|| format!("clé inconnue « {key} » : email, phone ou external_id"))?;
    let table = read(file)?;
    let actor = Actor::System { tenant_id: tenant };
    let (mapping, _) = app.mapping_for(&actor, &table.headers).await.map_err(|e| explain(&e))?;
    let options = ImportOptions {
        create_possible_duplicates: anyway,
        owner: Some(default_owner(app, tenant).await?),
        ..ImportOptions::by(key)
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
    let (mut created, mut updated, mut unchanged, mut skipped) = (0, 0, 0, 0);
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
            RowAction::Unchanged(id) => {
                unchanged += 1;
                format!("{id} déjà à jour")
            }
            RowAction::Skip => {
                skipped += 1;
                "ignorée".to_owned()
            }
        };
        let why = p
            .note
            .as_ref()
            .map(|n| format!(" — {}", crate::import_text::reason(Lang::Fr, n)))
            .unwrap_or_default();
        if let (RowAction::Skip, Some(note)) = (&p.action, &p.note) {
            left_out.push((cells.clone(), p.line, note.clone()));
        }
        out.push_str(&format!("ligne {:>6} : {what}{why}\n", p.line));
    }
    out.push_str(&format!(
        "À blanc, rien n'est écrit. À créer : {created}, à mettre à jour : {updated}, déjà à jour : {unchanged}, ignorées : {skipped}."
    ));
    if let Some(path) = report {
        write_report(path, &table.headers, left_out)?;
        out.push_str(&format!("\nLignes ignorées et leur raison : {}", path.display()));
    }
    Ok(out)
}

/// The owner of what a command imports: the tenant's first Admin.
async fn default_owner(app: &CrmApp, tenant: TenantId) -> Result<UserId, String> {
    let users = app
        .list_users(&Actor::System { tenant_id: tenant })
        .await
        .map_err(|e| explain(&e))?;
    users
        .iter()
        .find(|u| u.role == Role::Admin)
        .or_else(|| users.first())
        .map(|u| u.id)
        .ok_or_else(|| "cette entreprise n'a aucun utilisateur à qui donner les contacts importés".to_owned())
}

/// How `crm import run` imports.
#[derive(Debug, Clone)]
pub struct RunArgs {
    /// What finds the contact a row updates (`email` or `phone`).
    pub key: String,
    /// Create the rows that only look like an existing contact.
    pub create_possible_duplicates: bool,
    /// Stop before writing anything when a row is at fault.
    pub all_or_nothing: bool,
    /// The owner's email (default: the tenant's first Admin).
    pub owner: Option<String>,
    /// The new contacts a territory covers go to its team, in turn.
    pub by_territory: bool,
    /// Where to write the report of the rows left out.
    pub report: Option<PathBuf>,
}

/// Imports `file`'s contacts into `tenant`: the file stored, the import queued as a job
/// and worked on here until done (a server running on the same store may take part).
///
/// # Errors
/// A message for the operator.
pub async fn run(app: &CrmApp, files: Arc<dyn FileStorage>, tenant: TenantId, file: &Path, args: &RunArgs) -> Result<String, String> {
    let key = UpsertKey::parse(&args.key).ok_or_else(|| format!("clé inconnue « {} » : email, phone ou external_id", args.key))?;
    let table = read(file)?;
    let actor = Actor::System { tenant_id: tenant };
    let (mapping, _) = app.mapping_for(&actor, &table.headers).await.map_err(|e| explain(&e))?;
    let owner = match &args.owner {
        None => default_owner(app, tenant).await?,
        Some(email) => {
            let users = app.list_users(&actor).await.map_err(|e| explain(&e))?;
            users
                .iter()
                .find(|u| u.email.as_str().eq_ignore_ascii_case(email.trim()))
                .map(|u| u.id)
                .ok_or_else(|| format!("aucun utilisateur de cette entreprise n'a l'adresse {email}"))?
        }
    };
    let options = ImportOptions {
        create_possible_duplicates: args.create_possible_duplicates,
        all_or_nothing: args.all_or_nothing,
        owner: Some(owner),
        by_territory: args.by_territory,
        ..ImportOptions::by(key)
    };
    let name = file
        .file_name()
        .map_or_else(|| "import.csv".into(), |n| n.to_string_lossy().into_owned());
    let source = tokio::fs::File::open(file).await.map_err(|e| format!("{} : {e}", file.display()))?;
    let stored = app
        .upload_file(&actor, &*files, &name, Box::pin(source), MAX_IMPORT_BYTES)
        .await
        .map_err(|e| explain(&e))?;
    let job = app
        .start_contact_import(&actor, stored.id, &mapping, &options)
        .await
        .map_err(|e| explain(&e))?;
    println!("Import {} lancé ({} lignes).", job.job.id, table.rows.len());
    follow(app, files, tenant, job.job.id, args.report.as_deref()).await
}

/// Works on the import `id` of `tenant` until it is done (after a crash, once the dead
/// worker's lease has run out), then says what it did.
///
/// # Errors
/// A message for the operator.
pub async fn follow(
    app: &CrmApp,
    files: Arc<dyn FileStorage>,
    tenant: TenantId,
    id: Uuid,
    report: Option<&Path>,
) -> Result<String, String> {
    let actor = Actor::System { tenant_id: tenant };
    let tables: Arc<dyn TableReader> = Arc::new(Tables::default());
    let handler = ContactImport::new(app, Arc::clone(&files), Arc::clone(&tables));
    let (trigger, shutdown) = Shutdown::new();
    let mut options = JobOptions::new(Uuid::now_v7());
    options.lease = Duration::from_secs(10);
    options.poll = Duration::from_millis(200);
    let worker_app = app.clone();
    let worker = tokio::spawn(async move { worker_app.run_jobs(vec![Arc::new(handler)], options, shutdown).await });
    let mut bar = None;
    let mut shown = u64::MAX;
    let verbose = !std::io::stderr().is_terminal();
    let import = loop {
        let import = app.import_job(&actor, id).await.map_err(|e| explain(&e))?;
        let p = &import.progress;
        let bar = bar.get_or_insert_with(|| progress_bar(p.total, "{bar:40} {pos}/{len} lignes ({eta})"));
        bar.set_length(p.total);
        bar.set_position(p.done);
        if verbose && p.done != shown {
            shown = p.done;
            eprintln!("progression : {}/{}", p.done, p.total);
        }
        if matches!(import.job.state, JobState::Done | JobState::Failed | JobState::Cancelled) {
            bar.finish_and_clear();
            break import;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    trigger.trigger();
    let _ = worker.await;
    let p = &import.progress;
    let mut out = match import.job.state {
        JobState::Done if p.refused => format!(
            "Import {id} refusé (tout ou rien) : {} lignes en faute, rien n'a été écrit.",
            p.skipped
        ),
        JobState::Done => format!(
            "Import {id} terminé : {} lignes ; créés : {}, mis à jour : {}, déjà à jour : {}, ignorées : {}, sociétés créées : {}.",
            p.total, p.created, p.updated, p.unchanged, p.skipped, p.organizations
        ),
        state => format!(
            "Import {id} {} après {} lignes : {}",
            if state == JobState::Cancelled { "annulé" } else { "en échec" },
            p.done,
            import.job.error.as_deref().unwrap_or("")
        ),
    };
    if let Some(path) = report {
        let (headers, rows) = app.import_report(&actor, &*files, &*tables, id).await.map_err(|e| explain(&e))?;
        let rows = rows.into_iter().map(|r| (r.cells, r.noted.line, r.noted.note)).collect();
        write_report(path, &headers, rows)?;
        out.push_str(&format!("\nLignes ignorées ou à revoir et leur raison : {}", path.display()));
    }
    Ok(out)
}
