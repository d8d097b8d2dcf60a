//! A report as CSV, as French Excel opens it (UTF-8 with a byte order mark, semicolons,
//! CRLF): the title and period, then each table — its title, its headings, its rows —
//! after a blank line. Figures are plain numbers with a decimal comma (`12345,67`, `62,5`),
//! the currency in the row's label or its own column, so a spreadsheet sums them.

use crate::{Cell, Document, RenderError};

/// A decimal number of `units` with `digits` decimals (`-1234567, 2` → `-12345,67`).
fn decimal(units: i128, digits: u32) -> String {
    let scale = 10i128.pow(digits);
    let sign = if units < 0 { "-" } else { "" };
    let u = units.unsigned_abs();
    let scale_u = scale.unsigned_abs();
    if digits == 0 {
        return format!("{sign}{u}");
    }
    format!("{sign}{},{:0width$}", u / scale_u, u % scale_u, width = digits as usize)
}

/// The value a spreadsheet reads.
fn value(c: &Cell) -> String {
    match c {
        Cell::Text(t) => t.clone(),
        Cell::Count(n) => n.to_string(),
        Cell::Money { minor, .. } => decimal(*minor, 2),
        Cell::Share { permille, .. } => decimal(i128::from(*permille), 1),
        Cell::Days { tenths, .. } => decimal(i128::from(*tenths), 1),
        Cell::Empty => String::new(),
    }
}

/// The bytes of the CSV file.
///
/// # Errors
/// An I/O error of the writer (never in practice: it writes to memory).
pub fn write_csv(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(&mut out);
        w.write_record([doc.title.as_str()]).map_err(std::io::Error::from)?;
        w.write_record([doc.period.as_str()]).map_err(std::io::Error::from)?;
        w.write_record([doc.generated.as_str()]).map_err(std::io::Error::from)?;
        w.write_record([doc.note.as_str()]).map_err(std::io::Error::from)?;
        for t in &doc.tables {
            w.write_record([""]).map_err(std::io::Error::from)?;
            w.write_record([t.title.as_str()]).map_err(std::io::Error::from)?;
            w.write_record(&t.columns).map_err(std::io::Error::from)?;
            for r in &t.rows {
                w.write_record(r.iter().map(value)).map_err(std::io::Error::from)?;
            }
        }
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_numbers_with_a_decimal_comma() {
        assert_eq!(decimal(1_234_567, 2), "12345,67");
        assert_eq!(decimal(-5, 2), "-0,05");
        assert_eq!(decimal(625, 1), "62,5");
        assert_eq!(decimal(0, 1), "0,0");
    }
}
