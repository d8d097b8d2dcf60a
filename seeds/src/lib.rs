//! Deterministic generator of realistic French CRM data.
//!
//! The same seed always gives the same data, item by item; items are produced one at a
//! time (iterators), never all in memory, so a benchmark can stream millions of contacts.
//! Emails are unique per generator (they carry the item number); phone numbers are valid
//! French mobile and landline numbers.
#![forbid(unsafe_code)]

pub mod demo;
mod names;
pub mod trades;

use chrono::NaiveDate;
use crm_domain::contact::ContactInput;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::organization::{AddressInput, OrganizationInput};
use crm_domain::text::fold;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use names::{CITIES, FIRST_NAMES, Gender, JOB_TITLES, LAST_NAMES, gender_of};
pub use trades::Trade;

/// A seeded generator.
#[derive(Debug, Clone)]
pub struct Generator {
    seed: u64,
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn slug(s: &str) -> String {
    let parts: Vec<String> = fold(s)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    parts.join("-")
}

fn address(rng: &mut ChaCha8Rng) -> AddressInput {
    let (city, postal) = pick(rng, names::CITIES);
    AddressInput {
        street: Some(format!(
            "{} {} {}",
            rng.random_range(1..=180),
            pick(rng, names::STREET_KINDS),
            pick(rng, names::STREET_NAMES)
        )),
        postal_code: Some((*postal).to_owned()),
        city: Some((*city).to_owned()),
        country: Some("FR".into()),
    }
}

/// A valid French phone number as people write it: "06 12 34 56 78" or "01 42 68 53 00".
/// Draws again (deterministically) until the number is in an allocated range.
fn phone(rng: &mut ChaCha8Rng) -> String {
    for _ in 0..50 {
        let p = draw_phone(rng);
        if crm_domain::phone::PhoneNumber::parse(&p, crm_domain::tenant::CountryCode::FR).is_ok() {
            return p;
        }
    }
    format!(
        "06 12 {:02} {:02} {:02}",
        rng.random_range(0..=99),
        rng.random_range(0..=99),
        rng.random_range(0..=99)
    )
}

fn draw_phone(rng: &mut ChaCha8Rng) -> String {
    let prefix = *pick(rng, &["06", "07", "01", "02", "03", "04", "05", "09"]);
    let mut s = prefix.to_owned();
    // Mobile 07 numbers start 07 3..9; keep every number in allocated ranges.
    let first = if prefix == "07" {
        rng.random_range(3..=9)
    } else {
        rng.random_range(1..=9)
    };
    s.push_str(&format!(" {first}{}", rng.random_range(0..=9)));
    for _ in 0..3 {
        s.push_str(&format!(" {:02}", rng.random_range(0..=99)));
    }
    s
}

impl Generator {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self { seed }
    }

    fn rng(&self, stream: u64, index: u64) -> ChaCha8Rng {
        let mut r = ChaCha8Rng::seed_from_u64(self.seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.set_stream(index);
        r
    }

    /// The `index`-th organization.
    pub fn organization(&self, index: u64) -> OrganizationInput {
        let mut rng = self.rng(1, index);
        let last = pick(&mut rng, names::LAST_NAMES);
        let name = match rng.random_range(0..3) {
            0 => format!("{} {last}", pick(&mut rng, names::COMPANY_PREFIXES)),
            1 => format!("{last} {}", pick(&mut rng, names::COMPANY_SUFFIXES)),
            _ => format!("{last} et {}", pick(&mut rng, names::LAST_NAMES)),
        };
        let name = format!("{name} {}", index + 1);
        OrganizationInput {
            domain: Some(format!("{}.fr", slug(&name))),
            industry: Some((*pick(&mut rng, names::INDUSTRIES)).to_owned()),
            size: Some((*pick(&mut rng, &["micro", "small", "medium", "intermediate", "large"])).to_owned()),
            address: address(&mut rng),
            name,
            external_id: None,
        }
    }

    /// The `index`-th contact; `organizations` is how many organizations it may belong
    /// to (by index), 0 for none. The job title agrees with the first name's gender.
    pub fn contact(&self, index: u64, organizations: u64) -> (ContactInput, Option<u64>) {
        let mut rng = self.rng(2, index);
        let (first, gender) = *pick(&mut rng, names::FIRST_NAMES);
        let first = first.to_owned();
        let last = (*pick(&mut rng, names::LAST_NAMES)).to_owned();
        let org = (organizations > 0 && rng.random_bool(0.8)).then(|| rng.random_range(0..organizations));
        let domain = match org {
            Some(o) => self.organization(o).domain.unwrap_or_else(|| "exemple.fr".into()),
            None => (*pick(&mut rng, &["gmail.com", "orange.fr", "free.fr", "laposte.net", "outlook.fr"])).to_owned(),
        };
        let emails = vec![format!("{}.{}.{index}@{domain}", slug(&first), slug(&last))];
        let phones = (0..rng.random_range(0..=2)).map(|_| phone(&mut rng)).collect();
        let tags = (0..rng.random_range(0..=2))
            .map(|_| (*pick(&mut rng, names::TAGS)).to_owned())
            .collect::<std::collections::BTreeSet<_>>();
        let kind = *pick(&mut rng, &["prospect", "prospect", "prospect", "client", "client", "partner"]);
        let input = ContactInput {
            kind: kind.into(),
            first_name: first,
            last_name: last,
            emails,
            phones,
            organization_id: None,
            job_title: Some(names::job_title(*pick(&mut rng, names::JOB_TITLES), gender).to_owned()),
            address: if rng.random_bool(0.5) {
                address(&mut rng)
            } else {
                AddressInput::default()
            },
            tags: tags.into_iter().collect(),
            source: Some((*pick(&mut rng, names::SOURCES)).to_owned()),
            notes: rng.random_bool(0.3).then(|| "Rappeler après la réunion budgétaire.".to_owned()),
            external_id: None,
            // A few asked for no marketing email or calls (by position: the draws above
            // stay as they were).
            email_opt_out: index % 37 == 36,
            phone_opt_out: index % 53 == 52,
        };
        (input, org)
    }

    /// The `index`-th opportunity of a company of `trade`: title (one of the trade's,
    /// numbered), amount (100 € to 250,000 €), expected close within 18 months of `today`,
    /// and how many stages forward it should go (of `stages`).
    pub fn opportunity(&self, trade: &Trade, index: u64, today: NaiveDate, stages: usize) -> (OpportunityInput, usize) {
        let mut rng = self.rng(3, index);
        let title = format!("{} n° {}", pick(&mut rng, trade.deals), index + 1);
        let value = rng.random_range(100_00..=250_000_00_i64);
        let close = today + chrono::Days::new(rng.random_range(0..=540));
        let steps = if stages > 1 { rng.random_range(0..stages) } else { 0 };
        (
            OpportunityInput {
                title,
                value_minor: value - value % 100,
                currency: None,
                contact_ids: Vec::new(),
                organization_id: None,
                expected_close: Some(close),
                probability: None,
            },
            steps,
        )
    }

    /// Organizations `0..n`, one at a time.
    pub fn organizations(&self, n: u64) -> impl Iterator<Item = OrganizationInput> + '_ {
        (0..n).map(|i| self.organization(i))
    }

    /// Contacts `0..n`, one at a time.
    pub fn contacts(&self, n: u64, organizations: u64) -> impl Iterator<Item = (ContactInput, Option<u64>)> + '_ {
        (0..n).map(move |i| self.contact(i, organizations))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crm_domain::tenant::CountryCode;

    #[test]
    fn deterministic() {
        let a = Generator::new(42);
        let b = Generator::new(42);
        for i in 0..200 {
            assert_eq!(format!("{:?}", a.contact(i, 10)), format!("{:?}", b.contact(i, 10)));
            assert_eq!(format!("{:?}", a.organization(i)), format!("{:?}", b.organization(i)));
        }
        assert_ne!(
            format!("{:?}", a.contact(0, 10)),
            format!("{:?}", Generator::new(43).contact(0, 10))
        );
    }

    #[test]
    fn everything_generated_passes_the_domain_rules() {
        let g = Generator::new(7);
        for (c, _) in g.contacts(2000, 50) {
            c.parse(CountryCode::FR).unwrap();
        }
        for o in g.organizations(300) {
            crm_domain::organization::OrganizationFields::parse(&o).unwrap();
        }
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        for i in 0..300 {
            let (o, steps) = g.opportunity(trades::TRADES[i as usize % 10], i, today, 4);
            o.parse(crm_domain::money::Currency::EUR).unwrap();
            assert!(steps < 4);
        }
    }

    /// Whether `title` is a form of a job title that agrees with `gender`.
    pub(crate) fn agrees(title: &str, gender: Gender) -> bool {
        JOB_TITLES.iter().any(|t| names::job_title(*t, gender) == title)
    }

    #[test]
    fn job_titles_have_a_masculine_and_a_feminine_form() {
        for (m, f) in JOB_TITLES {
            // A gendered form is never the other gender's form of another title.
            assert!(m == f || !agrees(m, Gender::Feminine), "{m}");
            assert!(m == f || !agrees(f, Gender::Masculine), "{f}");
        }
        assert!(agrees("Assistante de direction", Gender::Feminine));
        assert!(!agrees("Assistante de direction", Gender::Masculine));
        assert!(agrees("Directeur commercial", Gender::Masculine));
        assert!(agrees("Directrice commerciale", Gender::Feminine));
        assert!(agrees("Responsable achats", Gender::Masculine) && agrees("Responsable achats", Gender::Feminine));
        assert_eq!(gender_of("Raphaël"), Some(Gender::Masculine));
        assert_eq!(gender_of("Hélène"), Some(Gender::Feminine));
        assert_eq!(gender_of("Personne"), None);
    }

    #[test]
    fn job_titles_agree_with_the_first_name() {
        let g = Generator::new(7);
        for (c, _) in g.contacts(3000, 50) {
            let gender = gender_of(&c.first_name).unwrap();
            let title = c.job_title.unwrap();
            assert!(
                agrees(&title, gender),
                "{} {} is {gender:?} but has the title {title:?}",
                c.first_name,
                c.last_name
            );
        }
    }

    #[test]
    fn opportunity_titles_come_from_the_trade() {
        let g = Generator::new(7);
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        for trade in trades::TRADES {
            for i in 0..200 {
                let title = g.opportunity(trade, i, today, 4).0.title;
                let base = title.strip_suffix(&format!(" n° {}", i + 1)).unwrap();
                assert!(trade.deals.contains(&base), "{}: {title:?}", trade.name);
            }
        }
    }
}
