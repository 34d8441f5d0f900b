//! What the engines behind HTTP APIs (Snowflake, BigQuery, ClickHouse) share: the HTTP client, the
//! remote-job runner that stops a statement on its service when time runs out or the run is
//! cancelled, retry and URL helpers.

use super::batches::{until_interrupted, Stop};
use super::error::with_causes;
use super::SourceError;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How a remote job of source `source_name` runs: once `permits` allow, within `limit` if there is
/// one, until the run is cancelled (`run`).
pub(crate) struct RemoteJob<'a> {
    pub(crate) source_name: &'a str,
    pub(crate) permits: &'a Semaphore,
    pub(crate) limit: Option<Duration>,
    pub(crate) run: &'a crate::cancel::Cancel,
}

/// Runs `work` as `job` says. When time runs out or the run is cancelled, `cancel` gets what
/// `work` left in `slot` (the remote statement or job to stop, once the service named it) and the
/// query fails saying why.
pub(crate) async fn run_remote_job<H, C>(
    job: RemoteJob<'_>,
    work: impl Future<Output = Result<(), Stop>>,
    slot: &Mutex<Option<H>>,
    cancel: impl FnOnce(H) -> C,
) -> Result<(), Stop>
where
    C: Future<Output = ()>,
{
    let _permit = job.permits.acquire().await.map_err(|_| {
        Stop::Error(SourceError::Internal(
            "the source's permits are closed".into(),
        ))
    })?;
    match until_interrupted(work, job.limit, job.run).await {
        Ok(result) => result,
        Err(interruption) => {
            let handle = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(handle) = handle {
                cancel(handle).await;
            }
            Err(Stop::Error(interruption.into_error(job.source_name)))
        }
    }
}

pub(crate) const USER_AGENT: &str = concat!("visivo/", env!("CARGO_PKG_VERSION"));

/// An HTTPS client (rustls with ring, the system's root certificates).
pub(crate) fn http_client(connect_timeout: Duration) -> Result<reqwest::Client, String> {
    // reqwest is built without a default crypto provider; ring is the one the whole build uses.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        // Snowflake holds a synchronous statement up to 45 s before answering 202.
        .read_timeout(Duration::from_secs(120))
        .gzip(true)
        .build()
        .map_err(|e| format!("cannot set up the HTTPS client: {}", request_error(&e)))
}

/// A reqwest error with its causes (`error sending request …: connection refused`).
pub(crate) fn request_error(error: &reqwest::Error) -> String {
    let text = if error.is_timeout() {
        format!("{error} (timed out)")
    } else {
        error.to_string()
    };
    with_causes(text, std::error::Error::source(error))
}

pub(crate) fn retryable(status: reqwest::StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A random version-4 UUID (Snowflake's `requestId`, ClickHouse's `query_id`).
pub(crate) fn random_uuid() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
