use super::compile::compile_loaded;
use super::{load, run_pipeline};
use crate::cli::RunArgs;
use crate::progress::Progress;
use anyhow::Result;
use std::process::ExitCode;
use std::sync::Arc;
use visivo_engine::pipeline::Pipeline;
use visivo_engine::run::{Outcome, Summary};
use visivo_project::Project;

/// Exit status of a run stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report Ctrl-C).
pub const INTERRUPTED: u8 = 130;

/// `visivo run`: the first SIGINT/SIGTERM cancels the run (scripts killed, server-side queries
/// cancelled, previous outputs kept), a second one exits at once. `dist` and `serve` do the
/// same.
pub fn run(args: &RunArgs) -> Result<ExitCode> {
    let mut pipeline = run_pipeline(args);
    pipeline.settings.cancel_on_signals = true;
    let summary = load_and_run(&pipeline)?;
    Ok(if summary.interrupted {
        ExitCode::from(INTERRUPTED)
    } else if summary.failed() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Loads, compiles and runs, printing progress and the summary.
pub fn load_and_run(pipeline: &Pipeline) -> Result<Summary> {
    println!("Compiling project");
    let project = load(pipeline)?;
    run_loaded(pipeline, &project)
}

/// Compiles and runs a loaded project (`serve` loads it itself, to watch its files).
pub fn run_loaded(pipeline: &Pipeline, project: &Project) -> Result<Summary> {
    let compiled = compile_loaded(pipeline, project)?;
    let jobs = pipeline.plan(project, &compiled)?;
    let settings = &pipeline.settings;
    match &settings.source {
        Some(source) => println!(
            "Running project across {} threads and default source {source}",
            settings.threads
        ),
        None => println!("Running project across {} threads", settings.threads),
    }
    let progress = Arc::new(Progress::new(settings.output.clone()));
    let summary = {
        let progress = progress.clone();
        pipeline.run(jobs, move |event| progress.event(event))?
    };
    progress.finish();
    print_summary(&summary);
    Ok(summary)
}

fn print_summary(summary: &Summary) {
    let secs = summary.elapsed.as_secs_f64();
    if summary.interrupted {
        println!("\nRun interrupted after {secs:.2}s; earlier outputs were kept");
        return;
    }
    let succeeded = summary.count(|o| matches!(o, Outcome::Succeeded { .. }));
    let reused = summary.count(|o| matches!(o, Outcome::Reused));
    let failed = summary.count(|o| matches!(o, Outcome::Failed(_)));
    let skipped = summary.count(|o| matches!(o, Outcome::Skipped(_)));
    let counts = format!(
        "{succeeded} succeeded, {reused} up to date (re-used), {failed} failed, {skipped} skipped"
    );
    if failed + skipped == 0 {
        println!("\nRun finished in {secs:.2}s: {counts}");
        println!("Done");
        return;
    }
    println!(
        "\nRun failed in {secs:.2}s with {} error(s): {counts}",
        failed + skipped
    );
    for (kind, name, outcome) in &summary.results {
        let message = match outcome {
            Outcome::Failed(error) => error.to_string(),
            Outcome::Skipped(reason) => reason.clone(),
            _ => continue,
        };
        println!("  ✖ {} {name}: {}", kind.label(), first_line(&message));
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
