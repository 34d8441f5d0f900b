//! `visivo init`: asks for what the flags don't say (when standard input is a terminal and
//! `--no-input` is not given; otherwise a missing answer is an error naming the flags to pass),
//! then has [`visivo_engine::init`] write the project.

use crate::cli::InitArgs;
use anyhow::{bail, Result};
use dialoguer::{theme::ColorfulTheme, Input, Password, Select};
use std::io::IsTerminal;
use std::process::ExitCode;
use visivo_engine::init::{
    check_answer, create, name_question, parse_source_type, questions, Answers, Field, Question,
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
    let theme = ColorfulTheme::default();
    let mut answers = Answers {
        host: args.host.clone(),
        port: args.port,
        database: args.database.clone(),
        username: args.username.clone(),
        password: args.password.clone(),
        account: args.account.clone(),
        warehouse: args.warehouse.clone(),
        ..Answers::default()
    };
    if let Some(name) = &args.project_name {
        answers.set(Field::Name, name.clone())?;
    }
    let mut missing: Vec<&str> = Vec::new();
    let mut complete = |answers: &mut Answers, question: Question| -> Result<()> {
        if answers.has(question.field) {
            return Ok(());
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
        Ok(())
    };
    complete(&mut answers, name_question())?;
    answers.source_type = match &args.source_type {
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
    answers.password_from_env();
    for question in questions(answers.source_type) {
        complete(&mut answers, question)?;
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
