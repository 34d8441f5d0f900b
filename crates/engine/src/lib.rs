//! The Visivo pipeline and what runs it: [`pipeline`] takes a project from its files to its
//! trace data (load → validate → compile → write compiled outputs → plan → run → write
//! results); underneath, sources behind one trait ([`source`]), the job plan ([`plan`]) and
//! scheduler ([`run`]), CSV-script and local-merge models, and the trace data files. [`init`]
//! writes a new project. Every path under the output folder is one of
//! [`visivo_project::layout::OutputLayout`]'s; what the pipeline writes there is what the later
//! stages read: `visivo-server` serves it (`visivo serve`) or publishes it (`visivo dist`), and
//! `visivo-check` tests it (`visivo test`).
//!
//! ```no_run
//! use visivo_engine::pipeline::{Pipeline, Settings};
//! use visivo_engine::run::Outcome;
//!
//! let pipeline = Pipeline::new(Settings {
//!     name_filter: Some("Revenue dashboard".into()),
//!     ..Settings::new(".", "target")
//! });
//! let loaded = pipeline.load();
//! eprint!("{}", loaded.report.render(&loaded.files));
//! let Some(project) = loaded.project else { std::process::exit(1) };
//! let compiled = pipeline.compile(&project)?;
//! let summary = pipeline.run(pipeline.plan(&project, &compiled)?, |_event| {})?;
//! for trace in summary.traces(|outcome| !matches!(outcome, Outcome::Reused)) {
//!     println!("new data: {}", pipeline.settings.output.data_json(&trace).display());
//! }
//! # Ok::<(), visivo_engine::pipeline::Error>(())
//! ```

pub mod cancel;
mod csv_script;
pub mod data_json;
pub mod error;
pub mod init;
mod materialize;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod run;
#[cfg(test)]
mod run_tests;
pub mod source;
mod states;
mod text_table;
pub mod value;
