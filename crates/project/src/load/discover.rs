//! Finds the project file and everything it includes, renders each through Jinja once and
//! parses it as YAML.

use super::template;
use super::yaml::{self, Node, NodeKind, Pos};
use crate::diagnostics::{Diagnostic, FileId, Files, Location, Report};
use regex::Regex;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

pub const PROJECT_FILE_NAMES: [&str; 2] = ["visivo_project.yml", "project.visivo.yml"];

/// Where git includes are cloned from; tests point it at a local folder of bare repositories.
pub const GIT_BASE_URL_VAR: &str = "VISIVO_GIT_BASE_URL";

/// A parsed file of the project.
pub struct Document {
    pub file: FileId,
    pub root: Node,
}

pub struct Discovery<'a> {
    pub working_dir: &'a Path,
    pub profile: Option<PathBuf>,
    pub files: &'a mut Files,
    pub report: &'a mut Report,
    pub documents: Vec<Document>,
    stack: Vec<PathBuf>,
}

pub fn find_project_file(dir: &Path) -> Option<PathBuf> {
    PROJECT_FILE_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

impl<'a> Discovery<'a> {
    pub fn new(working_dir: &'a Path, files: &'a mut Files, report: &'a mut Report) -> Self {
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
        self.visit(&root, None);
        if let Some(profile) = self.profile.clone().filter(|p| p.is_file()) {
            self.visit(&profile, None);
        }
        self.documents
    }

    fn visit(&mut self, path: &Path, included_from: Option<Location>) {
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
        let Some(document) = self.read(path, included_from) else {
            return;
        };
        let includes = include_entries(&document.root);
        let file = document.file;
        self.documents.push(document);
        self.stack.push(canonical);
        for (spec, pos) in includes {
            let location = Some(Location { file, pos });
            match spec {
                Ok(spec) => {
                    if let Some(target) = self.resolve_include(&spec, path, location) {
                        self.visit(&target, location);
                    }
                }
                Err(message) => self.report.push(Diagnostic::error(message).at(location)),
            }
        }
        self.stack.pop();
    }

    fn read(&mut self, path: &Path, included_from: Option<Location>) -> Option<Document> {
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
        match template::render(&raw, path) {
            Err(e) => {
                let file = self.files.add(path.to_path_buf(), display, raw);
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
            Ok((rendered, unset)) => {
                let shown = template::describe_unset(&rendered);
                let file = self.files.add(path.to_path_buf(), display, shown);
                for (name, line) in unset {
                    let pos = Pos { line, col: 1 };
                    self.report.push(
                        Diagnostic::warning(format!("environment variable {name} is not set"))
                            .at(Some(Location { file, pos }))
                            .help("this is an error only if something uses the value, e.g. when connecting to the source"),
                    );
                }
                self.parse(file, &rendered)
            }
        }
    }

    fn parse(&mut self, file: FileId, rendered: &str) -> Option<Document> {
        match yaml::parse(rendered) {
            Ok(root) if matches!(root.kind, NodeKind::Map(_)) => Some(Document { file, root }),
            Ok(root) => {
                let what = match root.kind {
                    NodeKind::Null => "is empty",
                    NodeKind::Seq(_) => "is a list",
                    _ => "is a single value",
                };
                self.report.push(
                    Diagnostic::error(format!(
                        "a project file must be a mapping of keys (sources, models, traces, …) but this one {what}"
                    ))
                    .at(Some(Location { file, pos: root.pos })),
                );
                None
            }
            Err(e) => {
                self.report.push(
                    Diagnostic::error(format!("invalid YAML: {}", e.message))
                        .at(Some(Location { file, pos: e.pos })),
                );
                None
            }
        }
    }

    fn resolve_include(
        &mut self,
        spec: &str,
        including_file: &Path,
        location: Option<Location>,
    ) -> Option<PathBuf> {
        if let Some(git) = parse_git_include(spec) {
            return match git {
                Ok(git) => self.fetch_git_include(&git, location),
                Err(message) => {
                    self.report.push(Diagnostic::error(message).at(location));
                    None
                }
            };
        }
        let base = including_file.parent().unwrap_or(Path::new("."));
        let target = base.join(spec);
        if target.is_file() {
            Some(target)
        } else {
            self.report.push(
                Diagnostic::error(format!(
                    "Invalid \"include\" in project. \"{}\" does not exist.",
                    display_path(&target)
                ))
                .at(location),
            );
            None
        }
    }

    fn fetch_git_include(
        &mut self,
        git: &GitInclude,
        location: Option<Location>,
    ) -> Option<PathBuf> {
        let folder = format!("{}@{}", git.repo.trim_end_matches(".git"), git.reference);
        let clone = self.working_dir.join(".visivo_cache").join(folder);
        let result = checkout(git, &clone);
        if let Err(message) = result {
            self.report.push(
                Diagnostic::error(format!("Error cloning \"{}\": {message}", git.spec))
                    .at(location),
            );
            return None;
        }
        let target = match &git.file {
            Some(file) => Some(clone.join(file)).filter(|p| p.is_file()),
            None => find_project_file(&clone),
        };
        if target.is_none() {
            self.report.push(
                Diagnostic::error(format!(
                    "git include \"{}\": the file does not exist in {}",
                    git.spec,
                    display_path(&clone)
                ))
                .at(location),
            );
        }
        target
    }
}

fn include_entries(root: &Node) -> Vec<(Result<String, String>, Pos)> {
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
            return vec![(
                Err("`includes` must be a list of `- path: <file>` entries".to_string()),
                includes.value.pos,
            )]
        }
    };
    items
        .iter()
        .map(|item| (include_path(item), item.pos))
        .collect()
}

fn include_path(item: &Node) -> Result<String, String> {
    let NodeKind::Map(entries) = &item.kind else {
        return Err("an include must be a mapping like `- path: other.visivo.yml`".into());
    };
    if let Some(extra) = entries.iter().find(|e| e.key != "path") {
        return Err(format!(
            "unknown field `{}` on an include: only `path` is allowed",
            extra.key
        ));
    }
    match entries.first().map(|e| &e.value.kind) {
        Some(NodeKind::Str(path)) => Ok(path.clone()),
        _ => Err("an include needs a `path` string".into()),
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
    Some(Ok(GitInclude {
        spec: spec.to_string(),
        repo,
        reference: reference.as_str().to_string(),
        file: caps.get(3).map(|m| m.as_str().to_string()),
    }))
}

fn checkout(git: &GitInclude, clone: &Path) -> Result<(), String> {
    if !clone.join(".git").exists() {
        let base = std::env::var(GIT_BASE_URL_VAR).unwrap_or_else(|_| "https://github.com/".into());
        let url = format!("{}/{}", base.trim_end_matches('/'), git.repo);
        if let Some(parent) = clone.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        run_git(None, &["clone", "--quiet", &url, &clone.to_string_lossy()])?;
    } else {
        // Branch refs move: refresh them (1.0.30 reused the first clone forever).
        run_git(Some(clone), &["fetch", "--quiet", "origin"])?;
    }
    run_git(Some(clone), &["checkout", "--quiet", &git.reference])?;
    let remote_branch = format!("origin/{}", git.reference);
    if run_git(
        Some(clone),
        &["rev-parse", "--verify", "--quiet", &remote_branch],
    )
    .is_ok()
    {
        run_git(Some(clone), &["reset", "--quiet", "--hard", &remote_branch])?;
    }
    Ok(())
}

fn run_git(dir: Option<&Path>, args: &[&str]) -> Result<(), String> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let output = command
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
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
