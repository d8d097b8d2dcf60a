//! Reading the files people have: which field a column holds, guessed from its header in
//! French or English (and the column names of common CRM exports), and the values as a
//! French spreadsheet writes them (dates `31/12/2025`, amounts `1 234,50`).

use crate::text::fold;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A field a column of an imported file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportField {
    /// The person's id in the file's system (upsert key).
    ExternalId,
    /// First name.
    FirstName,
    /// Last name.
    LastName,
    /// First and last name in one column.
    FullName,
    /// Email address.
    Email,
    /// Phone number.
    Phone,
    /// Job title.
    JobTitle,
    /// Organization (by name).
    Organization,
    /// The organization's web site or domain.
    Website,
    /// Street address.
    Street,
    /// Postal code.
    PostalCode,
    /// City.
    City,
    /// Country.
    Country,
    /// Tags, separated by commas or semicolons.
    Tags,
    /// Where the contact comes from.
    Source,
    /// Free notes.
    Notes,
    /// Contact kind (prospect, client...).
    Kind,
    /// An organization's industry (organization imports).
    Industry,
    /// An organization's size: a band, or a headcount (organization imports).
    Size,
    /// The record's id in this CRM (an export read back: opportunity imports).
    RecordId,
    /// An opportunity's title.
    Title,
    /// An opportunity's amount.
    Amount,
    /// An opportunity's currency (ISO code).
    Currency,
    /// An opportunity's pipeline (by name).
    Pipeline,
    /// An opportunity's stage (by name).
    Stage,
    /// An opportunity's status: open, won or lost.
    Status,
    /// An opportunity's probability, in percent.
    Probability,
    /// An opportunity's expected close date.
    ExpectedClose,
    /// The owner (a user's email).
    Owner,
    /// Why an opportunity was lost.
    LostReason,
}

impl ImportField {
    /// Every field.
    pub const ALL: [ImportField; 30] = [
        Self::ExternalId,
        Self::FirstName,
        Self::LastName,
        Self::FullName,
        Self::Email,
        Self::Phone,
        Self::JobTitle,
        Self::Organization,
        Self::Website,
        Self::Street,
        Self::PostalCode,
        Self::City,
        Self::Country,
        Self::Tags,
        Self::Source,
        Self::Notes,
        Self::Kind,
        Self::Industry,
        Self::Size,
        Self::RecordId,
        Self::Title,
        Self::Amount,
        Self::Currency,
        Self::Pipeline,
        Self::Stage,
        Self::Status,
        Self::Probability,
        Self::ExpectedClose,
        Self::Owner,
        Self::LostReason,
    ];

    /// The fields of a contact, in the order a mapping screen lists them.
    pub const CONTACT: [ImportField; 17] = [
        Self::ExternalId,
        Self::FirstName,
        Self::LastName,
        Self::FullName,
        Self::Email,
        Self::Phone,
        Self::JobTitle,
        Self::Organization,
        Self::Website,
        Self::Street,
        Self::PostalCode,
        Self::City,
        Self::Country,
        Self::Tags,
        Self::Source,
        Self::Notes,
        Self::Kind,
    ];

    /// Stable code (API, saved mappings, translation keys).
    pub const fn code(self) -> &'static str {
        match self {
            Self::ExternalId => "external_id",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::FullName => "full_name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::JobTitle => "job_title",
            Self::Organization => "organization",
            Self::Website => "website",
            Self::Street => "street",
            Self::PostalCode => "postal_code",
            Self::City => "city",
            Self::Country => "country",
            Self::Tags => "tags",
            Self::Source => "source",
            Self::Notes => "notes",
            Self::Kind => "kind",
            Self::Industry => "industry",
            Self::Size => "size",
            Self::RecordId => "id",
            Self::Title => "title",
            Self::Amount => "amount",
            Self::Currency => "currency",
            Self::Pipeline => "pipeline",
            Self::Stage => "stage",
            Self::Status => "status",
            Self::Probability => "probability",
            Self::ExpectedClose => "expected_close",
            Self::Owner => "owner",
            Self::LostReason => "lost_reason",
        }
    }

    /// The field of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// A row of a file read as a contact: the input (checked later, as any contact's), and
/// the organization named (by name and web site), which the import matches or creates.
#[derive(Debug, Clone, Default)]
pub struct ContactRow {
    /// The contact's input.
    pub input: crate::contact::ContactInput,
    /// The organization's name, if the row gives one.
    pub organization: Option<String>,
    /// The organization's web site, if the row gives one.
    pub website: Option<String>,
    /// Whether the row says the contact's kind (else a new contact is a prospect and an
    /// existing one keeps its kind).
    pub kind_given: bool,
}

/// The kind of a contact as files write it (French or English); prospect when unknown.
fn kind_code(raw: &str) -> &'static str {
    match fold(raw).as_str() {
        "client" | "clients" | "customer" | "cliente" => "client",
        "partenaire" | "partner" => "partner",
        "ancien client" | "ancienne cliente" | "former client" | "former customer" | "former_client" => "former_client",
        _ => "prospect",
    }
}

/// Reads a row with a mapping (one field, or none, per column): empty cells are absent,
/// a full name is cut before its last word, tags are split on commas and semicolons,
/// several emails or phones in one cell likewise.
pub fn contact_row(cells: &[String], mapping: &[Option<ImportField>]) -> ContactRow {
    let mut row = ContactRow::default();
    row.input.kind = "prospect".to_owned();
    let some = |c: &str| (!c.trim().is_empty()).then(|| c.trim().to_owned());
    let split = |c: &str| -> Vec<String> { c.split([',', ';']).filter_map(&some).collect() };
    for (cell, field) in cells.iter().zip(mapping) {
        let (Some(field), Some(value)) = (field, some(cell)) else {
            continue;
        };
        let i = &mut row.input;
        match field {
            ImportField::ExternalId => i.external_id = Some(value),
            ImportField::FirstName => i.first_name = value,
            ImportField::LastName => i.last_name = value,
            ImportField::FullName => match value.rsplit_once(' ') {
                Some((first, last)) if i.first_name.is_empty() && i.last_name.is_empty() => {
                    i.first_name = first.trim().to_owned();
                    i.last_name = last.trim().to_owned();
                }
                _ if i.last_name.is_empty() => i.last_name = value,
                _ => {}
            },
            ImportField::Email => i.emails.extend(split(&value)),
            ImportField::Phone => i.phones.extend(split(&value)),
            ImportField::JobTitle => i.job_title = Some(value),
            ImportField::Organization => row.organization = Some(value),
            ImportField::Website => row.website = Some(value),
            ImportField::Street => i.address.street = Some(value),
            ImportField::PostalCode => i.address.postal_code = Some(value),
            ImportField::City => i.address.city = Some(value),
            ImportField::Country => i.address.country = Some(value),
            ImportField::Tags => i.tags.extend(split(&value)),
            ImportField::Source => i.source = Some(value),
            ImportField::Notes => i.notes = Some(value),
            ImportField::Kind => {
                i.kind = kind_code(&value).to_owned();
                row.kind_given = true;
            }
            // The fields of organizations and opportunities: read by their imports only.
            ImportField::Industry
            | ImportField::Size
            | ImportField::RecordId
            | ImportField::Title
            | ImportField::Amount
            | ImportField::Currency
            | ImportField::Pipeline
            | ImportField::Stage
            | ImportField::Status
            | ImportField::Probability
            | ImportField::ExpectedClose
            | ImportField::Owner
            | ImportField::LostReason => {}
        }
    }
    row
}

/// A date as spreadsheets and people write it: `31/12/2025`, `31-12-2025`, `31.12.2025`,
/// `31/12/25` (20xx), or ISO `2025-12-31` (a time after the date is ignored).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim();
    let day_part = s.split([' ', 'T']).next().unwrap_or(s);
    if let Ok(d) = NaiveDate::parse_from_str(day_part, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<&str> = day_part.split(['/', '-', '.']).collect();
    let [d, m, y] = parts.as_slice() else { return None };
    let (d, m) = (d.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    let y = match y.len() {
        2 => 2000 + y.parse::<i32>().ok()?,
        4 => y.parse::<i32>().ok()?,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

/// An amount in minor units (cents) as written in France or in English: `1 234,50`,
/// `1234,5`, `1.234,50`, `1,234.50`, `1234.50`, `-12`, with a currency sign or code
/// around it ignored. `None` when it is not an amount or has more than two decimals.
pub fn parse_amount_minor(raw: &str) -> Option<i64> {
    let kept: String = raw.chars().filter(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-')).collect();
    if kept.is_empty() || !kept.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    // Whatever letters there were, the rest must be a number (no "12abc34").
    let letters = raw.chars().filter(|c| c.is_alphabetic()).count();
    if letters > 3 {
        return None;
    }
    let negative = kept.starts_with('-');
    let body = kept.trim_start_matches('-');
    if body.contains('-') {
        return None;
    }
    // The last separator is the decimal one when two or fewer digits follow it, or when
    // both kinds appear; otherwise (e.g. `1.234`, `12,345`) it groups thousands.
    let last = body.rfind([',', '.']);
    let (int_part, frac_part) = match last {
        Some(i) => {
            let frac = &body[i + 1..];
            let both = body.contains(',') && body.contains('.');
            if frac.len() <= 2 || both { (&body[..i], frac) } else { (body, "") }
        }
        None => (body, ""),
    };
    if frac_part.len() > 2 || frac_part.contains([',', '.']) {
        return None;
    }
    // Thousands groups: three digits after each separator (`1.234.567`, not `1,2`).
    let groups: Vec<&str> = int_part.split([',', '.']).collect();
    if groups.len() > 1 && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)) {
        return None;
    }
    let digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    let units: i64 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    let cents: i64 = match frac_part.len() {
        0 => 0,
        1 => frac_part.parse::<i64>().ok()? * 10,
        _ => frac_part.parse().ok()?,
    };
    let minor = units.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -minor } else { minor })
}

mod headers;
mod merge;
mod opportunities;
mod organizations;

pub use headers::{guess_field, guess_mapping};
pub use merge::update_from_row;
pub use opportunities::{OPPORTUNITY_FIELDS, OpportunityRow, guess_opportunity_mapping, opportunity_row, status_code};
pub use organizations::{ORGANIZATION_FIELDS, guess_organization_mapping, organization_row, size_code};

#[cfg(test)]
mod tests;
