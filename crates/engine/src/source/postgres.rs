//! PostgreSQL and Redshift (same wire protocol; Redshift's default port is 5439).
//!
//! Values are read through the text protocol (`simple_query`), which is exact for every type
//! (NUMERIC included) and has a text form for types this module knows nothing about; the column
//! types come from a `prepare` of the same statement. Each text value is then decoded by its
//! column type ([`decode`]). The simple protocol streams rows as the server sends them and
//! tokio-postgres applies back-pressure, so [`stream`](super::Connector::stream) never holds a
//! whole result.
//!
//! Connections are made lazily and kept in a small pool of at most `connection_pool_size` (default
//! 1). Every new connection gets `SET DateStyle TO ISO`, `SET extra_float_digits TO 3` and
//! `SET bytea_output TO hex` (best effort: a server that refuses them still works), and
//! `SET search_path TO <db_schema>` when `db_schema` is set.

use super::batches::{until_interrupted, BatchedSource, Out, Pool, Stop, BATCH_ROWS};
use super::decode::{cell_to_json, decimal_cell, float_cell, iso_datetime, iso_time, utc_datetime};
use super::error::error_chain;
use super::tls::{tls_config, Tls};
use super::{required_login, SourceError};
use crate::cancel::Cancel;
use crate::value::Cell;
use async_trait::async_trait;
use futures_util::StreamExt;
use std::time::Duration;
use tokio_postgres::types::{Kind, Type};
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};
use tokio_postgres_rustls::MakeRustlsConnect;
use visivo_project::{Secret, Source};

/// A PostgreSQL or Redshift source: a pool of up to `connection_pool_size` connections, TLS as
/// `sslmode` says.
#[derive(Debug)]
pub struct PostgresSource {
    name: String,
    engine: &'static str,
    host: String,
    port: u16,
    user: String,
    password: Option<Secret>,
    database: Option<String>,
    schema: Option<String>,
    tls: Tls,
    connect_timeout: Duration,
    query_timeout: Option<Duration>,
    pool: Pool<Client>,
    cancel: Cancel,
}

impl PostgresSource {
    /// Reads the source's definition; connects on the first query. `Err` for an unknown `sslmode`
    /// or a missing login name.
    pub fn new(source: &Source) -> Result<Self, SourceError> {
        let name = source.name.clone().unwrap_or_default();
        let engine = source.source_type.name();
        let default_port = source.source_type.default_port().unwrap_or(5432);
        let tls = Tls::from_source(&name, source.sslmode.as_deref())?;
        let user = required_login(source, &name)?;
        Ok(PostgresSource {
            engine,
            host: source.host.clone().unwrap_or_else(|| "localhost".into()),
            port: source.port.unwrap_or(default_port),
            user,
            password: source.password.clone(),
            database: source.database.clone(),
            schema: source.db_schema.clone().filter(|s| !s.trim().is_empty()),
            tls,
            connect_timeout: source.connect_limit(),
            query_timeout: source.query_limit(),
            pool: Pool::new(source.pool_size()),
            cancel: Cancel::default(),
            name,
        })
    }

    /// Stops (and cancels on the server) what runs when `cancel` fires.
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }

    fn tls_connector(&self) -> Option<MakeRustlsConnect> {
        match self.tls {
            Tls::Disable => None,
            Tls::Prefer | Tls::Require => Some(MakeRustlsConnect::new(tls_config(false))),
            Tls::VerifyFull => Some(MakeRustlsConnect::new(tls_config(true))),
        }
    }

    fn connect_error(&self, message: &str) -> SourceError {
        SourceError::Connect {
            source_name: self.name.clone(),
            message: message.to_string(),
            connection: Some(format!(
                "{} at {}:{}, database '{}', user '{}'",
                self.engine,
                self.host,
                self.port,
                self.database.as_deref().unwrap_or(&self.user),
                self.user,
            )),
        }
    }

    /// Asks the server to stop the statement `client` is running (a cancel request on a
    /// connection of its own), waiting at most `connect_timeout`.
    async fn cancel_query(&self, client: &Client) {
        let token = client.cancel_token();
        let cancelling = async {
            match self.tls_connector() {
                None => token.cancel_query(NoTls).await,
                Some(tls) => token.cancel_query(tls).await,
            }
        };
        let _ = tokio::time::timeout(self.connect_timeout, cancelling).await;
    }

    async fn connect(&self) -> Result<Client, SourceError> {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .user(&self.user)
            .application_name("visivo")
            .connect_timeout(self.connect_timeout)
            .ssl_mode(match self.tls {
                Tls::Disable => tokio_postgres::config::SslMode::Disable,
                Tls::Prefer => tokio_postgres::config::SslMode::Prefer,
                Tls::Require | Tls::VerifyFull => tokio_postgres::config::SslMode::Require,
            });
        if let Some(password) = &self.password {
            config.password(password.expose());
        }
        if let Some(database) = &self.database {
            config.dbname(database);
        }
        let connecting = async {
            match self.tls_connector() {
                None => {
                    let (client, connection) = config.connect(NoTls).await?;
                    tokio::spawn(connection);
                    Ok::<_, tokio_postgres::Error>(client)
                }
                Some(tls) => {
                    let (client, connection) = config.connect(tls).await?;
                    tokio::spawn(connection);
                    Ok(client)
                }
            }
        };
        let client = match tokio::time::timeout(self.connect_timeout, connecting).await {
            Err(_) => {
                return Err(self.connect_error(&format!(
                    "no connection within {} s (connect_timeout)",
                    self.connect_timeout.as_secs()
                )))
            }
            Ok(Err(e)) => return Err(self.connect_error(&pg_error(&e))),
            Ok(Ok(client)) => client,
        };
        // Output formats this module parses; servers that don't know a setting keep their default.
        for setting in [
            "SET DateStyle TO ISO",
            "SET extra_float_digits TO 3",
            "SET bytea_output TO hex",
        ] {
            let _ = client.simple_query(setting).await;
        }
        if let Some(schema) = &self.schema {
            let list: Vec<String> = schema.split(',').map(|s| quote_ident(s.trim())).collect();
            client
                .simple_query(&format!("SET search_path TO {}", list.join(", ")))
                .await
                .map_err(|e| {
                    self.connect_error(&format!(
                        "setting search_path to '{schema}' failed: {}",
                        pg_error(&e)
                    ))
                })?;
        }
        Ok(client)
    }
}

/// Prepares `sql` for its column types, then runs it through the text protocol.
async fn run(client: &Client, sql: &str, out: &mut Out<'_>) -> Result<(), Stop> {
    let query_error = |e: tokio_postgres::Error| Stop::Query(pg_error(&e));
    let statement = client.prepare(sql).await.map_err(query_error)?;
    let types: Vec<Type> = statement
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    let names: Vec<String> = statement
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    drop(statement);
    out.columns(names).await?;
    let stream = client.simple_query_raw(sql).await.map_err(query_error)?;
    let mut stream = std::pin::pin!(stream);
    let mut batch = Vec::new();
    let mut results = 0;
    while let Some(message) = stream.next().await {
        match message.map_err(query_error)? {
            SimpleQueryMessage::Row(row) => {
                if row.len() != types.len() {
                    return Err(Stop::Query(format!(
                        "the statement returned {} columns where {} were described",
                        row.len(),
                        types.len()
                    )));
                }
                batch.push(
                    types
                        .iter()
                        .enumerate()
                        .map(|(i, ty)| decode(ty, row.get(i)))
                        .collect(),
                );
                if batch.len() >= BATCH_ROWS {
                    out.rows(std::mem::take(&mut batch)).await?;
                }
            }
            SimpleQueryMessage::RowDescription(_) => {
                results += 1;
                if results > 1 {
                    return Err(Stop::Query(
                        "the SQL holds more than one statement returning rows".into(),
                    ));
                }
            }
            _ => {}
        }
    }
    if !batch.is_empty() {
        out.rows(batch).await?;
    }
    Ok(())
}

#[async_trait]
impl BatchedSource for PostgresSource {
    /// Runs `sql` on a pooled connection, handing columns and rows to `out`.
    async fn execute(&self, sql: &str, out: &mut Out<'_>) -> Result<(), Stop> {
        let (_permit, idle) = self.pool.acquire().await?;
        let client = match idle {
            Some((client, _)) if !client.is_closed() => client,
            _ => {
                let attempt = self.cancel.unless_cancelled(self.connect()).await;
                self.pool
                    .connected(attempt.ok_or(Stop::Error(SourceError::Cancelled))?)?
            }
        };
        let work = run(&client, sql, out);
        let result = match until_interrupted(work, self.query_timeout, &self.cancel).await {
            Ok(result) => result,
            Err(interruption) => {
                self.cancel_query(&client).await;
                return Err(Stop::Error(interruption.into_error(&self.name)));
            }
        };
        match &result {
            // A failed statement leaves the connection usable; anything else may not.
            Ok(()) | Err(Stop::Query(_)) if !client.is_closed() => self.pool.put(client),
            _ => {}
        }
        result.map_err(|stop| stop.on_source(&self.name))
    }

    fn concurrency(&self) -> usize {
        self.pool.size
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding PostgreSQL's text output.

/// One text value of a column of type `ty` as a cell.
///
/// | type | cell |
/// |---|---|
/// | int2, int4, int8, oid | `Int` |
/// | numeric | [`decimal_cell`]: `Float`, the nearest double |
/// | float4, float8 | `Float` (NaN and ±Infinity too; data.json writes them as null) |
/// | bool | `Bool` |
/// | date | `Text` `YYYY-MM-DD` |
/// | timestamp | `Text` `YYYY-MM-DDTHH:MM:SS[.ffffff]` |
/// | timestamptz | `Text` in UTC: `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00` |
/// | time | `Text` `HH:MM:SS[.ffffff]` |
/// | interval | `Text`, ISO 8601 duration (`P1Y2M3DT4H5M6.5S`) |
/// | json, jsonb | `Json` |
/// | arrays | `Json` arrays, elements decoded by these rules |
/// | bytea | `Text` `\x` + lowercase hex (PostgreSQL's own text form) |
/// | domains | as their base type |
/// | anything else (text, varchar, uuid, enums, timetz, money, inet, …) | `Text`, PostgreSQL's text form |
///
/// Values that don't parse as their type expects (infinite or BC dates, other styles) stay the
/// server's text.
pub fn decode(ty: &Type, value: Option<&str>) -> Cell {
    let Some(text) = value else { return Cell::Null };
    match ty.kind() {
        Kind::Domain(base) => return decode(base, value),
        Kind::Array(element) => {
            let delimiter = if *element == Type::BOX { ';' } else { ',' };
            return match parse_array(text, delimiter, &|t| cell_to_json(decode(element, t))) {
                Some(json) => Cell::Json(json),
                None => Cell::Text(text.to_string()),
            };
        }
        _ => {}
    }
    match *ty {
        Type::INT2 | Type::INT4 | Type::INT8 | Type::OID => match text.parse::<i64>() {
            Ok(i) => Cell::Int(i),
            Err(_) => Cell::Text(text.to_string()),
        },
        Type::NUMERIC => decimal_cell(text),
        Type::FLOAT4 | Type::FLOAT8 => float_cell(text),
        Type::BOOL => match text {
            "t" | "true" => Cell::Bool(true),
            "f" | "false" => Cell::Bool(false),
            _ => Cell::Text(text.to_string()),
        },
        Type::TIMESTAMP => Cell::Text(iso_datetime(text).unwrap_or_else(|| text.to_string())),
        Type::TIMESTAMPTZ => Cell::Text(utc_datetime(text).unwrap_or_else(|| text.to_string())),
        Type::TIME => Cell::Text(iso_time(text).unwrap_or_else(|| text.to_string())),
        Type::INTERVAL => Cell::Text(iso_interval(text).unwrap_or_else(|| text.to_string())),
        Type::JSON | Type::JSONB => match serde_json::from_str(text) {
            Ok(json) => Cell::Json(json),
            Err(_) => Cell::Text(text.to_string()),
        },
        _ => Cell::Text(text.to_string()),
    }
}

/// Parses PostgreSQL's array text form (`{1,2,NULL}`, `{{"a b","c\"d"},{x,y}}`, `[0:1]={1,2}`).
/// `element` decodes one element's text (`None` for NULL).
fn parse_array(
    text: &str,
    delimiter: char,
    element: &dyn Fn(Option<&str>) -> serde_json::Value,
) -> Option<serde_json::Value> {
    // Arrays whose lower bound isn't 1 carry their dimensions first: `[0:1]={1,2}`.
    let body = if text.starts_with('[') {
        text.split_once('=')?.1
    } else {
        text
    };
    let chars: Vec<char> = body.chars().collect();
    let mut position = 0;
    let value = parse_array_level(&chars, &mut position, delimiter, element)?;
    (position == chars.len()).then_some(value)
}

fn parse_array_level(
    chars: &[char],
    position: &mut usize,
    delimiter: char,
    element: &dyn Fn(Option<&str>) -> serde_json::Value,
) -> Option<serde_json::Value> {
    if chars.get(*position) != Some(&'{') {
        return None;
    }
    *position += 1;
    let mut items = Vec::new();
    if chars.get(*position) == Some(&'}') {
        *position += 1;
        return Some(serde_json::Value::Array(items));
    }
    loop {
        match chars.get(*position)? {
            '{' => items.push(parse_array_level(chars, position, delimiter, element)?),
            '"' => {
                *position += 1;
                let mut item = String::new();
                loop {
                    match chars.get(*position)? {
                        '\\' => {
                            item.push(*chars.get(*position + 1)?);
                            *position += 2;
                        }
                        '"' => {
                            *position += 1;
                            break;
                        }
                        c => {
                            item.push(*c);
                            *position += 1;
                        }
                    }
                }
                items.push(element(Some(&item)));
            }
            _ => {
                let mut item = String::new();
                while let Some(&c) = chars.get(*position) {
                    if c == delimiter || c == '}' {
                        break;
                    }
                    if c == '\\' {
                        item.push(*chars.get(*position + 1)?);
                        *position += 2;
                    } else {
                        item.push(c);
                        *position += 1;
                    }
                }
                let item = item.trim();
                items.push(if item.eq_ignore_ascii_case("NULL") {
                    element(None)
                } else {
                    element(Some(item))
                });
            }
        }
        match chars.get(*position)? {
            '}' => {
                *position += 1;
                return Some(serde_json::Value::Array(items));
            }
            c if *c == delimiter => *position += 1,
            _ => return None,
        }
    }
}

/// PostgreSQL's default interval output (`1 year 2 mons -3 days +04:05:06.5`) → ISO 8601 as
/// PostgreSQL's `iso_8601` style writes it (`P1Y2M-3DT4H5M6.5S`, `PT0S` for zero); values in
/// the ISO style already pass through.
pub(crate) fn iso_interval(text: &str) -> Option<String> {
    if text.starts_with('P') {
        return Some(text.to_string());
    }
    let (mut years, mut months, mut days) = (0i64, 0i64, 0i64);
    let (mut hours, mut minutes, mut seconds) = (0i64, 0i64, String::new());
    let mut negative_time = false;
    let mut words = text.split_whitespace().peekable();
    while let Some(word) = words.next() {
        if word.contains(':') {
            negative_time = word.starts_with('-');
            let clock = word.trim_start_matches(['-', '+']);
            let mut parts = clock.split(':');
            hours = parts.next()?.parse().ok()?;
            minutes = parts.next()?.parse().ok()?;
            let s = parts.next()?;
            if parts.next().is_some()
                || s.is_empty()
                || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            {
                return None;
            }
            seconds = s.to_string();
            continue;
        }
        let number: i64 = word.parse().ok()?;
        match words.next()?.trim_end_matches('s') {
            "year" => years = number,
            "mon" => months = number,
            "day" => days = number,
            _ => return None,
        }
    }
    // Seconds without superfluous zeros: `06.500` → `6.5`, `00` → `0`.
    let seconds = {
        let (whole, fraction) = seconds.split_once('.').unwrap_or((&seconds, ""));
        let whole = whole.trim_start_matches('0');
        let fraction = fraction.trim_end_matches('0');
        let whole = if whole.is_empty() { "0" } else { whole };
        if fraction.is_empty() {
            whole.to_string()
        } else {
            format!("{whole}.{fraction}")
        }
    };
    let time_sign = if negative_time { "-" } else { "" };
    let mut out = String::from("P");
    for (value, unit) in [(years, 'Y'), (months, 'M'), (days, 'D')] {
        if value != 0 {
            out.push_str(&format!("{value}{unit}"));
        }
    }
    if hours != 0 || minutes != 0 || seconds != "0" {
        out.push('T');
        if hours != 0 {
            out.push_str(&format!("{time_sign}{hours}H"));
        }
        if minutes != 0 {
            out.push_str(&format!("{time_sign}{minutes}M"));
        }
        if seconds != "0" {
            out.push_str(&format!("{time_sign}{seconds}S"));
        }
    }
    if out == "P" {
        out.push_str("T0S");
    }
    Some(out)
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A tokio-postgres error with its causes (`error connecting to server: Connection refused`);
/// server errors as the server words them (`ERROR: relation "x" does not exist`).
fn pg_error(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return db.to_string();
    }
    error_chain(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(
            iso_interval("1 year 2 mons 3 days 04:05:06.5").unwrap(),
            "P1Y2M3DT4H5M6.5S"
        );
        assert_eq!(iso_interval("00:00:00").unwrap(), "PT0S");
        assert_eq!(iso_interval("-1 days +02:03:00").unwrap(), "P-1DT2H3M");
        assert_eq!(iso_interval("-04:05:06").unwrap(), "PT-4H-5M-6S");
        assert_eq!(iso_interval("1 day").unwrap(), "P1D");
        assert_eq!(iso_interval("-1 years -2 mons").unwrap(), "P-1Y-2M");
        assert_eq!(iso_interval("100:00:00.000001").unwrap(), "PT100H0.000001S");
        assert_eq!(iso_interval("@ 1 year"), None);
    }

    #[test]
    fn arrays() {
        let text = |t: Option<&str>| {
            t.map(serde_json::Value::from)
                .unwrap_or(serde_json::Value::Null)
        };
        assert_eq!(
            parse_array("{}", ',', &text).unwrap(),
            serde_json::json!([])
        );
        assert_eq!(
            parse_array(r#"{a,"b c","d\"e",NULL,"NULL"}"#, ',', &text).unwrap(),
            serde_json::json!(["a", "b c", "d\"e", null, "NULL"])
        );
        assert_eq!(
            parse_array("{{1,2},{3,4}}", ',', &text).unwrap(),
            serde_json::json!([["1", "2"], ["3", "4"]])
        );
        assert_eq!(
            parse_array("[0:1]={x,y}", ',', &text).unwrap(),
            serde_json::json!(["x", "y"])
        );
        assert_eq!(parse_array("{broken", ',', &text), None);
        assert_eq!(
            decode(&Type::INT4_ARRAY, Some("{1,NULL,3}")),
            Cell::Json(serde_json::json!([1, null, 3]))
        );
    }
}
