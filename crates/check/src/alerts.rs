//! Alerts sent when trace tests fail: a console message, a Slack webhook post or an email.
//!
//! The caller decides *whether* to alert (only when there are failures) and which alerts; this
//! module only delivers. A delivery error is returned as an [`AlertError`] whose text never
//! contains the webhook URL (Slack webhook URLs are secrets) nor the SMTP password; both are
//! [`Secret`]s, so no `Debug` of an alert shows them either.
//!
//! ```no_run
//! use visivo_check::alerts::{Alert, Failure, Report, SendOptions};
//! use visivo_project::Secret;
//! let alert = Alert::Slack { webhook_url: Secret::new(std::env::var("SLACK_WEBHOOK").unwrap()) };
//! let failures = vec![Failure::new("revenue.test[0]", "Expected <4> to be equal to <5>, but was not.")];
//! let report = Report { project: Some("shop"), tests_run: 3, failures: &failures };
//! visivo_check::alerts::send_blocking(&alert, &report, &SendOptions::default())?;
//! # Ok::<(), visivo_check::alerts::AlertError>(())
//! ```

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::str::FromStr;
use std::time::Duration;
use visivo_project::Secret;

/// Headline of every alert.
pub const HEADLINE: &str = "There were test failures";

/// Sender address when an email alert has no `from`.
pub const DEFAULT_FROM: &str = "alerts@visivo.local";

/// One alert, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// Prints `message` and the failures on standard output.
    Console {
        /// The line printed before the failures (the alert's `message`).
        message: String,
    },
    /// POSTs a Block Kit message to a Slack incoming webhook.
    Slack {
        /// The webhook's address: a credential, never printed.
        webhook_url: Secret,
    },
    /// Sends a plain-text + HTML email over SMTP.
    Email(Email),
}

/// What an alert is, for messages about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// [`Alert::Console`]
    Console,
    /// [`Alert::Slack`]
    Slack,
    /// [`Alert::Email`]
    Email,
}

impl std::fmt::Display for AlertKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AlertKind::Console => "console",
            AlertKind::Slack => "slack",
            AlertKind::Email => "email",
        })
    }
}

impl Alert {
    /// What the alert is.
    pub fn kind(&self) -> AlertKind {
        match self {
            Alert::Console { .. } => AlertKind::Console,
            Alert::Slack { .. } => AlertKind::Slack,
            Alert::Email(_) => AlertKind::Email,
        }
    }

    /// The alert a project declares, checked and ready to send.
    pub fn from_project(alert: &visivo_project::Alert) -> Result<Alert, AlertError> {
        use visivo_project::Alert as Declared;
        Ok(match alert {
            Declared::Console { message, .. } => Alert::Console {
                message: message.clone(),
            },
            Declared::Slack { webhook_url, .. } => Alert::Slack {
                webhook_url: webhook_url.clone(),
            },
            Declared::Email {
                subject,
                to,
                port,
                host,
                username,
                password,
                from,
                security,
                ..
            } => Alert::Email(Email::new(
                host,
                *port,
                security.as_deref(),
                username.as_deref(),
                password.as_ref().map(Secret::expose),
                from.as_deref(),
                to,
                subject,
            )?),
        })
    }
}

/// An alert of the project, by name, ready to send.
#[derive(Debug, Clone)]
pub struct Named {
    /// Its name in the project.
    pub name: String,
    /// The alert.
    pub alert: Alert,
}

/// The alerts called `names` (`-a`), or `defaults.alert_name` when `names` is empty; an
/// unknown or unusable one is an error naming it (with the project's alerts). Alerts in the
/// 1.0.44+ form (`if`/`destinations`) may be named but are left out: they are sent when their
/// condition holds (see `suite::triggered_alerts`).
pub fn select(project: &visivo_project::Project, names: &[String]) -> Result<Vec<Named>, String> {
    let mut wanted: Vec<&str> = Vec::new();
    if names.is_empty() {
        wanted.extend(project.defaults.alert_name.as_deref());
    }
    for name in names {
        if !wanted.contains(&name.as_str()) {
            wanted.push(name);
        }
    }
    wanted
        .into_iter()
        .filter(|name| !project.conditional_alerts.contains_key(*name))
        .map(|name| {
            let declared = project
                .alerts
                .get(name)
                .ok_or_else(|| unknown_alert(project, name))?;
            let alert = Alert::from_project(declared)
                .map_err(|e| format!("alert '{name}' can't be used: {e}"))?;
            Ok(Named {
                name: name.to_string(),
                alert,
            })
        })
        .collect()
}

fn unknown_alert(project: &visivo_project::Project, name: &str) -> String {
    let existing: Vec<&str> = project
        .alerts
        .keys()
        .chain(project.conditional_alerts.keys())
        .map(String::as_str)
        .collect();
    let mut message = format!("unknown alert '{name}' (-a/--alert)");
    if existing.is_empty() {
        message.push_str(": this project has no alerts (see `alerts:` in the docs)");
        return message;
    }
    if let Some(suggestion) =
        visivo_project::diagnostics::did_you_mean(name, existing.iter().copied())
    {
        message.push_str(&format!(": {suggestion}"));
    }
    let listed: Vec<String> = existing.iter().map(|n| format!("'{n}'")).collect();
    message.push_str(&format!(
        "\n  alerts in this project: {}",
        listed.join(", ")
    ));
    message
}

/// An email alert's settings (see [`Email::new`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// SMTP server host name.
    pub host: String,
    /// SMTP port (the alert's `port`, default 2525).
    pub port: u16,
    /// How the connection is encrypted (`security`, default STARTTLS).
    pub security: Security,
    /// SMTP login; none when unset.
    pub username: Option<String>,
    /// SMTP password, used only with a login.
    pub password: Option<Secret>,
    /// Sender (`from`, else [`DEFAULT_FROM`]).
    pub from: Mailbox,
    /// Recipients (`to`, comma-separated in the project file).
    pub to: Vec<Mailbox>,
    /// Subject line (default "Visivo Alert").
    pub subject: String,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which must succeed (usually port 587).
    #[default]
    StartTls,
    /// TLS from the first byte ("SMTPS", usually port 465).
    Tls,
    /// No encryption at all: only for a relay on the same machine or a test server.
    None,
}

impl FromStr for Security {
    type Err = AlertError;

    fn from_str(s: &str) -> Result<Self, AlertError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(Security::StartTls),
            "tls" | "ssl" | "smtps" => Ok(Security::Tls),
            "none" | "plain" => Ok(Security::None),
            other => Err(AlertError::Config(format!(
                "unknown email security '{other}': use starttls (the default), tls or none"
            ))),
        }
    }
}

impl Email {
    /// Checks and parses the settings of an email alert. `to` may list several addresses
    /// separated by commas; `from` defaults to [`DEFAULT_FROM`]; `security` to STARTTLS.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        host: &str,
        port: u16,
        security: Option<&str>,
        username: Option<&str>,
        password: Option<&str>,
        from: Option<&str>,
        to: &str,
        subject: &str,
    ) -> Result<Email, AlertError> {
        if host.trim().is_empty() {
            return Err(AlertError::Config("the SMTP host is empty".into()));
        }
        let security = security.map(Security::from_str).transpose()?;
        let from_text = from.unwrap_or(DEFAULT_FROM);
        let from = Mailbox::from_str(from_text.trim()).map_err(|e| {
            AlertError::Config(format!("invalid sender address '{from_text}': {e}"))
        })?;
        let to: Vec<Mailbox> = to
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|address| {
                Mailbox::from_str(address).map_err(|e| {
                    AlertError::Config(format!("invalid recipient address '{address}': {e}"))
                })
            })
            .collect::<Result<_, _>>()?;
        if to.is_empty() {
            return Err(AlertError::Config("no recipient address in `to`".into()));
        }
        Ok(Email {
            host: host.trim().to_string(),
            port,
            security: security.unwrap_or_default(),
            username: username.filter(|u| !u.is_empty()).map(str::to_string),
            password: password.map(Secret::new),
            from,
            to,
            subject: subject.to_string(),
        })
    }
}

/// A failed test, as alerts show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `<trace>.test[<i>]`
    pub id: String,
    /// Why it failed: the evaluator's message, possibly followed by an excerpt of the logic.
    pub message: String,
    /// `project.visivo.yml:14`, when known.
    pub location: Option<String>,
}

impl Failure {
    /// A failure without a location; add one with [`Self::at`].
    pub fn new(id: impl Into<String>, message: impl Into<String>) -> Self {
        Failure {
            id: id.into(),
            message: message.into(),
            location: None,
        }
    }

    /// Sets where the test was written (`project.visivo.yml:14`).
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// The first line of the message (the rest may be an excerpt of the logic).
    fn summary(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }
}

/// What an alert reports.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The project's name, when it has one.
    pub project: Option<&'a str>,
    /// How many tests ran, passed ones included.
    pub tests_run: usize,
    /// The tests that failed, in the order they ran.
    pub failures: &'a [Failure],
}

impl Report<'_> {
    /// `2 of 7 tests failed in project 'shop'.`
    pub fn counts(&self) -> String {
        let noun = if self.tests_run == 1 { "test" } else { "tests" };
        match self.project {
            Some(project) => format!(
                "{} of {} {noun} failed in project '{project}'.",
                self.failures.len(),
                self.tests_run
            ),
            None => format!(
                "{} of {} {noun} failed.",
                self.failures.len(),
                self.tests_run
            ),
        }
    }
}

/// How alerts are delivered.
#[derive(Debug, Clone, Copy)]
pub struct SendOptions {
    /// Limit for the whole delivery (connecting included) of one alert.
    pub timeout: Duration,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            timeout: Duration::from_secs(15),
        }
    }
}

/// Why an alert was not delivered. Never contains the webhook URL or the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    /// The alert's settings are unusable (bad address, unknown security mode, …).
    #[error("{0}")]
    Config(String),
    /// The server could not be reached, refused the message or did not answer in time.
    #[error("{0}")]
    Delivery(String),
}

/// The text the console alert prints: its message, the headline and the failures.
pub fn console_text(message: &str, report: &Report) -> String {
    if report.failures.is_empty() {
        // An alert in the `if:` form may fire when nothing failed.
        return format!("{message}\n{}\n", report.counts());
    }
    format!(
        "{message}\n{HEADLINE}: {}\n{}",
        report.counts(),
        failure_lines(report, "  ")
    )
}

/// One `<indent>* <test id> - <message> (<location>)` line per failure.
fn failure_lines(report: &Report, indent: &str) -> String {
    let mut out = String::new();
    for failure in report.failures {
        out.push_str(&format!("{indent}* {} - {}", failure.id, failure.summary()));
        if let Some(location) = &failure.location {
            out.push_str(&format!(" ({location})"));
        }
        out.push('\n');
    }
    out
}

/// Slack's maximum length of a section's text.
const SLACK_SECTION_LIMIT: usize = 3000;
/// Slack accepts at most 50 blocks per message.
const SLACK_MAX_BLOCKS: usize = 50;

/// The JSON posted to a Slack webhook: a headline section, then the failures as
/// `* <test id> - <message>` lines (in as many sections as Slack's length limit needs).
pub fn slack_payload(report: &Report) -> serde_json::Value {
    let section = |text: String| serde_json::json!({"type": "section", "text": {"type": "mrkdwn", "text": text}});
    let mut blocks = vec![section(format!(
        "*{HEADLINE}*\n{}",
        slack_escape(&report.counts())
    ))];
    let mut current = String::new();
    let mut sections: Vec<String> = Vec::new();
    for failure in report.failures {
        let mut line = format!(
            "* {} - {}",
            slack_escape(&failure.id),
            slack_escape(failure.summary())
        );
        if line.len() > SLACK_SECTION_LIMIT {
            let mut cut = SLACK_SECTION_LIMIT - 1;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
            line.push('…');
        }
        if !current.is_empty() && current.len() + 1 + line.len() > SLACK_SECTION_LIMIT {
            sections.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&line);
    }
    if !current.is_empty() {
        sections.push(current);
    }
    let room = SLACK_MAX_BLOCKS - 1;
    if sections.len() > room {
        let left_out: usize = sections[room - 1..].iter().map(|s| s.lines().count()).sum();
        sections.truncate(room - 1);
        sections.push(format!("… and {left_out} more failures"));
    }
    blocks.extend(sections.into_iter().map(section));
    serde_json::json!({
        "text": format!("{HEADLINE}: {}", report.counts()),
        "blocks": blocks,
    })
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped (`<4>` would otherwise be read as a link).
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The plain-text body of the email.
pub fn email_text(report: &Report) -> String {
    format!(
        "{HEADLINE}\n\n{}\n\n{}",
        report.counts(),
        failure_lines(report, "")
    )
}

/// The HTML body of the email.
pub fn email_html(report: &Report) -> String {
    let mut items = String::new();
    for failure in report.failures {
        items.push_str(&format!(
            "<li><code>{}</code> - {}",
            html_escape(&failure.id),
            html_escape(failure.summary())
        ));
        if let Some(location) = &failure.location {
            items.push_str(&format!(" <small>({})</small>", html_escape(location)));
        }
        items.push_str("</li>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html><body>\n<h2>{HEADLINE}</h2>\n<p>{}</p>\n<ul>\n{items}</ul>\n</body></html>\n",
        html_escape(&report.counts())
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Delivers one alert. Console alerts print to standard output.
pub async fn send(
    alert: &Alert,
    report: &Report<'_>,
    options: &SendOptions,
) -> Result<(), AlertError> {
    match alert {
        Alert::Console { message } => {
            print!("{}", console_text(message, report));
            Ok(())
        }
        Alert::Slack { webhook_url } => send_slack(webhook_url.expose(), report, options).await,
        Alert::Email(email) => send_email(email, report, options).await,
    }
}

/// [`send`] on a runtime of its own, for callers that are not async. Must not be called from
/// inside a Tokio runtime.
pub fn send_blocking(
    alert: &Alert,
    report: &Report<'_>,
    options: &SendOptions,
) -> Result<(), AlertError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AlertError::Delivery(format!("could not start the network runtime: {e}")))?;
    runtime.block_on(send(alert, report, options))
}

/// rustls needs a process-wide crypto provider; ring is the one this workspace builds.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

async fn send_slack(
    webhook_url: &str,
    report: &Report<'_>,
    options: &SendOptions,
) -> Result<(), AlertError> {
    install_crypto_provider();
    let client = reqwest::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        .build()
        .map_err(|e| {
            AlertError::Delivery(format!(
                "could not build the HTTP client: {}",
                e.without_url()
            ))
        })?;
    let body = serde_json::to_vec(&slack_payload(report))
        .map_err(|e| AlertError::Delivery(e.to_string()))?;
    let response = client
        .post(webhook_url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| AlertError::Delivery(describe_http_error(e)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let text = response.text().await.unwrap_or_default();
    let text: String = text.trim().chars().take(200).collect();
    Err(AlertError::Delivery(if text.is_empty() {
        format!("the webhook answered HTTP {status}")
    } else {
        format!("the webhook answered HTTP {status}: {text}")
    }))
}

/// reqwest's message without the URL, plus its causes (connection refused, timed out, …).
fn describe_http_error(error: reqwest::Error) -> String {
    let timed_out = error.is_timeout();
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    if timed_out && !text.contains("timed out") {
        text.push_str(" (timed out)");
    }
    text
}

async fn send_email(
    email: &Email,
    report: &Report<'_>,
    options: &SendOptions,
) -> Result<(), AlertError> {
    install_crypto_provider();
    let mut builder = Message::builder()
        .from(email.from.clone())
        .subject(email.subject.clone());
    for to in &email.to {
        builder = builder.to(to.clone());
    }
    let message = builder
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(email_text(report)),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(email_html(report)),
                ),
        )
        .map_err(|e| AlertError::Config(format!("could not build the email: {e}")))?;
    let smtp_error = |e: lettre::transport::smtp::Error| {
        AlertError::Delivery(format!(
            "SMTP server {}:{}: {}",
            email.host,
            email.port,
            describe_smtp_error(&e)
        ))
    };
    let mut transport = match email.security {
        Security::StartTls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&email.host).map_err(smtp_error)?
        }
        Security::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&email.host).map_err(smtp_error)?
        }
        Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&email.host),
    }
    .port(email.port)
    .timeout(Some(options.timeout));
    if let Some(username) = &email.username {
        transport = transport.credentials(Credentials::new(
            username.clone(),
            email
                .password
                .as_ref()
                .map_or_else(String::new, |p| p.expose().to_string()),
        ));
    }
    let transport = transport.build();
    match tokio::time::timeout(options.timeout, transport.send(message)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(smtp_error(e)),
        Err(_) => Err(AlertError::Delivery(format!(
            "SMTP server {}:{}: no answer within {}s",
            email.host,
            email.port,
            options.timeout.as_secs()
        ))),
    }
}

fn describe_smtp_error(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures() -> Vec<Failure> {
        vec![
            Failure::new("t.test[0]", "Expected <4> to be equal to <5>, but was not.")
                .at("project.visivo.yml:9"),
            Failure::new("t.test[2]", "list index out of range\n  logic excerpt"),
        ]
    }

    #[test]
    fn slack_payload_has_a_headline_and_one_line_per_failure() {
        let failures = failures();
        let report = Report {
            project: Some("shop"),
            tests_run: 3,
            failures: &failures,
        };
        let payload = slack_payload(&report);
        let blocks = payload["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            blocks[0]["text"]["text"],
            "*There were test failures*\n2 of 3 tests failed in project 'shop'."
        );
        assert_eq!(blocks[1]["text"]["type"], "mrkdwn");
        assert_eq!(
            blocks[1]["text"]["text"],
            "* t.test[0] - Expected &lt;4&gt; to be equal to &lt;5&gt;, but was not.\n* t.test[2] - list index out of range"
        );
    }

    #[test]
    fn slack_payload_respects_slack_limits() {
        let failures: Vec<Failure> = (0..2000)
            .map(|i| Failure::new(format!("t.test[{i}]"), "x".repeat(100)))
            .collect();
        let report = Report {
            project: None,
            tests_run: 2000,
            failures: &failures,
        };
        let payload = slack_payload(&report);
        let blocks = payload["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), SLACK_MAX_BLOCKS);
        for block in blocks {
            assert!(block["text"]["text"].as_str().unwrap().len() <= SLACK_SECTION_LIMIT);
        }
        let last = blocks.last().unwrap()["text"]["text"].as_str().unwrap();
        assert!(
            last.starts_with("… and ") && last.ends_with(" more failures"),
            "{last}"
        );
    }

    #[test]
    fn email_settings_are_checked() {
        let email = Email::new(
            "smtp.example.com",
            587,
            None,
            Some("me"),
            Some("secret"),
            None,
            "a@example.com, b@example.com",
            "Visivo Alert",
        )
        .unwrap();
        assert_eq!(email.security, Security::StartTls);
        assert_eq!(email.to.len(), 2);
        assert_eq!(email.from.to_string(), DEFAULT_FROM);
        assert!(!format!("{email:?}").contains("secret"));
        let bad = Email::new("h", 1, Some("ssl3"), None, None, None, "a@b.c", "s");
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("unknown email security 'ssl3'"));
        let bad = Email::new("h", 1, None, None, None, None, "not an address", "s");
        assert!(bad.unwrap_err().to_string().contains("invalid recipient"));
    }

    #[test]
    fn html_is_escaped() {
        let failures = failures();
        let report = Report {
            project: Some("<b>"),
            tests_run: 2,
            failures: &failures,
        };
        let html = email_html(&report);
        assert!(html.contains("Expected &lt;4&gt; to be equal"));
        assert!(html.contains("project '&lt;b&gt;'"));
        assert!(email_text(&report).contains(
            "* t.test[0] - Expected <4> to be equal to <5>, but was not. (project.visivo.yml:9)"
        ));
    }
}
