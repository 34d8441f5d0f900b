//! Stopping a run early (Ctrl-C): one [`Cancel`] shared by every job. Jobs that are waiting give
//! up, running scripts are killed and running queries are cancelled on their server.

use std::sync::Arc;
use tokio::sync::watch;

/// What a job that was stopped by a cancelled run reports.
pub const CANCELLED: &str = "cancelled: the run was interrupted";

/// The cancel switch of one run; clones share it.
#[derive(Clone, Debug)]
pub struct Cancel(Arc<watch::Sender<bool>>);

impl Default for Cancel {
    fn default() -> Self {
        Cancel(Arc::new(watch::channel(false).0))
    }
}

impl Cancel {
    /// Cancels the run: every job sharing this switch stops. Calling it again changes nothing.
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    /// Whether the run has been cancelled.
    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Completes once the run is cancelled (at once if it already is).
    pub async fn cancelled(&self) {
        let mut receiver = self.0.subscribe();
        // The sender lives in `self`, so waiting can only end by a cancel.
        let _ = receiver.wait_for(|cancelled| *cancelled).await;
    }

    /// `work`'s result, or `None` when the run is cancelled first.
    pub async fn unless_cancelled<T>(
        &self,
        work: impl std::future::Future<Output = T>,
    ) -> Option<T> {
        tokio::select! {
            biased;
            () = self.cancelled() => None,
            result = work => Some(result),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancelling_wakes_waiters() {
        let cancel = Cancel::default();
        assert!(!cancel.is_cancelled());
        let waiter = tokio::spawn({
            let cancel = cancel.clone();
            async move { cancel.unless_cancelled(std::future::pending::<()>()).await }
        });
        cancel.cancel();
        assert_eq!(waiter.await.unwrap(), None);
        assert!(cancel.is_cancelled());
        assert_eq!(cancel.unless_cancelled(async { 1 }).await, None);
    }
}
