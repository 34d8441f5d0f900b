//! Snowflake through its SQL API v2: JSON over HTTPS, no driver.
//!
//! A statement is sent with `POST {base}/api/v2/statements` (base: `api_url`, else
//! `https://<host>`, else `https://<account>.snowflakecomputing.com`). Snowflake answers `200`
//! with the first partition of the result, or `202` with a statement handle when the statement
//! runs longer than ~45 s; the handle is then polled with `GET /api/v2/statements/{handle}`.
//! Further partitions come from `GET /api/v2/statements/{handle}?partition=N` and are handed to
//! the caller one at a time, so a big result never sits in memory whole.
//!
//! Authentication:
//! * **key pair** (`private_key_path`, a PKCS#8 or PKCS#1 PEM file, or an encrypted PKCS#8 one
//!   with `private_key_passphrase`): every request carries a
//!   fresh RS256 JWT (`iss` = `ACCOUNT.USER.SHA256:<fingerprint of the public key>`,
//!   `sub` = `ACCOUNT.USER`, valid 59 minutes) with
//!   `X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT`;
//! * **programmatic access token** (`password` without `private_key_path`): sent as the bearer
//!   token with `X-Snowflake-Authorization-Token-Type: PROGRAMMATIC_ACCESS_TOKEN`. The SQL API
//!   has no password login; an ordinary password is refused by Snowflake with 401.
//!
//! Values arrive as strings typed by `resultSetMetaData.rowType`; see [`decode`].

use super::batches::{BatchedSource, Out, Stop};
use super::decode::{decimal_cell, float_cell, fraction_text, iso_from_parts};
use super::http::{
    encode_component, http_client, random_uuid, request_error, retryable, run_remote_job,
    RemoteJob, USER_AGENT,
};
use super::jwt::{unix_now, RsaSigner};
use super::SourceError;
use crate::value::Cell;
use async_trait::async_trait;
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Semaphore;
use visivo_project::{Secret, Source};

/// Seconds to wait for a TCP/TLS connection when `connect_timeout` is not set.
/// Longest wait between two status polls of a running statement.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// Attempts for a request answered with 429/502/503/504 (Snowflake asks clients to retry these).
const RETRIES: u32 = 5;

#[derive(Debug)]
enum Auth {
    KeyPair {
        signer: Box<RsaSigner>,
        issuer: String,
        subject: String,
    },
    Token(Secret),
}

#[derive(Debug)]
pub struct SnowflakeSource {
    name: String,
    account: String,
    user: String,
    base_url: String,
    auth: Auth,
    database: Option<String>,
    schema: Option<String>,
    warehouse: Option<String>,
    role: Option<String>,
    query_timeout: Option<Duration>,
    connect_timeout: Duration,
    client: reqwest::Client,
    permits: Semaphore,
    concurrency: usize,
    /// Stops (and cancels remotely) what runs when the run is interrupted.
    run_cancel: crate::cancel::Cancel,
}

impl SnowflakeSource {
    pub fn new(source: &Source, ctx: &super::ConnectContext) -> Result<Self, SourceError> {
        let name = source.name.clone().unwrap_or_default();
        let account = source
            .account
            .clone()
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| {
                SourceError::config(
                    &name,
                    "`account` (the Snowflake account identifier, e.g. \
                     myorg-myaccount) is required",
                )
            })?;
        let account = account.trim().to_string();
        let user = source
            .username
            .clone()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| {
                SourceError::config(&name, "`username` (the Snowflake user) is required")
            })?;
        let base_url = match (&source.api_url, &source.host) {
            (Some(url), _) => url.trim_end_matches('/').to_string(),
            (None, Some(host)) => format!("https://{}", host.trim_end_matches('/')),
            (None, None) => format!(
                "https://{}.snowflakecomputing.com",
                account.replace('_', "-").to_lowercase()
            ),
        };
        let auth = match (&source.private_key_path, &source.password) {
            (Some(path), _) => {
                let path = super::resolve_path(ctx.project_dir, path);
                let pem = std::fs::read_to_string(&path).map_err(|e| {
                    SourceError::config(
                        &name,
                        format!("cannot read the private key {}: {e}", path.display()),
                    )
                })?;
                let signer = RsaSigner::from_pem(&pem, source.private_key_passphrase.as_ref())
                    .map_err(|e| {
                        SourceError::config(
                            &name,
                            format!("the private key {} is not usable: {e}", path.display()),
                        )
                    })?;
                let (issuer, subject) = jwt_names(&account, &user, &signer);
                Auth::KeyPair {
                    signer: Box::new(signer),
                    issuer,
                    subject,
                }
            }
            (None, Some(token)) if !token.expose().is_empty() => Auth::Token(token.clone()),
            _ => {
                return Err(SourceError::config(
                    &name,
                    "Snowflake needs `private_key_path` (key-pair \
                     authentication) or a programmatic access token in `password`; the SQL API \
                     that Visivo uses does not accept passwords",
                ))
            }
        };
        let connect_timeout = source.connect_limit();
        let client = http_client(connect_timeout).map_err(|e| SourceError::config(&name, e))?;
        let concurrency = source.pool_size();
        Ok(SnowflakeSource {
            name,
            account,
            user,
            base_url,
            auth,
            database: source.database.clone(),
            schema: source.db_schema.clone(),
            warehouse: source.warehouse.clone(),
            role: source.role.clone(),
            query_timeout: source.query_limit(),
            connect_timeout,
            client,
            permits: Semaphore::new(concurrency),
            concurrency,
            run_cancel: ctx.cancel.clone(),
        })
    }

    fn connect_error(&self, message: &str) -> Stop {
        let hint = match self.auth {
            Auth::Token(_) if message.contains("HTTP 401") => {
                " (`password` is sent as a programmatic access token: the SQL API does not \
                 accept passwords; use a programmatic access token or `private_key_path`)"
            }
            _ => "",
        };
        Stop::Error(SourceError::Connect {
            source_name: self.name.clone(),
            message: format!("{message}{hint}"),
            connection: Some(format!(
                "snowflake account '{}', user '{}'",
                self.account, self.user
            )),
        })
    }

    fn query_error(&self, message: &str) -> Stop {
        Stop::Error(SourceError::Query {
            source_name: self.name.clone(),
            message: message.to_string(),
            connection: Some(format!("snowflake account '{}'", self.account)),
        })
    }

    fn timeout_error(&self, limit: Duration) -> Stop {
        Stop::Error(SourceError::Timeout {
            source_name: self.name.clone(),
            limit,
        })
    }

    /// The headers of every request.
    fn authorize(&self, request: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder, Stop> {
        let (token, kind) = match &self.auth {
            Auth::KeyPair {
                signer,
                issuer,
                subject,
            } => {
                let now = unix_now();
                let claims = json!({"iss": issuer, "sub": subject, "iat": now, "exp": now + 3540});
                let jwt = signer
                    .jwt(&json!({"alg": "RS256", "typ": "JWT"}), &claims)
                    .map_err(|e| self.connect_error(&e))?;
                (jwt, "KEYPAIR_JWT")
            }
            Auth::Token(token) => (token.expose().to_string(), "PROGRAMMATIC_ACCESS_TOKEN"),
        };
        Ok(request
            .bearer_auth(token)
            .header("X-Snowflake-Authorization-Token-Type", kind)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::USER_AGENT, USER_AGENT))
    }

    /// Sends a request built by `build` (again on 429/502/503/504), returning status and body.
    async fn send(
        &self,
        mut build: impl FnMut() -> reqwest::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, Vec<u8>), Stop> {
        let mut wait = Duration::from_millis(500);
        let mut attempt = 1;
        loop {
            let request = self.authorize(build())?;
            let response = request
                .send()
                .await
                .map_err(|e| self.connect_error(&request_error(&e)))?;
            let status = response.status();
            let body = response
                .bytes()
                .await
                .map_err(|e| self.connect_error(&request_error(&e)))?;
            if retryable(status) && attempt < RETRIES {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(8));
                attempt += 1;
                continue;
            }
            return Ok((status, body.to_vec()));
        }
    }

    /// Turns a response that isn't a result into the right error; `Ok(Some(handle))` for 202.
    fn check(&self, status: reqwest::StatusCode, body: &[u8]) -> Result<Option<String>, Stop> {
        let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let message = snowflake_message(status, &parsed, body);
        match status.as_u16() {
            200 => Ok(None),
            202 => {
                match parsed.get("statementHandle").and_then(Value::as_str) {
                    Some(handle) => Ok(Some(handle.to_string())),
                    None => Err(self
                        .query_error(&format!("HTTP 202 without a statement handle: {message}"))),
                }
            }
            401 | 403 => Err(self.connect_error(&message)),
            408 => Err(match self.query_timeout {
                Some(limit) => self.timeout_error(limit),
                None => self.query_error(&message),
            }),
            400 | 422 => Err(self.query_error(&message)),
            _ => Err(self.connect_error(&message)),
        }
    }

    fn statement_url(&self, handle: &str) -> String {
        format!(
            "{}/api/v2/statements/{}",
            self.base_url,
            encode_component(handle)
        )
    }

    /// Submits `sql`, waits for it, and hands its columns and rows to `out`. The statement
    /// handle goes to `handle` as soon as it is known (for cancelling on timeout).
    async fn run(
        &self,
        sql: &str,
        out: &mut Out<'_>,
        handle_slot: &Mutex<Option<String>>,
    ) -> Result<(), Stop> {
        let mut body = serde_json::Map::new();
        body.insert("statement".into(), Value::from(sql));
        if let Some(limit) = self.query_timeout {
            body.insert("timeout".into(), Value::from(limit.as_secs().max(1)));
        }
        for (key, value) in [
            ("database", &self.database),
            ("schema", &self.schema),
            ("warehouse", &self.warehouse),
            ("role", &self.role),
        ] {
            if let Some(value) = value {
                body.insert(key.into(), Value::from(value.as_str()));
            }
        }
        let body = serde_json::to_vec(&Value::Object(body)).expect("JSON values serialize");
        let request_id = random_uuid();
        let mut first = true;
        let submit_url = format!("{}/api/v2/statements", self.base_url);
        let (mut status, mut response) = self
            .send(|| {
                // A retried POST carries the same requestId and `retry=true`, so Snowflake
                // doesn't run the statement twice.
                let url = if first {
                    format!("{submit_url}?requestId={request_id}")
                } else {
                    format!("{submit_url}?requestId={request_id}&retry=true")
                };
                first = false;
                self.client
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        let mut interval = Duration::from_millis(50);
        let handle = loop {
            match self.check(status, &response)? {
                None => break None,
                Some(handle) => {
                    *handle_slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle.clone());
                    tokio::time::sleep(interval).await;
                    interval = (interval * 2).min(MAX_POLL_INTERVAL);
                    let url = self.statement_url(&handle);
                    (status, response) = self.send(|| self.client.get(&url)).await?;
                }
            }
        };
        let result: Value = serde_json::from_slice(&response).map_err(|e| {
            self.query_error(&format!("the SQL API answered with invalid JSON: {e}"))
        })?;
        let handle = handle.or_else(|| {
            result
                .get("statementHandle")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let meta = result.get("resultSetMetaData").ok_or_else(|| {
            self.query_error("the SQL API's answer has no resultSetMetaData (not a query?)")
        })?;
        let columns: Vec<Column> = meta
            .get("rowType")
            .and_then(Value::as_array)
            .map(|types| types.iter().map(Column::from_row_type).collect())
            .unwrap_or_default();
        out.columns(columns.iter().map(|c| c.name.clone()).collect())
            .await?;
        self.emit(&columns, &result, out).await?;
        let partitions = meta
            .get("partitionInfo")
            .and_then(Value::as_array)
            .map_or(1, Vec::len);
        if partitions > 1 {
            let handle = handle.ok_or_else(|| {
                self.query_error("the result has several partitions but no statement handle")
            })?;
            let url = self.statement_url(&handle);
            for partition in 1..partitions {
                let (status, body) = self
                    .send(|| self.client.get(format!("{url}?partition={partition}")))
                    .await?;
                self.check(status, &body)?;
                let page: Value = serde_json::from_slice(&body).map_err(|e| {
                    self.query_error(&format!(
                        "partition {partition} of the result is not valid JSON: {e}"
                    ))
                })?;
                self.emit(&columns, &page, out).await?;
            }
        }
        Ok(())
    }

    /// Decodes the `data` rows of one partition and hands them on.
    async fn emit(&self, columns: &[Column], page: &Value, out: &mut Out<'_>) -> Result<(), Stop> {
        let Some(rows) = page.get("data").and_then(Value::as_array) else {
            return Ok(());
        };
        let mut batch = Vec::with_capacity(rows.len());
        for row in rows {
            let values = row.as_array().map(Vec::as_slice).unwrap_or_default();
            if values.len() != columns.len() {
                return Err(self.query_error(&format!(
                    "a row has {} values where rowType describes {} columns",
                    values.len(),
                    columns.len()
                )));
            }
            batch.push(
                columns
                    .iter()
                    .zip(values)
                    .map(|(column, value)| match value {
                        Value::Null => Cell::Null,
                        Value::String(text) => decode(column, text),
                        other => decode(column, &other.to_string()),
                    })
                    .collect(),
            );
        }
        out.rows(batch).await
    }

    /// Best effort: asks Snowflake to stop a statement this run gave up on.
    async fn cancel(&self, handle: &str) {
        let url = format!("{}/cancel", self.statement_url(handle));
        if let Ok(request) = self.authorize(self.client.post(url)) {
            let _ = tokio::time::timeout(self.connect_timeout, request.send()).await;
        }
    }
}

#[async_trait]
impl BatchedSource for SnowflakeSource {
    async fn execute(&self, sql: &str, out: &mut Out<'_>) -> Result<(), Stop> {
        let handle = Mutex::new(None);
        let job = RemoteJob {
            source_name: &self.name,
            permits: &self.permits,
            limit: self.query_timeout,
            run: &self.run_cancel,
        };
        run_remote_job(
            job,
            self.run(sql, out, &handle),
            &handle,
            |handle: String| async move { self.cancel(&handle).await },
        )
        .await
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }
}

/// `iss` and `sub` of the key-pair JWT. The account is upper-cased and loses any region suffix
/// (`xy12345.us-east-1` → `XY12345`), as Snowflake's key-pair documentation prescribes.
fn jwt_names(account: &str, user: &str, signer: &RsaSigner) -> (String, String) {
    let account = account.split('.').next().unwrap_or(account).to_uppercase();
    let subject = format!("{account}.{}", user.to_uppercase());
    let issuer = format!("{subject}.{}", signer.public_key_fingerprint());
    (issuer, subject)
}

/// A statement's message as Snowflake words it, with its code and SQL state.
fn snowflake_message(status: reqwest::StatusCode, parsed: &Value, body: &[u8]) -> String {
    let field = |key: &str| parsed.get(key).and_then(Value::as_str).map(str::to_string);
    let mut text = format!("HTTP {status}");
    match field("message") {
        Some(message) => {
            text.push_str(": ");
            text.push_str(&message);
        }
        None if !body.is_empty() && !parsed.is_object() => {
            text.push_str(": ");
            text.push_str(&String::from_utf8_lossy(&body[..body.len().min(300)]));
        }
        None => {}
    }
    match (field("code"), field("sqlState")) {
        (Some(code), Some(state)) => text.push_str(&format!(" (code {code}, SQL state {state})")),
        (Some(code), None) => text.push_str(&format!(" (code {code})")),
        _ => {}
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Decoding the SQL API's values.

/// One entry of `resultSetMetaData.rowType`.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// Lower-cased: `fixed`, `real`, `text`, `date`, `timestamp_tz`, …
    pub kind: String,
    pub scale: i64,
}

impl Column {
    fn from_row_type(value: &Value) -> Column {
        Column {
            name: value
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            kind: value
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("text")
                .to_ascii_lowercase(),
            scale: value.get("scale").and_then(Value::as_i64).unwrap_or(0),
        }
    }
}

/// One value of the SQL API's JSON result (always a string) by its column's type:
///
/// | `rowType.type` | value | `Cell` |
/// |---|---|---|
/// | fixed, scale 0 | `"123"` | `Int` (beyond 64 bits: the decimal rule) |
/// | fixed, scale > 0; decfloat | `"12.30"` | the decimal rule: `Float`, the nearest double |
/// | real | `"1.5"`, `"inf"`, `"NaN"` | `Float` |
/// | text | | `Text` |
/// | boolean | `"true"` / `"false"` | `Bool` |
/// | date | days since 1970-01-01, `"19782"` | `Text` `"2024-02-29"` |
/// | time | seconds since midnight, `"47655.250000000"` | `Text` `"13:14:15.250000"` |
/// | timestamp_ntz | seconds since the epoch | `Text` `"2024-02-29T13:14:15"` |
/// | timestamp_ltz, timestamp_tz | seconds since the epoch (tz: then the offset + 1440 in minutes) | `Text`, the instant in UTC: `"2024-02-29T13:14:15+00:00"` |
/// | variant, object, array, map, geography, geometry, vector | JSON text | `Json` (`Text` if it doesn't parse) |
/// | binary | hex | `Text` (the hex digits as sent) |
/// | anything else | | `Text` |
pub fn decode(column: &Column, text: &str) -> Cell {
    match column.kind.as_str() {
        "fixed" | "number" | "decimal" | "numeric" | "int" | "integer" | "bigint" => {
            if column.scale == 0 {
                if let Ok(i) = text.trim().parse::<i64>() {
                    return Cell::Int(i);
                }
            }
            decimal_cell(text)
        }
        "decfloat" => decimal_cell(text),
        "real" | "float" | "double" => float_cell(text),
        "boolean" => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Cell::Bool(true),
            "false" | "0" => Cell::Bool(false),
            _ => Cell::Text(text.to_string()),
        },
        "date" => text
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|days| {
                chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?
                    .checked_add_signed(chrono::Duration::try_days(days)?)
            })
            .map(|d| Cell::Text(d.format("%Y-%m-%d").to_string()))
            .unwrap_or_else(|| Cell::Text(text.to_string())),
        "time" => epoch_parts(text)
            .and_then(|(secs, nanos)| {
                let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(
                    u32::try_from(secs.rem_euclid(86_400)).ok()?,
                    nanos,
                )?;
                Some(format!(
                    "{}{}",
                    time.format("%H:%M:%S"),
                    fraction_text(nanos)
                ))
            })
            .map(Cell::Text)
            .unwrap_or_else(|| Cell::Text(text.to_string())),
        "timestamp_ntz" => text_or(iso_from_epoch(text, false), text),
        "timestamp_ltz" => text_or(iso_from_epoch(text, true), text),
        "timestamp_tz" => {
            // `<seconds> <offset + 1440>`: the seconds are already the UTC instant.
            let seconds = text.split_whitespace().next().unwrap_or(text);
            text_or(iso_from_epoch(seconds, true), text)
        }
        "variant" | "object" | "array" | "map" | "geography" | "geometry" | "vector" => {
            match serde_json::from_str::<Value>(text) {
                Ok(value) => Cell::Json(value),
                Err(_) => Cell::Text(text.to_string()),
            }
        }
        _ => Cell::Text(text.to_string()),
    }
}

fn text_or(value: Option<String>, original: &str) -> Cell {
    Cell::Text(value.unwrap_or_else(|| original.to_string()))
}

/// `"-1.250000000"` → `(-2, 750_000_000)`: whole seconds (floored) and nanoseconds.
pub(crate) fn epoch_parts(text: &str) -> Option<(i64, u32)> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let mut nanos: u32 = format!("{:0<9}", &fraction[..fraction.len().min(9)])
        .parse()
        .ok()?;
    let mut secs = whole;
    if negative {
        secs = -whole;
        if nanos > 0 {
            secs -= 1;
            nanos = 1_000_000_000 - nanos;
        }
    }
    Some((secs, nanos))
}

/// Epoch seconds (with a fraction) → `YYYY-MM-DDTHH:MM:SS[.ffffff]`, plus `+00:00` when `utc`.
fn iso_from_epoch(text: &str, utc: bool) -> Option<String> {
    let (secs, nanos) = epoch_parts(text)?;
    iso_from_parts(secs, nanos, utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(kind: &str, scale: i64) -> Column {
        Column {
            name: "c".into(),
            kind: kind.into(),
            scale,
        }
    }

    #[test]
    fn epoch_seconds() {
        assert_eq!(epoch_parts("1.5"), Some((1, 500_000_000)));
        assert_eq!(epoch_parts("-1.250000000"), Some((-2, 750_000_000)));
        assert_eq!(epoch_parts("-3"), Some((-3, 0)));
        assert_eq!(epoch_parts("x"), None);
        assert_eq!(fraction_text(250_000_000), ".250000");
        assert_eq!(fraction_text(123_456_789), ".123456789");
        assert_eq!(fraction_text(0), "");
    }

    #[test]
    fn values_by_type() {
        assert_eq!(decode(&column("fixed", 0), "-42"), Cell::Int(-42));
        assert_eq!(
            decode(&column("fixed", 0), "123456789012345678901234567890"),
            Cell::Float(123456789012345678901234567890.0)
        );
        assert_eq!(decode(&column("fixed", 2), "12.30"), Cell::Float(12.3));
        assert_eq!(
            decode(&column("real", 0), "inf"),
            Cell::Float(f64::INFINITY)
        );
        assert_eq!(decode(&column("boolean", 0), "true"), Cell::Bool(true));
        assert_eq!(
            decode(&column("date", 0), "-1"),
            Cell::Text("1969-12-31".into())
        );
        assert_eq!(
            decode(&column("time", 9), "47655.250000000"),
            Cell::Text("13:14:15.250000".into())
        );
        assert_eq!(
            decode(&column("timestamp_ntz", 9), "-0.500000000"),
            Cell::Text("1969-12-31T23:59:59.500000".into())
        );
        assert_eq!(
            decode(&column("timestamp_tz", 9), "1709212455.000000000 1380"),
            Cell::Text("2024-02-29T13:14:15+00:00".into())
        );
    }
}
