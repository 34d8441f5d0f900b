//! Finds the project file and everything it includes, renders each through Jinja once and
//! parses it as YAML.

use super::yaml::{self, Node, NodeKind, Pos};
use super::{include_dir, template};
use crate::diagnostics::{Diagnostic, FileId, Files, Location, Report};
use regex::Regex;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// The names a project file may have, in the order they are looked for.
pub(crate) const PROJECT_FILE_NAMES: [&str; 2] = ["visivo_project.yml", "project.visivo.yml"];

/// Where git includes are cloned from; tests point it at a local folder of bare repositories.
pub const GIT_BASE_URL_VAR: &str = "VISIVO_GIT_BASE_URL";

/// Seconds one `git` command of a git include may take before it is killed.
pub const GIT_TIMEOUT_VAR: &str = "VISIVO_GIT_TIMEOUT";
const DEFAULT_GIT_TIMEOUT: Duration = Duration::from_secs(120);

/// A parsed file of the project.
pub(crate) struct Document {
    /// The file in [`Files`].
    pub(crate) file: FileId,
    /// The YAML, parsed.
    pub(crate) root: Node,
}

/// Walks the project file, its includes and the profile, reading each once.
pub(crate) struct Discovery<'a> {
    pub(crate) working_dir: &'a Path,
    pub(crate) profile: Option<PathBuf>,
    pub(crate) files: &'a mut Files,
    pub(crate) report: &'a mut Report,
    pub(crate) documents: Vec<Document>,
    stack: Vec<PathBuf>,
}

/// The project file in `dir`: `visivo_project.yml`, else `project.visivo.yml`; `None` if neither
/// exists.
pub fn find_project_file(dir: &Path) -> Option<PathBuf> {
    PROJECT_FILE_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

impl<'a> Discovery<'a> {
    pub(crate) fn new(working_dir: &'a Path, files: &'a mut Files, report: &'a mut Report) -> Self {
        Discovery {
            working_dir,
            profile: None,
            files,
            report,
            documents: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// Reads the root file, its includes depth-first, then the profile file.
    pub fn run(mut self) -> Vec<Document> {
        let Some(root) = find_project_file(self.working_dir) else {
            self.report.push(Diagnostic::error(format!(
                "Project file \"project.visivo.yml\" not found in {}",
                self.working_dir.display()
            )));
            return Vec::new();
        };
        self.visit(&root, None, None);
        // The project file's `dbt:` block reads like an include of the project file.
        let dbt_block = self.documents.first().and_then(|root| {
            let NodeKind::Map(entries) = &root.root.kind else {
                return None;
            };
            let block = entries.iter().find(|e| e.key == "dbt")?;
            Some((root.file, block.clone()))
        });
        if let Some((file, block)) = dbt_block {
            let dbt = super::dbt::documents(&mut self, file, &block);
            self.documents.splice(1..1, dbt);
        }
        if let Some(profile) = self.profile.clone().filter(|p| p.is_file()) {
            self.visit(&profile, None, None);
        }
        self.documents
    }

    /// Reads `path` and what it includes. `confined_to` is the git clone the file came from:
    /// nothing it includes or reads may lie outside it.
    fn visit(&mut self, path: &Path, included_from: Option<Location>, confined_to: Option<&Path>) {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if self.stack.contains(&canonical) {
            let chain: Vec<String> = self
                .stack
                .iter()
                .chain(std::iter::once(&canonical))
                .map(|p| display_path(p))
                .collect();
            self.report.push(
                Diagnostic::error(format!("include cycle: {}", chain.join(" → ")))
                    .at(included_from),
            );
            return;
        }
        let Some(document) = self.read(path, included_from, confined_to) else {
            return;
        };
        let includes = include_entries(&document.root);
        let file = document.file;
        self.documents.push(document);
        self.stack.push(canonical);
        for entry in includes {
            match entry {
                Ok((spec, pos)) => {
                    let location = Some(Location { file, pos });
                    if let Some((targets, root)) =
                        self.resolve_include(&spec, path, location, confined_to)
                    {
                        for target in targets {
                            self.visit(&target, location, root.as_deref());
                        }
                    }
                }
                Err((message, pos)) => self
                    .report
                    .push(Diagnostic::error(message).at(Some(Location { file, pos }))),
            }
        }
        self.stack.pop();
    }

    /// Reads, renders and parses one file; `None` when that failed (and was reported).
    pub(crate) fn read(
        &mut self,
        path: &Path,
        included_from: Option<Location>,
        confined_to: Option<&Path>,
    ) -> Option<Document> {
        let raw = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                self.report.push(
                    Diagnostic::error(format!("cannot read {}: {e}", display_path(path)))
                        .at(included_from),
                );
                return None;
            }
        };
        let display = display_path(path);
        let rendered = template::render(&raw, path, confined_to);
        // Messages quote the file as written: rendered values (env_var()) never appear in them.
        let file = self.files.add(path.to_path_buf(), display, raw.clone());
        match rendered {
            Err(e) => {
                let pos = Pos {
                    line: e.line.unwrap_or(1),
                    col: 1,
                };
                self.report.push(
                    Diagnostic::error(format!("invalid Jinja template: {}", e.message))
                        .at(Some(Location { file, pos })),
                );
                None
            }
            Ok(rendered) => {
                for (name, pos) in rendered.unset(&raw) {
                    self.report.push(
                        Diagnostic::warning(format!("environment variable {name} is not set"))
                            .at(Some(Location { file, pos }))
                            .help("this is an error only if something uses the value, e.g. when connecting to the source"),
                    );
                }
                self.files.remember_env_values(&rendered.env_values);
                self.parse(file, &rendered, &raw)
            }
        }
    }

    fn parse(
        &mut self,
        file: FileId,
        rendered: &template::Rendered,
        raw: &str,
    ) -> Option<Document> {
        let map = rendered.map(raw);
        match yaml::parse(&rendered.text) {
            Ok(mut root) if matches!(root.kind, NodeKind::Map(_)) => {
                to_template_positions(&mut root, &map);
                Some(Document { file, root })
            }
            Ok(root) => {
                let root_pos = map.template_pos(root.pos);
                let what = match root.kind {
                    NodeKind::Null => "is empty",
                    NodeKind::Seq(_) => "is a list",
                    _ => "is a single value",
                };
                self.report.push(
                    Diagnostic::error(format!(
                        "a project file must be a mapping of keys (sources, models, traces, …) but this one {what}"
                    ))
                    .at(Some(Location { file, pos: root_pos })),
                );
                None
            }
            Err(e) => {
                self.report.push(
                    Diagnostic::error(format!("invalid YAML: {}", e.message)).at(Some(Location {
                        file,
                        pos: map.template_pos(e.pos),
                    })),
                );
                None
            }
        }
    }

    /// The files an include names (one, or a directory's) and the git clone they must stay
    /// inside, if any.
    fn resolve_include(
        &mut self,
        spec: &IncludeSpec,
        including_file: &Path,
        location: Option<Location>,
        confined_to: Option<&Path>,
    ) -> Option<(Vec<PathBuf>, Option<PathBuf>)> {
        if let Some(git) = parse_git_include(&spec.path) {
            let fetched = git.and_then(|git| self.fetch_git_include(&git));
            return match fetched {
                Ok((target, clone)) => Some((vec![target], Some(clone))),
                Err(message) => {
                    self.report.push(Diagnostic::error(message).at(location));
                    None
                }
            };
        }
        let target = local_include(&spec.path, including_file);
        let checked = match confined_to {
            Some(root) => confine(&target, root),
            None => Ok(target.clone()),
        };
        let root = confined_to.map(Path::to_path_buf);
        match checked {
            Ok(path) if path.is_file() => {
                if spec.depth.is_some() || !spec.exclusions.is_empty() {
                    self.report.push(
                        Diagnostic::warning(format!(
                            "`depth` and `exclusions` apply only to directories; {} is a file",
                            display_path(&target)
                        ))
                        .at(location),
                    );
                }
                Some((vec![path], root))
            }
            Ok(path) if path.is_dir() => {
                let files = self.directory_files(&path, spec, location, confined_to);
                Some((files, root))
            }
            Ok(_) => {
                self.report.push(
                    Diagnostic::error(format!(
                        "Invalid \"include\" in project. \"{}\" does not exist.",
                        display_path(&target)
                    ))
                    .at(location),
                );
                None
            }
            Err(message) => {
                self.report.push(Diagnostic::error(message).at(location));
                None
            }
        }
    }

    /// The YAML files of an included directory (1.0.64), each confined to the git clone the
    /// include came from, if any; a warning when there are none.
    fn directory_files(
        &mut self,
        dir: &Path,
        spec: &IncludeSpec,
        location: Option<Location>,
        confined_to: Option<&Path>,
    ) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for file in include_dir::yaml_files(dir, spec.depth, &spec.exclusions) {
            match confined_to.map_or(Ok(file.clone()), |root| confine(&file, root)) {
                Ok(file) => files.push(file),
                Err(message) => self.report.push(Diagnostic::error(message).at(location)),
            }
        }
        if files.is_empty() {
            self.report.push(
                Diagnostic::warning(format!(
                    "no YAML files found in the included directory {}",
                    display_path(dir)
                ))
                .at(location),
            );
        }
        files
    }

    /// Clones or updates the repository; the included file and the clone's canonical path.
    fn fetch_git_include(&mut self, git: &GitInclude) -> Result<(PathBuf, PathBuf), String> {
        let folder = format!("{}@{}", git.repo.trim_end_matches(".git"), git.reference);
        let clone = self.working_dir.join(".visivo_cache").join(folder);
        checkout(git, &clone)
            .map_err(|message| format!("Error cloning \"{}\": {message}", git.spec))?;
        let root = clone.canonicalize().map_err(|e| e.to_string())?;
        let target = match &git.file {
            Some(file) => Some(confine(&root.join(file), &root)?).filter(|p| p.is_file()),
            None => find_project_file(&root),
        };
        let missing = || {
            format!(
                "git include \"{}\": the file does not exist in {}",
                git.spec,
                display_path(&clone)
            )
        };
        let target = target.ok_or_else(missing)?;
        Ok((confine(&target, &root)?, root))
    }
}

/// A local include's path: relative to the including file, also when it starts with `/` (every
/// 1.x release joins `f"{base}/{path}"`).
fn local_include(spec: &str, including_file: &Path) -> PathBuf {
    let base = including_file.parent().unwrap_or(Path::new("."));
    base.join(spec.trim_start_matches('/'))
}

/// `path` with every link resolved, provided it lies inside the folder `root` (a git clone): a
/// repository must not make the project read files elsewhere, through `..` or a symbolic link.
pub fn confine(path: &Path, root: &Path) -> Result<PathBuf, String> {
    let outside = || {
        format!(
            "{} is outside the git repository it was included from",
            display_path(path)
        )
    };
    let root = root.canonicalize().map_err(|_| outside())?;
    match path.canonicalize() {
        Ok(real) if real.starts_with(&root) => Ok(real),
        Ok(_) => Err(outside()),
        // A missing file: decide by its path alone, so the message can say it is missing.
        Err(_) if lexically_inside(path, &root) => Ok(path.to_path_buf()),
        Err(_) => Err(outside()),
    }
}

fn lexically_inside(path: &Path, root: &Path) -> bool {
    let Ok(rest) = path.strip_prefix(root) else {
        return false;
    };
    let mut depth = 0usize;
    for component in rest.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => depth -= 1,
            _ => return false,
        }
    }
    true
}

/// Positions in a parsed tree point into the rendered text: move them to the template.
fn to_template_positions(root: &mut Node, map: &template::PositionMap) {
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        node.pos = map.template_pos(node.pos);
        match &mut node.kind {
            NodeKind::Seq(items) => pending.extend(items.iter_mut()),
            NodeKind::Map(entries) => {
                for entry in entries {
                    entry.key_pos = map.template_pos(entry.key_pos);
                    pending.push(&mut entry.value);
                }
            }
            _ => {}
        }
    }
}

/// One entry of `includes`: a file, a directory (read `depth` levels down, leaving out
/// `exclusions`) or a git include.
struct IncludeSpec {
    path: String,
    depth: Option<usize>,
    exclusions: Vec<String>,
}

/// A mistake in an `includes` entry and where it was written.
type IncludeError = (String, Pos);

fn include_entries(root: &Node) -> Vec<Result<(IncludeSpec, Pos), IncludeError>> {
    let NodeKind::Map(entries) = &root.kind else {
        return Vec::new();
    };
    let Some(includes) = entries.iter().find(|e| e.key == "includes") else {
        return Vec::new();
    };
    let items = match &includes.value.kind {
        NodeKind::Seq(items) => items,
        NodeKind::Null => return Vec::new(),
        _ => {
            return vec![Err((
                "`includes` must be a list of `- path: <file>` entries".to_string(),
                includes.value.pos,
            ))]
        }
    };
    items
        .iter()
        .map(|item| include_spec(item).map(|spec| (spec, item.pos)))
        .collect()
}

fn include_spec(item: &Node) -> Result<IncludeSpec, IncludeError> {
    let NodeKind::Map(entries) = &item.kind else {
        return Err((
            "an include must be a mapping like `- path: other.visivo.yml`".into(),
            item.pos,
        ));
    };
    let mut spec = IncludeSpec {
        path: String::new(),
        depth: None,
        exclusions: Vec::new(),
    };
    let mut has_path = false;
    for entry in entries {
        let value = &entry.value;
        match (entry.key.as_str(), &value.kind) {
            ("path", NodeKind::Str(path)) => {
                spec.path = path.clone();
                has_path = true;
            }
            ("path", _) => return Err(("an include's `path` must be text".into(), value.pos)),
            ("depth", NodeKind::Null) => {}
            ("depth", NodeKind::Int(depth)) if *depth >= 0 => spec.depth = usize::try_from(*depth).ok(),
            ("depth", _) => {
                return Err((
                    "`depth` must be a whole number of folders, 0 or more (0: only the directory itself; leave it out to read every folder below)".into(),
                    value.pos,
                ))
            }
            ("exclusions", NodeKind::Null) => {}
            ("exclusions", NodeKind::Seq(patterns)) => {
                for pattern in patterns {
                    match &pattern.kind {
                        NodeKind::Str(text) => spec.exclusions.push(text.clone()),
                        _ => return Err(("each exclusion must be a text pattern like `*.backup.yml`".into(), pattern.pos)),
                    }
                }
            }
            ("exclusions", _) => {
                return Err(("`exclusions` must be a list of patterns".into(), value.pos))
            }
            (key, _) => {
                return Err((
                    format!("unknown field `{key}` on an include: only `path`, `depth` and `exclusions` are allowed"),
                    entry.key_pos,
                ))
            }
        }
    }
    if has_path {
        Ok(spec)
    } else {
        Err(("an include needs a `path` string".into(), item.pos))
    }
}

struct GitInclude {
    spec: String,
    repo: String,
    reference: String,
    file: Option<String>,
}

static GIT_INCLUDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([\w.-]+/[\w.-]+\.git)(?:@(\S+))?\s*(?:--\s*(.+?))?\s*$").expect("valid regex")
});

/// `owner/repo.git@ref -- path/in/repo.yml`; `None` when the text is a plain path.
fn parse_git_include(spec: &str) -> Option<Result<GitInclude, String>> {
    let caps = GIT_INCLUDE.captures(spec.trim())?;
    let repo = caps[1].to_string();
    let Some(reference) = caps.get(2) else {
        return Some(Err(format!(
            "Invalid github dependency \"{spec}\". A version specified with \"@\" is required"
        )));
    };
    let reference = reference.as_str().to_string();
    if repo.split('/').any(|part| part == "." || part == "..") {
        return Some(Err(format!(
            "Invalid github dependency \"{spec}\": \"{repo}\" is not an owner/repository.git name"
        )));
    }
    if !is_valid_ref(&reference) {
        return Some(Err(format!(
            "Invalid github dependency \"{spec}\": \"{reference}\" is not a valid branch, tag or commit name"
        )));
    }
    Some(Ok(GitInclude {
        spec: spec.to_string(),
        repo,
        reference,
        file: caps.get(3).map(|m| m.as_str().to_string()),
    }))
}

/// git's rules for branch and tag names (`git check-ref-format`), which also admit commit
/// hashes; a name that could be read as an option (`-…`) or a path (`..`) never passes.
fn is_valid_ref(name: &str) -> bool {
    let forbidden_char = |c: char| c.is_ascii_control() || " ~^:?*[\\".contains(c);
    !name.is_empty()
        && name != "@"
        && !name.starts_with(['-', '/'])
        && !name.ends_with(['/', '.'])
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name.chars().any(forbidden_char)
        && name
            .split('/')
            .all(|part| !part.starts_with('.') && !part.ends_with(".lock"))
}

fn checkout(git: &GitInclude, clone: &Path) -> Result<(), String> {
    if !clone.join(".git").exists() {
        let base = std::env::var(GIT_BASE_URL_VAR).unwrap_or_else(|_| "https://github.com/".into());
        let url = format!("{}/{}", base.trim_end_matches('/'), git.repo);
        if let Some(parent) = clone.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        run_git(
            None,
            &["clone", "--quiet", "--", &url, &clone.to_string_lossy()],
        )?;
    } else {
        // Branch refs move: refresh them (1.0.30 reused the first clone forever).
        run_git(Some(clone), &["fetch", "--quiet", "origin"])?;
    }
    run_git(Some(clone), &["checkout", "--quiet", &git.reference, "--"])?;
    let remote_branch = format!("origin/{}", git.reference);
    if run_git(
        Some(clone),
        &["rev-parse", "--verify", "--quiet", &remote_branch],
    )
    .is_ok()
    {
        run_git(
            Some(clone),
            &["reset", "--quiet", "--hard", &remote_branch, "--"],
        )?;
    }
    Ok(())
}

/// Runs git without a terminal to prompt on, killing it (and its helpers) when it takes longer
/// than the timeout: a server that never answers must not hang the command.
fn run_git(dir: Option<&Path>, args: &[&str]) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let stderr = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            text
        })
    });
    let timeout = git_timeout();
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => break None,
        }
    };
    if status.is_none() {
        kill_process_group(&child);
        let _ = child.wait();
    }
    let stderr = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    match status {
        Some(status) if status.success() => Ok(()),
        Some(_) => Err(String::from_utf8_lossy(&stderr).trim().to_string()),
        None => Err(format!(
            "git did not finish within {} s and was stopped (set {GIT_TIMEOUT_VAR} to allow longer)",
            timeout.as_secs()
        )),
    }
}

fn git_timeout() -> Duration {
    std::env::var(GIT_TIMEOUT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|seconds| *seconds > 0)
        .map_or(DEFAULT_GIT_TIMEOUT, Duration::from_secs)
}

fn kill_process_group(child: &std::process::Child) {
    if let Ok(group) = i32::try_from(child.id()) {
        // SAFETY: kill(2) only sends a signal; the group is the one git was started in.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}

/// A path as the user would like to read it: relative to the current directory when inside it.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let canonical_cwd = cwd.as_ref().and_then(|c| c.canonicalize().ok());
    for base in [cwd, canonical_cwd].into_iter().flatten() {
        if let Ok(relative) = path.strip_prefix(&base) {
            return relative.display().to_string();
        }
        if let Ok(relative) = path.strip_prefix(".") {
            return relative.display().to_string();
        }
    }
    let text = path.display().to_string();
    text.strip_prefix("./").map_or(text.clone(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_git_includes_by_shape() {
        let git = parse_git_include("visivo-io/visivo.git@main -- test-projects/demo/x.yml")
            .unwrap()
            .unwrap();
        assert_eq!(git.repo, "visivo-io/visivo.git");
        assert_eq!(git.reference, "main");
        assert_eq!(git.file.as_deref(), Some("test-projects/demo/x.yml"));
        assert!(parse_git_include("visivo-io/visivo.git").unwrap().is_err());
        assert!(parse_git_include("dashboards/my.git.visivo.yml").is_none());
    }
}
