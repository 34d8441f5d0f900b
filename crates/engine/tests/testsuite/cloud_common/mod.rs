//! Shared by the Snowflake and BigQuery tests: a test RSA key, JWT checks, a local HTTP server,
//! sources from JSON, and a sink that records batches.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::Value;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use visivo_engine::source::{connect, ConnectContext, Connector, RowSink, SinkError};
use visivo_engine::value::Cell;

pub struct TestKey {
    /// PKCS#8 PEM of the private key (what Snowflake's `rsa_key.p8` and a Google key file hold).
    pub private_pem: String,
    /// DER RSAPublicKey (PKCS#1), for verifying signatures with ring.
    pub public_pkcs1: Vec<u8>,
    /// DER SubjectPublicKeyInfo, what Snowflake fingerprints.
    pub public_spki: Vec<u8>,
}

struct RingRng(ring::rand::SystemRandom);

impl rsa::rand_core::TryRng for RingRng {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        use ring::rand::SecureRandom;
        self.0.fill(dst).expect("the system RNG works");
        Ok(())
    }
}

impl rsa::rand_core::TryCryptoRng for RingRng {}

/// A 2048-bit RSA key made once per test binary (nothing is committed).
pub fn test_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::pkcs1::EncodeRsaPublicKey;
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let key = rsa::PrivateKey::new(&mut RingRng(ring::rand::SystemRandom::new()), 2048)
            .expect("RSA key generation");
        let public = key.to_public_key();
        TestKey {
            private_pem: key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            public_pkcs1: public.to_pkcs1_der().unwrap().as_bytes().to_vec(),
            public_spki: public.to_public_key_der().unwrap().as_bytes().to_vec(),
        }
    })
}

/// `SHA256:<base64>` of the test key's public DER, computed independently of the engine.
pub fn fingerprint() -> String {
    use sha2::Digest;
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(&test_key().public_spki))
    )
}

/// Checks an RS256 JWT against the test key; returns (header, claims).
pub fn verify_jwt(token: &str) -> Result<(Value, Value), String> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err("not a JWT".into());
    }
    let decode = |part: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|e| e.to_string())
    };
    let signature = decode(parts[2])?;
    ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        &test_key().public_pkcs1,
    )
    .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
    .map_err(|_| "bad signature".to_string())?;
    let header: Value = serde_json::from_slice(&decode(parts[0])?).map_err(|e| e.to_string())?;
    let claims: Value = serde_json::from_slice(&decode(parts[1])?).map_err(|e| e.to_string())?;
    if header["alg"] != "RS256" || header["typ"] != "JWT" {
        return Err(format!("unexpected header {header}"));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let iat = claims["iat"].as_i64().ok_or("no iat")?;
    let exp = claims["exp"].as_i64().ok_or("no exp")?;
    if (iat - now).abs() > 60 || exp <= now || exp - iat > 3600 {
        return Err(format!("bad times iat={iat} exp={exp} now={now}"));
    }
    Ok((header, claims))
}

/// One request as the test server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Seen {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn query_param(&self, key: &str) -> Option<String> {
        self.uri.query()?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k) == key).then(|| percent_decode(v))
        })
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// Serves `handler` on 127.0.0.1 (any free port) for the rest of the test; returns the base URL
/// and the log of requests.
pub async fn serve<F, Fut>(handler: F) -> (String, Arc<Mutex<Vec<Seen>>>)
where
    F: Fn(Seen) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen_log = log.clone();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let handler = handler.clone();
            let log = seen_log.clone();
            async move {
                let seen = Seen {
                    method,
                    uri,
                    headers,
                    body,
                };
                log.lock().unwrap().push(seen.clone());
                handler(seen).await
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{address}"), log)
}

pub fn json_response(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub fn gzip_json_response(status: u16, body: Value) -> Response {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body.to_string().as_bytes()).unwrap();
    (
        StatusCode::from_u16(status).unwrap(),
        [
            ("content-type", "application/json"),
            ("content-encoding", "gzip"),
        ],
        encoder.finish().unwrap(),
    )
        .into_response()
}

pub fn source(json: Value) -> visivo_project::Source {
    serde_json::from_value(json).expect("a valid source")
}

/// `fields` with `extra`'s fields set over them, as a source.
pub fn source_with(mut fields: Value, extra: Value) -> visivo_project::Source {
    for (key, value) in extra.as_object().expect("extra fields are an object") {
        fields[key] = value.clone();
    }
    source(fields)
}

pub fn connector(
    source: &visivo_project::Source,
    dir: &Path,
) -> Result<Arc<dyn Connector>, String> {
    connect(
        source,
        &ConnectContext {
            project_dir: dir,
            threads: 2,
            cancel: Default::default(),
        },
    )
    .map_err(|e| e.to_string())
}

/// The error of `select * from orders` on a new connector for `source`.
pub async fn orders_query_error(source: &visivo_project::Source, dir: &Path) -> String {
    connector(source, dir)
        .unwrap()
        .query("select * from orders")
        .await
        .unwrap_err()
        .to_string()
}

/// Records what a stream delivers, batch by batch.
#[derive(Default, Clone)]
pub struct Recorder {
    pub columns: Arc<Mutex<Vec<String>>>,
    pub batches: Arc<Mutex<Vec<Vec<Vec<Cell>>>>>,
    pub finished: Arc<Mutex<bool>>,
}

impl RowSink for Recorder {
    fn columns(&mut self, columns: &[String]) -> Result<(), SinkError> {
        *self.columns.lock().unwrap() = columns.to_vec();
        Ok(())
    }
    fn rows(&mut self, rows: Vec<Vec<Cell>>) -> Result<(), SinkError> {
        self.batches.lock().unwrap().push(rows);
        Ok(())
    }
    fn finish(&mut self) -> Result<(), SinkError> {
        *self.finished.lock().unwrap() = true;
        Ok(())
    }
}

impl Recorder {
    /// Streams `sql` from `connector` into a new recorder, which must see the stream finish.
    pub async fn stream(connector: &Arc<dyn Connector>, sql: &str) -> Recorder {
        let recorder = Recorder::default();
        connector
            .stream(sql, Box::new(recorder.clone()))
            .await
            .unwrap();
        assert!(*recorder.finished.lock().unwrap());
        recorder
    }

    pub fn batch_sizes(&self) -> Vec<usize> {
        self.batches.lock().unwrap().iter().map(Vec::len).collect()
    }
}

pub fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}
