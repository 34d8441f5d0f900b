//! SQLite files (and the files CSV-script and local-merge models write).
//!
//! Every query opens its own read-only connection, so several traces read one file at once.

use super::{resolve_path, ConnectContext, Connector, RowSink, SourceError};
use crate::value::{Cell, ResultSet};
use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::time::Duration;
use visivo_project::Source;

const BATCH_ROWS: usize = 10_000;

pub struct SqliteSource {
    name: String,
    database: PathBuf,
    /// (schema name, file)
    attachments: Vec<(String, PathBuf)>,
    concurrency: usize,
    query_timeout: Option<Duration>,
}

impl SqliteSource {
    pub fn new(source: &Source, ctx: &ConnectContext) -> Result<Self, SourceError> {
        let name = source.name.clone().unwrap_or_default();
        let database = source.database.as_deref().ok_or_else(|| {
            SourceError(format!(
                "source '{name}': `database` (the SQLite file) is required"
            ))
        })?;
        let database = resolve_path(ctx.project_dir, database);
        let mut attachments = Vec::new();
        for attachment in source.attach.iter().flatten() {
            let file = attachment.database().ok_or_else(|| {
                SourceError(format!(
                    "source '{name}': attachment '{}' needs a database file",
                    attachment.schema_name
                ))
            })?;
            attachments.push((
                attachment.schema_name.clone(),
                resolve_path(ctx.project_dir, file),
            ));
        }
        Ok(SqliteSource {
            name,
            database,
            attachments,
            concurrency: ctx.threads.max(1),
            query_timeout: source.query_timeout.map(Duration::from_secs),
        })
    }

    /// A source over a file this run wrote (CSV-script model output).
    pub fn for_file(name: String, database: PathBuf, attachments: Vec<(String, PathBuf)>) -> Self {
        SqliteSource {
            name,
            database,
            attachments,
            concurrency: 1,
            query_timeout: None,
        }
    }

    fn open(&self) -> Result<Connection, SourceError> {
        let fail =
            |e: String| SourceError(format!("Error connecting to source '{}': {e}", self.name));
        open_with_attachments(&self.database, &self.attachments).map_err(fail)
    }
}

/// Opens `database` read-only (`:memory:` for an empty in-memory one) and attaches files.
pub fn open_with_attachments(
    database: &std::path::Path,
    attachments: &[(String, PathBuf)],
) -> Result<Connection, String> {
    let in_memory = database.as_os_str() == ":memory:";
    let connection = if in_memory {
        Connection::open_in_memory()
    } else {
        if !database.is_file() {
            // 1.0.30's driver silently created an empty file here.
            return Err(format!(
                "the database file {} does not exist",
                database.display()
            ));
        }
        Connection::open_with_flags(
            database,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    }
    .map_err(|e| e.to_string())?;
    for (schema, file) in attachments {
        if !file.is_file() {
            return Err(format!(
                "the attached database file {} does not exist",
                file.display()
            ));
        }
        let uri = format!("file:{}?mode=ro", file.display());
        connection
            .execute(
                &format!("ATTACH DATABASE ?1 AS \"{}\"", schema.replace('"', "\"\"")),
                [uri],
            )
            .map_err(|e| e.to_string())?;
    }
    Ok(connection)
}

/// Runs `sql` on `connection`, handing rows to `on_batch`.
pub fn run_query(
    connection: &Connection,
    sql: &str,
    mut on_columns: impl FnMut(&[String]) -> Result<(), String>,
    mut on_batch: impl FnMut(Vec<Vec<Cell>>) -> Result<(), String>,
) -> Result<(), String> {
    let mut statement = connection.prepare(sql).map_err(|e| e.to_string())?;
    let columns: Vec<String> = statement.column_names().map(str::to_string).collect();
    on_columns(&columns)?;
    let width = columns.len();
    let mut rows = statement.query([]).map_err(|e| e.to_string())?;
    let mut batch = Vec::with_capacity(BATCH_ROWS.min(1024));
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let mut cells = Vec::with_capacity(width);
        for i in 0..width {
            cells.push(Cell::from(row.get_ref(i).map_err(|e| e.to_string())?));
        }
        batch.push(cells);
        if batch.len() >= BATCH_ROWS {
            on_batch(std::mem::take(&mut batch))?;
        }
    }
    if !batch.is_empty() {
        on_batch(batch)?;
    }
    Ok(())
}

impl SqliteSource {
    /// Runs `work` on a blocking thread with a fresh connection; past `query_timeout` the
    /// statement is interrupted.
    async fn with_connection<T: Send + 'static>(
        &self,
        work: impl FnOnce(Connection) -> Result<T, String> + Send + 'static,
    ) -> Result<T, SourceError> {
        let connection = self.open()?;
        let interrupt = connection.get_interrupt_handle();
        let mut task = tokio::task::spawn_blocking(move || work(connection));
        let joined = match self.query_timeout {
            None => (&mut task).await,
            Some(limit) => match tokio::time::timeout(limit, &mut task).await {
                Ok(joined) => joined,
                Err(_) => {
                    interrupt.interrupt();
                    let _ = task.await;
                    return Err(SourceError(format!(
                        "source '{}': the query was stopped after the query_timeout of {}s",
                        self.name,
                        limit.as_secs()
                    )));
                }
            },
        };
        joined
            .map_err(|e| SourceError(e.to_string()))?
            .map_err(SourceError)
    }
}

#[async_trait]
impl Connector for SqliteSource {
    async fn query(&self, sql: &str) -> Result<ResultSet, SourceError> {
        let sql = sql.to_string();
        self.with_connection(move |connection| {
            let mut result = ResultSet::default();
            run_query(
                &connection,
                &sql,
                |c| {
                    result.columns = c.to_vec();
                    Ok(())
                },
                |rows| {
                    result.rows.extend(rows);
                    Ok(())
                },
            )
            .map(|_| result)
        })
        .await
    }

    async fn stream(&self, sql: &str, sink: Box<dyn RowSink>) -> Result<(), SourceError> {
        let sql = sql.to_string();
        self.with_connection(move |connection| {
            let sink = std::cell::RefCell::new(sink);
            run_query(
                &connection,
                &sql,
                |c| sink.borrow_mut().columns(c),
                |rows| sink.borrow_mut().rows(rows),
            )?;
            let result = sink.borrow_mut().finish();
            result
        })
        .await
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }
}
