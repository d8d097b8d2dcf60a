//! Forecast of the open opportunities the actor may see.

use crate::app::{App, require, scope};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::OpportunityFilter;
use crate::store::OpportunityStore;
use crm_domain::Actor;
use crm_domain::forecast::{Bucket, GroupBy, Period, aggregate};
use crm_domain::visibility::{Capability, Owned};

impl<S: OpportunityStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Weighted value of open opportunities by period of expected close, group and
    /// currency, summed exactly and rounded half-even once per bucket.
    ///
    /// # Errors
    /// `Forbidden` for roles that see no opportunity (Marketing, the operator).
    pub async fn forecast(
        &self,
        actor: &Actor,
        period: Period,
        group: GroupBy,
        filter: &OpportunityFilter,
    ) -> Result<Vec<Bucket>, ServiceError> {
        require(actor, Capability::ReadForecast)?;
        filter.check()?;
        let sc = scope(actor, Owned::Opportunity)?;
        let mut f = filter.clone();
        f.status = Some("open");
        let items = self.store.forecast_items(sc, &f).await?;
        Ok(aggregate(items, period, group))
    }
}
