//! Everything about a Visivo project before any database is involved: finding and reading its
//! files (Jinja, YAML), the typed objects, validation with exact locations, and the JSON Schema.
//!
//! This is the first stage of the pipeline (load → validate → compile → run → serve, dist,
//! test). [`load_project`] finds the project file in a folder, follows its includes and the
//! profile, renders each file with Jinja, parses the YAML keeping every value's position, types
//! the objects ([`model`]) and validates them together. The [`Loaded`] result holds the
//! [`Project`] when there were no errors, and a [`Report`] of errors and warnings located in the
//! files as written ([`Report::render`] is the terminal's text). The later stages read the
//! project: `visivo-query` compiles its traces to SQL, `visivo-engine` runs them and writes every
//! file under a [`layout::OutputLayout`], `visivo-check` runs the traces' tests. Besides:
//! [`export::project_json`] is the viewer's `project.json`, [`graph`] selects the traces a
//! `--name-filter` means, [`schema::project_schema`] is the JSON Schema of a project file and
//! [`source_type`] the registry of database engines.
//!
//! ```
//! use visivo_project::{load_project, LoadOptions, Model};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(
//!     dir.path().join("project.visivo.yml"),
//!     "
//! sources:
//!   - {name: local, type: sqlite, database: shop.db}
//! models:
//!   - {name: orders, sql: select * from orders, source: ref(local)}
//! traces:
//!   - name: revenue
//!     model: ref(orders)
//!     props:
//!       type: bar
//!       x: ?{month}
//!       y: ?{sum(amount)}
//! ",
//! )?;
//! let loaded = load_project(&LoadOptions {
//!     working_dir: dir.path(),
//!     source_override: None,
//!     profile: None,
//! });
//! assert!(!loaded.report.has_errors(), "{}", loaded.report.render(&loaded.files));
//! let project = loaded.project.expect("a valid project");
//! let trace = &project.traces["revenue"];
//! let Model::Sql(orders) = &project.models[&trace.model] else { unreachable!() };
//! assert_eq!(project.model_source(orders).map(|s| s.database.as_deref()), Some(Some("shop.db")));
//! # Ok::<(), std::io::Error>(())
//! ```

mod build;
pub mod diagnostics;
pub mod export;
pub mod expr;
pub mod graph;
pub mod input;
mod inputs;
mod insights;
pub mod layout;
mod lenient;
mod lift;
pub mod load;
pub mod model;
mod plotly;
pub mod schema;
pub mod secret;
pub mod selector_option;
mod semantic;
pub mod source_fields;
pub mod source_type;
mod validate;

use build::BuildOptions;
pub use build::Project;
pub use diagnostics::{Diagnostic, Files, Report};
pub use model::*;
pub use secret::Secret;

use std::path::{Path, PathBuf};

/// How to find and read a project.
pub struct LoadOptions<'a> {
    /// The folder holding `visivo_project.yml` or `project.visivo.yml`.
    pub working_dir: &'a Path,
    /// `-s/--source`: the source SQL models without one run on, instead of `defaults.source_name`.
    pub source_override: Option<&'a str>,
    /// `~/.visivo/profile.yml` unless told otherwise; `None` reads no profile.
    pub profile: Option<PathBuf>,
}

/// What loading produced: the project if there were no errors, and every message either way.
pub struct Loaded {
    /// The typed, valid project; `None` when [`Self::report`] has errors.
    pub project: Option<Project>,
    /// Every file read, for rendering the report with excerpts.
    pub files: Files,
    /// Errors and warnings, each located in the files as written.
    pub report: Report,
}

/// `~/.visivo/profile.yml`, read last like an include; `None` without a home directory.
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
