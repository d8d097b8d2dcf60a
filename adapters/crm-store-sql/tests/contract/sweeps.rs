//! A reader of the log visits every tenant on a sweep, which with many tenants takes
//! seconds: a tenant whose log grows meanwhile is served before the rest of the sweep,
//! not after it.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::TenantId;
use crm_domain::event::EntityType;
use crm_ports::ServiceError;
use crm_ports::query::EventRecord;
use crm_ports::runtime::consumers::{Consumer, ConsumerOptions, Interest};
use crm_ports::runtime::{BoxFuture, RetryPolicy, Shutdown};
use crm_ports::store::{Advance, TenantStore as _};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the reader saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// A tenant of the sweep visited (slowly).
    Swept(TenantId),
    /// Contact events applied for a tenant.
    Applied(TenantId, usize),
}

/// Takes [`SLOW`] to read its position in each tenant that existed when it was made (as a
/// sweep over a thousand tenants takes seconds), and has nothing to do there; it applies
/// the contact events of the other tenants.
struct SlowSweep {
    slow: HashSet<TenantId>,
    seen: Arc<Mutex<Vec<Seen>>>,
    cursors: Mutex<HashMap<TenantId, i64>>,
}

const SLOW: Duration = Duration::from_millis(100);

impl Consumer for SlowSweep {
    fn name(&self) -> &'static str {
        "test_slow_sweep"
    }

    fn interest(&self) -> Interest {
        Interest::Entities(&[EntityType::Contact])
    }

    fn position(&self, tenant: TenantId) -> BoxFuture<'_, Result<i64, ServiceError>> {
        Box::pin(async move {
            if self.slow.contains(&tenant) {
                tokio::time::sleep(SLOW).await;
                self.seen.lock().unwrap().push(Seen::Swept(tenant));
                return Ok(i64::MAX);
            }
            Ok(self.cursors.lock().unwrap().get(&tenant).copied().unwrap_or(0))
        })
    }

    fn apply<'a>(&'a self, tenant: TenantId, events: &'a [EventRecord], advance: Advance) -> BoxFuture<'a, Result<(), ServiceError>> {
        Box::pin(async move {
            if let Advance::To { to, .. } = advance {
                self.cursors.lock().unwrap().insert(tenant, to);
            }
            if !events.is_empty() {
                self.seen.lock().unwrap().push(Seen::Applied(tenant, events.len()));
            }
            Ok(())
        })
    }
}

pub async fn a_tenant_woken_during_a_sweep_goes_before_the_rest_of_it(h: &Harness) {
    // Enough tenants for the sweep to last well over a second.
    for n in 0..12 {
        h.tenant(&format!("Balayée {n}")).await;
    }
    let slow: HashSet<TenantId> = h.app.store().list_tenants().await.unwrap().iter().map(|t| t.id).collect();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let consumer: Arc<dyn Consumer> = Arc::new(SlowSweep {
        slow: slow.clone(),
        seen: Arc::clone(&seen),
        cursors: Mutex::default(),
    });
    let options = ConsumerOptions {
        batch: 50,
        sweep: Duration::from_secs(600),
        gather: Duration::from_millis(5),
        retry: RetryPolicy::default(),
    };
    let (trigger, shutdown) = Shutdown::new();
    let app = h.app.clone();
    let runner = tokio::spawn(async move { app.run_consumer(consumer, options, shutdown).await });
    let swept = |seen: &[Seen]| seen.iter().filter(|s| matches!(s, Seen::Swept(_))).count();

    // The first sweep is under way: a new tenant gets a contact.
    for _ in 0..200 {
        if swept(&seen.lock().unwrap()) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (t, admin) = h.tenant("Réveillée").await;
    h.app.create_contact(&admin, &input("Jean", "Pressé"), None, true).await.unwrap();

    let mut applied_after = None;
    for _ in 0..400 {
        {
            let seen = seen.lock().unwrap();
            if let Some(i) = seen.iter().position(|s| matches!(s, Seen::Applied(x, _) if *x == t.id)) {
                applied_after = Some(swept(&seen[..i]));
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    trigger.trigger();
    runner.await.unwrap();
    let applied_after = applied_after.expect("the woken tenant's contact was never applied");
    // Without the woken tenant going first, it is served once all the sweep is done.
    assert!(
        applied_after < slow.len(),
        "the woken tenant waited for the whole sweep: applied after {applied_after} of {} tenants",
        slow.len()
    );
}

contract!(a_tenant_woken_during_a_sweep_goes_before_the_rest_of_it);
