//! The table port of the use cases: a file read as XLSX or vCards when its name says so
//! (or, for vCards, its first line), else as CSV, within limits.

use crate::{Limits, is_vcard, read_csv, read_vcards, read_xlsx};
use crm_ports::tables::{TableError, TableReader, TableRows};

/// Reads CSV and XLSX files within `limits`.
#[derive(Debug, Clone, Default)]
pub struct Tables {
    /// The limits kept.
    pub limits: Limits,
}

impl TableReader for Tables {
    fn read_table(&self, name: &str, bytes: &[u8]) -> Result<TableRows, TableError> {
        let ext = std::path::Path::new(name).extension().map(|e| e.to_ascii_lowercase());
        let table = match ext.as_ref().and_then(|e| e.to_str()) {
            Some("xlsx") => read_xlsx(bytes, &self.limits),
            Some("vcf" | "vcard") => read_vcards(bytes, &self.limits),
            _ if is_vcard(bytes) => read_vcards(bytes, &self.limits),
            _ => read_csv(bytes, &self.limits),
        };
        let t = table.map_err(|e| TableError(e.to_string()))?;
        Ok(TableRows {
            headers: t.headers,
            rows: t.rows,
        })
    }
}
