//! A report as files people forward. The caller builds a [`Document`] — its title, period,
//! generation line, tables of typed cells, bar charts over a table's columns — with every
//! label already in the reader's language and every figure already computed; this crate
//! only lays it out: a PDF (`pdf.rs`: A4 pages drawn with printpdf's own operations, a
//! header with the title and period and a footer with the generation time and page
//! number on each page, the charts drawn as bars), an Excel workbook (`xlsx.rs`: one sheet
//! per table, numbers, money and shares as typed cells with their display formats, and
//! each chart as a native Excel chart over the sheet's cells), or CSV (`csv.rs`: the
//! tables one after the other, as French Excel opens them). The same figures everywhere.

mod csv_out;
mod metrics;
mod pdf;
mod xlsx;

pub use csv_out::write_csv;
pub use pdf::write_pdf;
pub use xlsx::write_xlsx;

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A count.
    Count(i64),
    /// An amount in minor units (cents) of a currency, with the text it reads as.
    Money {
        /// Minor units.
        minor: i128,
        /// ISO 4217 code.
        currency: String,
        /// As written for the reader (`12 345,67 €`).
        shown: String,
    },
    /// A share in tenths of a percent, with its text (`62,5 %`).
    Share {
        /// Tenths of a percent.
        permille: i64,
        /// As written.
        shown: String,
    },
    /// A number of days to one decimal, with its text (`12,5 jours`).
    Days {
        /// Tenths of a day.
        tenths: i64,
        /// As written.
        shown: String,
    },
    /// Nothing (a figure without a value, shown as a dash).
    Empty,
}

impl Cell {
    /// The text the cell reads as.
    pub fn shown(&self) -> String {
        match self {
            Self::Text(t) => t.clone(),
            Self::Count(n) => n.to_string(),
            Self::Money { shown, .. } | Self::Share { shown, .. } | Self::Days { shown, .. } => shown.clone(),
            Self::Empty => "—".to_owned(),
        }
    }

    /// Whether it is a figure (aligned right).
    pub fn is_figure(&self) -> bool {
        !matches!(self, Self::Text(_))
    }

    /// Its value as a plain number, when it has one (for charts).
    pub fn number(&self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)] // amounts charted, never summed back
        match self {
            Self::Count(n) => Some(*n as f64),
            Self::Money { minor, .. } => Some(*minor as f64 / 100.0),
            Self::Share { permille, .. } => Some(*permille as f64 / 1000.0),
            Self::Days { tenths, .. } => Some(*tenths as f64 / 10.0),
            Self::Text(_) | Self::Empty => None,
        }
    }
}

/// A table: a sheet of the workbook, a block of the PDF and of the CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Its title (also the sheet's name, cut to Excel's 31 characters).
    pub title: String,
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows, as many cells as columns.
    pub rows: Vec<Vec<Cell>>,
}

/// A bar chart over a table: one bar per row, labelled by a text column, of one or two
/// figure columns (two: side by side, e.g. this period and the one before).
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Its title.
    pub title: String,
    /// The table it draws (index in [`Document::tables`]).
    pub table: usize,
    /// The column of the bars' labels.
    pub labels: usize,
    /// The columns drawn (one series each).
    pub series: Vec<usize>,
}

/// A report as laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Its title (`Rapport des ventes`).
    pub title: String,
    /// The period and scope it covers, under the title on each page.
    pub period: String,
    /// The generation line, in each page's footer (`Généré le 1 décembre 2026 à 17:08`).
    pub generated: String,
    /// A note under the generation line on each page (how figures are rounded).
    pub note: String,
    /// The word for "page" in the footer (`page`).
    pub page_word: String,
    /// Its tables.
    pub tables: Vec<Table>,
    /// Its charts.
    pub charts: Vec<Chart>,
}

/// What went wrong writing a file.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The workbook writer refused.
    #[error("workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// Writing CSV failed.
    #[error("csv: {0}")]
    Csv(#[from] std::io::Error),
}
