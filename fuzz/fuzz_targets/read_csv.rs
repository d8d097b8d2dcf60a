//! Any bytes as a CSV file: a table or a clear error, never a panic, within the limits.
#![no_main]

use crm_tabular::{Limits, read_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_rows: 1_000,
        max_columns: 50,
        max_cell_chars: 1_000,
        ..Limits::default()
    };
    if let Ok(t) = read_csv(data, &limits) {
        assert!(t.rows.len() < limits.max_rows);
        assert!(t.headers.len() <= limits.max_columns);
        assert!(t.rows.iter().all(|(_, r)| r.len() <= limits.max_columns));
    }
});
