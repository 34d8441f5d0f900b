//! `visivo dist`: run, then write the dashboards as a static site (viewer + data).

use super::run::INTERRUPTED;
use super::{load_and_run, run_pipeline};
use crate::cli::DistArgs;
use anyhow::{bail, Context, Result};
use std::process::ExitCode;
use visivo_engine::run::Outcome;
use visivo_server::{write_site, SiteOptions};

pub fn dist(args: &DistArgs) -> Result<ExitCode> {
    println!("Creating Dist");
    let pipeline = run_pipeline(&args.run);
    let summary = load_and_run(&pipeline).summary?;
    if summary.interrupted {
        return Ok(ExitCode::from(INTERRUPTED));
    }
    if summary.failed() > 0 {
        bail!("Not writing {}: the run failed.", args.dist_dir.display());
    }
    // The current project's traces (with -nf, the selected ones): never stale folders.
    let traces = summary.traces(|o| !matches!(o, Outcome::Failed(_) | Outcome::Skipped(_)));
    let site = write_site(&SiteOptions {
        dist_dir: &args.dist_dir,
        output: &pipeline.settings.output,
        traces: &traces,
        dashboard: pipeline.settings.name_filter.as_deref(),
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
