//! `visivo init`'s files: a new project folder that runs right away — an example source, model,
//! trace (with tests), chart and dashboard; for SQLite also the example database. Secrets go to
//! `.env` only (merged into an existing one); the YAML reads them with `env_var()`; `.gitignore`
//! gets the entries it lacks. Asking for the answers is the caller's.
//!
//! ```no_run
//! use visivo_engine::init::{create, Answers};
//! use visivo_project::SourceType;
//! let answers = Answers {
//!     name: "shop".into(),
//!     source_type: SourceType::Sqlite,
//!     ..Answers::default()
//! };
//! let created = create(&answers, false)?;
//! println!("{}", created.project_file.display());
//! # Ok::<(), visivo_engine::init::InitError>(())
//! ```

use std::path::{Path, PathBuf};
use visivo_project::SourceType;

/// Environment variable holding the database password, in `.env` and in the YAML's `env_var()`.
pub const PASSWORD_VAR: &str = "DB_PASSWORD";

/// Every answer `init` needs, once gathered.
#[derive(Debug, Default, Clone)]
pub struct Answers {
    /// The project's name, also the folder created.
    pub name: String,
    /// The engine of the example source.
    pub source_type: SourceType,
    /// Database host (network databases).
    pub host: Option<String>,
    /// Database port (network databases).
    pub port: Option<u16>,
    /// Database name; the file for SQLite and DuckDB; the Google Cloud project for BigQuery.
    pub database: Option<String>,
    /// Database user.
    pub username: Option<String>,
    /// Written to `.env` only.
    pub password: Option<String>,
    /// Snowflake account.
    pub account: Option<String>,
    /// Snowflake warehouse.
    pub warehouse: Option<String>,
}

/// An answer of [`Answers`] that depends on the source type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// [`Answers::name`] (asked for before the source type: see [`name_question`]).
    Name,
    /// [`Answers::host`].
    Host,
    /// [`Answers::port`].
    Port,
    /// [`Answers::database`].
    Database,
    /// [`Answers::username`].
    Username,
    /// [`Answers::password`]: asked for without echo, and confirmed.
    Password,
    /// [`Answers::account`].
    Account,
    /// [`Answers::warehouse`].
    Warehouse,
}

/// How to get one answer: ask for it, or name the flag that gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The answer.
    pub field: Field,
    /// The command-line flag with its value's name, e.g. `--host HOST`.
    pub flag: &'static str,
    /// The prompt.
    pub prompt: &'static str,
    /// Taken when nobody can be asked; offered when asking.
    pub default: Option<String>,
}

impl Question {
    fn new(field: Field, flag: &'static str, prompt: &'static str) -> Question {
        Question {
            field,
            flag,
            prompt,
            default: None,
        }
    }

    fn or(self, default: impl Into<String>) -> Question {
        Question {
            default: Some(default.into()),
            ..self
        }
    }
}

/// How to get the project's name.
pub fn name_question() -> Question {
    Question::new(Field::Name, "--project-name NAME", "Project name")
}

/// The answers a project with an example source of `source_type` needs besides its name, in
/// the order they are asked for.
pub fn questions(source_type: SourceType) -> Vec<Question> {
    use Field::*;
    let database = Question::new(Database, "--database NAME", "Database name");
    let username = Question::new(Username, "--username USER", "Database username");
    let mut questions = match source_type {
        SourceType::Sqlite => vec![],
        SourceType::Duckdb => {
            vec![Question::new(Database, "--database FILE", "Database file").or("local.duckdb")]
        }
        SourceType::Csv => {
            vec![Question::new(Database, "--database FILE", "CSV file").or("data.csv")]
        }
        SourceType::Excel => {
            vec![Question::new(Database, "--database FILE", "Excel file").or("data.xlsx")]
        }
        SourceType::Bigquery => vec![Question::new(
            Database,
            "--database GCP_PROJECT_ID",
            "Google Cloud project id",
        )],
        SourceType::Snowflake => vec![
            Question::new(Account, "--account ACCOUNT", "Snowflake account"),
            Question::new(Warehouse, "--warehouse WAREHOUSE", "Snowflake warehouse"),
            database,
            username,
        ],
        SourceType::Postgresql
        | SourceType::Mysql
        | SourceType::Redshift
        | SourceType::Clickhouse => vec![
            Question::new(Host, "--host HOST", "Database host").or("localhost"),
            Question::new(Port, "--port PORT", "Database port")
                .or(source_type.default_port().unwrap_or_default().to_string()),
            database,
            username,
        ],
    };
    if source_type.needs_password() {
        questions.push(Question::new(
            Password,
            "--password PASSWORD (or the DB_PASSWORD environment variable)",
            "Database password (stored in .env only)",
        ));
    }
    questions
}

/// The source type `visivo init --source-type` names (any case, spaces around allowed).
pub fn parse_source_type(text: &str) -> Result<SourceType, InitError> {
    let name = text.trim().to_ascii_lowercase();
    SourceType::from_name(&name).ok_or_else(|| {
        InitError::Invalid(format!(
            "unknown source type '{name}': choose one of {}",
            SourceType::names().join(", ")
        ))
    })
}

impl Answers {
    /// Takes the password from [`PASSWORD_VAR`] in the environment (or the `-e` env file) when
    /// none was given and the source type needs one: better than typing it on a command line.
    pub fn password_from_env(&mut self) {
        if self.password.is_none() && self.source_type.needs_password() {
            self.password = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty());
        }
    }

    /// Whether `field` has an answer.
    pub fn has(&self, field: Field) -> bool {
        match field {
            Field::Port => self.port.is_some(),
            _ => self.text(field).is_some(),
        }
    }

    /// Sets `field` to `value`, which is checked (a port must be a number up to 65535).
    pub fn set(&mut self, field: Field, value: String) -> Result<(), InitError> {
        check_answer(field, &value)?;
        match field {
            Field::Name => self.name = value,
            Field::Host => self.host = Some(value),
            Field::Port => self.port = Some(parse_port(&value)?),
            Field::Database => self.database = Some(value),
            Field::Username => self.username = Some(value),
            Field::Password => self.password = Some(value),
            Field::Account => self.account = Some(value),
            Field::Warehouse => self.warehouse = Some(value),
        }
        Ok(())
    }

    fn text(&self, field: Field) -> Option<&String> {
        match field {
            Field::Name => Some(&self.name).filter(|name| !name.is_empty()),
            Field::Host => self.host.as_ref(),
            Field::Port => None,
            Field::Database => self.database.as_ref(),
            Field::Username => self.username.as_ref(),
            Field::Password => self.password.as_ref(),
            Field::Account => self.account.as_ref(),
            Field::Warehouse => self.warehouse.as_ref(),
        }
    }

    /// Every answer that will be written, checked.
    fn check(&self) -> Result<(), InitError> {
        check_name(&self.name)?;
        use Field::*;
        for field in [Host, Database, Username, Password, Account, Warehouse] {
            if let Some(value) = self.text(field) {
                check_answer(field, value)?;
            }
        }
        Ok(())
    }
}

/// Whether `value` can be the answer for `field` (see [`check_value`]; a password goes to
/// `.env` only, where anything but a line break fits).
pub fn check_answer(field: Field, value: &str) -> Result<(), InitError> {
    match field {
        Field::Password if value.contains(['\n', '\r']) => Err(InitError::Invalid(
            "the password can't contain a line break".into(),
        )),
        Field::Password => Ok(()),
        Field::Name => check_name(value),
        Field::Port => parse_port(value).map(|_| ()),
        _ => check_value(value),
    }
}

fn parse_port(value: &str) -> Result<u16, InitError> {
    value
        .trim()
        .parse()
        .map_err(|_| InitError::Invalid(format!("'{value}' is not a port number")))
}

/// Why `init` could not create the project.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// An answer that can't be used.
    #[error("{0}")]
    Invalid(String),
    /// A project file is there and overwriting was not asked for.
    #[error("{} already exists: not overwriting it (pass --force to replace it)", .0.display())]
    Exists(PathBuf),
    /// A file or folder could not be written.
    #[error("{} {}: {source}", .action, .path.display())]
    Io {
        /// What was being done (`creating`, `writing`).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The example SQLite database could not be created.
    #[error("creating the example database {}: {source}", .path.display())]
    Database {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> InitError {
    let path = path.to_path_buf();
    move |source| InitError::Io {
        action,
        path,
        source,
    }
}

/// What [`create`] wrote.
#[derive(Debug, Clone)]
pub struct Created {
    /// The project file.
    pub project_file: PathBuf,
    /// The example SQLite database, for SQLite projects.
    pub example_database: Option<PathBuf>,
}

/// Creates the project folder `answers.name` with its project file, `.env` and `.gitignore`
/// (and, for SQLite, the example database); an existing project file is replaced only with
/// `force`. The answers are checked first ([`check_name`], [`check_answer`]).
pub fn create(answers: &Answers, force: bool) -> Result<Created, InitError> {
    answers.check()?;
    let dir = Path::new(&answers.name);
    let existing = visivo_project::load::discover::find_project_file(dir);
    if let (Some(existing), false) = (&existing, force) {
        return Err(InitError::Exists(existing.clone()));
    }
    std::fs::create_dir_all(dir).map_err(io_error("creating", dir))?;
    let example_database = if answers.source_type == SourceType::Sqlite {
        let database = dir.join(sqlite_file(answers));
        create_example_database(&database).map_err(|source| InitError::Database {
            path: database.clone(),
            source,
        })?;
        Some(database)
    } else {
        None
    };
    let project_file = existing.unwrap_or_else(|| dir.join("project.visivo.yml"));
    std::fs::write(&project_file, project_yaml(answers))
        .map_err(io_error("writing", &project_file))?;
    write_env(&dir.join(".env"), answers)?;
    write_gitignore(&dir.join(".gitignore"))?;
    Ok(Created {
        project_file,
        example_database,
    })
}

/// The name is also the folder created in the current directory.
pub fn check_name(name: &str) -> Result<(), InitError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(InitError::Invalid("the project name is empty".into()));
    }
    if trimmed != name {
        return Err(InitError::Invalid(
            "the project name can't start or end with spaces".into(),
        ));
    }
    if name == "." || name == ".." || name.contains(['/', '\\']) {
        return Err(InitError::Invalid("the project name is also its folder's name: it can't contain '/' or '\\' or be '.' or '..'".into()));
    }
    check_value(name)
}

/// Values land in a YAML file that is rendered with Jinja first.
pub fn check_value(value: &str) -> Result<(), InitError> {
    if value.chars().any(char::is_control) {
        return Err(InitError::Invalid(format!(
            "'{}' contains a control character",
            value.escape_debug()
        )));
    }
    if ["{{", "{%", "{#"].iter().any(|m| value.contains(m)) {
        return Err(InitError::Invalid(format!("'{value}' contains a Jinja marker ({{{{, {{% or {{#), which the project file can't hold literally")));
    }
    Ok(())
}

fn sqlite_file(answers: &Answers) -> String {
    answers
        .database
        .clone()
        .unwrap_or_else(|| "local.db".to_string())
}

/// `test_table` and `second_test_table` (x 1..6; y Fibonacci, and doubled), created only when
/// missing so that an existing database keeps its data.
fn create_example_database(path: &Path) -> rusqlite::Result<()> {
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
    let mut source = format!(
        "  - name: Example Source\n    type: {}\n",
        a.source_type.name()
    );
    let mut field = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            source.push_str(&format!("    {key}: {value}\n"));
        }
    };
    let sql = match a.source_type {
        SourceType::Sqlite => {
            field("database", Some(quote(&sqlite_file(a))));
            "select * from test_table"
        }
        SourceType::Duckdb => {
            field("database", a.database.as_deref().map(quote));
            CONSTANT_SQL
        }
        SourceType::Csv | SourceType::Excel => {
            field("file", a.database.as_deref().map(quote));
            CONSTANT_SQL
        }
        SourceType::Bigquery => {
            field("project", a.database.as_deref().map(quote));
            CONSTANT_SQL
        }
        SourceType::Snowflake => {
            field("account", a.account.as_deref().map(quote));
            field("warehouse", a.warehouse.as_deref().map(quote));
            field("database", a.database.as_deref().map(quote));
            field("username", a.username.as_deref().map(quote));
            field("password", Some(password.clone()));
            CONSTANT_SQL
        }
        SourceType::Postgresql
        | SourceType::Mysql
        | SourceType::Redshift
        | SourceType::Clickhouse => {
            field("host", a.host.as_deref().map(quote));
            field("port", a.port.map(|p| p.to_string()));
            field("database", a.database.as_deref().map(quote));
            field("username", a.username.as_deref().map(quote));
            field("password", Some(password.clone()));
            CONSTANT_SQL
        }
    };
    let credentials_note = match a.source_type {
        SourceType::Sqlite | SourceType::Duckdb | SourceType::Csv | SourceType::Excel => "",
        SourceType::Bigquery => "# Credentials: the service-account key file named by GOOGLE_APPLICATION_CREDENTIALS (see .env).\n",
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

  # Re-sliced by the input `up_to` (docs/interactivity.md): every value is computed by the run.
  - name: Example Trace Up To
    model: ref(Example Model)
    props:
      type: bar
      x: query(x)
      y: query(y)
    filters:
      - ?{{x <= ${{ref(up_to).value}}}}
    order_by:
      - query(x asc)

inputs:
  - name: up_to
    type: single-select
    options: ?{{ SELECT DISTINCT x FROM ${{ref(Example Model)}} ORDER BY 1 }}
    display:
      type: dropdown
      default:
        value: 6

charts:
  - name: Example Chart
    traces:
      - ref(Example Trace)
    layout:
      title:
        text: Example Chart (click a point to filter the bars)
    # Cross-filtering: clicking a point sets the input to its x.
    on_click:
      set:
        up_to: x
  - name: Example Bars
    traces:
      - ref(Example Trace Up To)
    layout:
      title:
        text: Up to the chosen x (click a bar for the detail)
    # Drill-through: clicking a bar opens the detail dashboard with the input set.
    on_click:
      dashboard: ref(Example Detail)
      set:
        up_to: x

dashboards:
  - name: Example Dashboard
    rows:
      - height: small
        items:
          - markdown: |
              # {title}
              Edit `project.visivo.yml` and run `visivo serve` to see your changes here.
          - input: ref(up_to)
      - height: medium
        items:
          - chart: ref(Example Chart)
          - chart: ref(Example Bars)
  - name: Example Detail
    rows:
      - height: small
        items:
          - input: ref(up_to)
      - height: medium
        items:
          - chart: ref(Example Bars)
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
fn write_env(path: &Path, answers: &Answers) -> Result<(), InitError> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let line = match answers.source_type {
        SourceType::Sqlite | SourceType::Duckdb | SourceType::Csv | SourceType::Excel => {
            format!(
                "{PASSWORD_VAR}=  # not used by {} sources",
                answers.source_type.name()
            )
        }
        SourceType::Bigquery => format!(
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
        !answers.source_type.needs_password() && existing.lines().any(is_password_line);
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
    write_private(path, &text).map_err(io_error("writing", path))
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
fn write_gitignore(path: &Path) -> Result<(), InitError> {
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
        std::fs::write(path, text).map_err(io_error("writing", path))?;
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

    #[test]
    fn source_types_are_read_in_any_case() {
        assert_eq!(
            parse_source_type(" PostgreSQL ").unwrap(),
            SourceType::Postgresql
        );
        let unknown = parse_source_type("oracle").unwrap_err().to_string();
        assert!(unknown.starts_with("unknown source type 'oracle': choose one of sqlite, "));
    }

    #[test]
    fn questions_follow_the_source_type() {
        let flags = |t| -> Vec<&str> { questions(t).iter().map(|q| q.flag).collect() };
        assert!(flags(SourceType::Sqlite).is_empty());
        assert_eq!(flags(SourceType::Duckdb), ["--database FILE"]);
        let postgres = questions(SourceType::Postgresql);
        assert_eq!(postgres[1].field, Field::Port);
        assert_eq!(postgres[1].default.as_deref(), Some("5432"));
        assert_eq!(postgres.last().unwrap().field, Field::Password);
        assert_eq!(
            flags(SourceType::Snowflake)[..2],
            ["--account ACCOUNT", "--warehouse WAREHOUSE"]
        );
    }

    #[test]
    fn answers_are_checked_when_set() {
        let mut answers = Answers::default();
        answers.set(Field::Port, "5439".into()).unwrap();
        assert_eq!(answers.port, Some(5439));
        assert!(answers.has(Field::Port) && !answers.has(Field::Host));
        assert!(answers.set(Field::Port, "70000".into()).is_err());
        assert!(answers.set(Field::Host, "{{ x }}".into()).is_err());
        assert!(answers.set(Field::Password, "a\nb".into()).is_err());
        assert!(!answers.has(Field::Name) && answers.set(Field::Name, "a/b".into()).is_err());
        answers.set(Field::Name, "shop".into()).unwrap();
        assert!(answers.has(Field::Name));
        answers
            .set(Field::Password, "{{ fine in .env }}".into())
            .unwrap();
    }
}
