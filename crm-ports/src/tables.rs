//! The table port: a file people have (CSV, XLSX) read as a header row and rows, each with
//! its line in the file. The adapter (`crm-tabular`) finds the dialect and keeps to its
//! limits; the use cases only see cells.

/// A table read from a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableRows {
    /// The header row.
    pub headers: Vec<String>,
    /// The rows, each with its line in the file (the header is line 1).
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Why a file is not a table we can read (said in the reader's words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TableError(pub String);

/// Reads tables from files' bytes.
pub trait TableReader: Send + Sync + 'static {
    /// The table in `bytes`, the file being named `name` (its extension says XLSX or CSV).
    ///
    /// # Errors
    /// A file that is not a table, or over the reader's limits.
    fn read_table(&self, name: &str, bytes: &[u8]) -> Result<TableRows, TableError>;
}

/// A cell of an exported table, typed so a workbook shows dates as dates and amounts as
/// numbers (a CSV writes them as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// An amount in minor units (cents) of a currency (ISO 4217 code).
    Money {
        /// Minor units.
        minor: i64,
        /// Currency code.
        currency: String,
    },
    /// A day.
    Date(chrono::NaiveDate),
    /// An instant.
    Instant(chrono::DateTime<chrono::Utc>),
}

impl Cell {
    /// Text, or nothing when empty.
    pub fn text(s: impl Into<String>) -> Self {
        let s = s.into();
        if s.is_empty() { Self::Empty } else { Self::Text(s) }
    }

    /// Text of an optional value.
    pub fn opt(s: Option<impl ToString>) -> Self {
        s.map_or(Self::Empty, |s| Self::text(s.to_string()))
    }
}
