//! Which file changes re-run the project under `visivo serve`.
//!
//! * Watched: the files the project reads ([`visivo_project::Loaded::input_paths`]: project
//!   file, includes, profile, files named by CSV scripts, SQLite/DuckDB databases), through
//!   their folders, not recursively, and the project folder (where a missing project file will
//!   appear).
//! * A change counts when it writes, creates, renames or deletes one of those files, or a
//!   `.yml`/`.yaml` file in those folders (an include that didn't exist yet, a project file
//!   being created); anything else, like serve's own output redirected into the project folder,
//!   is ignored.
//!
//! ```no_run
//! use visivo_server::watch::Watcher;
//! let mut watcher = Watcher::new("my-project".as_ref())?;
//! let inputs = vec!["my-project/project.visivo.yml".into()];
//! for (dir, error) in watcher.follow(&inputs) {
//!     eprintln!("cannot watch {}: {error}", dir.display());
//! }
//! while let Some(changed) = watcher.wait(|error| eprintln!("file watcher: {error}")) {
//!     println!("{} file(s) changed", changed.len());
//! }
//! # Ok::<(), notify::Error>(())
//! ```

use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, DebouncedEvent};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Quiet time after the last file event before a batch is reported (editors write in bursts).
const DEBOUNCE: Duration = Duration::from_millis(150);

type Debouncer = notify_debouncer_full::Debouncer<
    notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

/// Watches a project's input files and reports batches of changes that matter.
pub struct Watcher {
    debouncer: Debouncer,
    events: mpsc::Receiver<DebounceEventResult>,
    /// The project folder, absolute.
    root: PathBuf,
    /// The input files as the watcher reports them (see [`watched_forms`]).
    inputs: BTreeSet<PathBuf>,
    /// The folders watched now.
    watched: BTreeSet<PathBuf>,
}

impl Watcher {
    /// A watcher for the project in `project_dir` (relative to the current directory), watching
    /// nothing until [`Watcher::follow`].
    pub fn new(project_dir: &Path) -> Result<Watcher, notify::Error> {
        let (tx, events) = mpsc::channel();
        Ok(Watcher {
            debouncer: new_debouncer(DEBOUNCE, None, tx)?,
            events,
            root: canonical(&current_dir().join(project_dir)),
            inputs: BTreeSet::new(),
            watched: BTreeSet::new(),
        })
    }

    /// Brings the watches in line with the files the last load read (`inputs`, relative to the
    /// current directory or absolute): new includes are watched, removed ones no longer.
    /// Returns the folders that could not be watched.
    pub fn follow(&mut self, inputs: &[PathBuf]) -> Vec<(PathBuf, notify::Error)> {
        self.inputs = inputs
            .iter()
            .flat_map(|p| watched_forms(&current_dir().join(p)))
            .collect();
        let wanted = self.wanted_dirs();
        for dir in self
            .watched
            .difference(&wanted)
            .cloned()
            .collect::<Vec<_>>()
        {
            let _ = self.debouncer.unwatch(&dir);
            self.watched.remove(&dir);
        }
        let mut failed = Vec::new();
        for dir in wanted {
            if self.watched.contains(&dir) || !dir.is_dir() {
                continue;
            }
            match self.debouncer.watch(&dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    self.watched.insert(dir);
                }
                Err(e) => failed.push((dir, e)),
            }
        }
        failed
    }

    /// Blocks until files that matter change; returns them (sorted, once each), together with
    /// whatever else changed meanwhile. The watcher's own errors go to `on_error`. `None` once
    /// the watcher has stopped.
    pub fn wait(&self, mut on_error: impl FnMut(&notify::Error)) -> Option<Vec<PathBuf>> {
        loop {
            let mut changed = Vec::new();
            self.collect(self.events.recv().ok()?, &mut changed, &mut on_error);
            while let Ok(more) = self.events.try_recv() {
                self.collect(more, &mut changed, &mut on_error);
            }
            if !changed.is_empty() {
                changed.sort();
                changed.dedup();
                return Some(changed);
            }
        }
    }

    /// A batch of changes for a message: the first three, relative to the project folder when
    /// inside it, and how many more (`a.yml, b.yml, c.yml and 2 more`).
    pub fn describe(&self, changed: &[PathBuf]) -> String {
        let shown: Vec<String> = changed
            .iter()
            .take(3)
            .map(|p| {
                p.strip_prefix(&self.root)
                    .unwrap_or(p)
                    .display()
                    .to_string()
            })
            .collect();
        match changed.len().saturating_sub(3) {
            0 => shown.join(", "),
            more => format!("{} and {more} more", shown.join(", ")),
        }
    }

    /// The project folder and the folders of the inputs.
    fn wanted_dirs(&self) -> BTreeSet<PathBuf> {
        let parents = self.inputs.iter().filter_map(|p| p.parent());
        std::iter::once(self.root.as_path())
            .chain(parents)
            .map(Path::to_path_buf)
            .collect()
    }

    /// Adds the paths of `result` whose change matters to `changed`.
    fn collect(
        &self,
        result: DebounceEventResult,
        changed: &mut Vec<PathBuf>,
        on_error: &mut impl FnMut(&notify::Error),
    ) {
        let events: Vec<DebouncedEvent> = match result {
            Ok(events) => events,
            Err(errors) => return errors.iter().for_each(on_error),
        };
        for event in events.iter().filter(|e| counts(&e.kind)) {
            for path in &event.paths {
                if self.inputs.contains(path) || looks_like_a_project_file(path) {
                    changed.push(path.clone());
                }
            }
        }
    }
}

fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_default()
}

/// `path` with symbolic links resolved, when it exists.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
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
fn watched_forms(path: &Path) -> [PathBuf; 2] {
    let in_folder = match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => canonical(dir).join(name),
        _ => path.to_path_buf(),
    };
    let target = path.canonicalize().unwrap_or_else(|_| in_folder.clone());
    [in_folder, target]
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
    fn a_batch_is_described_by_its_first_three_files() {
        let dir = tempfile::tempdir().unwrap();
        let watcher = Watcher::new(dir.path()).unwrap();
        let changed: Vec<PathBuf> = ["a.yml", "b.yml", "c.yml", "d.yml", "e.db"]
            .iter()
            .map(|name| watcher.root.join(name))
            .collect();
        assert_eq!(watcher.describe(&changed), "a.yml, b.yml, c.yml and 2 more");
        let outside = [PathBuf::from("/elsewhere/x.db")];
        assert_eq!(watcher.describe(&outside), "/elsewhere/x.db");
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
    fn the_project_folder_and_the_inputs_folders_are_watched() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("models")).unwrap();
        let mut watcher = Watcher::new(&root).unwrap();
        let inputs = [root.join("project.visivo.yml"), root.join("models/a.yml")];
        assert!(watcher.follow(&inputs).is_empty());
        let expected: BTreeSet<PathBuf> = [root.clone(), root.join("models")].into();
        assert_eq!(watcher.watched, expected);
        // An include removed: its folder is no longer watched.
        assert!(watcher.follow(&inputs[..1]).is_empty());
        assert_eq!(watcher.watched, [root.clone()].into());
        assert_eq!(watcher.describe(&inputs[1..]), "models/a.yml");
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_counts_as_itself_and_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("shared.yml"), "").unwrap();
        std::os::unix::fs::symlink(root.join("shared.yml"), root.join("link.yml")).unwrap();
        let mut watcher = Watcher::new(&root).unwrap();
        watcher.follow(&[root.join("link.yml")]);
        let expected: BTreeSet<PathBuf> = [root.join("link.yml"), root.join("shared.yml")].into();
        assert_eq!(watcher.inputs, expected);
    }
}
