//! vCards as phones, Outlook and address books write them — 2.1 (quoted-printable,
//! `CHARSET=`, bare parameters), 3.0 and 4.0 (RFC 6350: escapes, folded lines) — read as a
//! table whose headers the import recognises (one row a card), and written as vCard 4.0.

use crate::{Dialect, Limits, ReadError, Table, TextEncoding, check_row, push_row};
use crm_ports::tables::Cell;

/// The columns a card is read into, named as the import guesses them.
const HEADERS: [&str; 12] = [
    "Prénom",
    "Nom",
    "E-mail",
    "Téléphone",
    "Société",
    "Poste",
    "Adresse",
    "Code postal",
    "Ville",
    "Pays",
    "Étiquettes",
    "Notes",
];

/// Whether the bytes look like vCards.
pub fn is_vcard(bytes: &[u8]) -> bool {
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head: Vec<u8> = start.iter().take(64).map(u8::to_ascii_uppercase).collect();
    head.trim_ascii_start().starts_with(b"BEGIN:VCARD")
}

/// Joins folded lines: a line starting with a space or a tab continues the previous one
/// (3.0, 4.0); a quoted-printable value ending with `=` continues on the next line (2.1).
fn unfold(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut qp_open = false;
    for raw in bytes.split(|b| *b == b'\n') {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        match lines.last_mut() {
            Some(last) if qp_open => {
                last.pop(); // the soft break's '='
                last.extend_from_slice(line);
            }
            Some(last) if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') => last.extend_from_slice(&line[1..]),
            _ => lines.push(line.to_vec()),
        }
        let l = lines.last().map(Vec::as_slice).unwrap_or_default();
        let upper = String::from_utf8_lossy(&l[..l.iter().position(|b| *b == b':').unwrap_or(0)]).to_ascii_uppercase();
        qp_open = upper.contains("QUOTED-PRINTABLE") && l.ends_with(b"=");
    }
    lines
}

fn qp_decode(v: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'='
            && let (Some(h), Some(l)) = (v.get(i + 1).and_then(|b| hex(*b)), v.get(i + 2).and_then(|b| hex(*b)))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(v[i]);
        i += 1;
    }
    out
}

/// Text of a value's bytes in `charset` (UTF-8 when unnamed and valid, else Windows-1252).
fn decode(bytes: &[u8], charset: Option<&str>) -> String {
    let enc = charset.and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()));
    match enc {
        Some(e) => e.decode(bytes).0.into_owned(),
        None => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
        },
    }
}

/// Splits a value on unescaped `sep` and undoes the escapes (`\,` `\;` `\n` `\\`).
fn split_unescape(v: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => parts.last_mut().map(|p| p.push('\n')).unwrap_or_default(),
                Some(o) => parts.last_mut().map(|p| p.push(o)).unwrap_or_default(),
                None => {}
            },
            c if c == sep => parts.push(String::new()),
            c => parts.last_mut().map(|p| p.push(c)).unwrap_or_default(),
        }
    }
    parts.into_iter().map(|p| p.trim().to_owned()).collect()
}

/// One card being read.
#[derive(Default)]
struct Card {
    first: String,
    last: String,
    full: String,
    emails: Vec<String>,
    phones: Vec<String>,
    org: String,
    title: String,
    street: String,
    code: String,
    city: String,
    country: String,
    tags: Vec<String>,
    note: String,
}

impl Card {
    fn take(&mut self, name: &str, value: &str) {
        let one = |v: &str| split_unescape(v, '\u{0}').concat();
        match name {
            "N" => {
                let p = split_unescape(value, ';');
                self.last = p.first().cloned().unwrap_or_default();
                self.first = p.get(1).cloned().unwrap_or_default();
            }
            "FN" => self.full = one(value),
            "EMAIL" => self.emails.push(one(value)),
            "TEL" => self.phones.push(one(value).trim_start_matches("tel:").to_owned()),
            "ORG" => self.org = split_unescape(value, ';').into_iter().next().unwrap_or_default(),
            "TITLE" => self.title = one(value),
            "ADR" if self.street.is_empty() && self.city.is_empty() => {
                let p = split_unescape(value, ';');
                let at = |i: usize| p.get(i).cloned().unwrap_or_default();
                self.street = [at(1), at(2)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ");
                self.city = at(3);
                self.code = at(5);
                self.country = at(6);
            }
            "CATEGORIES" => self.tags.extend(split_unescape(value, ',').into_iter().filter(|t| !t.is_empty())),
            "NOTE" => self.note = one(value),
            _ => {}
        }
    }

    fn cells(mut self) -> Vec<String> {
        if self.first.is_empty() && self.last.is_empty() {
            match self.full.rsplit_once(' ') {
                Some((f, l)) => (self.first, self.last) = (f.trim().to_owned(), l.trim().to_owned()),
                None => self.last = self.full.clone(),
            }
        }
        let list = |v: Vec<String>| v.into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ");
        vec![
            self.first,
            self.last,
            list(self.emails),
            list(self.phones),
            self.org,
            self.title,
            self.street,
            self.code,
            self.city,
            self.country,
            list(self.tags),
            self.note,
        ]
    }
}

/// Reads vCards (any of 2.1, 3.0, 4.0, mixed) as a table of the headers the import knows.
///
/// # Errors
/// [`ReadError`]: empty, over a limit.
pub fn read_vcards(bytes: &[u8], limits: &Limits) -> Result<Table, ReadError> {
    if bytes.len() > limits.max_bytes {
        return Err(ReadError::TooLarge { max: limits.max_bytes });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut headers = None;
    let mut rows = Vec::new();
    push_row(&mut headers, &mut rows, 1, HEADERS.map(String::from).to_vec());
    let mut card: Option<Card> = None;
    for line in unfold(bytes) {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (head, value) = (&line[..colon], &line[colon + 1..]);
        let head = String::from_utf8_lossy(head).into_owned();
        let mut params = head.split(';');
        let name = params.next().unwrap_or_default();
        let name = name.rsplit('.').next().unwrap_or(name).trim().to_ascii_uppercase();
        let (mut qp, mut charset, mut binary) = (false, None, false);
        for p in params {
            let (k, v) = p.split_once('=').unwrap_or(("", p));
            let (k, v) = (k.trim().to_ascii_uppercase(), v.trim().to_ascii_uppercase());
            match (k.as_str(), v.as_str()) {
                ("ENCODING" | "", "QUOTED-PRINTABLE") => qp = true,
                ("ENCODING" | "", "B" | "BASE64") => binary = true,
                ("CHARSET", c) => charset = Some(c.to_owned()),
                _ => {}
            }
        }
        match name.as_str() {
            "BEGIN" if String::from_utf8_lossy(value).trim().eq_ignore_ascii_case("VCARD") => card = Some(Card::default()),
            "END" => {
                if let Some(c) = card.take() {
                    let n = rows.len() + 1;
                    let cells = c.cells();
                    let at = n as u64 + 1;
                    check_row(limits, n, at, cells.len(), cells.iter().map(String::as_str))?;
                    push_row(&mut headers, &mut rows, at, cells);
                }
            }
            _ if binary => {}
            _ => {
                if let Some(c) = card.as_mut() {
                    let raw = if qp { qp_decode(value) } else { value.to_vec() };
                    c.take(&name, &decode(&raw, charset.as_deref()));
                }
            }
        }
    }
    if rows.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(Table {
        dialect: Dialect {
            encoding: TextEncoding::Vcard,
            separator: 0,
        },
        headers: headers.unwrap_or_default(),
        rows,
    })
}

/// Escapes a text value of vCard 4.0.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace(',', "\\,")
        .replace(';', "\\;")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets (without cutting a character).
fn fold_line(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// Contacts written as vCard 4.0, piece by piece: the cells of the columns named by the
/// export's codes (`first_name`, `email`...), lists split on `, `.
pub struct VcardExport {
    columns: Vec<String>,
    pending: String,
}

impl VcardExport {
    /// A writer of rows whose columns are these codes.
    pub fn new(columns: &[&str]) -> Self {
        Self {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            pending: String::new(),
        }
    }

    /// Adds a card a row.
    pub fn push(&mut self, rows: &[Vec<Cell>]) {
        for row in rows {
            let get = |code: &str| -> String {
                match self.columns.iter().position(|c| c == code).and_then(|i| row.get(i)) {
                    Some(Cell::Text(s)) => s.clone(),
                    _ => String::new(),
                }
            };
            let list = |code: &str| -> Vec<String> { get(code).split(", ").filter(|s| !s.is_empty()).map(str::to_owned).collect() };
            let (first, last) = (get("first_name"), get("last_name"));
            let mut lines = vec!["BEGIN:VCARD".to_owned(), "VERSION:4.0".to_owned()];
            lines.push(format!("FN:{}", escape(format!("{first} {last}").trim())));
            lines.push(format!("N:{};{};;;", escape(&last), escape(&first)));
            for e in list("email") {
                lines.push(format!("EMAIL:{}", escape(&e)));
            }
            for p in list("phone") {
                lines.push(format!("TEL;VALUE=uri:tel:{p}"));
            }
            let org = get("organization");
            if !org.is_empty() {
                lines.push(format!("ORG:{}", escape(&org)));
            }
            let title = get("job_title");
            if !title.is_empty() {
                lines.push(format!("TITLE:{}", escape(&title)));
            }
            let (street, code, city, country) = (get("street"), get("postal_code"), get("city"), get("country"));
            if !(street.is_empty() && code.is_empty() && city.is_empty() && country.is_empty()) {
                lines.push(format!(
                    "ADR:;;{};{};;{};{}",
                    escape(&street),
                    escape(&city),
                    escape(&code),
                    escape(&country)
                ));
            }
            let tags = list("tags");
            if !tags.is_empty() {
                lines.push(format!(
                    "CATEGORIES:{}",
                    tags.iter().map(|t| escape(t)).collect::<Vec<_>>().join(",")
                ));
            }
            let note = get("notes");
            if !note.is_empty() {
                lines.push(format!("NOTE:{}", escape(&note)));
            }
            let id = get("id");
            if !id.is_empty() {
                lines.push(format!("UID:urn:uuid:{id}"));
            }
            lines.push("END:VCARD".to_owned());
            for l in lines {
                fold_line(&l, &mut self.pending);
            }
        }
    }

    /// The text written since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending).into_bytes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cells(t: &Table, i: usize) -> Vec<&str> {
        t.rows[i].1.iter().map(String::as_str).collect()
    }

    #[test]
    fn a_phone_s_vcard_2_1_in_quoted_printable_and_latin_1() {
        // As an Android phone exports a contact: QP, ISO-8859-1, a soft line break.
        let bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Lef=E8vre;H=E9l=E8ne;;;\r\nFN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:H=E9l=E8ne Lef=E8vre\r\nTEL;CELL;PREF:06 12 34 56 78\r\nTEL;WORK:01 40 00 00 00\r\nEMAIL;INTERNET:helene@creme.fr\r\nORG;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Cr=E8me & Cie\r\nNOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Rappeler =C3=A0 la rentr=C3=A9e, apr=C3=A8s le=\r\n salon\r\nPHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQ\r\nEND:VCARD\r\n";
        let t = read_vcards(bytes, &Limits::default()).unwrap();
        assert_eq!(t.headers[..4], ["Prénom", "Nom", "E-mail", "Téléphone"]);
        assert_eq!(
            cells(&t, 0),
            [
                "Hélène",
                "Lefèvre",
                "helene@creme.fr",
                "06 12 34 56 78, 01 40 00 00 00",
                "Crème & Cie",
                "",
                "",
                "",
                "",
                "",
                "",
                "Rappeler à la rentrée, après le salon"
            ]
        );
    }

    #[test]
    fn vcard_3_and_4_with_escapes_folds_and_groups() {
        let text = "BEGIN:VCARD\nVERSION:3.0\nFN:Zoé Aubert\nitem1.EMAIL;TYPE=INTERNET:zoe@aubert.fr\nADR;TYPE=WORK:;;12\\, rue de la Paix;Paris;;75002;France\nCATEGORIES:vip,salon 2026\nNOTE:Deux lignes\\nsecond\\; fin\nEND:VCARD\nBEGIN:VCARD\nVERSION:4.0\nN:Brun;Léo;;;\nTEL;VALUE=uri;TYPE=cell:tel:+33-6-11-22-33-44\nTITLE:Directeur commercial de la société des vins du Rhône et de Provenc\n e\nEND:VCARD\n";
        let t = read_vcards(text.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(cells(&t, 0)[..3], ["Zoé", "Aubert", "zoe@aubert.fr"]);
        assert_eq!(
            cells(&t, 0)[6..],
            [
                "12, rue de la Paix",
                "75002",
                "Paris",
                "France",
                "vip, salon 2026",
                "Deux lignes\nsecond; fin"
            ]
        );
        assert_eq!(cells(&t, 1)[3], "+33-6-11-22-33-44");
        assert_eq!(
            cells(&t, 1)[5],
            "Directeur commercial de la société des vins du Rhône et de Provence"
        );
    }

    #[test]
    fn what_is_written_reads_back() {
        let cols = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "organization",
            "street",
            "city",
            "tags",
            "notes",
        ];
        let text = |s: &str| Cell::text(s);
        let mut w = VcardExport::new(&cols);
        w.push(&[vec![
            text("0191a000-0000-7000-8000-000000000001"),
            text("Anaïs"),
            text("Le Gall; Bréhat"),
            text("anais@exemple.fr, a.perso@exemple.fr"),
            text("+33612345678"),
            text("Atelier Lumière, SARL"),
            text("12, rue de la Paix"),
            text("Paris"),
            text("vip, salon 2026"),
            text("Rappeler lundi\nurgent — une note assez longue pour être pliée sur plusieurs lignes"),
        ]]);
        let bytes = w.take();
        let s = String::from_utf8(bytes.clone()).unwrap();
        assert!(s.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"), "{s}");
        assert!(s.lines().all(|l| l.len() <= 75), "{s}");
        let t = read_vcards(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            cells(&t, 0),
            [
                "Anaïs",
                "Le Gall; Bréhat",
                "anais@exemple.fr, a.perso@exemple.fr",
                "+33612345678",
                "Atelier Lumière, SARL",
                "",
                "12, rue de la Paix",
                "",
                "Paris",
                "",
                "vip, salon 2026",
                "Rappeler lundi\nurgent — une note assez longue pour être pliée sur plusieurs lignes"
            ]
        );
    }
}
