//! `visivo test`: every trace's `tests` checked against its `data.json`, results on the console
//! (and optionally as JUnit XML), alerts sent when something failed.

use super::run::run_project;
use crate::cli::{RunArgs, TestArgs};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use visivo_check::alerts::{self, AlertError, Failure, Report, SendOptions};
use visivo_check::junit;
use visivo_check::EvalOptions;
use visivo_engine::output::{trace_dir, write_atomic};
use visivo_project::diagnostics::did_you_mean;
use visivo_project::{load_project, Files, Kind, LoadOptions, Project};

pub fn test(args: &TestArgs) -> Result<ExitCode> {
    let loaded = load_project(&LoadOptions {
        working_dir: &args.project.working_dir,
        source_override: args.project.source.as_deref(),
        profile: visivo_project::default_profile_path(),
    });
    eprint!("{}", loaded.report.render(&loaded.files));
    let Some(project) = loaded.project else {
        return Ok(ExitCode::FAILURE);
    };
    let files = loaded.files;

    // Flags are checked before anything runs: a typo in `-a` must not go unnoticed.
    let alerts = match selected_alerts(&project, &args.alerts) {
        Ok(alerts) => alerts,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::FAILURE);
        }
    };

    if args.run_first {
        let run_args = RunArgs {
            project: args.project.clone(),
            threads: 8,
            full_refresh: false,
        };
        match run_project(&run_args) {
            Ok(Some(summary)) if summary.failed() == 0 => {}
            Ok(Some(_)) => println!("The run had failures; testing the data that exists."),
            Ok(None) => return Ok(ExitCode::FAILURE),
            Err(e) => {
                eprintln!("error: {e:#}");
                println!("The run failed; testing the data that exists.");
            }
        }
    }

    let traces = match &args.project.name_filter {
        None => project.traces.keys().cloned().collect::<Vec<_>>(),
        Some(name) => match visivo_project::graph::traces_for_filter(&project, name) {
            Some(traces) => traces,
            None => {
                eprintln!("error: No item found with name: '{name}'.");
                return Ok(ExitCode::FAILURE);
            }
        },
    };

    let options = EvalOptions {
        legacy_pass_on_false: args.legacy_pass_on_false,
    };
    let started = Instant::now();
    let results = run_tests(
        &project,
        &files,
        &traces,
        &args.project.output_dir,
        &options,
    );
    let elapsed = started.elapsed();
    let total: usize = results.iter().map(|s| s.cases.len()).sum();
    if total > 0 {
        println!();
    }
    println!(
        "Testing complete. {total} {} run in {:.2}s.",
        if total == 1 { "test" } else { "tests" },
        elapsed.as_secs_f64()
    );

    let failures: Vec<&TestCase> = results
        .iter()
        .flat_map(|s| &s.cases)
        .filter(|c| c.problem.is_some())
        .collect();
    if !failures.is_empty() {
        println!("Failures:");
        for case in &failures {
            let problem = case.problem.as_ref().expect("failures have a problem");
            println!("> {}: {}", case.id, problem.message);
            if let Some(excerpt) = &problem.excerpt {
                println!("{excerpt}");
            }
            if let Some(location) = &case.location {
                println!("  at {location}");
            }
        }
    }

    let mut code = if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    if let Some(path) = &args.junit {
        if let Err(e) = write_junit(path, &project, &results, elapsed) {
            eprintln!("error: {e:#}");
            code = ExitCode::FAILURE;
        }
    }

    if !failures.is_empty() && !alerts.is_empty() {
        let alert_failures: Vec<Failure> = failures
            .iter()
            .map(|case| {
                let problem = case.problem.as_ref().expect("failures have a problem");
                let failure = Failure::new(&case.id, &problem.message);
                match &case.location {
                    Some(location) => failure.at(location),
                    None => failure,
                }
            })
            .collect();
        let report = Report {
            project: project.name.as_deref(),
            tests_run: total,
            failures: &alert_failures,
        };
        send_alerts(&alerts, &report);
    }

    if failures.is_empty() {
        println!("Done");
    }
    Ok(code)
}

/// One test's result.
struct TestCase {
    id: String,
    /// `project.visivo.yml:14`
    location: Option<String>,
    file: Option<String>,
    line: Option<usize>,
    time: Duration,
    /// `None` when the test passed.
    problem: Option<Problem>,
}

struct Problem {
    message: String,
    /// For logic that does not parse: the logic with a caret under the error.
    excerpt: Option<String>,
    /// The logic did not parse (a JUnit error rather than a failure).
    invalid: bool,
}

struct TraceResults {
    trace: String,
    cases: Vec<TestCase>,
}

fn run_tests(
    project: &Project,
    files: &Files,
    traces: &[String],
    output_dir: &Path,
    options: &EvalOptions,
) -> Vec<TraceResults> {
    let mut results = Vec::new();
    for name in traces {
        let Some(trace) = project.traces.get(name) else {
            continue;
        };
        let tests = match &trace.tests {
            Some(tests) if !tests.is_empty() => tests,
            _ => continue,
        };
        let data = read_data(output_dir, name);
        let mut cases = Vec::with_capacity(tests.len());
        for (i, test) in tests.iter().enumerate() {
            let started = Instant::now();
            let location = project.field_location(Kind::Trace, name, &format!("tests.{i}.logic"));
            let file = location.map(|l| files.display_name(l.file));
            let line = location.map(|l| l.pos.line);
            let problem = match &data {
                Err(message) => Some(Problem {
                    message: message.clone(),
                    excerpt: None,
                    invalid: false,
                }),
                Ok(data) => match visivo_check::parse(&test.logic, data) {
                    Err(e) => Some(Problem {
                        message: format!("invalid test logic: {}", e.message),
                        excerpt: Some(caret_excerpt(&test.logic, e.offset)),
                        invalid: true,
                    }),
                    Ok(expr) => {
                        let outcome = visivo_check::evaluate(&expr, data, options);
                        (!outcome.passed).then(|| Problem {
                            message: outcome
                                .message
                                .unwrap_or_else(|| "the test failed".to_string()),
                            excerpt: None,
                            invalid: false,
                        })
                    }
                },
            };
            print!("{}", if problem.is_some() { "F" } else { "." });
            let _ = std::io::stdout().flush();
            cases.push(TestCase {
                id: format!("{name}.test[{i}]"),
                location: file
                    .as_ref()
                    .zip(line)
                    .map(|(file, line)| format!("{file}:{line}")),
                file,
                line,
                time: started.elapsed(),
                problem,
            });
        }
        results.push(TraceResults {
            trace: name.clone(),
            cases,
        });
    }
    results
}

/// The trace's data.json, or the message its tests fail with.
fn read_data(output_dir: &Path, trace: &str) -> Result<serde_json::Value, String> {
    let path = trace_dir(output_dir, trace).join("data.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "no data for trace '{trace}': run `visivo run` first (or `visivo test --run`)"
            ))
        }
        Err(e) => return Err(format!("could not read {}: {e}", path.display())),
    };
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not valid JSON ({e}): run `visivo run` again",
            path.display()
        )
    })
}

/// The line of `logic` holding byte `offset`, indented, with a caret under that byte.
fn caret_excerpt(logic: &str, offset: usize) -> String {
    let mut offset = offset.min(logic.len());
    while !logic.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = logic[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = logic[offset..]
        .find('\n')
        .map_or(logic.len(), |i| offset + i);
    let line = &logic[line_start..line_end];
    let column = logic[line_start..offset].chars().count();
    format!("    {line}\n    {}^", " ".repeat(column))
}

fn write_junit(
    path: &Path,
    project: &Project,
    results: &[TraceResults],
    elapsed: Duration,
) -> Result<()> {
    let suites: Vec<junit::Suite> = results
        .iter()
        .map(|r| junit::Suite {
            name: r.trace.clone(),
            cases: r
                .cases
                .iter()
                .map(|c| junit::Case {
                    name: c.id.clone(),
                    time: c.time,
                    file: c.file.clone(),
                    line: c.line,
                    status: match &c.problem {
                        None => junit::Status::Passed,
                        Some(p) if p.invalid => junit::Status::Error {
                            message: p.message.clone(),
                            detail: p.excerpt.clone(),
                        },
                        Some(p) => junit::Status::Failed {
                            message: p.message.clone(),
                            detail: None,
                        },
                    },
                })
                .collect(),
        })
        .collect();
    let name = project.name.as_deref().unwrap_or("visivo");
    let xml = junit::to_xml(name, &suites, elapsed);
    write_atomic(path, xml.as_bytes())
        .with_context(|| format!("writing the JUnit report {}", path.display()))?;
    println!("JUnit report written to {}", path.display());
    Ok(())
}

/// An alert of the project, ready to send.
struct SelectedAlert {
    name: String,
    kind: &'static str,
    alert: alerts::Alert,
}

/// The `-a` alerts, or `defaults.alert_name` when there is no `-a`.
fn selected_alerts(project: &Project, names: &[String]) -> Result<Vec<SelectedAlert>, String> {
    let mut wanted: Vec<&str> = Vec::new();
    if names.is_empty() {
        wanted.extend(project.defaults.alert_name.as_deref());
    }
    for name in names {
        if !wanted.contains(&name.as_str()) {
            wanted.push(name);
        }
    }
    let mut selected = Vec::new();
    for name in wanted {
        let Some(alert) = project.alerts.get(name) else {
            return Err(unknown_alert(project, name));
        };
        let (kind, alert) =
            convert_alert(alert).map_err(|e| format!("alert '{name}' can't be used: {e}"))?;
        selected.push(SelectedAlert {
            name: name.to_string(),
            kind,
            alert,
        });
    }
    Ok(selected)
}

fn unknown_alert(project: &Project, name: &str) -> String {
    let existing: Vec<&str> = project.alerts.keys().map(String::as_str).collect();
    let mut message = format!("unknown alert '{name}' (-a/--alert)");
    if existing.is_empty() {
        message.push_str(": this project has no alerts (see `alerts:` in the docs)");
        return message;
    }
    if let Some(suggestion) = did_you_mean(name, existing.iter().copied()) {
        message.push_str(&format!(": {suggestion}"));
    }
    message.push_str(&format!(
        "\n  alerts in this project: {}",
        existing
            .iter()
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    message
}

fn convert_alert(
    alert: &visivo_project::Alert,
) -> Result<(&'static str, alerts::Alert), AlertError> {
    Ok(match alert {
        visivo_project::Alert::Console { message, .. } => (
            "console",
            alerts::Alert::Console {
                message: message.clone(),
            },
        ),
        visivo_project::Alert::Slack { webhook_url, .. } => (
            "slack",
            alerts::Alert::Slack {
                webhook_url: webhook_url.clone(),
            },
        ),
        visivo_project::Alert::Email {
            subject,
            to,
            port,
            host,
            username,
            password,
            from,
            security,
            ..
        } => (
            "email",
            alerts::Alert::Email(alerts::Email::new(
                host,
                *port,
                security.as_deref(),
                username.as_deref(),
                password.as_deref(),
                from.as_deref(),
                to,
                subject,
            )?),
        ),
    })
}

/// Sends every alert; one that fails is reported and does not stop the others nor change the
/// exit code (the tests' result is what it is).
fn send_alerts(selected: &[SelectedAlert], report: &Report) {
    let options = SendOptions::default();
    for alert in selected {
        if alert.kind != "console" {
            println!("Sending alert '{}' ({})", alert.name, alert.kind);
        }
        match alerts::send_blocking(&alert.alert, report, &options) {
            Ok(()) if alert.kind != "console" => {
                println!("Alert '{}' sent", alert.name)
            }
            Ok(()) => {}
            Err(e) => eprintln!(
                "warning: alert '{}' ({}) could not be sent: {e}",
                alert.name, alert.kind
            ),
        }
    }
}
