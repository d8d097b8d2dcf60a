//! Translation of database errors at the seam: unique violation, foreign-key violation,
//! serialization failure, unreachable database, anything else.

use crm_ports::StoreError;

/// Maps a sqlx error with no more specific context.
pub(crate) fn map_db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let msg = db.message().to_owned();
            let constraint = db.constraint().unwrap_or("").to_owned();
            match code.as_str() {
                // PostgreSQL serialization failure / deadlock; SQLite busy or locked.
                "40001" | "40P01" | "5" | "6" | "517" | "261" => StoreError::Conflict,
                // Unique violation (PostgreSQL 23505, SQLite 2067 / 1555).
                "23505" | "2067" | "1555" => StoreError::Duplicate {
                    field: unique_field(&format!("{constraint} {msg}")),
                },
                // Foreign-key violation (PostgreSQL 23503, SQLite 787).
                "23503" | "787" => StoreError::UnknownReference {
                    field: fk_field(&format!("{constraint} {msg}")),
                },
                _ => StoreError::Internal(format!("database error {code}: {msg}")),
            }
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Internal(e.to_string()),
    }
}

fn unique_field(text: &str) -> &'static str {
    if text.contains("user_logins") || text.contains("operators") {
        "email"
    } else if text.contains("reminder") {
        "reminder_key"
    } else if text.contains("teams") || text.contains("segments") {
        "name"
    } else {
        "id"
    }
}

fn fk_field(text: &str) -> &'static str {
    if text.contains("organization") {
        "organization_id"
    } else if text.contains("owner") {
        "owner_id"
    } else if text.contains("team") {
        "team_id"
    } else if text.contains("contact") {
        "contact_ids"
    } else if text.contains("stage") {
        "stage_id"
    } else {
        "reference"
    }
}
