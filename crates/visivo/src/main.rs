//! The `visivo` command: flags in, calls into the library crates, messages and exit codes out.

mod cli;
mod cmd;
mod progress;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse_from(cli::normalize_args(std::env::args_os()));
    cli::load_env_file(&cli.env_file);
    match cmd::dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
