//! Running a compiled project: sources behind one trait, the job scheduler, CSV-script and
//! local-merge models, and the trace data files.

pub mod output;
