//! Building a document: its stored values, its words and their prefixes scoped by tenant
//! and kind, its hashes and its filter terms.

use crate::layout::{Fields, StoredText, hash_term};
use crm_domain::TenantId;
use crm_domain::search::word_spans;
use crm_ports::search::{SearchDoc, SearchEntity};
use tantivy::{DateTime, TantivyDocument};

/// Longest prefix indexed for type-ahead, in characters.
const MAX_PREFIX_CHARS: usize = 20;

fn prefixes(word: &str) -> impl Iterator<Item = &str> {
    word.char_indices()
        .skip(1)
        .map(|(i, _)| &word[..i])
        .chain(std::iter::once(word))
        .take(MAX_PREFIX_CHARS)
}

pub(crate) fn date(d: chrono::DateTime<chrono::Utc>) -> DateTime {
    DateTime::from_timestamp_micros(d.timestamp_micros())
}

pub(crate) fn day(d: chrono::NaiveDate) -> DateTime {
    date(d.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// What every word and prefix term of a document starts with: its tenant and kind.
pub(crate) fn scope_key(tenant: TenantId, entity: SearchEntity) -> String {
    let kind = match entity {
        SearchEntity::Contact => 'c',
        SearchEntity::Organization => 'o',
        SearchEntity::Opportunity => 'd',
    };
    format!("{}{kind}", tenant.as_uuid().simple())
}

pub(crate) fn to_document(f: &Fields, d: &SearchDoc) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    let key = scope_key(d.tenant_id, d.entity);
    doc.add_text(f.id, d.id.to_string());
    doc.add_text(f.tenant, d.tenant_id.to_string());
    doc.add_text(f.entity, d.entity.code());
    if let Some(o) = d.owner_id {
        doc.add_text(f.owner, o.to_string());
    }
    if d.filters.pooled {
        doc.add_text(f.owner, crm_ports::search::pool_owner().to_string());
    }
    doc.add_text(f.title, &d.title);
    if let Some(s) = &d.subtitle {
        doc.add_text(f.subtitle, s);
    }
    let stored: Vec<StoredText> = d
        .texts
        .iter()
        .map(|t| StoredText {
            f: t.field.to_owned(),
            t: t.text.clone(),
        })
        .collect();
    if let Ok(json) = serde_json::to_string(&stored) {
        doc.add_text(f.texts, json);
    }
    for t in &d.texts {
        let (words, prefix) = if t.primary {
            (f.primary_words, f.primary_prefix)
        } else {
            (f.other_words, f.other_prefix)
        };
        for w in word_spans(&t.text) {
            for p in prefixes(&w.folded) {
                doc.add_text(prefix, format!("{key}{p}"));
            }
            doc.add_text(words, format!("{key}{}", w.folded));
        }
    }
    for h in &d.hashes {
        doc.add_bytes(f.hash, &hash_term(h));
    }
    let x = &d.filters;
    if let Some(k) = x.kind {
        doc.add_text(f.kind, k);
    }
    if let Some(s) = x.lead_status {
        doc.add_text(f.lead_status, s);
    }
    for t in &x.tags {
        doc.add_text(f.tag, t);
    }
    for (field, v) in [
        (f.organization, x.organization_id),
        (f.pipeline, x.pipeline_id),
        (f.stage, x.stage_id),
    ] {
        if let Some(v) = v {
            doc.add_text(field, v.to_string());
        }
    }
    if let Some(s) = x.status {
        doc.add_text(f.status, s);
    }
    if let Some(c) = x.expected_close {
        doc.add_date(f.close, day(c));
    }
    if let Some(u) = x.updated_at {
        doc.add_date(f.updated, date(u));
    }
    doc
}
