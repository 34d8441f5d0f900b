//! Test results as JUnit XML, the format CI systems (GitHub Actions reporters, GitLab, Jenkins)
//! read: one `<testsuite>` per trace, one `<testcase>` per test.
//!
//! ```
//! use visivo_check::junit::{Case, Status, Suite, to_xml};
//! use std::time::Duration;
//! let suites = vec![Suite {
//!     name: "revenue".into(),
//!     cases: vec![Case {
//!         name: "revenue.test[0]".into(),
//!         time: Duration::from_millis(2),
//!         file: Some("project.visivo.yml".into()),
//!         line: Some(12),
//!         status: Status::Failed { message: "Expected <4> to be equal to <5>, but was not.".into(), detail: None },
//!     }],
//! }];
//! let xml = to_xml("visivo", &suites, Duration::from_millis(5));
//! assert!(xml.contains(r#"<failure message="Expected &lt;4&gt; to be equal to &lt;5&gt;, but was not." type="AssertionError">"#));
//! ```

use std::fmt::Write;
use std::time::Duration;

/// The tests of one trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suite {
    /// The trace's name (the `<testsuite>` name).
    pub name: String,
    /// Its tests, in order.
    pub cases: Vec<Case>,
}

/// One test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// `<trace>.test[<i>]`
    pub name: String,
    /// How long the test took (JUnit `time`, in seconds with millisecond precision).
    pub time: Duration,
    /// The project file that holds the test, and its line.
    pub file: Option<String>,
    /// The line of the test in [`Self::file`], from 1.
    pub line: Option<usize>,
    /// How it ended.
    pub status: Status,
}

/// How a test ended, as JUnit records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// It held.
    Passed,
    /// The test ran and did not hold (or had no data).
    Failed {
        /// First line of the reason (the `message` attribute).
        message: String,
        /// The rest (the element's text): e.g. an excerpt of the logic.
        detail: Option<String>,
    },
    /// The test could not run (its logic does not parse).
    Error {
        /// First line of the reason (the `message` attribute).
        message: String,
        /// The rest (the element's text).
        detail: Option<String>,
    },
}

impl Suite {
    fn count(&self, f: impl Fn(&Status) -> bool) -> usize {
        self.cases.iter().filter(|c| f(&c.status)).count()
    }

    fn time(&self) -> Duration {
        self.cases.iter().map(|c| c.time).sum()
    }
}

fn is_failure(status: &Status) -> bool {
    matches!(status, Status::Failed { .. })
}

fn is_error(status: &Status) -> bool {
    matches!(status, Status::Error { .. })
}

/// The whole report; `name` names the `<testsuites>` element, `total` is the wall time.
pub fn to_xml(name: &str, suites: &[Suite], total: Duration) -> String {
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failures: usize = suites.iter().map(|s| s.count(is_failure)).sum();
    let errors: usize = suites.iter().map(|s| s.count(is_error)).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{}\">",
        escape(name),
        seconds(total)
    );
    for suite in suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{}\">",
            escape(&suite.name),
            suite.cases.len(),
            suite.count(is_failure),
            suite.count(is_error),
            seconds(suite.time())
        );
        for case in &suite.cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
                escape(&case.name),
                escape(&suite.name),
                seconds(case.time)
            );
            if let Some(file) = &case.file {
                let _ = write!(out, " file=\"{}\"", escape(file));
            }
            if let Some(line) = case.line {
                let _ = write!(out, " line=\"{line}\"");
            }
            match &case.status {
                Status::Passed => out.push_str("/>\n"),
                Status::Failed { message, detail } => {
                    out.push_str(">\n");
                    outcome(&mut out, "failure", "AssertionError", message, detail);
                    out.push_str("    </testcase>\n");
                }
                Status::Error { message, detail } => {
                    out.push_str(">\n");
                    outcome(&mut out, "error", "SyntaxError", message, detail);
                    out.push_str("    </testcase>\n");
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn outcome(out: &mut String, element: &str, kind: &str, message: &str, detail: &Option<String>) {
    let first_line = message.lines().next().unwrap_or("");
    let body = match detail {
        Some(detail) => format!("{message}\n{detail}"),
        None => message.to_string(),
    };
    let _ = writeln!(
        out,
        "      <{element} message=\"{}\" type=\"{kind}\">{}</{element}>",
        escape(first_line),
        escape_text(&body)
    );
}

fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// Escapes an attribute value; drops characters XML 1.0 cannot hold.
fn escape(text: &str) -> String {
    escape_with(text, true)
}

/// Escapes element text, keeping line breaks and tabs as they are.
fn escape_text(text: &str) -> String {
    escape_with(text, false)
}

fn escape_with(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' | '\r' if !attribute => out.push(c),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_escapes_and_nests() {
        let suites = vec![
            Suite {
                name: "a \"b\"".into(),
                cases: vec![
                    Case {
                        name: "a \"b\".test[0]".into(),
                        time: Duration::from_millis(1),
                        file: None,
                        line: None,
                        status: Status::Passed,
                    },
                    Case {
                        name: "a \"b\".test[1]".into(),
                        time: Duration::from_millis(1),
                        file: Some("p.yml".into()),
                        line: Some(3),
                        status: Status::Error {
                            message: "unexpected end\u{1}".into(),
                            detail: Some("1 +".into()),
                        },
                    },
                ],
            },
            Suite {
                name: "c".into(),
                cases: vec![Case {
                    name: "c.test[0]".into(),
                    time: Duration::ZERO,
                    file: None,
                    line: None,
                    status: Status::Failed {
                        message: "x & y".into(),
                        detail: None,
                    },
                }],
            },
        ];
        let xml = to_xml("visivo", &suites, Duration::from_millis(12));
        assert!(xml.contains(
            r#"<testsuites name="visivo" tests="3" failures="1" errors="1" time="0.012">"#
        ));
        assert!(xml.contains(r#"<testsuite name="a &quot;b&quot;" tests="2" failures="0" errors="1" skipped="0" time="0.002">"#));
        assert!(xml.contains(
            r#"<testcase name="a &quot;b&quot;.test[0]" classname="a &quot;b&quot;" time="0.001"/>"#
        ));
        assert!(xml.contains(r#"file="p.yml" line="3">"#));
        assert!(xml.contains(
            "<error message=\"unexpected end\" type=\"SyntaxError\">unexpected end\n1 +</error>"
        ));
        assert!(xml
            .contains(r#"<failure message="x &amp; y" type="AssertionError">x &amp; y</failure>"#));
        assert_eq!(xml.matches("<testsuite ").count(), 2);
        assert_eq!(xml.matches("</testcase>").count(), 2);
    }
}
