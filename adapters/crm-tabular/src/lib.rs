//! Reading the tables people have. An XLSX workbook's first sheet (`xlsx.rs`: dates as
//! dates, numbers as numbers; the archive's declared sizes checked before anything is
//! unpacked). A CSV file as it comes: UTF-8 with or without a byte
//! order mark, Windows-1252 or Latin-1 (French Excel's "CSV"), UTF-16 (Excel's "Unicode
//! text"); comma, semicolon, tab or pipe separators, found by looking at the first lines;
//! quoted fields with separators and line breaks inside. Limits are checked before
//! anything is allocated for the content: a file too large, too many rows or columns, a
//! cell too long is refused with the reason, never read in part. And the way back: a
//! table written as CSV (`write.rs`), plain or as French Excel opens it.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};
use std::borrow::Cow;

mod archive;
mod export;
mod reader;
mod vcard;
mod write;
mod xlsx;
pub use archive::{ZipStream, read_archive};
pub use export::{CsvExport, EXCEL_MAX_ROWS, XlsxExport};
pub use reader::Tables;
pub use vcard::{VcardExport, is_vcard, read_vcards};
pub use write::{CsvFlavour, write_csv};
pub use xlsx::read_xlsx;

/// What a file may hold at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of the file.
    pub max_bytes: usize,
    /// Rows, the header row included.
    pub max_rows: usize,
    /// Columns of a row.
    pub max_columns: usize,
    /// Characters of a cell.
    pub max_cell_chars: usize,
    /// Bytes of a workbook once unpacked (its parts' declared sizes, summed).
    pub max_unpacked_bytes: u64,
}

impl Default for Limits {
    /// 64 MiB, 1,000,000 rows, 200 columns, 10,000 characters a cell, 1 GiB unpacked.
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024 * 1024,
            max_rows: 1_000_000,
            max_columns: 200,
            max_cell_chars: 10_000,
            max_unpacked_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// How a file was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 without a byte order mark.
    Utf8,
    /// UTF-8 with a byte order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-16, little or big endian, with its byte order mark.
    Utf16,
    /// Windows-1252 (and so Latin-1): French Excel's plain "CSV".
    Windows1252,
    /// A workbook (XLSX): no text encoding to guess.
    Workbook,
    /// vCards (each value in the charset it names; UTF-8, else Windows-1252).
    Vcard,
}

/// The dialect found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// Encoding.
    pub encoding: TextEncoding,
    /// Separator: `,`, `;`, tab or `|` (0 for a workbook).
    pub separator: u8,
}

/// A table read: the first row as headers, then the rows (blank rows left out), each with
/// its line number in the file (1-based, the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// How the file was written.
    pub dialect: Dialect,
    /// The header row.
    pub headers: Vec<String>,
    /// The rows and their line numbers.
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Why a file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Nothing in it.
    #[error("the file is empty")]
    Empty,
    /// More bytes than allowed.
    #[error("the file is larger than {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// More rows than allowed.
    #[error("the file has more than {max} rows")]
    TooManyRows {
        /// The limit.
        max: usize,
    },
    /// A row with more columns than allowed.
    #[error("line {line} has more than {max} columns")]
    TooManyColumns {
        /// Where.
        line: u64,
        /// The limit.
        max: usize,
    },
    /// A cell longer than allowed.
    #[error("a cell of line {line} is longer than {max} characters")]
    CellTooLong {
        /// Where.
        line: u64,
        /// The limit.
        max: usize,
    },
    /// An archive that would unpack to more than allowed (a "zip bomb").
    #[error("the workbook would unpack to more than {max} bytes")]
    TooLargeUnpacked {
        /// The limit.
        max: u64,
    },
    /// Not a workbook, or one that cannot be read.
    #[error("the workbook cannot be read: {reason}")]
    NotAWorkbook {
        /// What the reader says.
        reason: String,
    },
    /// Not CSV (a quote never closed, for example).
    #[error("line {line} cannot be read: {reason}")]
    Malformed {
        /// Where.
        line: u64,
        /// What the reader says.
        reason: String,
    },
}

/// The text of a file and its encoding.
fn decode(bytes: &[u8]) -> (Cow<'_, str>, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest), TextEncoding::Utf8Bom);
    }
    if let Some((enc, _)) = Encoding::for_bom(bytes)
        && (enc == UTF_16LE || enc == UTF_16BE)
    {
        let (text, _) = enc.decode_with_bom_removal(bytes);
        return (text, TextEncoding::Utf16);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), TextEncoding::Utf8),
        Err(_) => {
            let (text, _, _) = WINDOWS_1252.decode(bytes);
            (text, TextEncoding::Windows1252)
        }
    }
}

/// Separators tried, in order of preference when they tie.
const SEPARATORS: [u8; 4] = [b';', b',', b'\t', b'|'];
/// Lines looked at to find the separator.
const SAMPLE_LINES: usize = 30;

/// How many times each separator appears outside quotes on each of the first lines.
fn counts(text: &str) -> Vec<[usize; 4]> {
    let mut lines = Vec::new();
    let mut current = [0usize; 4];
    let mut quoted = false;
    let mut any = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => {
                if any {
                    lines.push(current);
                }
                if lines.len() == SAMPLE_LINES {
                    return lines;
                }
                current = [0; 4];
                any = false;
            }
            '\r' => {}
            _ if !quoted => {
                any = true;
                if let Some(i) = SEPARATORS.iter().position(|s| u32::from(*s) == u32::from(c)) {
                    current[i] += 1;
                }
            }
            _ => any = true,
        }
    }
    if any {
        lines.push(current);
    }
    lines
}

/// The separator of a text: the one that splits the header row into the most columns
/// among those that split every sampled line alike; else the header's most frequent.
fn separator(text: &str) -> u8 {
    let lines = counts(text);
    let Some(header) = lines.first() else { return b',' };
    let steady = |i: usize| header[i] > 0 && lines.iter().all(|l| l[i] == header[i]);
    let pick = |consider: &dyn Fn(usize) -> bool| {
        (0..SEPARATORS.len())
            .filter(|&i| consider(i))
            .max_by_key(|&i| (header[i], std::cmp::Reverse(i)))
            .map(|i| SEPARATORS[i])
    };
    pick(&steady).or_else(|| pick(&|i| header[i] > 0)).unwrap_or(b',')
}

/// Reads a CSV file (see the crate's documentation for what it accepts).
///
/// # Errors
/// [`ReadError`]: empty, over a limit, or not CSV.
pub fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Table, ReadError> {
    if bytes.len() > limits.max_bytes {
        return Err(ReadError::TooLarge { max: limits.max_bytes });
    }
    let (text, encoding) = decode(bytes);
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let dialect = Dialect {
        encoding,
        separator: separator(&text),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(dialect.separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut headers = None;
    let mut rows = Vec::new();
    // Line numbers counted from the records' byte offsets (the reader's own count does
    // not follow every line ending), incrementally.
    let raw = text.as_bytes();
    let (mut seen_byte, mut seen_lines) = (0usize, 1u64);
    let mut line_at = |pos: Option<&csv::Position>| {
        let mut byte = pos.map_or(seen_byte, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX).min(raw.len()));
        // A record found after a `\r` starts at the `\n` that ends that line.
        while raw.get(byte).is_some_and(|b| *b == b'\n' || *b == b'\r') {
            byte += 1;
        }
        if byte >= seen_byte {
            seen_lines += raw[seen_byte..byte].iter().filter(|b| **b == b'\n').count() as u64;
            seen_byte = byte;
        }
        seen_lines
    };
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ReadError::Malformed {
            line: line_at(e.position()),
            reason: e.to_string(),
        })?;
        let at = line_at(record.position());
        check_row(limits, n, at, record.len(), record.iter())?;
        push_row(&mut headers, &mut rows, at, record.iter().map(|c| c.trim().to_owned()).collect());
    }
    let headers = headers.ok_or(ReadError::Empty)?;
    Ok(Table { dialect, headers, rows })
}

/// A row (the `n`th, 0-based, at line `at`) checked against the limits.
fn check_row<'a>(limits: &Limits, n: usize, at: u64, width: usize, mut cells: impl Iterator<Item = &'a str>) -> Result<(), ReadError> {
    if n >= limits.max_rows {
        return Err(ReadError::TooManyRows { max: limits.max_rows });
    }
    if width > limits.max_columns {
        return Err(ReadError::TooManyColumns {
            line: at,
            max: limits.max_columns,
        });
    }
    if cells.any(|c| c.chars().count() > limits.max_cell_chars) {
        return Err(ReadError::CellTooLong {
            line: at,
            max: limits.max_cell_chars,
        });
    }
    Ok(())
}

/// The first row read becomes the headers; later ones are kept unless blank.
fn push_row(headers: &mut Option<Vec<String>>, rows: &mut Vec<(u64, Vec<String>)>, at: u64, cells: Vec<String>) {
    if headers.is_none() {
        *headers = Some(cells);
    } else if cells.iter().any(|c| !c.is_empty()) {
        rows.push((at, cells));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Table {
        read_csv(bytes, &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn french_excel_csv_windows_1252_semicolons_crlf() {
        // "Prénom;Nom;Société\r\nHélène;Lefèvre;Crème & Cie\r\n" as French Excel saves it.
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"Pr\xE9nom;Nom;Soci\xE9t\xE9;Montant\r\n");
        bytes.extend_from_slice(b"H\xE9l\xE8ne;Lef\xE8vre;Cr\xE8me & Cie;\"1 234,50\"\r\n");
        bytes.extend_from_slice(b";;;\r\n");
        let t = read(&bytes);
        assert_eq!(
            t.dialect,
            Dialect {
                encoding: TextEncoding::Windows1252,
                separator: b';'
            }
        );
        assert_eq!(t.headers, ["Prénom", "Nom", "Société", "Montant"]);
        assert_eq!(
            t.rows,
            [(2, vec!["Hélène".into(), "Lefèvre".into(), "Crème & Cie".into(), "1 234,50".into()])]
        );
    }

    #[test]
    fn another_crms_export_with_a_bom_commas_and_quoted_line_breaks() {
        let text = "\u{feff}First Name,Last Name,Email,Notes\n\
                    Ana,\"Da Silva, Jr\",ana@exemple.fr,\"Rappeler\nlundi\"\n\
                    Luc,Petit,luc@exemple.fr,\n";
        let t = read(text.as_bytes());
        assert_eq!(
            t.dialect,
            Dialect {
                encoding: TextEncoding::Utf8Bom,
                separator: b','
            }
        );
        assert_eq!(t.headers, ["First Name", "Last Name", "Email", "Notes"]);
        assert_eq!(t.rows[0].1, ["Ana", "Da Silva, Jr", "ana@exemple.fr", "Rappeler\nlundi"]);
        assert_eq!(
            t.rows[1],
            (4, vec!["Luc".into(), "Petit".into(), "luc@exemple.fr".into(), String::new()])
        );
    }

    #[test]
    fn tabs_in_utf16_and_plain_utf8_commas_in_amounts() {
        let text = "Nom\tMontant\nDurand\t12,5\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let t = read(&bytes);
        assert_eq!(
            t.dialect,
            Dialect {
                encoding: TextEncoding::Utf16,
                separator: b'\t'
            }
        );
        assert_eq!(t.rows[0].1, ["Durand", "12,5"]);
        // A semicolon file whose amounts hold commas: the separator is the steady one.
        let t = read("nom;montant\nA;1,5\nB;2,25\nC;3\n".as_bytes());
        assert_eq!(t.dialect.separator, b';');
        assert_eq!(t.dialect.encoding, TextEncoding::Utf8);
        assert_eq!(t.rows.len(), 3);
        // One column: no separator at all.
        assert_eq!(read(b"email\na@b.fr\n").headers, ["email"]);
    }

    #[test]
    fn limits_refuse_before_reading() {
        let small = Limits {
            max_bytes: 100,
            max_rows: 3,
            max_columns: 3,
            max_cell_chars: 5,
            max_unpacked_bytes: 1000,
        };
        assert_eq!(read_csv(&[b'a'; 101], &small), Err(ReadError::TooLarge { max: 100 }));
        assert_eq!(read_csv(b"a\nb\nc\nd\n", &small), Err(ReadError::TooManyRows { max: 3 }));
        assert_eq!(read_csv(b"a,b,c,d\n", &small), Err(ReadError::TooManyColumns { line: 1, max: 3 }));
        assert_eq!(read_csv(b"a\nabcdef\n", &small), Err(ReadError::CellTooLong { line: 2, max: 5 }));
        assert_eq!(read_csv(b"  \n\n", &small), Err(ReadError::Empty));
        assert_eq!(read_csv(b"", &small), Err(ReadError::Empty));
    }

    #[test]
    fn odd_bytes_never_panic() {
        for bytes in [
            &b"\"unclosed\nfield"[..],
            b"\xFF\xFE\x00",
            b"\xFE\xFF",
            b"\"\"\"",
            b";;;\n;;",
            b"\r\r\r",
            b"\x00\x01\x02",
        ] {
            let _ = read_csv(bytes, &Limits::default());
        }
    }
}
