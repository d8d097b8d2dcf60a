//! Fuzz target: any bytes given to the table readers (CSV and XLSX) end in a table or a
//! refusal, never a panic, within the limits.
#![no_main]

use crm_tabular::{Limits, read_csv, read_xlsx};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_bytes: 1 << 20,
        max_rows: 10_000,
        max_columns: 200,
        max_cell_chars: 10_000,
        max_unpacked_bytes: 8 << 20,
    };
    if let Ok(t) = read_csv(data, &limits) {
        assert!(t.rows.len() < limits.max_rows);
        assert!(t.headers.len() <= limits.max_columns);
    }
    if let Ok(t) = read_xlsx(data, &limits) {
        assert!(t.rows.len() < limits.max_rows);
    }
});
