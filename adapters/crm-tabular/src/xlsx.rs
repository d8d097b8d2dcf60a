//! The first sheet of an XLSX workbook (calamine). Before calamine opens the archive, the
//! sizes its parts declare are summed and refused past the limit: a small file that would
//! unpack to gigabytes (a "zip bomb") is turned away before anything is inflated. Cells
//! come out as text: dates as ISO dates (`2025-03-31`, with the time when there is one),
//! whole numbers without decimals, other numbers as written in English (`1234.5`).

use crate::{Dialect, Limits, ReadError, Table, TextEncoding, push_row};
use calamine::{Data, Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

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

/// Refuses an archive that unpacks to more than the limit: first by the sizes its parts
/// declare (at once), then by unpacking each part into nothing and counting (a part may
/// lie about its size), before calamine reads anything.
fn check_archive(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let not = |e: &dyn std::fmt::Display| ReadError::NotAWorkbook { reason: e.to_string() };
    let too_large = || ReadError::TooLargeUnpacked {
        max: limits.max_unpacked_bytes,
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not(&e))?;
    if archive.len() > MAX_PARTS {
        return Err(not(&format!("more than {MAX_PARTS} parts")));
    }
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let part = archive.by_index_raw(i).map_err(|e| not(&e))?;
        declared = declared.saturating_add(part.size());
        if declared > limits.max_unpacked_bytes {
            return Err(too_large());
        }
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).map_err(|e| not(&e))?;
        let left = limits.max_unpacked_bytes.saturating_sub(total);
        let n = std::io::copy(&mut (&mut part).take(left.saturating_add(1)), &mut std::io::sink()).map_err(|e| not(&e))?;
        total = total.saturating_add(n);
        if total > limits.max_unpacked_bytes {
            return Err(too_large());
        }
    }
    Ok(())
}

/// Reads the first sheet of an XLSX workbook: its first row as headers. Cells are read
/// one by one and kept only where they hold something, each limit checked as they come:
/// a sheet claiming a cell at XFD1048576 costs nothing.
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
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(ReadError::Empty);
    };
    let mut reader = book.worksheet_cells_reader(&sheet).map_err(|e| not(&e))?;
    let mut by_row: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let (mut min_col, mut max_col) = (u32::MAX, 0u32);
    while let Some(cell) = reader.next_cell().map_err(|e| not(&e))? {
        let (row, col) = cell.get_position();
        let value = text(&Data::from(cell.get_value().clone()));
        if value.is_empty() {
            continue;
        }
        let line = u64::from(row) + 1;
        if col as usize >= limits.max_columns {
            return Err(ReadError::TooManyColumns {
                line,
                max: limits.max_columns,
            });
        }
        if value.chars().count() > limits.max_cell_chars {
            return Err(ReadError::CellTooLong {
                line,
                max: limits.max_cell_chars,
            });
        }
        if !by_row.contains_key(&row) && by_row.len() >= limits.max_rows {
            return Err(ReadError::TooManyRows { max: limits.max_rows });
        }
        min_col = min_col.min(col);
        max_col = max_col.max(col);
        by_row.entry(row).or_default().push((col, value));
    }
    drop(reader);
    let width = if by_row.is_empty() { 0 } else { (max_col - min_col + 1) as usize };
    let mut headers = None;
    let mut rows = Vec::with_capacity(by_row.len().saturating_sub(1));
    for (row, cells) in by_row {
        let mut dense = vec![String::new(); width];
        for (col, value) in cells {
            if let Some(slot) = dense.get_mut((col - min_col) as usize) {
                *slot = value;
            }
        }
        push_row(&mut headers, &mut rows, u64::from(row) + 1, dense);
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
