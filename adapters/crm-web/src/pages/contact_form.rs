//! The contact form shared by creation and edit in place: its values, the input they make,
//! the faults shown under each field, and the differences with the stored contact after a
//! save that met a newer version.

use super::Form;
use crate::i18n::Lang;
use crate::view::fault_text;
use crm_domain::contact::{Contact, ContactInput, ContactKind};
use std::collections::HashMap;

const KINDS: [ContactKind; 4] = [
    ContactKind::Prospect,
    ContactKind::Client,
    ContactKind::Partner,
    ContactKind::FormerClient,
];

/// The fields at fault, with their message.
#[derive(Debug, Default)]
pub(crate) struct Faults(HashMap<String, String>);

impl Faults {
    pub(crate) fn from_error(lang: Lang, e: &crm_domain::ValidationError) -> Self {
        let mut out = HashMap::new();
        for f in e.errors() {
            // `emails.0` is the email field of the form.
            let field = f.field.split('.').next().unwrap_or_default().to_owned();
            out.entry(field).or_insert_with(|| fault_text(lang, f.kind));
        }
        Self(out)
    }

    /// The message of a field ("" when fine).
    pub(crate) fn of(&self, field: &str) -> String {
        self.0.get(field).cloned().unwrap_or_default()
    }

    /// Whether nothing is at fault.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The values of the contact form.
pub(crate) struct FormView {
    pub(crate) kinds: Vec<(String, String, bool)>,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) email: String,
    pub(crate) phone: String,
    pub(crate) job_title: String,
    pub(crate) postal_code: String,
    pub(crate) city: String,
    pub(crate) email_opt_out: bool,
    pub(crate) phone_opt_out: bool,
}

impl FormView {
    /// Offers no choice of kind: what the reader creates is a prospect (a lead of the pool),
    /// shown as a fixed value.
    pub(crate) fn only_prospect(&mut self) {
        self.kinds.retain(|k| k.0 == ContactKind::Prospect.code());
    }

    pub(crate) fn new(lang: Lang, kind: &str, f: &Form) -> Self {
        Self {
            kinds: kinds(lang, kind),
            first_name: f.text("first_name"),
            last_name: f.text("last_name"),
            email: f.text("email"),
            phone: f.text("phone"),
            job_title: f.text("job_title"),
            postal_code: f.text("postal_code"),
            city: f.text("city"),
            email_opt_out: f.get("email_opt_out").is_some(),
            phone_opt_out: f.get("phone_opt_out").is_some(),
        }
    }

    pub(crate) fn of(lang: Lang, c: &Contact) -> Self {
        Self {
            kinds: kinds(lang, c.kind.code()),
            first_name: c.fields.first_name.to_string(),
            last_name: c.fields.last_name.to_string(),
            email: c.fields.emails.first().map(|e| e.as_str().to_owned()).unwrap_or_default(),
            phone: c.fields.phones.first().map(|p| p.as_str().to_owned()).unwrap_or_default(),
            job_title: c.fields.job_title.as_ref().map(ToString::to_string).unwrap_or_default(),
            postal_code: c.fields.address.postal_code.as_ref().map(ToString::to_string).unwrap_or_default(),
            city: c.fields.address.city.as_ref().map(ToString::to_string).unwrap_or_default(),
            email_opt_out: c.fields.email_opt_out,
            phone_opt_out: c.fields.phone_opt_out,
        }
    }
}

/// A field where what was typed and what is stored differ (a save that met a newer
/// version): both shown, the stored one ready to be taken back into the form.
pub(crate) struct Difference {
    /// The input's name (and id).
    pub(crate) field: &'static str,
    /// Its label.
    pub(crate) label: String,
    /// What was typed, as shown.
    pub(crate) mine: String,
    /// What is stored, as shown.
    pub(crate) theirs: String,
    /// What is stored, as the input's value.
    pub(crate) theirs_value: String,
}

impl FormView {
    /// The kind selected: its code and its name.
    fn kind(&self) -> (String, String) {
        self.kinds
            .iter()
            .find(|k| k.2)
            .map(|k| (k.0.clone(), k.1.clone()))
            .unwrap_or_default()
    }

    /// The fields where this form (as typed) and `stored` differ, in the form's order.
    pub(crate) fn differences(&self, stored: &FormView, lang: Lang) -> Vec<Difference> {
        let ((my_kind, my_kind_name), (kind, kind_name)) = (self.kind(), stored.kind());
        let text =
            |field: &'static str, mine: &str, theirs: &str| (field, mine.to_owned(), mine.to_owned(), theirs.to_owned(), theirs.to_owned());
        [
            ("kind", my_kind, my_kind_name, kind, kind_name),
            text("job_title", &self.job_title, &stored.job_title),
            text("first_name", &self.first_name, &stored.first_name),
            text("last_name", &self.last_name, &stored.last_name),
            text("email", &self.email, &stored.email),
            text("phone", &self.phone, &stored.phone),
            text("postal_code", &self.postal_code, &stored.postal_code),
            text("city", &self.city, &stored.city),
        ]
        .into_iter()
        .filter(|(_, mine, _, theirs, _)| mine != theirs)
        .map(|(field, _, mine, theirs_value, theirs)| Difference {
            field,
            label: lang.t(&format!("contacts.{field}")),
            mine,
            theirs,
            theirs_value,
        })
        .collect()
    }
}

pub(crate) fn kinds(lang: Lang, selected: &str) -> Vec<(String, String, bool)> {
    KINDS
        .iter()
        .map(|k| {
            (
                k.code().to_owned(),
                lang.t(&format!("contact_kind.{}", k.code())),
                k.code() == selected,
            )
        })
        .collect()
}

/// The input of a form: over `base` (the contact as stored), the first email and phone
/// replaced by the form's (the others kept).
pub(crate) fn input_of(form: &Form, base: Option<&Contact>) -> ContactInput {
    let mut input = base.map(input_from).unwrap_or_default();
    input.kind = form.get("kind").unwrap_or_else(|| "prospect".to_owned());
    input.first_name = form.text("first_name");
    input.last_name = form.text("last_name");
    input.job_title = form.get("job_title");
    let replace_first = |list: &mut Vec<String>, v: Option<String>| match (v, list.is_empty()) {
        (Some(v), true) => list.push(v),
        (Some(v), false) => list[0] = v,
        (None, false) => {
            list.remove(0);
        }
        (None, true) => {}
    };
    replace_first(&mut input.emails, form.get("email"));
    replace_first(&mut input.phones, form.get("phone"));
    // The postcode and the city, when the form showed them.
    if form.raw("postal_code").is_some() || form.raw("city").is_some() {
        input.address.postal_code = form.get("postal_code");
        input.address.city = form.get("city");
    }
    // The boxes, when the form showed them (an unticked box sends nothing).
    if form.get("opt_outs").is_some() {
        input.email_opt_out = form.get("email_opt_out").is_some();
        input.phone_opt_out = form.get("phone_opt_out").is_some();
    }
    input
}

/// The input that writes a stored contact again as it is (changed in part by the caller).
pub(crate) fn input_from(c: &Contact) -> ContactInput {
    let f = &c.fields;
    let label = |l: &Option<crm_domain::text::Label>| l.as_ref().map(ToString::to_string);
    ContactInput {
        kind: c.kind.code().to_owned(),
        first_name: f.first_name.to_string(),
        last_name: f.last_name.to_string(),
        emails: f.emails.iter().map(|e| e.as_str().to_owned()).collect(),
        phones: f.phones.iter().map(|p| p.as_str().to_owned()).collect(),
        organization_id: f.organization_id,
        job_title: label(&f.job_title),
        address: crm_domain::organization::AddressInput {
            street: f.address.street.as_ref().map(ToString::to_string),
            postal_code: label(&f.address.postal_code),
            city: label(&f.address.city),
            country: f.address.country.map(|c| c.as_str().to_owned()),
        },
        tags: f.tags.iter().map(|t| t.as_str().to_owned()).collect(),
        source: label(&f.source),
        notes: f.notes.as_ref().map(ToString::to_string),
        external_id: f.external_id.as_ref().map(ToString::to_string),
        email_opt_out: f.email_opt_out,
        phone_opt_out: f.phone_opt_out,
    }
}

pub(crate) fn full_name(c: &Contact) -> String {
    format!("{} {}", c.fields.first_name, c.fields.last_name)
}
