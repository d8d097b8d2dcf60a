//! A database's report of a violated constraint, read into the store error of
//! [`super::CONSTRAINTS`]: by the name PostgreSQL and the SQLite triggers give, or by the
//! table and columns SQLite names.

use super::{Kind, by_name, unique_on};
use crm_ports::StoreError;

/// How the SQLite triggers of migration 0011 start their message; the name follows.
pub(crate) const SQLITE_FK_PREFIX: &str = "FOREIGN KEY constraint failed: ";
const SQLITE_UNIQUE_PREFIX: &str = "UNIQUE constraint failed: ";

/// A unique violation named by PostgreSQL.
pub(crate) fn unique_named(name: Option<&str>, message: &str) -> StoreError {
    match name.and_then(by_name) {
        Some(c) if c.is_unique() => c.error(),
        _ => unmapped("unique", name, message),
    }
}

/// A foreign-key violation named by PostgreSQL or by a SQLite trigger.
pub(crate) fn reference_named(name: Option<&str>, message: &str) -> StoreError {
    match name.and_then(by_name) {
        Some(c) if matches!(c.kind, Kind::ForeignKey { .. }) => c.error(),
        _ => unmapped("foreign-key", name, message),
    }
}

/// A unique or primary-key violation as SQLite reports it:
/// `UNIQUE constraint failed: table.col1, table.col2`.
pub(crate) fn sqlite_unique(message: &str) -> StoreError {
    let found = message.strip_prefix(SQLITE_UNIQUE_PREFIX).and_then(|cols| {
        let mut table = None;
        let mut columns = Vec::new();
        for qualified in cols.split(", ") {
            let (t, c) = qualified.split_once('.')?;
            if *table.get_or_insert(t) != t {
                return None;
            }
            columns.push(c);
        }
        unique_on(table?, &columns)
    });
    match found {
        Some(c) => c.error(),
        None => unmapped("unique", None, message),
    }
}

fn unmapped(what: &str, name: Option<&str>, message: &str) -> StoreError {
    StoreError::Internal(format!(
        "{what} violation of a constraint the store does not map ({}): {message}",
        name.unwrap_or("unnamed")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::CONSTRAINTS;
    use super::*;

    #[test]
    fn names_are_unique_and_each_unique_has_one_column_set() {
        for (i, c) in CONSTRAINTS.iter().enumerate() {
            assert!(CONSTRAINTS[..i].iter().all(|o| o.name != c.name), "{} twice", c.name);
            if c.is_unique() {
                assert_eq!(unique_on(c.table, c.columns), Some(c), "{}", c.name);
            }
        }
    }

    #[test]
    fn sqlite_messages() {
        assert!(matches!(
            sqlite_unique("UNIQUE constraint failed: teams.tenant_id, teams.name_fold"),
            StoreError::Duplicate { field: "name" }
        ));
        assert!(matches!(
            sqlite_unique("UNIQUE constraint failed: user_logins.email_hash, user_logins.tenant_id"),
            StoreError::Duplicate { field: "email" }
        ));
        // Unknown columns, mixed tables, another shape: not guessed.
        for m in [
            "UNIQUE constraint failed: teams.name_fold",
            "UNIQUE constraint failed: teams.tenant_id, users.name_fold",
            "UNIQUE constraint failed: index 'teams_name_unique'",
            "something else",
        ] {
            assert!(matches!(sqlite_unique(m), StoreError::Internal(_)), "{m}");
        }
        assert!(matches!(
            reference_named(Some("contacts_owner_fk"), ""),
            StoreError::UnknownReference { field: "owner_id" }
        ));
        // A name of the wrong kind or unknown: not guessed.
        assert!(matches!(reference_named(Some("teams_name_unique"), ""), StoreError::Internal(_)));
        assert!(matches!(unique_named(Some("contacts_owner_fk"), ""), StoreError::Internal(_)));
        let StoreError::Internal(m) = unique_named(Some("contacts_email_unique"), "duplicate key") else {
            panic!("guessed");
        };
        assert!(m.contains("contacts_email_unique"), "{m}");
    }
}
