//! `visivo serve` end to end: the real binary on a copy of examples/quickstart, on a free
//! loopback port, talked to over plain HTTP (a tiny client below, no dependencies).

mod common;
use common::quickstart_copy;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);

/// A running `visivo serve`; killed when dropped.
struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_visivo"))
            .args(["serve", "-p", "0"])
            .current_dir(dir)
            .env("CI", "true")
            .env("HOME", dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start visivo serve");
        let log = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = channel();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(rest) = line.strip_prefix("Serving project at http://127.0.0.1:") {
                        let _ = port_tx.send(rest.trim().parse::<u16>().unwrap());
                    }
                    log.lock().unwrap().push_str(&format!("{line}\n"));
                }
            });
        }
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    log.lock().unwrap().push_str(&format!("[stderr] {line}\n"));
                }
            });
        }
        let port = match port_rx.recv_timeout(WAIT) {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                panic!("serve did not start:\n{}", log.lock().unwrap());
            }
        };
        Server { child, port, log }
    }

    fn get(&self, path: &str) -> Response {
        get(self.port, path)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Response {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// GET with `Connection: close`; the path is sent exactly as given (no normalisation).
fn get(port: u16, path: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&mut &body[..]);
    }
    Response {
        status,
        headers: head,
        body,
    }
}

fn dechunk(reader: &mut impl BufRead) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut size = String::new();
        if reader.read_line(&mut size).unwrap_or(0) == 0 {
            return out;
        }
        let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16).unwrap_or(0);
        if n == 0 {
            return out;
        }
        let mut chunk = vec![0; n + 2];
        if reader.read_exact(&mut chunk).is_err() {
            return out;
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

/// The `data:` payloads of `GET /api/events`, as they arrive.
fn subscribe(port: u16) -> Receiver<Value> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: text/event-stream"),
            "{head}"
        );
        let chunked = head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked");
        let mut pending = String::new();
        loop {
            // One chunk (or, unchunked, one line) at a time.
            let piece = if chunked {
                let mut size = String::new();
                if reader.read_line(&mut size).unwrap_or(0) == 0 {
                    return;
                }
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                if n == 0 {
                    return;
                }
                let mut chunk = vec![0; n + 2];
                if reader.read_exact(&mut chunk).is_err() {
                    return;
                }
                String::from_utf8_lossy(&chunk[..n]).into_owned()
            } else {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                line
            };
            pending.push_str(&piece);
            while let Some(end) = pending.find('\n') {
                let line: String = pending.drain(..=end).collect();
                if let Some(data) = line.trim_end().strip_prefix("data: ") {
                    if tx
                        .send(serde_json::from_str(data).expect("SSE data is JSON"))
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    });
    rx
}

/// The next event whose type is `kind` (others are skipped), within `WAIT`.
fn next_event(events: &Receiver<Value>, kind: &str, server: &Server) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(event) if event["type"] == kind => return event,
            Ok(_) => continue,
            Err(_) => panic!(
                "no {kind} event within {WAIT:?}; server log:\n{}",
                server.log()
            ),
        }
    }
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{from} not in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn serves_the_quickstart_and_reloads_on_save() {
    let dir = quickstart_copy();
    let yaml: PathBuf = dir.path().join("project.visivo.yml");
    let mut server = Server::start(dir.path());

    // project.json: the wrapper, and nothing the viewer doesn't need.
    let project = server.get("/data/project.json");
    assert_eq!(project.status, 200, "{}", project.text());
    assert_eq!(project.header("cache-control").as_deref(), Some("no-cache"));
    let wrapper = project.json();
    assert!(
        wrapper["created_at"]
            .as_str()
            .is_some_and(|t| t.len() >= 19),
        "{wrapper}"
    );
    assert_eq!(
        wrapper["project_json"]["dashboards"][0]["name"],
        "Sales overview"
    );
    assert!(
        !project.text().contains("select * from orders"),
        "{}",
        project.text()
    );
    assert!(!project.text().contains("shop.db"), "{}", project.text());

    // A trace's data.
    let data = server.get("/data/revenue_by_region/data.json");
    assert_eq!(data.status, 200);
    assert_eq!(
        data.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(data.header("cache-control").as_deref(), Some("no-cache"));
    let before = data.json();
    assert!(
        before.as_object().is_some_and(|m| !m.is_empty()),
        "{before}"
    );
    // No error: an empty answer rather than a 404.
    assert_eq!(server.get("/data/revenue_by_region/error.json").status, 204);

    // Nothing else of the output directory, and no way out of it.
    for path in [
        "/data/revenue_by_region/query.sql",
        "/data/orders.sqlite",
        "/data/.visivo-state.json",
        "/data/no_such_trace/data.json",
        "/data/../project.visivo.yml",
        "/data/%2e%2e/project.visivo.yml",
        "/data/revenue_by_region/../../project.visivo.yml",
        "/data/revenue_by_region/%2e%2e/%2e%2e/project.visivo.yml",
        "/data/%2Fetc%2Fpasswd/data.json",
        "/assets/../project.visivo.yml",
        "/assets/missing.js",
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        assert!(!r.text().contains("shop_db"), "{path}");
    }

    // The app, also on deep links, with its base.
    for path in [
        "/",
        "/Sales%20overview?Region=north",
        "/Sales%20overview/extra",
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.text().contains("<base href=\"/\" />"),
            "{path}: {}",
            r.text()
        );
    }
    assert_eq!(server.get("/assets/app.js").status, 200);

    // Live reload: a changed trace is re-run and announced.
    let events = subscribe(server.port);
    assert_eq!(next_event(&events, "ok", &server)["type"], "ok");
    edit(&yaml, "y: query(sum(amount))", "y: query(sum(amount) * 2)");
    let reload = next_event(&events, "reload", &server);
    assert_eq!(
        reload["traces"],
        serde_json::json!(["revenue_by_region"]),
        "{}",
        server.log()
    );
    next_event(&events, "ok", &server);
    let after = server.get("/data/revenue_by_region/data.json").json();
    let y = |v: &Value| v["north"]["props.y"][0].as_f64().unwrap();
    assert!(
        (y(&after) - 2.0 * y(&before)).abs() < 1e-6,
        "{before} → {after}"
    );

    // A broken edit: an error with file and line; the last outputs are still served.
    edit(&yaml, "\ntraces:\n", "\ntraxes:\n");
    let error = next_event(&events, "error", &server);
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("project.visivo.yml:"), "{message}");
    assert!(message.contains("traxes"), "{message}");
    assert_eq!(server.get("/data/project.json").status, 200);
    assert_eq!(
        server.get("/data/revenue_by_region/data.json").json(),
        after
    );
    // A browser that connects now learns about the problem at once.
    let late = subscribe(server.port);
    assert_eq!(
        next_event(&late, "error", &server)["message"],
        error["message"]
    );

    // Fixed: ok again.
    edit(&yaml, "\ntraxes:\n", "\ntraces:\n");
    next_event(&events, "reload", &server);
    next_event(&events, "ok", &server);

    // A failing query: announced like any change; its error.json tells why.
    edit(&yaml, "y: query(revenue)", "y: query(no_such_column)");
    let reload = next_event(&events, "reload", &server);
    assert_eq!(reload["traces"], serde_json::json!(["revenue_line"]));
    let failed = server.get("/data/revenue_line/error.json");
    assert_eq!(failed.status, 200);
    assert!(
        failed.json()["message"]
            .as_str()
            .unwrap()
            .contains("no_such_column"),
        "{}",
        failed.text()
    );

    assert!(server.alive(), "{}", server.log());
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_failing_trace_or_a_broken_project_does_not_stop_the_server() {
    let dir = quickstart_copy();
    let yaml = dir.path().join("project.visivo.yml");
    edit(&yaml, "y: query(revenue)", "y: query(no_such_column)");
    let server = Server::start(dir.path());
    assert!(server.log().contains("serving anyway"), "{}", server.log());
    assert_eq!(server.get("/data/revenue_line/error.json").status, 200);
    assert_eq!(server.get("/data/revenue_by_region/data.json").status, 200);
    drop(server);

    // Broken from the start: the previous outputs are served, with the error.
    edit(&yaml, "\ncharts:\n", "\nchartz:\n");
    let server = Server::start(dir.path());
    assert_eq!(server.get("/data/project.json").status, 200);
    let events = subscribe(server.port);
    let error = next_event(&events, "error", &server);
    assert!(
        error["message"].as_str().unwrap().contains("chartz"),
        "{error}"
    );
    let mut server = server;
    assert!(server.alive());
}
