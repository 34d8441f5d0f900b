//! Who `visivo serve` answers, and what browsers may do with the answers.
//!
//! * **Host check (DNS rebinding):** a web page can point a name it controls at 127.0.0.1 and
//!   then read this server as its own origin. Browsers send that name in `Host`, so only
//!   loopback names and addresses (`localhost`, `127.0.0.1`, `[::1]`, any port), the address
//!   serve listens on (`--host`) and names allowed with `--allowed-host` are answered; any other
//!   `Host` (or none) gets `403`.
//! * **Headers on every answer:** `X-Content-Type-Options: nosniff`, `Referrer-Policy:
//!   no-referrer`, `Cross-Origin-Resource-Policy: same-origin` (other sites cannot embed the
//!   data), and the viewer's Content-Security-Policy (the `<meta>` of `index.html`, see
//!   [`assets::content_security_policy`]) plus `frame-ancestors 'none'` (no framing; `<meta>`
//!   cannot say that, so static `dist` sites need their host's header for it).

use crate::assets;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

/// The names the server answers to besides loopback ones.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    names: Vec<String>,
}

impl AllowedHosts {
    /// `bind`: the address serve listens on; `extra`: names given with `--allowed-host`.
    pub fn new(bind: &str, extra: &[String]) -> Self {
        let names = std::iter::once(bind)
            .chain(extra.iter().map(String::as_str))
            .map(host_name)
            .filter(|n| !n.is_empty())
            .collect();
        AllowedHosts { names }
    }

    /// Whether a request with this `Host` header value is answered.
    pub fn allows(&self, host: &str) -> bool {
        let name = host_name(host);
        is_loopback_name(&name) || self.names.contains(&name)
    }
}

/// `Example.COM.:8000` → `example.com`, `[::1]:80` → `::1`; a bare IPv6 address stays whole.
fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None if host.matches(':').count() == 1 => host.split(':').next().unwrap_or(""),
        None => host,
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn is_loopback_name(name: &str) -> bool {
    name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `host` (a name or address, with or without brackets and port) is this machine only.
pub fn is_loopback(host: &str) -> bool {
    is_loopback_name(&host_name(host))
}

/// The middleware: refuses foreign hosts, adds the security headers to every answer.
pub async fn guard(
    State(hosts): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = match refused_host(&hosts, &request) {
        None => next.run(request).await,
        Some(host) => forbidden(&host),
    };
    add_security_headers(response.headers_mut());
    response
}

/// The `Host` (or absolute-URL authority) that is not allowed; `""` when there is none.
fn refused_host(hosts: &AllowedHosts, request: &Request) -> Option<String> {
    let header = request
        .headers()
        .get(header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let authority = request.uri().authority().map(|a| a.as_str().to_string());
    if header.is_none() && authority.is_none() {
        return Some(String::new());
    }
    header
        .into_iter()
        .chain(authority)
        .find(|host| !hosts.allows(host))
}

fn forbidden(host: &str) -> Response {
    let message = if host.is_empty() {
        "This server answers only requests with a Host header.\n".to_string()
    } else {
        let name: String = host_name(host).chars().take(200).collect();
        format!(
            "This server answers only requests for localhost, 127.0.0.1, [::1] and the --host it listens on, not for {name:?}.\nIf you reach it by that name, start it with `visivo serve --allowed-host {name}`.\n"
        )
    };
    (
        StatusCode::FORBIDDEN,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        message,
    )
        .into_response()
}

fn add_security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CONTENT_SECURITY_POLICY, csp_header().clone());
}

/// The viewer's policy, and no framing by any page.
fn csp_header() -> &'static HeaderValue {
    static VALUE: OnceLock<HeaderValue> = OnceLock::new();
    VALUE.get_or_init(|| {
        let policy = format!(
            "{}; frame-ancestors 'none'",
            assets::content_security_policy().trim_end_matches([';', ' '])
        );
        HeaderValue::from_str(&policy).unwrap_or_else(|_| {
            HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "127.0.0.1",
            "localhost",
            "::1",
            "[::1]",
            "127.1.2.3",
            "LOCALHOST:8000",
            "[::1]:80",
            "localhost.",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "0.0.0.0",
            "::",
            "192.0.2.1",
            "example.com",
            "localhost.example.com",
            "127.0.0.1.nip.io",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn allowed_hosts() {
        let hosts = AllowedHosts::new("192.0.2.7", &["Dash.Example.com".to_string()]);
        for ok in [
            "127.0.0.1:8000",
            "localhost",
            "[::1]:1",
            "192.0.2.7:8000",
            "dash.example.com",
            "DASH.example.com.:80",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "192.0.2.8:8000",
            "example.com",
            "dash.example.com.evil",
        ] {
            assert!(!hosts.allows(bad), "{bad}");
        }
        let v6 = AllowedHosts::new("[2001:db8::1]", &[]);
        assert!(v6.allows("[2001:db8::1]:8000"));
        assert!(AllowedHosts::new("2001:db8::1", &[]).allows("[2001:db8::1]:8000"));
    }

    #[test]
    fn the_policy_forbids_inline_scripts_and_framing() {
        let policy = csp_header().to_str().unwrap();
        assert!(policy.contains("script-src 'self'"), "{policy}");
        assert!(!script_src(policy).contains("unsafe-inline"), "{policy}");
        assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
    }

    fn script_src(policy: &str) -> &str {
        policy
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap_or("")
    }
}
