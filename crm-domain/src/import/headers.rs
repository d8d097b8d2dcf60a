//! Which field a column of a file of contacts holds, guessed from its header in French or
//! English and the column names of common CRM exports.

use super::ImportField;
use crate::text::fold;

/// Headers by field, folded (lower case, no accents, spaces single): French first, then
/// English, then the names common CRM exports use (HubSpot, Pipedrive, Salesforce,
/// Zoho, Odoo, EspoCRM, Twenty...).
const HEADERS: [(ImportField, &[&str]); 17] = [
    (
        ImportField::ExternalId,
        &[
            "id externe",
            "identifiant externe",
            "reference",
            "ref",
            "external id",
            "record id",
            "contact id",
            "id",
        ],
    ),
    (
        ImportField::FirstName,
        &[
            "prenom",
            "first name",
            "firstname",
            "given name",
            "person - first name",
            "name first",
        ],
    ),
    (
        ImportField::LastName,
        &[
            "nom",
            "nom de famille",
            "last name",
            "lastname",
            "surname",
            "family name",
            "person - last name",
            "name last",
        ],
    ),
    (
        ImportField::FullName,
        &[
            "nom complet",
            "prenom nom",
            "nom et prenom",
            "full name",
            "name",
            "contact name",
            "person - name",
            "contact",
        ],
    ),
    (
        ImportField::Email,
        &[
            "e-mail",
            "email",
            "courriel",
            "adresse e-mail",
            "adresse email",
            "mail",
            "e-mail address",
            "email address",
            "person - email",
            "work email",
            "primary email",
        ],
    ),
    (
        ImportField::Phone,
        &[
            "telephone",
            "tel",
            "tel.",
            "portable",
            "mobile",
            "telephone mobile",
            "telephone fixe",
            "numero de telephone",
            "phone",
            "phone number",
            "mobile phone",
            "business phone",
            "person - phone",
            "work phone",
        ],
    ),
    (
        ImportField::JobTitle,
        &[
            "poste",
            "fonction",
            "titre",
            "intitule de poste",
            "job title",
            "title",
            "position",
            "job position",
            "person - job title",
        ],
    ),
    (
        ImportField::Organization,
        &[
            "societe",
            "entreprise",
            "organisation",
            "raison sociale",
            "nom de la societe",
            "compte",
            "company",
            "company name",
            "organization",
            "organisation - name",
            "organization - name",
            "account name",
            "account",
        ],
    ),
    (
        ImportField::Website,
        &[
            "site web",
            "site internet",
            "site",
            "domaine",
            "website",
            "web site",
            "domain",
            "company domain name",
        ],
    ),
    (
        ImportField::Street,
        &[
            "adresse",
            "rue",
            "adresse postale",
            "street",
            "address",
            "street address",
            "mailing street",
        ],
    ),
    (
        ImportField::PostalCode,
        &[
            "code postal",
            "cp",
            "postal code",
            "zip",
            "zip code",
            "postcode",
            "mailing zip/postal code",
        ],
    ),
    (ImportField::City, &["ville", "commune", "city", "town", "mailing city"]),
    (ImportField::Country, &["pays", "country", "country/region", "mailing country"]),
    (
        ImportField::Tags,
        &["etiquettes", "etiquette", "mots-cles", "tags", "labels", "label"],
    ),
    (
        ImportField::Source,
        &["source", "origine", "provenance", "lead source", "original source"],
    ),
    (
        ImportField::Notes,
        &[
            "notes",
            "note",
            "commentaire",
            "commentaires",
            "remarques",
            "description",
            "comments",
        ],
    ),
    (
        ImportField::Kind,
        &["type", "statut", "type de contact", "lifecycle stage", "contact type", "status"],
    ),
];

/// The field a header names, if it is one we know.
pub fn guess_field(header: &str) -> Option<ImportField> {
    let h = fold(header.trim_matches(|c: char| c == '"' || c == '\u{feff}' || c.is_whitespace()));
    let h = h.trim_end_matches([':', '*']).trim();
    HEADERS.iter().find(|(_, names)| names.contains(&h)).map(|(field, _)| *field)
}

/// The fields of a file's headers, in order: each guessed once at most (a second column
/// naming a field already taken is left unmapped, for the person to choose).
pub fn guess_mapping(headers: &[String]) -> Vec<Option<ImportField>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| {
            let f = guess_field(h).filter(|f| !taken.contains(f))?;
            taken.push(f);
            Some(f)
        })
        .collect()
}
