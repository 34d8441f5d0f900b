//! The `visivo` command: flags in, calls into the library crates, messages and exit codes out.

mod cli;
mod cmd;
mod progress;

use clap::Parser;
use std::process::ExitCode;
use visivo_engine::pipeline;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse_from(cli::normalize_args(std::env::args_os())) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Help and --version succeed; every usage mistake exits 1, as Visivo did.
            return if e.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    cli::load_env_file(&cli.env_file);
    // The one place errors are printed; the project's own were printed where they arose.
    match cmd::dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            if !matches!(e.downcast_ref(), Some(pipeline::Error::Project { .. })) {
                eprintln!("error: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}
