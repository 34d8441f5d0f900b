//! Alerts delivered to servers on this machine: `visivo-testkit`'s one-request HTTP server stands
//! in for Slack's webhook and its one-session SMTP server (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT,
//! DATA, QUIT) for the mail relay.

use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;
use visivo_check::alerts::{
    self, send_blocking, Alert, AlertError, Email, Failure, Report, SendOptions,
};
use visivo_project::Secret;
use visivo_testkit::closed_port;
use visivo_testkit::http::{one_request_server, Request};
use visivo_testkit::smtp::one_session_server;

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

/// Slack's webhook: a one-request server, with a secret in the path.
fn webhook(status: &'static str) -> (String, mpsc::Receiver<Request>) {
    let (base, received) = one_request_server(status);
    (format!("{base}/services/T000/B000/SECRETTOKEN"), received)
}

#[test]
fn slack_posts_the_headline_and_one_line_per_failure() {
    let (url, received) = webhook("200 OK");
    let failures = failures();
    send_blocking(
        &Alert::Slack {
            webhook_url: Secret::new(url),
        },
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
    let (url, received) = webhook("400 Bad Request");
    let failures = failures();
    let err = send_blocking(
        &Alert::Slack {
            webhook_url: Secret::new(url),
        },
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
            webhook_url: Secret::new(format!("http://127.0.0.1:{port}/services/SECRETTOKEN")),
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
        &Alert::Slack {
            webhook_url: Secret::new(url),
        },
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

// ----- SMTP ---------------------------------------------------------------------------------

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
    let (port, received) = one_session_server("PLAIN LOGIN");
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
    let data = mail.unfolded();
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
    let (port, received) = one_session_server("LOGIN");
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
    let (port, received) = one_session_server("");
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
    let (port, _received) = one_session_server("PLAIN");
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
