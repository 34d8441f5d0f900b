//! ClickHouse over its HTTP interface: no driver, any server version.
//!
//! A query is `POST http(s)://<host>:<port>/?database=…&query_id=…` with the SQL as the body
//! (port 8123, or 8443 with `secure`). The login travels in the `X-ClickHouse-User` and
//! `X-ClickHouse-Key` headers, never in the URL. Results come as `TabSeparatedWithNamesAndTypes`
//! (one line of names, one of types, then one line a row; every release has it), read and handed
//! on in batches while they arrive, so a big result never sits in memory whole. When time runs out
//! or the run is cancelled, `KILL QUERY` stops the query on the server.
//!
//! 1.0.82's `protocol: native` (TCP, port 9000) is accepted, but this build speaks HTTP to the
//! HTTP port either way.

use super::batches::{BatchedSource, Out, Stop, BATCH_ROWS};
use super::decode::{decimal_cell, float_cell, iso_datetime};
use super::http::{
    encode_component, http_client, random_uuid, request_error, run_remote_job, RemoteJob,
    USER_AGENT,
};
use super::{required_login, SourceError};
use crate::value::Cell;
use async_trait::async_trait;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Semaphore;
use visivo_project::{Secret, Source};

/// The format results are asked for.
const FORMAT: &str = "TabSeparatedWithNamesAndTypes";
/// How much of an error answer is shown.
const ERROR_BYTES: usize = 2000;

/// A ClickHouse server reached over HTTP.
#[derive(Debug)]
pub struct ClickhouseSource {
    name: String,
    /// `http(s)://host:port`
    base_url: String,
    /// `host:port`, for messages.
    address: String,
    user: String,
    password: Option<Secret>,
    database: Option<String>,
    query_timeout: Option<Duration>,
    connect_timeout: Duration,
    client: reqwest::Client,
    permits: Semaphore,
    concurrency: usize,
    run_cancel: crate::cancel::Cancel,
}

impl ClickhouseSource {
    /// Reads the source's definition; nothing is sent before the first query.
    pub fn new(source: &Source, ctx: &super::ConnectContext) -> Result<Self, SourceError> {
        let name = source.name.clone().unwrap_or_default();
        let secure = source.secure.unwrap_or(false);
        let host = source.host.clone().unwrap_or_else(|| "localhost".into());
        if host.contains("://") {
            return Err(SourceError::config(
                &name,
                "`host` is a host name without http:// or https:// (`secure: true` for HTTPS)",
            ));
        }
        let port = source.port.unwrap_or(if secure { 8443 } else { 8123 });
        let address = format!("{host}:{port}");
        let scheme = if secure { "https" } else { "http" };
        let connect_timeout = source.connect_limit();
        let client = http_client(connect_timeout).map_err(|e| SourceError::config(&name, e))?;
        let concurrency = source.pool_size();
        Ok(ClickhouseSource {
            base_url: format!("{scheme}://{address}"),
            address,
            user: required_login(source, &name)?,
            password: source.password.clone(),
            // ClickHouse has databases, not schemas: `db_schema` names the database when
            // `database` doesn't (as for MySQL).
            database: (source.database.clone())
                .or_else(|| source.db_schema.clone())
                .filter(|d| !d.trim().is_empty()),
            query_timeout: source.query_limit(),
            connect_timeout,
            client,
            permits: Semaphore::new(concurrency),
            concurrency,
            run_cancel: ctx.cancel.clone(),
            name,
        })
    }

    fn connection(&self) -> String {
        format!(
            "clickhouse at {}, database '{}', user '{}'",
            self.address,
            self.database.as_deref().unwrap_or("default"),
            self.user
        )
    }

    fn connect_error(&self, message: String) -> Stop {
        Stop::Error(SourceError::Connect {
            source_name: self.name.clone(),
            message,
            connection: Some(self.connection()),
        })
    }

    fn query_error(&self, message: String) -> Stop {
        Stop::Error(SourceError::Query {
            source_name: self.name.clone(),
            message,
            connection: Some(self.connection()),
        })
    }

    /// A `POST` of `sql` with the login headers.
    fn request(&self, sql: &str, query_id: &str) -> reqwest::RequestBuilder {
        let mut url = format!(
            "{}/?default_format={FORMAT}&query_id={}",
            self.base_url,
            encode_component(query_id)
        );
        if let Some(database) = &self.database {
            url.push_str(&format!("&database={}", encode_component(database)));
        }
        let mut request = self
            .client
            .post(url)
            .header("X-ClickHouse-User", &self.user)
            .header(reqwest::header::USER_AGENT, USER_AGENT)
            .body(sql.to_string());
        if let Some(password) = &self.password {
            request = request.header("X-ClickHouse-Key", password.expose());
        }
        request
    }

    /// Sends `sql` and hands the rows of its answer to `out` as they arrive.
    async fn run(&self, sql: &str, query_id: &str, out: &mut Out<'_>) -> Result<(), Stop> {
        let mut response = self
            .request(sql, query_id)
            .send()
            .await
            .map_err(|e| self.connect_error(request_error(&e)))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.bytes().await.unwrap_or_default();
            let text = String::from_utf8_lossy(&body[..body.len().min(ERROR_BYTES)]);
            let message = format!("HTTP {status}: {}", text.trim());
            return Err(match status.as_u16() {
                // 516: ClickHouse's "authentication failed".
                401 | 403 | 516 => self.connect_error(message),
                _ if text.starts_with("Code:") => self.query_error(message),
                _ => self.connect_error(message),
            });
        }
        let mut reader = TsvReader::default();
        let mut batch = Vec::new();
        loop {
            let chunk = response
                .chunk()
                .await
                .map_err(|e| self.query_error(request_error(&e)))?;
            let rows = match &chunk {
                Some(bytes) => reader.push(bytes),
                None => reader.finish(),
            }
            .map_err(|e| self.query_error(e))?;
            if let Some(columns) = reader.take_columns() {
                out.columns(columns).await?;
            }
            batch.extend(rows);
            // Full batches as they fill up, the rest at the end.
            while batch.len() >= BATCH_ROWS || (chunk.is_none() && !batch.is_empty()) {
                let rest = batch.split_off(batch.len().min(BATCH_ROWS));
                out.rows(std::mem::replace(&mut batch, rest)).await?;
            }
            if chunk.is_none() {
                return Ok(());
            }
        }
    }

    /// Best effort: asks the server to stop a query this run gave up on.
    async fn kill(&self, query_id: &str) {
        let sql = format!(
            "KILL QUERY WHERE query_id = '{}' SYNC",
            query_id.replace(['\'', '\\'], "")
        );
        let request = self.request(&sql, &random_uuid()).send();
        let _ = tokio::time::timeout(self.connect_timeout, request).await;
    }
}

#[async_trait]
impl BatchedSource for ClickhouseSource {
    async fn execute(&self, sql: &str, out: &mut Out<'_>) -> Result<(), Stop> {
        let query_id = random_uuid();
        let slot = Mutex::new(Some(query_id.clone()));
        let job = RemoteJob {
            source_name: &self.name,
            permits: &self.permits,
            limit: self.query_timeout,
            run: &self.run_cancel,
        };
        run_remote_job(
            job,
            self.run(sql, &query_id, out),
            &slot,
            |id: String| async move { self.kill(&id).await },
        )
        .await
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }
}

/// Reads `TabSeparatedWithNamesAndTypes` as it arrives: the names, the types, then rows decoded
/// by their column's type.
#[derive(Default)]
struct TsvReader {
    /// Bytes after the last complete line.
    pending: Vec<u8>,
    names: Option<Vec<String>>,
    types: Option<Vec<String>>,
    /// The names, until handed on.
    new_columns: Option<Vec<String>>,
}

impl TsvReader {
    /// The rows completed by `bytes`.
    fn push(&mut self, bytes: &[u8]) -> Result<Vec<Vec<Cell>>, String> {
        self.pending.extend_from_slice(bytes);
        let Some(end) = self.pending.iter().rposition(|b| *b == b'\n') else {
            return Ok(Vec::new());
        };
        let complete: Vec<u8> = self.pending.drain(..=end).collect();
        let mut rows = Vec::new();
        for line in complete[..complete.len() - 1].split(|b| *b == b'\n') {
            if let Some(row) = self.line(line)? {
                rows.push(row);
            }
        }
        Ok(rows)
    }

    /// The last rows; `Err` if the answer stopped inside its header.
    fn finish(&mut self) -> Result<Vec<Vec<Cell>>, String> {
        let rest = std::mem::take(&mut self.pending);
        let mut rows = Vec::new();
        if !rest.is_empty() {
            rows.extend(self.line(&rest)?);
        }
        // An empty answer is a statement without a result (`CREATE`, `INSERT`, …).
        if self.names.is_some() && self.types.is_none() {
            return Err("the server's answer ended between the column names and types".into());
        }
        Ok(rows)
    }

    /// The column names, once, as soon as the types are known too.
    fn take_columns(&mut self) -> Option<Vec<String>> {
        self.new_columns.take()
    }

    fn line(&mut self, line: &[u8]) -> Result<Option<Vec<Cell>>, String> {
        let text = String::from_utf8_lossy(line);
        let fields: Vec<Option<String>> = text.split('\t').map(unescape).collect();
        let Some(types) = &self.types else {
            let fields: Vec<String> = fields.into_iter().map(Option::unwrap_or_default).collect();
            if self.names.is_none() {
                self.names = Some(fields);
            } else {
                self.new_columns = self.names.clone();
                self.types = Some(fields);
            }
            return Ok(None);
        };
        if fields.len() != types.len() {
            // An error met while the rows were being sent comes as text in their place.
            return Err(match text.find("Code:") {
                Some(at) => text[at..].trim().to_string(),
                None => format!(
                    "a row has {} values where the header names {} columns",
                    fields.len(),
                    types.len()
                ),
            });
        }
        Ok(Some(
            fields
                .into_iter()
                .zip(types)
                .map(|(field, kind)| field.map_or(Cell::Null, |value| decode(kind, &value)))
                .collect(),
        ))
    }
}

/// A field with TabSeparated's escapes undone; `None` for `\N` (NULL).
fn unescape(field: &str) -> Option<String> {
    if field == "\\N" {
        return None;
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Some(out)
}

/// The type inside `Nullable(…)` and `LowCardinality(…)`, and its name before any `(`.
fn base_type(kind: &str) -> &str {
    let mut kind = kind.trim();
    for wrapper in ["Nullable(", "LowCardinality("] {
        if let Some(inner) = kind.strip_prefix(wrapper).and_then(|k| k.strip_suffix(')')) {
            return base_type(inner);
        }
    }
    kind = kind.split('(').next().unwrap_or(kind);
    kind
}

/// One value by its column's type:
///
/// | ClickHouse type | `Cell` |
/// |---|---|
/// | Int8…Int64, UInt8…UInt32 | `Int` |
/// | UInt64, Int128, UInt256, … | `Int`, beyond 64 bits the decimal rule |
/// | Float32, Float64 | `Float` (`inf`, `nan` too) |
/// | Decimal | the decimal rule: `Float`, the nearest double |
/// | Bool | `Bool` |
/// | DateTime, DateTime64 | `Text` `"2024-02-29T13:14:15[.ffffff]"` (the column's time zone) |
/// | Date, Date32, String, UUID, Enum, IPv4, Array, Tuple, Map, … | `Text` as ClickHouse writes it |
fn decode(kind: &str, text: &str) -> Cell {
    match base_type(kind) {
        "Int8" | "Int16" | "Int32" | "Int64" | "UInt8" | "UInt16" | "UInt32" | "UInt64"
        | "Int128" | "Int256" | "UInt128" | "UInt256" => match text.parse::<i64>() {
            Ok(i) => Cell::Int(i),
            Err(_) => decimal_cell(text),
        },
        "Float32" | "Float64" => float_cell(text),
        "Decimal" | "Decimal32" | "Decimal64" | "Decimal128" | "Decimal256" => decimal_cell(text),
        "Bool" => match text {
            "true" | "1" => Cell::Bool(true),
            "false" | "0" => Cell::Bool(false),
            _ => Cell::Text(text.to_string()),
        },
        "DateTime" | "DateTime64" => Cell::Text(iso_datetime(text).unwrap_or_else(|| text.into())),
        "Nothing" => Cell::Null,
        _ => Cell::Text(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_as_host_is_refused_saying_how_to_ask_for_https() {
        let source: Source = serde_json::from_value(serde_json::json!({
            "name": "events", "type": "clickhouse", "host": "https://ch.example.com",
            "username": "u",
        }))
        .unwrap();
        let context = super::super::ConnectContext {
            project_dir: std::path::Path::new("."),
            threads: 1,
            cancel: Default::default(),
        };
        let error = ClickhouseSource::new(&source, &context)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("source 'events': `host` is a host name") && error.contains("secure"),
            "{error}"
        );
    }

    #[test]
    fn values_by_type() {
        assert_eq!(decode("Nullable(Int64)", "-2"), Cell::Int(-2));
        assert_eq!(
            decode("UInt64", "18446744073709551615"),
            Cell::Float(18446744073709551615.0)
        );
        assert_eq!(decode("Decimal(18, 2)", "12.30"), Cell::Float(12.3));
        assert!(matches!(decode("Float64", "nan"), Cell::Float(f) if f.is_nan()));
        assert_eq!(decode("Float32", "-inf"), Cell::Float(f64::NEG_INFINITY));
        assert_eq!(decode("Bool", "true"), Cell::Bool(true));
        assert_eq!(
            decode("DateTime('UTC')", "2024-02-29 13:14:15"),
            Cell::Text("2024-02-29T13:14:15".into())
        );
        assert_eq!(
            decode("Nullable(DateTime64(3))", "2024-02-29 13:14:15.250"),
            Cell::Text("2024-02-29T13:14:15.250000".into())
        );
        assert_eq!(
            decode("LowCardinality(String)", "east"),
            Cell::Text("east".into())
        );
        assert_eq!(
            decode("Date", "2024-02-29"),
            Cell::Text("2024-02-29".into())
        );
    }

    #[test]
    fn rows_arrive_in_pieces_and_escapes_are_undone() {
        let mut reader = TsvReader::default();
        let answer = "n\\tame\tv\nString\tNullable(Int32)\na\\tb\\\\c\t1\n\\N\t\\N\n";
        let mut rows = Vec::new();
        for piece in answer.as_bytes().chunks(5) {
            rows.extend(reader.push(piece).unwrap());
            if let Some(columns) = reader.take_columns() {
                assert_eq!(columns, ["n\tame", "v"]);
                assert!(rows.is_empty(), "the names come before any row");
            }
        }
        rows.extend(reader.finish().unwrap());
        assert_eq!(
            rows,
            vec![
                vec![Cell::Text("a\tb\\c".into()), Cell::Int(1)],
                vec![Cell::Null, Cell::Null]
            ]
        );
    }

    #[test]
    fn an_error_in_place_of_rows_is_the_message() {
        let mut reader = TsvReader::default();
        let answer = "x\ty\nUInt8\tUInt8\n1\t2\nCode: 241. DB::Exception: Memory limit exceeded\n";
        let error = reader.push(answer.as_bytes()).unwrap_err();
        assert_eq!(error, "Code: 241. DB::Exception: Memory limit exceeded");
        let mut cut = TsvReader::default();
        cut.push(b"x\n").unwrap();
        assert!(cut.finish().unwrap_err().contains("ended between"));
        assert_eq!(TsvReader::default().finish(), Ok(vec![]));
    }
}
