//! Writing a table as CSV: UTF-8 with commas (for programs), or as French Excel opens it
//! without asking (UTF-8 with a byte order mark, semicolons, CRLF line ends). Every cell
//! is quoted when it holds a separator, a quote or a line break, so reading the file
//! back gives the same cells.

/// The CSV flavour to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvFlavour {
    /// UTF-8, commas, LF.
    Plain,
    /// UTF-8 with BOM, semicolons, CRLF: what French Excel opens directly.
    FrenchExcel,
}

/// The bytes of a CSV file of `headers` then `rows`.
///
/// # Errors
/// Never in practice (writing to memory); an I/O error of the writer is passed on.
pub fn write_csv(headers: &[String], rows: &[Vec<String>], flavour: CsvFlavour) -> std::io::Result<Vec<u8>> {
    let (bom, separator, terminator): (&[u8], u8, csv::Terminator) = match flavour {
        CsvFlavour::Plain => (b"", b',', csv::Terminator::Any(b'\n')),
        CsvFlavour::FrenchExcel => (b"\xEF\xBB\xBF", b';', csv::Terminator::CRLF),
    };
    let mut out = bom.to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(separator)
            .terminator(terminator)
            .flexible(true)
            .from_writer(&mut out);
        w.write_record(headers)?;
        for r in rows {
            w.write_record(r)?;
        }
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, TextEncoding, read_csv};

    #[test]
    fn what_is_written_reads_back_the_same() {
        let headers: Vec<String> = ["Prénom", "Nom; complet", "Raison"].map(String::from).to_vec();
        let rows: Vec<Vec<String>> = vec![
            [
                "Hélène",
                "Lefèvre, \"dite\" Léna",
                "adresse e-mail invalide\n(attendu : nom@domaine.fr)",
            ]
            .map(String::from)
            .to_vec(),
            ["Zoé", "", "même clé que la ligne 2"].map(String::from).to_vec(),
        ];
        for flavour in [CsvFlavour::Plain, CsvFlavour::FrenchExcel] {
            let bytes = write_csv(&headers, &rows, flavour).unwrap_or_default();
            let t = read_csv(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(t.headers, headers);
            let back: Vec<Vec<String>> = t.rows.into_iter().map(|(_, r)| r).collect();
            assert_eq!(back, rows, "{flavour:?}");
            let french = flavour == CsvFlavour::FrenchExcel;
            assert_eq!(t.dialect.encoding == TextEncoding::Utf8Bom, french);
            assert_eq!(t.dialect.separator, if french { b';' } else { b',' });
            assert_eq!(bytes.windows(2).any(|w| w == b"\r\n"), french);
        }
    }
}
