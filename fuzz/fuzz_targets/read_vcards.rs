//! Any bytes as vCards: a table or a clear error, never a panic, within the limits.
#![no_main]

use crm_tabular::{Limits, read_vcards};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_rows: 1_000,
        max_cell_chars: 1_000,
        ..Limits::default()
    };
    if let Ok(t) = read_vcards(data, &limits) {
        assert!(t.rows.len() < limits.max_rows);
        assert!(t.rows.iter().all(|(_, r)| r.len() == t.headers.len()));
    }
});
