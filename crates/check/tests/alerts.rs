//! Alerts delivered to servers on this machine: a minimal HTTP server stands in for Slack's
//! webhook and a minimal SMTP server (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, QUIT) for the
//! mail relay. Both answer one connection and hand what they received back to the test.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;
use visivo_check::alerts::{
    self, send_blocking, Alert, AlertError, Email, Failure, Report, SendOptions,
};

fn failures() -> Vec<Failure> {
    vec![
        Failure::new(
            "revenue.test[0]",
            "Expected <4> to be equal to <5>, but was not.",
        )
        .at("project.visivo.yml:12"),
        Failure::new("units.test[1]", "list index out of range"),
    ]
}

fn report(failures: &[Failure]) -> Report<'_> {
    Report {
        project: Some("shop"),
        tests_run: 5,
        failures,
    }
}

fn quick() -> SendOptions {
    SendOptions {
        timeout: Duration::from_secs(5),
    }
}

// ----- HTTP ---------------------------------------------------------------------------------

struct HttpRequest {
    head: String,
    body: String,
}

/// Accepts one request, answers with `status`, returns what was received.
fn http_server(status: &'static str) -> (String, mpsc::Receiver<HttpRequest>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/services/T000/B000/SECRETTOKEN",
        listener.local_addr().unwrap()
    );
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let length = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().unwrap())
            })
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let answer = if status.starts_with('2') {
            "ok"
        } else {
            "invalid_payload"
        };
        let mut stream = reader.into_inner();
        write!(
            stream,
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        )
        .unwrap();
        tx.send(HttpRequest {
            head,
            body: String::from_utf8(body).unwrap(),
        })
        .unwrap();
    });
    (url, rx)
}

#[test]
fn slack_posts_the_headline_and_one_line_per_failure() {
    let (url, received) = http_server("200 OK");
    let failures = failures();
    send_blocking(
        &Alert::Slack { webhook_url: url },
        &report(&failures),
        &quick(),
    )
    .unwrap();
    let request = received.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        request
            .head
            .starts_with("POST /services/T000/B000/SECRETTOKEN HTTP/1.1"),
        "{}",
        request.head
    );
    assert!(request
        .head
        .to_ascii_lowercase()
        .contains("content-type: application/json"));
    let json: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "text": "There were test failures: 2 of 5 tests failed in project 'shop'.",
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn",
                    "text": "*There were test failures*\n2 of 5 tests failed in project 'shop'."}},
                {"type": "section", "text": {"type": "mrkdwn",
                    "text": "* revenue.test[0] - Expected &lt;4&gt; to be equal to &lt;5&gt;, but was not.\n* units.test[1] - list index out of range"}}
            ]
        })
    );
}

#[test]
fn slack_error_status_is_a_failure_without_the_webhook_url() {
    let (url, received) = http_server("400 Bad Request");
    let failures = failures();
    let err = send_blocking(
        &Alert::Slack { webhook_url: url },
        &report(&failures),
        &quick(),
    )
    .unwrap_err();
    received.recv_timeout(Duration::from_secs(10)).unwrap();
    let text = err.to_string();
    assert!(text.contains("HTTP 400 Bad Request"), "{text}");
    assert!(text.contains("invalid_payload"), "{text}");
    assert!(!text.contains("SECRETTOKEN"), "{text}");
}

#[test]
fn slack_unreachable_is_a_failure_without_the_webhook_url() {
    let port = closed_port();
    let failures = failures();
    let err = send_blocking(
        &Alert::Slack {
            webhook_url: format!("http://127.0.0.1:{port}/services/SECRETTOKEN"),
        },
        &report(&failures),
        &quick(),
    )
    .unwrap_err();
    assert!(matches!(err, AlertError::Delivery(_)));
    let text = err.to_string();
    assert!(!text.contains("SECRETTOKEN"), "{text}");
    assert!(text.to_lowercase().contains("connect"), "{text}");
}

#[test]
fn slack_that_never_answers_times_out() {
    // Accepts the connection but never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let holder = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        thread::sleep(Duration::from_secs(3));
        drop(stream);
    });
    let failures = failures();
    let started = std::time::Instant::now();
    let err = send_blocking(
        &Alert::Slack { webhook_url: url },
        &report(&failures),
        &SendOptions {
            timeout: Duration::from_millis(500),
        },
    )
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3), "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    holder.join().unwrap();
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

// ----- SMTP ---------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Mail {
    /// (mechanism, username, password)
    auth: Option<(String, String, String)>,
    from: String,
    to: Vec<String>,
    data: String,
}

/// A one-connection SMTP server advertising `auth` mechanisms (e.g. "PLAIN LOGIN").
fn smtp_server(auth: &'static str) -> (u16, mpsc::Receiver<Mail>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mail = smtp_session(stream, auth);
        tx.send(mail).unwrap();
    });
    (port, rx)
}

fn smtp_session(stream: TcpStream, auth: &str) -> Mail {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut mail = Mail::default();
    let mut send = |text: &str| writer.write_all(format!("{text}\r\n").as_bytes()).unwrap();
    let read = |reader: &mut BufReader<TcpStream>| {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    send("220 localhost ESMTP test");
    loop {
        let line = read(&mut reader);
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            send("250-localhost");
            if !auth.is_empty() {
                send(&format!("250-AUTH {auth}"));
            }
            send("250 8BITMIME");
        } else if let Some(rest) = upper.strip_prefix("AUTH PLAIN") {
            let encoded = if rest.trim().is_empty() {
                send("334 ");
                read(&mut reader)
            } else {
                line[10..].trim().to_string()
            };
            let decoded = base64_decode(&encoded);
            let parts: Vec<&[u8]> = decoded.split(|b| *b == 0).collect();
            mail.auth = Some((
                "PLAIN".into(),
                String::from_utf8_lossy(parts[1]).into_owned(),
                String::from_utf8_lossy(parts[2]).into_owned(),
            ));
            send("235 2.7.0 Authentication successful");
        } else if upper.starts_with("AUTH LOGIN") {
            send("334 VXNlcm5hbWU6");
            let user = base64_decode(&read(&mut reader));
            send("334 UGFzc3dvcmQ6");
            let password = base64_decode(&read(&mut reader));
            mail.auth = Some((
                "LOGIN".into(),
                String::from_utf8(user).unwrap(),
                String::from_utf8(password).unwrap(),
            ));
            send("235 2.7.0 Authentication successful");
        } else if upper.starts_with("MAIL FROM:") {
            mail.from = line[10..].trim().to_string();
            send("250 2.1.0 Ok");
        } else if upper.starts_with("RCPT TO:") {
            mail.to.push(line[8..].trim().to_string());
            send("250 2.1.5 Ok");
        } else if upper == "DATA" {
            send("354 End data with <CR><LF>.<CR><LF>");
            loop {
                let data_line = read(&mut reader);
                if data_line == "." {
                    break;
                }
                mail.data
                    .push_str(data_line.strip_prefix('.').unwrap_or(&data_line));
                mail.data.push('\n');
            }
            send("250 2.0.0 Ok: queued");
        } else if upper == "QUIT" {
            send("221 2.0.0 Bye");
            return mail;
        } else if upper.is_empty() {
            return mail;
        } else {
            send("250 2.0.0 Ok");
        }
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = ALPHABET.iter().position(|c| *c == byte).unwrap() as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// The message text with quoted-printable soft breaks undone.
fn unfold(data: &str) -> String {
    data.replace("=\n", "").replace("=3D", "=")
}

fn email(port: u16, username: Option<&str>) -> Alert {
    Alert::Email(
        Email::new(
            "127.0.0.1",
            port,
            Some("none"),
            username,
            Some("s3cr3t pass"),
            None,
            "team@example.com, lead@example.com",
            "Visivo Alert",
        )
        .unwrap(),
    )
}

#[test]
fn email_is_sent_with_login_plain_and_html() {
    let (port, received) = smtp_server("PLAIN LOGIN");
    let failures = failures();
    send_blocking(&email(port, Some("bot")), &report(&failures), &quick()).unwrap();
    let mail = received.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(
        mail.auth,
        Some(("PLAIN".into(), "bot".into(), "s3cr3t pass".into()))
    );
    assert_eq!(mail.from, "<alerts@visivo.local>");
    assert_eq!(
        mail.to,
        vec![
            "<team@example.com>".to_string(),
            "<lead@example.com>".to_string()
        ]
    );
    let data = unfold(&mail.data);
    assert!(data.contains("Subject: Visivo Alert"), "{data}");
    assert!(data.contains("From: alerts@visivo.local"), "{data}");
    assert!(
        data.contains("To: team@example.com, lead@example.com"),
        "{data}"
    );
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(data.contains("Content-Type: text/plain"), "{data}");
    assert!(data.contains("Content-Type: text/html"), "{data}");
    assert!(data.contains("There were test failures"), "{data}");
    assert!(
        data.contains("* revenue.test[0] - Expected <4> to be equal to <5>, but was not. (project.visivo.yml:12)"),
        "{data}"
    );
    assert!(
        data.contains("* units.test[1] - list index out of range"),
        "{data}"
    );
    assert!(
        data.contains("<li><code>revenue.test[0]</code> - Expected &lt;4&gt; to be equal to &lt;5&gt;, but was not."),
        "{data}"
    );
}

#[test]
fn email_login_mechanism_and_custom_sender() {
    let (port, received) = smtp_server("LOGIN");
    let failures = failures();
    let alert = Alert::Email(
        Email::new(
            "127.0.0.1",
            port,
            Some("none"),
            Some("bot"),
            Some("pw"),
            Some("Visivo <ci@example.com>"),
            "team@example.com",
            "Nightly tests",
        )
        .unwrap(),
    );
    send_blocking(&alert, &report(&failures), &quick()).unwrap();
    let mail = received.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(mail.auth, Some(("LOGIN".into(), "bot".into(), "pw".into())));
    assert_eq!(mail.from, "<ci@example.com>");
    assert!(mail.data.contains("Subject: Nightly tests"));
}

#[test]
fn email_without_username_does_not_log_in() {
    let (port, received) = smtp_server("");
    let failures = failures();
    send_blocking(&email(port, None), &report(&failures), &quick()).unwrap();
    let mail = received.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(mail.auth, None);
    assert!(mail.data.contains("There were test failures"));
}

#[test]
fn email_to_a_closed_port_fails_without_the_password() {
    let failures = failures();
    let err = send_blocking(
        &email(closed_port(), Some("bot")),
        &report(&failures),
        &quick(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("SMTP server 127.0.0.1:"), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
}

#[test]
fn starttls_required_but_not_offered_fails() {
    // The test server offers no STARTTLS: the default security must refuse to go on in clear.
    let (port, _received) = smtp_server("PLAIN");
    let alert = Alert::Email(
        Email::new(
            "127.0.0.1",
            port,
            None,
            Some("bot"),
            Some("pw"),
            None,
            "team@example.com",
            "s",
        )
        .unwrap(),
    );
    let failures = failures();
    let err = send_blocking(&alert, &report(&failures), &quick()).unwrap_err();
    assert!(matches!(err, AlertError::Delivery(_)), "{err}");
}

#[test]
fn console_text_lists_the_failures() {
    let failures = failures();
    assert_eq!(
        alerts::console_text("Tests failed, see CI", &report(&failures)),
        "Tests failed, see CI\nThere were test failures: 2 of 5 tests failed in project 'shop'.\n  \
         * revenue.test[0] - Expected <4> to be equal to <5>, but was not. (project.visivo.yml:12)\n  \
         * units.test[1] - list index out of range\n"
    );
}
