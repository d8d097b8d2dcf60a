//! What an import says of a row, in the reader's language (`i18n/*.toml`, section
//! `import`): the reason a row was left out or is to be checked, as the report, the API and
//! the command line write it.

use crate::i18n::Lang;
use crm_ports::services::import::RowNote;
use crm_tabular::{CsvFlavour, write_csv};

/// The reason, in one line: "Valeur refusée : emails.0 (Format invalide)".
pub fn reason(lang: Lang, note: &RowNote) -> String {
    let t = |key: &str| lang.t("import", key);
    match note {
        RowNote::Invalid(v) => {
            let fields: Vec<String> = v
                .errors()
                .iter()
                .map(|e| format!("{} ({})", e.field, lang.t("violation", e.kind.code())))
                .collect();
            format!("{} {}", t("invalid"), fields.join(", "))
        }
        RowNote::RepeatedInFile(line) => t("repeated_in_file").replace("{line}", &line.to_string()),
        RowNote::Ambiguous => t("ambiguous"),
        RowNote::NotVisible => t("not_visible"),
        RowNote::NotEditable => t("not_editable"),
        RowNote::PossibleDuplicate(reasons) => {
            let r: Vec<String> = reasons.iter().map(|r| t(r.code())).collect();
            format!("{} ({})", t("possible_duplicate"), r.join(", "))
        }
        RowNote::UnknownOrganization => t("unknown_organization"),
        RowNote::Suppressed => t("suppressed"),
    }
}

/// A report as a CSV French Excel opens (UTF-8 with BOM, semicolons): each row as it was
/// in the file (padded to the headers), then its line and the reason in `lang`.
///
/// # Errors
/// The CSV writer's, as text.
pub fn report_csv(lang: Lang, headers: &[String], rows: impl IntoIterator<Item = (Vec<String>, u64, RowNote)>) -> Result<Vec<u8>, String> {
    let mut all = headers.to_vec();
    all.extend([lang.t("import", "line"), lang.t("import", "reason")]);
    let lines: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(mut cells, line, note)| {
            cells.resize(headers.len(), String::new());
            cells.extend([line.to_string(), reason(lang, &note)]);
            cells
        })
        .collect();
    write_csv(&all, &lines, CsvFlavour::FrenchExcel).map_err(|e| e.to_string())
}

/// A note's stable code (the API's `note.code`).
pub const fn code(note: &RowNote) -> &'static str {
    match note {
        RowNote::Invalid(_) => "invalid",
        RowNote::RepeatedInFile(_) => "repeated_in_file",
        RowNote::Ambiguous => "ambiguous",
        RowNote::NotVisible => "not_visible",
        RowNote::NotEditable => "not_editable",
        RowNote::PossibleDuplicate(_) => "possible_duplicate",
        RowNote::Suppressed => "suppressed",
        RowNote::UnknownOrganization => "unknown_organization",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::duplicates::MatchReason;
    use crm_domain::{ValidationError, ViolationKind};

    #[test]
    fn reasons_in_french_and_english() {
        let bad = RowNote::Invalid(ValidationError::field("emails.0", ViolationKind::Malformed));
        assert_eq!(reason(Lang::Fr, &bad), "Valeur refusée : emails.0 (Format invalide)");
        assert_eq!(reason(Lang::Fr, &RowNote::RepeatedInFile(3)), "Même clé que la ligne 3");
        assert_eq!(reason(Lang::En, &RowNote::RepeatedInFile(3)), "Same key as line 3");
        let dup = RowNote::PossibleDuplicate(vec![MatchReason::SimilarName]);
        assert_eq!(reason(Lang::Fr, &dup), "Doublon possible (nom proche)");
    }
}
