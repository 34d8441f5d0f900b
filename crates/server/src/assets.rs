//! The built viewer (`viewer/dist`, committed, so building needs no Node). Release builds embed
//! the files; debug builds read them from the repository at run time.

use rust_embed::RustEmbed;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(RustEmbed)]
#[folder = "../../viewer/dist/"]
struct Viewer;

/// Files at least this big get a gzip copy (dist) or are sent gzipped (serve).
pub const GZIP_MIN_BYTES: usize = 8 * 1024;

/// One file of the viewer.
pub struct Asset {
    /// The file's bytes, as built.
    pub data: Cow<'static, [u8]>,
    /// Hex SHA-256 of `data`, for ETags and caches.
    pub hash: String,
}

/// A viewer file by its path below `viewer/dist` (`index.html`, `assets/app.js`).
pub fn get(path: &str) -> Option<Asset> {
    if path.ends_with(".map") {
        return None;
    }
    Viewer::get(path).map(|file| Asset {
        hash: hex(&file.metadata.sha256_hash()),
        data: file.data,
    })
}

/// Every file of the viewer, sorted (source maps are never shipped).
pub fn paths() -> Vec<String> {
    let mut paths: Vec<String> = Viewer::iter()
        .map(|p| p.into_owned())
        .filter(|p| !p.ends_with(".map"))
        .collect();
    paths.sort();
    paths
}

/// `index.html`, with `<base href="...">` inserted first in `<head>` when `base` is given, so
/// relative asset and data URLs resolve from the viewer's root even on deep links.
pub fn index_html(base: Option<&str>) -> String {
    let html = get("index.html")
        .map(|a| String::from_utf8_lossy(&a.data).into_owned())
        .unwrap_or_else(|| {
            "<!doctype html><title>Visivo</title><p>The viewer was not built.</p>".into()
        });
    match base {
        None => html,
        Some(base) => {
            let tag = format!("<base href=\"{}\" />", escape_attr(base));
            match html.find("<head>") {
                Some(i) => {
                    let at = i + "<head>".len();
                    format!("{}\n    {tag}{}", &html[..at], &html[at..])
                }
                None => format!("{tag}\n{html}"),
            }
        }
    }
}

/// The Content-Security-Policy of the viewer: the `content` of the `<meta
/// http-equiv="Content-Security-Policy">` in `index.html` (so `dist` sites carry it too);
/// `default-src 'self'` when there is none.
pub fn content_security_policy() -> String {
    let html = index_html(None);
    let policy = html
        .split("<meta ")
        .find(|tag| tag.contains(r#"http-equiv="Content-Security-Policy""#))
        .and_then(|tag| tag.split(r#"content=""#).nth(1))
        .and_then(|rest| rest.split('"').next());
    policy
        .map(|p| p.replace("&#39;", "'").replace("&quot;", "\""))
        .unwrap_or_else(|| "default-src 'self'".to_string())
}

fn escape_attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

pub(crate) fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Text formats that shrink with gzip.
pub fn compressible(path: &str) -> bool {
    matches!(
        path.rsplit('.').next().unwrap_or(""),
        "html" | "htm" | "js" | "mjs" | "css" | "json" | "svg" | "txt" | "webmanifest"
    )
}

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::best(),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

type GzCache = Mutex<HashMap<String, Arc<OnceLock<Arc<Vec<u8>>>>>>;

fn gz_cache() -> &'static GzCache {
    static CACHE: OnceLock<GzCache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The gzip form of an asset, compressed once per content and kept in memory.
pub fn gzipped(asset: &Asset) -> Arc<Vec<u8>> {
    let cell = {
        let mut cache = gz_cache().lock().unwrap_or_else(|e| e.into_inner());
        cache.entry(asset.hash.clone()).or_default().clone()
    };
    cell.get_or_init(|| Arc::new(gzip(&asset.data))).clone()
}

/// Compresses the big assets in the background, so the first page load doesn't wait for it.
pub fn warm_up() {
    let _ = std::thread::Builder::new()
        .name("visivo-gzip".into())
        .spawn(|| {
            for path in paths() {
                if let Some(asset) = get(&path) {
                    if compressible(&path) && asset.data.len() >= GZIP_MIN_BYTES {
                        gzipped(&asset);
                    }
                }
            }
        });
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_files_are_there() {
        let paths = paths();
        assert!(paths.contains(&"index.html".to_string()), "{paths:?}");
        assert!(paths.contains(&"assets/app.js".to_string()), "{paths:?}");
        assert!(paths.iter().all(|p| !p.ends_with(".map")));
    }

    #[test]
    fn base_goes_first_in_head() {
        let html = index_html(Some("/"));
        let base = html.find("<base href=\"/\" />").expect("base tag");
        let script = html.find("assets/app.js").expect("script");
        assert!(base < script);
        assert_eq!(html.matches("<base").count(), 1);
    }

    #[test]
    fn the_viewer_declares_its_policy() {
        let policy = content_security_policy();
        assert!(policy.starts_with("default-src 'self'; "), "{policy}");
        assert!(!policy.contains("frame-ancestors"), "{policy}");
    }

    #[test]
    fn gzip_round_trips() {
        let asset = get("assets/app.js").unwrap();
        let gz = gzipped(&asset);
        assert!(gz.len() < asset.data.len() / 2);
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out).unwrap();
        assert_eq!(out, asset.data.as_ref());
    }
}
