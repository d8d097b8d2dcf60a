//! The register of processing activities worded for its reader: the same sections on the
//! page, in the PDF and through the API — the company responsible, one section per
//! processing (purpose, legal bases, people, data, recipients, transfers, keeping), and
//! the security measures.

use crate::Lang;
use chrono::{DateTime, Utc};
use crm_domain::register::{Keeping, Measure, Processing, Recipient};
use crm_domain::retention::RetentionAction;
use crm_domain::user::Role;
use crm_ports::services::register::ProcessingRegister;
use crm_reporting::{Cell, Document, Table};

/// A section of the register: a title and its rows, each a label and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Its title.
    pub title: String,
    /// Label and items (one or several).
    pub rows: Vec<(String, Vec<String>)>,
}

fn users(lang: Lang, counts: &[(Role, usize)]) -> String {
    let each: Vec<String> = counts
        .iter()
        .map(|(r, n)| format!("{} : {n}", lang.t(&format!("role.{}", r.code()))))
        .collect();
    format!("{} {}", lang.t("register.recipient_users"), each.join(", "))
}

fn recipient(lang: Lang, r: &Recipient) -> String {
    match r {
        Recipient::Users(counts) => users(lang, counts),
        Recipient::CompanyRelay(host) => lang.t("register.recipient_company_relay").replace("{host}", host),
        Recipient::InstallationRelay => lang.t("register.recipient_installation_relay"),
        Recipient::Webhook(host) => lang.t("register.recipient_webhook").replace("{host}", host),
        Recipient::Host => lang.t("register.recipient_host"),
    }
}

fn keeping(lang: Lang, k: &Keeping) -> String {
    match k {
        Keeping::Prospects(p) => {
            let key = match p.action {
                RetentionAction::Flag => "register.keeping_prospects_flag",
                RetentionAction::Erase => "register.keeping_prospects_erase",
                RetentionAction::Anonymise => "register.keeping_prospects_anonymise",
            };
            lang.t(key).replace("{months}", &p.prospect_months.to_string())
        }
        Keeping::Relation => lang.t("register.keeping_relation"),
        Keeping::WithRecord => lang.t("register.keeping_with_record"),
        Keeping::History => lang.t("register.keeping_history"),
        Keeping::Sessions(h) => lang.t("register.keeping_sessions").replace("{hours}", &h.to_string()),
    }
}

fn measure(lang: Lang, m: Measure) -> String {
    match m {
        Measure::Encryption => lang.t("register.measure_encryption"),
        Measure::PersonKeys => lang.t("register.measure_person_keys"),
        Measure::SecondFactor { required: true } => lang.t("register.measure_second_factor_required"),
        Measure::SecondFactor { required: false } => lang.t("register.measure_second_factor_offered"),
        Measure::Passwords { min, refuse_common } => {
            let key = if refuse_common {
                "register.measure_passwords_common"
            } else {
                "register.measure_passwords"
            };
            lang.t(key).replace("{min}", &min.to_string())
        }
        Measure::Sessions(h) => lang.t("register.measure_sessions").replace("{hours}", &h.to_string()),
        Measure::Roles => lang.t("register.measure_roles"),
        Measure::Isolation => lang.t("register.measure_isolation"),
        Measure::Audit => lang.t("register.measure_audit"),
        Measure::Backups => lang.t("register.measure_backups"),
    }
}

fn listed(lang: Lang, prefix: &str, codes: &[&str]) -> Vec<String> {
    codes.iter().map(|c| lang.t(&format!("register.{prefix}_{c}"))).collect()
}

fn processing(lang: Lang, p: &Processing) -> Section {
    let label = |k: &str| lang.t(&format!("register.{k}"));
    Section {
        title: lang.t(&format!("register.processing_{}", p.code)),
        rows: vec![
            (label("purpose"), vec![lang.t(&format!("register.purpose_{}", p.code))]),
            (label("bases"), listed(lang, "basis", &p.bases)),
            (label("subjects"), listed(lang, "subject", &p.subjects)),
            (label("data"), listed(lang, "data", &p.data)),
            (label("recipients"), p.recipients.iter().map(|r| recipient(lang, r)).collect()),
            (label("transfers"), vec![label("transfers_none")]),
            (label("keeping"), p.keeping.iter().map(|k| keeping(lang, k)).collect()),
        ],
    }
}

/// The register's sections, in `lang`, dates in the company's zone.
pub fn sections(lang: Lang, r: &ProcessingRegister) -> Vec<Section> {
    let tz = r.time_zone.tz();
    let day = |t: DateTime<Utc>| t.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string();
    let admins: Vec<String> = r.register.admins.iter().map(|(n, e)| format!("{n} <{e}>")).collect();
    let mut out = vec![Section {
        title: lang.t("register.controller"),
        rows: vec![
            (lang.t("register.company"), vec![r.register.company.clone()]),
            (lang.t("register.contacts"), admins),
            (lang.t("register.changed"), vec![day(r.changed_at)]),
        ],
    }];
    out.extend(r.register.processings.iter().map(|p| processing(lang, p)));
    out.push(Section {
        title: lang.t("register.security"),
        rows: vec![(
            lang.t("register.measures"),
            r.register.measures.iter().map(|m| measure(lang, *m)).collect(),
        )],
    });
    out
}

/// When it was drawn up, in the company's zone.
pub fn made(r: &ProcessingRegister) -> String {
    r.made_at.with_timezone(&r.time_zone.tz()).format("%d/%m/%Y %H:%M").to_string()
}

/// The register as a document (for the PDF).
pub fn document(lang: Lang, r: &ProcessingRegister) -> Document {
    let made = made(r);
    Document {
        title: lang.t("register.title"),
        period: r.register.company.clone(),
        generated: format!("{} {made}", lang.t("register.made")),
        note: lang.t("register.note"),
        page_word: lang.t("report_file.page"),
        tables: sections(lang, r)
            .into_iter()
            .map(|s| Table {
                title: s.title,
                columns: vec![String::new(), String::new()],
                // One line per item, the label on the first.
                rows: s
                    .rows
                    .into_iter()
                    .flat_map(|(label, items)| {
                        items
                            .into_iter()
                            .enumerate()
                            .map(move |(i, item)| vec![Cell::Text(if i == 0 { label.clone() } else { String::new() }), Cell::Text(item)])
                    })
                    .collect(),
            })
            .collect(),
        charts: Vec::new(),
    }
}

/// The register as a PDF.
pub fn pdf(lang: Lang, r: &ProcessingRegister) -> Vec<u8> {
    crm_reporting::write_pdf(&document(lang, r))
}
