//! What differs between databases for the compiler: quoting and which functions aggregate.

use regex::Regex;
use std::sync::LazyLock;
use visivo_project::SourceType;

/// The SQL spoken by a source: how identifiers are quoted, which functions aggregate, whether
/// QUALIFY exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite, also used for CSV-script and local-merge models.
    Sqlite,
    /// PostgreSQL: `"x"` quoting, its own aggregates (`array_agg`, `stddev`, …).
    Postgresql,
    /// MySQL and MariaDB: backtick quoting (`"x"` is a string there).
    Mysql,
    /// Snowflake: filters on window functions go to QUALIFY.
    Snowflake,
    /// DuckDB: filters on window functions go to QUALIFY.
    Duckdb,
    /// BigQuery: backtick quoting; filters on window functions go to QUALIFY.
    Bigquery,
    /// Amazon Redshift: PostgreSQL's quoting, its own list of aggregates.
    Redshift,
}

impl From<SourceType> for Dialect {
    fn from(t: SourceType) -> Self {
        match t {
            SourceType::Sqlite => Dialect::Sqlite,
            SourceType::Postgresql => Dialect::Postgresql,
            SourceType::Mysql => Dialect::Mysql,
            SourceType::Snowflake => Dialect::Snowflake,
            SourceType::Duckdb => Dialect::Duckdb,
            SourceType::Bigquery => Dialect::Bigquery,
            SourceType::Redshift => Dialect::Redshift,
        }
    }
}

/// Aggregates every dialect knows (1.0.30's common list).
const COMMON: &[&str] = &["sum", "max", "min", "avg", "count"];
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

fn pattern(names: &[&str]) -> Regex {
    // Whole function names only (1.0.30 matched substrings, so `checksum(x)` was an aggregate).
    let alternatives = names.join("|");
    Regex::new(&format!(r"(?is)\b({alternatives})\s*\(.*\)")).expect("valid regex")
}

static PATTERNS: LazyLock<Vec<(Dialect, Regex)>> = LazyLock::new(|| {
    [
        (Dialect::Sqlite, SQLITE),
        (Dialect::Postgresql, POSTGRESQL),
        (Dialect::Mysql, MYSQL),
        (Dialect::Snowflake, SNOWFLAKE),
        (Dialect::Duckdb, DUCKDB),
        (Dialect::Bigquery, BIGQUERY),
        (Dialect::Redshift, REDSHIFT),
    ]
    .into_iter()
    .map(|(d, extra)| (d, pattern(&[COMMON, extra].concat())))
    .collect()
});

static WINDOW: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)\bover\s*\(.*\)").expect("valid regex"));

/// Where a filter belongs: WHERE, HAVING or QUALIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Vanilla,
    Aggregate,
    Window,
}

impl Dialect {
    /// `identifier` quoted for this dialect, quotes inside it doubled.
    pub fn quote(self, identifier: &str) -> String {
        match self {
            // MySQL reads "x" as a string literal in its default SQL mode; 1.0.30 used it and
            // every MySQL trace ended up with a single cohort named `cohort_on`.
            Dialect::Mysql | Dialect::Bigquery => format!("`{}`", identifier.replace('`', "``")),
            _ => format!("\"{}\"", identifier.replace('"', "\"\"")),
        }
    }

    pub(crate) fn supports_qualify(self) -> bool {
        matches!(
            self,
            Dialect::Snowflake | Dialect::Duckdb | Dialect::Bigquery
        )
    }

    pub(crate) fn classify(self, expression: &str) -> Class {
        if WINDOW.is_match(expression) {
            return Class::Window;
        }
        let aggregate = PATTERNS
            .iter()
            .find(|(d, _)| *d == self)
            .is_some_and(|(_, re)| re.is_match(expression));
        if aggregate {
            Class::Aggregate
        } else {
            Class::Vanilla
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let d = Dialect::Postgresql;
        assert_eq!(d.classify("sum(amount)"), Class::Aggregate);
        assert_eq!(d.classify("SUM (amount) > 1"), Class::Aggregate);
        assert_eq!(d.classify("checksum(x)"), Class::Vanilla);
        assert_eq!(
            d.classify("row_number() over (partition by r)"),
            Class::Window
        );
        assert_eq!(d.classify("region"), Class::Vanilla);
        assert_eq!(
            Dialect::Snowflake.classify("median(price)"),
            Class::Aggregate
        );
        assert_eq!(Dialect::Mysql.classify("median(price)"), Class::Vanilla);
        assert_eq!(d.classify("sum(\n amount\n)"), Class::Aggregate);
    }

    #[test]
    fn quoting() {
        assert_eq!(Dialect::Mysql.quote("props.x"), "`props.x`");
        assert_eq!(Dialect::Sqlite.quote("props.x"), "\"props.x\"");
    }
}
