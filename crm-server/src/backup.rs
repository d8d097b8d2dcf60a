//! `crm backup` and `crm restore` for the embedded SQLite installation.
//!
//! A backup is a directory: `crm.db`, a consistent copy of the database taken while the
//! server keeps serving (`VACUUM INTO`: one snapshot, every write committed before it
//! started and nothing half-written); `files/`, the stored files (sealed, as they are on
//! disk); and `sauvegarde.json`, what it is. The master key is never in it: the data is
//! sealed under that key, which is kept apart, so that a stolen backup reads as nothing.
//! The search index is not copied either: a restore rebuilds it. PostgreSQL is backed up
//! with `pg_dump` (see `docs/guide/installation.md`).

use crate::assemble::{CrmApp, private_dir, restrict};
use crate::config::Config;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The description file of a backup.
pub const MANIFEST: &str = "sauvegarde.json";
/// The database file of a backup.
pub const DATABASE: &str = "crm.db";

/// What a backup directory says of itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Format of the directory (1).
    pub format: u32,
    /// When the database's snapshot was taken (every write acknowledged before is in).
    pub taken_at: DateTime<Utc>,
    /// The version of the program that took it.
    pub crm_version: String,
    /// Stored files copied.
    pub files: u64,
    /// Bytes of the database copy.
    pub database_bytes: u64,
}

fn io(what: &Path, e: std::io::Error) -> String {
    format!("{} : {e}", what.display())
}

/// Copies the regular files under `from` into `to` (created), keeping the tree; how many.
fn copy_tree(from: &Path, to: &Path) -> Result<u64, String> {
    if !from.is_dir() {
        return Ok(0);
    }
    private_dir(to).map_err(|e| io(to, e))?;
    let mut copied = 0;
    for entry in std::fs::read_dir(from).map_err(|e| io(from, e))? {
        let entry = entry.map_err(|e| io(from, e))?;
        let kind = entry.file_type().map_err(|e| io(&entry.path(), e))?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copied += copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            // A file removed meanwhile (a purge) was no longer referenced: skipped.
            match std::fs::copy(entry.path(), &target) {
                Ok(_) => copied += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&entry.path(), e)),
            }
        }
    }
    Ok(copied)
}

/// Takes a backup of the installation into `dest` (a new directory, or an empty one),
/// the server running or not.
///
/// # Errors
/// A French message: PostgreSQL, `dest` not empty, a file that cannot be written.
pub async fn backup(app: &CrmApp, config: &Config, dest: &Path) -> Result<Manifest, String> {
    if config.database_url.is_some() {
        return Err("avec PostgreSQL, la sauvegarde se fait avec pg_dump (voir docs/guide/installation.md)".into());
    }
    if dest.exists() && std::fs::read_dir(dest).map_err(|e| io(dest, e))?.next().is_some() {
        return Err(format!(
            "{} n'est pas vide : choisissez un nouveau dossier de sauvegarde",
            dest.display()
        ));
    }
    private_dir(dest).map_err(|e| io(dest, e))?;
    let taken_at = app.now();
    let db = dest.join(DATABASE);
    app.store().backup_sqlite(&db).await.map_err(|e| e.to_string())?;
    let files = copy_tree(&config.files_dir(), &dest.join("files"))?;
    let manifest = Manifest {
        format: 1,
        taken_at,
        crm_version: env!("CARGO_PKG_VERSION").to_owned(),
        files,
        database_bytes: std::fs::metadata(&db).map_err(|e| io(&db, e))?.len(),
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(dest.join(MANIFEST), text).map_err(|e| io(&dest.join(MANIFEST), e))?;
    private_tree(dest);
    Ok(manifest)
}

/// Files of a backup readable by their owner only (they hold sealed personal data).
fn private_tree(dir: &Path) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = e.path();
        if path.is_dir() {
            private_tree(&path);
        } else {
            restrict(&path, 0o600);
        }
    }
}

/// Reads a backup directory's description.
///
/// # Errors
/// A French message when `from` is no backup.
pub fn read_manifest(from: &Path) -> Result<Manifest, String> {
    let path = from.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{} n'est pas une sauvegarde du CRM ({MANIFEST} illisible : {e})", from.display()))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| format!("{} : {e}", path.display()))?;
    if m.format != 1 || !from.join(DATABASE).is_file() {
        return Err(format!("{} : sauvegarde incomplète ou d'un format inconnu", from.display()));
    }
    Ok(m)
}

/// Where a restore puts things, checked before anything is written: the data directory
/// holds no installation, and the master key the backup needs is there.
///
/// # Errors
/// A French message saying what to do.
pub fn check_target(config: &Config) -> Result<(), String> {
    if config.database_url.is_some() {
        return Err("avec PostgreSQL, la restauration se fait avec pg_restore (voir docs/guide/installation.md)".into());
    }
    if config.sqlite_path().exists() {
        return Err(format!(
            "le dossier de données {} contient déjà une installation ; restaurez dans un dossier neuf, ou déplacez celle-ci d'abord",
            config.data_dir.display()
        ));
    }
    if config.master_key.is_none() && !config.key_path().is_file() {
        return Err(format!(
            "la clé maîtresse n'est pas dans une sauvegarde : copiez le fichier master.key de l'installation sauvegardée dans {} \
             (ou donnez-la par CRM_MASTER_KEY), puis relancez",
            config.data_dir.display()
        ));
    }
    Ok(())
}

/// Copies a backup into an empty data directory (the database last, under its final name
/// once complete). Opening it, with the master key, is the caller's next step.
///
/// # Errors
/// As [`check_target`] and [`read_manifest`]; a file that cannot be written.
pub fn put_in_place(config: &Config, from: &Path) -> Result<Manifest, String> {
    let manifest = read_manifest(from)?;
    check_target(config)?;
    private_dir(&config.data_dir).map_err(|e| io(&config.data_dir, e))?;
    copy_tree(&from.join("files"), &config.files_dir())?;
    let partial = config.data_dir.join("crm.db.restoring");
    std::fs::copy(from.join(DATABASE), &partial).map_err(|e| io(&partial, e))?;
    std::fs::rename(&partial, config.sqlite_path()).map_err(|e| io(&config.sqlite_path(), e))?;
    private_tree(&config.data_dir);
    Ok(manifest)
}

/// Takes back what [`put_in_place`] wrote (the key did not open it): the data directory
/// is as it was.
pub fn undo(config: &Config) {
    let _ = std::fs::remove_file(config.sqlite_path());
    for suffix in ["-wal", "-shm"] {
        let mut p = config.sqlite_path().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    let _ = std::fs::remove_dir_all(config.files_dir());
}

/// `crm restore`: the backup put in place, opened with the master key (on a wrong key,
/// everything taken back), the search index rebuilt; what was done, in French.
///
/// # Errors
/// As [`put_in_place`]; the key does not open the database; the index cannot be built.
pub async fn restore(config: &Config, from: &Path) -> Result<String, String> {
    let m = put_in_place(config, from)?;
    let app = match crate::open_app(config).await {
        Ok(app) => app,
        Err(e) => {
            undo(config);
            return Err(format!(
                "la sauvegarde ne s'ouvre pas avec cette clé maîtresse ({e}) ; rien n'a été restauré. \
                 Il faut la clé de l'installation sauvegardée."
            ));
        }
    };
    let search = crate::search::open(&config.data_dir).map_err(|e| e.to_string())?;
    let rebuilt = crate::cli::reindex(&app, &search).await?;
    Ok(format!(
        "Sauvegarde du {} restaurée dans {} ({} fichiers). {rebuilt}",
        m.taken_at.to_rfc3339(),
        config.data_dir.display(),
        m.files
    ))
}
