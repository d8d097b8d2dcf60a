//! Translations of user-facing messages (French first, English second), read from
//! `i18n/*.toml` compiled into the binary, and the choice of language from
//! `Accept-Language`.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// French (default).
    #[default]
    Fr,
    /// English.
    En,
}

type Catalog = HashMap<String, HashMap<String, String>>;

fn parse(text: &str) -> Catalog {
    toml::from_str::<Catalog>(text).unwrap_or_default()
}

static FR: LazyLock<Catalog> = LazyLock::new(|| parse(include_str!("../i18n/fr.toml")));
static EN: LazyLock<Catalog> = LazyLock::new(|| parse(include_str!("../i18n/en.toml")));

impl Lang {
    /// The best language for an `Accept-Language` header: the first supported one by
    /// preference weight, French when none is.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(h) = header else { return Self::Fr };
        let mut best: Option<(f32, Lang)> = None;
        for part in h.split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok()))
                .unwrap_or(1.0);
            let lang = if tag == "fr" || tag.starts_with("fr-") {
                Lang::Fr
            } else if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Self::Fr, |(_, l)| l)
    }

    /// ISO code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    /// The keys of a section (the same in every language).
    pub fn keys(self, section: &str) -> Vec<String> {
        FR.get(section).map(|s| s.keys().cloned().collect()).unwrap_or_default()
    }

    /// The message `section.key` in this language (French, then the key, as fallbacks).
    pub fn t(self, section: &str, key: &str) -> String {
        let cat = match self {
            Self::Fr => &*FR,
            Self::En => &*EN,
        };
        cat.get(section)
            .and_then(|s| s.get(key))
            .or_else(|| FR.get(section).and_then(|s| s.get(key)))
            .cloned()
            .unwrap_or_else(|| format!("{section}.{key}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        assert_eq!(Lang::from_accept_language(None), Lang::Fr);
        assert_eq!(Lang::from_accept_language(Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("de-DE, en;q=0.5, fr;q=0.8")), Lang::Fr);
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::Fr);
        assert_eq!(Lang::from_accept_language(Some("*")), Lang::Fr);
    }

    #[test]
    fn catalogs_have_the_same_keys() {
        assert!(!FR.is_empty() && !EN.is_empty(), "catalogs must parse");
        for (section, keys) in FR.iter() {
            for k in keys.keys() {
                assert!(EN.get(section).is_some_and(|s| s.contains_key(k)), "en.toml lacks {section}.{k}");
            }
        }
        for (section, keys) in EN.iter() {
            for k in keys.keys() {
                assert!(FR.get(section).is_some_and(|s| s.contains_key(k)), "fr.toml lacks {section}.{k}");
            }
        }
        assert_eq!(Lang::En.t("problem", "not_found"), "Resource not found");
        assert_eq!(Lang::Fr.t("violation", "required"), "Champ obligatoire");
    }
}
