//! `visivo serve` under abuse: clients that hold connections open, pages of other sites reaching
//! it through DNS rebinding, and its own output landing in the project folder.

use crate::common::quickstart_copy;
use crate::common::serve::{
    edit, get, get_with_host, next_event, request, subscribe, Launch, Response, Server,
};
use serde_json::Value;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// A request cut off in the middle of its headers.
const HALF_REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

fn half_open(port: u16, count: usize) -> Vec<TcpStream> {
    (0..count)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            stream.write_all(HALF_REQUEST).unwrap();
            stream
        })
        .collect()
}

/// Whether the server closes `stream` within `within` (EOF or reset; answering first is fine).
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn half_open_requests_are_closed_after_the_header_timeout() {
    let dir = quickstart_copy();
    let server = Launch::new(dir.path())
        .args(&["--header-timeout", "1"])
        .start();
    let mut stalled = half_open(server.port, 20);
    assert_eq!(server.get("/").status, 200, "{}", server.log());
    for stream in &mut stalled {
        assert!(
            closed_within(stream, Duration::from_secs(20)),
            "a half-open request is still open"
        );
    }
    assert_eq!(server.get("/data/project.json").status, 200);
}

#[test]
fn three_hundred_half_open_requests_under_a_256_descriptor_limit() {
    let dir = quickstart_copy();
    let server = Launch::new(dir.path())
        .fd_limit(256)
        .args(&["--header-timeout", "1"])
        .start();
    let _stalled = half_open(server.port, 300);
    // Queued behind them, answered once the first ones time out (`get` waits up to 30 s).
    let started = Instant::now();
    let answer = server.get("/data/project.json");
    assert_eq!(answer.status, 200, "{}", server.log());
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_client_that_stops_reading_is_disconnected_after_the_idle_timeout() {
    let dir = quickstart_copy();
    let server = Launch::new(dir.path())
        .args(&["--idle-timeout", "1"])
        .start();
    let size = server.get("/assets/plotly.min.js").body.len();
    // Ten pipelined requests for 4.5 MB each, never read: far more than socket buffers hold.
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let one = format!(
        "GET /assets/plotly.min.js HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
        server.port
    );
    stream.write_all(one.repeat(10).as_bytes()).unwrap();
    std::thread::sleep(Duration::from_secs(5));
    let mut received = 0;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let closed = loop {
        match stream.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => received += n,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    assert!(closed, "the connection stayed open after {received} bytes");
    assert!(
        received < 10 * size,
        "{received} bytes: everything was sent"
    );
    assert_eq!(server.get("/").status, 200);
}

fn assert_secure_headers(response: &Response, what: &str) {
    assert_eq!(
        response.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}: {}",
        response.headers
    );
    assert_eq!(
        response.header("referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
    let csp = response
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP: {}", response.headers));
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("{what}: no script-src: {csp}"));
    assert!(
        script_src.contains("'self'") && !script_src.contains("'unsafe-inline'"),
        "{what}: {csp}"
    );
}

#[test]
fn only_loopback_and_allowed_host_names_are_answered() {
    let dir = quickstart_copy();
    let server = Launch::new(dir.path())
        .args(&["--allowed-host", "dash.example.org"])
        .start();
    let port = server.port;
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "LocalHost".to_string(),
        format!("[::1]:{port}"),
        "dash.example.org:8443".to_string(),
    ] {
        let answer = get_with_host(port, "/data/project.json", &host);
        assert_eq!(answer.status, 200, "{host}: {}", answer.text());
        assert_secure_headers(&answer, &host);
    }
    for host in [
        format!("attacker.example:{port}"),
        "127.0.0.1.attacker.example".to_string(),
        "localhost.attacker.example".to_string(),
        "192.0.2.1".to_string(),
    ] {
        for path in [
            "/data/project.json",
            "/",
            "/api/events",
            "/data/revenue_by_region/data.json",
        ] {
            let answer = get_with_host(port, path, &host);
            assert_eq!(answer.status, 403, "{host}{path}: {}", answer.text());
            assert!(!answer.text().contains("revenue"), "{host}{path}");
            assert_secure_headers(&answer, &host);
        }
    }
    let no_host = request(port, "GET /data/project.json HTTP/1.0\r\n\r\n");
    assert_eq!(no_host.status, 403, "{}", no_host.text());
    let index = server.get("/");
    assert_secure_headers(&index, "index.html");
    assert!(index
        .text()
        .contains(r#"http-equiv="Content-Security-Policy""#));
    let asset = get(port, "/assets/app.js");
    assert_secure_headers(&asset, "app.js");
}

#[test]
fn dist_pages_carry_a_content_security_policy() {
    let dir = quickstart_copy();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_visivo"))
        .arg("dist")
        .current_dir(dir.path())
        .env("CI", "true")
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for page in ["index.html", "404.html"] {
        let html = std::fs::read_to_string(dir.path().join("dist").join(page)).unwrap();
        let meta = html
            .split("<meta ")
            .find(|t| t.contains(r#"http-equiv="Content-Security-Policy""#))
            .unwrap_or_else(|| panic!("{page}: no CSP meta"));
        assert!(meta.contains("script-src 'self'"), "{page}: {meta}");
        assert!(!html.contains("<script>"), "{page}: an inline script");
    }
}

/// `reload` events within `window`.
fn reloads_within(events: &Receiver<Value>, window: Duration) -> usize {
    let deadline = Instant::now() + window;
    let mut reloads = 0;
    while let Ok(event) = events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if event["type"] == "reload" {
            reloads += 1;
        }
    }
    reloads
}

#[test]
fn its_own_log_in_the_project_folder_does_not_make_serve_reload_in_a_loop() {
    let dir = quickstart_copy();
    let log = dir.path().join("serve.log");
    let server = Launch::new(dir.path()).stdout_to(log.clone()).start();
    let events = subscribe(server.port);
    next_event(&events, "ok", &server);
    let idle = reloads_within(&events, Duration::from_secs(4));
    assert_eq!(idle, 0, "reloads without a change:\n{}", server.log());

    // Saving the project still reloads, once.
    edit(
        &dir.path().join("project.visivo.yml"),
        "y: query(sum(amount))",
        "y: query(sum(amount) * 2)",
    );
    let reload = next_event(&events, "reload", &server);
    assert_eq!(reload["traces"], serde_json::json!(["revenue_by_region"]));
    let after = reloads_within(&events, Duration::from_secs(4));
    assert_eq!(after, 0, "reloads after one save:\n{}", server.log());
    assert_eq!(log_lines(&log, "Reloading"), 1, "{}", server.log());
}

#[test]
fn saving_a_file_the_project_reads_reloads_and_other_files_do_not() {
    let dir = quickstart_copy();
    let server = Server::start(dir.path());
    let events = subscribe(server.port);
    next_event(&events, "ok", &server);
    std::fs::write(dir.path().join("notes.txt"), "not part of the project").unwrap();
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    std::fs::write(dir.path().join("logs/serve.log"), "x\n").unwrap();
    assert_eq!(
        reloads_within(&events, Duration::from_secs(3)),
        0,
        "{}",
        server.log()
    );
    // The CSV file the script model reads.
    let csv = dir.path().join("data/targets.csv");
    edit(&csv, "2024-01,935", "2024-01,936");
    next_event(&events, "reload", &server);
}

fn log_lines(file: &Path, containing: &str) -> usize {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(containing))
        .count()
}

/// A project whose CSV script sleeps for as long as its last argument says.
const SLEEPY_SCRIPT: &str = r#"
models:
  - {name: script, args: ["sh", "-c", "echo $$ > script.pid; printf 'a\n1\n'; sleep $0", "0"]}
traces:
  - {name: script_trace, model: ref(script), props: {type: bar, x: query(a)}}
"#;

/// The process whose id `pid_file` holds, if it still runs (it is killed, not to outlive the test).
fn still_running(pid_file: &Path) -> Option<String> {
    let pid = std::fs::read_to_string(pid_file).expect("the script started");
    let pid = pid.trim().to_string();
    if !Path::new(&format!("/proc/{pid}")).exists() {
        return None;
    }
    let _ = std::process::Command::new("kill")
        .args(["-9", &pid])
        .status();
    Some(pid)
}

#[test]
fn ctrl_c_ends_an_idle_serve_with_status_130() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("project.visivo.yml"), SLEEPY_SCRIPT).unwrap();
    let mut server = Server::start(dir.path());
    let status = server.interrupt(Duration::from_secs(10));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(130),
        "{status:?}\n{}",
        server.log()
    );
}

#[test]
fn ctrl_c_during_a_reload_stops_its_script_and_ends_serve() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project.visivo.yml");
    std::fs::write(&project, SLEEPY_SCRIPT).unwrap();
    let mut server = Server::start(dir.path());
    let pid_file = dir.path().join("script.pid");
    std::fs::remove_file(&pid_file).unwrap();
    edit(&project, r#""0"]"#, r#""60"]"#);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pid_file.exists() {
        assert!(
            Instant::now() < deadline,
            "the reload did not start the script"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = server.interrupt(Duration::from_secs(10));
    let survivor = still_running(&pid_file);
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(130),
        "{status:?}\n{}",
        server.log()
    );
    assert_eq!(survivor, None, "the script outlived serve");
}

#[test]
fn ctrl_c_during_dist_stops_its_script_and_writes_no_site() {
    let dir = tempfile::tempdir().unwrap();
    let slow = SLEEPY_SCRIPT.replace(r#""0"]"#, r#""60"]"#);
    std::fs::write(dir.path().join("project.visivo.yml"), slow).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_visivo"))
        .arg("dist")
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid_file = dir.path().join("script.pid");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pid_file.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = crate::common::interrupt(&mut child, Duration::from_secs(10));
    let survivor = still_running(&pid_file);
    assert_eq!(status.and_then(|s| s.code()), Some(130), "{status:?}");
    assert_eq!(survivor, None, "the script outlived dist");
    assert!(!dir.path().join("dist").exists());
}
