//! `visivo init`: a new project folder that runs right away — an example source, model, trace
//! (with tests), chart and dashboard; for SQLite also the example database. Secrets go to `.env`
//! only; the YAML reads them with `env_var()`.
//!
//! Answers come from the flags; what is missing is asked for when standard input is a terminal
//! (and `--no-input` is not given), otherwise it is an error naming the flags to pass.

use crate::cli::InitArgs;
use anyhow::{bail, Context, Result};
use dialoguer::{theme::ColorfulTheme, Input, Password, Select};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

const SOURCE_TYPES: [&str; 7] = [
    "sqlite",
    "postgresql",
    "mysql",
    "redshift",
    "snowflake",
    "duckdb",
    "bigquery",
];

/// Environment variable holding the database password, in `.env` and in the YAML's `env_var()`.
const PASSWORD_VAR: &str = "DB_PASSWORD";

/// Every answer `init` needs, once gathered.
#[derive(Debug, Default)]
struct Answers {
    name: String,
    source_type: String,
    host: Option<String>,
    port: Option<u16>,
    database: Option<String>,
    username: Option<String>,
    password: Option<String>,
    account: Option<String>,
    warehouse: Option<String>,
}

pub fn init(args: &InitArgs) -> Result<ExitCode> {
    let interactive = !args.no_input && std::io::stdin().is_terminal();
    let answers = gather(args, interactive)?;
    let dir = Path::new(&answers.name);
    let existing = visivo_project::load::discover::find_project_file(dir);
    if let (Some(existing), false) = (&existing, args.force) {
        bail!(
            "{} already exists: not overwriting it (pass --force to replace it)",
            existing.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    if answers.source_type == "sqlite" {
        let database = dir.join(sqlite_file(&answers));
        create_example_database(&database)
            .with_context(|| format!("creating the example database {}", database.display()))?;
        println!("Example database written to {}", database.display());
    }
    let project_file = existing.unwrap_or_else(|| dir.join("project.visivo.yml"));
    std::fs::write(&project_file, project_yaml(&answers))
        .with_context(|| format!("writing {}", project_file.display()))?;
    write_env(&dir.join(".env"), &answers)?;
    write_gitignore(&dir.join(".gitignore"))?;
    println!("> Created project in '{}'", answers.name);
    println!(
        "Next: cd '{}' && visivo run && visivo test, then `visivo serve` to see the dashboard",
        answers.name
    );
    println!("Done");
    Ok(ExitCode::SUCCESS)
}

// ----- answers ------------------------------------------------------------------------------

fn gather(args: &InitArgs, interactive: bool) -> Result<Answers> {
    let mut missing: Vec<&str> = Vec::new();
    let theme = ColorfulTheme::default();

    let name = match &args.project_name {
        Some(name) => Some(name.clone()),
        None if interactive => Some(
            Input::<String>::with_theme(&theme)
                .with_prompt("Project name")
                .validate_with(|s: &String| check_name(s).map_err(|e| e.to_string()))
                .interact_text()?,
        ),
        None => {
            missing.push("--project-name NAME");
            None
        }
    };
    if let Some(name) = &name {
        check_name(name)?;
    }

    let source_type = match &args.source_type {
        Some(t) => {
            let t = t.trim().to_ascii_lowercase();
            if !SOURCE_TYPES.contains(&t.as_str()) {
                bail!(
                    "unknown source type '{t}': choose one of {}",
                    SOURCE_TYPES.join(", ")
                );
            }
            t
        }
        None if interactive => {
            let i = Select::with_theme(&theme)
                .with_prompt("Source type")
                .items(SOURCE_TYPES)
                .default(0)
                .interact()?;
            SOURCE_TYPES[i].to_string()
        }
        // SQLite needs nothing else and works right away.
        None => "sqlite".to_string(),
    };

    let mut answers = Answers {
        name: name.unwrap_or_default(),
        source_type,
        host: args.host.clone(),
        port: args.port,
        database: args.database.clone(),
        username: args.username.clone(),
        password: args.password.clone(),
        account: args.account.clone(),
        warehouse: args.warehouse.clone(),
    };
    // A password from the environment (or the -e env file) beats typing it on the command line.
    if answers.password.is_none() && needs_password(&answers.source_type) {
        answers.password = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty());
    }

    let text = |prompt: &str, default: Option<String>| -> Result<String> {
        let mut input = Input::<String>::with_theme(&theme).with_prompt(prompt);
        if let Some(default) = default {
            input = input.default(default);
        }
        Ok(input.interact_text()?)
    };
    let ask = |slot: &mut Option<String>,
               flag: &'static str,
               prompt: &str,
               default: Option<&str>,
               missing: &mut Vec<&'static str>|
     -> Result<()> {
        if slot.is_some() {
            return Ok(());
        }
        if interactive {
            *slot = Some(text(prompt, default.map(str::to_string))?);
        } else if let Some(default) = default {
            *slot = Some(default.to_string());
        } else {
            missing.push(flag);
        }
        Ok(())
    };

    match answers.source_type.as_str() {
        "sqlite" => {}
        "duckdb" => ask(
            &mut answers.database,
            "--database FILE",
            "Database file",
            Some("local.duckdb"),
            &mut missing,
        )?,
        "bigquery" => ask(
            &mut answers.database,
            "--database GCP_PROJECT_ID",
            "Google Cloud project id",
            None,
            &mut missing,
        )?,
        "snowflake" => {
            ask(
                &mut answers.account,
                "--account ACCOUNT",
                "Snowflake account",
                None,
                &mut missing,
            )?;
            ask(
                &mut answers.warehouse,
                "--warehouse WAREHOUSE",
                "Snowflake warehouse",
                None,
                &mut missing,
            )?;
            ask(
                &mut answers.database,
                "--database NAME",
                "Database name",
                None,
                &mut missing,
            )?;
            ask(
                &mut answers.username,
                "--username USER",
                "Database username",
                None,
                &mut missing,
            )?;
        }
        network => {
            ask(
                &mut answers.host,
                "--host HOST",
                "Database host",
                Some("localhost"),
                &mut missing,
            )?;
            if answers.port.is_none() {
                let default = default_port(network);
                answers.port = Some(if interactive {
                    Input::<u16>::with_theme(&theme)
                        .with_prompt("Database port")
                        .default(default)
                        .interact_text()?
                } else {
                    default
                });
            }
            ask(
                &mut answers.database,
                "--database NAME",
                "Database name",
                None,
                &mut missing,
            )?;
            ask(
                &mut answers.username,
                "--username USER",
                "Database username",
                None,
                &mut missing,
            )?;
        }
    }
    if needs_password(&answers.source_type) && answers.password.is_none() {
        if interactive {
            answers.password = Some(
                Password::with_theme(&theme)
                    .with_prompt("Database password (stored in .env only)")
                    .with_confirmation("Repeat the password", "The passwords don't match")
                    .allow_empty_password(true)
                    .interact()?,
            );
        } else {
            missing.push("--password PASSWORD (or the DB_PASSWORD environment variable)");
        }
    }

    if !missing.is_empty() {
        let why = if args.no_input {
            "--no-input was given"
        } else {
            "standard input is not a terminal"
        };
        bail!(
            "missing answers for `visivo init` ({why}); pass: {}",
            missing.join(", ")
        );
    }
    for value in [
        &answers.host,
        &answers.database,
        &answers.username,
        &answers.account,
        &answers.warehouse,
    ]
    .into_iter()
    .flatten()
    {
        check_value(value)?;
    }
    if let Some(password) = &answers.password {
        if password.contains(['\n', '\r']) {
            bail!("the password can't contain a line break");
        }
    }
    Ok(answers)
}

fn needs_password(source_type: &str) -> bool {
    !matches!(source_type, "sqlite" | "duckdb" | "bigquery")
}

fn default_port(source_type: &str) -> u16 {
    match source_type {
        "mysql" => 3306,
        "redshift" => 5439,
        _ => 5432,
    }
}

/// The name is also the folder created in the current directory.
fn check_name(name: &str) -> Result<()> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        bail!("the project name is empty");
    }
    if trimmed != name {
        bail!("the project name can't start or end with spaces");
    }
    if name == "." || name == ".." || name.contains(['/', '\\']) {
        bail!("the project name is also its folder's name: it can't contain '/' or '\\' or be '.' or '..'");
    }
    check_value(name)
}

/// Values land in a YAML file that is rendered with Jinja first.
fn check_value(value: &str) -> Result<()> {
    if value.chars().any(char::is_control) {
        bail!("'{}' contains a control character", value.escape_debug());
    }
    if ["{{", "{%", "{#"].iter().any(|m| value.contains(m)) {
        bail!("'{value}' contains a Jinja marker ({{{{, {{% or {{#), which the project file can't hold literally");
    }
    Ok(())
}

fn sqlite_file(answers: &Answers) -> String {
    answers
        .database
        .clone()
        .unwrap_or_else(|| "local.db".to_string())
}

// ----- files --------------------------------------------------------------------------------

/// `test_table` and `second_test_table` (x 1..6; y Fibonacci, and doubled), created only when
/// missing so that an existing database keeps its data.
fn create_example_database(path: &Path) -> Result<()> {
    let connection = rusqlite::Connection::open(path)?;
    for (table, factor) in [("test_table", 1), ("second_test_table", 2)] {
        let exists: bool = connection.query_row(
            "select count(*) > 0 from sqlite_master where type = 'table' and name = ?1",
            [table],
            |row| row.get(0),
        )?;
        if exists {
            continue;
        }
        connection.execute_batch(&format!("create table {table} (x integer, y integer);"))?;
        for (x, y) in (1..=6).zip([1, 1, 2, 3, 5, 8]) {
            connection.execute(
                &format!("insert into {table} (x, y) values (?1, ?2)"),
                [x, y * factor],
            )?;
        }
    }
    Ok(())
}

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn quote(value: &str) -> String {
    serde_json::to_string(value).expect("strings serialize")
}

/// Table-free, so it runs on any SQL database as soon as the connection works.
const CONSTANT_SQL: &str = "select 1 as x, 1 as y union all select 2, 1 union all select 3, 2 \
                            union all select 4, 3 union all select 5, 5 union all select 6, 8";

fn project_yaml(a: &Answers) -> String {
    let password = format!("\"{{{{ env_var('{PASSWORD_VAR}') }}}}\"");
    let mut source = format!("  - name: Example Source\n    type: {}\n", a.source_type);
    let mut field = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            source.push_str(&format!("    {key}: {value}\n"));
        }
    };
    let sql = match a.source_type.as_str() {
        "sqlite" => {
            field("database", Some(quote(&sqlite_file(a))));
            "select * from test_table"
        }
        "duckdb" => {
            field("database", a.database.as_deref().map(quote));
            CONSTANT_SQL
        }
        "bigquery" => {
            field("project", a.database.as_deref().map(quote));
            CONSTANT_SQL
        }
        "snowflake" => {
            field("account", a.account.as_deref().map(quote));
            field("warehouse", a.warehouse.as_deref().map(quote));
            field("database", a.database.as_deref().map(quote));
            field("username", a.username.as_deref().map(quote));
            field("password", Some(password.clone()));
            CONSTANT_SQL
        }
        _ => {
            field("host", a.host.as_deref().map(quote));
            field("port", a.port.map(|p| p.to_string()));
            field("database", a.database.as_deref().map(quote));
            field("username", a.username.as_deref().map(quote));
            field("password", Some(password.clone()));
            CONSTANT_SQL
        }
    };
    let credentials_note = match a.source_type.as_str() {
        "sqlite" | "duckdb" => "",
        "bigquery" => "# Credentials: the service-account key file named by GOOGLE_APPLICATION_CREDENTIALS (see .env).\n",
        _ => "# The password is read from DB_PASSWORD (set in .env, which git ignores): never write it here.\n",
    };
    format!(
        r#"# Created by `visivo init`.
#   visivo run     queries the data (target/<trace>/data.json)
#   visivo test    checks the traces' tests against that data
#   visivo serve   shows the dashboards at http://127.0.0.1:8000
name: {name}

defaults:
  source_name: Example Source

{credentials_note}sources:
{source}
models:
  - name: Example Model
    sql: {sql}

traces:
  - name: Example Trace
    model: ref(Example Model)
    props:
      type: scatter
      mode: lines+markers
      x: query(x)
      y: query(y)
    order_by:
      - query(x asc)
    tests:
      - logic: assert_that(Example Trace.props.y[0]).is_equal_to(1)
      - logic: assert_that(numpy.sum(Example Trace.props.y)).is_equal_to(20)

charts:
  - name: Example Chart
    traces:
      - ref(Example Trace)
    layout:
      title:
        text: Example Chart

dashboards:
  - name: Example Dashboard
    rows:
      - height: small
        items:
          - markdown: |
              # {title}
              Edit `project.visivo.yml` and run `visivo serve` to see your changes here.
      - height: medium
        items:
          - chart: ref(Example Chart)
"#,
        name = quote(&a.name),
        sql = quote(sql),
        title = markdown_text(&a.name),
    )
}

fn markdown_text(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = "\\`*_[]<>#|".contains(c);
            escape.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect()
}

/// A dotenv value in single quotes (no `$` expansion); `'` written as `'\''`.
fn env_value(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// Sets `DB_PASSWORD` in `.env`, keeping whatever else the file holds.
fn write_env(path: &Path, answers: &Answers) -> Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let line = match answers.source_type.as_str() {
        "sqlite" | "duckdb" => {
            format!(
                "{PASSWORD_VAR}=  # not used by {} sources",
                answers.source_type
            )
        }
        "bigquery" => format!(
            "{PASSWORD_VAR}=  # not used by bigquery sources\n\
             # GOOGLE_APPLICATION_CREDENTIALS=/path/to/service-account-key.json"
        ),
        _ => format!(
            "{PASSWORD_VAR}={}",
            env_value(answers.password.as_deref().unwrap_or(""))
        ),
    };
    let is_password_line = |l: &str| {
        let l = l.trim_start();
        let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
        l.strip_prefix(PASSWORD_VAR)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    };
    let keeps_password =
        !needs_password(&answers.source_type) && existing.lines().any(is_password_line);
    let mut text = String::new();
    if existing.is_empty() {
        text.push_str("# Secrets for project.visivo.yml, read there with {{ env_var('NAME') }}.\n");
        text.push_str("# Keep this file out of version control (.gitignore lists it).\n");
    }
    let mut replaced = false;
    for l in existing.lines() {
        if is_password_line(l) && !keeps_password {
            if !replaced {
                text.push_str(&line);
                text.push('\n');
                replaced = true;
            }
        } else {
            text.push_str(l);
            text.push('\n');
        }
    }
    if !replaced && !keeps_password {
        text.push_str(&line);
        text.push('\n');
    }
    write_private(path, &text).with_context(|| format!("writing {}", path.display()))
}

/// Writes a file only its owner can read (it holds secrets).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    use std::io::Write;
    options.open(path)?.write_all(text.as_bytes())
}

/// Adds the entries `.gitignore` needs, keeping the file's own.
fn write_gitignore(path: &Path) -> Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let present: Vec<&str> = existing.lines().map(str::trim).collect();
    let mut text = existing.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for entry in [".env", "target/", ".visivo_cache/", "dist/"] {
        let bare = entry.trim_end_matches('/');
        let covered = present
            .iter()
            .any(|p| *p == entry || *p == bare || p.trim_start_matches('/') == entry);
        if !covered {
            text.push_str(entry);
            text.push('\n');
        }
    }
    if text != existing {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_survive_dotenv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        for secret in [
            "plain",
            "it's $HOME \"quoted\" \\ # not a comment",
            " spaced ",
        ] {
            std::fs::write(&path, format!("X={}\n", env_value(secret))).unwrap();
            let read: Vec<(String, String)> = dotenvy::from_path_iter(&path)
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert_eq!(read, vec![("X".to_string(), secret.to_string())]);
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("my project").is_ok());
        assert!(check_name("a/b").is_err());
        assert!(check_name("..").is_err());
        assert!(check_name("").is_err());
        assert!(check_name("{{ x }}").is_err());
    }
}
