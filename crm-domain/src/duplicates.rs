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
    /// Similar names in two organizations with the same web domain (two records of one
    /// company).
    SameOrganizationDomain,
}

impl MatchReason {
    const ALL: [Self; 4] = [Self::SameEmail, Self::SamePhone, Self::SimilarName, Self::SameOrganizationDomain];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::SameEmail => "same_email",
            Self::SamePhone => "same_phone",
            Self::SimilarName => "similar_name",
            Self::SameOrganizationDomain => "same_organization_domain",
        }
    }

    /// From [`MatchReason::code`].
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
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

/// A contact as a duplicate scan sees it: folded names, the key of its organization (its
/// web domain when it has one, else its id) and its blind indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanEntry {
    /// Contact id.
    pub id: uuid::Uuid,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Organization id.
    pub organization_id: Option<uuid::Uuid>,
    /// Organization web domain.
    pub organization_domain: Option<String>,
    /// Blind indexes of its emails and phones, with the reason a shared one gives.
    pub hashes: Vec<(MatchReason, Vec<u8>)>,
}

/// Likely duplicates found by a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundGroup {
    /// Members, sorted.
    pub members: Vec<uuid::Uuid>,
    /// Why, sorted.
    pub reasons: Vec<MatchReason>,
}

impl FoundGroup {
    /// A stable key of the member set (a dismissed group is not proposed again).
    pub fn key(&self) -> String {
        self.members.iter().map(uuid::Uuid::to_string).collect::<Vec<_>>().join(",")
    }
}

/// Most contacts compared pairwise under one organization key.
pub const MAX_COMPARED_PER_ORGANIZATION: usize = 2_000;

/// Groups likely duplicates: contacts sharing an email or phone blind index, and contacts
/// with similar names under one organization (or two organizations with the same web
/// domain). Groups are the connected sets of those links.
pub fn group_duplicates(entries: &[ScanEntry]) -> Vec<FoundGroup> {
    use std::collections::{BTreeSet, HashMap};
    let mut parent: Vec<usize> = (0..entries.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut edges: Vec<(usize, usize, MatchReason)> = Vec::new();
    let mut by_hash: HashMap<&[u8], Vec<(usize, MatchReason)>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        for (reason, h) in &e.hashes {
            by_hash.entry(h.as_slice()).or_default().push((i, *reason));
        }
    }
    for list in by_hash.values() {
        for w in list.windows(2) {
            if w[0].0 != w[1].0 {
                edges.push((w[0].0, w[1].0, w[1].1));
            }
        }
    }
    let mut by_org: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let key = match (&e.organization_domain, e.organization_id) {
            (Some(d), _) => format!("d:{}", d.to_lowercase()),
            (None, Some(o)) => format!("o:{o}"),
            (None, None) => continue,
        };
        by_org.entry(key).or_default().push(i);
    }
    for members in by_org.values() {
        let members = &members[..members.len().min(MAX_COMPARED_PER_ORGANIZATION)];
        for (k, &a) in members.iter().enumerate() {
            for &b in &members[k + 1..] {
                let (x, y) = (&entries[a], &entries[b]);
                if names_similar(&x.first_name, &x.last_name, &y.first_name, &y.last_name) {
                    let reason = if x.organization_id == y.organization_id {
                        MatchReason::SimilarName
                    } else {
                        MatchReason::SameOrganizationDomain
                    };
                    edges.push((a, b, reason));
                }
            }
        }
    }
    for &(a, b, _) in &edges {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            parent[ra] = rb;
        }
    }
    let mut groups: HashMap<usize, (BTreeSet<uuid::Uuid>, BTreeSet<MatchReason>)> = HashMap::new();
    for &(a, b, reason) in &edges {
        let r = root(&mut parent, a);
        let g = groups.entry(r).or_default();
        g.0.insert(entries[a].id);
        g.0.insert(entries[b].id);
        g.1.insert(reason);
    }
    let mut out: Vec<FoundGroup> = groups
        .into_values()
        .map(|(m, r)| FoundGroup {
            members: m.into_iter().collect(),
            reasons: r.into_iter().collect(),
        })
        .collect();
    out.sort_by(|a, b| a.members.cmp(&b.members));
    out
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

    #[test]
    fn scan_groups_connected_duplicates() {
        let id = |n: u128| uuid::Uuid::from_u128(n);
        let entry =
            |n: u128, first: &str, last: &str, org: Option<u128>, domain: Option<&str>, hashes: Vec<(MatchReason, Vec<u8>)>| ScanEntry {
                id: id(n),
                first_name: first.into(),
                last_name: last.into(),
                organization_id: org.map(id),
                organization_domain: domain.map(Into::into),
                hashes,
            };
        let entries = vec![
            entry(1, "Hélène", "Dupont", Some(100), None, vec![(MatchReason::SameEmail, vec![1])]),
            entry(2, "Helene", "DUPONT", Some(100), None, vec![]),
            entry(3, "Marc", "Petit", None, None, vec![(MatchReason::SameEmail, vec![1])]),
            entry(4, "Jean", "Martin", Some(200), Some("acme.fr"), vec![]),
            entry(5, "Jan", "Martin", Some(201), Some("ACME.fr"), vec![]),
            entry(6, "Jean", "Martin", Some(300), None, vec![]),
            entry(7, "Zoé", "Blanc", None, None, vec![(MatchReason::SamePhone, vec![9])]),
            entry(8, "Zoe", "Noir", None, None, vec![(MatchReason::SamePhone, vec![9])]),
            entry(9, "Paul", "Seul", None, None, vec![(MatchReason::SamePhone, vec![5])]),
        ];
        let groups = group_duplicates(&entries);
        assert_eq!(
            groups,
            vec![
                FoundGroup {
                    members: vec![id(1), id(2), id(3)],
                    reasons: vec![MatchReason::SameEmail, MatchReason::SimilarName],
                },
                FoundGroup {
                    members: vec![id(4), id(5)],
                    reasons: vec![MatchReason::SameOrganizationDomain],
                },
                FoundGroup {
                    members: vec![id(7), id(8)],
                    reasons: vec![MatchReason::SamePhone],
                },
            ],
            "a similar name in another organization (6) is not enough"
        );
        assert_eq!(groups[1].key(), format!("{},{}", id(4), id(5)));
    }
}
