//! The two small expression forms inside trace fields: `query(<sql>)` and `column(<name>)[..]`.

use regex::Regex;
use std::sync::LazyLock;

static QUERY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*query\((.+)\)\s*$").expect("valid regex"));
static QUERY_ANYWHERE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"query\((.+)\)").expect("valid regex"));
static COLUMN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"column\(\s*([^)]*?)\s*\)(?:\[(-?\d*)(:?)(-?\d*)\])?").expect("valid regex")
});

/// The SQL inside a value that is a whole `query(...)` (surrounding whitespace allowed).
///
/// 1.0.30 found `query(` anywhere in the text (so `my_query(x)` matched); only a whole value
/// counts here. Newlines inside are allowed.
pub fn extract_query(text: &str) -> Option<String> {
    let single_line = text.replace('\n', " ");
    QUERY
        .captures(&single_line)
        .map(|c| c[1].trim().to_string())
}

/// Whether 1.0.30 would have seen a `query(...)` somewhere inside this text.
pub fn mentions_query(text: &str) -> bool {
    QUERY_ANYWHERE.is_match(text)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnSelection {
    All,
    Index(i64),
    Slice(Option<i64>, Option<i64>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    pub name: String,
    pub selection: ColumnSelection,
}

/// Every `column(name)`, `column(name)[i]`, `column(name)[a:b]` in a text.
pub fn column_refs(text: &str) -> Vec<ColumnRef> {
    COLUMN
        .captures_iter(text)
        .map(|c| {
            let bound = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<i64>().ok());
            let selection = match (c.get(2), c.get(3).map(|m| m.as_str())) {
                (None, _) => ColumnSelection::All,
                (Some(_), Some(":")) => ColumnSelection::Slice(bound(2), bound(4)),
                (Some(_), _) => bound(2).map_or(ColumnSelection::All, ColumnSelection::Index),
            };
            ColumnRef {
                name: c[1].trim_matches(|ch| ch == '\'' || ch == '"').to_string(),
                selection,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_must_be_the_whole_value() {
        assert_eq!(extract_query("query( year)").as_deref(), Some("year"));
        assert_eq!(extract_query(" query(sum(a)) ").as_deref(), Some("sum(a)"));
        assert_eq!(extract_query("my_query(foo)"), None);
        assert_eq!(extract_query("query(a\n + b)").as_deref(), Some("a  + b"));
        assert!(mentions_query("my_query(foo)"));
    }

    #[test]
    fn column_forms() {
        let refs = column_refs("column(a) column(b)[-1] column(c)[1:-1] column(d)[:2]");
        assert_eq!(
            refs[0],
            ColumnRef {
                name: "a".into(),
                selection: ColumnSelection::All
            }
        );
        assert_eq!(refs[1].selection, ColumnSelection::Index(-1));
        assert_eq!(refs[2].selection, ColumnSelection::Slice(Some(1), Some(-1)));
        assert_eq!(refs[3].selection, ColumnSelection::Slice(None, Some(2)));
    }
}
