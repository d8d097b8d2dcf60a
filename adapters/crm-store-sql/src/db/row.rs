//! A row of either backend, or of a SQLite read made on the request's thread, and its
//! columns decoded the same way whichever it is.

use crate::here::{FromLite, LiteRow};
use crm_ports::StoreError;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Postgres, Row as _, Sqlite, Type};

pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
    /// A SQLite row read on the request's thread (see `here.rs`).
    Lite(LiteRow),
}

/// Types decodable from both backends (and from a row read on the request's thread).
pub(crate) trait Col:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> FromLite<'r>
{
}
impl<T> Col for T where T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres> + for<'r> FromLite<'r> {}

impl Row {
    /// The column at `index` (named `col` in errors), decoded — owned, or borrowed from the
    /// row (`&str`, `&[u8]`: a sealed value is opened from the row's bytes, never copied
    /// first): for the store's own statements, whose columns are known by position and
    /// type — no lookup by name and no type check in every row (a NULL where a value must
    /// be, or a malformed value, is still an error).
    pub(crate) fn at<'r, T>(&'r self, index: usize, col: &str) -> Result<T, StoreError>
    where
        T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres> + FromLite<'r>,
    {
        debug_assert!(self.named(index, col), "column {index} of the row is not {col}");
        let decoded = match self {
            Self::Sqlite(r) => r.try_get_unchecked::<T, _>(index).map_err(|e| e.to_string()),
            Self::Postgres(r) => r.try_get_unchecked::<T, _>(index).map_err(|e| e.to_string()),
            Self::Lite(r) => r.at(index),
        };
        decoded.map_err(|e| StoreError::Internal(format!("column {col}: {e}")))
    }

    /// Whether the column at `index` is named `col` (checked in debug builds: a statement
    /// whose columns moved would otherwise be read wrong).
    fn named(&self, index: usize, col: &str) -> bool {
        use sqlx::Column as _;
        match self {
            Self::Sqlite(r) => r.columns().get(index).is_some_and(|c| c.name() == col),
            Self::Postgres(r) => r.columns().get(index).is_some_and(|c| c.name() == col),
            Self::Lite(r) => r.names.get(index).is_some_and(|c| c == col),
        }
    }

    /// A column by name, decoded.
    pub(crate) fn get<T: Col>(&self, col: &str) -> Result<T, StoreError> {
        let decoded = match self {
            Self::Sqlite(r) => r.try_get::<T, _>(col).map_err(|e| e.to_string()),
            Self::Postgres(r) => r.try_get::<T, _>(col).map_err(|e| e.to_string()),
            Self::Lite(r) => r.get(col),
        };
        decoded.map_err(|e| StoreError::Internal(format!("column {col}: {e}")))
    }
}
