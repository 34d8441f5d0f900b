//! Google BigQuery through its REST API v2, authenticated with a service-account key.
//!
//! The key (`credentials_json`, the key file's text — usually from an environment variable —,
//! `credentials_base64`, the same base64-encoded, or `credentials_path`, else the file named by
//! `GOOGLE_APPLICATION_CREDENTIALS`) signs an RS256
//! JWT that the key's `token_uri` exchanges for an access token (scope
//! `https://www.googleapis.com/auth/bigquery`), kept until shortly before it expires.
//!
//! A query is `POST {base}/bigquery/v2/projects/{project}/queries` (base: `api_url`, else
//! `https://bigquery.googleapis.com`) with standard SQL, the default dataset and
//! `formatOptions.useInt64Timestamp` (timestamps as exact microseconds). While `jobComplete` is
//! false the job is polled with `GET …/queries/{jobId}`; further pages follow `pageToken`, each
//! handed to the caller as it arrives. Values are decoded by `schema.fields`; see [`decode`].

use super::batches::{BatchedSource, Out, Stop};
use super::decode::{
    cell_to_json, decimal_cell, float_cell, iso_datetime, iso_from_parts, iso_time,
};
use super::http::{
    encode_component, http_client, request_error, retryable, run_remote_job, RemoteJob, USER_AGENT,
};
use super::jwt::{unix_now, RsaSigner};
use super::{resolve_path, ConnectContext, SourceError};
use crate::value::Cell;
use async_trait::async_trait;
use serde_json::{json, Map, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use visivo_project::{Secret, Source};

const SCOPE: &str = "https://www.googleapis.com/auth/bigquery";
/// The environment variable naming a key file, as Google's client libraries read it.
const KEY_FILE_VAR: &str = "GOOGLE_APPLICATION_CREDENTIALS";
const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// How long one `jobs.query` / `jobs.getQueryResults` call waits on the server for the job.
const SERVER_WAIT_MS: u64 = 10_000;
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(1);
const RETRIES: u32 = 5;

/// The parts of a service-account key file this module uses.
struct ServiceAccount {
    client_email: String,
    private_key_id: Option<String>,
    token_uri: String,
    signer: RsaSigner,
}

pub struct BigQuerySource {
    name: String,
    project: String,
    dataset: Option<String>,
    base_url: String,
    account: ServiceAccount,
    query_timeout: Option<Duration>,
    connect_timeout: Duration,
    client: reqwest::Client,
    /// The access token and when to stop using it.
    token: tokio::sync::Mutex<Option<(String, Instant)>>,
    permits: Semaphore,
    concurrency: usize,
    /// Stops (and cancels remotely) what runs when the run is interrupted.
    run_cancel: crate::cancel::Cancel,
}

/// The service-account key's JSON text and how messages name where it came from:
/// `credentials_json`, else `credentials_base64` (decoded), else the file `credentials_path`,
/// else the file `GOOGLE_APPLICATION_CREDENTIALS` names. The key itself never enters a message.
fn service_account_key(source: &Source, ctx: &ConnectContext) -> Result<(String, String), String> {
    let given = |secret: &Option<Secret>| {
        secret
            .as_ref()
            .map(|s| s.expose().trim().to_string())
            .filter(|text| !text.is_empty())
    };
    if let Some(text) = given(&source.credentials_json) {
        return Ok((text, "credentials_json".into()));
    }
    if let Some(encoded) = given(&source.credentials_base64) {
        return Ok((decode_base64_key(&encoded)?, "credentials_base64".into()));
    }
    let (path, named_by) = match (&source.credentials_path, std::env::var(KEY_FILE_VAR)) {
        (Some(path), _) => (resolve_path(ctx.project_dir, path), String::new()),
        (None, Ok(path)) if !path.is_empty() => (path.into(), format!(" (from {KEY_FILE_VAR})")),
        _ => {
            return Err(
                "BigQuery needs a service-account key: `credentials_json` (the key \
                 file's JSON, e.g. \"{{ env_var('BQ_KEY_JSON') }}\"), `credentials_base64` (the \
                 same, base64-encoded) or `credentials_path`"
                    .into(),
            )
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read the service-account key {}{named_by}: {e}",
            path.display()
        )
    })?;
    Ok((text, format!("the key file {}", path.display())))
}

/// `credentials_base64` as `python -m base64` or `base64` write it (standard or URL-safe
/// alphabet, padded or not, wrapped in lines or not); the decoder's own message is left out, as
/// it quotes the offending character.
fn decode_base64_key(encoded: &str) -> Result<String, String> {
    use base64::engine::{
        general_purpose::GeneralPurposeConfig, DecodePaddingMode, GeneralPurpose,
    };
    use base64::Engine as _;
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let standard: String = encoded
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let bytes = engine.decode(standard).map_err(|_| {
        "`credentials_base64` is not base64 text (encode the key file with \
         `base64 -w0 key.json`)"
            .to_string()
    })?;
    String::from_utf8(bytes)
        .map_err(|_| "`credentials_base64` does not decode to a JSON key file".to_string())
}

impl BigQuerySource {
    pub fn new(source: &Source, ctx: &ConnectContext) -> Result<Self, SourceError> {
        let name = source.name.clone().unwrap_or_default();
        let fail = |message: String| SourceError::config(&name, message);
        let (key_text, origin) = service_account_key(source, ctx).map_err(fail)?;
        let key: Value = serde_json::from_str(&key_text)
            .map_err(|e| fail(format!("{origin} is not a JSON service-account key: {e}")))?;
        let field = |k: &str| key.get(k).and_then(Value::as_str).map(str::to_string);
        if let Some(kind) = field("type").filter(|t| t != "service_account") {
            return Err(fail(format!(
                "{origin} is a '{kind}' credential; only service-account keys \
                 (\"type\": \"service_account\") are supported"
            )));
        }
        let client_email =
            field("client_email").ok_or_else(|| fail(format!("{origin} has no client_email")))?;
        let private_key =
            field("private_key").ok_or_else(|| fail(format!("{origin} has no private_key")))?;
        let signer = RsaSigner::from_pem(&private_key, None)
            .map_err(|e| fail(format!("the private_key of {origin} is not usable: {e}")))?;
        let project = source
            .project
            .clone()
            .filter(|p| !p.is_empty())
            .or_else(|| field("project_id"))
            .ok_or_else(|| fail("`project` (the Google Cloud project id) is required".into()))?;
        let base_url = source
            .api_url
            .as_deref()
            .unwrap_or("https://bigquery.googleapis.com")
            .trim_end_matches('/')
            .to_string();
        let connect_timeout = source.connect_limit();
        let client = http_client(connect_timeout).map_err(fail)?;
        let concurrency = source.pool_size();
        Ok(BigQuerySource {
            name,
            project,
            dataset: source
                .dataset
                .clone()
                .or_else(|| source.database.clone())
                .filter(|d| !d.is_empty()),
            base_url,
            account: ServiceAccount {
                client_email,
                private_key_id: field("private_key_id"),
                token_uri: field("token_uri").unwrap_or_else(|| DEFAULT_TOKEN_URI.to_string()),
                signer,
            },
            query_timeout: source.query_limit(),
            connect_timeout,
            client,
            token: tokio::sync::Mutex::new(None),
            permits: Semaphore::new(concurrency),
            concurrency,
            run_cancel: ctx.cancel.clone(),
        })
    }

    fn connect_error(&self, message: &str) -> Stop {
        Stop::Error(SourceError::Connect {
            source_name: self.name.clone(),
            message: message.to_string(),
            connection: Some(format!(
                "bigquery project '{}', service account '{}'",
                self.project, self.account.client_email
            )),
        })
    }

    fn query_error(&self, message: &str) -> Stop {
        Stop::Error(SourceError::Query {
            source_name: self.name.clone(),
            message: message.to_string(),
            connection: Some(format!("bigquery project '{}'", self.project)),
        })
    }

    /// A valid access token: the cached one, or a new one from the token endpoint.
    async fn access_token(&self) -> Result<String, Stop> {
        let mut cached = self.token.lock().await;
        if let Some((token, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(token.clone());
            }
        }
        let now = unix_now();
        let mut header = json!({"alg": "RS256", "typ": "JWT"});
        if let Some(kid) = &self.account.private_key_id {
            header["kid"] = Value::from(kid.as_str());
        }
        let claims = json!({
            "iss": self.account.client_email,
            "scope": SCOPE,
            "aud": self.account.token_uri,
            "iat": now,
            "exp": now + 3600,
        });
        let assertion = self
            .account
            .signer
            .jwt(&header, &claims)
            .map_err(|e| self.connect_error(&e))?;
        let form = format!(
            "grant_type={}&assertion={}",
            encode_component("urn:ietf:params:oauth:grant-type:jwt-bearer"),
            encode_component(&assertion)
        );
        let response = self
            .client
            .post(&self.account.token_uri)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::USER_AGENT, USER_AGENT)
            .body(form)
            .send()
            .await
            .map_err(|e| {
                self.connect_error(&format!("getting an access token: {}", request_error(&e)))
            })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| {
            self.connect_error(&format!("getting an access token: {}", request_error(&e)))
        })?;
        let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let token = parsed.get("access_token").and_then(Value::as_str);
        match token {
            Some(token) if status.is_success() => {
                let lifetime = parsed
                    .get("expires_in")
                    .and_then(Value::as_u64)
                    .unwrap_or(3600);
                let until = Instant::now() + Duration::from_secs(lifetime.saturating_sub(60));
                *cached = Some((token.to_string(), until));
                Ok(token.to_string())
            }
            _ => {
                let error = parsed.get("error").and_then(Value::as_str);
                let description = parsed.get("error_description").and_then(Value::as_str);
                let detail = match (error, description) {
                    (Some(e), Some(d)) => format!("{e}: {d}"),
                    (Some(e), None) => e.to_string(),
                    _ => google_message(&parsed, &body),
                };
                Err(self.connect_error(&format!(
                    "the token endpoint {} refused the service-account key: HTTP {status}: \
                     {detail}",
                    self.account.token_uri
                )))
            }
        }
    }

    /// Sends an authorized request (again on 429/5xx and once with a new token on 401).
    async fn send(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, Value), Stop> {
        let mut wait = Duration::from_millis(500);
        let mut attempt = 1;
        let mut renewed = false;
        loop {
            let token = self.access_token().await?;
            let response = build()
                .bearer_auth(token)
                .header(reqwest::header::ACCEPT, "application/json")
                .header(reqwest::header::USER_AGENT, USER_AGENT)
                .send()
                .await
                .map_err(|e| self.connect_error(&request_error(&e)))?;
            let status = response.status();
            let body = response
                .bytes()
                .await
                .map_err(|e| self.connect_error(&request_error(&e)))?;
            if status == reqwest::StatusCode::UNAUTHORIZED && !renewed {
                // The token may have been revoked or expired early: get a fresh one once.
                *self.token.lock().await = None;
                renewed = true;
                continue;
            }
            if (retryable(status) || status.as_u16() == 500) && attempt < RETRIES {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(8));
                attempt += 1;
                continue;
            }
            let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if status.is_success() {
                return Ok((status, parsed));
            }
            let message = format!("HTTP {status}: {}", google_message(&parsed, &body));
            return Err(match status.as_u16() {
                401 => self.connect_error(&message),
                _ => self.query_error(&message),
            });
        }
    }

    fn results_url(&self, job: &JobRef, page_token: Option<&str>) -> String {
        let mut url = format!(
            "{}/bigquery/v2/projects/{}/queries/{}?formatOptions.useInt64Timestamp=true&timeoutMs={SERVER_WAIT_MS}",
            self.base_url,
            encode_component(&job.project),
            encode_component(&job.id)
        );
        if let Some(location) = &job.location {
            url.push_str(&format!("&location={}", encode_component(location)));
        }
        if let Some(token) = page_token {
            url.push_str(&format!("&pageToken={}", encode_component(token)));
        }
        url
    }

    async fn run(
        &self,
        sql: &str,
        out: &mut Out<'_>,
        job_slot: &Mutex<Option<JobRef>>,
    ) -> Result<(), Stop> {
        let mut request = Map::new();
        request.insert("query".into(), Value::from(sql));
        request.insert("useLegacySql".into(), Value::Bool(false));
        if let Some(dataset) = &self.dataset {
            request.insert(
                "defaultDataset".into(),
                json!({"projectId": self.project, "datasetId": dataset}),
            );
        }
        request.insert("timeoutMs".into(), Value::from(SERVER_WAIT_MS));
        request.insert("formatOptions".into(), json!({"useInt64Timestamp": true}));
        // Makes a retried request join the first one's job instead of starting another.
        request.insert("requestId".into(), Value::from(random_id()));
        if let Some(limit) = self.query_timeout {
            request.insert(
                "jobTimeoutMs".into(),
                Value::from(limit.as_millis().to_string()),
            );
        }
        let body = serde_json::to_vec(&Value::Object(request)).expect("JSON values serialize");
        let url = format!(
            "{}/bigquery/v2/projects/{}/queries",
            self.base_url,
            encode_component(&self.project)
        );
        let (_, mut page) = self
            .send(|| {
                self.client
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        let job = page.get("jobReference").map(|r| JobRef {
            project: r
                .get("projectId")
                .and_then(Value::as_str)
                .unwrap_or(&self.project)
                .to_string(),
            id: r
                .get("jobId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            location: r
                .get("location")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
        if let Some(job) = &job {
            *job_slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(job.clone());
        }
        let mut interval = Duration::from_millis(50);
        while page.get("jobComplete").and_then(Value::as_bool) == Some(false) {
            let job = job.as_ref().filter(|j| !j.id.is_empty()).ok_or_else(|| {
                self.query_error("the query is still running but BigQuery named no job")
            })?;
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(MAX_POLL_INTERVAL);
            let url = self.results_url(job, None);
            page = self.send(|| self.client.get(&url)).await?.1;
        }
        let fields: Vec<Field> = page
            .pointer("/schema/fields")
            .and_then(Value::as_array)
            .map(|fields| fields.iter().map(Field::from_json).collect())
            .unwrap_or_default();
        out.columns(fields.iter().map(|f| f.name.clone()).collect())
            .await?;
        loop {
            self.emit(&fields, &page, out).await?;
            let Some(token) = page
                .get("pageToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
            else {
                return Ok(());
            };
            let job = job.as_ref().filter(|j| !j.id.is_empty()).ok_or_else(|| {
                self.query_error("the result has more pages but BigQuery named no job")
            })?;
            let url = self.results_url(job, Some(&token));
            page = self.send(|| self.client.get(&url)).await?.1;
        }
    }

    async fn emit(&self, fields: &[Field], page: &Value, out: &mut Out<'_>) -> Result<(), Stop> {
        let Some(rows) = page.get("rows").and_then(Value::as_array) else {
            return Ok(());
        };
        let mut batch = Vec::with_capacity(rows.len());
        for row in rows {
            let values = row
                .get("f")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if values.len() != fields.len() {
                return Err(self.query_error(&format!(
                    "a row has {} values where the schema has {} fields",
                    values.len(),
                    fields.len()
                )));
            }
            batch.push(
                fields
                    .iter()
                    .zip(values)
                    .map(|(field, cell)| decode(field, cell.get("v").unwrap_or(&Value::Null)))
                    .collect(),
            );
        }
        out.rows(batch).await
    }

    async fn cancel(&self, job: &JobRef) {
        let mut url = format!(
            "{}/bigquery/v2/projects/{}/jobs/{}/cancel",
            self.base_url,
            encode_component(&job.project),
            encode_component(&job.id)
        );
        if let Some(location) = &job.location {
            url.push_str(&format!("?location={}", encode_component(location)));
        }
        let cancelling = async {
            let token = self.access_token().await.ok()?;
            self.client
                .post(url)
                .bearer_auth(token)
                .header(reqwest::header::USER_AGENT, USER_AGENT)
                .send()
                .await
                .ok()
        };
        let _ = tokio::time::timeout(self.connect_timeout, cancelling).await;
    }
}

#[derive(Debug, Clone)]
struct JobRef {
    project: String,
    id: String,
    location: Option<String>,
}

#[async_trait]
impl BatchedSource for BigQuerySource {
    async fn execute(&self, sql: &str, out: &mut Out<'_>) -> Result<(), Stop> {
        let job = Mutex::new(None);
        let remote = RemoteJob {
            source_name: &self.name,
            permits: &self.permits,
            limit: self.query_timeout,
            run: &self.run_cancel,
        };
        run_remote_job(
            remote,
            self.run(sql, out, &job),
            &job,
            |job: JobRef| async move {
                if !job.id.is_empty() {
                    self.cancel(&job).await;
                }
            },
        )
        .await
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }
}

impl std::fmt::Debug for BigQuerySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BigQuerySource")
            .field("name", &self.name)
            .field("project", &self.project)
            .field("dataset", &self.dataset)
            .field("base_url", &self.base_url)
            .field("client_email", &self.account.client_email)
            .finish_non_exhaustive()
    }
}

/// Google's error text: `error.message` plus the first `errors[].reason`.
fn google_message(parsed: &Value, body: &[u8]) -> String {
    let error = parsed.get("error");
    match error.and_then(|e| e.get("message")).and_then(Value::as_str) {
        Some(message) => {
            let reason = error
                .and_then(|e| e.pointer("/errors/0/reason"))
                .and_then(Value::as_str);
            match reason {
                Some(reason) => format!("{message} (reason {reason})"),
                None => message.to_string(),
            }
        }
        None if body.is_empty() => "no details".into(),
        None => String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned(),
    }
}

fn random_id() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    format!("visivo-{}", hex::encode(bytes))
}

// ---------------------------------------------------------------------------------------------
// Decoding `rows[].f[].v` by `schema.fields`.

/// One entry of `schema.fields` (nested for RECORD).
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    /// Upper-cased legacy or standard name: `INTEGER`/`INT64`, `RECORD`/`STRUCT`, …
    pub kind: String,
    pub repeated: bool,
    pub fields: Vec<Field>,
}

impl Field {
    pub fn from_json(value: &Value) -> Field {
        Field {
            name: value
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            kind: value
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("STRING")
                .to_ascii_uppercase(),
            repeated: value.get("mode").and_then(Value::as_str) == Some("REPEATED"),
            fields: value
                .get("fields")
                .and_then(Value::as_array)
                .map(|f| f.iter().map(Field::from_json).collect())
                .unwrap_or_default(),
        }
    }
}

/// One value (`v`) by its field:
///
/// | BigQuery type | `Cell` |
/// |---|---|
/// | INTEGER / INT64 | `Int` |
/// | NUMERIC, BIGNUMERIC | the decimal rule: `Float`, the nearest double |
/// | FLOAT / FLOAT64 | `Float` (`NaN`, `Infinity` too) |
/// | BOOLEAN / BOOL | `Bool` |
/// | STRING, BYTES (base64), DATE, GEOGRAPHY (WKT), INTERVAL, RANGE | `Text` as sent |
/// | DATETIME | `Text` `"2024-02-29T13:14:15"` (`.ffffff` when there are fractions) |
/// | TIME | `Text` `"13:14:15"` / `"13:14:15.250000"` |
/// | TIMESTAMP (microseconds since the epoch) | `Text`, UTC: `"2024-02-29T13:14:15.250000+00:00"` |
/// | JSON | `Json` |
/// | RECORD / STRUCT | `Json` object by field name |
/// | REPEATED (any type) | `Json` array |
pub fn decode(field: &Field, value: &Value) -> Cell {
    if value.is_null() {
        return Cell::Null;
    }
    if field.repeated {
        let element = Field {
            repeated: false,
            ..field.clone()
        };
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        return Cell::Json(Value::Array(
            items
                .iter()
                .map(|item| cell_to_json(decode(&element, item.get("v").unwrap_or(&Value::Null))))
                .collect(),
        ));
    }
    if matches!(field.kind.as_str(), "RECORD" | "STRUCT") {
        let values = value
            .get("f")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut object = Map::new();
        for (sub, cell) in field.fields.iter().zip(values) {
            object.insert(
                sub.name.clone(),
                cell_to_json(decode(sub, cell.get("v").unwrap_or(&Value::Null))),
            );
        }
        return Cell::Json(Value::Object(object));
    }
    let text = match value {
        Value::String(s) => s.as_str(),
        other => return decode_text(field, &other.to_string()),
    };
    decode_text(field, text)
}

fn decode_text(field: &Field, text: &str) -> Cell {
    let keep = || Cell::Text(text.to_string());
    match field.kind.as_str() {
        "INTEGER" | "INT64" => text
            .parse::<i64>()
            .map(Cell::Int)
            .unwrap_or_else(|_| keep()),
        "NUMERIC" | "BIGNUMERIC" | "DECIMAL" | "BIGDECIMAL" => decimal_cell(text),
        "FLOAT" | "FLOAT64" => float_cell(text),
        "BOOLEAN" | "BOOL" => match text.to_ascii_lowercase().as_str() {
            "true" => Cell::Bool(true),
            "false" => Cell::Bool(false),
            _ => keep(),
        },
        "DATETIME" => iso_datetime(&text.replacen('T', " ", 1))
            .map(Cell::Text)
            .unwrap_or_else(keep),
        "TIME" => iso_time(text).map(Cell::Text).unwrap_or_else(keep),
        "TIMESTAMP" => timestamp(text).map(Cell::Text).unwrap_or_else(keep),
        "JSON" => serde_json::from_str(text)
            .map(Cell::Json)
            .unwrap_or_else(|_| keep()),
        _ => keep(),
    }
}

/// Microseconds since the epoch (`useInt64Timestamp`) → ISO-8601 in UTC. Float seconds
/// (`1.709212455E9`, what BigQuery sends without that option) are read too.
fn timestamp(text: &str) -> Option<String> {
    let micros = match text.parse::<i64>() {
        Ok(micros) => micros,
        Err(_) => {
            let seconds: f64 = text.parse().ok()?;
            (seconds * 1e6).round() as i64
        }
    };
    let secs = micros.div_euclid(1_000_000);
    let nanos = (micros.rem_euclid(1_000_000) * 1000) as u32;
    iso_from_parts(secs, nanos, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: &str) -> Field {
        Field::from_json(&json!({"name": "x", "type": kind}))
    }

    #[test]
    fn scalars() {
        assert_eq!(decode(&field("INTEGER"), &json!("-7")), Cell::Int(-7));
        assert_eq!(decode(&field("NUMERIC"), &json!("1.50")), Cell::Float(1.5));
        assert_eq!(
            decode(&field("BIGNUMERIC"), &json!("0.1000000000000000055511")),
            Cell::Float(0.1)
        );
        assert!(matches!(decode(&field("FLOAT"), &json!("NaN")), Cell::Float(f) if f.is_nan()));
        assert_eq!(
            decode(&field("TIMESTAMP"), &json!("-1")),
            Cell::Text("1969-12-31T23:59:59.999999+00:00".into())
        );
        assert_eq!(
            decode(&field("TIMESTAMP"), &json!("1.709212455E9")),
            Cell::Text("2024-02-29T13:14:15+00:00".into())
        );
        assert_eq!(
            decode(&field("DATETIME"), &json!("2024-02-29T13:14:15.250")),
            Cell::Text("2024-02-29T13:14:15.250000".into())
        );
        assert_eq!(decode(&field("STRING"), &Value::Null), Cell::Null);
    }
}
