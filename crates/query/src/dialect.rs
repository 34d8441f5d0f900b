//! What differs between databases for the compiler: quoting, QUALIFY and which functions
//! aggregate. A trace's dialect is its source's [`SourceType`]; what each one's SQL is like is
//! the source registry's [`SourceType::dialect`].

use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;
use visivo_project::SourceType;

/// Aggregates every dialect knows (1.0.30's common list).
const COMMON: &[&str] = &["sum", "max", "min", "avg", "count"];

fn pattern(names: &[&str]) -> Regex {
    // Whole function names only (1.0.30 matched substrings, so `checksum(x)` was an aggregate).
    let alternatives = names.join("|");
    Regex::new(&format!(r"(?is)\b({alternatives})\s*\(.*\)")).expect("valid regex")
}

static PATTERNS: LazyLock<HashMap<SourceType, Regex>> = LazyLock::new(|| {
    SourceType::ALL
        .into_iter()
        .map(|t| (t, pattern(&[COMMON, t.dialect().aggregates].concat())))
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

/// `identifier` quoted for `dialect`, quotes inside it doubled.
pub(crate) fn quote(dialect: SourceType, identifier: &str) -> String {
    dialect.dialect().quote(identifier)
}

/// Where a filter on `expression` belongs in `dialect`.
pub(crate) fn classify(dialect: SourceType, expression: &str) -> Class {
    if WINDOW.is_match(expression) {
        return Class::Window;
    }
    if PATTERNS[&dialect].is_match(expression) {
        Class::Aggregate
    } else {
        Class::Vanilla
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let d = |e| classify(SourceType::Postgresql, e);
        assert_eq!(d("sum(amount)"), Class::Aggregate);
        assert_eq!(d("SUM (amount) > 1"), Class::Aggregate);
        assert_eq!(d("checksum(x)"), Class::Vanilla);
        assert_eq!(d("row_number() over (partition by r)"), Class::Window);
        assert_eq!(d("region"), Class::Vanilla);
        assert_eq!(
            classify(SourceType::Snowflake, "median(price)"),
            Class::Aggregate
        );
        assert_eq!(classify(SourceType::Mysql, "median(price)"), Class::Vanilla);
        assert_eq!(d("sum(\n amount\n)"), Class::Aggregate);
    }

    #[test]
    fn quoting() {
        assert_eq!(quote(SourceType::Mysql, "props.x"), "`props.x`");
        assert_eq!(quote(SourceType::Bigquery, "a`b"), "`a``b`");
        assert_eq!(quote(SourceType::Sqlite, "a\"b"), "\"a\"\"b\"");
    }
}
