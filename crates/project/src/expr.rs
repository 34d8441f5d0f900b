//! The small expression forms inside fields: references (`ref(<name>)`, `${ref(<name>)}`),
//! `query(<sql>)` / `?{<sql>}` and `column(<name>)[..]`.

use regex::Regex;
use std::sync::LazyLock;

static QUERY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:query\((.+)\)|\?\{(.+)\})\s*$").expect("valid regex"));
static QUERY_ANYWHERE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"query\((.+)\)").expect("valid regex"));
static SELECTED_QUERY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)^\s*\?\{(.+)\}\s*(\[[^\]]*\])\s*$").expect("valid regex"));
static SELECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[\s*-?\d*\s*(?::\s*-?\d*\s*)?\]$").expect("valid regex"));
static COLUMN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"column\(\s*([^)]*?)\s*\)(?:\[(-?\d*)(:?)(-?\d*)\])?").expect("valid regex")
});

/// A reference to another object as written in a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The referenced object's name, without quotes or surrounding spaces.
    pub name: String,
    /// What follows `ref(name)` inside `${…}`: `value` for `${ref(x).value}`, `[0]` for
    /// `${ref(x)[0]}`.
    pub field: Option<String>,
}

static CONTEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)^\$\{\s*(.*?)\s*\}$").expect("valid regex"));
static REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)^ref\(\s*([^{}]*?)\s*\)([.\[][\w.\[\]]*)?$").expect("valid regex")
});

/// The one reading of a reference, for every field that takes one: `ref(orders)`,
/// `${ref(orders)}`, `${ ref('orders') }`, `ref("my orders")`, nested `${ ${ref(x)} }` (1.0.82
/// accepts it), and `${ref(x).field}`, whose field the caller accepts or refuses. Quotes and
/// surrounding spaces are not part of the name (1.0.30 kept them).
pub fn parse_reference(text: &str) -> Option<Reference> {
    let mut inner = text.trim();
    let mut in_context = false;
    while let Some(caps) = CONTEXT.captures(inner) {
        inner = caps.get(1).map_or("", |m| m.as_str());
        in_context = true;
    }
    let caps = REF.captures(inner)?;
    let name = unquote(&caps[1]);
    let field = caps
        .get(2)
        .map(|m| m.as_str().trim_start_matches('.').to_string());
    if name.is_empty() || (field.is_some() && !in_context) {
        return None;
    }
    Some(Reference {
        name: name.to_string(),
        field,
    })
}

/// `text` without one pair of surrounding `'` or `"` quotes.
pub(crate) fn unquote(text: &str) -> &str {
    ['\'', '"']
        .iter()
        .find_map(|q| text.strip_prefix(*q).and_then(|s| s.strip_suffix(*q)))
        .unwrap_or(text)
}

/// The SQL inside a value that is a whole `query(...)` or `?{...}` (surrounding whitespace
/// allowed).
///
/// 1.0.30 found `query(` anywhere in the text (so `my_query(x)` matched), and 1.0.82 still turns
/// any prop *containing* `query(…)` into SQL; only a whole value counts here. Newlines inside are
/// allowed.
pub fn extract_query(text: &str) -> Option<String> {
    let single_line = text.replace('\n', " ");
    let caps = QUERY.captures(&single_line)?;
    Some(caps.get(1).or(caps.get(2))?.as_str().trim().to_string())
}

/// A query followed by an index or slice, as 1.0.82 allows: `?{sum(x)}[0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedQuery {
    /// `?{sum(x)}`, without the selection.
    pub query: String,
    /// `[0]` as written.
    pub selection: String,
}

impl SelectedQuery {
    /// Whether the selection is one `column(x)[…]` understands: `[N]` or `[a:b]`.
    pub fn is_supported(&self) -> bool {
        SELECTION.is_match(&self.selection)
    }
}

/// `?{expr}[…]` as a whole value.
pub fn selected_query(text: &str) -> Option<SelectedQuery> {
    let caps = SELECTED_QUERY.captures(text)?;
    Some(SelectedQuery {
        query: format!("?{{{}}}", &caps[1]),
        selection: caps[2].split_whitespace().collect(),
    })
}

/// Whether 1.0.30 would have seen a `query(...)` somewhere inside this text.
pub fn mentions_query(text: &str) -> bool {
    QUERY_ANYWHERE.is_match(text)
}

static EVAL_STRING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)^\s*>\{(.*)\}\s*$").expect("valid regex"));
static CONTEXT_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\$\{\s*ref\(\s*(?:'([^']*)'|"([^"]*)"|([^)'"]*?))\s*\)"#).expect("valid regex")
});

/// The expression inside a `>{ … }` (1.0.44+ test assertions and `if:` conditions); `None` when
/// the text is not of that form.
pub fn eval_string_body(text: &str) -> Option<&str> {
    EVAL_STRING
        .captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

/// The names of the objects that the `${ref(name)…}` in a text point to, in order.
pub fn context_reference_names(text: &str) -> Vec<String> {
    CONTEXT_REF
        .captures_iter(text)
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)))
        .map(|m| m.as_str().trim().to_string())
        .collect()
}

static CONTEXT_REF_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"\$\{\s*ref\(\s*(?:'([^']*)'|"([^"]*)"|([^)'"]*?))\s*\)((?:\.\w+|\[[^\]]*\])*)\s*\}"#,
    )
    .expect("valid regex")
});

/// Every `${ref(name)}` / `${ref(name).field}` inside a text (an expression mixing several),
/// in order.
pub fn context_references(text: &str) -> Vec<Reference> {
    CONTEXT_REF_FIELD
        .captures_iter(text)
        .filter_map(|c| {
            let name = c.get(1).or(c.get(2)).or(c.get(3))?.as_str().trim();
            let field = c.get(4).map(|m| m.as_str()).filter(|f| !f.is_empty());
            Some(Reference {
                name: name.to_string(),
                field: field.map(|f| f.trim_start_matches('.').to_string()),
            })
        })
        .collect()
}

/// `text` with each `${ref(name)…}` replaced by what `replace` returns for it (`None` keeps it).
pub fn replace_context_references<E>(
    text: &str,
    mut replace: impl FnMut(&Reference) -> Result<Option<String>, E>,
) -> Result<String, E> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for caps in CONTEXT_REF_FIELD.captures_iter(text) {
        let whole = caps.get(0).expect("the whole match");
        let Some(name) = caps.get(1).or(caps.get(2)).or(caps.get(3)) else {
            continue;
        };
        let field = caps.get(4).map(|m| m.as_str()).filter(|f| !f.is_empty());
        let reference = Reference {
            name: name.as_str().trim().to_string(),
            field: field.map(|f| f.trim_start_matches('.').to_string()),
        };
        if let Some(replacement) = replace(&reference)? {
            out.push_str(&text[last..whole.start()]);
            out.push_str(&replacement);
            last = whole.end();
        }
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// Which values of a column a `column(name)` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnSelection {
    /// `column(name)`: the whole column.
    All,
    /// `column(name)[i]`: one value; negative counts from the end.
    Index(i64),
    /// `column(name)[a:b]`: a slice; a missing bound is the start or the end.
    Slice(Option<i64>, Option<i64>),
}

/// A `column(name)` in a prop, with what it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    /// The name of the trace's column (a key of its `columns`).
    pub name: String,
    /// The part of the column taken.
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
    fn eval_strings_and_their_references() {
        assert_eq!(eval_string_body(" >{ 1 == 1 } "), Some(" 1 == 1 "));
        assert_eq!(eval_string_body("1 == 1"), None);
        assert_eq!(eval_string_body(">{ 1 == 1"), None);
        assert_eq!(
            context_reference_names(">{ ${ref(a b).props.x[0]} == ${ ref('c').columns.y } }"),
            ["a b", "c"]
        );
    }

    fn name(text: &str) -> Option<String> {
        parse_reference(text).map(|r| r.name)
    }

    #[test]
    fn every_reference_spelling_names_the_object() {
        for text in [
            "ref(orders)",
            " ref( orders ) ",
            "ref('orders')",
            "ref(\"orders\")",
            "${ref(orders)}",
            "${ ref(orders) }",
            "${ref('orders')}",
            "${ ${ref(orders)} }",
        ] {
            assert_eq!(name(text).as_deref(), Some("orders"), "{text}");
        }
        assert_eq!(name("${ref(My Orders)}").as_deref(), Some("My Orders"));
        assert_eq!(name("ref(Orders (2024))").as_deref(), Some("Orders (2024)"));
        for text in [
            "orders",
            "ref()",
            "${orders}",
            "${ref(a)} ${ref(b)}",
            "ref(a).b",
            "xref(a)",
        ] {
            assert_eq!(parse_reference(text), None, "{text}");
        }
    }

    #[test]
    fn a_field_after_a_reference_is_kept_for_the_caller() {
        let r = parse_reference("${ref(region).value}").unwrap();
        assert_eq!(
            (r.name.as_str(), r.field.as_deref()),
            ("region", Some("value"))
        );
        let r = parse_reference("${ref('t').props.x[0]}").unwrap();
        assert_eq!(r.field.as_deref(), Some("props.x[0]"));
        assert_eq!(
            parse_reference("${ref(t)[0]}").unwrap().field.as_deref(),
            Some("[0]")
        );
    }

    #[test]
    fn query_must_be_the_whole_value() {
        assert_eq!(extract_query("query( year)").as_deref(), Some("year"));
        assert_eq!(extract_query(" query(sum(a)) ").as_deref(), Some("sum(a)"));
        assert_eq!(extract_query("my_query(foo)"), None);
        assert_eq!(extract_query("query(a\n + b)").as_deref(), Some("a  + b"));
        assert!(mentions_query("my_query(foo)"));
    }

    #[test]
    fn braces_are_the_same_query() {
        assert_eq!(extract_query("?{year}").as_deref(), Some("year"));
        assert_eq!(extract_query(" ?{ sum(a) } ").as_deref(), Some("sum(a)"));
        assert_eq!(extract_query("?{ '{x}' }").as_deref(), Some("'{x}'"));
        assert_eq!(extract_query("?{a\n + b}").as_deref(), Some("a  + b"));
        for text in [
            "see ?{x} here",
            "see query(x) here",
            "?{}",
            "?{y}[0]",
            "${ref(a)}",
        ] {
            assert_eq!(extract_query(text), None, "{text}");
        }
    }

    #[test]
    fn a_selection_after_a_query_is_kept() {
        let selected = selected_query("?{ y }[ -1 ]").unwrap();
        assert_eq!(selected.query, "?{ y }");
        assert_eq!(selected.selection, "[-1]");
        assert!(selected.is_supported());
        assert!(selected_query("?{y}[1:3]").unwrap().is_supported());
        assert!(selected_query("?{y}[:]").unwrap().is_supported());
        assert!(!selected_query("?{y}[::2]").unwrap().is_supported());
        assert!(!selected_query("?{y}[0,2]").unwrap().is_supported());
        assert_eq!(selected_query("?{y}"), None);
        assert_eq!(selected_query("query(y)[0]"), None);
    }

    #[test]
    fn references_inside_an_expression() {
        let refs = context_references(
            "?{ ${ref(orders).amount} / ${ ref('my users').count[0] } + ${ref(total)} }",
        );
        let found: Vec<(&str, Option<&str>)> = refs
            .iter()
            .map(|r| (r.name.as_str(), r.field.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                ("orders", Some("amount")),
                ("my users", Some("count[0]")),
                ("total", None)
            ]
        );
        assert!(context_references("sum(amount) ref(x)").is_empty());
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
