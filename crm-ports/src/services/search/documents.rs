//! The search documents of contacts, organizations and opportunities: their words, and
//! keyed hashes instead of emails and phones.

use crate::search::{DocFilters, DocText, SearchDoc, SearchEntity};
use crate::store::SearchHasher;
use crm_domain::contact::Contact;
use crm_domain::opportunity::Opportunity;
use crm_domain::organization::Organization;
use crm_domain::search::{email_tokens, phone_tokens};

/// The email and phone hashes of a contact, as the index holds them.
fn contact_hashes<H: SearchHasher + ?Sized>(hasher: &H, c: &Contact) -> Vec<[u8; 32]> {
    let mut out = Vec::new();
    for e in &c.fields.emails {
        out.extend(email_tokens(e).iter().map(|t| hasher.search_hash(c.tenant_id, "email", t)));
    }
    for p in &c.fields.phones {
        out.extend(phone_tokens(p).iter().map(|t| hasher.search_hash(c.tenant_id, "phone", t)));
    }
    out
}

/// The index document of a contact.
pub fn contact_doc<H: SearchHasher + ?Sized>(hasher: &H, c: &Contact, organization: Option<&str>) -> SearchDoc {
    let f = &c.fields;
    let name = format!("{} {}", f.first_name.as_str(), f.last_name.as_str());
    let mut texts = vec![DocText {
        field: "name",
        text: name.clone(),
        primary: true,
    }];
    if let Some(o) = organization {
        texts.push(DocText {
            field: "organization",
            text: o.to_owned(),
            primary: false,
        });
    }
    if let Some(j) = &f.job_title {
        texts.push(DocText {
            field: "job_title",
            text: j.as_str().to_owned(),
            primary: false,
        });
    }
    texts.extend(f.tags.iter().map(|t| DocText {
        field: "tag",
        text: t.as_str().to_owned(),
        primary: false,
    }));
    let subtitle = match (organization, &f.job_title) {
        (Some(o), Some(j)) => Some(format!("{} · {o}", j.as_str())),
        (Some(o), None) => Some(o.to_owned()),
        (None, Some(j)) => Some(j.as_str().to_owned()),
        (None, None) => None,
    };
    SearchDoc {
        tenant_id: c.tenant_id,
        entity: SearchEntity::Contact,
        id: c.id.as_uuid(),
        owner_id: Some(c.owner_id),
        title: name,
        subtitle,
        texts,
        hashes: contact_hashes(hasher, c),
        filters: DocFilters {
            kind: Some(c.kind.code()),
            lead_status: c.lead.as_ref().map(|l| l.status.code()),
            tags: f.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            organization_id: f.organization_id.map(|o| o.as_uuid()),
            updated_at: Some(c.updated_at),
            pooled: c.lead.as_ref().is_some_and(|l| l.pooled),
            ..DocFilters::default()
        },
    }
}

/// The index document of an organization.
pub fn organization_doc(o: &Organization) -> SearchDoc {
    let mut texts = vec![DocText {
        field: "name",
        text: o.name.as_str().to_owned(),
        primary: true,
    }];
    if let Some(d) = &o.domain {
        texts.push(DocText {
            field: "domain",
            text: d.as_str().to_owned(),
            primary: false,
        });
    }
    if let Some(i) = &o.industry {
        texts.push(DocText {
            field: "industry",
            text: i.as_str().to_owned(),
            primary: false,
        });
    }
    SearchDoc {
        tenant_id: o.tenant_id,
        entity: SearchEntity::Organization,
        id: o.id.as_uuid(),
        owner_id: None,
        title: o.name.as_str().to_owned(),
        subtitle: o.domain.as_ref().map(|d| d.as_str().to_owned()),
        texts,
        hashes: Vec::new(),
        filters: DocFilters {
            updated_at: Some(o.updated_at),
            ..DocFilters::default()
        },
    }
}

/// The index document of an opportunity.
pub fn opportunity_doc(o: &Opportunity, organization: Option<&str>) -> SearchDoc {
    let f = &o.fields;
    let mut texts = vec![DocText {
        field: "title",
        text: f.title.as_str().to_owned(),
        primary: true,
    }];
    if let Some(org) = organization {
        texts.push(DocText {
            field: "organization",
            text: org.to_owned(),
            primary: false,
        });
    }
    SearchDoc {
        tenant_id: o.tenant_id,
        entity: SearchEntity::Opportunity,
        id: o.id.as_uuid(),
        owner_id: Some(o.owner_id),
        title: f.title.as_str().to_owned(),
        subtitle: organization.map(str::to_owned),
        texts,
        hashes: Vec::new(),
        filters: DocFilters {
            organization_id: f.organization_id.map(|x| x.as_uuid()),
            pipeline_id: Some(o.pipeline_id.as_uuid()),
            stage_id: Some(o.stage_id.as_uuid()),
            status: Some(o.status.code()),
            expected_close: f.expected_close,
            updated_at: Some(o.updated_at),
            ..DocFilters::default()
        },
    }
}
