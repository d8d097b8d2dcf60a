//! The threads that run searches: one per core, fed first come, first served from one
//! queue. A thread that finishes a search takes the next one at once; with Tokio's
//! blocking pool behind a semaphore, the next search started only after the finished
//! one's task had been woken and polled on a Tokio worker (busy with HTTP under load) to
//! give its permit back, and the next waiting task woken in turn: the cores sat idle
//! meanwhile (15 % of the machine under a load of searches through HTTP).

use crossbeam_channel::{Receiver, Sender};
use std::panic::AssertUnwindSafe;

type Job = Box<dyn FnOnce() + Send>;

/// The search threads and their queue; the threads stop when it is dropped (once the
/// searches queued are done).
pub(crate) struct Searchers {
    queue: Sender<Job>,
}

/// Why a search gave no answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Stopped {
    /// No search thread could be started.
    #[error("no search thread: {0}")]
    Start(#[from] std::io::Error),
    /// The search panicked, or its threads are gone.
    #[error("the search stopped before its answer")]
    Lost,
}

impl Searchers {
    /// Starts `threads` search threads (at least one).
    pub(crate) fn start(threads: usize) -> Result<Self, Stopped> {
        let (queue, jobs) = crossbeam_channel::unbounded::<Job>();
        for i in 0..threads.max(1) {
            let jobs: Receiver<Job> = jobs.clone();
            std::thread::Builder::new().name(format!("crm-search-{i}")).spawn(move || {
                while let Ok(job) = jobs.recv() {
                    job();
                }
            })?;
        }
        Ok(Self { queue })
    }

    /// Queues `work` at once, to run on a search thread after the searches queued before
    /// it; the answer is awaited. A search whose caller has gone by its turn is skipped. A
    /// panic in `work` is its answer lost, the thread goes on.
    pub(crate) fn run<T: Send + 'static, W: FnOnce() -> T + Send + 'static>(
        &self,
        work: W,
    ) -> impl std::future::Future<Output = Result<T, Stopped>> + use<T, W> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            if answer.is_closed() {
                return;
            }
            if let Ok(found) = std::panic::catch_unwind(AssertUnwindSafe(work)) {
                let _ = answer.send(found);
            }
        });
        let queued = self.queue.send(job).is_ok();
        async move {
            if !queued {
                return Err(Stopped::Lost);
            }
            answered.await.map_err(|_| Stopped::Lost)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn searches_run_on_the_threads_and_a_panic_loses_only_its_answer() {
        let searchers = Searchers::start(2).unwrap();
        let name = searchers.run(|| std::thread::current().name().map(str::to_owned)).await.unwrap();
        assert!(name.is_some_and(|n| n.starts_with("crm-search-")));
        assert!(matches!(
            searchers.run(|| panic!("a search that fails")).await,
            Err::<(), _>(Stopped::Lost)
        ));
        // Both threads are still there: two searches that wait for each other end.
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let (a, b) = (Arc::clone(&barrier), Arc::clone(&barrier));
        let both = async {
            tokio::join!(
                searchers.run(move || a.wait().is_leader()),
                searchers.run(move || b.wait().is_leader())
            )
        };
        let (x, y) = tokio::time::timeout(std::time::Duration::from_secs(30), both)
            .await
            .expect("a search thread died with its search");
        assert_ne!(x.unwrap(), y.unwrap());
    }

    #[tokio::test]
    async fn at_most_as_many_searches_as_threads_run_at_once_in_their_order() {
        let searchers = Searchers::start(2).unwrap();
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut all = Vec::new();
        for i in 0..8 {
            let (running, most, order) = (Arc::clone(&running), Arc::clone(&most), Arc::clone(&order));
            all.push(searchers.run(move || {
                order.lock().unwrap().push(i);
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for r in all {
            r.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        // First come, first served: a search starts at most one place from its place in
        // the queue (the other thread may take the next one first).
        let order = order.lock().unwrap().clone();
        for (at, i) in order.iter().enumerate() {
            assert!(at.abs_diff(*i) <= 1, "{order:?}");
        }
    }
}
