//! A file of opportunities (an export of another CRM, a spreadsheet of deals): which
//! column holds the title, the amount, the pipeline and stage, the status, the close
//! date, the owner, the organization and the contacts' emails; and a row read as such.

use super::{ImportField, guess_field};
use crate::text::fold;

/// The fields an opportunity's row may hold, in the order a mapping screen lists them.
pub const OPPORTUNITY_FIELDS: [ImportField; 13] = [
    ImportField::RecordId,
    ImportField::Title,
    ImportField::Amount,
    ImportField::Currency,
    ImportField::Pipeline,
    ImportField::Stage,
    ImportField::Status,
    ImportField::Probability,
    ImportField::ExpectedClose,
    ImportField::Organization,
    ImportField::Email,
    ImportField::Owner,
    ImportField::LostReason,
];

/// Headers by field in a file of opportunities, folded: French, English, and the column
/// names of common CRM exports (ours included).
const HEADERS: [(ImportField, &[&str]); 11] = [
    (ImportField::RecordId, &["identifiant crm", "crm id"]),
    (
        ImportField::Title,
        &[
            "intitule",
            "titre",
            "opportunite",
            "affaire",
            "nom de l'affaire",
            "nom de l'opportunite",
            "title",
            "deal title",
            "deal name",
            "opportunity name",
            "opportunity",
            "deal",
            "deal - title",
            "name",
            "nom",
        ],
    ),
    (
        ImportField::Amount,
        &[
            "montant",
            "montant ht",
            "valeur",
            "amount",
            "value",
            "deal value",
            "deal - value",
            "opportunity amount",
        ],
    ),
    (ImportField::Currency, &["devise", "monnaie", "currency", "deal currency"]),
    (
        ImportField::Pipeline,
        &["pipeline", "pipeline de vente", "deal pipeline", "sales pipeline"],
    ),
    (
        ImportField::Stage,
        &["etape", "phase", "stade", "stage", "deal stage", "sales stage"],
    ),
    (ImportField::Status, &["statut", "etat", "status", "deal status"]),
    (
        ImportField::Probability,
        &[
            "probabilite",
            "probabilite (%)",
            "probability",
            "probability (%)",
            "deal probability",
        ],
    ),
    (
        ImportField::ExpectedClose,
        &[
            "cloture prevue",
            "date de cloture",
            "date de cloture prevue",
            "close date",
            "expected close",
            "expected close date",
            "closing date",
        ],
    ),
    (
        ImportField::Owner,
        &[
            "proprietaire",
            "responsable",
            "commercial",
            "owner",
            "deal owner",
            "opportunity owner",
            "assigned to",
        ],
    ),
    (
        ImportField::LostReason,
        &["raison de la perte", "motif de perte", "raison", "lost reason", "loss reason"],
    ),
];

/// The fields of a file of opportunities' headers, each guessed once at most (the
/// organization and the contacts' emails as in a file of contacts).
pub fn guess_opportunity_mapping(headers: &[String]) -> Vec<Option<ImportField>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| {
            let folded = fold(h.trim_matches(|c: char| c == '"' || c == '\u{feff}' || c.is_whitespace()));
            let folded = folded.trim_end_matches([':', '*']).trim();
            let field = HEADERS
                .iter()
                .find(|(_, names)| names.contains(&folded))
                .map(|(f, _)| *f)
                .or_else(|| guess_field(h).filter(|f| matches!(f, ImportField::Organization | ImportField::Email)))
                .filter(|f| !taken.contains(f))?;
            taken.push(field);
            Some(field)
        })
        .collect()
}

/// The status code of what a file says (`En cours`, `Gagnée`, `won`…); `None` when it is
/// none of them.
pub fn status_code(raw: &str) -> Option<&'static str> {
    match fold(raw.trim()).as_str() {
        "open" | "en cours" | "ouverte" | "ouvert" | "in progress" => Some("open"),
        "won" | "gagnee" | "gagne" | "signee" | "signe" | "closed won" => Some("won"),
        "lost" | "perdue" | "perdu" | "closed lost" => Some("lost"),
        _ => None,
    }
}

/// A row of a file read as an opportunity: the cells as given (the planner finds what
/// they name: pipeline, stage, owner, organization, contacts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpportunityRow {
    /// Its id in this CRM (an export read back).
    pub id: Option<String>,
    /// Title.
    pub title: String,
    /// Amount as written.
    pub amount: Option<String>,
    /// Currency code.
    pub currency: Option<String>,
    /// Pipeline name.
    pub pipeline: Option<String>,
    /// Stage name.
    pub stage: Option<String>,
    /// Status as written.
    pub status: Option<String>,
    /// Probability as written.
    pub probability: Option<String>,
    /// Expected close date as written.
    pub expected_close: Option<String>,
    /// Organization name.
    pub organization: Option<String>,
    /// The contacts' emails.
    pub emails: Vec<String>,
    /// The owner's email.
    pub owner: Option<String>,
    /// Why it was lost.
    pub lost_reason: Option<String>,
}

/// Reads a row of a file of opportunities with a mapping: empty cells are absent, several
/// emails in a cell split on commas and semicolons.
pub fn opportunity_row(cells: &[String], mapping: &[Option<ImportField>]) -> OpportunityRow {
    let mut o = OpportunityRow::default();
    for (cell, field) in cells.iter().zip(mapping) {
        let value = cell.trim();
        let Some(field) = field.filter(|_| !value.is_empty()) else {
            continue;
        };
        let v = Some(value.to_owned());
        match field {
            ImportField::RecordId => o.id = v,
            ImportField::Title => o.title = value.to_owned(),
            ImportField::Amount => o.amount = v,
            ImportField::Currency => o.currency = v,
            ImportField::Pipeline => o.pipeline = v,
            ImportField::Stage => o.stage = v,
            ImportField::Status => o.status = v,
            ImportField::Probability => o.probability = v,
            ImportField::ExpectedClose => o.expected_close = v,
            ImportField::Organization => o.organization = v,
            ImportField::Email => o
                .emails
                .extend(value.split([',', ';']).map(str::trim).filter(|e| !e.is_empty()).map(str::to_owned)),
            ImportField::Owner => o.owner = v,
            ImportField::LostReason => o.lost_reason = v,
            _ => {}
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_export_and_others_are_guessed() {
        let ours: Vec<String> = [
            "Identifiant CRM",
            "Intitulé",
            "Pipeline",
            "Étape",
            "Statut",
            "Montant",
            "Devise",
            "Probabilité (%)",
            "Clôture prévue",
            "Société",
            "Id société",
            "Contacts",
            "Id contacts",
            "Propriétaire",
            "Raison de la perte",
        ]
        .map(String::from)
        .to_vec();
        let m = guess_opportunity_mapping(&ours);
        use ImportField as F;
        let first = [
            F::RecordId,
            F::Title,
            F::Pipeline,
            F::Stage,
            F::Status,
            F::Amount,
            F::Currency,
            F::Probability,
            F::ExpectedClose,
            F::Organization,
        ];
        assert_eq!(m[..10], first.map(Some));
        assert_eq!(m[10..], [None, None, None, Some(ImportField::Owner), Some(ImportField::LostReason)]);
        let pipedrive: Vec<String> = [
            "Deal - Title",
            "Value",
            "Deal stage",
            "Organization",
            "Person - Email",
            "Deal owner",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            guess_opportunity_mapping(&pipedrive),
            [
                Some(ImportField::Title),
                Some(ImportField::Amount),
                Some(ImportField::Stage),
                Some(ImportField::Organization),
                Some(ImportField::Email),
                Some(ImportField::Owner)
            ]
        );
    }

    #[test]
    fn statuses_are_read_in_both_languages() {
        assert_eq!(status_code("Gagnée"), Some("won"));
        assert_eq!(status_code("closed lost"), Some("lost"));
        assert_eq!(status_code("En cours"), Some("open"));
        assert_eq!(status_code("peut-être"), None);
    }
}
