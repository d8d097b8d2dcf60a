//! Any bytes as an XLSX workbook (the corpus starts from real workbooks, so that the
//! mutations reach the XML inside the archive): a table or a clear error, never a panic,
//! and nothing unpacked or allocated past the limits (the run's RSS limit fails it).
#![no_main]

use crm_tabular::{Limits, read_xlsx};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_rows: 1_000,
        max_columns: 50,
        max_cell_chars: 1_000,
        max_unpacked_bytes: 16 * 1024 * 1024,
        ..Limits::default()
    };
    if let Ok(t) = read_xlsx(data, &limits) {
        assert!(t.rows.len() < limits.max_rows);
        assert!(t.rows.iter().all(|(_, r)| r.len() <= limits.max_columns));
    }
});
