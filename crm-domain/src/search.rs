//! How text is cut into search words, and which exact-match tokens emails and phone numbers
//! give. Words are folded (accents, case and ligatures removed) so that "helene" finds
//! "Hélène"; hyphenated and compound names give one word per part. Email and phone tokens
//! are personal data: adapters only ever receive them hashed with a tenant key.

use crate::email::EmailAddress;
use crate::phone::{PhoneNumber, national_start};
use crate::text::fold;

/// Words at least this long (in characters) also match with one typo.
pub const MIN_FUZZY_CHARS: usize = 5;
/// Shortest leading or trailing run of a phone number that finds it.
pub const MIN_DIGIT_RUN: usize = 4;
/// Most terms of a query that are used (the rest is ignored).
pub const MAX_QUERY_TERMS: usize = 8;

/// A word of a text: its byte range in the text and its folded form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordSpan {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
    /// Folded form.
    pub folded: String,
}

fn fold_word(word: &str) -> String {
    // ASCII letters and digits fold to themselves lower-cased (most words of French
    // names and companies): no decomposition to make.
    if word.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return word.to_ascii_lowercase();
    }
    fold_word_unicode(word)
}

fn fold_word_unicode(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in fold(word).chars() {
        match c {
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            c if c.is_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

/// The words of a text with their places: runs of letters and digits; anything else
/// (spaces, hyphens, apostrophes, dots) separates words.
pub fn word_spans(text: &str) -> Vec<WordSpan> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                push_word(&mut spans, text, s, i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push_word(&mut spans, text, s, text.len());
    }
    spans
}

fn push_word(spans: &mut Vec<WordSpan>, text: &str, start: usize, end: usize) {
    let folded = fold_word(&text[start..end]);
    if !folded.is_empty() {
        spans.push(WordSpan { start, end, folded });
    }
}

/// The folded words of a text.
pub fn words(text: &str) -> Vec<String> {
    word_spans(text).into_iter().map(|w| w.folded).collect()
}

/// Whether a folded query word matches a folded document word: equal, a prefix of it, or
/// (for words of [`MIN_FUZZY_CHARS`] or more) one edit away.
pub fn word_matches(query: &str, word: &str) -> bool {
    if word.starts_with(query) {
        return true;
    }
    let n = query.chars().count();
    // One edit changes the length by one at most (checked first: the distance allocates).
    n >= MIN_FUZZY_CHARS && n.abs_diff(word.chars().count()) <= 1 && strsim::osa_distance(query, word) <= 1
}

/// Exact-match tokens of an email address: the whole address, its local part and its
/// domain, lower-cased.
pub fn email_tokens(email: &EmailAddress) -> Vec<String> {
    let whole = email.as_str().to_lowercase();
    let mut out = vec![whole.clone()];
    if let Some((local, domain)) = whole.rsplit_once('@') {
        out.push(local.to_owned());
        out.push(domain.to_owned());
    }
    out.dedup();
    out
}

/// Exact-match tokens of a phone number: the whole number in international digits
/// ("33612345678"), and every leading and trailing run of [`MIN_DIGIT_RUN`] digits or more
/// of its national digits ("0612", …, "0612345678"; "5678", …, "612345678"). The start of
/// an international number is looked up through its national form ([`national_start`]:
/// "+33 6 12" as "0612"), so the leading runs of the international digits are tokens only
/// when the national form is not that (no national prefix, as in Spain, or written
/// otherwise, as in North America), or not known: a third fewer terms in the index for
/// French numbers.
pub fn phone_tokens(phone: &PhoneNumber) -> Vec<String> {
    let international = phone.as_str().trim_start_matches('+');
    let national = phone.national_digits();
    let mut out = vec![international.to_owned()];
    if national.is_none() || national_start(international) != national {
        out.extend((MIN_DIGIT_RUN..international.len()).map(|n| international[..n].to_owned()));
    }
    let form = national.as_deref().unwrap_or(international);
    for n in MIN_DIGIT_RUN..=form.len() {
        out.push(form[..n].to_owned());
        out.push(form[form.len() - n..].to_owned());
    }
    out.sort();
    out.dedup();
    out
}

/// One term of a query: every term must match a record. A term matches through its words
/// (all of them, each exactly, as a prefix or with a typo) or, exactly, through an email or
/// phone token.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryTerm {
    /// Folded words; empty for a number.
    pub words: Vec<String>,
    /// Probe for an email token (whole address, local part or domain).
    pub email_probe: Option<String>,
    /// Probes for a phone token (digits only): the digits typed and, for the start of an
    /// international number ("+33 6 12", "0033 6 12"), its national form ("0612").
    pub phone_probes: Vec<String>,
}

fn phone_like(token: &str) -> bool {
    token.chars().any(|c| c.is_ascii_digit()) && token.chars().all(|c| c.is_ascii_digit() || "+.-()/".contains(c))
}

/// Cuts a query into terms. Runs of number-like pieces ("06 12 34 56 78") are read as one
/// phone probe; "0033…" is read as "+33…".
pub fn parse_query(query: &str) -> Vec<QueryTerm> {
    let mut merged: Vec<String> = Vec::new();
    let mut in_number = false;
    for token in query.split_whitespace() {
        let number = phone_like(token);
        match merged.last_mut() {
            Some(last) if number && in_number => last.push_str(token),
            _ => merged.push(token.to_owned()),
        }
        in_number = number;
    }
    merged
        .into_iter()
        .filter_map(|token| {
            let term = if phone_like(&token) {
                let digits: String = token.chars().filter(char::is_ascii_digit).collect();
                let (digits, international) = match digits.strip_prefix("00") {
                    Some(rest) if token.starts_with("00") => (rest.to_owned(), true),
                    _ => (digits, token.starts_with('+')),
                };
                let mut phone_probes = vec![digits];
                if international {
                    phone_probes.extend(national_start(&phone_probes[0]).filter(|n| *n != phone_probes[0]));
                }
                phone_probes.retain(|p| p.len() >= MIN_DIGIT_RUN);
                QueryTerm {
                    words: Vec::new(),
                    email_probe: None,
                    phone_probes,
                }
            } else {
                let probe = token.to_lowercase().trim_matches('@').to_owned();
                QueryTerm {
                    words: words(&token),
                    email_probe: (!probe.is_empty()).then_some(probe),
                    phone_probes: Vec::new(),
                }
            };
            (!term.words.is_empty() || term.email_probe.is_some() || !term.phone_probes.is_empty()).then_some(term)
        })
        .take(MAX_QUERY_TERMS)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_split() {
        assert_eq!(words("Hélène DUPONT-Lefèvre"), ["helene", "dupont", "lefevre"]);
        assert_eq!(words("d'Artagnan  Le Goff"), ["d", "artagnan", "le", "goff"]);
        assert_eq!(words("Cœur & Æther, Straße"), ["coeur", "aether", "strasse"]);
        assert!(words(" -- ").is_empty());
    }

    #[test]
    fn an_ascii_word_folds_as_the_unicode_path_folds_it() {
        for w in ["Dupont", "MARTIN", "x42", "0612", "a", "LeGoff2000", "ZZ", "anne"] {
            assert_eq!(fold_word(w), fold_word_unicode(w), "{w}");
        }
        assert_eq!(fold_word("Lefèvre"), "lefevre", "the other path");
    }

    #[test]
    fn spans_point_into_the_original() {
        let text = "Élise Müller-Roß";
        let spans = word_spans(text);
        let parts: Vec<&str> = spans.iter().map(|s| &text[s.start..s.end]).collect();
        assert_eq!(parts, ["Élise", "Müller", "Roß"]);
        assert_eq!(spans[2].folded, "ross");
    }

    #[test]
    fn prefix_and_one_typo_on_long_words() {
        assert!(word_matches("hel", "helene"));
        assert!(word_matches("dupond", "dupont"));
        assert!(word_matches("dupnot", "dupont"), "a transposition is one edit");
        assert!(!word_matches("dupo", "dumont"), "short words need the exact prefix");
        assert!(!word_matches("martn", "morton"));
        assert!(!word_matches("bert", "bart"));
    }

    #[test]
    fn email_and_phone_tokens() {
        let e = EmailAddress::parse("Marie.Dupont@Acme.fr").unwrap();
        assert_eq!(email_tokens(&e), ["marie.dupont@acme.fr", "marie.dupont", "acme.fr"]);
        let p = PhoneNumber::from_e164("+33612345678").unwrap();
        let t = phone_tokens(&p);
        for expected in ["33612345678", "0612345678", "0612", "5678", "345678", "612345678"] {
            assert!(t.contains(&expected.to_owned()), "{expected}");
        }
        assert!(!t.contains(&"061".to_owned()));
        assert!(!t.contains(&"1234".to_owned()), "inner runs are not tokens");
        assert!(
            !t.contains(&"3361".to_owned()),
            "the international start is found through the national one"
        );
        assert!(!t.contains(&"3612345678".to_owned()));
        assert_eq!(t.len(), 14, "{t:?}");
        // Where the national form is not the national prefix and the rest, the
        // international starts stay tokens.
        let us = phone_tokens(&PhoneNumber::from_e164("+12015550123").unwrap());
        for expected in ["1201", "1201555", "12015550123", "2015", "0123"] {
            assert!(us.contains(&expected.to_owned()), "{expected}: {us:?}");
        }
        let es = phone_tokens(&PhoneNumber::from_e164("+34612345678").unwrap());
        assert!(es.contains(&"34612".to_owned()) && es.contains(&"6123".to_owned()), "{es:?}");
    }

    #[test]
    fn queries() {
        let q = parse_query("hél dupont-lef");
        assert_eq!(q.len(), 2);
        assert_eq!(q[1].words, ["dupont", "lef"]);
        let q = parse_query("martin 06 12 34 56 78");
        assert_eq!(q.len(), 2);
        assert_eq!(q[1].phone_probes, ["0612345678"]);
        assert!(q[1].words.is_empty());
        assert_eq!(parse_query("0033 6 12")[0].phone_probes, ["33612", "0612"]);
        assert_eq!(parse_query("+33 6 12 34")[0].phone_probes, ["3361234", "061234"]);
        assert_eq!(parse_query("+1 201 555")[0].phone_probes, ["1201555"]);
        assert_eq!(parse_query("+34 612 34")[0].phone_probes, ["3461234"]);
        assert_eq!(parse_query("33 6 12")[0].phone_probes, ["33612"], "no '+': digits as typed");
        assert!(parse_query("06").is_empty(), "too short to find a number");
        assert_eq!(parse_query("@Acme.fr")[0].email_probe.as_deref(), Some("acme.fr"));
        assert!(parse_query("   ").is_empty());
        assert_eq!(parse_query(&"a ".repeat(50)).len(), MAX_QUERY_TERMS);
    }
}
