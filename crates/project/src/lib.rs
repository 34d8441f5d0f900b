//! Everything about a Visivo project before any database is involved: finding and reading its
//! files (Jinja, YAML), the typed objects, validation with exact locations, and the JSON Schema.

pub mod build;
pub mod diagnostics;
pub mod export;
pub mod expr;
pub mod graph;
mod inputs;
pub mod layout;
mod lenient;
pub mod lift;
pub mod load;
pub mod model;
pub mod plotly;
pub mod schema;
pub mod secret;
pub mod source_type;
pub mod validate;

pub use build::{BuildOptions, Project};
pub use diagnostics::{Diagnostic, Files, Report};
pub use model::*;
pub use secret::Secret;

use std::path::{Path, PathBuf};

/// How to find and read a project.
pub struct LoadOptions<'a> {
    pub working_dir: &'a Path,
    pub source_override: Option<&'a str>,
    /// `~/.visivo/profile.yml` unless told otherwise; `None` reads no profile.
    pub profile: Option<PathBuf>,
}

/// What loading produced: the project if there were no errors, and every message either way.
pub struct Loaded {
    pub project: Option<Project>,
    pub files: Files,
    pub report: Report,
}

pub fn default_profile_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".visivo").join("profile.yml"))
}

/// Reads, templates, parses, types and validates the project in `options.working_dir`.
pub fn load_project(options: &LoadOptions) -> Loaded {
    let mut files = Files::default();
    let mut report = Report::default();
    let raw = load::load(
        options.working_dir,
        options.profile.clone(),
        &mut files,
        &mut report,
    );
    let objects = lift::lift(&raw, &mut report);
    let build_options = BuildOptions {
        source_override: options.source_override,
    };
    let project = build::build(raw, objects, &build_options, &mut report);
    report.redact(&files);
    let project = (!report.has_errors()).then_some(project);
    Loaded {
        project,
        files,
        report,
    }
}
