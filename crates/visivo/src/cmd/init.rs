use crate::cli::InitArgs;
use anyhow::Result;
use std::process::ExitCode;

pub fn init(_args: &InitArgs) -> Result<ExitCode> {
    anyhow::bail!("`visivo init` is not available yet")
}
