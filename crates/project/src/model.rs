//! The typed objects of a project file (project-format.md). After loading, every reference
//! field holds the *name* of the object it points to, checked to exist and to be of the right
//! kind; inline objects have been lifted out and are referenced by name too.

pub use crate::input::{Input, InputOptions, InputType};
use crate::lenient;
pub use crate::semantic::{Dimension, Insight, Interaction, JoinType, Metric, Relation};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::Duration;

/// A reference: `${ref(name)}` or `ref(name)` in the file, the bare name once the project is
/// loaded.
pub type Ref = String;

/// The kinds of named object a project holds; names are unique across all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An entry of `destinations` (1.0.44): where alerts in the `if:` form are sent.
    Destination,
    /// An entry of `alerts`.
    Alert,
    /// An entry of `sources` (or its old name `targets`).
    Source,
    /// An entry of `models`.
    Model,
    /// An entry of `metrics`, or of a SQL model's `metrics` (1.0.76).
    Metric,
    /// An entry of `dimensions`, or of a SQL model's `dimensions` (1.0.76).
    Dimension,
    /// An entry of `relations` (1.0.76).
    Relation,
    /// An entry of `inputs` (docs/interactivity.md).
    Input,
    /// An entry of `traces`.
    Trace,
    /// An entry of `insights` (1.0.76).
    Insight,
    /// An entry of `charts`.
    Chart,
    /// An entry of `tables`.
    Table,
    /// An entry of `selectors`.
    Selector,
    /// An entry of `markdowns`.
    Markdown,
    /// An entry of `dashboards`.
    Dashboard,
}

impl Kind {
    /// How messages name one object of this kind (`trace`).
    pub fn label(self) -> &'static str {
        match self {
            Kind::Destination => "destination",
            Kind::Alert => "alert",
            Kind::Source => "source",
            Kind::Model => "model",
            Kind::Metric => "metric",
            Kind::Dimension => "dimension",
            Kind::Relation => "relation",
            Kind::Input => "input",
            Kind::Trace => "trace",
            Kind::Insight => "insight",
            Kind::Chart => "chart",
            Kind::Table => "table",
            Kind::Selector => "selector",
            Kind::Markdown => "markdown",
            Kind::Dashboard => "dashboard",
        }
    }

    /// The project file's list that holds objects of this kind (`traces`).
    pub fn section(self) -> &'static str {
        match self {
            Kind::Destination => "destinations",
            Kind::Alert => "alerts",
            Kind::Source => "sources",
            Kind::Model => "models",
            Kind::Metric => "metrics",
            Kind::Dimension => "dimensions",
            Kind::Relation => "relations",
            Kind::Input => "inputs",
            Kind::Trace => "traces",
            Kind::Insight => "insights",
            Kind::Chart => "charts",
            Kind::Table => "tables",
            Kind::Selector => "selectors",
            Kind::Markdown => "markdowns",
            Kind::Dashboard => "dashboards",
        }
    }

    /// Every kind, in the order messages and outputs list them.
    pub const ALL: [Kind; 15] = [
        Kind::Destination,
        Kind::Alert,
        Kind::Source,
        Kind::Model,
        Kind::Metric,
        Kind::Dimension,
        Kind::Relation,
        Kind::Input,
        Kind::Trace,
        Kind::Insight,
        Kind::Chart,
        Kind::Table,
        Kind::Selector,
        Kind::Markdown,
        Kind::Dashboard,
    ];
}

/// For the JSON Schema only: a field that takes `${ref(name)}` / `ref(name)` or the object itself.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum RefOr<T> {
    Ref(RefOnly),
    Inline(T),
}

/// Project-wide settings, read from the project file only.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Defaults {
    /// The source of SQL models that name none (alias `target_name`).
    #[serde(alias = "target_name", skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// The alert `visivo test` sends when no `-a` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_name: Option<String>,
    /// How many jobs `visivo run` runs at once when `--threads` isn't given (1.0.40; default 8).
    #[serde(
        default,
        deserialize_with = "lenient::optional_number",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(schema_with = "lenient::optional_schema")]
    pub threads: Option<u32>,
    /// The project page's groups of dashboards, most important first (1.0.51).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<Level>,
}

/// A group of dashboards on the project page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// Heading of the group.
    pub title: String,
    /// Text under the heading; empty when left out.
    #[serde(default)]
    pub description: String,
}

/// The levels a project without `defaults.levels` has (those 1.0.82's project page shows).
const DEFAULT_LEVELS: [(&str, &str); 5] = [
    (
        "Organization",
        "The most important dashboards and metrics for the organization.",
    ),
    (
        "Department",
        "The most important dashboards & metrics for a department.",
    ),
    (
        "Team",
        "Individual department focused drill downs or sub-department metrics.",
    ),
    (
        "Individual",
        "Dashboards that track an individual or small groups metrics.",
    ),
    (
        "Operational",
        "Operational dashboards that are used to accomplish specific tasks.",
    ),
];

impl Defaults {
    /// `defaults.levels`, or the five levels every project has when it names none.
    pub fn dashboard_levels(&self) -> Vec<Level> {
        if !self.levels.is_empty() {
            return self.levels.clone();
        }
        DEFAULT_LEVELS
            .iter()
            .map(|(title, description)| Level {
                title: title.to_string(),
                description: description.to_string(),
            })
            .collect()
    }

    /// Which of [`Self::dashboard_levels`] a dashboard's `level` means: an index, a title (any
    /// case) or `L<index>` as 1.0.82's project page reads it; `None` if there is no such level.
    pub fn level_index(&self, level: &LevelRef) -> Option<usize> {
        let levels = self.dashboard_levels();
        let index = match level {
            LevelRef::Index(index) => usize::try_from(*index).ok(),
            LevelRef::Title(title) => {
                let title = title.trim();
                levels
                    .iter()
                    .position(|l| l.title.eq_ignore_ascii_case(title))
                    .or_else(|| {
                        let digits = title.strip_prefix(['L', 'l']).unwrap_or(title);
                        digits.parse().ok()
                    })
            }
        }?;
        (index < levels.len()).then_some(index)
    }
}

/// Another project file, or a directory of them, whose objects are added to this one.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Include {
    /// A file or directory relative to the including file (also when it starts with `/`), or a
    /// git include: `owner/repo.git@ref -- path/in/repo.yml`.
    pub path: String,
    /// Directories only (1.0.64): how many folders below it are read; 0 reads only the directory
    /// itself; every folder when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub depth: Option<u32>,
    /// Directories only (1.0.64): files and folders left out, as glob patterns (`*.backup.yml`,
    /// `*/drafts/*`) matched on the name and the path below the directory, or regular
    /// expressions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<String>,
}

// ----- alerts -------------------------------------------------------------------------------

/// Where `visivo test` reports failed tests, chosen by `type`: an entry of `alerts` in the
/// 1.0.30 form, and every entry of `destinations` (1.0.44).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Alert {
    /// Posts to a Slack incoming webhook.
    Slack {
        /// Unique name; `defaults.alert_name` and `visivo test -a` select alerts by it.
        #[serde(default)]
        name: Option<String>,
        /// The webhook's address (keep it in `env_var()`: it is a credential; never printed).
        webhook_url: crate::Secret,
    },
    /// Sends an email through an SMTP server.
    Email {
        /// Unique name; `defaults.alert_name` and `visivo test -a` select alerts by it.
        #[serde(default)]
        name: Option<String>,
        /// Subject line (default "Visivo Alert").
        #[serde(default = "default_subject")]
        subject: String,
        /// Recipient address.
        to: String,
        /// SMTP port (default 2525).
        #[serde(default = "default_smtp_port", deserialize_with = "lenient::number")]
        #[schemars(schema_with = "lenient::schema")]
        port: u16,
        /// SMTP server host name.
        host: String,
        /// SMTP login; no login when left out.
        #[serde(default)]
        username: Option<String>,
        /// SMTP password (keep it in `env_var()`; never printed).
        #[serde(default)]
        password: Option<crate::Secret>,
        /// Sender address (1.0.30 always used alerts@visio.io).
        #[serde(default)]
        from: Option<String>,
        /// `starttls` (default), `tls` or `none`.
        #[serde(default)]
        security: Option<String>,
    },
    /// Prints a message in the terminal.
    Console {
        /// Unique name; `defaults.alert_name` and `visivo test -a` select alerts by it.
        #[serde(default)]
        name: Option<String>,
        /// Text printed (default "Console Alert Run").
        #[serde(default = "default_console_message")]
        message: String,
        /// Accepted for compatibility (1.0.30 set it after sending); ignored.
        #[serde(default)]
        called: bool,
    },
}

/// An alert in the 1.0.44+ form: sent to its destinations when its condition holds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionalAlert {
    /// Unique name.
    #[serde(default)]
    pub name: Option<String>,
    /// `>{ … }`: when to send, e.g. `>{ any_test_failed() and env.STAGE == 'prod' }`; when
    /// left out, the alert is sent when a test failed.
    #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Where to send it: references to `destinations` (or inline destinations).
    #[serde(default)]
    #[schemars(with = "Vec<RefOr<Alert>>")]
    pub destinations: Vec<Ref>,
}

/// An entry of `alerts`, for the JSON Schema: a destination with a `type` (the 1.0.30 form) or
/// an alert with `if` and `destinations`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum AnyAlert {
    Typed(Alert),
    Conditional(ConditionalAlert),
}

fn default_subject() -> String {
    "Visivo Alert".into()
}
fn default_smtp_port() -> u16 {
    2525
}
fn default_console_message() -> String {
    "Console Alert Run".into()
}

// ----- sources ------------------------------------------------------------------------------

pub use crate::source_type::SourceType;

/// Every source type shares this shape; which fields a type accepts is checked on load.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Unique name, referenced by models (`source: ${ref(name)}`); required at top level.
    #[serde(default)]
    pub name: Option<String>,
    /// The database engine (`sqlite`, `postgresql`, `mysql`, `snowflake`, `bigquery`, …).
    #[serde(rename = "type")]
    pub source_type: SourceType,
    /// The database name, or the file of `sqlite`/`duckdb` (relative to the project directory).
    #[serde(default)]
    pub database: Option<String>,
    /// Server host name (server databases).
    #[serde(default)]
    pub host: Option<String>,
    /// Server port; the engine's usual port when left out.
    #[serde(default, deserialize_with = "lenient::optional_number")]
    #[schemars(schema_with = "lenient::optional_schema")]
    pub port: Option<u16>,
    /// Login name; the `USER` environment variable when left out.
    #[serde(default)]
    pub username: Option<String>,
    /// Login password (keep it in `env_var()`).
    #[serde(default)]
    pub password: Option<crate::Secret>,
    /// Schema that unqualified table names are looked up in.
    #[serde(default)]
    pub db_schema: Option<String>,
    /// Connections (and concurrent queries) to open at most (default 1; always 1 for
    /// SQLite/DuckDB).
    #[serde(default, deserialize_with = "lenient::optional_number")]
    #[schemars(schema_with = "lenient::optional_schema")]
    pub connection_pool_size: Option<u32>,
    /// Seconds to wait for a connection (default 10).
    #[serde(default, deserialize_with = "lenient::optional_number")]
    #[schemars(schema_with = "lenient::optional_schema")]
    pub connect_timeout: Option<u64>,
    /// Seconds a query may run (default: no limit).
    #[serde(default, deserialize_with = "lenient::optional_number")]
    #[schemars(schema_with = "lenient::optional_schema")]
    pub query_timeout: Option<u64>,
    /// PostgreSQL/Redshift TLS: `disable`, `prefer`, `require`.
    #[serde(default)]
    pub sslmode: Option<String>,
    /// SQLite/DuckDB: other database files, attached as schemas.
    #[serde(default)]
    pub attach: Option<Vec<Attachment>>,
    /// Snowflake account identifier.
    #[serde(default)]
    pub account: Option<String>,
    /// Snowflake warehouse that runs the queries.
    #[serde(default)]
    pub warehouse: Option<String>,
    /// Snowflake role to use.
    #[serde(default)]
    pub role: Option<String>,
    /// Snowflake key-pair auth: path of the PKCS#8 private key.
    #[serde(default)]
    pub private_key_path: Option<String>,
    /// Snowflake (1.0.60): the passphrase of an encrypted `private_key_path` (use `env_var`).
    #[serde(default)]
    pub private_key_passphrase: Option<crate::Secret>,
    /// BigQuery project id.
    #[serde(default)]
    pub project: Option<String>,
    /// BigQuery dataset that unqualified table names are looked up in.
    #[serde(default)]
    pub dataset: Option<String>,
    /// BigQuery: path of a service-account key file.
    #[serde(default)]
    pub credentials_path: Option<String>,
    /// BigQuery: the service-account key JSON itself (use `env_var`).
    #[serde(default)]
    pub credentials_json: Option<crate::Secret>,
    /// BigQuery (1.0.48): the service-account key file, base64-encoded (use `env_var`).
    #[serde(default)]
    pub credentials_base64: Option<crate::Secret>,
    /// Base URL of the service's HTTP API (Snowflake/BigQuery); for testing and proxies.
    #[serde(default)]
    pub api_url: Option<String>,
    /// `csv`/`xls` sources: the file whose rows models query as the table named like the source
    /// (relative to the project file's directory).
    #[serde(default)]
    pub file: Option<String>,
    /// `csv` sources: the character between fields (default `,`).
    #[serde(default)]
    pub delimiter: Option<crate::source_fields::Delimiter>,
    /// `csv` sources: the file's encoding, `utf-8` (default) or `latin-1`.
    #[serde(default)]
    pub encoding: Option<crate::source_fields::TextEncoding>,
    /// `csv`/`xls` sources: whether the first row names the columns (default true); without
    /// one they are `column0`, `column1`, ….
    #[serde(default)]
    pub has_header: Option<bool>,
    /// `xls` sources: the worksheet to read (default: the first).
    #[serde(default)]
    pub sheet: Option<String>,
    /// ClickHouse: `http` or `native`; this build always speaks HTTP.
    #[serde(default)]
    pub protocol: Option<crate::source_fields::ClickhouseProtocol>,
    /// ClickHouse: HTTPS instead of HTTP (default port 8443 instead of 8123).
    #[serde(default)]
    pub secure: Option<bool>,
}

impl Source {
    /// How long to wait for a connection: `connect_timeout` seconds (at least one), default 10.
    pub fn connect_limit(&self) -> Duration {
        Duration::from_secs(
            self.connect_timeout
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT_SECS)
                .max(1),
        )
    }

    /// How long one query may run: `query_timeout` seconds; unset or 0 is no limit.
    pub fn query_limit(&self) -> Option<Duration> {
        self.query_timeout
            .filter(|seconds| *seconds > 0)
            .map(Duration::from_secs)
    }

    /// The login name: `username`, else the `USER` environment variable (as libpq and the MySQL
    /// client do).
    pub fn login_user(&self) -> Option<String> {
        self.username.clone().or_else(|| std::env::var("USER").ok())
    }

    /// How many connections to keep: `connection_pool_size` (at least 1), always 1 for in-process
    /// files.
    pub fn pool_size(&self) -> usize {
        if self.source_type.is_file() {
            return 1;
        }
        self.connection_pool_size.unwrap_or(1).max(1) as usize
    }
}

/// Seconds to wait for a connection when `connect_timeout` is not set.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 10;

/// A database file attached to a SQLite/DuckDB source, in the nested or the flat form.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// The schema the file's tables are reached through (`schema_name.table`).
    pub schema_name: String,
    /// Nested form (what 1.0.30 accepts): `source: {type: sqlite, database: ...}`.
    #[serde(default)]
    pub source: Option<Box<Source>>,
    /// Flat form (what Visivo's docs show): `database:` beside `schema_name`.
    #[serde(default)]
    pub database: Option<String>,
    /// Flat form: an optional name of the attached source.
    #[serde(default)]
    pub name: Option<String>,
    /// Flat form: the attached source's type.
    #[serde(default, rename = "type")]
    pub source_type: Option<SourceType>,
}

impl Attachment {
    /// The attached file: the nested source's `database`, else the flat `database`.
    pub fn database(&self) -> Option<&str> {
        self.source
            .as_ref()
            .and_then(|s| s.database.as_deref())
            .or(self.database.as_deref())
    }
}

// ----- models -------------------------------------------------------------------------------

/// A model: what a trace selects from, told apart by its keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Model {
    /// Has `args`: a command whose CSV output becomes a table.
    CsvScript(CsvScriptModel),
    /// Has `models`: SQL joining other models in an embedded SQLite database.
    LocalMerge(LocalMergeModel),
    /// Otherwise: SQL run on a source.
    Sql(SqlModel),
}

impl Model {
    /// The model's name; unset only on an inline model before loading names it.
    pub fn name(&self) -> Option<&str> {
        match self {
            Model::CsvScript(m) => m.name.as_deref(),
            Model::LocalMerge(m) => m.name.as_deref(),
            Model::Sql(m) => m.name.as_deref(),
        }
    }

    /// The SQL whose rows the model is: its own, or its CSV-script table's.
    pub fn rows_sql(&self) -> String {
        match self {
            Model::Sql(m) => m.sql.clone(),
            Model::CsvScript(m) => format!("select * from {}", m.table_name),
            Model::LocalMerge(m) => m.sql.clone(),
        }
    }
}

/// A model whose SQL runs on a source; it becomes the trace queries' base query.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlModel {
    /// Unique name; required at top level.
    #[serde(default)]
    pub name: Option<String>,
    /// The `select` the model's traces read from.
    pub sql: String,
    /// The source it runs on (alias `target`); `defaults.source_name` when left out.
    #[serde(default, alias = "target")]
    #[schemars(with = "Option<RefOr<Source>>")]
    pub source: Option<Ref>,
    /// Aggregates over this model's rows (1.0.76), read by insights as `${ref(model).metric}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<Metric>")]
    pub metrics: Vec<Ref>,
    /// Row-level expressions over this model's columns (1.0.76), read by insights.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<Dimension>")]
    pub dimensions: Vec<Ref>,
}

/// A model whose rows come from a command's CSV output.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvScriptModel {
    /// Unique name; required at top level.
    #[serde(default)]
    pub name: Option<String>,
    /// The command and its arguments, run without a shell in the project directory.
    pub args: Vec<String>,
    /// Table the CSV becomes, in `<output>/<name>.sqlite` (default `model`).
    #[serde(default = "default_table_name")]
    pub table_name: String,
    /// Seconds the command may run (default 300).
    #[serde(default, deserialize_with = "lenient::optional_number")]
    #[schemars(schema_with = "lenient::optional_schema")]
    pub timeout: Option<u64>,
    /// Whether a command that prints nothing at all makes an empty table instead of failing
    /// (1.0.61; default false). A header without rows is always an empty table.
    #[serde(default)]
    pub allow_empty: bool,
}

pub(crate) fn default_table_name() -> String {
    "model".into()
}

/// A model that joins other models in an embedded SQLite database.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalMergeModel {
    /// Unique name; required at top level.
    #[serde(default)]
    pub name: Option<String>,
    /// SQL reading each listed model as schema `<name>` (`<name>.model`, or `<name>.<table_name>`
    /// for CSV-script models).
    pub sql: String,
    /// The models it reads, from any sources.
    #[schemars(with = "Vec<RefOr<ModelSchema>>")]
    pub models: Vec<Ref>,
}

/// Models are told apart by their keys (args → CSV script, models → local merge, else SQL).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(crate) enum ModelSchema {
    CsvScript(CsvScriptModel),
    LocalMerge(LocalMergeModel),
    Sql(SqlModel),
}

// ----- traces -------------------------------------------------------------------------------

/// One plotly series (or one per cohort), computed by one SQL query.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trace {
    /// Unique name; also the folder of its outputs (`<output>/<name>/`).
    pub name: String,
    /// The model it selects from.
    #[schemars(with = "RefOr<ModelSchema>")]
    pub model: Ref,
    /// SQL expression (or `?{…}`) splitting the rows into one series per value; one series when
    /// left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort_on: Option<String>,
    /// Ordering of the rows: `?{month asc}` or `column(name) desc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<Vec<String>>,
    /// Conditions on the rows: placed in WHERE, HAVING or QUALIFY depending on what they contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<String>>,
    /// Named SQL expressions, used in `props` as `column(name)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<IndexMap<String, Value>>,
    /// plotly trace attributes; `?{sql}` values become columns of the query (default `{type:
    /// scatter}`).
    #[serde(default = "default_props")]
    pub props: Map<String, Value>,
    /// Checks `visivo test` runs against the trace's data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tests: Option<Vec<TraceTest>>,
    /// Accepted for compatibility; 1.0.30 overwrote it at compile.
    #[serde(default, skip_serializing)]
    pub changed: Option<bool>,
    /// Made for a table's `data: ${ref(model)}`: every row and column of the model, as they come.
    #[serde(skip)]
    #[schemars(skip)]
    pub rows_of_model: bool,
    /// Made from an insight (docs/insights.md): the models its fields reach, and the join.
    #[serde(skip)]
    #[schemars(skip)]
    pub from_insight: Option<FromInsight>,
}

/// What a trace made from an insight reads: the models its fields reach (the first is
/// [`Trace::model`]) and, when there are several, the SELECT that joins them by their relations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FromInsight {
    /// Every model the insight's fields, metrics and dimensions reach, in order of mention.
    pub models: Vec<String>,
    /// `SELECT … FROM (<a>) AS "a" JOIN (<b>) AS "b" ON …`, when `models` has several.
    pub joined_sql: Option<String>,
    /// The metrics, dimensions and relations it reads (`--name-filter` follows them).
    pub uses: Vec<String>,
}

fn default_props() -> Map<String, Value> {
    let mut props = Map::new();
    props.insert("type".into(), Value::String("scatter".into()));
    props
}

/// One check of a trace's data: `logic` (the 1.0.30 form) or `assertions` (1.0.44+).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceTest {
    /// A Python-like expression, e.g. `assert_that(north.props.y[0]).is_equal_to(30)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logic: Option<String>,
    /// A name for the test in messages (1.0.44+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `>{ … }`: the assertions run only when this holds (1.0.44+).
    #[serde(default, rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Whether a failure fails `visivo test` (`exit`, the default) or is only reported
    /// (`continue`).
    #[serde(default)]
    pub on_failure: OnFailure,
    /// `>{ … }` expressions that must all be true, e.g. `>{ ${ref(revenue).props.y[0]} == 30 }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertions: Option<Vec<String>>,
}

/// What a failed 1.0.44+ test does to `visivo test`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    /// The failure makes `visivo test` exit with 1.
    #[default]
    Exit,
    /// The failure is reported and alerted but does not change the exit code.
    Continue,
}

// ----- charts, tables, selectors, dashboards -------------------------------------------------

/// A plotly chart of one or more traces.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Chart {
    /// Unique name; required at top level.
    #[serde(default)]
    pub name: Option<String>,
    /// The traces drawn.
    #[serde(default)]
    #[schemars(with = "Vec<RefOr<Trace>>")]
    pub traces: Vec<Ref>,
    /// Insights drawn, after the traces (1.0.76; docs/insights.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<RefOr<Insight>>")]
    pub insights: Vec<Ref>,
    /// plotly layout attributes (title, axes, barmode, …).
    #[serde(default)]
    pub layout: Option<Map<String, Value>>,
    /// The selector that picks the cohorts shown; a multiple selector of its own when left out.
    #[serde(default)]
    #[schemars(with = "Option<RefOr<Selector>>")]
    pub selector: Option<Ref>,
    /// Clicking a point sets inputs, or opens a dashboard (docs/interactivity.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_click: Option<OnClick>,
}

/// A table showing one trace's cohort as rows.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Unique name; required at top level.
    #[serde(default)]
    pub name: Option<String>,
    /// The traces whose data it can show.
    #[serde(default)]
    #[schemars(with = "Vec<RefOr<Trace>>")]
    pub traces: Vec<Ref>,
    /// A model whose rows it shows, every column (1.0.80); or an insight whose results it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<TableData>")]
    pub data: Option<Ref>,
    /// Insights it shows (1.0.76, deprecated by 1.0.80 for `data`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<RefOr<Insight>>")]
    pub insights: Vec<Ref>,
    /// Which columns to show for each trace; every column when left out.
    #[serde(default)]
    pub column_defs: Option<Vec<ColumnDef>>,
    /// The selector that picks the cohort shown (single only); one of its own when left out.
    #[serde(default)]
    #[schemars(with = "Option<RefOr<Selector>>")]
    pub selector: Option<Ref>,
    /// Clicking a point sets inputs, or opens a dashboard (docs/interactivity.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_click: Option<OnClick>,
    /// Rows on a page of the viewer's table (1.0.34); the viewer's own default when unset.
    #[serde(default, deserialize_with = "rows_per_page")]
    #[schemars(schema_with = "rows_per_page_schema")]
    pub rows_per_page: Option<u32>,
    /// Fields `${ref(trace).key}` (1.0.80). Alone: the columns shown, in order, each renamed
    /// with `as Heading` if wanted; with `rows` and `values`: the pivot's column fields.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Pivot row fields, `${ref(trace).key}` (1.0.80): each distinct combination becomes a row.
    #[serde(default)]
    pub rows: Option<Vec<String>>,
    /// Pivot values, each an aggregation `sum(${ref(trace).key})` (1.0.80).
    #[serde(default)]
    pub values: Option<Vec<String>>,
    /// One pivot value: this project's earlier spelling of `values` with one entry.
    #[serde(default)]
    pub value: Option<String>,
    /// Colour scale over the numeric cells (1.0.80).
    #[serde(default)]
    pub format_cells: Option<FormatCells>,
}

/// For the JSON Schema only: a table's `data`, a reference or an inline model or insight.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum TableData {
    Ref(RefOnly),
    Insight(Insight),
    Model(ModelSchema),
}

/// Where a [`FormatCells`] scale takes its minimum and maximum from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FormatCellsScope {
    /// Each row's own numeric cells.
    Row,
    /// Each column's own numeric cells.
    Columns,
    /// Every numeric cell of the table.
    RowsAndColumns,
}

/// A colour gradient on a table's numeric cells, from `min_color` to `max_color`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormatCells {
    /// Which cells a value is compared with.
    pub scope: FormatCellsScope,
    /// Hex colour (`#rgb` or `#rrggbb`) of the smallest value.
    pub min_color: String,
    /// Hex colour (`#rgb` or `#rrggbb`) of the largest value.
    pub max_color: String,
}

/// Whether `text` is a `#rgb` or `#rrggbb` colour.
pub fn is_hex_color(text: &str) -> bool {
    text.strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

mod table_fields;
pub use table_fields::*;

/// The page sizes a table offers. 1.0.82 lists 10 but refuses it (its member `ten` is 15).
pub const ROWS_PER_PAGE: [u32; 9] = [3, 5, 10, 15, 25, 50, 100, 500, 1000];

fn rows_per_page<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    let wanted = lenient::optional_number::<D, u64>(deserializer)?;
    match wanted {
        None => Ok(None),
        Some(n) => match ROWS_PER_PAGE
            .iter()
            .find(|allowed| u64::from(**allowed) == n)
        {
            Some(allowed) => Ok(Some(*allowed)),
            None => Err(serde::de::Error::custom(format!(
                "rows_per_page must be one of {}, found {n}",
                ROWS_PER_PAGE.map(|n| n.to_string()).join(", ")
            ))),
        },
    }
}

fn rows_per_page_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"enum": ROWS_PER_PAGE})
}

/// The columns a table shows for one of its traces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    /// The trace (by name) these columns are for.
    pub trace_name: String,
    /// The columns, in order.
    pub columns: Vec<TableColumn>,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableColumn {
    /// Column heading; the last part of `key` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Where the values come from in the trace's data (`props.y`, `columns.month_label`).
    pub key: String,
}

/// Whether a selector picks one cohort or several.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SelectorType {
    /// One cohort at a time.
    Single,
    /// Any number of cohorts (the default).
    #[default]
    Multiple,
}

/// Unknown keys are ignored on selectors (1.0.30's `init` wrote `parent_name`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Selector {
    /// Unique name; also the URL parameter that keeps the choice (`?Region=north`).
    pub name: String,
    /// `single` or `multiple` (default).
    #[serde(default, rename = "type")]
    pub selector_type: SelectorType,
    /// The traces whose cohorts are offered (from the owning chart or table when left out); or
    /// dashboard rows, items, charts and tables by name, which it shows and hides (1.0.34).
    #[serde(default)]
    #[schemars(with = "Vec<RefOnly>")]
    pub options: Vec<Ref>,
    /// The chart or table that owns an inline selector; its own name otherwise.
    #[serde(default)]
    #[schemars(skip)]
    pub parent_name: Option<String>,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
struct RefOnly(#[schemars(regex(pattern = r"^\s*(\$\{\s*)*ref\(.+\)(\s*\})*\s*$"))] String);

/// A page of rows of items (or, with `href`, a link to an external dashboard).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    /// Unique name, shown on the project page and as the dashboard's title.
    pub name: String,
    /// The rows, top to bottom.
    #[serde(default)]
    pub rows: Vec<Row>,
    /// Where the project page lists it: an index into `defaults.levels` or a level's title.
    #[serde(default)]
    pub level: Option<LevelRef>,
    /// Shown on the project page and searched with the names.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Shown as text on the project page.
    #[serde(default)]
    pub description: Option<String>,
    /// An external dashboard: the project page links to this http(s) address; it has no rows.
    #[serde(default)]
    pub href: Option<String>,
    /// `internal` or `external`; told by `href` when left out.
    #[serde(default, rename = "type")]
    pub dashboard_type: Option<DashboardType>,
}

/// Whether a dashboard is a page of this project or a link elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DashboardType {
    /// A page with rows (the default without `href`).
    Internal,
    /// A link to `href`.
    External,
}

/// How a dashboard names its level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a level: its index in `defaults.levels` (0 is the first) or its title"
)]
pub enum LevelRef {
    /// Index into the levels, from 0.
    Index(u64),
    /// A level's title (any case) or `L<index>`.
    Title(String),
}

/// Height of a dashboard row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RowHeight {
    /// As tall as its content.
    Compact,
    /// 128 pixels.
    Xsmall,
    /// 256 pixels.
    Small,
    /// 396 pixels (the default).
    #[default]
    Medium,
    /// 512 pixels.
    Large,
    /// 792 pixels.
    Xlarge,
    /// 1024 pixels.
    Xxlarge,
}

/// A row of a dashboard.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// Names the row for selectors that show and hide rows (1.0.34).
    #[serde(default)]
    pub name: Option<String>,
    /// Height of the row (default `medium`).
    #[serde(default)]
    pub height: RowHeight,
    /// The items, left to right.
    pub items: Vec<Item>,
}

/// One cell of a row: exactly one of `markdown`, `chart`, `table`, `selector`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Names the item for selectors that show and hide items (1.0.34).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Share of the row's width, relative to the other items (at least 1; default 1).
    #[serde(default = "default_width")]
    #[schemars(range(min = 1))]
    pub width: i64,
    /// Text shown: the markdown itself, or a reference to a `markdowns` entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<MarkdownSchema>")]
    pub markdown: Option<ItemMarkdown>,
    /// Overrides the markdown's own `align` (markdown items only; 1.0.42).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub align: Option<Align>,
    /// Overrides the markdown's own `justify` (markdown items only; 1.0.43).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justify: Option<Justify>,
    /// The chart shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RefOr<Chart>>")]
    pub chart: Option<Ref>,
    /// The table shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RefOr<Table>>")]
    pub table: Option<Ref>,
    /// The selector shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RefOr<Selector>>")]
    pub selector: Option<Ref>,
    /// The input control shown (docs/interactivity.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RefOr<Input>>")]
    pub input: Option<Ref>,
}

/// What clicking a chart's point or a table's row does (docs/interactivity.md): set inputs
/// (cross-filtering), and with `dashboard`, open that dashboard with them (drill-through).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnClick {
    /// Input name → what of the clicked point sets it: `x`, `y`, `text`, `customdata` or
    /// `cohort` (a table: a column name).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub set: IndexMap<Ref, String>,
    /// The dashboard to open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RefOnly>")]
    pub dashboard: Option<Ref>,
}

fn default_width() -> i64 {
    1
}

/// An item's `markdown`: the text itself (1.0.30's form) or a reference to a [`Markdown`]
/// (an inline markdown object has been lifted into one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ItemMarkdown {
    /// The markdown text itself.
    Text(String),
    /// The name of a `markdowns` entry.
    Ref(Ref),
}

impl<'de> Deserialize<'de> for ItemMarkdown {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match crate::expr::parse_reference(&text) {
            Some(_) => ItemMarkdown::Ref(text),
            None => ItemMarkdown::Text(text),
        })
    }
}

/// For the JSON Schema only: markdown text, a reference, or a markdown object.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum MarkdownSchema {
    TextOrRef(String),
    Inline(Markdown),
}

/// Formatted text for dashboards (1.0.76): top-level `markdowns:` or inline in an item.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Markdown {
    /// Unique name; required at top level.
    #[serde(default)]
    pub name: Option<String>,
    /// The markdown text; raw HTML is sanitised.
    pub content: String,
    /// Horizontal alignment (default `left`).
    #[serde(default)]
    pub align: Align,
    /// Vertical spread of the text's blocks (default `start`).
    #[serde(default)]
    pub justify: Justify,
}

/// Horizontal alignment of markdown text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// Aligned to the left edge (the default).
    #[default]
    Left,
    /// Centred.
    Center,
    /// Aligned to the right edge.
    Right,
}

/// How markdown's blocks are spread over the height of their item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Justify {
    /// Blocks start at the top (the default).
    #[default]
    Start,
    /// Blocks end at the bottom.
    End,
    /// Blocks are centred vertically.
    Center,
    /// The first block at the top, the last at the bottom, equal space between.
    Between,
    /// Equal space around each block.
    Around,
    /// Equal space between and around the blocks.
    Evenly,
}

/// The project file's root, for the JSON Schema.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(crate) struct ProjectFile {
    name: Option<String>,
    cli_version: Option<String>,
    defaults: Option<Defaults>,
    dbt: Option<crate::load::dbt::Dbt>,
    includes: Option<Vec<Include>>,
    destinations: Option<Vec<Alert>>,
    alerts: Option<Vec<AnyAlert>>,
    #[serde(alias = "targets")]
    sources: Option<Vec<Source>>,
    models: Option<Vec<ModelSchema>>,
    metrics: Option<Vec<Metric>>,
    dimensions: Option<Vec<Dimension>>,
    relations: Option<Vec<Relation>>,
    inputs: Option<Vec<Input>>,
    traces: Option<Vec<Trace>>,
    insights: Option<Vec<Insight>>,
    tables: Option<Vec<Table>>,
    charts: Option<Vec<Chart>>,
    selectors: Option<Vec<Selector>>,
    markdowns: Option<Vec<Markdown>>,
    dashboards: Option<Vec<Dashboard>>,
}
