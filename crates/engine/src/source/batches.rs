//! How rows leave a network engine's query, shared by PostgreSQL, MySQL, Snowflake and BigQuery:
//! an engine implements [`BatchedSource::execute`], writing columns and batches of rows to an
//! [`Out`], and gets its [`Connector`] from that — collected into a [`ResultSet`] for `query`, or
//! handed to a [`RowSink`] on a blocking thread for `stream`. Also the connection [`Pool`].

use super::error::panic_message;
use super::{Connector, RowSink, SinkError, SourceError};
use crate::cancel::Cancel;
use crate::value::{Cell, ResultSet};
use async_trait::async_trait;
use std::future::Future;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Semaphore, SemaphorePermit};

/// What a sink that refused rows without saying why leaves.
const NOT_STORED: &str = "the rows could not be stored";

/// Rows handed to a sink at once.
pub(crate) const BATCH_ROWS: usize = 10_000;

/// A source that writes a query's columns and rows to an [`Out`].
#[async_trait]
pub trait BatchedSource: Send + Sync {
    /// Runs `sql`, handing its columns and then its rows, in batches, to `out`.
    async fn execute(&self, sql: &str, out: &mut Out<'_>) -> Result<(), Stop>;

    /// How many queries may run against this source at once.
    fn concurrency(&self) -> usize;
}

#[async_trait]
impl<S: BatchedSource> Connector for S {
    async fn query(&self, sql: &str) -> Result<ResultSet, SourceError> {
        let mut result = ResultSet::default();
        match self.execute(sql, &mut Out::Collect(&mut result)).await {
            Ok(()) => Ok(result),
            Err(stop) => Err(stop.into_error()),
        }
    }

    async fn stream(&self, sql: &str, sink: Box<dyn RowSink>) -> Result<(), SourceError> {
        let mut pipe = Pipe::spawn(sink);
        let result = self.execute(sql, &mut Out::Pipe(&mut pipe)).await;
        pipe.finish(result).await
    }

    fn concurrency(&self) -> usize {
        BatchedSource::concurrency(self)
    }
}

/// At most `size` connections, made by the caller when none is idle, kept for the next query.
/// A source is connected to once per run: after an attempt fails, every query fails at once with
/// that error instead of waiting out another `connect_timeout`.
#[derive(Debug)]
pub(crate) struct Pool<C> {
    pub(crate) size: usize,
    idle: Mutex<Vec<(C, Instant)>>,
    permits: Semaphore,
    connect_failure: OnceLock<SourceError>,
}

impl<C> Pool<C> {
    pub(crate) fn new(size: usize) -> Self {
        let size = size.max(1);
        Pool {
            size,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(size),
            connect_failure: OnceLock::new(),
        }
    }

    /// Waits for a free slot; returns it with an idle connection (and when it was last used), if
    /// there is one. Dropping the permit frees the slot. Fails at once when connecting to the
    /// source failed before.
    pub(crate) async fn acquire(
        &self,
    ) -> Result<(SemaphorePermit<'_>, Option<(C, Instant)>), Stop> {
        let permit = self.permits.acquire().await.map_err(|_| {
            Stop::Error(SourceError::Internal(
                "the connection pool is closed".into(),
            ))
        })?;
        if let Some(failure) = self.connect_failure.get() {
            return Err(Stop::Error(failure.clone()));
        }
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        Ok((permit, idle))
    }

    /// A new connection, or the failure every later query of this run reports too.
    pub(crate) fn connected(&self, attempt: Result<C, SourceError>) -> Result<C, Stop> {
        attempt.map_err(|e| Stop::Error(self.connect_failure.get_or_init(|| e).clone()))
    }

    /// Keeps a healthy connection for the next query.
    pub(crate) fn put(&self, connection: C) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push((connection, Instant::now()));
        }
    }
}

/// Why a running statement must be stopped on its server.
pub(crate) enum Interruption {
    TimedOut(Duration),
    Cancelled,
}

impl Interruption {
    pub(crate) fn into_error(self, source_name: &str) -> SourceError {
        match self {
            Interruption::TimedOut(limit) => SourceError::Timeout {
                source_name: source_name.to_string(),
                limit,
            },
            Interruption::Cancelled => SourceError::Cancelled,
        }
    }
}

/// Runs `work` until it finishes, runs past `limit` (if any) or the run is cancelled.
pub(crate) async fn until_interrupted<T>(
    work: impl Future<Output = T>,
    limit: Option<Duration>,
    cancel: &Cancel,
) -> Result<T, Interruption> {
    let deadline = async {
        match limit {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        result = work => Ok(result),
        () = deadline => Err(Interruption::TimedOut(limit.unwrap_or_default())),
        () = cancel.cancelled() => Err(Interruption::Cancelled),
    }
}

/// Why a query stopped early.
pub enum Stop {
    /// The statement failed; the connection is still usable. (Message without the source name.)
    Query(String),
    /// The connection broke while the statement ran; it is not used again. (Message without the
    /// source name.)
    Broken(String),
    /// Anything else, ready to show.
    Error(SourceError),
    /// The sink refused the rows; its own error is waiting in the [`Pipe`].
    SinkFailed,
}

impl Stop {
    /// A failed statement's message as the user sees it: the source named.
    pub(crate) fn on_source(self, name: &str) -> Stop {
        match self {
            Stop::Query(e) | Stop::Broken(e) => Stop::Error(SourceError::query(name, e)),
            other => other,
        }
    }

    /// The error of a stop that [`Stop::on_source`] has named.
    pub(crate) fn into_error(self) -> SourceError {
        match self {
            Stop::Query(e) | Stop::Broken(e) => SourceError::Internal(e),
            Stop::Error(e) => e,
            Stop::SinkFailed => SourceError::Output(SinkError::Incomplete(NOT_STORED)),
        }
    }
}

/// Where a query's columns and rows go.
pub enum Out<'a> {
    Collect(&'a mut ResultSet),
    Pipe(&'a mut Pipe),
}

impl Out<'_> {
    pub(crate) async fn columns(&mut self, columns: Vec<String>) -> Result<(), Stop> {
        match self {
            Out::Collect(result) => {
                result.columns = columns;
                Ok(())
            }
            Out::Pipe(pipe) => pipe.send(Message::Columns(columns)).await,
        }
    }

    pub(crate) async fn rows(&mut self, rows: Vec<Vec<Cell>>) -> Result<(), Stop> {
        match self {
            Out::Collect(result) => {
                result.rows.extend(rows);
                Ok(())
            }
            Out::Pipe(pipe) => pipe.send(Message::Rows(rows)).await,
        }
    }
}

enum Message {
    Columns(Vec<String>),
    Rows(Vec<Vec<Cell>>),
    Finish,
}

/// Feeds a [`RowSink`] on a blocking thread, so writing one batch overlaps reading the next.
pub struct Pipe {
    sender: Option<mpsc::Sender<Message>>,
    writer: tokio::task::JoinHandle<Result<(), SinkError>>,
}

impl Pipe {
    pub(crate) fn spawn(mut sink: Box<dyn RowSink>) -> Pipe {
        let (sender, mut receiver) = mpsc::channel::<Message>(2);
        let writer = tokio::task::spawn_blocking(move || {
            while let Some(message) = receiver.blocking_recv() {
                match message {
                    Message::Columns(columns) => sink.columns(&columns)?,
                    Message::Rows(rows) => sink.rows(rows)?,
                    Message::Finish => return sink.finish(),
                }
            }
            Err(SinkError::Incomplete("the query stopped"))
        });
        Pipe {
            sender: Some(sender),
            writer,
        }
    }

    async fn send(&mut self, message: Message) -> Result<(), Stop> {
        match &self.sender {
            Some(sender) => sender.send(message).await.map_err(|_| Stop::SinkFailed),
            None => Err(Stop::SinkFailed),
        }
    }

    /// Ends the hand-off: on success the sink is finished; otherwise the first error wins.
    pub(crate) async fn finish(mut self, result: Result<(), Stop>) -> Result<(), SourceError> {
        let finished = match result {
            Ok(()) => self.send(Message::Finish).await,
            Err(stop) => Err(stop),
        };
        self.sender = None;
        let written = self.writer.await.map_err(|e| match e.try_into_panic() {
            Ok(panic) => SourceError::Internal(format!(
                "storing the rows panicked: {}",
                panic_message(&*panic)
            )),
            Err(e) => SourceError::Internal(e.to_string()),
        })?;
        match finished {
            Ok(()) => written.map_err(SourceError::Output),
            Err(Stop::SinkFailed) => Err(SourceError::Output(
                written.err().unwrap_or(SinkError::Incomplete(NOT_STORED)),
            )),
            Err(stop) => Err(stop.into_error()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_connection_is_not_tried_again() {
        let pool = Pool::<()>::new(2);
        let (_slot, idle) = pool.acquire().await.ok().unwrap();
        assert!(idle.is_none());
        let refused = SourceError::config("db", "refused");
        let failed = pool.connected(Err(refused.clone()));
        assert!(matches!(failed, Err(Stop::Error(e)) if e == refused));
        let again = pool.acquire().await;
        assert!(matches!(again, Err(Stop::Error(e)) if e == refused));
    }
}
