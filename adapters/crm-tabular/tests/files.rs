//! Files written by other programs read as their authors meant them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crm_tabular::{Limits, ReadError, TextEncoding, read_xlsx};
use std::io::Write as _;

#[test]
fn a_workbook_written_by_openpyxl_with_dates_numbers_and_accents() {
    // tests/fixtures/openpyxl.xlsx: written by openpyxl 3.1.5 (a second sheet is ignored).
    let t = read_xlsx(include_bytes!("fixtures/openpyxl.xlsx"), &Limits::default()).unwrap();
    assert_eq!(t.dialect.encoding, TextEncoding::Workbook);
    assert_eq!(
        t.headers,
        [
            "Prénom",
            "Nom",
            "E-mail",
            "Société",
            "Premier contact",
            "Chiffre d'affaires",
            "Effectif"
        ]
    );
    assert_eq!(
        t.rows[0],
        (
            2,
            ["Hélène", "Lefèvre", "helene@creme.fr", "Crème & Cie", "2025-03-31", "1234.5", "12"]
                .map(String::from)
                .to_vec()
        )
    );
    assert_eq!(t.rows[1].1[1], "Ñúñez");
    assert_eq!(t.rows[1].1[3], "Éditions d'Été");
    assert_eq!(t.rows[1].1[4], "2024-12-01T09:30:00");
    assert_eq!(t.rows[1].1[5], "0.1");
    // The blank row is left out; the next keeps its own line number.
    assert_eq!(t.rows.len(), 3);
    assert_eq!(t.rows[2].0, 5);
    assert_eq!(t.rows[2].1[..2], ["Luc", "Petit"]);
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_unpacked() {
    // 110 MiB of zeros compress to about 110 KB: declared sizes are what is checked.
    let mut buf = Vec::new();
    {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut buf));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..110 {
            z.write_all(&zeros).unwrap();
        }
        z.finish().unwrap();
    }
    assert!(buf.len() < 2 * 1024 * 1024, "{} bytes", buf.len());
    let limits = Limits {
        max_unpacked_bytes: 100 * 1024 * 1024,
        ..Limits::default()
    };
    assert_eq!(
        read_xlsx(&buf, &limits),
        Err(ReadError::TooLargeUnpacked { max: 100 * 1024 * 1024 })
    );
}

#[test]
fn what_is_not_a_workbook_says_so() {
    assert!(matches!(
        read_xlsx(b"Nom;Prenom\n", &Limits::default()),
        Err(ReadError::NotAWorkbook { .. })
    ));
    assert!(matches!(read_xlsx(b"", &Limits::default()), Err(ReadError::NotAWorkbook { .. })));
    let limits = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    assert_eq!(read_xlsx(&[0; 11], &limits), Err(ReadError::TooLarge { max: 10 }));
}

/// A sheet claiming cells far away (the last row, the last column): only the cells that
/// hold something are kept, so it costs nothing; a column past the limit is refused.
#[test]
fn far_away_cells_cost_nothing() {
    let book = |far_col: u16| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Nom").unwrap();
        ws.write_string(1, 0, "Zoé").unwrap();
        ws.write_string(1_048_575, far_col, "loin").unwrap();
        wb.save_to_buffer().unwrap()
    };
    let t = read_xlsx(&book(0), &Limits::default()).unwrap();
    assert_eq!(t.headers, ["Nom"]);
    assert_eq!(t.rows, [(2, vec!["Zoé".to_owned()]), (1_048_576, vec!["loin".to_owned()])]);
    match read_xlsx(&book(16_383), &Limits::default()) {
        Err(ReadError::TooManyColumns { line, max }) => assert_eq!((line, max), (1_048_576, 200)),
        other => panic!("{other:?}"),
    }
}
