//! A report as an Excel workbook: one sheet per table — the report's title, period and
//! generation line on top, then the table with its headings in bold and frozen — with
//! typed cells (counts and amounts as numbers with their display formats, the currency in
//! the format; shares as percentages; days as numbers), and each chart as a native Excel
//! bar chart over the sheet's cells, so the figures and the chart stay one.

use crate::{Cell, Document, RenderError};
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook, Worksheet};
use std::collections::HashSet;

/// The row of a table's headings (the report's lines above it).
const HEAD: u32 = 4;

/// A sheet name Excel takes: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(title: &str, taken: &mut HashSet<String>) -> String {
    let base: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .take(28)
        .collect::<String>()
        .trim()
        .to_owned();
    let base = if base.is_empty() { "Feuille".to_owned() } else { base };
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.to_lowercase()) {
        name = format!("{base} {n}");
        n += 1;
    }
    name
}

/// The display format of an amount in a currency.
fn money_format(currency: &str) -> Format {
    let sign = match currency {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        other => other,
    };
    Format::new().set_num_format(format!("#,##0.00 \"{sign}\""))
}

fn write_cell(ws: &mut Worksheet, row: u32, col: u16, c: &Cell) -> Result<(), RenderError> {
    #[allow(clippy::cast_precision_loss)] // amounts below 2^53 cents are exact
    match c {
        Cell::Text(t) => {
            ws.write_string(row, col, t)?;
        }
        Cell::Count(n) => {
            ws.write_number_with_format(row, col, *n as f64, &Format::new().set_num_format("#,##0"))?;
        }
        Cell::Money { minor, currency, .. } => {
            ws.write_number_with_format(row, col, *minor as f64 / 100.0, &money_format(currency))?;
        }
        Cell::Share { permille, .. } => {
            ws.write_number_with_format(row, col, *permille as f64 / 1000.0, &Format::new().set_num_format("0.0%"))?;
        }
        Cell::Days { tenths, .. } => {
            ws.write_number_with_format(row, col, *tenths as f64 / 10.0, &Format::new().set_num_format("0.0"))?;
        }
        Cell::Empty => {}
    }
    Ok(())
}

/// The bytes of the workbook.
///
/// # Errors
/// The writer's refusal (a sheet or chart it cannot make).
pub fn write_xlsx(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let mut taken = HashSet::new();
    for (i, t) in doc.tables.iter().enumerate() {
        let name = sheet_name(&t.title, &mut taken);
        let ws = wb.add_worksheet();
        ws.set_name(&name)?;
        ws.write_string_with_format(0, 0, &doc.title, &title)?;
        ws.write_string(1, 0, &doc.period)?;
        ws.write_string(2, 0, format!("{} · {}", doc.generated, doc.note))?;
        for (c, h) in t.columns.iter().enumerate() {
            let col = u16::try_from(c).unwrap_or(u16::MAX);
            ws.write_string_with_format(HEAD, col, h, &bold)?;
            ws.set_column_width(col, if c == 0 { 34 } else { 18 })?;
        }
        ws.set_freeze_panes(HEAD + 1, 0)?;
        for (r, row) in t.rows.iter().enumerate() {
            let r = HEAD + 1 + u32::try_from(r).unwrap_or(u32::MAX - HEAD - 1);
            for (c, cell) in row.iter().enumerate() {
                write_cell(ws, r, u16::try_from(c).unwrap_or(u16::MAX), cell)?;
            }
        }
        let last = HEAD + u32::try_from(t.rows.len()).unwrap_or(0);
        let mut below = last + 2;
        for c in doc.charts.iter().filter(|c| c.table == i && !t.rows.is_empty()) {
            let mut chart = Chart::new(ChartType::Bar);
            let labels = u16::try_from(c.labels).unwrap_or(0);
            for s in &c.series {
                let col = u16::try_from(*s).unwrap_or(0);
                chart
                    .add_series()
                    .set_name((name.as_str(), HEAD, col))
                    .set_categories((name.as_str(), HEAD + 1, labels, last, labels))
                    .set_values((name.as_str(), HEAD + 1, col, last, col));
            }
            chart.title().set_name(&c.title);
            // Categories read top to bottom, as in the table.
            chart.y_axis().set_reverse();
            ws.insert_chart(below, 0, &chart)?;
            below += 18;
        }
    }
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_ones_excel_takes() {
        let mut taken = HashSet::new();
        assert_eq!(sheet_name("Ventes: mars/avril", &mut taken), "Ventes  mars avril");
        assert_eq!(sheet_name("Ventes: mars/avril", &mut taken), "Ventes  mars avril 2");
        assert!(sheet_name(&"x".repeat(40), &mut taken).chars().count() <= 31);
        assert_eq!(sheet_name("", &mut taken), "Feuille");
    }
}
