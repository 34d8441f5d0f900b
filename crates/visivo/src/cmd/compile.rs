use super::pipeline;
use crate::cli::ProjectArgs;
use crate::progress::Progress;
use anyhow::Result;
use std::process::ExitCode;

pub fn compile(args: &ProjectArgs) -> Result<ExitCode> {
    let pipeline = pipeline(args);
    let progress = Progress::new(&pipeline.settings);
    let listener = |event| progress.event(event);
    pipeline.load_and_compile(&listener)?;
    Ok(ExitCode::SUCCESS)
}
