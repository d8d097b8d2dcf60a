//! The first sheet of an XLSX workbook (calamine). Before calamine opens the archive, the
//! sizes its parts declare are summed and refused past the limit: a small file that would
//! unpack to gigabytes (a "zip bomb") is turned away before anything is inflated. Cells
//! come out as text: dates as ISO dates (`2025-03-31`, with the time when there is one),
//! whole numbers without decimals, other numbers as written in English (`1234.5`).

use crate::{Dialect, Limits, ReadError, Table, TextEncoding, check_row, push_row};
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// Most parts an archive may hold.
const MAX_PARTS: usize = 10_000;

/// The text of a cell.
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Bool(b) => b.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.date().to_string(),
            Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => d.as_f64().to_string(),
        },
    }
}

/// Refuses an archive whose parts declare more than the limit once unpacked.
fn check_archive(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let not = |e: &dyn std::fmt::Display| ReadError::NotAWorkbook { reason: e.to_string() };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not(&e))?;
    if archive.len() > MAX_PARTS {
        return Err(not(&format!("more than {MAX_PARTS} parts")));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let part = archive.by_index_raw(i).map_err(|e| not(&e))?;
        total = total.saturating_add(part.size());
        if total > limits.max_unpacked_bytes {
            return Err(ReadError::TooLargeUnpacked {
                max: limits.max_unpacked_bytes,
            });
        }
    }
    Ok(())
}

/// Reads the first sheet of an XLSX workbook: its first row as headers.
///
/// # Errors
/// [`ReadError`]: empty, over a limit, not a workbook.
pub fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Table, ReadError> {
    if bytes.len() > limits.max_bytes {
        return Err(ReadError::TooLarge { max: limits.max_bytes });
    }
    check_archive(bytes, limits)?;
    let not = |e: &dyn std::fmt::Display| ReadError::NotAWorkbook { reason: e.to_string() };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| not(&e))?;
    let range = match book.worksheet_range_at(0) {
        Some(r) => r.map_err(|e| not(&e))?,
        None => return Err(ReadError::Empty),
    };
    let first_line = range.start().map_or(1, |(row, _)| u64::from(row) + 1);
    let mut headers = None;
    let mut rows = Vec::new();
    for (n, row) in range.rows().enumerate() {
        let at = first_line + n as u64;
        let cells: Vec<String> = row.iter().map(text).collect();
        // Trailing empty cells are not columns.
        let width = cells.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1);
        check_row(limits, n, at, width, cells.iter().map(String::as_str))?;
        push_row(&mut headers, &mut rows, at, cells);
    }
    let headers = headers.ok_or(ReadError::Empty)?;
    if headers.iter().all(String::is_empty) {
        return Err(ReadError::Empty);
    }
    Ok(Table {
        dialect: Dialect {
            encoding: TextEncoding::Workbook,
            separator: 0,
        },
        headers,
        rows,
    })
}
