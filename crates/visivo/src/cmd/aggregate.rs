use crate::cli::AggregateArgs;
use anyhow::Result;
use std::process::ExitCode;

pub fn aggregate(_args: &AggregateArgs) -> Result<ExitCode> {
    anyhow::bail!("aggregate is not available yet")
}
