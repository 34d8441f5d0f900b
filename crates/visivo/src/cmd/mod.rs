//! One file per command: each parses nothing (clap did), calls the library and prints.

mod aggregate;
mod compile;
mod dist;
mod init;
mod run;
mod serve;
mod test;

pub use run::INTERRUPTED;

use crate::cli::{Command, ProjectArgs, RunArgs};
use crate::progress::Progress;
use anyhow::Result;
use std::process::ExitCode;
use std::sync::Arc;
use visivo_engine::pipeline::{Pipeline, Ran, Settings};

pub fn dispatch(command: Command) -> Result<ExitCode> {
    match command {
        Command::Compile(args) => compile::compile(&args),
        Command::Run(args) => run::run(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::Dist(args) => dist::dist(&args),
        Command::Test(args) => test::test(&args),
        Command::Init(args) => init::init(&args),
        Command::Aggregate(args) => aggregate::aggregate(&args),
        Command::Schema => {
            let schema = visivo_project::schema::project_schema();
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The pipeline of a command that only reads the project.
pub fn pipeline(args: &ProjectArgs) -> Pipeline {
    Pipeline::new(Settings {
        source: args.source.clone(),
        name_filter: args.name_filter.clone(),
        max_input_states: args.max_input_states,
        ..Settings::new(&args.working_dir, &args.output_dir)
    })
}

/// The pipeline of a command that runs the project: the first SIGINT/SIGTERM cancels the run.
pub fn run_pipeline(args: &RunArgs) -> Pipeline {
    let mut pipeline = pipeline(&args.project);
    pipeline.settings.threads = args.threads;
    pipeline.settings.full_refresh = args.full_refresh;
    pipeline.settings.cancel_on_signals = true;
    pipeline
}

/// Loads, compiles and runs, with the progress and the summary on the terminal.
pub fn load_and_run(pipeline: &Pipeline) -> Ran {
    let progress = Arc::new(Progress::new(&pipeline.settings));
    let listener = progress.clone();
    let ran = pipeline.load_and_run(move |event| listener.event(event));
    progress.finish(ran.summary.as_ref().ok());
    ran
}
