use super::load;
use crate::cli::ProjectArgs;
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::ExitCode;
use visivo_engine::output::{trace_dir, write_atomic};
use visivo_project::Project;
use visivo_query::{compile_trace, CompiledTrace};

pub fn compile(args: &ProjectArgs) -> Result<ExitCode> {
    println!("Compiling project");
    let Some(project) = load(args) else {
        return Ok(ExitCode::FAILURE);
    };
    compile_project(&project, args)?;
    println!("Project compiled");
    Ok(ExitCode::SUCCESS)
}

/// Writes project.json and the selected traces' query.sql; returns the compiled traces.
pub fn compile_project(project: &Project, args: &ProjectArgs) -> Result<Vec<CompiledTrace>> {
    let output = &args.output_dir;
    let json = visivo_project::export::project_json(project, env!("CARGO_PKG_VERSION"));
    write_atomic(
        &output.join("project.json"),
        serde_json::to_string(&json)?.as_bytes(),
    )
    .with_context(|| format!("writing {}", output.join("project.json").display()))?;
    let selected: Vec<String> = match &args.name_filter {
        None => project.traces.keys().cloned().collect(),
        Some(name) => match visivo_project::graph::traces_for_filter(project, name) {
            Some(traces) => traces,
            None => bail!("No item found with name: '{name}'."),
        },
    };
    let mut compiled = Vec::with_capacity(selected.len());
    for name in selected {
        let trace = &project.traces[&name];
        let result = compile_trace(project, trace).map_err(anyhow::Error::msg)?;
        for warning in &result.warnings {
            eprintln!("warning: trace '{name}': {warning}");
        }
        compiled.push(result);
    }
    write_queries(output, &compiled)?;
    Ok(compiled)
}

/// Writing files is most of a compile's time (directories, temp files, renames): spread it
/// over the cores.
fn write_queries(output: &Path, compiled: &[CompiledTrace]) -> Result<()> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let chunk = compiled.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = compiled
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().try_for_each(|c| write_query(output, c))))
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| bail!("a writer thread panicked"))
        })
    })
}

fn write_query(output: &Path, compiled: &CompiledTrace) -> Result<()> {
    let path = trace_dir(output, &compiled.trace).join("query.sql");
    // Unchanged text: no write (and no fsync), so `serve` reloads stay fast on big projects.
    if std::fs::read(&path).is_ok_and(|old| old == compiled.sql.as_bytes()) {
        return Ok(());
    }
    write_atomic(&path, compiled.sql.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
