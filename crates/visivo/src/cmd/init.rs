//! `visivo init`: asks for what the flags don't say (when standard input is a terminal and
//! `--no-input` is not given; otherwise a missing answer is an error naming the flags to pass),
//! then has [`visivo_engine::init`] write the project.

use crate::cli::InitArgs;
use anyhow::{bail, Result};
use dialoguer::{theme::ColorfulTheme, Input, Password, Select};
use std::io::IsTerminal;
use std::process::ExitCode;
use visivo_engine::init::{
    check_answer, check_name, create, parse_source_type, questions, Answers, Field, Question,
};
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
        Some(text) => parse_source_type(text)?,
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
    answers.password_from_env();
    for question in questions(answers.source_type) {
        if answers.has(question.field) {
            continue;
        }
        let answer = if interactive {
            Some(ask(&theme, &question)?)
        } else {
            question.default
        };
        match answer {
            Some(answer) => answers.set(question.field, answer)?,
            None => missing.push(question.flag),
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
    Ok(answers)
}

fn ask(theme: &ColorfulTheme, question: &Question) -> Result<String> {
    let field = question.field;
    if field == Field::Password {
        return Ok(Password::with_theme(theme)
            .with_prompt(question.prompt)
            .with_confirmation("Repeat the password", "The passwords don't match")
            .allow_empty_password(true)
            .interact()?);
    }
    let mut input = Input::<String>::with_theme(theme)
        .with_prompt(question.prompt)
        .validate_with(move |answer: &String| {
            check_answer(field, answer).map_err(|e| e.to_string())
        });
    if let Some(default) = &question.default {
        input = input.default(default.clone());
    }
    Ok(input.interact_text()?)
}
