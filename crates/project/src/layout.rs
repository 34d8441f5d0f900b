//! Every path under the output folder (`target/` by default), in one place: what `compile` and
//! `run` write, what `serve`, `dist` and `test` read.
//!
//! ```text
//! <out>/project.json            the compiled project (the viewer's input)
//! <out>/.visivo-state.json      the input hashes of the last run (re-use of unchanged jobs)
//! <out>/<trace>/query.sql       the trace's SQL
//! <out>/<trace>/data.json       its rows, grouped by cohort
//! <out>/<trace>/error.json      why its last run failed (absent when it succeeded)
//! <out>/<trace>/states.json     its data in every input state (traces that reference inputs)
//! <out>/inputs.json             every input's options (docs/interactivity.md)
//! <out>/.inputs/<input>.json    the options an input's query returned, for inputs.json
//! <out>/<model>.sqlite          a model's rows, for local merges and CSV-script models
//! ```
//!
//! ```
//! use visivo_project::layout::OutputLayout;
//! let out = OutputLayout::new("target");
//! assert_eq!(out.data_json("revenue"), std::path::Path::new("target/revenue/data.json"));
//! assert_eq!(out.model_database("orders"), std::path::Path::new("target/orders.sqlite"));
//! ```

use std::path::{Path, PathBuf};

/// The file name of the compiled project, at the top of the output folder.
pub const PROJECT_JSON: &str = "project.json";
/// The file name of the inputs' options, at the top of the output folder.
pub const INPUTS_JSON: &str = "inputs.json";
/// The file name of the run state, at the top of the output folder.
pub const STATE_FILE: &str = ".visivo-state.json";

/// Why `name` can't be a trace's folder or a model's file in the output folder, whatever else the
/// project holds: empty, a `/`, `\\` or control character (it would leave or split the folder), or
/// a leading `.` (the folder's state and temporary files are named so). `None` when it can.
pub fn unusable_name(name: &str) -> Option<&'static str> {
    let splits = name.is_empty()
        || name
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\'));
    if splits {
        return Some("names may not be empty or contain `/`, `\\` or control characters");
    }
    if name.starts_with('.') {
        return Some(
            "names may not start with `.`: the output folder keeps its state and temporary files under such names",
        );
    }
    None
}

/// One of the files in a trace's folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFile {
    /// `query.sql`
    Query,
    /// `data.json`
    Data,
    /// `error.json`
    Error,
    /// `states.json`
    States,
}

impl TraceFile {
    /// The file's name inside the trace's folder.
    pub fn name(self) -> &'static str {
        match self {
            TraceFile::Query => "query.sql",
            TraceFile::Data => "data.json",
            TraceFile::Error => "error.json",
            TraceFile::States => "states.json",
        }
    }

    /// The file called `name`, if it is one of a trace's files.
    pub fn from_name(name: &str) -> Option<TraceFile> {
        [
            TraceFile::Query,
            TraceFile::Data,
            TraceFile::Error,
            TraceFile::States,
        ]
        .into_iter()
        .find(|f| f.name() == name)
    }
}

/// The output folder and the path of everything in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLayout {
    root: PathBuf,
}

impl OutputLayout {
    /// The layout of the output folder `root` (which need not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        OutputLayout { root: root.into() }
    }

    /// The output folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<out>/project.json`
    pub fn project_json(&self) -> PathBuf {
        self.root.join(PROJECT_JSON)
    }

    /// `<out>/.visivo-state.json`
    pub fn state_file(&self) -> PathBuf {
        self.root.join(STATE_FILE)
    }

    /// `<out>/<trace>/` (a `/` in a trace name is a sub-folder).
    pub fn trace_dir(&self, trace: &str) -> PathBuf {
        self.root.join(trace)
    }

    /// `<out>/<trace>/<file>`
    pub fn trace_file(&self, trace: &str, file: TraceFile) -> PathBuf {
        self.trace_dir(trace).join(file.name())
    }

    /// `<out>/<trace>/query.sql`
    pub fn query_sql(&self, trace: &str) -> PathBuf {
        self.trace_file(trace, TraceFile::Query)
    }

    /// `<out>/<trace>/data.json`
    pub fn data_json(&self, trace: &str) -> PathBuf {
        self.trace_file(trace, TraceFile::Data)
    }

    /// `<out>/<trace>/error.json`
    pub fn error_json(&self, trace: &str) -> PathBuf {
        self.trace_file(trace, TraceFile::Error)
    }

    /// `<out>/<trace>/states.json`
    pub fn states_json(&self, trace: &str) -> PathBuf {
        self.trace_file(trace, TraceFile::States)
    }

    /// `<out>/inputs.json`
    pub fn inputs_json(&self) -> PathBuf {
        self.root.join(INPUTS_JSON)
    }

    /// `<out>/.inputs/<input>.json`: what an input's options query returned.
    pub fn input_options(&self, input: &str) -> PathBuf {
        self.root.join(".inputs").join(format!("{input}.json"))
    }

    /// `<out>/<model>.sqlite`: a model's rows, for the jobs that read them.
    pub fn model_database(&self, model: &str) -> PathBuf {
        self.root.join(format!("{model}.sqlite"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_files_round_trip_their_names() {
        for file in [
            TraceFile::Query,
            TraceFile::Data,
            TraceFile::Error,
            TraceFile::States,
        ] {
            assert_eq!(TraceFile::from_name(file.name()), Some(file));
        }
        assert_eq!(TraceFile::from_name("other.json"), None);
    }

    #[test]
    fn paths_are_under_the_root() {
        let out = OutputLayout::new("out");
        assert_eq!(out.project_json(), Path::new("out/project.json"));
        assert_eq!(out.state_file(), Path::new("out/.visivo-state.json"));
        assert_eq!(out.query_sql("a/b"), Path::new("out/a/b/query.sql"));
        assert_eq!(out.error_json("t"), Path::new("out/t/error.json"));
    }
}
