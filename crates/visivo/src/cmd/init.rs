//! `visivo init`: asks for what the flags don't say (when standard input is a terminal and
//! `--no-input` is not given; otherwise a missing answer is an error naming the flags to pass),
//! then has [`visivo_engine::init`] write the project.

use crate::cli::InitArgs;
use anyhow::{bail, Result};
use dialoguer::{theme::ColorfulTheme, Input, Password, Select};
use std::io::IsTerminal;
use std::process::ExitCode;
use visivo_engine::init::{check_name, check_value, create, Answers, PASSWORD_VAR};
use visivo_project::SourceType;

pub fn init(args: &InitArgs) -> Result<ExitCode> {
    let interactive = !args.no_input && std::io::stdin().is_terminal();
    let answers = gather(args, interactive)?;
    let created = create(&answers, args.force)?;
    if let Some(database) = &created.example_database {
        println!("Example database written to {}", database.display());
    }
    println!("> Created project in '{}'", answers.name);
    println!(
        "Next: cd '{}' && visivo run && visivo test, then `visivo serve` to see the dashboard",
        answers.name
    );
    println!("Done");
    Ok(ExitCode::SUCCESS)
}

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
            let Some(source_type) = SourceType::from_name(&t) else {
                bail!(
                    "unknown source type '{t}': choose one of {}",
                    SourceType::names().join(", ")
                );
            };
            source_type
        }
        None if interactive => {
            let i = Select::with_theme(&theme)
                .with_prompt("Source type")
                .items(SourceType::names())
                .default(0)
                .interact()?;
            SourceType::ALL[i]
        }
        // SQLite needs nothing else and works right away.
        None => SourceType::Sqlite,
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
    if answers.password.is_none() && answers.source_type.needs_password() {
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

    match answers.source_type {
        SourceType::Sqlite => {}
        SourceType::Duckdb => ask(
            &mut answers.database,
            "--database FILE",
            "Database file",
            Some("local.duckdb"),
            &mut missing,
        )?,
        SourceType::Bigquery => ask(
            &mut answers.database,
            "--database GCP_PROJECT_ID",
            "Google Cloud project id",
            None,
            &mut missing,
        )?,
        SourceType::Snowflake => {
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
        network @ (SourceType::Postgresql | SourceType::Mysql | SourceType::Redshift) => {
            ask(
                &mut answers.host,
                "--host HOST",
                "Database host",
                Some("localhost"),
                &mut missing,
            )?;
            if answers.port.is_none() {
                let default = network.default_port().unwrap_or_default();
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
    if answers.source_type.needs_password() && answers.password.is_none() {
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
