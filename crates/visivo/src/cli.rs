//! Command-line flags, compatible with Visivo 1.0.30's (including `-nf`, `-th`).

use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "visivo",
    version,
    about = "BI as code: turn a Visivo project into queries, data and dashboards"
)]
pub struct Cli {
    /// Load environment variables from this file first, if it exists (existing variables win).
    #[arg(short = 'e', long = "env-file", default_value = ".env", global = true)]
    pub env_file: PathBuf,
    /// Accepted for compatibility with Visivo 1.0.30; no effect.
    #[arg(long = "force-complete-property-loading", global = true, hide = true)]
    pub force_complete_property_loading: bool,
    /// Accepted for compatibility with Visivo 1.0.30 (which wrote a Python profile); no effect.
    #[arg(long = "profile", global = true, hide = true)]
    pub profile: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate the project and write project.json and one query.sql per trace
    Compile(ProjectArgs),
    /// Compile, then run every job and write each trace's data.json
    Run(RunArgs),
    /// Run, then serve the dashboards on 127.0.0.1 and re-run what changes when files are saved
    Serve(ServeArgs),
    /// Run, then write a static site of the dashboards
    Dist(DistArgs),
    /// Check the tests of every trace against its data.json and send alerts on failure
    Test(TestArgs),
    /// Create a new project
    Init(InitArgs),
    /// Group a JSON array of rows by their cohort_on field into data.json
    Aggregate(AggregateArgs),
    /// Print the JSON Schema (draft-07) of project files
    Schema,
}

#[derive(Args, Debug, Clone)]
pub struct ProjectArgs {
    /// Use this source as the default source (replaces defaults.source_name)
    #[arg(short = 's', long = "source")]
    pub source: Option<String>,
    /// Directory holding project.visivo.yml
    #[arg(short = 'w', long = "working-dir", default_value = ".")]
    pub working_dir: PathBuf,
    /// Where outputs are written
    #[arg(short = 'o', long = "output-dir", default_value = "target")]
    pub output_dir: PathBuf,
    /// Only the traces connected to the object with this name (-nf)
    #[arg(long = "name-filter")]
    pub name_filter: Option<String>,
    /// The most input states one trace may have; each is computed (docs/interactivity.md)
    #[arg(long = "max-input-states", default_value_t = visivo_engine::pipeline::DEFAULT_MAX_INPUT_STATES)]
    pub max_input_states: usize,
}

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// How many jobs run at once (-th; default: the project's defaults.threads, else 8)
    #[arg(long = "threads")]
    pub threads: Option<usize>,
    /// Run every job even if its inputs did not change since the last run
    #[arg(long = "full-refresh")]
    pub full_refresh: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Port to listen on
    #[arg(short = 'p', long = "port", default_value_t = 8000)]
    pub port: u16,
    /// Address to bind; anything but loopback exposes your data to the network
    #[arg(long = "host", default_value = "127.0.0.1")]
    pub host: String,
    /// Also answer requests addressed to this host name (repeatable); besides it, only
    /// localhost, 127.0.0.1, [::1] and --host are answered (against DNS rebinding)
    #[arg(long = "allowed-host", value_name = "NAME")]
    pub allowed_hosts: Vec<String>,
    /// How many connections are served at once (128); more wait until one closes
    #[arg(long = "max-connections", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,
    /// Seconds a client has to send a request's headers; also closes idle keep-alive connections (10)
    #[arg(long = "header-timeout", value_name = "SECONDS", value_parser = seconds, hide = true)]
    pub header_timeout: Option<Duration>,
    /// Seconds a connection may wait without any byte read or written (60)
    #[arg(long = "idle-timeout", value_name = "SECONDS", value_parser = seconds, hide = true)]
    pub idle_timeout: Option<Duration>,
}

fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("not a number of seconds: {text}"))?;
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("not a positive number of seconds: {text}"))
}

#[derive(Args, Debug, Clone)]
pub struct DistArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Where the static site is written
    #[arg(short = 'd', long = "dist-dir", default_value = "dist")]
    pub dist_dir: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct TestArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Alert to send when tests fail (repeatable); defaults.alert_name when absent
    #[arg(short = 'a', long = "alert")]
    pub alerts: Vec<String>,
    /// Run the project first, so the tests see fresh data
    #[arg(long = "run")]
    pub run_first: bool,
    /// Also write the results as JUnit XML to this file
    #[arg(long = "junit")]
    pub junit: Option<PathBuf>,
    /// 1.0.30 behaviour: a test whose expression is merely false passes
    #[arg(long = "legacy-pass-on-false")]
    pub legacy_pass_on_false: bool,
}

#[derive(Args, Debug, Clone)]
pub struct InitArgs {
    /// Project name (also the directory created); asked for when absent
    #[arg(long = "project-name")]
    pub project_name: Option<String>,
    /// The example source's engine (`visivo init --source-type x` lists them); asked for when absent
    #[arg(long = "source-type")]
    pub source_type: Option<String>,
    #[arg(long = "host")]
    pub host: Option<String>,
    #[arg(long = "port")]
    pub port: Option<u16>,
    #[arg(long = "database")]
    pub database: Option<String>,
    #[arg(long = "username")]
    pub username: Option<String>,
    /// Written to .env as DB_PASSWORD, never into the YAML
    #[arg(long = "password")]
    pub password: Option<String>,
    #[arg(long = "account")]
    pub account: Option<String>,
    #[arg(long = "warehouse")]
    pub warehouse: Option<String>,
    /// Never prompt: fail if an answer is missing
    #[arg(long = "no-input")]
    pub no_input: bool,
    /// Overwrite an existing project
    #[arg(long = "force")]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct AggregateArgs {
    /// JSON file with an array of row objects, each with a cohort_on field
    #[arg(short = 'j', long = "json-file")]
    pub json_file: PathBuf,
    /// Directory where data.json is written
    #[arg(short = 'o', long = "output-dir", default_value = "target")]
    pub output_dir: PathBuf,
}

/// Visivo's multi-letter short flags (`-nf`, `-th`, `-fcpl`) are spelled out for clap.
pub fn normalize_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    const LONG_FORMS: [(&str, &str); 3] = [
        ("-nf", "--name-filter"),
        ("-th", "--threads"),
        ("-fcpl", "--force-complete-property-loading"),
    ];
    args.into_iter()
        .map(|arg| {
            let Some(text) = arg.to_str() else {
                return arg;
            };
            for (short, long) in LONG_FORMS {
                if text == short {
                    return OsString::from(long);
                }
                if let Some(value) = text.strip_prefix(short).and_then(|r| r.strip_prefix('=')) {
                    return OsString::from(format!("{long}={value}"));
                }
            }
            arg
        })
        .collect()
}

pub fn load_env_file(path: &std::path::Path) {
    if path.is_file() {
        eprintln!("Loading env file: {}", path.display());
        if let Err(e) = dotenvy::from_path(path) {
            eprintln!("warning: could not read {}: {e}", path.display());
        }
    }
}
