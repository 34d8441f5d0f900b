//! `visivo serve` in tests: the real binary on a free loopback port, talked to over plain HTTP
//! (a tiny client, no dependencies).

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const WAIT: Duration = Duration::from_secs(60);

const READY_LINE: &str = "Serving project at http://127.0.0.1:";

/// How to start `visivo serve`: extra arguments, a file-descriptor limit, stdout into a file.
pub struct Launch<'a> {
    dir: &'a Path,
    args: Vec<String>,
    fd_limit: Option<u32>,
    stdout_file: Option<PathBuf>,
}

impl<'a> Launch<'a> {
    pub fn new(dir: &'a Path) -> Self {
        Launch {
            dir,
            args: Vec::new(),
            fd_limit: None,
            stdout_file: None,
        }
    }

    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Runs serve under `ulimit -n <limit>`.
    pub fn fd_limit(mut self, limit: u32) -> Self {
        self.fd_limit = Some(limit);
        self
    }

    /// Appends serve's stdout to this file (like `visivo serve > serve.log`).
    pub fn stdout_to(mut self, file: PathBuf) -> Self {
        self.stdout_file = Some(file);
        self
    }

    fn command(&self) -> Command {
        let visivo = env!("CARGO_BIN_EXE_visivo");
        let mut command = match self.fd_limit {
            Some(limit) => {
                let mut sh = Command::new("sh");
                sh.args([
                    "-c",
                    &format!("ulimit -n {limit} && exec \"$0\" \"$@\""),
                    visivo,
                ]);
                sh
            }
            None => Command::new(visivo),
        };
        command
            .args(["serve", "-p", "0"])
            .args(&self.args)
            .current_dir(self.dir)
            .env("CI", "true")
            .env("HOME", self.dir)
            .stderr(Stdio::piped());
        command
    }

    pub fn start(self) -> Server {
        let mut command = self.command();
        let log = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = channel();
        let mut child = match &self.stdout_file {
            Some(file) => {
                let out = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(file)
                    .expect("open the stdout file");
                let child = command.stdout(out).spawn().expect("start visivo serve");
                follow_file(file.clone(), port_tx);
                child
            }
            None => {
                let mut child = command
                    .stdout(Stdio::piped())
                    .spawn()
                    .expect("start visivo serve");
                follow(child.stdout.take().unwrap(), "", log.clone(), Some(port_tx));
                child
            }
        };
        follow(child.stderr.take().unwrap(), "[stderr] ", log.clone(), None);
        let port = match port_rx.recv_timeout(WAIT) {
            Ok(port) => port,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("serve did not start:\n{}", log.lock().unwrap());
            }
        };
        Server {
            child,
            port,
            log,
            stdout_file: self.stdout_file,
        }
    }
}

/// Copies the lines of `stream` into `log`; sends the port once serve announces it.
fn follow(
    stream: impl Read + Send + 'static,
    prefix: &'static str,
    log: Arc<Mutex<String>>,
    port_tx: Option<Sender<u16>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let (Some(tx), Some(port)) = (&port_tx, announced_port(&line)) {
                let _ = tx.send(port);
            }
            log.lock().unwrap().push_str(&format!("{prefix}{line}\n"));
        }
    });
}

/// Polls `file` until serve announces its port there.
fn follow_file(file: PathBuf, port_tx: Sender<u16>) {
    std::thread::spawn(move || {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if let Some(port) = text.lines().find_map(announced_port) {
                let _ = port_tx.send(port);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
}

fn announced_port(line: &str) -> Option<u16> {
    line.strip_prefix(READY_LINE)?.trim().parse().ok()
}

/// A running `visivo serve`; killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    log: Arc<Mutex<String>>,
    stdout_file: Option<PathBuf>,
}

impl Server {
    /// `visivo serve -p 0` in `dir`.
    pub fn start(dir: &Path) -> Server {
        Launch::new(dir).start()
    }

    pub fn get(&self, path: &str) -> Response {
        get(self.port, path)
    }

    /// stdout (or the file it goes to), then stderr.
    pub fn log(&self) -> String {
        let stdout = self
            .stdout_file
            .as_ref()
            .map(|f| std::fs::read_to_string(f).unwrap_or_default())
            .unwrap_or_default();
        format!("{stdout}{}", self.log.lock().unwrap())
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends SIGINT (what Ctrl-C in a terminal sends) and waits up to `within` for the exit.
    pub fn interrupt(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        super::interrupt(&mut self.child, within)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Response {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// GET with `Connection: close`; the path is sent exactly as given (no normalisation).
pub fn get(port: u16, path: &str) -> Response {
    get_with_host(port, path, &format!("127.0.0.1:{port}"))
}

/// GET with this `Host` header.
pub fn get_with_host(port: u16, path: &str, host: &str) -> Response {
    request(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
}

/// Sends `raw` as is and reads the answer until the server closes the connection.
pub fn request(port: u16, raw: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
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
pub fn subscribe(port: u16) -> Receiver<Value> {
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
pub fn next_event(events: &Receiver<Value>, kind: &str, server: &Server) -> Value {
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

pub fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{from} not in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}
