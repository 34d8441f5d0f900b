//! `visivo serve`: run, serve the dashboards, and re-run what changed when a file is saved.
//!
//! * The first run never stops the server: failed traces show their error in the browser, and a
//!   project that doesn't load is reported while the last good outputs are served.
//! * Watched: the files the project reads ([`visivo_project::Loaded::input_paths`]: project
//!   file, includes, profile, files named by CSV scripts, SQLite/DuckDB databases), through
//!   their folders, not recursively. A change counts when it touches one of those files, or a
//!   `.yml`/`.yaml` file in those folders (an include that didn't exist yet, a project file
//!   being created); anything else, like serve's own output redirected into the project folder,
//!   starts no reload.
//! * On a change: load and run again (incremental: only jobs whose inputs changed execute),
//!   then tell the browsers over server-sent events: `reload` with the traces that ran, `ok`;
//!   or `error` with the project's problems (the previous outputs stay).

use super::run::{run_loaded, INTERRUPTED};
use super::run_pipeline;
use crate::cli::ServeArgs;
use anyhow::{Context, Result};
use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, DebouncedEvent};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use visivo_engine::pipeline::Pipeline;
use visivo_engine::run::{Outcome, Summary};
use visivo_server::guard::{is_loopback, AllowedHosts};
use visivo_server::listen::{self, Limits};
use visivo_server::Live;

type Watcher = notify_debouncer_full::Debouncer<
    notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

/// Quiet time after the last file event before reloading (editors write in bursts).
const DEBOUNCE: Duration = Duration::from_millis(150);

pub fn serve(args: &ServeArgs) -> Result<ExitCode> {
    let mut pipeline = run_pipeline(&args.run);
    pipeline.settings.cancel_on_signals = true;
    let mut session = Session::new(pipeline);
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

    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, None, tx).context("starting the file watcher")?;
    session.update_watches(&mut debouncer);

    if !is_loopback(&args.host) {
        eprintln!(
            "warning: listening on {}: anyone who can reach this machine can see the dashboards and their data",
            args.host
        );
    }
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind((
            args.host.trim_matches(['[', ']']),
            args.port,
        )))
        .with_context(|| format!("listening on {}:{}", args.host, args.port))?;
    let port = listener.local_addr()?.port();
    let host = match args.host.parse::<IpAddr>() {
        Ok(IpAddr::V6(ip)) => format!("[{ip}]"),
        _ => args.host.clone(),
    };
    println!("Serving project at http://{host}:{port}");

    {
        let live = live.clone();
        std::thread::Builder::new()
            .name("visivo-reload".into())
            .spawn(move || {
                let mut debouncer = debouncer;
                watch_loop(&mut session, &rx, &live, |s| {
                    s.update_watches(&mut debouncer)
                })
            })?;
    }
    let hosts = AllowedHosts::new(&args.host, &args.allowed_hosts);
    runtime.block_on(listen::serve(listener, live.router(hosts), limits(args)));
    Ok(ExitCode::SUCCESS)
}

fn limits(args: &ServeArgs) -> Limits {
    let default = Limits::default();
    Limits {
        header_read_timeout: args.header_timeout.unwrap_or(default.header_read_timeout),
        idle_timeout: args.idle_timeout.unwrap_or(default.idle_timeout),
        max_connections: args
            .max_connections
            .map_or(default.max_connections, |n| n as usize),
    }
}

/// Waits for file changes and reloads, forever (until the process ends).
fn watch_loop(
    session: &mut Session,
    rx: &mpsc::Receiver<DebounceEventResult>,
    live: &Arc<Live>,
    mut rewatch: impl FnMut(&mut Session),
) {
    while let Ok(first) = rx.recv() {
        let mut changed = Vec::new();
        session.collect(first, &mut changed);
        // Whatever else arrived meanwhile is covered by the same reload.
        while let Ok(more) = rx.try_recv() {
            session.collect(more, &mut changed);
        }
        if changed.is_empty() {
            continue;
        }
        changed.sort();
        changed.dedup();
        let shown: Vec<String> = changed.iter().take(3).map(|p| session.display(p)).collect();
        let more = if changed.len() > 3 {
            format!(" and {} more", changed.len() - 3)
        } else {
            String::new()
        };
        println!(
            "\nFiles changed ({}{more}). Reloading . . .",
            shown.join(", ")
        );
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
        rewatch(session);
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
    /// The files the last load read (absolute), and the folders watched now.
    inputs: BTreeSet<PathBuf>,
    watched: BTreeSet<PathBuf>,
    cwd: PathBuf,
}

impl Session {
    fn new(pipeline: Pipeline) -> Self {
        Session {
            pipeline,
            running: Arc::new(Mutex::new(())),
            inputs: BTreeSet::new(),
            watched: BTreeSet::new(),
            cwd: std::env::current_dir().unwrap_or_default(),
        }
    }

    /// Loads, compiles and runs; `Err` holds the text for the browser's error overlay, the
    /// same the terminal shows.
    fn run(&mut self) -> Result<Summary, String> {
        let running = self.running.clone();
        let _running = running.lock();
        println!("Compiling project");
        let loaded = self.pipeline.load();
        let problems = loaded.report.render(&loaded.files);
        eprint!("{problems}");
        let root = self.absolute(&self.pipeline.settings.working_dir);
        self.inputs = loaded
            .input_paths(&root)
            .iter()
            .flat_map(|p| watched_forms(p))
            .collect();
        let Some(project) = loaded.project else {
            return Err(problems);
        };
        let summary = run_loaded(&self.pipeline, &project).map_err(|e| {
            eprintln!("error: {e:#}");
            format!("{e:#}")
        })?;
        if summary.interrupted {
            std::process::exit(INTERRUPTED.into());
        }
        Ok(summary)
    }

    fn absolute(&self, path: &Path) -> PathBuf {
        let path = self.cwd.join(path);
        path.canonicalize().unwrap_or(path)
    }

    /// The project folder (where a missing project file will appear) and the folders of the
    /// inputs.
    fn wanted_dirs(&self) -> BTreeSet<PathBuf> {
        let root = self.absolute(&self.pipeline.settings.working_dir);
        let parents = self.inputs.iter().filter_map(|p| p.parent());
        std::iter::once(root.as_path())
            .chain(parents)
            .map(Path::to_path_buf)
            .collect()
    }

    /// Brings the watches in line with the last load (new includes, removed ones).
    fn update_watches(&mut self, watcher: &mut Watcher) {
        let wanted = self.wanted_dirs();
        for dir in self
            .watched
            .difference(&wanted)
            .cloned()
            .collect::<Vec<_>>()
        {
            let _ = watcher.unwatch(&dir);
            self.watched.remove(&dir);
        }
        for dir in wanted {
            if self.watched.contains(&dir) || !dir.is_dir() {
                continue;
            }
            match watcher.watch(&dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    self.watched.insert(dir);
                }
                Err(e) => eprintln!("warning: cannot watch {}: {e}", dir.display()),
            }
        }
    }

    /// Adds the paths of `result` whose change matters to `changed`.
    fn collect(&self, result: DebounceEventResult, changed: &mut Vec<PathBuf>) {
        let events: Vec<DebouncedEvent> = match result {
            Ok(events) => events,
            Err(errors) => {
                for e in errors {
                    eprintln!("warning: file watcher: {e}");
                }
                return;
            }
        };
        for event in events {
            if !counts(&event.kind) {
                continue;
            }
            for path in &event.paths {
                if self.inputs.contains(path) || looks_like_a_project_file(path) {
                    changed.push(path.clone());
                }
            }
        }
    }

    fn display(&self, path: &Path) -> String {
        let root = self.absolute(&self.pipeline.settings.working_dir);
        path.strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// Writes, creations, renames and deletions; not reads (inotify reports opens) nor metadata.
fn counts(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Any => true,
        EventKind::Modify(m) => !matches!(m, notify::event::ModifyKind::Metadata(_)),
        EventKind::Access(_) | EventKind::Other => false,
    }
}

/// `path` as the watcher reports it (its folder canonicalised, as watched) and, for a symbolic
/// link, the file it points to (edits through the link happen there).
fn watched_forms(path: &Path) -> Vec<PathBuf> {
    let in_folder = match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => dir.canonicalize().unwrap_or(dir.to_path_buf()).join(name),
        _ => path.to_path_buf(),
    };
    let target = path.canonicalize().unwrap_or_else(|_| in_folder.clone());
    vec![in_folder, target]
}

/// A YAML file that could become part of the project (not a hidden one: editors' lock files).
fn looks_like_a_project_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !name.starts_with('.') && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_files_may_become_part_of_the_project_and_nothing_else() {
        for path in ["/p/project.visivo.yml", "/p/models/new.yaml"] {
            assert!(looks_like_a_project_file(Path::new(path)), "{path}");
        }
        for path in [
            "/p/serve.log",
            "/p/.project.visivo.yml.swp",
            "/p/project.visivo.yml~",
            "/p/4913",
            "/p/.#project.visivo.yml",
            "/p/data/shop.db-journal",
        ] {
            assert!(!looks_like_a_project_file(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn reads_do_not_count() {
        use notify::event::{AccessKind, CreateKind, DataChange, MetadataKind, ModifyKind};
        assert!(!counts(&EventKind::Access(AccessKind::Any)));
        assert!(!counts(&EventKind::Modify(ModifyKind::Metadata(
            MetadataKind::Any
        ))));
        assert!(counts(&EventKind::Modify(ModifyKind::Data(
            DataChange::Any
        ))));
        assert!(counts(&EventKind::Create(CreateKind::File)));
    }
}
