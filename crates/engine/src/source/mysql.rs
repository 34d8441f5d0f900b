//! MySQL and MariaDB through mysql_async's text protocol: every value arrives as its text form and
//! is decoded by the column's type ([`decode`]). Rows are read from the socket as they are
//! consumed, so [`stream`](super::Connector::stream) never holds a whole result.
//!
//! Connections are made lazily and kept in a pool of at most `connection_pool_size` (default 1),
//! like the PostgreSQL source.
//! The default database is `database`, or `db_schema` when `database` is absent (in MySQL a schema
//! *is* a database; when both are set `db_schema` is ignored).

use super::batches::{until_interrupted, BatchedSource, Out, Pool, Stop, BATCH_ROWS};
use super::decode::{decimal_cell, float_cell, iso_datetime, iso_time};
use super::error::error_chain;
use super::tls::Tls;
use super::{required_login, SourceError};
use crate::cancel::Cancel;
use crate::value::Cell;
use async_trait::async_trait;
use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::prelude::Queryable;
use mysql_async::{Column, Conn, OptsBuilder, SslOpts, Value};
use std::time::Duration;
use visivo_project::{Secret, Source};

/// The `binary` character set: byte strings rather than text.
const BINARY_CHARSET: u16 = 63;
/// An idle connection older than this is pinged before it is used again.
const PING_AFTER: Duration = Duration::from_secs(30);

/// A MySQL or MariaDB source: a pool of up to `connection_pool_size` connections, TLS as
/// `sslmode` says.
#[derive(Debug)]
pub struct MysqlSource {
    name: String,
    host: String,
    port: u16,
    user: String,
    password: Option<Secret>,
    database: Option<String>,
    tls: Tls,
    connect_timeout: Duration,
    query_timeout: Option<Duration>,
    pool: Pool<Conn>,
    cancel: Cancel,
}

impl MysqlSource {
    /// Reads the source's definition; connects on the first query. `Err` for an unknown `sslmode`
    /// or
    /// a missing login name.
    pub fn new(source: &Source) -> Result<Self, SourceError> {
        let name = source.name.clone().unwrap_or_default();
        let tls = Tls::from_source(&name, source.sslmode.as_deref())?;
        let user = required_login(source, &name)?;
        Ok(MysqlSource {
            host: source.host.clone().unwrap_or_else(|| "localhost".into()),
            port: source.port.unwrap_or(3306),
            user,
            password: source.password.clone(),
            database: source
                .database
                .clone()
                .or_else(|| source.db_schema.clone())
                .filter(|d| !d.is_empty()),
            tls,
            connect_timeout: source.connect_limit(),
            query_timeout: source.query_limit(),
            pool: Pool::new(source.pool_size()),
            cancel: Cancel::default(),
            name,
        })
    }

    /// Stops (and kills on the server) what runs when `cancel` fires.
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }

    fn options(&self, tls: Tls) -> OptsBuilder {
        let ssl = match tls {
            Tls::Disable => None,
            Tls::Prefer | Tls::Require => Some(
                SslOpts::default()
                    .with_danger_accept_invalid_certs(true)
                    .with_danger_skip_domain_validation(true),
            ),
            Tls::VerifyFull => Some(SslOpts::default()),
        };
        OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(Some(self.user.clone()))
            .pass(self.password.as_ref().map(|p| p.expose().to_string()))
            .db_name(self.database.clone())
            // Always TCP to host:port, as configured (not a local socket found behind it).
            .prefer_socket(false)
            .ssl_opts(ssl)
    }

    fn connect_error(&self, message: &str) -> SourceError {
        SourceError::Connect {
            source_name: self.name.clone(),
            message: message.to_string(),
            connection: Some(format!(
                "mysql at {}:{}, database '{}', user '{}'",
                self.host,
                self.port,
                self.database.as_deref().unwrap_or(""),
                self.user,
            )),
        }
    }

    async fn connect_with(&self, tls: Tls) -> Result<Conn, String> {
        match tokio::time::timeout(self.connect_timeout, Conn::new(self.options(tls))).await {
            Err(_) => Err(format!(
                "no connection within {} s (connect_timeout)",
                self.connect_timeout.as_secs()
            )),
            Ok(Err(e)) => Err(mysql_error(&e)),
            Ok(Ok(conn)) => Ok(conn),
        }
    }

    /// Stops the statement connection `connection_id` runs (`KILL QUERY` on a second
    /// connection), waiting at most `connect_timeout`.
    async fn kill_query(&self, connection_id: u32) {
        let killing = async {
            let mut killer = self.connect_with(self.tls).await?;
            killer
                .query_drop(format!("KILL QUERY {connection_id}"))
                .await
                .map_err(|e| e.to_string())?;
            killer.disconnect().await.map_err(|e| e.to_string())
        };
        let _ = tokio::time::timeout(self.connect_timeout, killing).await;
    }

    async fn connect(&self) -> Result<Conn, SourceError> {
        let connected = match self.tls {
            // Encrypted if the server can, plain if it can't.
            Tls::Prefer => match self.connect_with(Tls::Prefer).await {
                Ok(conn) => Ok(conn),
                Err(_) => self.connect_with(Tls::Disable).await,
            },
            tls => self.connect_with(tls).await,
        };
        connected.map_err(|e| self.connect_error(&e))
    }
}

async fn run(conn: &mut Conn, sql: &str, out: &mut Out<'_>) -> Result<(), Stop> {
    let query_error = |e: mysql_async::Error| match e {
        mysql_async::Error::Server(_) => Stop::Query(mysql_error(&e)),
        other => Stop::Broken(mysql_error(&other)),
    };
    let mut result = conn.query_iter(sql).await.map_err(query_error)?;
    let columns: Vec<Column> = result.columns().map(|c| c.to_vec()).unwrap_or_default();
    out.columns(columns.iter().map(|c| c.name_str().into_owned()).collect())
        .await?;
    let mut batch = Vec::new();
    while let Some(row) = result.next().await.map_err(query_error)? {
        let values = row.unwrap();
        batch.push(
            columns
                .iter()
                .zip(values)
                .map(|(column, value)| decode(column, value))
                .collect(),
        );
        if batch.len() >= BATCH_ROWS {
            out.rows(std::mem::take(&mut batch)).await?;
        }
    }
    // Further result sets (a script of several statements) are read and ignored.
    result.drop_result().await.map_err(query_error)?;
    if !batch.is_empty() {
        out.rows(batch).await?;
    }
    Ok(())
}

/// One value of the text protocol as a cell, by its column's type.
///
/// | column type | cell |
/// |---|---|
/// | TINYINT (also TINYINT(1)/BOOLEAN), SMALLINT, MEDIUMINT, INT, BIGINT, YEAR | `Int` (BIGINT UNSIGNED above 2^63−1: the decimal rule) |
/// | DECIMAL | the decimal rule of PostgreSQL `numeric`: `Float`, the nearest double |
/// | FLOAT, DOUBLE | `Float` |
/// | DATE | `Text` `YYYY-MM-DD` |
/// | DATETIME, TIMESTAMP | `Text` `YYYY-MM-DDTHH:MM:SS[.ffffff]` (no zone: the session's time) |
/// | TIME | `Text` `[-]HH:MM:SS[.ffffff]` (hours may exceed 24) |
/// | JSON (MySQL) | `Json` (MariaDB's JSON is LONGTEXT on the wire: `Text`) |
/// | BIT(n) | `Text` of n binary digits (`b'101'` in BIT(4) → `0101`) |
/// | BINARY, VARBINARY, BLOB, GEOMETRY (binary character set) | `Text` `\x` + lowercase hex |
/// | CHAR, VARCHAR, TEXT, ENUM, SET, anything else | `Text` |
/// | NULL | `Null` |
pub fn decode(column: &Column, value: Value) -> Cell {
    let bytes = match value {
        Value::NULL => return Cell::Null,
        Value::Bytes(bytes) => bytes,
        // The text protocol sends bytes only; typed values can only come from elsewhere.
        Value::Int(i) => return Cell::Int(i),
        Value::UInt(u) => {
            return i64::try_from(u)
                .map(Cell::Int)
                .unwrap_or_else(|_| decimal_cell(&u.to_string()))
        }
        Value::Float(f) => return Cell::Float(f64::from(f)),
        Value::Double(f) => return Cell::Float(f),
        other => return Cell::Text(other.as_sql(true)),
    };
    let text = || String::from_utf8_lossy(&bytes).into_owned();
    let binary = column.character_set() == BINARY_CHARSET;
    match column.column_type() {
        ColumnType::MYSQL_TYPE_TINY
        | ColumnType::MYSQL_TYPE_SHORT
        | ColumnType::MYSQL_TYPE_INT24
        | ColumnType::MYSQL_TYPE_LONG
        | ColumnType::MYSQL_TYPE_LONGLONG
        | ColumnType::MYSQL_TYPE_YEAR => {
            let t = text();
            match t.parse::<i64>() {
                Ok(i) => Cell::Int(i),
                Err(_) => decimal_cell(&t),
            }
        }
        ColumnType::MYSQL_TYPE_DECIMAL | ColumnType::MYSQL_TYPE_NEWDECIMAL => decimal_cell(&text()),
        ColumnType::MYSQL_TYPE_FLOAT | ColumnType::MYSQL_TYPE_DOUBLE => float_cell(&text()),
        ColumnType::MYSQL_TYPE_DATETIME
        | ColumnType::MYSQL_TYPE_DATETIME2
        | ColumnType::MYSQL_TYPE_TIMESTAMP
        | ColumnType::MYSQL_TYPE_TIMESTAMP2 => {
            let t = text();
            Cell::Text(iso_datetime(&t).unwrap_or(t))
        }
        ColumnType::MYSQL_TYPE_TIME | ColumnType::MYSQL_TYPE_TIME2 => {
            let t = text();
            Cell::Text(iso_time(&t).unwrap_or(t))
        }
        ColumnType::MYSQL_TYPE_JSON => match serde_json::from_slice(&bytes) {
            Ok(json) => Cell::Json(json),
            Err(_) => Cell::Text(text()),
        },
        ColumnType::MYSQL_TYPE_BIT => {
            let digits: String = bytes.iter().map(|b| format!("{b:08b}")).collect();
            let width = (column.column_length() as usize).clamp(1, digits.len().max(1));
            Cell::Text(digits[digits.len().saturating_sub(width)..].to_string())
        }
        ColumnType::MYSQL_TYPE_NULL => Cell::Null,
        ColumnType::MYSQL_TYPE_GEOMETRY => Cell::Text(format!("\\x{}", hex::encode(&bytes))),
        ColumnType::MYSQL_TYPE_TINY_BLOB
        | ColumnType::MYSQL_TYPE_MEDIUM_BLOB
        | ColumnType::MYSQL_TYPE_LONG_BLOB
        | ColumnType::MYSQL_TYPE_BLOB
        | ColumnType::MYSQL_TYPE_VAR_STRING
        | ColumnType::MYSQL_TYPE_VARCHAR
        | ColumnType::MYSQL_TYPE_STRING
            if binary
                && !column
                    .flags()
                    .intersects(ColumnFlags::ENUM_FLAG | ColumnFlags::SET_FLAG) =>
        {
            Cell::Text(format!("\\x{}", hex::encode(&bytes)))
        }
        _ => Cell::Text(text()),
    }
}

/// Server errors as the server words them (`ERROR 1146 (42S02): Table 'x' doesn't exist`).
fn mysql_error(error: &mysql_async::Error) -> String {
    match error {
        mysql_async::Error::Server(server) => server.to_string(),
        // mysql_async's I/O errors name themselves twice.
        other => error_chain(other).replacen(
            "Input/output error: Input/output error: ",
            "Input/output error: ",
            1,
        ),
    }
}

#[async_trait]
impl BatchedSource for MysqlSource {
    async fn execute(&self, sql: &str, out: &mut Out<'_>) -> Result<(), Stop> {
        let (_permit, idle) = self.pool.acquire().await?;
        let reused = match idle {
            Some((conn, since)) if since.elapsed() < PING_AFTER => Some(conn),
            Some((mut conn, _)) => conn.ping().await.is_ok().then_some(conn),
            None => None,
        };
        let mut conn = match reused {
            Some(conn) => conn,
            None => {
                let attempt = self.cancel.unless_cancelled(self.connect()).await;
                self.pool
                    .connected(attempt.ok_or(Stop::Error(SourceError::Cancelled))?)?
            }
        };
        let connection_id = conn.id();
        let work = run(&mut conn, sql, out);
        let result = match until_interrupted(work, self.query_timeout, &self.cancel).await {
            Ok(result) => result,
            Err(interruption) => {
                // `conn` is dropped, not reused.
                self.kill_query(connection_id).await;
                return Err(Stop::Error(interruption.into_error(&self.name)));
            }
        };
        if matches!(result, Ok(()) | Err(Stop::Query(_))) {
            self.pool.put(conn);
        }
        result.map_err(|stop| stop.on_source(&self.name))
    }

    fn concurrency(&self) -> usize {
        self.pool.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &[u8]) -> Value {
        Value::Bytes(s.to_vec())
    }

    #[test]
    fn decodes_by_column_type() {
        let json = Column::new(ColumnType::MYSQL_TYPE_JSON).with_character_set(45);
        assert_eq!(
            decode(&json, bytes(br#"{"a": [1, 2.5]}"#)),
            Cell::Json(serde_json::json!({"a": [1, 2.5]}))
        );
        let bit = Column::new(ColumnType::MYSQL_TYPE_BIT)
            .with_column_length(4)
            .with_character_set(63);
        assert_eq!(decode(&bit, bytes(&[0b0101])), Cell::Text("0101".into()));
        let wide = Column::new(ColumnType::MYSQL_TYPE_BIT)
            .with_column_length(10)
            .with_character_set(63);
        assert_eq!(
            decode(&wide, bytes(&[0b10, 0b1])),
            Cell::Text("1000000001".into())
        );
        let blob = Column::new(ColumnType::MYSQL_TYPE_BLOB).with_character_set(BINARY_CHARSET);
        assert_eq!(
            decode(&blob, bytes(&[1, 255])),
            Cell::Text("\\x01ff".into())
        );
        let text = Column::new(ColumnType::MYSQL_TYPE_BLOB).with_character_set(45);
        assert_eq!(
            decode(&text, bytes("héllo".as_bytes())),
            Cell::Text("héllo".into())
        );
        let unsigned =
            Column::new(ColumnType::MYSQL_TYPE_LONGLONG).with_flags(ColumnFlags::UNSIGNED_FLAG);
        assert_eq!(
            decode(&unsigned, bytes(b"18446744073709551615")),
            Cell::Float(18446744073709551615.0)
        );
        assert_eq!(decode(&unsigned, Value::NULL), Cell::Null);
    }
}
