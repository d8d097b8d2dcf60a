//! A contact's likely duplicates on their page, and merging one into them: the other's
//! emails, phones, tags and deals join this contact, the other disappears (its history
//! follows). The use case decides who may and checks both versions.

use super::{Form, path_id, signed_write};
use crate::Web;
use crate::i18n::Lang;
use crate::view::{error_page, see_other};
use crm_domain::ContactId;
use crm_domain::contact::Contact;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator, ServiceError};
use poem::{Request, Response};
use uuid::Uuid;

/// A likely duplicate the reader may see (and so merge).
pub(crate) struct Candidate {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) reasons: String,
}

/// The likely duplicates of a contact the reader may see; none when they may not edit it
/// or the search fails (the page shows without them).
pub(crate) async fn candidates<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(
    web: &Web<S, K, C, I, X>,
    actor: &crm_domain::Actor,
    lang: Lang,
    c: &Contact,
    editable: bool,
) -> Vec<Candidate> {
    if !editable {
        return Vec::new();
    }
    match web.app.find_duplicates(actor, c).await {
        Ok(found) => found
            .into_iter()
            .filter_map(|d| {
                Some(Candidate {
                    id: d.contact_id?.as_uuid(),
                    name: d.display_name?,
                    reasons: d
                        .reasons
                        .iter()
                        .map(|r| lang.t(&format!("duplicate.{}", r.code())))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "a contact's duplicates could not be looked for");
            Vec::new()
        }
    }
}

/// `POST /contacts/{id}/merge`: merges the contact `merged_id` into this one (at the
/// version the page showed: a change made meanwhile is a conflict); back to this contact.
pub(crate) async fn merge<S: Store, K: Credentials, C: Clock, I: IdGenerator, X>(web: &Web<S, K, C, I, X>, mut req: Request) -> Response {
    let form = Form::body(&mut req).await;
    let (auth, page) = match signed_write(web, &req, &form, "contacts").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let kept = path_id(&req).map(ContactId::from_uuid);
    let merged = form
        .get("merged_id")
        .and_then(|m| Uuid::parse_str(&m).ok())
        .map(ContactId::from_uuid);
    let (Some(kept), Some(merged)) = (kept, merged) else {
        return error_page(page, &ServiceError::NotFound);
    };
    let actor = auth.actor;
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let other = match web.app.contact(&actor, merged).await {
        Ok(o) => o,
        Err(e) => return error_page(page, &e),
    };
    let base = &web.settings.base_path;
    match web.app.merge_contacts(&actor, kept, version, merged, other.version).await {
        Ok(c) => see_other(&req, base, &format!("/contacts/{}?merged=1", c.id)),
        Err(ServiceError::Conflict) => see_other(&req, base, &format!("/contacts/{kept}?merged=conflict")),
        Err(ServiceError::Invalid(_)) => see_other(&req, base, &format!("/contacts/{kept}")),
        Err(e) => error_page(page, &e),
    }
}
