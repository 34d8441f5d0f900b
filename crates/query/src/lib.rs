//! Traces → SQL. Knows nothing of databases beyond their dialect.
//!
//! The compile stage of the pipeline (load → validate → compile → run → serve, dist, test):
//! [`compile_trace`] turns one trace of a loaded [`visivo_project::Project`] into the SELECT
//! that computes its data, written in the dialect of the database it runs on, with the
//! [`Target`] that says where (a source, or the SQLite file of a CSV-script or local-merge
//! model). The engine writes it to `<output>/<trace>/query.sql`, runs it and groups the rows
//! by cohort into the trace's `data.json`.
//!
//! ```
//! use visivo_project::{load_project, LoadOptions, SourceType};
//! use visivo_query::{compile_trace, Target};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(
//!     dir.path().join("project.visivo.yml"),
//!     "
//! sources:
//!   - {name: shop, type: mysql, host: localhost, database: shop}
//! models:
//!   - {name: orders, sql: select * from orders, source: ref(shop)}
//! traces:
//!   - name: revenue
//!     model: ref(orders)
//!     cohort_on: region
//!     props:
//!       type: bar
//!       x: ?{month}
//!       y: ?{sum(amount)}
//! ",
//! )?;
//! let options = LoadOptions { working_dir: dir.path(), source_override: None, profile: None };
//! let project = load_project(&options).project.expect("a valid project");
//!
//! let compiled = compile_trace(&project, &project.traces["revenue"])?;
//! assert_eq!(compiled.dialect, SourceType::Mysql);
//! assert_eq!(compiled.target, Target::Source("shop".into()));
//! assert!(compiled.sql.contains("sum(amount) as `props.y`"), "{}", compiled.sql);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod compile;
mod dialect;
pub mod inputs;

pub use compile::{compile_trace, CompiledTrace, Target};
