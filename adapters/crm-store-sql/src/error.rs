//! Translation of database errors at the seam: unique violation, foreign-key violation,
//! serialization failure, unreachable database, anything else.
//!
//! Unique and foreign-key violations are mapped by the constraint they name, through the
//! table of [`crate::constraints`]; a constraint the table does not know is a store
//! failure, never a field guessed from the error text.

use crate::constraints::UNNAMED_REFERENCE;
use crate::constraints::violations::{self as constraints, SQLITE_FK_PREFIX};
use crm_ports::StoreError;

/// Maps a sqlx error with no more specific context.
pub(crate) fn map_db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let msg = db.message();
            match code.as_str() {
                // PostgreSQL serialization failure / deadlock; SQLite busy or locked.
                "40001" | "40P01" | "5" | "6" | "517" | "261" => StoreError::Conflict,
                // PostgreSQL: unique and foreign-key violations name their constraint.
                "23505" => constraints::unique_named(db.constraint(), msg),
                "23503" => constraints::reference_named(db.constraint(), msg),
                // SQLite unique index (2067) or primary key (1555): by table and columns.
                "2067" | "1555" => constraints::sqlite_unique(msg),
                // SQLite trigger abort (1811): the foreign-key triggers of migration 0011
                // name their constraint; other triggers (the append-only event log) are
                // failures.
                "1811" if msg.starts_with(SQLITE_FK_PREFIX) => constraints::reference_named(msg.strip_prefix(SQLITE_FK_PREFIX), msg),
                // SQLite's own foreign-key error (787) names nothing: every referencing
                // write is named by a trigger first, so this is a row deleted while still
                // referenced (see `constraints`).
                "787" => StoreError::UnknownReference { field: UNNAMED_REFERENCE },
                _ => StoreError::Internal(format!("database error {code}: {msg}")),
            }
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Internal(e.to_string()),
    }
}
