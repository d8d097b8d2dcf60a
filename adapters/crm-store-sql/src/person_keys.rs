//! People's data keys (crypto-shredding): a contact's key is made, wrapped by the tenant
//! key, with the first event that carries their values; everything the log keeps of them
//! is sealed under it; erasing them empties the wrapped copy, and every sealed value of
//! theirs, in every event, can no longer be opened (`erasure.rs`).

use crate::SqlStore;
use crate::db::Tx;
use crate::rows::ts;
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_ports::{Cipher, DataKey, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Query};
use std::collections::HashMap;
use uuid::Uuid;

/// Most keys in one insert (4 values each: 4,000 values, within SQLite's 32,766).
const ROWS_A_STATEMENT: usize = 1_000;

/// Keys by person: `None` when erased.
pub(crate) type PersonKeys = HashMap<Uuid, Option<DataKey>>;

fn aad(tenant: TenantId, person: Uuid) -> Vec<u8> {
    format!("crm/{}/person_keys/key/{person}", tenant.as_uuid()).into_bytes()
}

impl<C: Cipher> SqlStore<C> {
    fn unwrap_key(&self, tenant: TenantId, person: Uuid, wrapped: &[u8]) -> Result<DataKey, StoreError> {
        let bytes = self
            .cipher
            .decrypt(tenant, &aad(tenant, person), wrapped)
            .map_err(|e| StoreError::Internal(format!("person key: {e}")))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| StoreError::Internal("person key of the wrong length".into()))?;
        Ok(DataKey::from_bytes(bytes))
    }

    /// A new key for a person, and its copy wrapped by the tenant key (what is stored).
    fn new_person_key(&self, tenant: TenantId, person: Uuid) -> Result<(DataKey, Vec<u8>), StoreError> {
        let key = self
            .cipher
            .new_data_key()
            .map_err(|e| StoreError::Internal(format!("person key: {e}")))?;
        let wrapped = self
            .cipher
            .encrypt(tenant, &aad(tenant, person), key.as_bytes())
            .map_err(|e| StoreError::Internal(format!("person key: {e}")))?;
        Ok((key, wrapped))
    }

    /// The keys of these people, as stored (absent: never made; `None`: erased).
    pub(crate) async fn person_keys(&self, tx: &mut Tx, tenant: TenantId, people: &[Uuid]) -> Result<PersonKeys, StoreError> {
        let mut out = PersonKeys::new();
        if people.is_empty() {
            return Ok(out);
        }
        let keys = Query::select()
            .columns([("person_keys", "person_id"), ("person_keys", "wrapped")])
            .from("person_keys")
            .and_where(Expr::col(("person_keys", "tenant_id")).eq(tenant.as_uuid()))
            .to_owned();
        let rows = tx.fetch_matching(&keys, ("person_keys", "person_id"), people).await?;
        for r in rows {
            let person: Uuid = r.get("person_id")?;
            let key = match r.get::<Option<Vec<u8>>>("wrapped")? {
                Some(w) => Some(self.unwrap_key(tenant, person, &w)?),
                None => None,
            };
            out.insert(person, key);
        }
        Ok(out)
    }

    /// The keys to seal the values of several people with, as [`Self::person_key_for_write`]
    /// gives them one by one, in three statements at most whatever their number: those
    /// being created (`fresh`) get new keys at once, the others' are read and the missing
    /// made.
    pub(crate) async fn person_keys_for_write(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        people: &[(Uuid, bool)],
        at: DateTime<Utc>,
    ) -> Result<PersonKeys, StoreError> {
        let known: Vec<Uuid> = people.iter().filter(|(_, fresh)| !fresh).map(|(p, _)| *p).collect();
        let mut out = self.person_keys(tx, tenant, &known).await?;
        let missing: Vec<Uuid> = people.iter().map(|(p, _)| *p).filter(|p| !out.contains_key(p)).collect();
        if missing.is_empty() {
            return Ok(out);
        }
        let mut made = PersonKeys::new();
        let mut inserted = 0;
        for chunk in missing.chunks(ROWS_A_STATEMENT) {
            let mut insert = Query::insert();
            insert
                .into_table("person_keys")
                .columns(["tenant_id", "person_id", "wrapped", "created_at"]);
            for person in chunk {
                let (key, wrapped) = self.new_person_key(tenant, *person)?;
                insert
                    .values([tenant.as_uuid().into(), (*person).into(), wrapped.into(), ts(at).into()])
                    .map_err(|e| StoreError::Internal(e.to_string()))?;
                made.insert(*person, Some(key));
            }
            insert.on_conflict(OnConflict::columns(["tenant_id", "person_id"]).do_nothing().to_owned());
            inserted += tx.execute(&insert).await?;
        }
        if usize::try_from(inserted).ok() == Some(missing.len()) {
            out.extend(made);
        } else {
            // Other transactions made some first: theirs count.
            out.extend(self.person_keys(tx, tenant, &missing).await?);
        }
        Ok(out)
    }

    /// The key to seal a person's values with, made (and stored, wrapped) if they have
    /// none yet; `None` when they were erased. `fresh`: the person is being created.
    pub(crate) async fn person_key_for_write(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        person: Uuid,
        at: DateTime<Utc>,
        fresh: bool,
    ) -> Result<Option<DataKey>, StoreError> {
        // A person met for the first time (their creation) has no key yet: no need to look.
        if !fresh && let Some(k) = self.person_keys(tx, tenant, &[person]).await?.remove(&person) {
            return Ok(k);
        }
        let (key, wrapped) = self.new_person_key(tenant, person)?;
        let inserted = tx
            .execute(
                Query::insert()
                    .into_table("person_keys")
                    .columns(["tenant_id", "person_id", "wrapped", "created_at"])
                    .values([tenant.as_uuid().into(), person.into(), wrapped.into(), ts(at).into()])
                    .map_err(|e| StoreError::Internal(e.to_string()))?
                    .on_conflict(OnConflict::columns(["tenant_id", "person_id"]).do_nothing().to_owned()),
            )
            .await?;
        if inserted == 1 {
            return Ok(Some(key));
        }
        // Another transaction made one first: that one counts.
        Ok(self.person_keys(tx, tenant, &[person]).await?.remove(&person).flatten())
    }

    pub(crate) async fn destroy_person_key(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        person: Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        tx.execute(
            Query::insert()
                .into_table("person_keys")
                .columns(["tenant_id", "person_id", "wrapped", "created_at", "destroyed_at"])
                .values([
                    tenant.as_uuid().into(),
                    person.into(),
                    Option::<Vec<u8>>::None.into(),
                    ts(at).into(),
                    ts(at).into(),
                ])
                .map_err(|e| StoreError::Internal(e.to_string()))?
                .on_conflict(
                    OnConflict::columns(["tenant_id", "person_id"])
                        .value("wrapped", Option::<Vec<u8>>::None)
                        .value("destroyed_at", ts(at))
                        .to_owned(),
                ),
        )
        .await?;
        Ok(())
    }
}
