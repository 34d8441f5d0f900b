use crate::cli::ServeArgs;
use anyhow::Result;
use std::process::ExitCode;

pub fn serve(_args: &ServeArgs) -> Result<ExitCode> {
    anyhow::bail!("`visivo serve` is not available yet")
}
