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
