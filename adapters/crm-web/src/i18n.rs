//! The interface's texts: `i18n/{fr,en}.toml` compiled into the binary, flattened to
//! `section.key`. French by default; English when the browser prefers it.

use std::collections::HashMap;
use std::sync::LazyLock;

type Catalog = HashMap<String, String>;

fn parse(text: &str) -> Catalog {
    let mut out = Catalog::new();
    if let Ok(sections) = toml::from_str::<toml::Table>(text) {
        for (section, keys) in sections {
            if let toml::Value::Table(keys) = keys {
                for (k, v) in keys {
                    if let toml::Value::String(s) = v {
                        out.insert(format!("{section}.{k}"), s);
                    }
                }
            }
        }
    }
    out
}

static FR: LazyLock<Catalog> = LazyLock::new(|| parse(include_str!("../i18n/fr.toml")));
static EN: LazyLock<Catalog> = LazyLock::new(|| parse(include_str!("../i18n/en.toml")));

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// French (default).
    Fr,
    /// English.
    En,
}

impl Lang {
    /// The language of a request: the person's choice (the language cookie), else their
    /// browser's.
    pub fn of_request(req: &poem::Request) -> Self {
        match crate::session::cookie(req, crate::session::LANG_COOKIE) {
            Some("en") => Self::En,
            Some("fr") => Self::Fr,
            _ => Self::from_accept_language(req.header("accept-language")),
        }
    }

    /// From `Accept-Language`: English only when preferred over French.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(h) = header else { return Self::Fr };
        for part in h.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if tag.starts_with("fr") {
                return Self::Fr;
            }
            if tag.starts_with("en") {
                return Self::En;
            }
        }
        Self::Fr
    }

    /// The `lang` attribute.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    fn catalog(self) -> &'static Catalog {
        match self {
            Self::Fr => &FR,
            Self::En => &EN,
        }
    }

    /// The text of `key` (`section.key`); the key itself when missing (a test keeps every
    /// key of the templates in both catalogs).
    pub fn t(self, key: &str) -> String {
        self.catalog().get(key).cloned().unwrap_or_else(|| key.to_owned())
    }

    /// A date as people write it: `3 mars 2026` / `3 March 2026`.
    pub fn date(self, d: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        format!("{} {} {}", d.day(), self.t(&format!("month.{}", d.month())), d.year())
    }

    /// An amount in minor units (cents), as people write it: `1 234,50 €` / `€1,234.50`;
    /// whole amounts without their cents (`12 500 €`). Other currencies keep their code
    /// (`1 234 CHF`).
    pub fn money(self, minor: i128, currency: &str) -> String {
        crm_domain::money::written(
            minor,
            currency,
            match self {
                Self::Fr => crm_domain::tenant::Language::Fr,
                Self::En => crm_domain::tenant::Language::En,
            },
        )
    }

    /// A day of the week and date: `lundi 3 mars` (the year when not `this_year`).
    pub fn day(self, d: chrono::NaiveDate, this_year: i32) -> String {
        use chrono::Datelike;
        let weekday = self.t(&format!("weekday.{}", d.weekday().num_days_from_monday()));
        let mut out = format!("{weekday} {} {}", d.day(), self.t(&format!("month.{}", d.month())));
        if d.year() != this_year {
            out.push_str(&format!(" {}", d.year()));
        }
        out
    }

    /// A date and time in a time zone: `3 mars 2026, 14:05`.
    pub fn date_time(self, at: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
        let local = at.with_timezone(&tz);
        format!("{}, {}", self.date(local.date_naive()), local.format("%H:%M"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_have_the_same_keys() {
        assert!(FR.len() > 50, "the French catalog parses");
        for k in FR.keys() {
            assert!(EN.contains_key(k), "en.toml lacks {k}");
        }
        for k in EN.keys() {
            assert!(FR.contains_key(k), "fr.toml lacks {k}");
        }
    }

    #[test]
    fn every_key_a_template_uses_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for piece in text.split(".t(\"").skip(1) {
                let key = piece.split('"').next().unwrap();
                if !FR.contains_key(key) {
                    missing.push(key.to_owned());
                }
            }
        }
        assert!(missing.is_empty(), "keys used by templates but missing: {missing:?}");
    }

    #[test]
    fn every_code_of_the_customer_cycle_has_a_label() {
        use crm_domain::contact::ContactKind;
        use crm_domain::lead::{BUILT_IN_REASONS, LeadStatus};
        for k in [
            ContactKind::Prospect,
            ContactKind::Client,
            ContactKind::Partner,
            ContactKind::FormerClient,
        ] {
            assert!(FR.contains_key(&format!("contact_kind.{}", k.code())), "{}", k.code());
        }
        for s in LeadStatus::ALL {
            assert!(FR.contains_key(&format!("lead_status.{}", s.code())), "{}", s.code());
        }
        for r in BUILT_IN_REASONS {
            assert!(FR.contains_key(&format!("lead_reason.{r}")), "{r}");
        }
    }

    #[test]
    fn languages_and_dates() {
        assert_eq!(Lang::from_accept_language(Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("fr-FR,en;q=0.5")), Lang::Fr);
        assert_eq!(Lang::from_accept_language(None), Lang::Fr);
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        assert_eq!(Lang::Fr.date(d), "3 mars 2026");
        assert_eq!(Lang::En.date(d), "3 March 2026");
        assert_eq!(Lang::Fr.day(d, 2026), "mardi 3 mars");
        assert_eq!(Lang::En.day(d, 2025), "Tuesday 3 March 2026");
    }

    #[test]
    fn money_as_people_write_it() {
        assert_eq!(Lang::Fr.money(123_450, "EUR"), "1\u{202f}234,50\u{a0}€");
        assert_eq!(Lang::Fr.money(1_250_000, "EUR"), "12\u{202f}500\u{a0}€");
        assert_eq!(Lang::En.money(123_450, "EUR"), "€1,234.50");
        assert_eq!(Lang::Fr.money(5, "CHF"), "0,05\u{a0}CHF");
        assert_eq!(Lang::En.money(100_000_000, "USD"), "$1,000,000");
        assert_eq!(Lang::Fr.money(-99_900, "EUR"), "-999\u{a0}€");
    }
}
