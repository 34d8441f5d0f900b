use crate::cli::DistArgs;
use anyhow::Result;
use std::process::ExitCode;

pub fn dist(_args: &DistArgs) -> Result<ExitCode> {
    anyhow::bail!("`visivo dist` is not available yet")
}
