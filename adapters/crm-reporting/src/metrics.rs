//! Text widths in Helvetica (the PDF's built-in font, whose metrics the reader already
//! has): the advance widths of Adobe's Helvetica and Helvetica-Bold font metrics, in
//! thousandths of the font size, for the characters our reports write; an accented letter
//! is as wide as its base letter. Used to align figures right and to cut long labels.

/// Helvetica widths of ASCII 32..=126.
const REGULAR: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];

/// Helvetica-Bold widths of ASCII 32..=126.
const BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, //
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, //
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, //
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, //
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, //
];

/// The ASCII letter an accented one is drawn like, for its width.
fn base(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
        'À' | 'Â' | 'Ä' | 'Á' => 'A',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'î' | 'ï' | 'í' | 'ì' => 'i',
        'Î' | 'Ï' => 'I',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
        'Ô' | 'Ö' => 'O',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'Ù' | 'Û' | 'Ü' => 'U',
        'ç' => 'c',
        'Ç' => 'C',
        'ÿ' => 'y',
        '\u{a0}' | '\u{202f}' => ' ',
        '«' | '»' | '€' => '0',
        other => other,
    }
}

/// The width of `text` at `size` points, in points.
pub fn width(text: &str, size: f32, bold: bool) -> f32 {
    let table = if bold { &BOLD } else { &REGULAR };
    let units: u32 = text
        .chars()
        .map(|c| match c {
            '—' => 1000,
            'œ' => 944,
            'Œ' => 1000,
            '’' => 222,
            c => {
                let b = base(c) as u32;
                if (32..=126).contains(&b) {
                    u32::from(table[(b - 32) as usize])
                } else {
                    556
                }
            }
        })
        .sum();
    #[allow(clippy::cast_precision_loss)] // a few thousand units at most
    let w = units as f32;
    w * size / 1000.0
}

/// `text` cut to fit `max` points (an ellipsis marks the cut).
pub fn fit(text: &str, size: f32, bold: bool, max: f32) -> String {
    if width(text, size, bold) <= max {
        return text.to_owned();
    }
    let mut out: String = String::new();
    for c in text.chars() {
        let mut next = out.clone();
        next.push(c);
        next.push('…');
        if width(&next, size, bold) > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// `text` in at most `lines` lines of at most `max` points each, cut between words (the
/// last line takes the rest, cut with an ellipsis when it still does not fit).
pub fn wrap(text: &str, size: f32, bold: bool, max: f32, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match out.last_mut() {
            Some(last) if width(&format!("{last} {word}"), size, bold) <= max => {
                last.push(' ');
                last.push_str(word);
            }
            _ => out.push(word.to_owned()),
        }
    }
    let lines = lines.max(1);
    if out.len() > lines {
        let rest = out.split_off(lines - 1).join(" ");
        out.push(rest);
    }
    out.into_iter().map(|l| fit(&l, size, bold, max)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_headings_wrap_between_words() {
        let two = wrap("Nouveaux prospects", 8.5, true, 50.0, 2);
        assert_eq!(two, vec!["Nouveaux".to_owned(), "prospects".to_owned()]);
        assert_eq!(wrap("Appels", 8.5, true, 50.0, 2), vec!["Appels".to_owned()]);
        // More words than lines: the last line takes the rest, cut.
        let cut = wrap("Tâches en retard depuis longtemps", 8.5, true, 50.0, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'), "{cut:?}");
        assert!(cut.iter().all(|l| width(l, 8.5, true) <= 50.0), "{cut:?}");
    }

    #[test]
    fn widths_add_up_and_long_labels_are_cut() {
        // "Hi": 722 + 222 thousandths of 10 pt.
        assert!((width("Hi", 10.0, false) - 9.44).abs() < 1e-3);
        assert!(width("é", 10.0, false) == width("e", 10.0, false));
        let cut = fit("Une étape au nom beaucoup trop long pour sa colonne", 10.0, false, 60.0);
        assert!(cut.ends_with('…') && width(&cut, 10.0, false) <= 60.0, "{cut}");
        assert_eq!(fit("Court", 10.0, false, 60.0), "Court");
    }
}
