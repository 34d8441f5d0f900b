//! `visivo dist`: run, then write the dashboards as a static site (viewer + data).

use super::run::run_project;
use crate::cli::DistArgs;
use anyhow::{Context, Result};
use std::process::ExitCode;
use visivo_engine::plan::JobKind;
use visivo_engine::run::Outcome;
use visivo_server::{write_site, SiteOptions};

pub fn dist(args: &DistArgs) -> Result<ExitCode> {
    println!("Creating Dist");
    let Some(summary) = run_project(&args.run)? else {
        return Ok(ExitCode::FAILURE);
    };
    if summary.failed() > 0 {
        eprintln!("Not writing {}: the run failed.", args.dist_dir.display());
        return Ok(ExitCode::FAILURE);
    }
    // The current project's traces (with -nf, the selected ones): never stale folders.
    let traces: Vec<String> = summary
        .results
        .iter()
        .filter(|(kind, _, outcome)| {
            *kind == JobKind::Trace && !matches!(outcome, Outcome::Failed(_) | Outcome::Skipped(_))
        })
        .map(|(_, name, _)| name.clone())
        .collect();
    let site = write_site(&SiteOptions {
        dist_dir: &args.dist_dir,
        output_dir: &args.run.project.output_dir,
        traces: &traces,
        dashboard: args.run.project.name_filter.as_deref(),
    })
    .with_context(|| format!("writing {}", args.dist_dir.display()))?;
    for trace in &site.missing {
        eprintln!("warning: trace '{trace}' has no data.json; its charts will say so");
    }
    println!(
        "Created dist folder {} ({} files, data of {} trace(s))",
        args.dist_dir.display(),
        site.files,
        site.traces
    );
    println!(
        "Serve it with any static web server, e.g.: python3 -m http.server -d {}",
        args.dist_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
