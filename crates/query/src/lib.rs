//! Traces → SQL. Knows nothing of databases beyond their dialect.

pub mod compile;
pub mod dialect;

pub use compile::{compile_trace, target_of, CompiledTrace, Target};
pub use dialect::{Class, Dialect};
