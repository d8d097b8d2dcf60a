//! Writing exports piece by piece, so that a large one never holds its rows in memory:
//! CSV handed out as bytes after each piece (the caller streams them), XLSX through
//! rust_xlsxwriter's constant-memory mode (each row goes to a temporary file as it is
//! written) with a new sheet, headers repeated, past Excel's 1,048,576 rows. Typed cells
//! stay typed in a workbook: dates as dates, amounts as numbers with their currency.

use crate::CsvFlavour;
use chrono::{DateTime, NaiveDate, Utc};
use crm_ports::tables::Cell;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use std::collections::HashMap;
use std::io::Write;

/// Rows a sheet holds in Excel, headers included.
pub const EXCEL_MAX_ROWS: u32 = 1_048_576;

/// A CSV written piece by piece.
pub struct CsvExport {
    flavour: CsvFlavour,
    pending: Vec<u8>,
}

impl CsvExport {
    /// Starts a CSV with its headers (and, for French Excel, the byte order mark).
    ///
    /// # Errors
    /// The CSV writer's.
    pub fn new(flavour: CsvFlavour, headers: &[String]) -> std::io::Result<Self> {
        let bom: &[u8] = match flavour {
            CsvFlavour::Plain => b"",
            CsvFlavour::FrenchExcel => b"\xEF\xBB\xBF",
        };
        let mut me = Self {
            flavour,
            pending: bom.to_vec(),
        };
        me.write(std::iter::once(headers.to_vec()))?;
        Ok(me)
    }

    fn write(&mut self, records: impl Iterator<Item = Vec<String>>) -> std::io::Result<()> {
        let (separator, terminator) = match self.flavour {
            CsvFlavour::Plain => (b',', csv::Terminator::Any(b'\n')),
            CsvFlavour::FrenchExcel => (b';', csv::Terminator::CRLF),
        };
        let mut w = csv::WriterBuilder::new()
            .delimiter(separator)
            .terminator(terminator)
            .flexible(true)
            .from_writer(&mut self.pending);
        for r in records {
            w.write_record(&r)?;
        }
        w.flush()
    }

    /// Adds rows.
    ///
    /// # Errors
    /// The CSV writer's.
    pub fn push(&mut self, rows: &[Vec<Cell>]) -> std::io::Result<()> {
        let flavour = self.flavour;
        self.write(rows.iter().map(|row| row.iter().map(|c| csv_text(c, flavour)).collect()))
    }

    /// The bytes written since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }
}

/// A cell as CSV text: for French Excel, dates as `31/12/2025`, decimal commas, and text
/// that Excel would run as a formula (`=`, `@`) kept as text by a leading apostrophe.
fn csv_text(cell: &Cell, flavour: CsvFlavour) -> String {
    let french = flavour == CsvFlavour::FrenchExcel;
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) if french && s.starts_with(['=', '@', '\t', '\r']) => format!("'{s}"),
        Cell::Text(s) => s.clone(),
        Cell::Integer(i) => i.to_string(),
        Cell::Money { minor, .. } => {
            let s = format!(
                "{}{}.{:02}",
                if *minor < 0 { "-" } else { "" },
                minor.unsigned_abs() / 100,
                minor.unsigned_abs() % 100
            );
            if french { s.replace('.', ",") } else { s }
        }
        Cell::Date(d) if french => d.format("%d/%m/%Y").to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::Instant(t) if french => t.format("%d/%m/%Y %H:%M:%S").to_string(),
        Cell::Instant(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// A workbook written row by row in constant memory.
pub struct XlsxExport {
    workbook: Workbook,
    headers: Vec<String>,
    rows_per_sheet: u32,
    /// Rows in the current sheet, headers included.
    row: u32,
    sheets: u16,
    date: Format,
    instant: Format,
    money: HashMap<String, Format>,
}

impl XlsxExport {
    /// Starts a workbook whose sheets are named `sheet_name` (then `sheet_name 2`...).
    ///
    /// # Errors
    /// The temporary file of the first sheet cannot be made.
    pub fn new(headers: &[String]) -> Result<Self, XlsxError> {
        let mut me = Self {
            workbook: Workbook::new(),
            headers: headers.to_vec(),
            rows_per_sheet: EXCEL_MAX_ROWS,
            row: 0,
            sheets: 0,
            date: Format::new().set_num_format("dd/mm/yyyy"),
            instant: Format::new().set_num_format("dd/mm/yyyy hh:mm"),
            money: HashMap::new(),
        };
        me.new_sheet()?;
        Ok(me)
    }

    /// The same, with fewer rows per sheet (to see the change of sheet without writing a
    /// million rows).
    ///
    /// # Errors
    /// As [`XlsxExport::new`].
    pub fn with_rows_per_sheet(headers: &[String], rows: u32) -> Result<Self, XlsxError> {
        let mut me = Self::new(headers)?;
        me.rows_per_sheet = rows.clamp(2, EXCEL_MAX_ROWS);
        Ok(me)
    }

    fn new_sheet(&mut self) -> Result<(), XlsxError> {
        let bold = Format::new().set_bold();
        let sheet = self.workbook.add_worksheet_with_constant_memory()?;
        self.sheets += 1;
        if self.sheets > 1 {
            sheet.set_name(format!("Sheet{}", self.sheets))?;
        }
        for (col, h) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, col_index(col), h, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        self.row = 1;
        Ok(())
    }

    /// Adds rows, starting a new sheet when one is full.
    ///
    /// # Errors
    /// A value Excel cannot hold, or the temporary file.
    pub fn push(&mut self, rows: &[Vec<Cell>]) -> Result<(), XlsxError> {
        for cells in rows {
            if self.row >= self.rows_per_sheet {
                self.new_sheet()?;
            }
            let row = self.row;
            for (col, cell) in cells.iter().enumerate() {
                self.write(row, col_index(col), cell)?;
            }
            self.row += 1;
        }
        Ok(())
    }

    fn write(&mut self, row: u32, col: u16, cell: &Cell) -> Result<(), XlsxError> {
        let index = usize::from(self.sheets.saturating_sub(1));
        let money = match cell {
            Cell::Money { currency, .. } => Some(self.money.entry(currency.clone()).or_insert_with(|| money_format(currency)).clone()),
            _ => None,
        };
        let sheet = self.workbook.worksheet_from_index(index)?;
        match cell {
            Cell::Empty => {}
            Cell::Text(s) => {
                sheet.write_string(row, col, s)?;
            }
            #[allow(clippy::cast_precision_loss)]
            Cell::Integer(i) => {
                sheet.write_number(row, col, *i as f64)?;
            }
            #[allow(clippy::cast_precision_loss)]
            Cell::Money { minor, .. } => {
                let f = money.unwrap_or_default();
                sheet.write_number_with_format(row, col, *minor as f64 / 100.0, &f)?;
            }
            Cell::Date(d) => {
                sheet.write_datetime_with_format(row, col, excel_date(*d)?, &self.date)?;
            }
            Cell::Instant(t) => {
                sheet.write_datetime_with_format(row, col, excel_instant(*t)?, &self.instant)?;
            }
        }
        Ok(())
    }

    /// Writes the finished workbook.
    ///
    /// # Errors
    /// The writer's, or the temporary files'.
    pub fn finish<W: Write + Send>(mut self, out: W) -> Result<(), XlsxError> {
        self.workbook.save_to_writer(out)
    }
}

fn col_index(col: usize) -> u16 {
    u16::try_from(col).unwrap_or(u16::MAX)
}

/// `1 234,50 €` for euros; the code after the amount for other currencies.
fn money_format(currency: &str) -> Format {
    let symbol = match currency {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "CHF" => "CHF",
        other => other,
    };
    let symbol: String = symbol.chars().filter(|c| *c != '"').collect();
    Format::new().set_num_format(format!("#,##0.00 \"{symbol}\""))
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    ExcelDateTime::from_ymd(
        u16::try_from(y).map_err(|_| XlsxError::DateTimeRangeError(y.to_string()))?,
        u8::try_from(m).unwrap_or(1),
        u8::try_from(day).unwrap_or(1),
    )
}

fn excel_instant(t: DateTime<Utc>) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Timelike;
    let n = t.naive_utc();
    excel_date(n.date())?.and_hms(
        u16::try_from(n.hour()).unwrap_or(0),
        u8::try_from(n.minute()).unwrap_or(0),
        f64::from(n.second()),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Limits, read_csv, read_xlsx};

    fn headers() -> Vec<String> {
        ["Nom", "Montant", "Le", "Créé"].map(String::from).to_vec()
    }

    fn rows(n: i64) -> Vec<Vec<Cell>> {
        (0..n)
            .map(|i| {
                vec![
                    Cell::Text(format!("=Zoé {i}")),
                    Cell::Money {
                        minor: 123_456 + i,
                        currency: "EUR".into(),
                    },
                    Cell::Date(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()),
                    Cell::Instant(DateTime::parse_from_rfc3339("2025-03-01T10:20:30Z").unwrap().to_utc()),
                ]
            })
            .collect()
    }

    #[test]
    fn a_csv_comes_out_piece_by_piece_and_reads_back() {
        for flavour in [CsvFlavour::Plain, CsvFlavour::FrenchExcel] {
            let mut e = CsvExport::new(flavour, &headers()).unwrap();
            let mut bytes = e.take();
            e.push(&rows(2)).unwrap();
            bytes.extend(e.take());
            e.push(&rows(1)).unwrap();
            bytes.extend(e.take());
            let t = read_csv(&bytes, &Limits::default()).unwrap();
            assert_eq!(t.headers, headers());
            assert_eq!(t.rows.len(), 3);
            let first = &t.rows[0].1;
            if flavour == CsvFlavour::FrenchExcel {
                assert_eq!(first, &["'=Zoé 0", "1234,56", "31/12/2025", "01/03/2025 10:20:30"]);
            } else {
                assert_eq!(first, &["=Zoé 0", "1234.56", "2025-12-31", "2025-03-01T10:20:30Z"]);
            }
        }
    }

    #[test]
    fn a_workbook_keeps_types_and_opens_a_new_sheet_when_one_is_full() {
        let mut e = XlsxExport::with_rows_per_sheet(&headers(), 3).unwrap();
        e.push(&rows(3)).unwrap();
        e.push(&rows(2)).unwrap();
        let mut out = Vec::new();
        e.finish(&mut out).unwrap();
        let names = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(out.clone()))
            .map(|w: calamine::Sheets<_>| calamine::Reader::sheet_names(&w))
            .unwrap();
        assert_eq!(names, vec!["Sheet1", "Sheet2", "Sheet3"], "2 rows a sheet past the headers");
        let t = read_xlsx(&out, &Limits::default()).unwrap();
        assert_eq!(t.headers, headers());
        assert_eq!(t.rows[0].1, ["=Zoé 0", "1234.56", "2025-12-31", "2025-03-01T10:20:30"]);
    }
}
