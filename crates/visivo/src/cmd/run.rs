use crate::cli::RunArgs;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(_args: &RunArgs) -> Result<ExitCode> {
    anyhow::bail!("run is not available yet")
}
