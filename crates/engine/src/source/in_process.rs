//! What SQLite and DuckDB share: both run inside this process, so every query opens its own
//! connection and runs on a blocking thread, and past `query_timeout` or when the run is
//! cancelled the statement is interrupted. An engine implements [`InProcessEngine`]; [`InProcess`] makes it a [`Connector`].

use super::batches::{until_interrupted, BATCH_ROWS};
use super::error::panic_message;
use super::{ConnectContext, Connector, RowSink, SinkError, SourceError};
use crate::cancel::Cancel;
use crate::value::{Cell, ResultSet};
use async_trait::async_trait;
use std::time::Duration;
use visivo_project::Source;

/// What every in-process source knows besides its files.
#[derive(Clone)]
pub struct Settings {
    pub name: String,
    pub query_timeout: Option<Duration>,
    /// Read-only connections share a file, so several queries may run at once.
    pub concurrency: usize,
    pub cancel: Cancel,
}

impl Settings {
    pub fn new(source: &Source, ctx: &ConnectContext) -> Self {
        Settings {
            name: source.name.clone().unwrap_or_default(),
            query_timeout: source.query_limit(),
            concurrency: ctx.threads.max(1),
            cancel: ctx.cancel.clone(),
        }
    }
}

pub trait InProcessEngine: Send + Sync + 'static {
    type Connection: Send + 'static;
    /// Stops the connection's running statement from another thread.
    type Interrupt: Send + 'static;

    fn settings(&self) -> &Settings;
    fn open(&self) -> Result<Self::Connection, SourceError>;
    fn interrupt_handle(connection: &Self::Connection) -> Self::Interrupt;
    fn interrupt(handle: Self::Interrupt);
    /// Runs `sql`, handing its column names and then batches of rows (see [`Batcher`]) to `out`.
    fn run(connection: &Self::Connection, sql: &str, out: &mut dyn RowSink)
        -> Result<(), RunError>;
}

/// Why an in-process engine's statement stopped.
#[derive(Debug)]
pub enum RunError {
    /// The database refused or failed the statement: its message.
    Database(String),
    /// The rows could not be stored.
    Output(SinkError),
}

impl From<SinkError> for RunError {
    fn from(error: SinkError) -> Self {
        RunError::Output(error)
    }
}

/// An in-process engine as a [`Connector`].
pub struct InProcess<E>(pub E);

impl<E: InProcessEngine> InProcess<E> {
    /// Runs `work` on a blocking thread with a fresh connection.
    async fn with_connection<T: Send + 'static>(
        &self,
        work: impl FnOnce(E::Connection) -> Result<T, RunError> + Send + 'static,
    ) -> Result<T, SourceError> {
        let connection = self.0.open()?;
        let interrupt = E::interrupt_handle(&connection);
        let mut task = tokio::task::spawn_blocking(move || work(connection));
        let settings = self.0.settings();
        let joined =
            match until_interrupted(&mut task, settings.query_timeout, &settings.cancel).await {
                Ok(joined) => joined,
                Err(interruption) => {
                    E::interrupt(interrupt);
                    let _ = task.await;
                    return Err(interruption.into_error(&settings.name));
                }
            };
        let finished = joined.map_err(|e| match e.try_into_panic() {
            Ok(panic) => SourceError::query(
                &settings.name,
                format!("the engine panicked: {}", panic_message(&*panic)),
            ),
            Err(e) => SourceError::Internal(e.to_string()),
        })?;
        finished.map_err(|error| match error {
            RunError::Database(message) => SourceError::query(&settings.name, message),
            RunError::Output(error) => SourceError::Output(error),
        })
    }
}

#[async_trait]
impl<E: InProcessEngine> Connector for InProcess<E> {
    async fn query(&self, sql: &str) -> Result<ResultSet, SourceError> {
        let sql = sql.to_string();
        self.with_connection(move |connection| {
            let mut result = ResultSet::default();
            E::run(&connection, &sql, &mut result)?;
            Ok(result)
        })
        .await
    }

    async fn stream(&self, sql: &str, sink: Box<dyn RowSink>) -> Result<(), SourceError> {
        let sql = sql.to_string();
        self.with_connection(move |connection| {
            let mut sink = sink;
            E::run(&connection, &sql, &mut *sink)?;
            Ok(sink.finish()?)
        })
        .await
    }

    fn concurrency(&self) -> usize {
        self.0.settings().concurrency
    }
}

/// A query's rows kept in memory, for [`Connector::query`].
impl RowSink for ResultSet {
    fn columns(&mut self, columns: &[String]) -> Result<(), SinkError> {
        self.columns = columns.to_vec();
        Ok(())
    }

    fn rows(&mut self, rows: Vec<Vec<Cell>>) -> Result<(), SinkError> {
        self.rows.extend(rows);
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Collects rows one at a time and hands them on [`BATCH_ROWS`] at a time.
pub struct Batcher<'a> {
    out: &'a mut dyn RowSink,
    batch: Vec<Vec<Cell>>,
}

impl<'a> Batcher<'a> {
    pub fn new(out: &'a mut dyn RowSink) -> Self {
        Batcher {
            out,
            batch: Vec::with_capacity(BATCH_ROWS.min(1024)),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) -> Result<(), SinkError> {
        self.batch.push(row);
        if self.batch.len() >= BATCH_ROWS {
            self.out.rows(std::mem::take(&mut self.batch))?;
        }
        Ok(())
    }

    pub fn finish(self) -> Result<(), SinkError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        self.out.rows(self.batch)
    }
}
