//! Administration from the command line: operators, tenants, users, API tokens. These act
//! directly on the store (no HTTP), as the platform operator or as the system for one
//! tenant. Passwords come from an environment variable, standard input or a prompt, never
//! from a flag.

use crate::assemble::CrmApp;
use crm_domain::email::EmailAddress;
use crm_domain::{Actor, TenantId, UserId};
use crm_ports::services::tenants::NewTenant;
use crm_ports::services::users::NewUser;
use crm_ports::{AuthStore, Principal, ServiceError};
use std::io::{BufRead, IsTerminal};

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

/// A service error as a one-line message for the terminal.
pub fn explain(e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(v) => {
            let parts: Vec<String> = v.errors().iter().map(|f| format!("{} ({})", f.field, f.kind.code())).collect();
            format!("invalid: {}", parts.join(", "))
        }
        other => other.to_string(),
    }
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
    let pw = read_password("CRM_USER_PASSWORD", "Mot de passe de l'utilisateur : ")?;
    let u = app
        .create_user(
            &Actor::System { tenant_id: tenant },
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
/// demonstration data set and says how to log in.
///
/// # Errors
/// A message.
pub async fn load_demo(app: &CrmApp, seed: u64) -> Result<String, String> {
    let start = std::time::Instant::now();
    let r = crm_seeds::demo::load(app, seed, crm_seeds::demo::DemoSize::Full)
        .await
        .map_err(|e| explain(&e))?;
    let mut out = format!(
        "Données de démonstration chargées en {:.1} s : {} entreprises, {} contacts, {} opportunités, {} activités, {} segments.\nComptes (mot de passe : {}) :\n",
        start.elapsed().as_secs_f64(),
        r.tenants,
        r.contacts,
        r.opportunities,
        r.activities,
        r.segments,
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
    let (tenants, documents) = search.rebuild_all(app).await.map_err(|e| explain(&e))?;
    // One segment for the server to search (a rebuild commits every few thousand records).
    let index = search.index().clone();
    tokio::task::spawn_blocking(move || index.merge_all())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "Index de recherche reconstruit : {documents} fiches, {tenants} entreprises, en {:.1} s.",
        started.elapsed().as_secs_f64()
    ))
}
