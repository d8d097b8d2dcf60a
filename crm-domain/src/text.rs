//! Text value objects (names, labels, long text) and the accent/case folding shared by
//! duplicate matching and sort keys.

use crate::error::{ValidationError, ViolationKind};
use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text for comparison: NFKD, combining marks removed, lower case, inner whitespace
/// collapsed. "  Hélène  DUPONT-Lefèvre " becomes "helene dupont-lefevre".
pub fn fold(text: &str) -> String {
    let stripped: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn bounded(raw: &str, max_chars: usize, required: bool) -> Result<Option<String>, ValidationError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return if required {
            Err(ValidationError::field("", ViolationKind::Required))
        } else {
            Ok(None)
        };
    }
    if trimmed.chars().count() > max_chars {
        return Err(ValidationError::field("", ViolationKind::TooLong));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(ValidationError::field("", ViolationKind::Malformed));
    }
    Ok(Some(trimmed.to_owned()))
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// A value read back from the store, which only ever holds what
            /// [`Self::parse`] accepted: taken as it is, not checked again (lists spent a
            /// tenth of their time re-checking what they had checked on the way in). Never
            /// for outside input.
            pub fn from_stored(value: String) -> Self {
                Self(value)
            }

            /// Trims and checks the value: not blank, at most `MAX_CHARS` characters, no
            /// control characters.
            ///
            /// # Errors
            /// `required`, `too_long` or `malformed` on the empty field path.
            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                match bounded(raw, $max, true)? {
                    Some(s) => Ok(Self(s)),
                    None => Err(ValidationError::field("", ViolationKind::Required)),
                }
            }

            /// Like [`Self::parse`] but a blank value gives `None`.
            ///
            /// # Errors
            /// `too_long` or `malformed`.
            pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>, ValidationError> {
                match raw {
                    None => Ok(None),
                    Some(r) => Ok(bounded(r, $max, false)?.map(Self)),
                }
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

text_type!(
    /// A person's or company's name part: 1 to 200 characters.
    Name,
    200
);
text_type!(
    /// A short label (job title, city, source, tag, stage name...): 1 to 200 characters.
    Label,
    200
);
text_type!(
    /// Free text (notes, loss reason): 1 to 10,000 characters.
    LongText,
    10_000
);
text_type!(
    /// The id of a record in another system (a file's or an integration's key, unique in
    /// its company): 1 to 100 characters.
    ExternalId,
    100
);

/// A tag: a label folded to lower case for stable filtering ("VIP" and "vip" are one tag).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    /// Longest accepted tag, in characters.
    pub const MAX_CHARS: usize = 50;

    /// A tag read back from the store, which only ever holds what [`Self::parse`]
    /// accepted: taken as it is. Never for outside input.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    /// Trims, lower-cases and checks a tag.
    ///
    /// # Errors
    /// `required`, `too_long` or `malformed`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match bounded(raw, Self::MAX_CHARS, true)? {
            Some(s) => Ok(Self(s.to_lowercase())),
            None => Err(ValidationError::field("", ViolationKind::Required)),
        }
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl TryFrom<String> for Tag {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Tag> for String {
    fn from(v: Tag) -> String {
        v.0
    }
}

/// Sort key for a person: folded last name, then folded first name, so that "Émile Zola"
/// sorts under "z". Computed here so every backend sorts alike (byte order).
pub fn person_sort_key(first: &Name, last: &Name) -> String {
    format!("{}\u{1}{}", fold(last.as_str()), fold(first.as_str()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fold_strips_accents_case_and_spaces() {
        assert_eq!(fold("  Hélène   DUPONT-Lefèvre "), "helene dupont-lefevre");
        assert_eq!(fold("FIlou"), "filou");
        assert_eq!(fold("ÇA"), "ca");
    }

    #[test]
    fn name_rules() {
        assert_eq!(Name::parse("  Zoé ").map(|n| n.0).ok(), Some("Zoé".to_owned()));
        assert_eq!(Name::parse("   ").map_err(|e| e.errors()[0].kind), Err(ViolationKind::Required));
        let long = "a".repeat(10_000);
        assert_eq!(Name::parse(&long).map_err(|e| e.errors()[0].kind), Err(ViolationKind::TooLong));
        assert_eq!(
            Name::parse("a\u{0}b").map_err(|e| e.errors()[0].kind),
            Err(ViolationKind::Malformed)
        );
        assert!(Name::parse(&"é".repeat(200)).is_ok());
    }

    #[test]
    fn tags_are_lower_case() {
        assert_eq!(Tag::parse(" VIP ").map(|t| t.0).ok(), Some("vip".to_owned()));
    }

    #[test]
    fn sort_key_orders_by_last_then_first() {
        let k = |f: &str, l: &str| person_sort_key(&Name::parse(f).unwrap(), &Name::parse(l).unwrap());
        assert!(k("Émile", "Zola") > k("Zoé", "Ábel"));
        assert!(k("Anne", "Martin") < k("Bruno", "Martin"));
    }
}
