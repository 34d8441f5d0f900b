//! The HTTP server of `visivo serve`.
//!
//! | request | answer |
//! |---|---|
//! | `GET /data/project.json` | the wrapper of [`crate::project`], built from `<output>/project.json` |
//! | `GET /data/inputs.json` | every input's options (`<output>/inputs.json`, written by the run) |
//! | `GET /data/<trace>/data.json`, `/data/<trace>/error.json`, `/data/<trace>/states.json` | that file of a trace shown on the dashboards; a missing `error.json` or `states.json` is `204` (the viewer treats it like "no error" and "no inputs"); nothing else of the output directory is reachable |
//! | `GET /api/events` | server-sent events: `{"type":"reload","traces":[..]}`, `{"type":"error","message":".."}`, `{"type":"ok"}` |
//! | `GET /assets/<file>` | the viewer's files (gzip when accepted, ETag) |
//! | any other `GET` | `index.html` with `<base href="/">` (single-page app fallback) |
//!
//! Only for allowed `Host`s, with security headers: see [`guard`]. Connections: [`crate::listen`].

use crate::guard::{self, AllowedHosts};
use crate::{assets, project};
use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::broadcast;
use tower_http::compression::CompressionLayer;
use visivo_project::layout::{unusable_name, OutputLayout, TraceFile, INPUTS_JSON};

/// The state of a running server: where the outputs are, and the live-reload channel.
pub struct Live {
    layout: OutputLayout,
    dashboard: Option<String>,
    events: broadcast::Sender<Arc<str>>,
    /// The current problem (shown to browsers that connect while it lasts).
    error: Mutex<Option<String>>,
    cache: Mutex<Option<Arc<Compiled>>>,
}

/// `project.json` as last read: keyed by modification time and size.
struct Compiled {
    key: (SystemTime, u64),
    project: Value,
    traces: BTreeSet<String>,
}

impl Live {
    /// Serves the output folder of `layout`; with `dashboard`, `data/project.json` shows only
    /// that dashboard (when it exists).
    pub fn new(layout: OutputLayout, dashboard: Option<String>) -> Arc<Live> {
        Arc::new(Live {
            layout,
            dashboard,
            events: broadcast::channel(64).0,
            error: Mutex::new(None),
            cache: Mutex::new(None),
        })
    }

    /// The outputs changed: `traces` have new data (or a new error); `None` means all.
    pub fn reload(&self, traces: Option<&[String]>) {
        let message = match traces {
            Some(traces) => json!({"type": "reload", "traces": traces}),
            None => json!({"type": "reload"}),
        };
        self.send(message);
    }

    /// The project can't be compiled: browsers show `message` over the last good dashboards.
    pub fn error(&self, message: &str) {
        *self.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(message.to_string());
        self.send(json!({"type": "error", "message": message}));
    }

    /// The project compiles again: browsers hide the error.
    pub fn ok(&self) {
        *self.error.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.send(json!({"type": "ok"}));
    }

    fn send(&self, message: Value) {
        // No receiver (no browser connected) is fine.
        let _ = self.events.send(Arc::from(message.to_string()));
    }

    fn status(&self) -> String {
        match &*self.error.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(message) => json!({"type": "error", "message": message}).to_string(),
            None => json!({"type": "ok"}).to_string(),
        }
    }

    /// The axum application, answering requests for `hosts` (see [`guard`]).
    pub fn router(self: &Arc<Self>, hosts: AllowedHosts) -> Router {
        assets::warm_up();
        Router::new()
            .route("/data/{*path}", get(data))
            .route("/api/events", get(events))
            .route("/assets/{*path}", get(asset))
            .fallback(fallback)
            .layer(CompressionLayer::new())
            .layer(middleware::from_fn_with_state(
                Arc::new(hosts),
                guard::guard,
            ))
            .with_state(self.clone())
    }

    /// The compiled project.json (reduced for the viewer), re-read when the file changed.
    fn compiled(&self) -> std::io::Result<Arc<Compiled>> {
        let path = self.layout.project_json();
        let meta = std::fs::metadata(&path)?;
        let key = (
            meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            meta.len(),
        );
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.as_ref().filter(|c| c.key == key) {
            return Ok(c.clone());
        }
        let text = std::fs::read(&path)?;
        let raw: Value = serde_json::from_slice(&text).map_err(std::io::Error::other)?;
        let project = project::viewer_project(&raw, None);
        let traces = project::trace_names(&project);
        let compiled = Arc::new(Compiled {
            key,
            project,
            traces,
        });
        *cache = Some(compiled.clone());
        Ok(compiled)
    }
}

const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

fn json_response(body: impl Into<Body>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        body.into(),
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, NO_CACHE)],
        "Not found\n",
    )
        .into_response()
}

async fn data(State(live): State<Arc<Live>>, UrlPath(path): UrlPath<String>) -> Response {
    let live2 = live.clone();
    tokio::task::spawn_blocking(move || data_blocking(&live2, &path))
        .await
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn data_blocking(live: &Live, path: &str) -> Response {
    if path == visivo_project::layout::PROJECT_JSON {
        return match live.compiled() {
            Ok(c) => {
                let project = match &live.dashboard {
                    Some(d) => project::viewer_project(&c.project, Some(d)),
                    None => c.project.clone(),
                };
                json_response(project::wrapper(project, c.key.0).to_string())
            }
            Err(_) => not_found(),
        };
    }
    if path == INPUTS_JSON {
        return match std::fs::read(live.layout.inputs_json()) {
            Ok(bytes) => json_response(bytes),
            Err(_) => not_found(),
        };
    }
    let Some((trace, file)) = path.rsplit_once('/') else {
        return not_found();
    };
    let file = match TraceFile::from_name(file) {
        Some(file @ (TraceFile::Data | TraceFile::Error | TraceFile::States))
            if unusable_name(trace).is_none() =>
        {
            file
        }
        _ => return not_found(),
    };
    let known = live
        .compiled()
        .map(|c| c.traces.contains(trace))
        .unwrap_or(false);
    if !known {
        return not_found();
    }
    match std::fs::read(live.layout.trace_file(trace, file)) {
        Ok(bytes) => json_response(bytes),
        // "No error" and "no inputs" without a 404 in the browser's console.
        Err(_) if matches!(file, TraceFile::Error | TraceFile::States) => {
            (StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, NO_CACHE)]).into_response()
        }
        Err(_) => not_found(),
    }
}

/// An asset path that stays inside the assets: no empty, `.` or `..` segments, no backslashes or
/// NULs, not absolute. (Trace names follow the output folder's rule, [`unusable_name`].)
fn safe_asset_path(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['\\', '\0'])
        && name
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

async fn events(
    State(live): State<Arc<Live>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribe before reading the status, so nothing sent in between is lost.
    let receiver = live.events.subscribe();
    let first = stream::once(std::future::ready(Ok(Event::default().data(live.status()))));
    let rest = stream::unfold(receiver, |mut receiver| async move {
        let message: Arc<str> = match receiver.recv().await {
            Ok(message) => message,
            // Missed some: refetch everything.
            Err(broadcast::error::RecvError::Lagged(_)) => Arc::from(r#"{"type":"reload"}"#),
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(Event::default().data(&*message)), receiver))
    });
    Sse::new(first.chain(rest)).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("ping"),
    )
}

async fn asset(UrlPath(path): UrlPath<String>, headers: HeaderMap) -> Response {
    if !safe_asset_path(&path) {
        return not_found();
    }
    let path = format!("assets/{path}");
    let Some(asset) = assets::get(&path) else {
        return not_found();
    };
    let etag = format!("\"{}\"", &asset.hash[..32]);
    let mut response_headers = HeaderMap::new();
    response_headers.insert(header::CACHE_CONTROL, NO_CACHE);
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(assets::content_type(&path)),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, v);
    }
    let matches_etag = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches_etag {
        return (StatusCode::NOT_MODIFIED, response_headers).into_response();
    }
    let big = assets::compressible(&path) && asset.data.len() >= assets::GZIP_MIN_BYTES;
    if big {
        response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if accepts_gzip(&headers) {
            let gz = tokio::task::spawn_blocking(move || assets::gzipped(&asset)).await;
            if let Ok(gz) = gz {
                response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                return (response_headers, Body::from(gz.as_ref().clone())).into_response();
            }
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    let body = match asset.data {
        std::borrow::Cow::Borrowed(b) => Body::from(b),
        std::borrow::Cow::Owned(v) => Body::from(v),
    };
    (response_headers, body).into_response()
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.trim().split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// File types that are never dashboard names: a missing one is a 404, not the app.
const ASSET_EXTENSIONS: [&str; 10] = [
    "js",
    "mjs",
    "css",
    "map",
    "ico",
    "png",
    "svg",
    "json",
    "webmanifest",
    "txt",
];

async fn fallback(method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let path = uri.path();
    let reserved = ["/data/", "/api/", "/assets/"]
        .iter()
        .any(|p| path.starts_with(p));
    let last = path.rsplit('/').next().unwrap_or("");
    let asset_like = last
        .rsplit_once('.')
        .is_some_and(|(_, ext)| ASSET_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()));
    if reserved || asset_like {
        return not_found();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        assets::index_html(Some("/")),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_asset_paths() {
        for ok in ["a", "app.js", "fonts/a b.woff2", "x..y", ".hidden"] {
            assert!(safe_asset_path(ok), "{ok}");
        }
        for bad in [
            "", "..", "../x", "a/../b", "a//b", "/abs", "a/", "./a", "a\\b", "a\0",
        ] {
            assert!(!safe_asset_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn serves_inputs_and_the_states_of_shown_traces_only() {
        let out = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = out.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "project.json",
            r#"{"dashboards":[{"name":"D","rows":[{"items":[{"chart":{"name":"c","traces":[{"name":"t"},{"name":"plain"}]}}]}]}]}"#,
        );
        for trace in ["t", "plain", "hidden"] {
            write(&format!("{trace}/data.json"), "{}");
        }
        write("t/states.json", r#"{"inputs":["i"],"states":[]}"#);
        write("hidden/states.json", r#"{"inputs":["i"],"states":[]}"#);
        write("inputs.json", r#"{"i":{"options":[1]}}"#);
        let live = Live::new(OutputLayout::new(out.path()), None);
        let status = |path: &str| data_blocking(&live, path).status();
        assert_eq!(status("inputs.json"), StatusCode::OK);
        assert_eq!(status("t/states.json"), StatusCode::OK);
        // A trace without inputs: "no states", like "no error".
        assert_eq!(status("plain/states.json"), StatusCode::NO_CONTENT);
        // Not on a dashboard, not a trace file, not a trace name.
        assert_eq!(status("hidden/states.json"), StatusCode::NOT_FOUND);
        assert_eq!(status("t/query.sql"), StatusCode::NOT_FOUND);
        assert_eq!(status("../t/states.json"), StatusCode::NOT_FOUND);
    }

    #[test]
    fn gzip_negotiation() {
        let mut h = HeaderMap::new();
        assert!(!accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br"),
        );
        assert!(accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip;q=0"),
        );
        assert!(!accepts_gzip(&h));
    }
}
