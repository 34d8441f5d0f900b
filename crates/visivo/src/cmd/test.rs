//! `visivo test`: every trace's `tests` checked against its `data.json`, results on the console
//! (and optionally as JUnit XML), alerts sent when something failed.

use super::{load_and_run, pipeline};
use crate::cli::TestArgs;
use anyhow::{Context, Result};
use std::io::Write;
use std::process::ExitCode;
use visivo_check::alerts::{self, AlertKind, Named, Report, SendOptions};
use visivo_check::suite::{self, Tested};
use visivo_check::EvalOptions;
use visivo_engine::output::write_atomic;
use visivo_engine::pipeline::Error;

pub fn test(args: &TestArgs) -> Result<ExitCode> {
    let pipeline = pipeline(&args.project);
    let loaded = pipeline.load();
    let problems = loaded.report.render(&loaded.files);
    eprint!("{problems}");
    let project = loaded.project.ok_or(Error::Project { problems })?;

    // Flags are checked before anything runs: a typo in `-a` must not go unnoticed.
    let alerts = alerts::select(&project, &args.alerts).map_err(anyhow::Error::msg)?;
    let conditions = suite::alert_condition_errors(&project);
    if conditions.has_errors() {
        let problems = conditions.render(&loaded.files);
        eprint!("{problems}");
        return Err(Error::Project { problems }.into());
    }

    if args.run_first {
        // `visivo run`'s defaults; a signal ends the command.
        match load_and_run(&pipeline).summary {
            Ok(summary) if summary.failed() == 0 => {}
            Ok(_) => println!("The run had failures; testing the data that exists."),
            Err(e @ Error::Project { .. }) => return Err(e.into()),
            Err(e) => {
                eprintln!("error: {e:#}");
                println!("The run failed; testing the data that exists.");
            }
        }
    }

    let traces = pipeline.select(&project)?;
    let run = suite::Run {
        project: &project,
        files: &loaded.files,
        traces: &traces,
        output: &pipeline.settings.output,
        options: EvalOptions {
            legacy_pass_on_false: args.legacy_pass_on_false,
        },
    };
    let tested = suite::run(&run, |case| {
        print!("{}", if case.passed() { "." } else { "F" });
        let _ = std::io::stdout().flush();
    });
    let total = tested.total();
    if total > 0 {
        println!();
    }
    println!(
        "Testing complete. {total} {} run in {:.2}s.",
        if total == 1 { "test" } else { "tests" },
        tested.elapsed.as_secs_f64()
    );
    let failures = print_failures(&tested);

    // The JUnit file and the alerts both happen, whichever fails; its error is reported last.
    let junit = args.junit.as_ref().map(|path| {
        let xml = tested.junit_xml(project.name.as_deref().unwrap_or("visivo"));
        write_atomic(path, xml.as_bytes())
            .with_context(|| format!("writing the JUnit report {}", path.display()))
            .map(|()| println!("JUnit report written to {}", path.display()))
    });
    let alert_failures = suite::alert_failures(&tested);
    let report = Report {
        project: project.name.as_deref(),
        tests_run: total,
        failures: &alert_failures,
    };
    if failures > 0 && !alerts.is_empty() {
        send_alerts(&alerts, &report);
    }
    for triggered in suite::triggered_alerts(&run, failures > 0) {
        match triggered {
            Ok(triggered) => send_alerts(&triggered.destinations, &report),
            Err(message) => eprintln!("warning: {message}"),
        }
    }
    junit.transpose()?;
    if tested.fails_the_run() {
        return Ok(ExitCode::FAILURE);
    }
    println!("Done");
    Ok(ExitCode::SUCCESS)
}

/// Prints the tests that did not pass; returns how many.
fn print_failures(tested: &Tested) -> usize {
    let failures = tested.failures();
    if !failures.is_empty() {
        println!("Failures:");
    }
    for (case, problem) in &failures {
        println!("> {}: {}", case.id, problem.message);
        if let Some(excerpt) = &problem.excerpt {
            println!("{excerpt}");
        }
        if let Some(location) = case.location() {
            println!("  at {location}");
        }
    }
    failures.len()
}

/// Sends every alert; one that fails is reported and does not stop the others nor change the
/// exit code (the tests' result is what it is).
fn send_alerts(selected: &[Named], report: &Report) {
    let options = SendOptions::default();
    for Named { name, alert } in selected {
        let kind = alert.kind();
        let console = kind == AlertKind::Console;
        if !console {
            println!("Sending alert '{name}' ({kind})");
        }
        match alerts::send_blocking(alert, report, &options) {
            Ok(()) if !console => println!("Alert '{name}' sent"),
            Ok(()) => {}
            Err(e) => eprintln!("warning: alert '{name}' ({kind}) could not be sent: {e}"),
        }
    }
}
