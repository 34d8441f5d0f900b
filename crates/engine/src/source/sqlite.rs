//! SQLite files (and the files CSV-script and local-merge models write).
//!
//! Every query opens its own read-only connection, so several traces read one file at once
//! (see `in_process.rs`).

use super::in_process::{Batcher, InProcessEngine, RunError, Settings};
use super::{resolve_path, ConnectContext, RowSink, SourceError};
use crate::cancel::Cancel;
use crate::value::Cell;
use rusqlite::{Connection, InterruptHandle, OpenFlags};
use std::path::PathBuf;
use visivo_project::Source;

pub struct SqliteSource {
    settings: Settings,
    database: PathBuf,
    /// (schema name, file)
    attachments: Vec<(String, PathBuf)>,
}

impl SqliteSource {
    pub fn new(source: &Source, ctx: &ConnectContext) -> Result<Self, SourceError> {
        let name = source.name.clone().unwrap_or_default();
        let database = source.database.as_deref().ok_or_else(|| {
            SourceError::config(&name, "`database` (the SQLite file) is required")
        })?;
        let database = resolve_path(ctx.project_dir, database);
        let mut attachments = Vec::new();
        for attachment in source.attach.iter().flatten() {
            let file = attachment.database().ok_or_else(|| {
                SourceError::config(
                    &name,
                    format!(
                        "attachment '{}' needs a database file",
                        attachment.schema_name
                    ),
                )
            })?;
            attachments.push((
                attachment.schema_name.clone(),
                resolve_path(ctx.project_dir, file),
            ));
        }
        Ok(SqliteSource {
            settings: Settings::new(source, ctx),
            database,
            attachments,
        })
    }

    /// A source over a file a CSV or Excel source loaded its rows into.
    pub fn over_file(settings: Settings, database: PathBuf) -> Self {
        SqliteSource {
            settings,
            database,
            attachments: Vec::new(),
        }
    }

    /// A source over a file this run wrote (CSV-script model output).
    pub fn for_file(
        name: String,
        database: PathBuf,
        attachments: Vec<(String, PathBuf)>,
        cancel: Cancel,
    ) -> Self {
        SqliteSource {
            settings: Settings {
                name,
                query_timeout: None,
                concurrency: 1,
                cancel,
            },
            database,
            attachments,
        }
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

/// Runs `sql` on `connection`, handing its column names and then batches of rows to `out`.
pub fn run_query(
    connection: &Connection,
    sql: &str,
    out: &mut dyn RowSink,
) -> Result<(), RunError> {
    let mut statement = connection.prepare(sql)?;
    let columns: Vec<String> = statement.column_names().map(str::to_string).collect();
    out.columns(&columns)?;
    let width = columns.len();
    let mut rows = statement.query([])?;
    let mut batcher = Batcher::new(out);
    while let Some(row) = rows.next()? {
        let mut cells = Vec::with_capacity(width);
        for i in 0..width {
            cells.push(Cell::from(row.get_ref(i)?));
        }
        batcher.push(cells)?;
    }
    Ok(batcher.finish()?)
}

impl From<rusqlite::Error> for RunError {
    fn from(error: rusqlite::Error) -> Self {
        RunError::Database(error.to_string())
    }
}

impl InProcessEngine for SqliteSource {
    type Connection = Connection;
    type Interrupt = InterruptHandle;

    fn settings(&self) -> &Settings {
        &self.settings
    }

    fn open(&self) -> Result<Connection, SourceError> {
        let fail = |message: String| SourceError::Connect {
            source_name: self.settings.name.clone(),
            message,
            connection: Some(format!("sqlite file {}", self.database.display())),
        };
        open_with_attachments(&self.database, &self.attachments).map_err(fail)
    }

    fn interrupt_handle(connection: &Connection) -> InterruptHandle {
        connection.get_interrupt_handle()
    }

    fn interrupt(handle: InterruptHandle) {
        handle.interrupt();
    }

    fn run(connection: &Connection, sql: &str, out: &mut dyn RowSink) -> Result<(), RunError> {
        run_query(connection, sql, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::in_process::InProcess;
    use crate::source::Connector;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_run_interrupts_a_running_query() {
        let cancel = Cancel::default();
        let source = InProcess(SqliteSource::for_file(
            "forever".into(),
            PathBuf::from(":memory:"),
            vec![],
            cancel.clone(),
        ));
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                       SELECT count(*) FROM c";
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            cancel.cancel();
        });
        let stopped =
            tokio::time::timeout(std::time::Duration::from_secs(20), source.query(endless));
        assert_eq!(stopped.await.unwrap().unwrap_err(), SourceError::Cancelled);
    }
}
