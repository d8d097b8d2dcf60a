//! How webhooks are sent, from the configuration: the transport (timeout, private
//! addresses allowed or not), the retry policy (exponential backoff with jitter, for about
//! three days by default), and the runners that deliver — several, so that a slow receiver
//! holds one of them only.

use crate::assemble::CrmApp;
use crate::config::Config;
use crm_ports::runtime::RetryPolicy;
use crm_ports::runtime::jobs::{JobHandler, JobOptions};
use crm_ports::services::webhooks::deliver::WebhookSender;
use crm_ports::webhook::WebhookTransport;
use std::sync::Arc;
use std::time::Duration;

/// The longest wait between two attempts.
const MAX_WAIT: Duration = Duration::from_secs(8 * 3600);

/// Webhook sending, as configured.
#[derive(Clone)]
pub struct Webhooks {
    /// Sends (and checks addresses).
    pub transport: Arc<dyn WebhookTransport>,
    /// Attempts and waits.
    pub retry: RetryPolicy,
    /// Runners.
    pub workers: usize,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("retry", &self.retry)
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}

impl Webhooks {
    /// From the `webhook_*` settings.
    pub fn from_config(config: &Config) -> Self {
        Self {
            transport: Arc::new(crm_webhooks::HttpTransport::new(
                config.webhook_allow_private,
                Duration::from_secs(config.webhook_timeout_seconds.clamp(1, 300)),
            )),
            retry: RetryPolicy {
                attempts: config.webhook_attempts.max(1),
                first_backoff: Duration::from_secs(config.webhook_retry_seconds.max(1)),
                max_backoff: MAX_WAIT,
                jitter: true,
            },
            workers: usize::try_from(config.webhook_workers.clamp(1, 32)).unwrap_or(1),
        }
    }

    /// Sends through `transport` instead (an embedding program's, a test's).
    #[must_use]
    pub fn with_transport(mut self, transport: Arc<dyn WebhookTransport>) -> Self {
        self.transport = transport;
        self
    }

    /// The delivery jobs' handler and its runner's options (the same retry policy: the
    /// handler decides when a delivery is dead).
    pub fn sender(&self, app: &CrmApp) -> (Vec<Arc<dyn JobHandler>>, JobOptions) {
        // Woken by the jobs this process queues: no short poll needed (`JobOptions::poll`).
        let mut options = JobOptions::new(uuid::Uuid::now_v7());
        // A receiver may take its whole timeout; the lease is renewed meanwhile, and a
        // worker killed mid-send leaves the delivery to another within this lease.
        options.lease = Duration::from_secs(15);
        options.retry = self.retry;
        (
            vec![Arc::new(WebhookSender::new(app, Arc::clone(&self.transport), self.retry))],
            options,
        )
    }
}
