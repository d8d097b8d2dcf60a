//! The master keys a database was written with: a check value per key id, recorded at
//! first open, compared at every open, so that a process given another key (a new
//! `master.key` made by mistake, a wrong `CRM_MASTER_KEY`) is refused at start with the
//! fix named, instead of writing what the other processes cannot read.

use crate::db::{Mode, On};
use crate::rows::ts;
use crate::{OpenError, SqlStore};
use crm_ports::Cipher;
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use std::collections::BTreeMap;

const FIX: &str = "donnez la clé d'origine (CRM_MASTER_KEY, `master_key` dans crm.toml, ou le fichier master.key \
                   de l'installation) ; pour changer de clé, gardez l'ancienne et ajoutez la nouvelle sous un numéro \
                   plus grand : CRM_MASTER_KEY=1:<ancienne>,2:<nouvelle>";

fn open_err(e: crm_ports::StoreError) -> OpenError {
    OpenError::Connect(e.to_string())
}

/// Compares the given checks with the recorded ones.
fn compare(given: &[(u32, [u8; 32])], recorded: &BTreeMap<i64, Vec<u8>>) -> Result<(), OpenError> {
    for (id, mac) in given {
        if recorded.get(&i64::from(*id)).is_some_and(|m| m.as_slice() != mac.as_slice()) {
            return Err(OpenError::KeyMismatch(format!(
                "la clé maîtresse n° {id} n'est pas celle avec laquelle cette base a été écrite : {FIX}"
            )));
        }
    }
    if !recorded.is_empty() && !given.iter().any(|(id, _)| recorded.contains_key(&i64::from(*id))) {
        let ids = |it: Vec<String>| it.join(", ");
        return Err(OpenError::KeyMismatch(format!(
            "aucune des clés maîtresses données (n° {}) n'a écrit cette base (écrite avec les clés n° {}) : {FIX}",
            ids(given.iter().map(|(id, _)| id.to_string()).collect()),
            ids(recorded.keys().map(ToString::to_string).collect()),
        )));
    }
    Ok(())
}

impl<C: Cipher> SqlStore<C> {
    async fn recorded_keys(&self) -> Result<BTreeMap<i64, Vec<u8>>, OpenError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Read).await.map_err(open_err)?;
        let rows = tx
            .fetch_all(Query::select().columns(["key_id", "mac"]).from("key_checks"))
            .await
            .map_err(open_err)?;
        tx.commit().await.map_err(open_err)?;
        rows.iter()
            .map(|r| Ok((r.get::<i64>("key_id")?, r.get::<Vec<u8>>("mac")?)))
            .collect::<Result<_, crm_ports::StoreError>>()
            .map_err(open_err)
    }

    /// Refuses keys that differ from those the database was written with; records the
    /// checks of keys it has not seen yet (the first open, a key added by rotation).
    ///
    /// # Errors
    /// `KeyMismatch` naming the key and the fix.
    pub(crate) async fn verify_keys(&self) -> Result<(), OpenError> {
        let given = self.cipher.key_checks();
        let recorded = self.recorded_keys().await?;
        compare(&given, &recorded)?;
        let missing: Vec<_> = given.iter().filter(|(id, _)| !recorded.contains_key(&i64::from(*id))).collect();
        if missing.is_empty() {
            return Ok(());
        }
        // When this key was first seen: installation metadata, before any application clock.
        let now = ts(crm_ports::Clock::now(&crm_ports::SystemClock));
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await.map_err(open_err)?;
        for (id, mac) in missing {
            let insert = Query::insert()
                .into_table("key_checks")
                .columns(["key_id", "mac", "created_at"])
                .values([Expr::val(i64::from(*id)), mac.to_vec().into(), now.into()])
                .map_err(|e| OpenError::Connect(e.to_string()))?
                .on_conflict(OnConflict::column("key_id").do_nothing().to_owned())
                .to_owned();
            tx.execute(&insert).await.map_err(open_err)?;
        }
        tx.commit().await.map_err(open_err)?;
        // Another process may have recorded other checks meanwhile.
        compare(&given, &self.recorded_keys().await?)
    }

    /// The stored copies of the blind-index root, by master key id.
    async fn index_root_copies(&self) -> Result<BTreeMap<i64, Vec<u8>>, OpenError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Read).await.map_err(open_err)?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(["key_id", "sealed"])
                    .from("installation_keys")
                    .and_where(Expr::col("name").eq(INDEX_ROOT)),
            )
            .await
            .map_err(open_err)?;
        tx.commit().await.map_err(open_err)?;
        rows.iter()
            .map(|r| Ok((r.get::<i64>("key_id")?, r.get::<Vec<u8>>("sealed")?)))
            .collect::<Result<_, crm_ports::StoreError>>()
            .map_err(open_err)
    }

    /// Stores a copy of the cipher's index root under each of these master keys (a copy
    /// already there stays: the first process to store one wins).
    async fn store_index_root(&self, key_ids: &[u32]) -> Result<(), OpenError> {
        let now = ts(crm_ports::Clock::now(&crm_ports::SystemClock));
        let mut tx = self.pool.begin(On::Platform, Mode::Write).await.map_err(open_err)?;
        for id in key_ids {
            let sealed = self
                .cipher
                .seal_index_root(*id)
                .map_err(|e| OpenError::Connect(format!("index root: {e}")))?;
            let insert = Query::insert()
                .into_table("installation_keys")
                .columns(["name", "key_id", "sealed", "created_at"])
                .values([INDEX_ROOT.into(), i64::from(*id).into(), sealed.into(), now.into()])
                .map_err(|e| OpenError::Connect(e.to_string()))?
                .on_conflict(OnConflict::columns(["name", "key_id"]).do_nothing().to_owned())
                .to_owned();
            tx.execute(&insert).await.map_err(open_err)?;
        }
        tx.commit().await.map_err(open_err)
    }

    /// Gives the cipher the installation's blind-index root: a stored copy under one of
    /// its master keys; at the first open, the cipher's initial root, stored now. Then
    /// adds a copy under each given key that has none (a key added by rotation), so that
    /// the older keys can later be retired without changing any blind index.
    ///
    /// # Errors
    /// `KeyMismatch` when no stored copy opens with the given keys.
    pub(crate) async fn load_index_root(&self) -> Result<(), OpenError> {
        let given: Vec<u32> = self.cipher.key_checks().iter().map(|(id, _)| *id).collect();
        let mut copies = self.index_root_copies().await?;
        if copies.is_empty() {
            let newest = given.iter().max().copied().unwrap_or(1);
            self.store_index_root(&[newest]).await?;
            copies = self.index_root_copies().await?;
        }
        let opened = given.iter().rev().find_map(|id| copies.get(&i64::from(*id))).ok_or_else(|| {
            OpenError::KeyMismatch(format!(
                "aucune des clés maîtresses données n'ouvre la racine des index aveugles : {FIX}"
            ))
        })?;
        self.cipher.adopt_index_root(opened).map_err(|e| {
            OpenError::KeyMismatch(format!(
                "la racine des index aveugles ne s'ouvre pas avec les clés données ({e}) : {FIX}"
            ))
        })?;
        let missing: Vec<u32> = given.into_iter().filter(|id| !copies.contains_key(&i64::from(*id))).collect();
        if !missing.is_empty() {
            self.store_index_root(&missing).await?;
        }
        Ok(())
    }
}

/// The name of the blind-index root in `installation_keys`.
const INDEX_ROOT: &str = "blind-index-root";

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn compare_refuses_other_keys() {
        let rec: BTreeMap<i64, Vec<u8>> = [(1, vec![1u8; 32])].into();
        assert!(compare(&[(1, [1; 32])], &rec).is_ok());
        assert!(compare(&[(1, [1; 32]), (2, [2; 32])], &rec).is_ok(), "rotation adds a key");
        assert!(compare(&[(1, [9; 32])], &rec).is_err(), "same id, other key");
        assert!(compare(&[(2, [2; 32])], &rec).is_err(), "none of the writing keys");
        assert!(compare(&[(1, [9; 32])], &BTreeMap::new()).is_ok(), "first open");
    }
}
