//! The reminder scheduler: every interval, applies the reminder rules of every tenant.
//! Several server processes may run it at once: each reminder is created exactly once by
//! its unique key, so no leader is needed.

use crate::assemble::CrmApp;
use crm_domain::Actor;
use std::time::Duration;

/// Starts the scheduler; it runs until the process ends.
pub fn spawn(app: CrmApp, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(interval).await;
            let tenants = match app.list_tenants(&Actor::Operator).await {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(error = %e, "reminder scan: cannot list tenants");
                    continue;
                }
            };
            for t in tenants {
                match app.run_reminders(t.id).await {
                    Ok(r) if r.tasks + r.notifications > 0 => {
                        tracing::info!(tenant = %t.id, tasks = r.tasks, notifications = r.notifications, "reminders created");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(tenant = %t.id, error = %e, "reminder scan failed; the next one continues"),
                }
            }
        }
    })
}
