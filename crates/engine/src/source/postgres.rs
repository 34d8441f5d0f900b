//! PostgreSQL and Redshift (same wire protocol; Redshift's default port is 5439).
//!
//! Values are read through the text protocol (`simple_query`), which is exact for every type
//! (NUMERIC included) and has a text form for types this module knows nothing about; the column
//! types come from a `prepare` of the same statement. Each text value is then decoded by its
//! column type ([`decode`]). The simple protocol streams rows as the server sends them and
//! tokio-postgres applies back-pressure, so [`stream`](super::Connector::stream) never holds a whole result.
//!
//! Connections are made lazily and kept in a small pool of at most `connection_pool_size` (default
//! 1). Every new connection gets `SET DateStyle TO ISO`, `SET extra_float_digits TO 3` and
//! `SET bytea_output TO hex` (best effort: a server that refuses them still works), and
//! `SET search_path TO <db_schema>` when `db_schema` is set.
//!
//! This module also holds the pieces other engines share: the decimal rule, the ISO date-time
//! helpers.

use super::batches::{until_interrupted, BatchedSource, Out, Pool, Stop, BATCH_ROWS};
use super::{with_connection, SourceError};
use crate::cancel::{Cancel, CANCELLED};
use crate::value::Cell;
use async_trait::async_trait;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::types::{Kind, Type};
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};
use tokio_postgres_rustls::MakeRustlsConnect;
use visivo_project::load::template::unset_vars_in;
use visivo_project::{Secret, Source, SourceType};

/// `sslmode`, shared with mysql.rs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Tls {
    Disable,
    Prefer,
    Require,
    VerifyFull,
}

impl Tls {
    pub(crate) fn from_source(name: &str, sslmode: Option<&str>) -> Result<Tls, SourceError> {
        let Some(mode) = sslmode else {
            return Ok(Tls::Disable);
        };
        if let Some(var) = unset_vars_in(mode).first() {
            return Err(SourceError(format!(
                "source '{name}': `sslmode` comes from environment variable {var}, which is not set"
            )));
        }
        match mode.trim().to_ascii_lowercase().as_str() {
            "" | "disable" => Ok(Tls::Disable),
            "prefer" => Ok(Tls::Prefer),
            "require" => Ok(Tls::Require),
            "verify-full" => Ok(Tls::VerifyFull),
            other => Err(SourceError(format!(
                "source '{name}': sslmode '{other}' is not supported; use disable, prefer, require or verify-full"
            ))),
        }
    }
}

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
    pub fn new(source: &Source) -> Result<Self, SourceError> {
        let name = source.name.clone().unwrap_or_default();
        let (engine, default_port) = match source.source_type {
            SourceType::Redshift => ("redshift", 5439),
            _ => ("postgresql", 5432),
        };
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
        SourceError(with_connection(
            format!(
                "Error connecting to source '{}': {message}. Ensure the database is running and \
                 the connection properties are correct.",
                self.name
            ),
            format!(
                "{} at {}:{}, database '{}', user '{}'",
                self.engine,
                self.host,
                self.port,
                self.database.as_deref().unwrap_or(&self.user),
                self.user,
            ),
        ))
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
                    .connected(attempt.ok_or_else(|| Stop::Error(CANCELLED.into()))?)?
            }
        };
        let work = run(&client, sql, out);
        let result = match until_interrupted(work, self.query_timeout, &self.cancel).await {
            Ok(result) => result,
            Err(interruption) => {
                self.cancel_query(&client).await;
                return Err(Stop::Error(interruption.message(&self.name)));
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

/// A cell as a JSON value inside an array (non-finite floats become null).
pub(crate) fn cell_to_json(cell: Cell) -> serde_json::Value {
    use serde_json::Value;
    match cell {
        Cell::Null => Value::Null,
        Cell::Int(i) => Value::from(i),
        Cell::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Cell::Text(s) => Value::String(s),
        Cell::Bool(b) => Value::Bool(b),
        Cell::Json(v) => v,
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

/// The decimal rule, one for every engine's exact numbers (PostgreSQL `numeric`, MySQL `DECIMAL`,
/// Snowflake `NUMBER`/`DECFLOAT`, BigQuery `NUMERIC`/`BIGNUMERIC`, DuckDB `DECIMAL`, integers
/// wider than 64 bits): the nearest double, as 1.0.30 wrote them. plotly needs numbers, and one
/// column must not mix numbers and strings. `NaN` and `±Infinity` (and values beyond a double's
/// range) are non-finite floats, written as null like every engine's floats; text that is no
/// number at all stays text.
pub fn decimal_cell(text: &str) -> Cell {
    let text = text.trim();
    match text {
        "NaN" => return Cell::Float(f64::NAN),
        "Infinity" => return Cell::Float(f64::INFINITY),
        "-Infinity" => return Cell::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let plain_number = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    match text.parse::<f64>() {
        // No negative zero: `-0.00` is 0.
        Ok(f) if plain_number => Cell::Float(if f == 0.0 { 0.0 } else { f }),
        _ => Cell::Text(text.to_string()),
    }
}

pub(crate) fn float_cell(text: &str) -> Cell {
    match text.trim() {
        "NaN" | "nan" => Cell::Float(f64::NAN),
        "Infinity" | "inf" => Cell::Float(f64::INFINITY),
        "-Infinity" | "-inf" => Cell::Float(f64::NEG_INFINITY),
        t => match t.parse::<f64>() {
            Ok(f) => Cell::Float(f),
            Err(_) => Cell::Text(t.to_string()),
        },
    }
}

/// `HH:MM:SS[.f…]` → `HH:MM:SS` plus `.ffffff` (six digits) when the fraction isn't zero.
/// Hours may be negative or longer than two digits (MySQL TIME).
pub(crate) fn iso_time(text: &str) -> Option<String> {
    let (clock, fraction) = text.split_once('.').unwrap_or((text, ""));
    let parts: Vec<&str> = clock.trim_start_matches('-').split(':').collect();
    let valid = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[1].len() == 2
        && parts[2].len() == 2
        && fraction.len() <= 9
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return None;
    }
    let mut out = clock.to_string();
    if fraction.bytes().any(|b| b != b'0') {
        out.push('.');
        out.push_str(&format!("{fraction:0<6}"));
    }
    Some(out)
}

/// `YYYY-MM-DD HH:MM:SS[.f…]` → `YYYY-MM-DDTHH:MM:SS[.ffffff]`.
pub(crate) fn iso_datetime(text: &str) -> Option<String> {
    let (date, time) = text.split_once(' ')?;
    let date_ok = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !date_ok {
        return None;
    }
    let time = iso_time(time)?;
    (time.len() >= 8 && time.as_bytes()[2] == b':').then(|| format!("{date}T{time}"))
}

/// `YYYY-MM-DD HH:MM:SS[.f…]±HH[:MM[:SS]]` (any session time zone) → the same instant in UTC,
/// `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`.
pub(crate) fn utc_datetime(text: &str) -> Option<String> {
    let split = text.rfind(['+', '-']).filter(|i| *i > 10)?;
    let (local, offset) = text.split_at(split);
    let sign: i64 = if offset.starts_with('-') { -1 } else { 1 };
    let mut offset_seconds = 0i64;
    for (i, part) in offset[1..].split(':').enumerate() {
        if i > 2 || part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        offset_seconds += part.parse::<i64>().ok()? * [3600, 60, 1][i];
    }
    let local = iso_datetime(local)?;
    let (seconds, fraction) = local.split_once('.').unwrap_or((&local, ""));
    let naive = chrono::NaiveDateTime::parse_from_str(seconds, "%Y-%m-%dT%H:%M:%S").ok()?;
    let utc = naive.checked_sub_signed(chrono::Duration::seconds(sign * offset_seconds))?;
    let mut out = utc.format("%Y-%m-%dT%H:%M:%S").to_string();
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out.push_str("+00:00");
    Some(out)
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

/// The login name (`username` or `$USER`) a server source cannot do without.
pub(crate) fn required_login(source: &Source, name: &str) -> Result<String, SourceError> {
    source
        .login_user()
        .ok_or_else(|| SourceError(format!("source '{name}': `username` is required")))
}

/// An error followed by its `source()` chain, joined with `: `.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let next = c.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        cause = c.source();
    }
    text
}

// ---------------------------------------------------------------------------------------------
// TLS (rustls with ring).

fn tls_config(verify: bool) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions");
    if verify {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    }
}

/// `sslmode: require`/`prefer` as libpq does them: encrypted, the certificate not checked (the
/// handshake signatures still are).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_the_nearest_double() {
        assert_eq!(decimal_cell("1.5"), Cell::Float(1.5));
        assert_eq!(decimal_cell("1.50"), Cell::Float(1.5));
        assert_eq!(decimal_cell("3.00"), Cell::Float(3.0));
        assert_eq!(decimal_cell("-0.00"), Cell::Float(0.0));
        assert_eq!(decimal_cell("0.1"), Cell::Float(0.1));
        assert_eq!(decimal_cell("-42"), Cell::Float(-42.0));
        assert_eq!(decimal_cell("0.000000123"), Cell::Float(0.000000123));
        assert_eq!(
            decimal_cell("12345678901234567"),
            Cell::Float(12345678901234568.0)
        );
        assert_eq!(
            decimal_cell("27.5384615384615385"),
            Cell::Float(27.53846153846154)
        );
        assert_eq!(
            decimal_cell("0.3333333333333333333333"),
            Cell::Float(1.0 / 3.0)
        );
        assert_eq!(decimal_cell("0.10000000000000000555"), Cell::Float(0.1));
        assert_eq!(decimal_cell("1.5E+3"), Cell::Float(1500.0));
        assert_eq!(decimal_cell("1e400"), Cell::Float(f64::INFINITY));
        assert!(matches!(decimal_cell("NaN"), Cell::Float(f) if f.is_nan()));
        assert_eq!(decimal_cell("Infinity"), Cell::Float(f64::INFINITY));
        assert_eq!(decimal_cell("inf"), Cell::Text("inf".into()));
    }

    #[test]
    fn date_times() {
        assert_eq!(
            iso_datetime("2024-01-02 03:04:05").unwrap(),
            "2024-01-02T03:04:05"
        );
        assert_eq!(
            iso_datetime("2024-01-02 03:04:05.5").unwrap(),
            "2024-01-02T03:04:05.500000"
        );
        assert_eq!(
            iso_datetime("2024-01-02 03:04:05.000").unwrap(),
            "2024-01-02T03:04:05"
        );
        assert_eq!(iso_datetime("infinity"), None);
        assert_eq!(iso_datetime("0044-03-15 12:00:00 BC"), None);
        assert_eq!(
            utc_datetime("2024-01-02 03:04:05+00").unwrap(),
            "2024-01-02T03:04:05+00:00"
        );
        assert_eq!(
            utc_datetime("2024-01-02 03:04:05.25+05:30").unwrap(),
            "2024-01-01T21:34:05.250000+00:00"
        );
        assert_eq!(
            utc_datetime("2024-12-31 21:30:00-03:30").unwrap(),
            "2025-01-01T01:00:00+00:00"
        );
        assert_eq!(
            utc_datetime("1850-01-01 00:00:00+00:53:28").unwrap(),
            "1849-12-31T23:06:32+00:00"
        );
        assert_eq!(iso_time("03:04:05.123").unwrap(), "03:04:05.123000");
        assert_eq!(iso_time("-838:59:59.000000").unwrap(), "-838:59:59");
        assert_eq!(iso_time("03:04"), None);
    }

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
