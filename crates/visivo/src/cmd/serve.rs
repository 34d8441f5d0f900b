//! `visivo serve`: run, serve the dashboards, and re-run what changed when a file is saved.
//!
//! * The first run never stops the server: failed traces show their error in the browser, and a
//!   project that doesn't load is reported while the last good outputs are served.
//! * Watched: the folders of every file the project was read from (root, includes, profile),
//!   of the files CSV-script models name in their `args`, and of SQLite/DuckDB databases —
//!   recursively, except folders above the project root. The output directory, `.git`,
//!   `.visivo_cache` and editor temporary files are ignored.
//! * On a change: load and run again (incremental: only jobs whose inputs changed execute),
//!   then tell the browsers over server-sent events: `reload` with the traces that ran, `ok`;
//!   or `error` with the project's problems (the previous outputs stay).

use super::run::run_loaded;
use crate::cli::{RunArgs, ServeArgs};
use anyhow::{Context, Result};
use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, DebouncedEvent};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use visivo_engine::plan::JobKind;
use visivo_engine::run::{Outcome, Summary};
use visivo_project::{load_project, Files, LoadOptions, Model, Project, Report, SourceType};
use visivo_server::Live;

type Watcher = notify_debouncer_full::Debouncer<
    notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

/// Quiet time after the last file event before reloading (editors write in bursts).
const DEBOUNCE: Duration = Duration::from_millis(150);

pub fn serve(args: &ServeArgs) -> Result<ExitCode> {
    let mut session = Session::new(args.run.clone());
    let live = Live::new(
        &args.run.project.output_dir,
        args.run.project.name_filter.clone(),
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
    session.args.full_refresh = false;

    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(DEBOUNCE, None, tx).context("starting the file watcher")?;
    session.update_watches(&mut debouncer);

    if !is_loopback(&args.host) {
        eprintln!(
            "warning: listening on {}: anyone who can reach this machine can see the dashboards and their data",
            args.host
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
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
    runtime.block_on(async move { axum::serve(listener, live.router()).await })?;
    Ok(ExitCode::SUCCESS)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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
                let traces = traces_that_ran(&summary);
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

/// Traces whose data (or error) is new: everything but the re-used ones.
fn traces_that_ran(summary: &Summary) -> Vec<String> {
    summary
        .results
        .iter()
        .filter(|(kind, _, outcome)| *kind == JobKind::Trace && !matches!(outcome, Outcome::Reused))
        .map(|(_, name, _)| name.clone())
        .collect()
}

struct Session {
    args: RunArgs,
    /// Folders to watch according to the last load, and those watched now.
    wanted: BTreeMap<PathBuf, RecursiveMode>,
    watched: BTreeMap<PathBuf, RecursiveMode>,
    cwd: PathBuf,
}

impl Session {
    fn new(args: RunArgs) -> Self {
        Session {
            args,
            wanted: BTreeMap::new(),
            watched: BTreeMap::new(),
            cwd: std::env::current_dir().unwrap_or_default(),
        }
    }

    /// Loads, compiles and runs; `Err` holds the text for the browser's error overlay.
    fn run(&mut self) -> Result<Summary, String> {
        println!("Compiling project");
        let project_args = &self.args.project;
        let loaded = load_project(&LoadOptions {
            working_dir: &project_args.working_dir,
            source_override: project_args.source.as_deref(),
            profile: visivo_project::default_profile_path(),
        });
        eprint!("{}", loaded.report.render(&loaded.files));
        self.wanted = watch_dirs(
            &self.absolute(&project_args.working_dir),
            &loaded.files,
            loaded.project.as_ref(),
        );
        let Some(project) = loaded.project else {
            return Err(problem_text(&loaded.report, &loaded.files));
        };
        run_loaded(&project, &self.args).map_err(|e| {
            eprintln!("error: {e:#}");
            format!("{e:#}")
        })
    }

    fn absolute(&self, path: &Path) -> PathBuf {
        let path = self.cwd.join(path);
        path.canonicalize().unwrap_or(path)
    }

    /// Brings the watches in line with the last load (new includes, removed ones).
    fn update_watches(&mut self, watcher: &mut Watcher) {
        let stale: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|(dir, mode)| self.wanted.get(*dir) != Some(mode))
            .map(|(dir, _)| dir.clone())
            .collect();
        for dir in stale {
            let _ = watcher.unwatch(&dir);
            self.watched.remove(&dir);
        }
        for (dir, mode) in self.wanted.clone() {
            if self.watched.contains_key(&dir) || !dir.is_dir() {
                continue;
            }
            match watcher.watch(&dir, mode) {
                Ok(()) => {
                    self.watched.insert(dir, mode);
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
        let output_dir = self.absolute(&self.args.project.output_dir);
        for event in events {
            if !counts(&event.kind) {
                continue;
            }
            for path in &event.paths {
                if !ignored(path, &output_dir) {
                    changed.push(path.clone());
                }
            }
        }
    }

    fn display(&self, path: &Path) -> String {
        let root = self.absolute(&self.args.project.working_dir);
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

/// Folders that never hold project inputs.
const IGNORED_DIRS: [&str; 7] = [
    ".git",
    ".hg",
    ".svn",
    ".visivo_cache",
    "node_modules",
    "__pycache__",
    ".idea",
];

/// Changes that must not trigger a reload: our own outputs, VCS and cache folders, editor
/// swap/backup files, SQLite journals.
fn ignored(path: &Path, output_dir: &Path) -> bool {
    if path.starts_with(output_dir) {
        return true;
    }
    if path
        .components()
        .any(|c| IGNORED_DIRS.iter().any(|d| c.as_os_str() == *d))
    {
        return true;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.is_empty()
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with('~')
        || name == "4913" // vim's "can I write here" probe
        || name == ".DS_Store"
        || [".swp", ".swo", ".swx", ".swpx", ".tmp", ".bak", "-journal", "-wal", "-shm"]
            .iter()
            .any(|s| name.ends_with(s))
}

/// Folder → how to watch it: the root recursively; the folders of the project's files, of
/// CSV-script inputs and of database files recursively too, except folders above the root
/// (those only for their own files, not for everything below them).
fn watch_dirs(
    root: &Path,
    files: &Files,
    project: Option<&Project>,
) -> BTreeMap<PathBuf, RecursiveMode> {
    let absolute = |p: &Path| {
        let p = root.join(p);
        p.canonicalize().unwrap_or(p)
    };
    let mut dirs: Vec<PathBuf> = vec![root.to_path_buf()];
    let mut add_file = |path: &Path| {
        let path = absolute(path);
        if path.components().any(|c| c.as_os_str() == ".visivo_cache") {
            return; // git includes: they change only by fetching
        }
        if let Some(dir) = path.parent() {
            dirs.push(dir.to_path_buf());
        }
    };
    for path in files.paths() {
        add_file(path);
    }
    if let Some(project) = project {
        for model in project.models.values() {
            if let Model::CsvScript(m) = model {
                for arg in &m.args {
                    let path = visivo_engine::source::resolve_path(root, arg);
                    if path.is_file() {
                        add_file(&path);
                    }
                }
            }
        }
        for source in project.sources.values() {
            if matches!(source.source_type, SourceType::Sqlite | SourceType::Duckdb) {
                if let Some(db) = &source.database {
                    let path = visivo_engine::source::resolve_path(root, db);
                    if path.is_file() {
                        add_file(&path);
                    }
                }
            }
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut result: BTreeMap<PathBuf, RecursiveMode> = BTreeMap::new();
    for dir in dirs {
        let above_root = dir != root && root.starts_with(&dir);
        let too_wide = dir.parent().is_none() || home.as_deref() == Some(dir.as_path());
        let mode = if above_root || too_wide {
            RecursiveMode::NonRecursive
        } else {
            RecursiveMode::Recursive
        };
        result.insert(dir, mode);
    }
    // A folder inside a recursively watched one is covered already.
    let recursive: Vec<PathBuf> = result
        .iter()
        .filter(|(_, m)| **m == RecursiveMode::Recursive)
        .map(|(d, _)| d.clone())
        .collect();
    result.retain(|dir, _| !recursive.iter().any(|r| dir != r && dir.starts_with(r)));
    result
}

/// The project's errors as plain text: `file:line: message` lines, then the excerpts.
fn problem_text(report: &Report, files: &Files) -> String {
    let errors: Vec<_> = report.items.iter().filter(|d| d.is_error()).collect();
    if errors.is_empty() {
        return "The project could not be loaded.".into();
    }
    let mut text = String::new();
    for d in &errors {
        if let Some(loc) = d.location {
            text.push_str(&format!(
                "{}:{}: ",
                files.display_name(loc.file),
                loc.pos.line
            ));
        }
        text.push_str(&d.message);
        if let Some(object) = &d.object {
            text.push_str(&format!(" (in {object})"));
        }
        text.push('\n');
    }
    text.push('\n');
    for d in &errors {
        text.push_str(&d.render(files));
    }
    text.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_outputs_and_editor_files() {
        let out = Path::new("/p/target");
        for path in [
            "/p/target/x/data.json",
            "/p/.git/index",
            "/p/.visivo_cache/r@main/a.yml",
            "/p/.project.visivo.yml.swp",
            "/p/project.visivo.yml~",
            "/p/4913",
            "/p/.#project.visivo.yml",
            "/p/data/shop.db-journal",
        ] {
            assert!(ignored(Path::new(path), out), "{path}");
        }
        for path in [
            "/p/project.visivo.yml",
            "/p/models/a.yaml",
            "/p/data/targets.csv",
            "/p/data/shop.db",
        ] {
            assert!(!ignored(Path::new(path), out), "{path}");
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

    #[test]
    fn loopback_hosts() {
        for h in ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["0.0.0.0", "::", "192.0.2.1", "example.com"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
