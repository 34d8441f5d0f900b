mod aggregate;
mod compile;
mod dist;
mod init;
mod run;
mod serve;
mod test;

use crate::cli::{Command, ProjectArgs};
use anyhow::Result;
use std::process::ExitCode;
use visivo_project::{load_project, LoadOptions, Project};

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

/// Loads the project, printing its warnings; `None` (after printing the errors) if invalid.
pub fn load(args: &ProjectArgs) -> Option<Project> {
    let loaded = load_project(&LoadOptions {
        working_dir: &args.working_dir,
        source_override: args.source.as_deref(),
        profile: visivo_project::default_profile_path(),
    });
    eprint!("{}", loaded.report.render(&loaded.files));
    loaded.project
}
