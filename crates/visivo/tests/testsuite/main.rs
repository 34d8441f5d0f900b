//! The CLI's integration tests, in one binary (one link instead of one per file): each module
//! runs the real `visivo` binary on projects in temporary folders, against the real SQLite,
//! PostgreSQL, MariaDB and local stand-ins of the cloud APIs.

mod cli_errors;
mod common;
mod compile;
mod conformance;
mod conformance_1082;
mod dist;
mod duckdb;
mod hostile;
mod init;
mod inputs;
mod insights;
mod later_1x;
mod later_1x_layout;
mod later_1x_project;
mod later_1x_semantic;
mod later_1x_sources;
mod later_1x_tables;
mod later_1x_tests;
mod many_sources;
mod run;
mod serve;
mod sources_e2e;
mod test_command;
