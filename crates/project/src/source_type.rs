//! The one list of database engines a source can be: what each is called in YAML (`type:`),
//! which fields it takes, its usual port, whether it logs in with a password and what its SQL
//! is like ([`SqlDialect`]). Validation, the SQL compiler (`visivo_query`), `visivo init` and
//! the CLI read it from here; only the connector is elsewhere (`visivo_engine::source`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A source's `type:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Hash, Default)]
#[serde(rename_all = "lowercase")]
pub enum SourceType {
    /// The embedded default.
    #[default]
    Sqlite,
    /// PostgreSQL, over its own protocol (port 5432).
    Postgresql,
    /// MySQL or MariaDB (port 3306).
    Mysql,
    /// Snowflake, over its HTTP API.
    Snowflake,
    /// DuckDB: a local file, in-process (with the `duckdb` build feature).
    Duckdb,
    /// BigQuery, over its HTTP API.
    Bigquery,
    /// Amazon Redshift, over the PostgreSQL protocol (port 5439).
    Redshift,
    /// A CSV file, read into SQLite (1.0.66).
    Csv,
    /// An Excel workbook, read into SQLite (1.0.66; `type: xls`, also `excel`).
    #[serde(rename = "xls", alias = "excel")]
    Excel,
    /// ClickHouse, over its HTTP interface (port 8123; 1.0.76).
    Clickhouse,
}

/// What the SQL compiler needs to know of an engine's SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqlDialect {
    /// The character identifiers are quoted with (doubled inside them): `"`, or `` ` `` where
    /// `"x"` is a string (MySQL: 1.0.30 used `"` there, and every MySQL trace ended up with one
    /// cohort named `cohort_on`) or not an identifier (BigQuery).
    pub quote: char,
    /// Whether filters on window functions can go to QUALIFY (else they stay in WHERE).
    pub qualify: bool,
    /// Its aggregate functions besides `sum`, `max`, `min`, `avg` and `count`, lowercase.
    pub aggregates: &'static [&'static str],
}

impl SqlDialect {
    /// `identifier` quoted, the quote character doubled inside it.
    pub fn quote(&self, identifier: &str) -> String {
        let q = self.quote;
        format!("{q}{}{q}", identifier.replace(q, &format!("{q}{q}")))
    }
}

/// Fields of the servers reached over the PostgreSQL and MySQL protocols.
const NETWORK_FIELDS: &[&str] = &[
    "database",
    "host",
    "port",
    "username",
    "password",
    "db_schema",
    "connection_pool_size",
    "connect_timeout",
    "query_timeout",
    "sslmode",
];

impl SourceType {
    /// Every engine, in the order `visivo init` offers them (the embedded one first).
    pub const ALL: [SourceType; 10] = [
        SourceType::Sqlite,
        SourceType::Postgresql,
        SourceType::Mysql,
        SourceType::Redshift,
        SourceType::Snowflake,
        SourceType::Duckdb,
        SourceType::Bigquery,
        SourceType::Clickhouse,
        SourceType::Csv,
        SourceType::Excel,
    ];

    /// What `type:` says.
    pub fn name(self) -> &'static str {
        match self {
            SourceType::Sqlite => "sqlite",
            SourceType::Postgresql => "postgresql",
            SourceType::Mysql => "mysql",
            SourceType::Snowflake => "snowflake",
            SourceType::Duckdb => "duckdb",
            SourceType::Bigquery => "bigquery",
            SourceType::Redshift => "redshift",
            SourceType::Csv => "csv",
            SourceType::Excel => "xls",
            SourceType::Clickhouse => "clickhouse",
        }
    }

    /// The engine a `type:` names (`excel` is `xls`, as serde reads it too).
    pub fn from_name(name: &str) -> Option<SourceType> {
        if name == "excel" {
            return Some(SourceType::Excel);
        }
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Every `type:` name, in [`SourceType::ALL`]'s order.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|t| t.name()).collect()
    }

    /// Fields this engine accepts besides `name` and `type`.
    pub fn allowed_fields(self) -> &'static [&'static str] {
        match self {
            SourceType::Sqlite => &["database", "attach", "query_timeout"],
            SourceType::Duckdb => &["database", "query_timeout", "db_schema"],
            SourceType::Postgresql | SourceType::Redshift | SourceType::Mysql => NETWORK_FIELDS,
            SourceType::Snowflake => &[
                "database",
                "username",
                "password",
                "db_schema",
                "account",
                "warehouse",
                "role",
                "private_key_path",
                "private_key_passphrase",
                "connection_pool_size",
                "connect_timeout",
                "query_timeout",
                "api_url",
                "host",
            ],
            SourceType::Bigquery => &[
                "project",
                "dataset",
                "database",
                "credentials_path",
                "credentials_json",
                "credentials_base64",
                "connection_pool_size",
                "connect_timeout",
                "query_timeout",
                "api_url",
            ],
            SourceType::Csv => &[
                "file",
                "delimiter",
                "encoding",
                "has_header",
                "query_timeout",
            ],
            // `delimiter` and `encoding` for an `xls` file that is CSV text (what 1.0.82 read).
            SourceType::Excel => &[
                "file",
                "sheet",
                "has_header",
                "delimiter",
                "encoding",
                "query_timeout",
            ],
            // ClickHouse has databases, not schemas: `db_schema` names the database when
            // `database` doesn't (as for MySQL).
            SourceType::Clickhouse => &[
                "host",
                "port",
                "database",
                "username",
                "password",
                "db_schema",
                "protocol",
                "secure",
                "connection_pool_size",
                "connect_timeout",
                "query_timeout",
            ],
        }
    }

    /// Fields a source of this engine cannot do without (a located error when one is missing).
    pub fn required_fields(self) -> &'static [&'static str] {
        match self {
            SourceType::Csv | SourceType::Excel => &["file"],
            _ => &[],
        }
    }

    /// The port a server of this engine usually listens on; `None` for files and HTTPS APIs.
    pub fn default_port(self) -> Option<u16> {
        match self {
            SourceType::Postgresql => Some(5432),
            SourceType::Mysql => Some(3306),
            SourceType::Redshift => Some(5439),
            SourceType::Clickhouse => Some(8123),
            SourceType::Sqlite | SourceType::Duckdb | SourceType::Csv | SourceType::Excel => None,
            SourceType::Snowflake | SourceType::Bigquery => None,
        }
    }

    /// Whether it reads a local file (`database`; `file` for CSV and Excel) in this process (no
    /// server): a changed file means changed data.
    pub fn is_file(self) -> bool {
        matches!(
            self,
            SourceType::Sqlite | SourceType::Duckdb | SourceType::Csv | SourceType::Excel
        )
    }

    /// What its SQL is like: also the dialect of CSV-script and local-merge models (SQLite).
    pub fn dialect(self) -> SqlDialect {
        let (quote, qualify, aggregates) = match self {
            SourceType::Sqlite => ('"', false, SQLITE),
            SourceType::Postgresql => ('"', false, POSTGRESQL),
            SourceType::Mysql => ('`', false, MYSQL),
            SourceType::Snowflake => ('"', true, SNOWFLAKE),
            SourceType::Duckdb => ('"', true, DUCKDB),
            SourceType::Bigquery => ('`', true, BIGQUERY),
            SourceType::Redshift => ('"', false, REDSHIFT),
            // Their rows are queried in SQLite.
            SourceType::Csv | SourceType::Excel => ('"', false, SQLITE),
            // QUALIFY only since ClickHouse 24.
            SourceType::Clickhouse => ('"', false, CLICKHOUSE),
        };
        SqlDialect {
            quote,
            qualify,
            aggregates,
        }
    }

    /// Whether it logs in with a password (or token) that belongs in `.env`.
    pub fn needs_password(self) -> bool {
        !matches!(
            self,
            SourceType::Sqlite
                | SourceType::Duckdb
                | SourceType::Bigquery
                | SourceType::Csv
                | SourceType::Excel
        )
    }
}

// Each engine's aggregate functions besides sum, max, min, avg and count (1.0.30's lists).
const SQLITE: &[&str] = &["total", "group_concat", "string_agg"];
const POSTGRESQL: &[&str] = &[
    "array_agg",
    "bit_and",
    "bit_or",
    "bool_and",
    "bool_or",
    "every",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
    "string_agg",
    "xmlagg",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "corr",
    "covar_pop",
    "covar_samp",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "regr_slope",
    "regr_intercept",
];
const MYSQL: &[&str] = &[
    "bit_and",
    "bit_or",
    "bit_xor",
    "group_concat",
    "json_arrayagg",
    "json_objectagg",
    "std",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "var_pop",
    "var_samp",
    "variance",
];
const SNOWFLAKE: &[&str] = &[
    "any_value",
    "stddev",
    "corr",
    "count_if",
    "covar_pop",
    "covar_samp",
    "listagg",
    "median",
    "mode",
    "stddev_pop",
    "stddev_samp",
    "var_pop",
    "var_samp",
    "variance_pop",
    "variance",
    "variance_samp",
    "max_by",
    "min_by",
    "array_agg",
    "approx_count_distinct",
    "percentile_cont",
    "percentile_disc",
    "bool_and",
    "bool_or",
    "hll",
];
const DUCKDB: &[&str] = &[
    "any_value",
    "arg_max",
    "arg_min",
    "max_by",
    "min_by",
    "array_agg",
    "list",
    "string_agg",
    "group_concat",
    "median",
    "mode",
    "quantile_cont",
    "quantile_disc",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "var_pop",
    "var_samp",
    "variance",
    "corr",
    "count_if",
    "bool_and",
    "bool_or",
    "approx_count_distinct",
    "first",
    "last",
    "product",
    "histogram",
];
const BIGQUERY: &[&str] = &[
    "any_value",
    "array_agg",
    "string_agg",
    "countif",
    "logical_and",
    "logical_or",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "var_pop",
    "var_samp",
    "variance",
    "corr",
    "covar_pop",
    "covar_samp",
    "approx_count_distinct",
    "approx_quantiles",
    "max_by",
    "min_by",
    "bit_and",
    "bit_or",
    "bit_xor",
];
const REDSHIFT: &[&str] = &[
    "listagg",
    "median",
    "percentile_cont",
    "percentile_disc",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "bool_and",
    "bool_or",
    "bit_and",
    "bit_or",
    "approximate",
    "any_value",
];
const CLICKHOUSE: &[&str] = &[
    "any",
    "anylast",
    "anyheavy",
    "argmin",
    "argmax",
    "avgweighted",
    "corr",
    "covarpop",
    "covarsamp",
    "countif",
    "sumif",
    "avgif",
    "minif",
    "maxif",
    "uniqif",
    "grouparray",
    "groupuniqarray",
    "groupbitand",
    "groupbitor",
    "groupbitxor",
    "median",
    "medianexact",
    "quantile",
    "quantiles",
    "quantileexact",
    "quantiletiming",
    "quantiletdigest",
    "stddevpop",
    "stddevsamp",
    "stddev_pop",
    "stddev_samp",
    "varpop",
    "varsamp",
    "var_pop",
    "var_samp",
    "uniq",
    "uniqexact",
    "uniqcombined",
    "topk",
    "summap",
    "minmap",
    "maxmap",
    "sumwithoverflow",
    "entropy",
    "skewpop",
    "skewsamp",
    "kurtpop",
    "kurtsamp",
    "simplelinearregression",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_what_serde_reads() {
        for t in SourceType::ALL {
            let read: SourceType = serde_json::from_value(t.name().into()).unwrap();
            assert_eq!(read, t);
            assert_eq!(SourceType::from_name(t.name()), Some(t));
        }
        assert_eq!(SourceType::from_name("oracle"), None);
        assert_eq!(SourceType::from_name("excel"), Some(SourceType::Excel));
        let excel: SourceType = serde_json::from_value("excel".into()).unwrap();
        assert_eq!(excel, SourceType::Excel);
    }

    #[test]
    fn ports_passwords_and_required_fields_fit_the_allowed_fields() {
        for t in SourceType::ALL {
            assert_eq!(
                t.default_port().is_some(),
                t.allowed_fields().contains(&"port"),
                "{t:?}"
            );
            let fields = t.allowed_fields();
            assert!(t.required_fields().iter().all(|f| fields.contains(f)));
            assert!(!t.is_file() || fields.contains(&"database") || fields.contains(&"file"));
            if t.needs_password() {
                assert!(t.allowed_fields().contains(&"password"), "{t:?}");
            }
        }
    }

    #[test]
    fn aggregates_are_plain_lowercase_names() {
        // The compiler puts them into a regular expression as they are.
        for t in SourceType::ALL {
            for name in t.dialect().aggregates {
                assert!(
                    name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{t:?}: {name}"
                );
            }
        }
    }
}
