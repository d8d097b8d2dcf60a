//! The automation rule builder's form: what it offers (triggers, condition fields, action
//! types), the form as typed read into a rule's input, and a rule said in words.

use super::Form;
use crate::view::Page;
use crm_domain::automation::{Action, AutomationInput, AutomationRule, ContactField, Trigger};
use serde_json::{Value, json};

/// The action rows the form offers.
pub(crate) const ROWS: usize = 5;

/// The trigger types, in the order offered.
pub(crate) const TRIGGERS: [&str; 9] = [
    "record_created",
    "record_changed",
    "field_changed",
    "stage_changed",
    "score_crossed",
    "email_opened",
    "email_clicked",
    "email_replied",
    "date_reached",
];

/// The records a trigger may watch.
pub(crate) const SUBJECTS: [&str; 4] = ["contact", "organization", "opportunity", "activity"];

/// The contact fields a simple condition looks at (the operator follows from the field).
pub(crate) const CONDITION_FIELDS: [&str; 7] = ["kind", "tag", "source", "score", "lead_status", "organization.industry", "city"];

/// The action types, in the order offered.
pub(crate) const ACTIONS: [&str; 9] = [
    "send_email",
    "wait",
    "create_task",
    "assign_owner",
    "add_tag",
    "add_to_list",
    "update_field",
    "notify",
    "call_webhook",
];

/// One action row as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ActionRow {
    pub kind: String,
    pub template: String,
    pub hours: String,
    pub unless: bool,
    pub title: String,
    pub due: String,
    pub team: String,
    pub tag: String,
    pub list: String,
    pub field: String,
    pub value: String,
    pub message: String,
    pub webhook: String,
}

/// The form as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Typed {
    pub name: String,
    pub trigger: String,
    pub entity: String,
    pub field: String,
    pub to: String,
    pub stage: String,
    pub threshold: String,
    pub days: String,
    pub segment: String,
    pub cond_field: String,
    pub cond_value: String,
    pub rows: Vec<ActionRow>,
}

impl Typed {
    /// An empty form: a contact created, one row of each of the first types.
    pub(crate) fn blank() -> Self {
        Self {
            trigger: "record_created".into(),
            entity: "contact".into(),
            days: "-3".into(),
            rows: (0..ROWS).map(|_| ActionRow::default()).collect(),
            ..Self::default()
        }
    }

    pub(crate) fn read(form: &Form) -> Self {
        let rows = (0..ROWS)
            .map(|i| {
                let f = |k: &str| form.text(&format!("a{i}_{k}"));
                ActionRow {
                    kind: f("type"),
                    template: f("template"),
                    hours: f("hours"),
                    unless: form.get(&format!("a{i}_unless")).is_some(),
                    title: f("title"),
                    due: f("due"),
                    team: f("team"),
                    tag: f("tag"),
                    list: f("list"),
                    field: f("field"),
                    value: f("value"),
                    message: f("message"),
                    webhook: f("webhook"),
                }
            })
            .collect();
        Self {
            name: form.text("name"),
            trigger: form.text("trigger_type"),
            entity: form.text("trigger_entity"),
            field: form.text("trigger_field"),
            to: form.text("trigger_to"),
            stage: form.text("trigger_stage"),
            threshold: form.text("trigger_threshold"),
            days: form.text("trigger_days"),
            segment: form.text("cond_segment"),
            cond_field: form.text("cond_field"),
            cond_value: form.text("cond_value"),
            rows,
        }
    }

    fn trigger_json(&self) -> Value {
        let num = |s: &str| s.trim().parse::<i64>().map_or(Value::String(s.to_owned()), Value::from);
        let opt = |s: &str| if s.trim().is_empty() { Value::Null } else { Value::from(s.trim()) };
        match self.trigger.as_str() {
            t @ ("record_created" | "record_changed") => json!({"type": t, "entity": self.entity}),
            "field_changed" => json!({"type": "field_changed", "entity": self.entity, "field": self.field, "to": opt(&self.to)}),
            "stage_changed" => json!({"type": "stage_changed", "stage_id": opt(&self.stage)}),
            "score_crossed" => json!({"type": "score_crossed", "threshold": num(&self.threshold)}),
            "date_reached" => json!({"type": "date_reached", "days": num(&self.days)}),
            t => json!({"type": t}),
        }
    }

    /// The simple condition as a segment condition (its operator follows from its field).
    fn condition_json(&self) -> Option<Value> {
        let value = self.cond_value.trim();
        if self.cond_field.is_empty() || value.is_empty() {
            return None;
        }
        Some(match self.cond_field.as_str() {
            "tag" => json!({"field": "tag", "op": "has", "value": value}),
            "score" => json!({"field": "score", "op": "gte", "value": value.parse::<i64>().map_or(Value::from(value), Value::from)}),
            f => json!({"field": f, "op": "eq", "value": value}),
        })
    }

    /// The rule typed; `segment_rule` is the chosen segment's rule, if any.
    pub(crate) fn input(&self, segment_rule: Option<Value>, active: bool) -> AutomationInput {
        let conditions = match (segment_rule, self.condition_json()) {
            (Some(s), Some(c)) => Some(json!({"all": [s, c]})),
            (Some(one), None) | (None, Some(one)) => Some(one),
            (None, None) => None,
        };
        let num = |s: &str| s.trim().parse::<i64>().map_or(Value::String(s.to_owned()), Value::from);
        let actions = self
            .rows
            .iter()
            .filter(|r| !r.kind.is_empty())
            .map(|r| match r.kind.as_str() {
                "send_email" => json!({"type": "send_email", "template_id": r.template}),
                "wait" => json!({"type": "wait", "hours": num(&r.hours), "unless_replied": r.unless}),
                "create_task" => {
                    json!({"type": "create_task", "title": r.title, "due_in_days": num(if r.due.trim().is_empty() { "0" } else { &r.due })})
                }
                "assign_owner" => json!({"type": "assign_owner", "team_id": r.team}),
                "add_tag" => json!({"type": "add_tag", "tag": r.tag}),
                "add_to_list" => json!({"type": "add_to_list", "segment_id": r.list}),
                "update_field" => json!({"type": "update_field", "field": r.field, "value": r.value}),
                "notify" => json!({"type": "notify", "message": r.message}),
                "call_webhook" => json!({"type": "call_webhook", "webhook_id": r.webhook}),
                other => json!({"type": other}),
            })
            .collect();
        AutomationInput {
            name: self.name.clone(),
            active,
            trigger: self.trigger_json(),
            conditions,
            actions,
        }
    }
}

/// Names of the records a rule names, to say it in words.
#[derive(Debug, Default)]
pub(crate) struct Names {
    pub templates: Vec<(String, String)>,
    pub lists: Vec<(String, String)>,
    pub teams: Vec<(String, String)>,
    pub stages: Vec<(String, String)>,
    pub webhooks: Vec<(String, String)>,
}

fn name_of(list: &[(String, String)], id: &uuid::Uuid) -> String {
    let id = id.to_string();
    list.iter().find(|(i, _)| *i == id).map_or(id, |(_, n)| n.clone())
}

/// The trigger in words: « Contact créé », « 3 jours avant la clôture prévue »...
pub(crate) fn trigger_words(page: &Page, t: &Trigger, names: &Names) -> String {
    let subject = |s: &crm_domain::automation::Subject| page.t(&format!("automations.subject_{}", code(s)));
    let base = page.t(&format!("automations.trigger_{}", t.code()));
    match t {
        Trigger::RecordCreated { entity } | Trigger::RecordChanged { entity } => format!("{base} : {}", subject(entity)),
        Trigger::FieldChanged { entity, field, to } => {
            let to = to.as_ref().map(|v| format!(" → {v}")).unwrap_or_default();
            format!("{base} : {} « {field} »{to}", subject(entity))
        }
        Trigger::StageChanged { stage_id } => match stage_id {
            Some(s) => format!("{base} : {}", name_of(&names.stages, s)),
            None => base,
        },
        Trigger::ScoreCrossed { threshold } => format!("{base} {threshold}"),
        Trigger::DateReached { days } => page
            .t(if *days < 0 {
                "automations.days_before"
            } else {
                "automations.days_after"
            })
            .replace("{n}", &days.abs().to_string()),
        Trigger::EmailOpened | Trigger::EmailClicked | Trigger::EmailReplied => base,
    }
}

fn code(s: &crm_domain::automation::Subject) -> &'static str {
    s.entity().code()
}

/// An action in words.
pub(crate) fn action_words(page: &Page, a: &Action, names: &Names) -> String {
    let base = page.t(&format!("automations.action_{}", a.code()));
    match a {
        Action::SendEmail { template_id } => format!("{base} « {} »", name_of(&names.templates, template_id)),
        Action::Wait { hours, unless_replied } => {
            let mut s = format!("{base} {hours} h");
            if *unless_replied {
                s.push_str(&format!(" ({})", page.t("automations.unless_replied")));
            }
            s
        }
        Action::CreateTask { title, due_in_days, .. } => format!("{base} « {title} » (J+{due_in_days})"),
        Action::AssignOwner { team_id } => format!("{base} : {}", name_of(&names.teams, team_id)),
        Action::AddTag { tag } => format!("{base} « {tag} »"),
        Action::AddToList { segment_id } => format!("{base} « {} »", name_of(&names.lists, segment_id)),
        Action::UpdateField { field, value } => {
            let f = match field {
                ContactField::Source => "source",
                ContactField::JobTitle => "job_title",
                ContactField::Kind => "kind",
            };
            format!("{base} : {} → {value}", page.t(&format!("automations.field_{f}")))
        }
        Action::Notify { message, .. } => format!("{base} : {message}"),
        Action::CallWebhook { webhook_id } => format!("{base} {}", name_of(&names.webhooks, webhook_id)),
    }
}

/// A saved rule as typed in the form (to change it).
pub(crate) fn typed_of(r: &AutomationRule) -> Typed {
    let v = serde_json::to_value(&r.spec.trigger).unwrap_or_default();
    let s = |k: &str| match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let mut t = Typed::blank();
    t.name = r.spec.name.as_str().to_owned();
    t.trigger = r.spec.trigger.code().to_owned();
    t.entity = if s("entity").is_empty() { "contact".into() } else { s("entity") };
    t.field = s("field");
    t.to = s("to");
    t.stage = s("stage_id");
    t.threshold = s("threshold");
    t.days = s("days");
    for (row, a) in t.rows.iter_mut().zip(&r.spec.actions) {
        let v = serde_json::to_value(a).unwrap_or_default();
        let s = |k: &str| match v.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        *row = ActionRow {
            kind: a.code().to_owned(),
            template: s("template_id"),
            hours: s("hours"),
            unless: v.get("unless_replied").and_then(Value::as_bool).unwrap_or(false),
            title: s("title"),
            due: s("due_in_days"),
            team: s("team_id"),
            tag: s("tag"),
            list: s("segment_id"),
            field: s("field"),
            value: s("value"),
            message: s("message"),
            webhook: s("webhook_id"),
        };
    }
    t
}

/// A fault's place in words: « Nom », « Déclencheur », « Action 2 »...
pub(crate) fn fault_place(page: &Page, field: &str) -> String {
    let mut parts = field.split('.');
    match parts.next().unwrap_or_default() {
        "name" => page.t("automations.name"),
        "trigger" => page.t("automations.trigger"),
        "conditions" => page.t("automations.conditions"),
        "actions" => match parts.next().and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => format!("{} {}", page.t("automations.action"), n + 1),
            None => page.t("automations.actions"),
        },
        other => other.to_owned(),
    }
}
