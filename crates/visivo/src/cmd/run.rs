use super::compile::compile_project;
use super::load;
use crate::cli::RunArgs;
use crate::progress::Progress;
use anyhow::Result;
use std::process::ExitCode;
use std::sync::Arc;
use visivo_engine::cancel::Cancel;
use visivo_engine::run::{run as run_jobs, Outcome, RunOptions, Summary};
use visivo_project::Project;

/// Exit status of a run stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report Ctrl-C).
const INTERRUPTED: u8 = 130;

/// What SIGINT and SIGTERM do while the jobs run.
#[derive(Clone, Copy, PartialEq)]
enum OnSignal {
    /// The process ends at once (the default; `serve`, `dist` and `test` keep it).
    Exit,
    /// The run is cancelled: scripts killed, server-side queries cancelled, temporary files
    /// removed, previous outputs kept; a second signal exits at once.
    CancelTheRun,
}

pub fn run(args: &RunArgs) -> Result<ExitCode> {
    match load_and_run(args, OnSignal::CancelTheRun)? {
        Some(summary) if summary.interrupted => Ok(ExitCode::from(INTERRUPTED)),
        Some(summary) if summary.failed() == 0 => Ok(ExitCode::SUCCESS),
        _ => Ok(ExitCode::FAILURE),
    }
}

/// Compiles and runs; `None` when the project didn't load.
pub fn run_project(args: &RunArgs) -> Result<Option<Summary>> {
    load_and_run(args, OnSignal::Exit)
}

fn load_and_run(args: &RunArgs, on_signal: OnSignal) -> Result<Option<Summary>> {
    println!("Compiling project");
    let Some(project) = load(&args.project) else {
        return Ok(None);
    };
    run_compiled(&project, args, on_signal).map(Some)
}

/// Compiles and runs a loaded project (`serve` loads it itself, to watch its files).
pub fn run_loaded(project: &Project, args: &RunArgs) -> Result<Summary> {
    run_compiled(project, args, OnSignal::Exit)
}

fn run_compiled(project: &Project, args: &RunArgs, on_signal: OnSignal) -> Result<Summary> {
    let compiled = compile_project(project, &args.project)?;
    println!("Project compiled");
    let options = RunOptions {
        output_dir: args.project.output_dir.clone(),
        project_dir: args.project.working_dir.clone(),
        threads: args.threads.max(1),
        full_refresh: args.full_refresh,
        cancel: Cancel::default(),
    };
    let jobs = visivo_engine::plan::plan(
        project,
        &compiled,
        &options.output_dir,
        &options.project_dir,
    )
    .map_err(anyhow::Error::msg)?;
    match &args.project.source {
        Some(source) => println!(
            "Running project across {} threads and default source {source}",
            options.threads
        ),
        None => println!("Running project across {} threads", options.threads),
    }
    let progress = Arc::new(Progress::new(&options.output_dir));
    let listener = {
        let progress = progress.clone();
        Arc::new(move |event| progress.event(event))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let summary = runtime.block_on(async {
        if on_signal == OnSignal::CancelTheRun {
            tokio::spawn(cancel_on_signals(options.cancel.clone()));
        }
        run_jobs(jobs, options, listener).await
    });
    progress.finish();
    print_summary(&summary);
    Ok(summary)
}

/// The first SIGINT/SIGTERM cancels the run; a second one ends the process at once.
async fn cancel_on_signals(cancel: Cancel) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    loop {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        if cancel.is_cancelled() {
            std::process::exit(INTERRUPTED.into());
        }
        eprintln!("\nInterrupted: stopping the run (interrupt again to quit at once)");
        cancel.cancel();
    }
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
