//! Unit tests of reading imported files.

use super::*;

#[test]
fn french_and_english_headers_and_other_crms_exports() {
    let h = |s: &str| guess_field(s);
    assert_eq!(h("Prénom"), Some(ImportField::FirstName));
    assert_eq!(h("  NOM "), Some(ImportField::LastName));
    assert_eq!(h("E-mail"), Some(ImportField::Email));
    assert_eq!(h("Adresse e-mail :"), Some(ImportField::Email));
    assert_eq!(h("Téléphone"), Some(ImportField::Phone));
    assert_eq!(h("Société"), Some(ImportField::Organization));
    assert_eq!(h("Poste"), Some(ImportField::JobTitle));
    assert_eq!(h("Code postal"), Some(ImportField::PostalCode));
    assert_eq!(h("\u{feff}First Name"), Some(ImportField::FirstName));
    assert_eq!(h("Person - Email"), Some(ImportField::Email));
    assert_eq!(h("Company Name"), Some(ImportField::Organization));
    assert_eq!(h("Mailing City"), Some(ImportField::City));
    assert_eq!(h("Étiquettes"), Some(ImportField::Tags));
    assert_eq!(h("Chiffre d'affaires"), None);
    let m = guess_mapping(&["Nom".into(), "Prénom".into(), "Mobile".into(), "Téléphone".into(), "Divers".into()]);
    assert_eq!(
        m,
        [
            Some(ImportField::LastName),
            Some(ImportField::FirstName),
            Some(ImportField::Phone),
            None,
            None
        ]
    );
    for f in ImportField::ALL {
        assert_eq!(ImportField::parse(f.code()), Some(f));
    }
}

#[test]
fn a_row_becomes_a_contacts_input() {
    let mapping = guess_mapping(&[
        "Nom complet".into(),
        "E-mail".into(),
        "Téléphone".into(),
        "Étiquettes".into(),
        "Type".into(),
        "Société".into(),
        "Divers".into(),
    ]);
    let cells: Vec<String> = [
        "Marie-Anne de La Tour",
        " marie@exemple.fr ; m.tour@exemple.fr",
        "",
        "salon; vip,",
        "Cliente",
        "Tour & Fils",
        "x",
    ]
    .map(String::from)
    .to_vec();
    let row = contact_row(&cells, &mapping);
    assert_eq!(row.input.first_name, "Marie-Anne de La");
    assert_eq!(row.input.last_name, "Tour");
    assert_eq!(row.input.emails, ["marie@exemple.fr", "m.tour@exemple.fr"]);
    assert!(row.input.phones.is_empty());
    assert_eq!(row.input.tags, ["salon", "vip"]);
    assert_eq!(row.input.kind, "client");
    assert_eq!(row.organization.as_deref(), Some("Tour & Fils"));
    // A missing column or an unknown kind: nothing, and a prospect.
    let row = contact_row(&["Durand".into()], &[Some(ImportField::LastName), Some(ImportField::Kind)]);
    assert_eq!((row.input.last_name.as_str(), row.input.kind.as_str()), ("Durand", "prospect"));
}

#[test]
fn dates_as_people_write_them() {
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    assert_eq!(parse_date("31/12/2025"), d(2025, 12, 31));
    assert_eq!(parse_date("03/04/2025"), d(2025, 4, 3), "day first, as in France");
    assert_eq!(parse_date("3.4.25"), d(2025, 4, 3));
    assert_eq!(parse_date("2025-12-31"), d(2025, 12, 31));
    assert_eq!(parse_date("2025-12-31T10:00:00Z"), d(2025, 12, 31));
    assert_eq!(parse_date("31/12/2025 14:30"), d(2025, 12, 31));
    assert_eq!(parse_date("31/02/2025"), None);
    assert_eq!(parse_date("demain"), None);
    assert_eq!(parse_date(""), None);
}

#[test]
fn amounts_in_french_and_english() {
    assert_eq!(parse_amount_minor("1 234,50"), Some(123_450));
    assert_eq!(parse_amount_minor("1\u{202f}234,5 €"), Some(123_450));
    assert_eq!(parse_amount_minor("1.234,50"), Some(123_450));
    assert_eq!(parse_amount_minor("1,234.50"), Some(123_450));
    assert_eq!(parse_amount_minor("1234.50 EUR"), Some(123_450));
    assert_eq!(parse_amount_minor("12 500"), Some(1_250_000));
    assert_eq!(parse_amount_minor("1.234"), Some(123_400), "a thousands point");
    assert_eq!(parse_amount_minor("-12"), Some(-1_200));
    assert_eq!(parse_amount_minor("0,5"), Some(50));
    assert_eq!(parse_amount_minor("12,345,678.9"), Some(1_234_567_890));
    assert_eq!(parse_amount_minor("1,2,3"), None);
    assert_eq!(parse_amount_minor("abc"), None);
    assert_eq!(parse_amount_minor("beaucoup 12"), None);
    assert_eq!(parse_amount_minor("99999999999999999999"), None);
}
