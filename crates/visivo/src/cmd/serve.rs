//! `visivo serve`: run, serve the dashboards, and re-run what changed when a file is saved.
//!
//! * The first run never stops the server: failed traces show their error in the browser, and a
//!   project that doesn't load is reported while the last good outputs are served.
//! * Watched: the files the project reads ([`visivo_server::watch`] says which changes count).
//! * On a change: load and run again (incremental: only jobs whose inputs changed execute),
//!   then tell the browsers over server-sent events: `reload` with the traces that ran, `ok`;
//!   or `error` with the project's problems (the previous outputs stay).

use super::run::INTERRUPTED;
use super::{load_and_run, run_pipeline};
use crate::cli::ServeArgs;
use anyhow::{Context, Result};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use visivo_engine::pipeline::{Error, Pipeline};
use visivo_engine::run::{Outcome, Summary};
use visivo_server::guard::{is_loopback, AllowedHosts};
use visivo_server::listen::{self, Limits};
use visivo_server::watch::Watcher;
use visivo_server::Live;

pub fn serve(args: &ServeArgs) -> Result<ExitCode> {
    let mut session = Session::new(run_pipeline(&args.run))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.spawn(quit_on_signals(session.running.clone()));
    let live = Live::new(
        session.pipeline.settings.output.clone(),
        session.pipeline.settings.name_filter.clone(),
    );
    match session.run() {
        Ok(summary) => {
            let failed = summary.failed();
            if failed > 0 {
                println!("{failed} job(s) failed; serving anyway: their charts show the error.");
            }
        }
        Err(problem) => {
            println!("The project has errors (see above); serving the last good outputs until they are fixed.");
            live.error(&problem);
        }
    }
    // Reloads re-run only what changed, whatever the first run did.
    session.pipeline.settings.full_refresh = false;

    if !is_loopback(&args.host) {
        eprintln!(
            "warning: listening on {}: anyone who can reach this machine can see the dashboards and their data",
            args.host
        );
    }
    let (listener, url) = runtime
        .block_on(listen::bind(&args.host, args.port))
        .with_context(|| format!("listening on {}:{}", args.host, args.port))?;
    println!("Serving project at {url}");

    {
        let live = live.clone();
        std::thread::Builder::new()
            .name("visivo-reload".into())
            .spawn(move || reload_on_changes(&mut session, &live))?;
    }
    let hosts = AllowedHosts::new(&args.host, &args.allowed_hosts);
    let max_connections = args.max_connections.map(|n| n as usize);
    let limits = Limits::or_default(args.header_timeout, args.idle_timeout, max_connections);
    runtime.block_on(listen::serve(listener, live.router(hosts), limits));
    Ok(ExitCode::SUCCESS)
}

/// Waits for file changes and reloads, forever (until the process ends).
fn reload_on_changes(session: &mut Session, live: &Arc<Live>) {
    let warn = |e: &dyn std::error::Error| eprintln!("warning: file watcher: {e}");
    while let Some(changed) = session.watcher.wait(|e| warn(e)) {
        let changed = session.watcher.describe(&changed);
        println!("\nFiles changed ({changed}). Reloading . . .");
        let started = Instant::now();
        match session.run() {
            Ok(summary) => {
                // Traces whose data (or error) is new: everything but the re-used ones.
                let traces = summary.traces(|o| !matches!(o, Outcome::Reused));
                live.reload(Some(&traces));
                live.ok();
                let failed = summary.failed();
                let secs = started.elapsed().as_secs_f64();
                if failed > 0 {
                    println!("Refresh finished in {secs:.2}s with {failed} query error(s); their charts show the error.");
                } else {
                    println!(
                        "Refresh finished in {secs:.2}s: {} trace(s) updated.",
                        traces.len()
                    );
                }
            }
            Err(problem) => {
                live.error(&problem);
                println!(
                    "The project has errors (see above); still serving the last good outputs."
                );
            }
        }
    }
}

/// SIGINT/SIGTERM end `serve` with [`INTERRUPTED`]: at once when no run is going on, else once
/// the run, which the same signal cancels (scripts killed, queries cancelled, temporary files
/// removed), has stopped.
async fn quit_on_signals(running: Arc<Mutex<()>>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    let _ = tokio::task::spawn_blocking(move || {
        let _idle = running.lock();
        std::process::exit(INTERRUPTED.into())
    })
    .await;
}

struct Session {
    pipeline: Pipeline,
    /// Held while a run goes on, so that a signal ends the process only after it.
    running: Arc<Mutex<()>>,
    /// Follows the files the last load read.
    watcher: Watcher,
}

impl Session {
    fn new(pipeline: Pipeline) -> Result<Self> {
        let watcher =
            Watcher::new(&pipeline.settings.working_dir).context("starting the file watcher")?;
        Ok(Session {
            pipeline,
            running: Arc::new(Mutex::new(())),
            watcher,
        })
    }

    /// Loads, compiles and runs, then watches what the load read; `Err` holds the text for
    /// the browser's error overlay, the same the terminal shows.
    fn run(&mut self) -> Result<Summary, String> {
        let running = self.running.clone();
        let _running = running.lock();
        let ran = load_and_run(&self.pipeline);
        for (dir, e) in self.watcher.follow(&ran.inputs) {
            eprintln!("warning: cannot watch {}: {e}", dir.display());
        }
        match ran.summary {
            Ok(summary) if summary.interrupted => std::process::exit(INTERRUPTED.into()),
            Ok(summary) => Ok(summary),
            Err(Error::Project { problems }) => Err(problems),
            Err(e) => {
                eprintln!("error: {e}");
                Err(e.to_string())
            }
        }
    }
}
