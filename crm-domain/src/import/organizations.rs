//! A file of organizations: which column holds the name, the web site, the industry, the
//! size (a band, or a headcount as registries and CRMs write it: `35`, `10 à 49`,
//! `PME`), the address; and a row read as an organization's input.

use super::{ImportField, guess_field};
use crate::organization::{OrganizationInput, OrganizationSize};
use crate::text::fold;

/// The fields an organization's row may hold, in the order a mapping screen lists them.
pub const ORGANIZATION_FIELDS: [ImportField; 9] = [
    ImportField::ExternalId,
    ImportField::Organization,
    ImportField::Website,
    ImportField::Industry,
    ImportField::Size,
    ImportField::Street,
    ImportField::PostalCode,
    ImportField::City,
    ImportField::Country,
];

/// Headers of the organization's own name, in a file of organizations (where "Nom" is
/// not a person's).
const NAME: [&str; 16] = [
    "nom",
    "name",
    "nom de la societe",
    "nom de l'entreprise",
    "raison sociale",
    "denomination",
    "societe",
    "entreprise",
    "organisation",
    "organization",
    "company",
    "company name",
    "account name",
    "compte",
    "organization - name",
    "organisation - name",
];
const INDUSTRY: [&str; 9] = [
    "secteur",
    "secteur d'activite",
    "activite",
    "industrie",
    "domaine d'activite",
    "industry",
    "sector",
    "organization - industry",
    "organisation - industry",
];
const SIZE: [&str; 12] = [
    "taille",
    "effectif",
    "effectifs",
    "tranche d'effectif",
    "tranche d'effectifs",
    "nombre de salaries",
    "salaries",
    "size",
    "employees",
    "number of employees",
    "company size",
    "headcount",
];

/// The fields of a file of organizations' headers, each guessed once at most.
pub fn guess_organization_mapping(headers: &[String]) -> Vec<Option<ImportField>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| {
            let folded = fold(h.trim_matches(|c: char| c == '"' || c == '\u{feff}' || c.is_whitespace()));
            let folded = folded.trim_end_matches([':', '*']).trim();
            let field = if NAME.contains(&folded) {
                Some(ImportField::Organization)
            } else if INDUSTRY.contains(&folded) {
                Some(ImportField::Industry)
            } else if SIZE.contains(&folded) {
                Some(ImportField::Size)
            } else {
                guess_field(h).filter(|f| ORGANIZATION_FIELDS.contains(f))
            }
            .filter(|f| !taken.contains(f))?;
            taken.push(field);
            Some(field)
        })
        .collect()
}

/// The leading number of a text (`5 000`, `1.000`, `250` in `250 à 499`).
fn leading_number(text: &str) -> Option<u64> {
    let mut digits = String::new();
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '\u{a0}' | '\u{202f}' | '.' if !digits.is_empty() && chars.peek().is_some_and(char::is_ascii_digit) => {}
            _ => break,
        }
    }
    digits.parse().ok()
}

/// The size code of what a file says: a code, a band as our exports and others write it
/// (`Petite (10 à 49)`, `Medium`, `PME`, `ETI`), or a headcount (`35`, `10-49`: its first
/// number); the text itself when none of these (refused when checked).
pub fn size_code(raw: &str) -> String {
    let raw = raw.trim();
    if OrganizationSize::parse(raw).is_ok() {
        return raw.to_owned();
    }
    let folded = fold(raw);
    let word = folded.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    let by_word = match word {
        "micro" | "tpe" => Some(OrganizationSize::Micro),
        "petite" | "small" | "pe" => Some(OrganizationSize::Small),
        "moyenne" | "medium" | "pme" => Some(OrganizationSize::Medium),
        "intermediaire" | "intermediate" | "eti" => Some(OrganizationSize::Intermediate),
        "grande" | "large" | "ge" => Some(OrganizationSize::Large),
        _ => None,
    };
    let size = by_word.or_else(|| {
        leading_number(raw).map(|n| match n {
            0..=9 => OrganizationSize::Micro,
            10..=49 => OrganizationSize::Small,
            50..=249 => OrganizationSize::Medium,
            250..=4_999 => OrganizationSize::Intermediate,
            _ => OrganizationSize::Large,
        })
    });
    size.map_or_else(|| raw.to_owned(), |s| s.code().to_owned())
}

/// Reads a row of a file of organizations with a mapping: empty cells are absent; the
/// fields of a person are ignored.
pub fn organization_row(cells: &[String], mapping: &[Option<ImportField>]) -> OrganizationInput {
    let mut o = OrganizationInput::default();
    for (cell, field) in cells.iter().zip(mapping) {
        let value = cell.trim();
        let Some(field) = field.filter(|_| !value.is_empty()) else {
            continue;
        };
        let value = value.to_owned();
        match field {
            ImportField::ExternalId => o.external_id = Some(value),
            ImportField::Organization => o.name = value,
            ImportField::Website => o.domain = Some(value),
            ImportField::Industry => o.industry = Some(value),
            ImportField::Size => o.size = Some(size_code(&value)),
            ImportField::Street => o.address.street = Some(value),
            ImportField::PostalCode => o.address.postal_code = Some(value),
            ImportField::City => o.address.city = Some(value),
            ImportField::Country => o.address.country = Some(value),
            _ => {}
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_of_organizations_is_guessed_as_one() {
        let headers: Vec<String> = [
            "Raison sociale",
            "Site web",
            "Secteur d'activité",
            "Effectif",
            "Code postal",
            "Ville",
            "SIRET",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            guess_organization_mapping(&headers),
            [
                Some(ImportField::Organization),
                Some(ImportField::Website),
                Some(ImportField::Industry),
                Some(ImportField::Size),
                Some(ImportField::PostalCode),
                Some(ImportField::City),
                None
            ]
        );
        let en: Vec<String> = ["Name", "Domain", "Industry", "Number of employees", "Email"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            guess_organization_mapping(&en),
            [
                Some(ImportField::Organization),
                Some(ImportField::Website),
                Some(ImportField::Industry),
                Some(ImportField::Size),
                None
            ]
        );
    }

    #[test]
    fn sizes_are_read_as_files_write_them() {
        for (raw, code) in [
            ("small", "small"),
            ("Petite (10 à 49)", "small"),
            ("Intermediate (250 to 4,999)", "intermediate"),
            ("35", "small"),
            ("10-49", "small"),
            ("250 à 499", "intermediate"),
            ("5 000 et plus", "large"),
            ("1.200", "intermediate"),
            ("PME", "medium"),
            ("3", "micro"),
        ] {
            assert_eq!(size_code(raw), code, "{raw}");
        }
        assert_eq!(size_code("beaucoup"), "beaucoup", "left for the check to refuse");
    }

    #[test]
    fn a_row_reads_as_an_organization() {
        let mapping = [
            Some(ImportField::Organization),
            None,
            Some(ImportField::Size),
            Some(ImportField::Website),
        ];
        let cells = ["Cave Aubert", "ignoré", " 12 ", ""].map(String::from);
        let o = organization_row(&cells, &mapping);
        assert_eq!((o.name.as_str(), o.size.as_deref(), o.domain), ("Cave Aubert", Some("small"), None));
    }
}
