//! `crm keys rotate` and `crm keys retire ID`: a new master key put in charge while the
//! servers answer, then the old one retired. Nothing is re-encrypted: each company's field
//! key of the older master key is kept sealed under the new one (see the SQL store's
//! `tenant_keys`), so rows, the append-only log, person keys and stored files keep the key
//! id they were sealed under and open through that copy; blind indexes derive from the
//! installation's index root, which does not change.
//!
//! With the data directory's `master.key` (SQLite), `rotate` writes the new key into the
//! file and `retire` takes the old one out of it. With `CRM_MASTER_KEY` (or `master_key`),
//! the operator gives the new key under a higher id and removes the old one themselves,
//! once `retire` says it may go.

use crate::assemble::{keyring, open_app_with};
use crate::config::Config;
use crm_crypto::Keyring;
use crm_domain::Actor;
use crm_ports::query::PageRequest;

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum KeysCmd {
    /// Puts a new master key in charge: SQLite with `master.key`, a key is made and added
    /// to the file; otherwise give it as the highest id of CRM_MASTER_KEY
    /// (`1:<old>,2:<new>`). Keeps each company's key of the older master keys under it.
    /// Safe while the servers answer, and to run again.
    Rotate,
    /// Retires a master key once every company's key of it is kept under another one (the
    /// rotation is run again first, for companies created meanwhile); checks that every
    /// company's records still open without it; takes it out of `master.key`.
    Retire {
        /// The id of the key to retire.
        id: u32,
    },
}

fn uses_key_file(cfg: &Config) -> bool {
    cfg.master_key.is_none() && cfg.database_url.is_none()
}

/// Runs a subcommand; returns what to print.
///
/// # Errors
/// What went wrong, in French, with what to do.
pub async fn run(cfg: &Config, cmd: &KeysCmd) -> Result<String, String> {
    crate::cli::require_installation(cfg)?;
    match cmd {
        KeysCmd::Rotate => rotate(cfg).await,
        KeysCmd::Retire { id } => retire(cfg, *id).await,
    }
}

async fn rotate(cfg: &Config) -> Result<String, String> {
    let given = keyring(cfg).map_err(|e| e.to_string())?;
    let (keys, added) = if uses_key_file(cfg) {
        let (keys, id) = given.with_new_key().map_err(|e| e.to_string())?;
        keys.write_file(&cfg.key_path()).map_err(|e| e.to_string())?;
        (keys, Some(id))
    } else {
        if given.ids().count() < 2 {
            return Err(
                "donnez la nouvelle clé sous un numéro plus grand que l'ancienne, l'ancienne gardée : \
                        CRM_MASTER_KEY=1:<ancienne>,2:<nouvelle> (une clé : `openssl rand -hex 32`)"
                    .into(),
            );
        }
        (given, None)
    };
    let current = keys.current_id();
    let app = open_app_with(cfg, keys).await.map_err(|e| e.to_string())?;
    let done = app.store().rotate_keys().await.map_err(|e| e.to_string())?;
    let head = match added {
        Some(id) => format!("Nouvelle clé maîtresse n° {id} ajoutée à {}.", cfg.key_path().display()),
        None => format!("Clé maîtresse n° {current} en charge."),
    };
    Ok(format!(
        "{head} {} entreprise(s) : {} clé(s) gardée(s) sous la clé n° {current} maintenant, {} déjà gardée(s). \
         Rien n'a été rechiffré. Redémarrez les serveurs pour qu'ils chiffrent sous la clé n° {current}, puis \
         retirez l'ancienne : crm keys retire <numéro>.",
        done.tenants, done.wrapped, done.kept
    ))
}

async fn retire(cfg: &Config, id: u32) -> Result<String, String> {
    let given = keyring(cfg).map_err(|e| e.to_string())?;
    if given.get(id).is_none() {
        return Err(format!("la clé n° {id} n'est pas parmi les clés données"));
    }
    if given.current_id() == id {
        return Err(format!(
            "la clé n° {id} est celle qui chiffre : mettez-en une nouvelle en charge d'abord (crm keys rotate)"
        ));
    }
    let Some(rest) = given.without(id) else {
        return Err("il faut garder au moins une clé".into());
    };
    // Companies created since the rotation by servers still given only the old key.
    let app = open_app_with(cfg, given).await.map_err(|e| e.to_string())?;
    app.store().rotate_keys().await.map_err(|e| e.to_string())?;
    let r = app.store().retirement(id).await.map_err(|e| e.to_string())?;
    if !r.missing.is_empty() {
        return Err(format!(
            "{} entreprise(s) sur {} n'ont pas de copie de leur clé n° {id} : relancez crm keys rotate",
            r.missing.len(),
            r.tenants
        ));
    }
    drop(app);
    let checked = check_without(cfg, rest.clone()).await?;
    if uses_key_file(cfg) {
        rest.write_file(&cfg.key_path()).map_err(|e| e.to_string())?;
        Ok(format!(
            "Clé n° {id} retirée de {} ; {checked} fiche(s) relue(s) sans elle, dans {} entreprise(s). Redémarrez les serveurs.",
            cfg.key_path().display(),
            r.tenants
        ))
    } else {
        Ok(format!(
            "La clé n° {id} peut être retirée : {checked} fiche(s) relue(s) sans elle, dans {} entreprise(s). \
             Enlevez-la de CRM_MASTER_KEY (ou de master_key) et redémarrez les serveurs.",
            r.tenants
        ))
    }
}

/// Opens the installation without the retired key and reads the first contacts and the
/// users of every company (their sealed fields opened): how many were read.
async fn check_without(cfg: &Config, keys: Keyring) -> Result<u64, String> {
    let app = open_app_with(cfg, keys)
        .await
        .map_err(|e| format!("sans cette clé, l'installation ne s'ouvre pas ({e}) : elle est gardée"))?;
    let mut read = 0u64;
    for t in app.list_tenants(&Actor::Operator).await.map_err(|e| e.to_string())? {
        let system = Actor::System { tenant_id: t.id };
        let page = PageRequest {
            limit: Some(200),
            ..PageRequest::default()
        };
        let contacts = app
            .list_contacts(&system, &crm_ports::query::ContactFilter::default(), &page)
            .await
            .map_err(|e| format!("{} : une fiche ne s'ouvre pas sans cette clé ({e}) : elle est gardée", t.name))?;
        let users = app
            .list_users(&system)
            .await
            .map_err(|e| format!("{} : un utilisateur ne s'ouvre pas sans cette clé ({e}) : elle est gardée", t.name))?;
        read += (contacts.items.len() + users.len()) as u64;
    }
    Ok(read)
}
