//! The demo's import: three days ago Marketing brought in the list of visitors met at the
//! trade show, a CSV as French Excel saves it (semicolons, CRLF), through the same upload,
//! guessed mapping and background job as the import page. Most rows are new people (they
//! land in the leads' pool, as Marketing's do); a few are people the company already knows,
//! found by their email and left as they are (Marketing does not change the reps'
//! contacts; one may have unsubscribed since); one has an address without its domain.
//! Visitors whose name is close to a known contact's are imported all the same, marked to
//! check. The import's report names each row left out or to check, and why. Finished imports are kept a week: an
//! older one would be gone from the history by the time the demo is looked at.

use super::background::Background;
use chrono::Duration;
use crm_domain::Actor;
use crm_domain::contact::Contact;
use crm_ports::files::Source;
use crm_ports::services::import::{ImportOptions, UpsertKey};
use crm_ports::store::Store;
use crm_ports::{App, Clock, Credentials, FixedClock, IdGenerator, ServiceError};

/// The largest file the demo uploads.
const MAX_BYTES: u64 = 1 << 20;

/// What the import needs.
pub(super) struct ImportPlan<'a> {
    /// Who imports.
    pub marketing: Actor,
    /// The company's contacts (a few of them were at the show).
    pub contacts: &'a [Contact],
    /// The company's generator (the new people).
    pub generator: &'a crate::Generator,
}

/// The visitors' file's columns, as its header names them.
const HEADERS: [&str; 6] = ["Prénom", "Nom", "E-mail", "Téléphone", "Poste", "Étiquettes"];

/// The visitors' file: a header and one line per visitor.
fn visitors_file(plan: &ImportPlan<'_>, new_people: u64) -> String {
    let mut out = format!("{}\r\n", HEADERS.join(";"));
    for k in 0..new_people {
        let (c, _) = plan.generator.contact(50_000 + k, 0);
        let email = c.emails.first().cloned().unwrap_or_default();
        let phone = c.phones.first().cloned().unwrap_or_default();
        let title = c.job_title.unwrap_or_default();
        out.push_str(&format!("{};{};{email};{phone};{title};salon-2026\r\n", c.first_name, c.last_name));
    }
    // People the company knew: found by their email (and left out: they are the reps').
    for c in plan.contacts.iter().step_by(37).take(3) {
        let Some(email) = c.fields.emails.first() else { continue };
        out.push_str(&format!(
            "{};{};{};;Responsable des achats;salon-2026\r\n",
            c.fields.first_name.as_str(),
            c.fields.last_name.as_str(),
            email.as_str()
        ));
    }
    // A card copied in a hurry: the address lacks its domain.
    out.push_str("Hugo;Marchand;hugo.marchand@;;Acheteur;salon-2026\r\n");
    out
}

/// Imports the visitors' file; how many imports were made.
///
/// # Errors
/// The first service error.
pub(super) async fn load_import<S: Store, K: Credentials, C: Clock, I: IdGenerator + Clone>(
    app: &App<S, K, C, I>,
    background: &Background<S, K, C, I>,
    plan: &ImportPlan<'_>,
    new_people: u64,
) -> Result<usize, ServiceError> {
    let Some((files, _)) = background.imports() else {
        return Ok(0);
    };
    let tenant = plan
        .marketing
        .tenant_id()
        .ok_or_else(|| ServiceError::Internal("demo: an import is a company's".into()))?;
    let when = app.now() - Duration::days(3);
    let at = app.with_clock(FixedClock(when));
    let bytes = visitors_file(plan, new_people).into_bytes();
    let source: Source<'_> = Box::pin(bytes.as_slice());
    let file = at
        .upload_file(&plan.marketing, files.as_ref(), "visiteurs-salon-2026.csv", source, MAX_BYTES)
        .await?;
    let headers: Vec<String> = HEADERS.map(String::from).to_vec();
    let (mapping, _) = at.mapping_for(&plan.marketing, &headers).await?;
    // Visitors whose name is close to a known contact's are imported all the same, marked
    // to check (Marketing met them at the stand: they are not the same people).
    let options = ImportOptions {
        create_possible_duplicates: true,
        ..ImportOptions::by(UpsertKey::Email)
    };
    at.start_contact_import(&plan.marketing, file.id, &mapping, &options).await?;
    background.settle(tenant, when + Duration::minutes(1)).await?;
    Ok(1)
}
