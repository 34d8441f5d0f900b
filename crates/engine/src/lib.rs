//! Running a compiled project: sources behind one trait, the job plan and scheduler, CSV-script
//! and local-merge models, and the trace data files.

pub mod cancel;
pub mod csv_script;
pub mod data_json;
pub mod error;
pub mod materialize;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod run;
#[cfg(test)]
mod run_tests;
pub mod source;
pub mod value;
