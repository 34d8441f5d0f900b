use crate::cli::TestArgs;
use anyhow::Result;
use std::process::ExitCode;

pub fn test(_args: &TestArgs) -> Result<ExitCode> {
    anyhow::bail!("`visivo test` is not available yet")
}
