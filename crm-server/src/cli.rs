//! Administration from the command line: operators, tenants, users, API tokens, the demo
//! data and the search index. These act directly on the store (no HTTP), as the platform
//! operator or as the system for one tenant, and only on an existing installation (only
//! `crm serve` and `crm migrate` create one). Passwords come from an environment variable,
//! standard input or a prompt, never from a flag. Long work shows a progress bar on
//! standard error when it is a terminal.

use crate::assemble::CrmApp;
use crate::config::Config;
use crate::i18n::Lang;
use crm_domain::email::EmailAddress;
use crm_domain::password::Password;
use crm_domain::text::Name;
use crm_domain::user::Role;
use crm_domain::{Actor, FieldError, TenantId, UserId, ViolationKind};
use crm_ports::services::auth::MAX_TOKEN_DAYS;
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::NewUser;
use crm_ports::{AuthStore, Principal, ServiceError};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal};
use std::time::Duration;

/// Refuses a data directory that holds no installation, for the administration commands:
/// with SQLite (no database URL), an installation is the database file `crm.db` of the
/// data directory. A mistyped `--data-dir` must not create a second, empty installation
/// with its own key. With a database URL the store checks the schema itself.
///
/// # Errors
/// A French message naming the directory and how to create an installation there.
pub fn require_installation(config: &Config) -> Result<(), String> {
    if config.database_url.is_some() {
        return Ok(());
    }
    let db = config.sqlite_path();
    // An unreadable directory is left to the store to report, with its cause.
    if !matches!(db.try_exists(), Ok(false)) {
        return Ok(());
    }
    let given = config.data_dir.display();
    let absolute = std::path::absolute(&config.data_dir).unwrap_or_else(|_| config.data_dir.clone());
    Err(format!(
        "aucune installation du CRM dans le dossier de données {} (pas de base {}) ; rien n'a été créé.\n\
         Vérifiez --data-dir (ou CRM_DATA_DIR, ou data_dir dans crm.toml). Pour créer une installation dans ce dossier :\n  \
         crm serve --data-dir {given}     (la crée puis démarre le serveur)\n  \
         crm migrate --data-dir {given}   (la crée seulement : base et clé maîtresse)",
        absolute.display(),
        db.file_name()
            .map_or_else(|| db.display().to_string(), |n| n.to_string_lossy().into_owned()),
    ))
}

/// Reads a password: `$var` if set, else one line of standard input when it is not a
/// terminal, else a hidden prompt.
///
/// # Errors
/// A message when nothing could be read.
pub fn read_password(var: &str, prompt: &str) -> Result<String, String> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(|e| format!("cannot read the password: {e}"))
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password: {e}"))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// A service error as a message for the terminal; invalid input gives one line per field
/// at fault, with the rule it breaks.
pub fn explain(e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(v) => {
            let mut out = String::from("saisie refusée :");
            for f in v.errors() {
                out.push_str(&format!("\n  {} : {}", f.field, rule(f)));
            }
            out
        }
        other => other.to_string(),
    }
}

/// The rule a field breaks, as a French sentence: the specific rule where the violation
/// code alone does not say it (length of a password, valid roles...), else the API's
/// message for the code (`[violation]` of `i18n/fr.toml`).
pub fn rule(f: &FieldError) -> String {
    let leaf = f.field.rsplit('.').next().unwrap_or("");
    let password = f.field.contains("password");
    let email = f.field.contains("email");
    let name = matches!(leaf, "name" | "display_name" | "admin_name");
    match f.kind {
        ViolationKind::Required if password => format!("mot de passe vide : il faut au moins {} caractères", Password::MIN_CHARS),
        ViolationKind::TooSmall if password => format!(
            "mot de passe trop court : il faut au moins {} caractères, ou le minimum que l'entreprise a fixé (lettres, chiffres, espaces : tout compte)",
            Password::MIN_CHARS
        ),
        ViolationKind::TooLong if password => format!("mot de passe trop long : au plus {} caractères", Password::MAX_CHARS),
        ViolationKind::Common if password => {
            "mot de passe trop courant ou trop facile à deviner : choisissez une phrase de plusieurs mots".into()
        }
        ViolationKind::Unknown if leaf == "role" => {
            let roles: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
            format!("rôle inconnu : les rôles valides sont {}", roles.join(", "))
        }
        ViolationKind::Required if email => "adresse email obligatoire".into(),
        ViolationKind::Malformed if email => "adresse email invalide (attendu : nom@domaine.fr)".into(),
        ViolationKind::TooLong if email => {
            format!("adresse email invalide : au plus {} caractères", EmailAddress::MAX_LEN)
        }
        ViolationKind::Repeated if email => "adresse email déjà utilisée par un autre compte".into(),
        ViolationKind::Required if name => "obligatoire : le nom ne peut pas être vide".into(),
        ViolationKind::TooLong if name => format!("trop long : au plus {} caractères", Name::MAX_CHARS),
        ViolationKind::TooSmall | ViolationKind::TooLarge if leaf == "expires_in_days" => {
            format!("durée de validité de 1 à {MAX_TOKEN_DAYS} jours (--days)")
        }
        kind => Lang::Fr.t("violation", kind.code()),
    }
}

/// Service errors of a command on one tenant: an unknown tenant said as such.
fn explain_in_tenant(e: &ServiceError, tenant: TenantId) -> String {
    match e {
        ServiceError::NotFound => format!("aucune entreprise n'a l'identifiant {tenant} (`crm tenant list` les montre toutes)"),
        other => explain(other),
    }
}

/// A progress bar of `len` steps drawn on standard error, hidden when it is not a terminal.
pub(crate) fn progress_bar(len: u64, template: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Rows as a table: a header line, columns as wide as their widest cell.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells.zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = line(&mut header.iter().copied());
    for row in rows {
        out.push('\n');
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

/// `crm operator create`.
///
/// # Errors
/// A message.
pub async fn create_operator(app: &CrmApp, email: &str) -> Result<String, String> {
    let pw = read_password("CRM_OPERATOR_PASSWORD", "Mot de passe de l'opérateur : ")?;
    let id = app.bootstrap_operator(email, &pw).await.map_err(|e| explain(&e))?;
    Ok(format!("Opérateur créé ({id}). Connexion : POST /api/v1/auth/login avec {email}."))
}

/// `crm tenant create`.
///
/// # Errors
/// A message.
pub async fn create_tenant(app: &CrmApp, name: &str, admin_email: &str, admin_name: &str) -> Result<String, String> {
    let pw = read_password("CRM_ADMIN_PASSWORD", "Mot de passe de l'administrateur : ")?;
    let (t, admin) = app
        .create_tenant(
            &Actor::Operator,
            &NewTenant {
                name: name.into(),
                admin_email: admin_email.into(),
                admin_name: admin_name.into(),
                admin_password: Some(pw),
                ..NewTenant::default()
            },
        )
        .await
        .map_err(|e| explain(&e))?;
    Ok(format!(
        "Espace « {} » créé : tenant {} ; administrateur {} ({}).",
        t.name,
        t.id,
        admin.email.as_str(),
        admin.id
    ))
}

/// `crm user create`.
///
/// # Errors
/// A message.
pub async fn create_user(app: &CrmApp, tenant: TenantId, email: &str, name: &str, role: &str) -> Result<String, String> {
    let actor = Actor::System { tenant_id: tenant };
    app.tenant(&actor).await.map_err(|e| explain_in_tenant(&e, tenant))?;
    let pw = read_password("CRM_USER_PASSWORD", "Mot de passe de l'utilisateur : ")?;
    let u = app
        .create_user(
            &actor,
            &NewUser {
                email: email.into(),
                display_name: name.into(),
                role: role.into(),
                team_id: None,
                password: Some(pw),
            },
        )
        .await
        .map_err(|e| explain(&e))?;
    Ok(format!("Utilisateur {} créé ({}, rôle {}).", u.email.as_str(), u.id, u.role.code()))
}

/// `crm tenant list`: every tenant with its number of users and its creation date.
///
/// # Errors
/// A message.
pub async fn list_tenants(app: &CrmApp) -> Result<String, String> {
    let mut tenants = app.list_tenants(&Actor::Operator).await.map_err(|e| explain(&e))?;
    if tenants.is_empty() {
        return Ok(
            "Aucune entreprise. Pour en créer une : crm tenant create --name \"Mon entreprise\" --admin-email vous@exemple.fr".into(),
        );
    }
    tenants.sort_by(|a, b| (a.created_at, a.name.as_str()).cmp(&(b.created_at, b.name.as_str())));
    let mut rows = Vec::with_capacity(tenants.len());
    for t in &tenants {
        let users = app
            .list_users(&Actor::System { tenant_id: t.id })
            .await
            .map_err(|e| explain(&e))?
            .len();
        rows.push(vec![
            t.id.to_string(),
            t.name.to_string(),
            users.to_string(),
            t.created_at.format("%Y-%m-%d").to_string(),
        ]);
    }
    let n = tenants.len();
    Ok(format!(
        "{}\n{n} entreprise{}.",
        table(&["ID", "NOM", "UTILISATEURS", "CRÉÉE LE"], &rows),
        if n > 1 { "s" } else { "" }
    ))
}

/// `crm user list --tenant ID`: the tenant's users with their role and team.
///
/// # Errors
/// A message (an unknown tenant said as such).
pub async fn list_users(app: &CrmApp, tenant: TenantId) -> Result<String, String> {
    let actor = Actor::System { tenant_id: tenant };
    let t = app.tenant(&actor).await.map_err(|e| explain_in_tenant(&e, tenant))?;
    let mut users = app.list_users(&actor).await.map_err(|e| explain(&e))?;
    let teams: HashMap<_, String> = app
        .list_teams(&actor)
        .await
        .map_err(|e| explain(&e))?
        .into_iter()
        .map(|team| (team.id, team.name.to_string()))
        .collect();
    users.sort_by(|a, b| a.email.as_str().cmp(b.email.as_str()));
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            vec![
                u.id.to_string(),
                u.email.as_str().to_owned(),
                u.display_name.to_string(),
                u.role.code().to_owned(),
                u.team_id.and_then(|id| teams.get(&id).cloned()).unwrap_or_else(|| "—".into()),
            ]
        })
        .collect();
    let n = users.len();
    Ok(format!(
        "Entreprise « {} » ({}) : {n} utilisateur{}.\n{}",
        t.name,
        t.id,
        if n > 1 { "s" } else { "" },
        table(&["ID", "EMAIL", "NOM", "RÔLE", "ÉQUIPE"], &rows)
    ))
}

/// `crm token create`: a personal API token for the user with this email.
///
/// # Errors
/// A message.
pub async fn create_token(app: &CrmApp, email: &str, name: &str, days: i64, tenant: Option<uuid::Uuid>) -> Result<String, String> {
    let e = EmailAddress::parse(email).map_err(|_| format!("{email:?} n'est pas une adresse email"))?;
    let users: Vec<(TenantId, UserId)> = app
        .store()
        .find_logins(&e)
        .await
        .map_err(|e| explain(&e.into()))?
        .into_iter()
        .filter_map(|p| match p {
            Principal::User { tenant_id, user_id } => Some((tenant_id, user_id)),
            Principal::Operator { .. } => None,
        })
        .filter(|(t, _)| tenant.is_none_or(|want| t.as_uuid() == want))
        .collect();
    let (tenant_id, user_id) = match users.as_slice() {
        [] => {
            return Err(format!(
                "aucun utilisateur ne se connecte avec {email} (les opérateurs n'ont pas de jeton d'API)"
            ));
        }
        [one] => *one,
        many => {
            let ids: Vec<String> = many.iter().map(|(t, _)| t.to_string()).collect();
            return Err(format!(
                "{email} est utilisateur de plusieurs entreprises ({}) : précisez laquelle avec --tenant ID",
                ids.join(", ")
            ));
        }
    };
    let user = app.user(&Actor::System { tenant_id }, user_id).await.map_err(|e| explain(&e))?;
    let actor = Actor::User {
        tenant_id,
        user_id,
        role: user.role,
    };
    let (rec, secret) = app.create_api_token(&actor, name, days).await.map_err(|e| explain(&e))?;
    Ok(format!(
        "Jeton {} (expire le {}). Secret, affiché une seule fois :\n{secret}",
        rec.id,
        rec.expires_at.format("%Y-%m-%d")
    ))
}

/// What the first start on an empty installation prints.
pub async fn first_start_hint(app: &CrmApp) -> Option<String> {
    let tenants = app.list_tenants(&Actor::Operator).await.ok()?;
    tenants.is_empty().then(|| {
        "Aucun espace n'existe encore. Pour vous connecter :\n  \
         crm tenant create --name \"Mon entreprise\" --admin-email vous@exemple.fr   (mot de passe demandé)\n  \
         puis POST /api/v1/auth/login {\"email\", \"password\"} ou la documentation interactive /api/docs.\n  \
         Un opérateur de la plateforme se crée avec : crm operator create --email ops@exemple.fr"
            .to_owned()
    })
}

/// `crm seed demo`, and `crm serve --demo` on an empty installation: loads the
/// demonstration data set (a progress bar per company on a terminal) and says how to log
/// in. An installation that already holds tenants is refused: the demo would sit next to
/// real companies (or, loaded twice, fail half-way on its own logins).
///
/// # Errors
/// A message.
pub async fn load_demo(
    app: &CrmApp,
    seed: u64,
    size: crm_seeds::demo::DemoSize,
    public_url: Option<&str>,
    files: std::sync::Arc<dyn crm_ports::files::FileStorage>,
) -> Result<String, String> {
    let existing = app.list_tenants(&Actor::Operator).await.map_err(|e| explain(&e))?;
    if !existing.is_empty() {
        let n = existing.len();
        return Err(format!(
            "cette installation contient déjà {n} entreprise{} : les données de démonstration ne se chargent que dans \
             une installation vide ; rien n'a été chargé (`crm tenant list` les montre).\n\
             Pour voir la démonstration, utilisez un autre dossier de données : crm serve --data-dir ./crm-demo --demo",
            if n > 1 { "s" } else { "" }
        ));
    }
    let start = std::time::Instant::now();
    let companies = size.companies() as u64;
    let bar = progress_bar(
        companies,
        "{spinner} Démonstration [{bar:30}] {pos}/{len} entreprises — {msg} ({elapsed})",
    );
    let env = crm_seeds::demo::DemoEnv {
        public_url: public_url.unwrap_or(crm_seeds::demo::DEMO_PUBLIC_URL).to_owned(),
        imports: Some((files, std::sync::Arc::new(crm_tabular::Tables::default()))),
    };
    let loaded = crm_seeds::demo::load_with_progress(app, seed, size, &env, &|p| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        if let Some(company) = p.company {
            bar.set_message(company);
        }
    })
    .await;
    bar.finish_and_clear();
    let r = loaded.map_err(|e| explain(&e))?;
    let mut out = format!(
        "Données de démonstration chargées en {:.1} s : {} entreprises, {} contacts, {} pistes, {} opportunités, {} activités, {} segments, {} campagnes envoyées ({} messages), {} règles d'automatisation.\nComptes (mot de passe : {}) :\n",
        start.elapsed().as_secs_f64(),
        r.tenants,
        r.contacts,
        r.leads,
        r.opportunities,
        r.activities,
        r.segments,
        r.campaigns,
        r.messages,
        r.automations,
        crm_seeds::demo::DEMO_PASSWORD
    );
    for l in &r.logins {
        out.push_str(&format!("  {:<34} {:<10} {}\n", l.company, l.role.code(), l.email));
    }
    Ok(out)
}

/// Rebuilds the whole search index from the store.
///
/// # Errors
/// A message for the operator.
pub async fn reindex(app: &CrmApp, search: &crate::search::SearchHandle) -> Result<String, String> {
    let started = std::time::Instant::now();
    let bar = progress_bar(0, "{spinner} Index [{bar:30}] {pos}/{len} entreprises — {msg} ({elapsed})");
    let rebuilt = search
        .rebuild_all_with_progress(app, &|done, total, documents| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            bar.set_message(format!("{documents} fiches"));
        })
        .await;
    let (tenants, documents) = match rebuilt {
        Ok(r) => r,
        Err(e) => {
            bar.finish_and_clear();
            return Err(explain(&e));
        }
    };
    bar.set_message(format!("{documents} fiches ; regroupement de l'index"));
    // One segment for the server to search (a rebuild commits every few thousand records).
    let index = search.index().clone();
    let merged = tokio::task::spawn_blocking(move || index.merge_all()).await;
    bar.finish_and_clear();
    merged.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
    Ok(format!(
        "Index de recherche reconstruit : {documents} fiches, {tenants} entreprises, en {:.1} s.",
        started.elapsed().as_secs_f64()
    ))
}
