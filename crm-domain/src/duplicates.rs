//! Duplicate matching: same normalised email, same normalised phone, or a similar name
//! (after folding: same last name and a first name that is equal, shares the initial, or is
//! one edit away; swapped first and last names count).

use crate::email::EmailAddress;
use crate::phone::PhoneNumber;
use crate::text::fold;
use serde::{Deserialize, Serialize};

/// Why two contacts look like the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// An email in common.
    SameEmail,
    /// A phone number in common.
    SamePhone,
    /// Similar names.
    SimilarName,
}

/// What is compared of a contact.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    /// First name as entered.
    pub first_name: &'a str,
    /// Last name as entered.
    pub last_name: &'a str,
    /// Emails.
    pub emails: &'a [EmailAddress],
    /// Phones.
    pub phones: &'a [PhoneNumber],
}

fn first_names_close(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a == b || a.chars().next() == b.chars().next() || strsim::levenshtein(a, b) <= 1
}

/// Whether two names are similar: folded last names equal and first names close, directly
/// or with first and last swapped.
pub fn names_similar(first_a: &str, last_a: &str, first_b: &str, last_b: &str) -> bool {
    let (fa, la, fb, lb) = (fold(first_a), fold(last_a), fold(first_b), fold(last_b));
    (!la.is_empty() && la == lb && first_names_close(&fa, &fb))
        || (!la.is_empty() && la == fb && first_names_close(&fa, &lb))
        || (!lb.is_empty() && lb == fa && first_names_close(&fb, &la))
}

/// Every reason two identities match, sorted; empty when they do not.
pub fn match_reasons(a: &Identity<'_>, b: &Identity<'_>) -> Vec<MatchReason> {
    let mut out = Vec::new();
    if a.emails.iter().any(|e| b.emails.contains(e)) {
        out.push(MatchReason::SameEmail);
    }
    if a.phones.iter().any(|p| b.phones.contains(p)) {
        out.push(MatchReason::SamePhone);
    }
    if names_similar(a.first_name, a.last_name, b.first_name, b.last_name) {
        out.push(MatchReason::SimilarName);
    }
    out
}

/// The folded name keys a store indexes to find name candidates: a contact is a name
/// candidate of another only if one of these equals the other's folded last name.
pub fn name_keys(first_name: &str, last_name: &str) -> (String, String) {
    (fold(first_name), fold(last_name))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::tenant::CountryCode;
    use proptest::prelude::*;

    #[test]
    fn names() {
        assert!(names_similar("Hélène", "Dupont", "helene", "DUPONT"));
        assert!(names_similar("Hélène", "Dupont", "H.", "Dupont"));
        assert!(names_similar("Jean", "Dupont", "Jena", "Dupont"));
        assert!(names_similar("Marc", "Dupont", "Mark", "Dupont"));
        assert!(names_similar("Bruno", "Dupont", "Brno", "Dupont"));
        assert!(names_similar("Dupont", "Hélène", "Hélène", "Dupont"));
        assert!(!names_similar("Hélène", "Dupont", "Sophie", "Dupont"));
        assert!(!names_similar("Hélène", "Dupont", "Hélène", "Durand"));
    }

    #[test]
    fn reasons() {
        let e1 = [EmailAddress::parse("a@exemple.fr").unwrap()];
        let e2 = [EmailAddress::parse("A@Exemple.fr").unwrap()];
        let p1 = [PhoneNumber::parse("06 12 34 56 78", CountryCode::FR).unwrap()];
        let p2 = [PhoneNumber::parse("+33612345678", CountryCode::FR).unwrap()];
        let a = Identity {
            first_name: "Anne",
            last_name: "Martin",
            emails: &e1,
            phones: &p1,
        };
        let b = Identity {
            first_name: "Zoé",
            last_name: "Bernard",
            emails: &e2,
            phones: &p2,
        };
        assert_eq!(match_reasons(&a, &b), [MatchReason::SameEmail, MatchReason::SamePhone]);
        let c = Identity {
            first_name: "Zoé",
            last_name: "Bernard",
            emails: &[],
            phones: &[],
        };
        assert!(match_reasons(&a, &c).is_empty());
    }

    proptest! {
        #[test]
        fn similarity_is_symmetric(a in "[a-zé]{1,8}", b in "[a-zé]{1,8}", c in "[a-zé]{1,8}", d in "[a-zé]{1,8}") {
            prop_assert_eq!(names_similar(&a, &b, &c, &d), names_similar(&c, &d, &a, &b));
        }

        #[test]
        fn accents_and_case_never_matter(f in "[a-z]{2,8}", l in "[a-z]{2,8}") {
            let up = f.to_uppercase();
            prop_assert!(names_similar(&f, &l, &up, &l.to_uppercase()));
        }
    }
}
