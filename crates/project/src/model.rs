//! The typed objects of a project file (project-format.md). After loading, every reference
//! field holds the *name* of the object it points to, checked to exist and to be of the right
//! kind; inline objects have been lifted out and are referenced by name too.

use crate::lenient;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::Duration;

/// A reference: `${ref(name)}` or `ref(name)` in the file, the bare name once the project is loaded.
pub type Ref = String;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Alert,
    Source,
    Model,
    Trace,
    Chart,
    Table,
    Selector,
    Markdown,
    Dashboard,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Alert => "alert",
            Kind::Source => "source",
            Kind::Model => "model",
            Kind::Trace => "trace",
            Kind::Chart => "chart",
            Kind::Table => "table",
            Kind::Selector => "selector",
            Kind::Markdown => "markdown",
            Kind::Dashboard => "dashboard",
        }
    }

    pub fn section(self) -> &'static str {
        match self {
            Kind::Alert => "alerts",
            Kind::Source => "sources",
            Kind::Model => "models",
            Kind::Trace => "traces",
            Kind::Chart => "charts",
            Kind::Table => "tables",
            Kind::Selector => "selectors",
            Kind::Markdown => "markdowns",
            Kind::Dashboard => "dashboards",
        }
    }

    pub const ALL: [Kind; 9] = [
        Kind::Alert,
        Kind::Source,
        Kind::Model,
        Kind::Trace,
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

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Defaults {
    #[serde(alias = "target_name", skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_name: Option<String>,
    /// The project page's groups of dashboards, most important first (1.0.51).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<Level>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub title: String,
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

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Include {
    pub path: String,
}

// ----- alerts -------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Alert {
    Slack {
        #[serde(default)]
        name: Option<String>,
        webhook_url: String,
    },
    Email {
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "default_subject")]
        subject: String,
        to: String,
        #[serde(default = "default_smtp_port", deserialize_with = "lenient::number")]
        #[schemars(schema_with = "lenient::schema")]
        port: u16,
        host: String,
        #[serde(default)]
        username: Option<String>,
        #[serde(default)]
        password: Option<String>,
        /// Sender address (1.0.30 always used alerts@visio.io).
        #[serde(default)]
        from: Option<String>,
        /// `starttls` (default), `tls` or `none`.
        #[serde(default)]
        security: Option<String>,
    },
    Console {
        #[serde(default)]
        name: Option<String>,
        #[serde(default = "default_console_message")]
        message: String,
        #[serde(default)]
        called: bool,
    },
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
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub source_type: SourceType,
    #[serde(default)]
    pub database: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_number")]
    #[schemars(schema_with = "lenient::optional_schema")]
    pub port: Option<u16>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<crate::Secret>,
    #[serde(default)]
    pub db_schema: Option<String>,
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
    #[serde(default)]
    pub attach: Option<Vec<Attachment>>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub warehouse: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    /// Snowflake key-pair auth: path of the PKCS#8 private key.
    #[serde(default)]
    pub private_key_path: Option<String>,
    /// BigQuery project id.
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub dataset: Option<String>,
    /// BigQuery: path of a service-account key file.
    #[serde(default)]
    pub credentials_path: Option<String>,
    /// BigQuery: the service-account key JSON itself (use `env_var`).
    #[serde(default)]
    pub credentials_json: Option<crate::Secret>,
    /// Base URL of the service's HTTP API (Snowflake/BigQuery); for testing and proxies.
    #[serde(default)]
    pub api_url: Option<String>,
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

    pub fn pool_size(&self) -> usize {
        match self.source_type {
            SourceType::Sqlite | SourceType::Duckdb => 1,
            _ => self.connection_pool_size.unwrap_or(1).max(1) as usize,
        }
    }
}

/// Seconds to wait for a connection when `connect_timeout` is not set.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 10;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub schema_name: String,
    /// Nested form (what 1.0.30 accepts): `source: {type: sqlite, database: ...}`.
    #[serde(default)]
    pub source: Option<Box<Source>>,
    /// Flat form (what Visivo's docs show): `database:` beside `schema_name`.
    #[serde(default)]
    pub database: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub source_type: Option<SourceType>,
}

impl Attachment {
    pub fn database(&self) -> Option<&str> {
        self.source
            .as_ref()
            .and_then(|s| s.database.as_deref())
            .or(self.database.as_deref())
    }
}

// ----- models -------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Model {
    CsvScript(CsvScriptModel),
    LocalMerge(LocalMergeModel),
    Sql(SqlModel),
}

impl Model {
    pub fn name(&self) -> Option<&str> {
        match self {
            Model::CsvScript(m) => m.name.as_deref(),
            Model::LocalMerge(m) => m.name.as_deref(),
            Model::Sql(m) => m.name.as_deref(),
        }
    }

    pub fn set_name(&mut self, name: String) {
        let slot = match self {
            Model::CsvScript(m) => &mut m.name,
            Model::LocalMerge(m) => &mut m.name,
            Model::Sql(m) => &mut m.name,
        };
        *slot = Some(name);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlModel {
    #[serde(default)]
    pub name: Option<String>,
    pub sql: String,
    #[serde(default, alias = "target")]
    #[schemars(with = "Option<RefOr<Source>>")]
    pub source: Option<Ref>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvScriptModel {
    #[serde(default)]
    pub name: Option<String>,
    pub args: Vec<String>,
    #[serde(default = "default_table_name")]
    pub table_name: String,
    /// Seconds the command may run (default 300).
    #[serde(default, deserialize_with = "lenient::optional_number")]
    #[schemars(schema_with = "lenient::optional_schema")]
    pub timeout: Option<u64>,
}

pub fn default_table_name() -> String {
    "model".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalMergeModel {
    #[serde(default)]
    pub name: Option<String>,
    pub sql: String,
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

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trace {
    pub name: String,
    #[schemars(with = "RefOr<ModelSchema>")]
    pub model: Ref,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<IndexMap<String, Value>>,
    #[serde(default = "default_props")]
    pub props: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tests: Option<Vec<TraceTest>>,
    /// Accepted for compatibility; 1.0.30 overwrote it at compile.
    #[serde(default, skip_serializing)]
    pub changed: Option<bool>,
}

fn default_props() -> Map<String, Value> {
    let mut props = Map::new();
    props.insert("type".into(), Value::String("scatter".into()));
    props
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceTest {
    pub logic: String,
}

// ----- charts, tables, selectors, dashboards -------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Chart {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    #[schemars(with = "Vec<RefOr<Trace>>")]
    pub traces: Vec<Ref>,
    #[serde(default)]
    pub layout: Option<Map<String, Value>>,
    #[serde(default)]
    #[schemars(with = "Option<RefOr<Selector>>")]
    pub selector: Option<Ref>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Table {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    #[schemars(with = "Vec<RefOr<Trace>>")]
    pub traces: Vec<Ref>,
    #[serde(default)]
    pub column_defs: Option<Vec<ColumnDef>>,
    #[serde(default)]
    #[schemars(with = "Option<RefOr<Selector>>")]
    pub selector: Option<Ref>,
    /// Rows on a page of the viewer's table (1.0.34); the viewer's own default when unset.
    #[serde(default, deserialize_with = "rows_per_page")]
    #[schemars(schema_with = "rows_per_page_schema")]
    pub rows_per_page: Option<u32>,
}

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

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    pub trace_name: String,
    pub columns: Vec<TableColumn>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableColumn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    pub key: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SelectorType {
    Single,
    #[default]
    Multiple,
}

/// Unknown keys are ignored on selectors (1.0.30's `init` wrote `parent_name`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Selector {
    pub name: String,
    #[serde(default, rename = "type")]
    pub selector_type: SelectorType,
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

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub name: String,
    #[serde(default)]
    pub rows: Vec<Row>,
    /// Where the project page lists it: an index into `defaults.levels` or a level's title.
    #[serde(default)]
    pub level: Option<LevelRef>,
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

impl Dashboard {
    pub fn is_external(&self) -> bool {
        self.href.is_some() || self.dashboard_type == Some(DashboardType::External)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DashboardType {
    Internal,
    External,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a level: its index in `defaults.levels` (0 is the first) or its title"
)]
pub enum LevelRef {
    Index(u64),
    Title(String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RowHeight {
    Compact,
    Xsmall,
    Small,
    #[default]
    Medium,
    Large,
    Xlarge,
    Xxlarge,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// Accepted (1.0.34); nothing shows it.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub height: RowHeight,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    #[serde(default = "default_width")]
    #[schemars(range(min = 1))]
    pub width: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<MarkdownSchema>")]
    pub markdown: Option<ItemMarkdown>,
    /// Overrides the markdown's own `align` (markdown items only; 1.0.42).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub align: Option<Align>,
    /// Overrides the markdown's own `justify` (markdown items only; 1.0.43).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justify: Option<Justify>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RefOr<Chart>>")]
    pub chart: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RefOr<Table>>")]
    pub table: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<RefOr<Selector>>")]
    pub selector: Option<Ref>,
}

fn default_width() -> i64 {
    1
}

/// An item's `markdown`: the text itself (1.0.30's form) or a reference to a [`Markdown`]
/// (an inline markdown object has been lifted into one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ItemMarkdown {
    Text(String),
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
    #[serde(default)]
    pub name: Option<String>,
    pub content: String,
    #[serde(default)]
    pub align: Align,
    #[serde(default)]
    pub justify: Justify,
}

/// Horizontal alignment of markdown text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// How markdown's blocks are spread over the height of their item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Justify {
    #[default]
    Start,
    End,
    Center,
    Between,
    Around,
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
    includes: Option<Vec<Include>>,
    alerts: Option<Vec<Alert>>,
    #[serde(alias = "targets")]
    sources: Option<Vec<Source>>,
    models: Option<Vec<ModelSchema>>,
    traces: Option<Vec<Trace>>,
    tables: Option<Vec<Table>>,
    charts: Option<Vec<Chart>>,
    selectors: Option<Vec<Selector>>,
    markdowns: Option<Vec<Markdown>>,
    dashboards: Option<Vec<Dashboard>>,
}
