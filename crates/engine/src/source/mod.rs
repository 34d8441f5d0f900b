//! Databases behind one trait. Adding an engine means one module here plus its tests.

mod batches;
mod bigquery;
mod clickhouse;
pub(crate) mod decode;
#[cfg(feature = "duckdb")]
mod duckdb;
pub mod error;
mod file;
mod http;
pub(crate) mod in_process;
mod jwt;
pub mod mysql;
pub mod postgres;
mod snowflake;
pub(crate) mod sqlite;
mod tls;

use crate::value::ResultSet;
use async_trait::async_trait;
use in_process::InProcess;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use visivo_project::load::template::unset_vars_in;
use visivo_project::{Source, SourceType};

pub use error::{SinkError, SourceError};

/// Receives the rows of a query in batches, so big results never sit in memory whole.
pub trait RowSink: Send {
    /// Called once with the column names, before any rows.
    fn columns(&mut self, columns: &[String]) -> Result<(), SinkError>;
    /// Called with each batch of rows, in order; an `Err` stops the query.
    fn rows(&mut self, rows: Vec<Vec<crate::value::Cell>>) -> Result<(), SinkError>;
    /// Called once after the last batch, when the query succeeded.
    fn finish(&mut self) -> Result<(), SinkError>;
}

/// A connected source: runs SQL and gives back rows. One per source, shared by every job of a run.
#[async_trait]
pub trait Connector: Send + Sync {
    /// Runs a query and returns all its rows.
    async fn query(&self, sql: &str) -> Result<ResultSet, SourceError>;

    /// Runs a query and hands its rows to `sink` in batches.
    async fn stream(&self, sql: &str, sink: Box<dyn RowSink>) -> Result<(), SourceError> {
        let result = self.query(sql).await?;
        let mut sink = sink;
        sink.columns(&result.columns).map_err(SourceError::Output)?;
        sink.rows(result.rows).map_err(SourceError::Output)?;
        sink.finish().map_err(SourceError::Output)
    }

    /// How many queries may run against this source at once.
    fn concurrency(&self) -> usize;
}

/// Settings every connector gets besides its source definition.
pub struct ConnectContext<'a> {
    /// Relative file paths (SQLite databases) are resolved against this directory.
    pub project_dir: &'a Path,
    /// How many jobs the run executes at once (in-process engines size their thread use to it).
    pub threads: usize,
    /// Stops running queries when the run is interrupted.
    pub cancel: crate::cancel::Cancel,
}

/// Checks a source's definition and makes its connector; connections are opened on first use. `Err`
/// if the definition can't be used (missing field, unset variable, engine not in this build).
pub fn connect(source: &Source, ctx: &ConnectContext) -> Result<Arc<dyn Connector>, SourceError> {
    check_env_vars(source)?;
    #[cfg(test)]
    if source.name.as_deref() == Some(test_support::PANICKING) {
        return Ok(Arc::new(test_support::Panicking));
    }
    match source.source_type {
        SourceType::Sqlite => Ok(Arc::new(InProcess(sqlite::SqliteSource::new(source, ctx)?))),
        SourceType::Postgresql | SourceType::Redshift => {
            let cancel = ctx.cancel.clone();
            Ok(Arc::new(
                postgres::PostgresSource::new(source)?.with_cancel(cancel),
            ))
        }
        SourceType::Mysql => Ok(Arc::new(
            mysql::MysqlSource::new(source)?.with_cancel(ctx.cancel.clone()),
        )),
        SourceType::Snowflake => Ok(Arc::new(snowflake::SnowflakeSource::new(source, ctx)?)),
        SourceType::Bigquery => Ok(Arc::new(bigquery::BigQuerySource::new(source, ctx)?)),
        SourceType::Clickhouse => Ok(Arc::new(clickhouse::ClickhouseSource::new(source, ctx)?)),
        SourceType::Csv | SourceType::Excel => Ok(Arc::new(file::FileSource::new(source, ctx)?)),
        #[cfg(feature = "duckdb")]
        SourceType::Duckdb => Ok(Arc::new(InProcess(self::duckdb::DuckdbSource::new(
            source, ctx,
        )?))),
        #[cfg(not(feature = "duckdb"))]
        SourceType::Duckdb => Err(SourceError::config(
            source.name.as_deref().unwrap_or_default(),
            "DuckDB support is not compiled into this build (it was built with \
             `--no-default-features`); rebuild without that flag (docs/cloud-sources.md)",
        )),
    }
}

/// The login name (`username` or `$USER`) a server source cannot do without.
pub(crate) fn required_login(source: &Source, name: &str) -> Result<String, SourceError> {
    source
        .login_user()
        .ok_or_else(|| SourceError::config(name, "`username` is required"))
}

fn secret(value: &Option<visivo_project::Secret>) -> Option<&str> {
    value.as_ref().map(visivo_project::Secret::expose)
}

/// Fields whose value came from an unset environment variable make the source unusable.
fn check_env_vars(source: &Source) -> Result<(), SourceError> {
    let fields = [
        ("database", source.database.as_deref()),
        ("host", source.host.as_deref()),
        ("username", source.username.as_deref()),
        ("password", secret(&source.password)),
        ("account", source.account.as_deref()),
        ("warehouse", source.warehouse.as_deref()),
        ("role", source.role.as_deref()),
        ("db_schema", source.db_schema.as_deref()),
        ("project", source.project.as_deref()),
        ("dataset", source.dataset.as_deref()),
        ("credentials_path", source.credentials_path.as_deref()),
        ("credentials_json", secret(&source.credentials_json)),
        ("file", source.file.as_deref()),
        ("sheet", source.sheet.as_deref()),
    ];
    for (field, value) in fields {
        if let Some(var) = value.and_then(|v| unset_vars_in(v).first().copied()) {
            return Err(SourceError::config(
                source.name.as_deref().unwrap_or_default(),
                format!("`{field}` comes from environment variable {var}, which is not set"),
            ));
        }
    }
    Ok(())
}

pub(crate) fn resolve_path(project_dir: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        project_dir.join(p)
    }
}

/// Connectors that exist only in this crate's unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{Connector, ResultSet, SourceError};
    use async_trait::async_trait;

    /// The name of a source whose queries panic (see [`super::connect`]).
    pub(crate) const PANICKING: &str = "test-panicking-source";

    pub(crate) struct Panicking;

    #[async_trait]
    impl Connector for Panicking {
        async fn query(&self, _sql: &str) -> Result<ResultSet, SourceError> {
            panic!("the engine tripped over row 7")
        }

        fn concurrency(&self) -> usize {
            1
        }
    }
}
