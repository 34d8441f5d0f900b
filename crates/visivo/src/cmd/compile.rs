use super::{load, pipeline};
use crate::cli::ProjectArgs;
use anyhow::Result;
use std::process::ExitCode;
use visivo_engine::pipeline::{Compiled, Pipeline};
use visivo_project::Project;

pub fn compile(args: &ProjectArgs) -> Result<ExitCode> {
    let pipeline = pipeline(args);
    println!("Compiling project");
    let project = load(&pipeline)?;
    compile_loaded(&pipeline, &project)?;
    Ok(ExitCode::SUCCESS)
}

/// Compiles and writes the selected traces, printing the compiler's warnings.
pub fn compile_loaded(pipeline: &Pipeline, project: &Project) -> Result<Compiled> {
    let compiled = pipeline.compile(project)?;
    for trace in &compiled.traces {
        for warning in &trace.warnings {
            eprintln!("warning: trace '{}': {warning}", trace.trace);
        }
    }
    println!("Project compiled");
    Ok(compiled)
}
