//! Master key rotation without re-encryption: each company's field key of an older master
//! key is kept sealed under the newest one (`tenant_keys`), and adopted at every open by a
//! process that is not given the older key. Rows, the append-only log and files keep the
//! key id they were sealed under and open through that copy, so a rotation writes a few
//! rows per company whatever the volume of data, while the servers answer.

use crate::db::{Mode, On};
use crate::rows::ts;
use crate::{OpenError, SqlStore};
use crm_domain::TenantId;
use crm_ports::{Cipher, StoreError};
use sea_query::{OnConflict, Query};
use std::collections::BTreeSet;

/// What a rotation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyRotation {
    /// The master key the copies are sealed under (the newest given).
    pub under: u32,
    /// Companies covered.
    pub tenants: u64,
    /// Copies written now.
    pub wrapped: u64,
    /// Copies already there (a rotation run again).
    pub kept: u64,
}

/// Whether a master key may be retired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retirement {
    /// Companies in all.
    pub tenants: u64,
    /// Companies whose field key of that master key has no copy under another kept key.
    pub missing: Vec<TenantId>,
}

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

impl<C: Cipher> SqlStore<C> {
    /// The companies' ids.
    async fn tenant_ids(&self) -> Result<Vec<TenantId>, StoreError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Read).await?;
        let rows = tx.fetch_all(Query::select().column("id").from("tenants")).await?;
        tx.commit().await?;
        rows.iter().map(|r| Ok(TenantId::from_uuid(r.get("id")?))).collect()
    }

    /// The kept copies: (company, key id, sealed under, copy).
    async fn kept_tenant_keys(&self) -> Result<Vec<(TenantId, u32, u32, Vec<u8>)>, StoreError> {
        let mut tx = self.pool.begin(On::Platform, Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(["tenant_id", "key_id", "under_key", "wrapped"])
                    .from("tenant_keys"),
            )
            .await?;
        tx.commit().await?;
        let id = |v: i64| u32::try_from(v).map_err(|_| StoreError::Internal("tenant_keys: bad key id".into()));
        rows.iter()
            .map(|r| {
                Ok((
                    TenantId::from_uuid(r.get("tenant_id")?),
                    id(r.get("key_id")?)?,
                    id(r.get("under_key")?)?,
                    r.get("wrapped")?,
                ))
            })
            .collect()
    }

    /// Gives the cipher the kept copies of the master keys it is not given (each through a
    /// key it is given). At every open, after the index root.
    ///
    /// # Errors
    /// `Connect` when the copies cannot be read.
    pub(crate) async fn load_tenant_keys(&self) -> Result<(), OpenError> {
        let kept = self.kept_tenant_keys().await.map_err(|e| OpenError::Connect(e.to_string()))?;
        for (tenant, key_id, _, wrapped) in kept {
            // A copy under a key this process is not given opens with another copy, or not
            // here: a ciphertext naming it then says which key is missing.
            let _ = self.cipher.adopt_tenant_key(tenant, key_id, &wrapped);
        }
        Ok(())
    }

    /// Keeps, for every company, a copy of its field key of each older master key sealed
    /// under the newest given key. Idempotent; run again after servers still given only
    /// the older key created companies. Writes a few rows per company, nothing else.
    ///
    /// # Errors
    /// Store failures; `Internal` when an older key is neither given nor adopted.
    pub async fn rotate_keys(&self) -> Result<KeyRotation, StoreError> {
        let under = self.cipher.current_key_id();
        let tenants = self.tenant_ids().await?;
        let have: BTreeSet<(TenantId, u32, u32)> = self.kept_tenant_keys().await?.into_iter().map(|(t, k, u, _)| (t, k, u)).collect();
        let now = ts(crm_ports::Clock::now(&crm_ports::SystemClock));
        let mut done = KeyRotation {
            under,
            tenants: tenants.len() as u64,
            ..KeyRotation::default()
        };
        for chunk in tenants.chunks(200) {
            let mut tx = self.pool.begin(On::Platform, Mode::Write).await?;
            for tenant in chunk {
                for key_id in self.cipher.tenant_key_ids(*tenant).into_iter().filter(|k| *k < under) {
                    if have.contains(&(*tenant, key_id, under)) {
                        done.kept += 1;
                        continue;
                    }
                    let wrapped = self
                        .cipher
                        .wrap_tenant_key(*tenant, key_id, under)
                        .map_err(|e| StoreError::Internal(format!("key {key_id}: {e}")))?;
                    tx.execute(
                        Query::insert()
                            .into_table("tenant_keys")
                            .columns(["tenant_id", "key_id", "under_key", "wrapped", "created_at"])
                            .values([
                                tenant.as_uuid().into(),
                                i64::from(key_id).into(),
                                i64::from(under).into(),
                                wrapped.into(),
                                now.into(),
                            ])
                            .map_err(ie)?
                            .on_conflict(OnConflict::columns(["tenant_id", "key_id", "under_key"]).do_nothing().to_owned()),
                    )
                    .await?;
                    done.wrapped += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(done)
    }

    /// Whether master key `key_id` may be retired: every company has a copy of its field
    /// key of `key_id` under another of the given keys.
    ///
    /// # Errors
    /// Store failures.
    pub async fn retirement(&self, key_id: u32) -> Result<Retirement, StoreError> {
        let kept: Vec<u32> = self
            .cipher
            .key_checks()
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| *id != key_id)
            .collect();
        let covered: BTreeSet<TenantId> = self
            .kept_tenant_keys()
            .await?
            .into_iter()
            .filter(|(_, k, u, _)| *k == key_id && kept.contains(u))
            .map(|(t, ..)| t)
            .collect();
        let tenants = self.tenant_ids().await?;
        Ok(Retirement {
            tenants: tenants.len() as u64,
            missing: tenants.into_iter().filter(|t| !covered.contains(t)).collect(),
        })
    }
}
