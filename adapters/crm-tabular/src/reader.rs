//! The table port of the use cases: a file read as XLSX when its name says so, else as
//! CSV, within limits.

use crate::{Limits, read_csv, read_xlsx};
use crm_ports::tables::{TableError, TableReader, TableRows};

/// Reads CSV and XLSX files within `limits`.
#[derive(Debug, Clone, Default)]
pub struct Tables {
    /// The limits kept.
    pub limits: Limits,
}

impl TableReader for Tables {
    fn read_table(&self, name: &str, bytes: &[u8]) -> Result<TableRows, TableError> {
        let xlsx = std::path::Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        let table = if xlsx {
            read_xlsx(bytes, &self.limits)
        } else {
            read_csv(bytes, &self.limits)
        };
        let t = table.map_err(|e| TableError(e.to_string()))?;
        Ok(TableRows {
            headers: t.headers,
            rows: t.rows,
        })
    }
}
