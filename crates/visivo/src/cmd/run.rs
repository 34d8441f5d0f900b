use super::{load_and_run, run_pipeline};
use crate::cli::RunArgs;
use anyhow::Result;
use std::process::ExitCode;

/// Exit status of a run stopped by SIGINT/SIGTERM (128 + SIGINT, as shells report Ctrl-C).
pub const INTERRUPTED: u8 = 130;

/// `visivo run`: the first SIGINT/SIGTERM cancels the run (scripts killed, server-side queries
/// cancelled, previous outputs kept), a second one exits at once. `dist` and `serve` do the
/// same.
pub fn run(args: &RunArgs) -> Result<ExitCode> {
    let summary = load_and_run(&run_pipeline(args)).summary?;
    Ok(if summary.interrupted {
        ExitCode::from(INTERRUPTED)
    } else if summary.failed() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
