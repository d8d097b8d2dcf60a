//! Email templates: a subject and a body per language, written in a sandboxed template
//! language (minijinja: `{{ contact.first_name }}`, `{% if … %}`, `{% for … %}`; no file,
//! no network, a bounded amount of work), checked when saved — syntax, known variables,
//! a trial rendering — with the line at fault, and rendered for one recipient.

mod html;

pub use html::{escape_html, links, rewrite_links, text_to_html};

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::ids::{TemplateId, TenantId, UserId};
use crate::tenant::Language;
use chrono::{DateTime, Utc};
use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};

/// Longest name.
pub const MAX_NAME: usize = 120;
/// Longest subject (before rendering).
pub const MAX_SUBJECT: usize = 500;
/// Longest body (before rendering), bytes.
pub const MAX_BODY: usize = 100_000;
/// Longest rendered text, bytes (a loop cannot blow a message up).
pub const MAX_RENDERED: usize = 1_000_000;
/// Work a rendering may do (minijinja's fuel: instructions run).
const FUEL: u64 = 200_000;

/// The variables a template may use, as `{{ name }}`. Objects (`contact`…) may also be used
/// whole in a condition (`{% if organization.name %}`).
pub const VARIABLES: &[&str] = &[
    "contact.first_name",
    "contact.last_name",
    "contact.full_name",
    "contact.email",
    "contact.phone",
    "contact.job_title",
    "contact.city",
    "contact.tags",
    "organization.name",
    "organization.website",
    "opportunity.title",
    "opportunity.amount",
    "opportunity.stage",
    "opportunity.expected_close",
    "sender.name",
    "sender.email",
    "sender.signature",
    "company.name",
];

/// One language of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateVariant {
    /// Its language.
    pub language: Language,
    /// The subject (one line once rendered).
    pub subject: String,
    /// The body, plain text: paragraphs separated by a blank line, links written out.
    pub body: String,
}

/// A template as given by its author.
#[derive(Debug, Clone, Default)]
pub struct TemplateInput {
    /// Its name in the list.
    pub name: String,
    /// One per language (at least one, each language once).
    pub variants: Vec<TemplateVariant>,
}

/// A company's template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailTemplate {
    /// Id.
    pub id: TemplateId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Name, unique in the company.
    pub name: String,
    /// Its languages, French first.
    pub variants: Vec<TemplateVariant>,
    /// Who wrote it.
    pub created_by: Option<UserId>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl EmailTemplate {
    /// The variant of `language`, else the first one.
    pub fn variant(&self, language: Language) -> Option<&TemplateVariant> {
        self.variants
            .iter()
            .find(|v| v.language == language)
            .or_else(|| self.variants.first())
    }
}

impl TemplateInput {
    /// Checks every field and returns the input tidied (name trimmed, variants French
    /// first).
    ///
    /// # Errors
    /// `name` required or too long; `variants` required; `variants.N.language` repeated;
    /// `variants.N.subject|body` required, too long, `syntax` or `unknown_variable` with
    /// the line.
    pub fn check(mut self) -> Result<Self, ValidationError> {
        let mut v = Validator::new();
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            v.push("name", ViolationKind::Required);
        } else if self.name.chars().count() > MAX_NAME {
            v.push("name", ViolationKind::TooLong);
        }
        if self.variants.is_empty() {
            v.push("variants", ViolationKind::Required);
        }
        let mut seen = Vec::new();
        let mut faults = Vec::new();
        for (i, variant) in self.variants.iter().enumerate() {
            if seen.contains(&variant.language) {
                v.push(format!("variants.{i}.language"), ViolationKind::Repeated);
            }
            seen.push(variant.language);
            for (field, text, max) in [("subject", &variant.subject, MAX_SUBJECT), ("body", &variant.body, MAX_BODY)] {
                let path = format!("variants.{i}.{field}");
                if text.trim().is_empty() {
                    v.push(path, ViolationKind::Required);
                } else if text.len() > max {
                    v.push(path, ViolationKind::TooLong);
                } else if let Err(e) = check_source(text) {
                    faults.push(e.at(&path));
                }
            }
        }
        let mut result = v.finish();
        for f in faults {
            result = match result {
                Ok(()) => Err(f),
                Err(e) => Err(e.join(f)),
            };
        }
        result?;
        self.variants.sort_by_key(|v| v.language != Language::Fr);
        Ok(self)
    }
}

/// What a template is rendered with: the recipient, their organization, the deal, the
/// sender and the company. Missing values are empty text, so `{% if … %}` tests them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RenderContext {
    /// The recipient.
    pub contact: ContactVars,
    /// Their organization.
    pub organization: OrganizationVars,
    /// The deal the email is about.
    pub opportunity: OpportunityVars,
    /// Who sends.
    pub sender: SenderVars,
    /// The company sending.
    pub company: CompanyVars,
}

/// `contact.*`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContactVars {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// First and last name.
    pub full_name: String,
    /// The address written to.
    pub email: String,
    /// First phone.
    pub phone: String,
    /// Job title.
    pub job_title: String,
    /// City.
    pub city: String,
    /// Tags.
    pub tags: Vec<String>,
}

/// `organization.*`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrganizationVars {
    /// Name.
    pub name: String,
    /// Web site.
    pub website: String,
}

/// `opportunity.*`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpportunityVars {
    /// Title.
    pub title: String,
    /// Amount as the company writes it (`12 500,00 €`).
    pub amount: String,
    /// Its stage's name.
    pub stage: String,
    /// Expected close date as the company writes it.
    pub expected_close: String,
}

/// `sender.*`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SenderVars {
    /// Display name.
    pub name: String,
    /// Address.
    pub email: String,
    /// Signature (plain text).
    pub signature: String,
}

/// `company.*`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CompanyVars {
    /// Name.
    pub name: String,
}

/// A template rendered for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject, one line.
    pub subject: String,
    /// Body, plain text.
    pub text: String,
}

impl RenderContext {
    /// A context with every variable filled, for trial renderings.
    pub fn sample() -> Self {
        let s = |t: &str| t.to_owned();
        Self {
            contact: ContactVars {
                first_name: s("Camille"),
                last_name: s("Martin"),
                full_name: s("Camille Martin"),
                email: s("camille.martin@exemple.fr"),
                phone: s("+33 6 12 34 56 78"),
                job_title: s("Directrice des achats"),
                city: s("Lyon"),
                tags: vec![s("salon"), s("vip")],
            },
            organization: OrganizationVars {
                name: s("Exemple SA"),
                website: s("https://exemple.fr"),
            },
            opportunity: OpportunityVars {
                title: s("Renouvellement 2027"),
                amount: s("12 500,00 €"),
                stage: s("Proposition"),
                expected_close: s("31/03/2027"),
            },
            sender: SenderVars {
                name: s("Paul Durand"),
                email: s("paul.durand@exemple.com"),
                signature: s("Paul Durand\nResponsable commercial"),
            },
            company: CompanyVars { name: s("Exemple") },
        }
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    // Plain text: nothing is escaped here; the HTML part escapes what it shows.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

fn line_of(e: &minijinja::Error) -> Option<u32> {
    e.line().and_then(|l| u32::try_from(l).ok())
}

/// The first line of `source` that names `variable`.
fn line_naming(source: &str, variable: &str) -> Option<u32> {
    let head = variable.split('.').next().unwrap_or(variable);
    let found = source
        .lines()
        .position(|l| l.contains(variable))
        .or_else(|| source.lines().position(|l| l.contains(head)))?;
    u32::try_from(found + 1).ok()
}

fn known(variable: &str) -> bool {
    VARIABLES.contains(&variable) || VARIABLES.iter().any(|v| v.split('.').next() == Some(variable))
}

/// Checks one text: it parses, names only known variables, and renders with the sample.
///
/// # Errors
/// `syntax` or `unknown_variable`, with the line (and the variable's name).
pub fn check_source(source: &str) -> Result<(), ValidationError> {
    let env = environment();
    let template = env.template_from_str(source).map_err(|e| {
        ValidationError::at_line(
            "",
            ViolationKind::Syntax,
            line_of(&e),
            Some(e.detail().unwrap_or_default().to_owned()),
        )
    })?;
    let mut unknown: Vec<String> = template.undeclared_variables(true).into_iter().filter(|v| !known(v)).collect();
    unknown.sort();
    if let Some(name) = unknown.into_iter().next() {
        let line = line_naming(source, &name);
        return Err(ValidationError::at_line("", ViolationKind::UnknownVariable, line, Some(name)));
    }
    render_one(&env, source, &RenderContext::sample()).map(|_| ())
}

fn render_one(env: &Environment<'_>, source: &str, ctx: &RenderContext) -> Result<String, ValidationError> {
    let fault = |e: minijinja::Error| {
        let kind = if e.kind() == minijinja::ErrorKind::UndefinedError {
            ViolationKind::UnknownVariable
        } else {
            ViolationKind::Syntax
        };
        ValidationError::at_line("", kind, line_of(&e), e.detail().map(str::to_owned))
    };
    let out = env.render_str(source, ctx).map_err(fault)?;
    if out.len() > MAX_RENDERED {
        return Err(ValidationError::field("", ViolationKind::TooLarge));
    }
    Ok(out)
}

/// Renders a variant for one recipient.
///
/// # Errors
/// `subject` or `body` at fault (a template saved before the variables changed).
pub fn render(variant: &TemplateVariant, ctx: &RenderContext) -> Result<Rendered, ValidationError> {
    let env = environment();
    let subject = render_one(&env, &variant.subject, ctx).map_err(|e| e.at("subject"))?;
    let text = render_one(&env, &variant.body, ctx).map_err(|e| e.at("body"))?;
    Ok(Rendered {
        subject: one_line(&subject),
        text,
    })
}

/// A subject on one line: line breaks, tabs and runs of spaces become one space (the
/// no-break spaces of amounts and names stay).
pub fn one_line(s: &str) -> String {
    s.split(['\r', '\n', '\t', ' '])
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn variant(subject: &str, body: &str) -> TemplateVariant {
        TemplateVariant {
            language: Language::Fr,
            subject: subject.into(),
            body: body.into(),
        }
    }

    fn input(body: &str) -> TemplateInput {
        TemplateInput {
            name: " Relance ".into(),
            variants: vec![variant("Bonjour {{ contact.first_name }}", body)],
        }
    }

    #[test]
    fn a_good_template_is_kept_tidied() {
        let t = input("Bonjour {{ contact.first_name }},\n{% if organization.name %}chez {{ organization.name }}{% endif %}\n{% for t in contact.tags %}{{ t|upper }} {% endfor %}")
            .check()
            .unwrap();
        assert_eq!(t.name, "Relance");
    }

    #[test]
    fn an_unknown_variable_is_named_with_its_line() {
        let e = input("Bonjour,\n\nCher {{ contact.fist_name }}").check().unwrap_err();
        let f = &e.errors()[0];
        assert_eq!(f.field, "variants.0.body");
        assert_eq!(f.kind, ViolationKind::UnknownVariable);
        assert_eq!(f.line, Some(3));
        assert_eq!(f.value.as_deref(), Some("contact.fist_name"));
    }

    #[test]
    fn a_syntax_error_gives_its_line() {
        let e = input("Bonjour\n{% if contact.first_name %}\nsans fin").check().unwrap_err();
        let f = &e.errors()[0];
        assert_eq!((f.field.as_str(), f.kind), ("variants.0.body", ViolationKind::Syntax));
        assert!(f.line.is_some());
        let e = input("ligne 1\n{{ contact.first_name | nofilter }}").check().unwrap_err();
        assert_eq!(e.errors()[0].kind, ViolationKind::Syntax);
        assert_eq!(e.errors()[0].line, Some(2));
    }

    #[test]
    fn every_fault_is_given_and_languages_are_once_each() {
        let t = TemplateInput {
            name: String::new(),
            variants: vec![variant("", "{{ x }}"), variant("ok", "ok")],
        };
        let codes: Vec<(String, ViolationKind)> = t.check().unwrap_err().errors().iter().map(|f| (f.field.clone(), f.kind)).collect();
        assert_eq!(
            codes,
            [
                ("name".to_owned(), ViolationKind::Required),
                ("variants.0.subject".to_owned(), ViolationKind::Required),
                ("variants.1.language".to_owned(), ViolationKind::Repeated),
                ("variants.0.body".to_owned(), ViolationKind::UnknownVariable),
            ]
        );
    }

    #[test]
    fn endless_work_is_stopped() {
        let e = input("{% for i in range(10000) %}{% for j in range(10000) %}x{% endfor %}{% endfor %}")
            .check()
            .unwrap_err();
        assert_eq!(e.errors()[0].field, "variants.0.body");
    }

    #[test]
    fn rendering_fills_and_leaves_missing_values_empty() {
        let v = variant(
            "Votre devis\n {{ opportunity.title }}",
            "Bonjour {{ contact.first_name }}{% if contact.job_title %} ({{ contact.job_title }}){% endif %}",
        );
        let mut ctx = RenderContext::default();
        ctx.contact.first_name = "Léa".into();
        ctx.opportunity.title = "Parc 2027".into();
        let r = render(&v, &ctx).unwrap();
        assert_eq!(r.subject, "Votre devis Parc 2027");
        assert_eq!(one_line("12\u{202f}500\u{a0}€ \t\r\n  net"), "12\u{202f}500\u{a0}€ net");
        assert_eq!(r.text, "Bonjour Léa");
    }

    #[test]
    fn nothing_is_escaped_in_plain_text() {
        let mut ctx = RenderContext::default();
        ctx.organization.name = "Dupont & Fils <SA>".into();
        let r = render(&variant("s", "{{ organization.name }}"), &ctx).unwrap();
        assert_eq!(r.text, "Dupont & Fils <SA>");
    }
}
