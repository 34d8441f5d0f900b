//! A trace's query in one input state (docs/interactivity.md): each `${ref(x).value}`,
//! `.values`, `.min` and `.max` becomes a literal of the trace's dialect. The values are the
//! inputs' options, never text a reader typed, and are escaped as data.

use crate::compile::{target_of_model, Target};
use crate::dialect::quote;
use regex::Regex;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::LazyLock;
use visivo_project::expr::context_reference_names;
use visivo_project::input::{
    input_references, text_of, trace_input_names, Accessor, InputShape, InputState,
};
use visivo_project::{Project, SourceType, Trace};

/// An input's options query, ready to run on its model's source.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledOptions {
    /// The input's name.
    pub input: String,
    /// The SELECT, its `${ref(model)}` replaced by the model's rows.
    pub sql: String,
    /// Where it runs: the model's source, or its SQLite file.
    pub target: Target,
    /// Whose SQL it is.
    pub dialect: SourceType,
}

static MODEL_REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\$\{\s*ref\(\s*(?:'[^']*'|"[^"]*"|[^)'"]*?)\s*\)\s*\}"#).expect("valid regex")
});

/// The options query of input `name`, if its options come from one: `FROM ${ref(sales)}` reads
/// `(<sales' SQL>) AS "sales"` on the model's source.
pub fn compile_options(project: &Project, name: &str) -> Result<Option<CompiledOptions>, String> {
    let Some(query) = project.inputs.get(name).and_then(|i| i.options_query()) else {
        return Ok(None);
    };
    let model_name = context_reference_names(&query)
        .into_iter()
        .next()
        .ok_or_else(|| format!("the options query of input '{name}' names no model"))?;
    let (target, dialect) = target_of_model(project, &model_name)?;
    let rows = format!(
        "({}) AS {}",
        project.models[&model_name].rows_sql(),
        quote(dialect, &model_name)
    );
    let sql = MODEL_REFERENCE
        .replace_all(&query, regex::NoExpand(&rows))
        .into_owned();
    Ok(Some(CompiledOptions {
        input: name.to_string(),
        sql,
        target,
        dialect,
    }))
}

/// `sql` with every input reference replaced by its value in `state`; `Err` names a reference
/// whose input has no value there or whose accessor doesn't fit it.
pub fn substitute(
    sql: &str,
    state: &HashMap<String, InputState>,
    dialect: SourceType,
) -> Result<String, String> {
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for reference in input_references(sql) {
        let Some(value) = state.get(&reference.name) else {
            continue;
        };
        let quoted = sql[reference.range.clone()].starts_with('\'');
        let accessor = Accessor::from_name(&reference.field);
        let text = match (accessor, value) {
            (Some(Accessor::Value), InputState::One(v)) => literal(v, quoted, dialect),
            (Some(Accessor::Values), InputState::Some(values)) if values.is_empty() => {
                "NULL".to_string()
            }
            (Some(Accessor::Values), InputState::Some(values)) => values
                .iter()
                .map(|v| literal(v, quoted, dialect))
                .collect::<Vec<_>>()
                .join(", "),
            (Some(Accessor::Min), InputState::Between(start, _)) => literal(start, quoted, dialect),
            (Some(Accessor::Max), InputState::Between(_, end)) => literal(end, quoted, dialect),
            _ => {
                return Err(format!(
                    "`.{}` doesn't fit input '{}'",
                    reference.field, reference.name
                ))
            }
        };
        out.push_str(&sql[last..reference.range.start]);
        out.push_str(&text);
        last = reference.range.end;
    }
    out.push_str(&sql[last..]);
    Ok(out)
}

static PARTITION_FILTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)^\s*(?:\?\{(.*)\}|query\((.*)\))\s*$"#).expect("valid regex")
});
static EQUALS_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?s)^\s*(.*?[^<>!=\s])\s*=\s*'?\$\{\s*ref\(\s*['"]?([^)'"]+?)['"]?\s*\)\s*\.\s*value\s*\}'?\s*$"#,
    )
    .expect("valid regex")
});
static IN_VALUES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?is)^\s*(.*?\S)\s+IN\s*\(\s*\$\{\s*ref\(\s*['"]?([^)'"]+?)['"]?\s*\)\s*\.\s*values\s*\}\s*\)\s*$"#,
    )
    .expect("valid regex")
});
static WINDOW: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bover\s*\(").expect("valid regex"));

/// A trace whose single-select inputs appear only as filters `<expr> = ${ref(x).value}`: it
/// runs once, grouped by each such `<expr>` (a column `columns.__input_<x>`), and each value's
/// rows are exactly the rows that filter keeps — so every aggregate, `count(DISTINCT …)` and
/// median included, is what the filtered query returns. Not with window functions, which would
/// see every value's rows.
///
/// A multi-select filter `<expr> IN (${ref(x).values})` is grouped the same way when every
/// aggregate of the trace combines exactly over a union of values (`sum`, `count`, `min`,
/// `max`), no other filter is an aggregate and the order is by groups only: a selection's data
/// is then its values' rows, combined.
#[derive(Debug, Clone)]
pub struct Partition {
    /// The trace without those filters and with the columns.
    pub trace: Trace,
    /// Input name → the column of its values in the result.
    pub columns: Vec<(String, String)>,
    /// With a multi-select among them: how each aggregate column of the result combines over
    /// the selected values' rows (the other columns are the groups).
    pub combine: Vec<(String, Combine)>,
}

/// How an aggregate's values over disjoint sets of rows give its value over their union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Combine {
    /// `sum(…)` and `count(…)`: the sum.
    Sum,
    /// `min(…)`: the least.
    Min,
    /// `max(…)`: the greatest.
    Max,
    /// `avg(x)`: the summed `sum(x)` over the summed `count(x)`, carried in these two columns
    /// (added to the query, left out of the data).
    Avg {
        /// The column of `sum(x)`.
        sum: String,
        /// The column of `count(x)`.
        count: String,
    },
}

/// The prefix of the columns that carry an `avg`'s sum and count.
pub const AVG_PARTS: &str = "columns.__avg_";

/// The [`Partition`] of `trace`, if some of its inputs allow one.
pub fn partition(project: &Project, trace: &Trace) -> Option<Partition> {
    let texts = visivo_project::input::trace_query_texts(trace);
    if texts.iter().any(|t| WINDOW.is_match(t)) {
        return None;
    }
    let filters = trace.filters.clone().unwrap_or_default();
    let mut candidates: Vec<(usize, String, String)> = filters
        .iter()
        .enumerate()
        .filter_map(|(i, f)| partition_filter(project, f).map(|(e, input)| (i, e, input)))
        .collect();
    let is_multi = |input: &str| {
        project
            .inputs
            .get(input)
            .is_some_and(|i| i.shape() == InputShape::Multi)
    };
    let (combine, avg_parts) = if candidates.iter().any(|(_, _, i)| is_multi(i)) {
        let other_filters = without_filters(trace, &candidates);
        let combine = combinable(project, trace, &other_filters);
        if combine.is_none() {
            candidates.retain(|(_, _, i)| !is_multi(i));
        }
        combine.unwrap_or_default()
    } else {
        Default::default()
    };
    let once = |input: &str, all: &[(usize, String, String)]| {
        all.iter().filter(|(_, _, i)| i == input).count() == 1
    };
    let all = candidates.clone();
    candidates.retain(|(_, _, input)| once(input, &all));
    // An input still referenced elsewhere takes one value per query, so it can't be a column.
    let still_used = trace_input_names(project, &without_filters(trace, &candidates));
    candidates.retain(|(_, _, input)| !still_used.contains(input));
    if candidates.is_empty() {
        return None;
    }
    let mut variant = without_filters(trace, &candidates);
    let mut columns = Vec::new();
    for (n, (_, expression, input)) in candidates.iter().enumerate() {
        let key = format!("__input_{n}");
        variant
            .columns
            .get_or_insert_with(Default::default)
            .insert(key.clone(), Value::String(format!("?{{{expression}}}")));
        columns.push((input.clone(), format!("columns.{key}")));
    }
    let combine = if candidates.iter().any(|(_, _, i)| is_multi(i)) {
        let extra = variant.columns.get_or_insert_with(Default::default);
        for (key, expression) in avg_parts {
            extra.insert(key, Value::String(format!("?{{{expression}}}")));
        }
        combine
    } else {
        Vec::new()
    };
    Some(Partition {
        trace: variant,
        columns,
        combine,
    })
}

static COMBINABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)^\s*(sum|count|min|max|avg)\s*\((.*)\)\s*$").expect("valid regex")
});

/// The columns a grouped trace adds (key under `columns.`, expression).
type ExtraColumns = Vec<(String, String)>;

/// How each aggregate column combines, if every one does, no filter left in `rest` is an
/// aggregate and the order is by groups only; and the sum and count columns `avg`s need.
fn combinable(
    project: &Project,
    trace: &Trace,
    rest: &Trace,
) -> Option<(Vec<(String, Combine)>, ExtraColumns)> {
    use crate::dialect::{classify, Class};
    let (_, dialect) = crate::compile::target_of_model(project, &trace.model).ok()?;
    let is_plain = |e: &str| classify(dialect, e) == Class::Vanilla;
    let query_of =
        |text: &str| visivo_project::expr::extract_query(text).unwrap_or_else(|| text.to_string());
    let filters_plain = rest
        .filters
        .iter()
        .flatten()
        .all(|f| is_plain(&query_of(f)));
    let order_plain = trace
        .order_by
        .iter()
        .flatten()
        .all(|o| is_plain(&query_of(o)));
    if !filters_plain || !order_plain {
        return None;
    }
    let mut combine = Vec::new();
    let mut extra = Vec::new();
    for item in crate::compile::select_items(trace) {
        if is_plain(&item.expression) {
            // A function this dialect doesn't list as an aggregate (median, a user-defined
            // one) would pass for a group; only plain expressions are trusted as groups.
            if item.expression.contains('(') {
                return None;
            }
            continue;
        }
        let caps = COMBINABLE.captures(&item.expression)?;
        let argument = &caps[2];
        // `sum(a) / sum(b)` matches the pattern but is not one aggregate; DISTINCT never combines.
        let balanced = argument.chars().try_fold(0i32, |depth, c| {
            let depth = depth + i32::from(c == '(') - i32::from(c == ')');
            (depth >= 0).then_some(depth)
        }) == Some(0);
        if !balanced
            || !is_plain(argument)
            || argument.trim_start().to_lowercase().starts_with("distinct")
        {
            return None;
        }
        let how = match caps[1].to_lowercase().as_str() {
            "min" => Combine::Min,
            "max" => Combine::Max,
            "avg" => {
                let n = extra.len() / 2;
                let (sum, count) = (format!("__avg_sum_{n}"), format!("__avg_count_{n}"));
                let keys = (format!("columns.{sum}"), format!("columns.{count}"));
                extra.push((sum, format!("sum({argument})")));
                extra.push((count, format!("count({argument})")));
                combine.push((keys.0.clone(), Combine::Sum));
                combine.push((keys.1.clone(), Combine::Sum));
                Combine::Avg {
                    sum: keys.0,
                    count: keys.1,
                }
            }
            _ => Combine::Sum,
        };
        combine.push((item.key, how));
    }
    Some((combine, extra))
}

fn without_filters(trace: &Trace, dropped: &[(usize, String, String)]) -> Trace {
    let mut variant = trace.clone();
    let kept: Vec<String> = trace
        .filters
        .iter()
        .flatten()
        .enumerate()
        .filter(|(i, _)| !dropped.iter().any(|(d, _, _)| d == i))
        .map(|(_, f)| f.clone())
        .collect();
    variant.filters = (!kept.is_empty()).then_some(kept);
    variant
}

/// `?{<expr> = ${ref(x).value}}` with `x` a single-select, or `?{<expr> IN (${ref(x).values})}`
/// with `x` a multi-select: `(expr, x)`.
fn partition_filter(project: &Project, filter: &str) -> Option<(String, String)> {
    let caps = PARTITION_FILTER.captures(filter)?;
    let inner = caps.get(1).or(caps.get(2))?.as_str();
    let (caps, shape) = match EQUALS_VALUE.captures(inner) {
        Some(caps) => (caps, InputShape::Single),
        None => (IN_VALUES.captures(inner)?, InputShape::Multi),
    };
    let (expression, input) = (caps[1].trim().to_string(), caps[2].trim().to_string());
    let fits = project
        .inputs
        .get(&input)
        .is_some_and(|i| i.shape() == shape);
    (fits && !expression.contains("${")).then_some((expression, input))
}

/// A value as a SQL literal: numbers as written, booleans as TRUE/FALSE, text (and everything
/// inside `'${…}'`) as a string literal escaped for the dialect.
pub fn literal(value: &Value, quoted: bool, dialect: SourceType) -> String {
    match value {
        Value::Number(n) if !quoted => n.to_string(),
        Value::Bool(b) if !quoted => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Value::Null if !quoted => "NULL".to_string(),
        other => string_literal(&text_of(other), dialect),
    }
}

/// `'text'`: quotes doubled; on MySQL and BigQuery, whose string literals read backslash
/// escapes, backslashes doubled too (BigQuery escapes the quote with a backslash).
fn string_literal(text: &str, dialect: SourceType) -> String {
    let text = text.replace('\0', "");
    match dialect {
        SourceType::Mysql => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''")),
        SourceType::Bigquery => format!(
            "'{}'",
            text.replace('\\', "\\\\")
                .replace('\'', "\\'")
                .replace('\n', "\\n")
        ),
        _ => format!("'{}'", text.replace('\'', "''")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state() -> HashMap<String, InputState> {
        HashMap::from([
            ("region".to_string(), InputState::One(json!("O'Brien\\"))),
            (
                "products".to_string(),
                InputState::Some(vec![json!("A,B"), json!("C")]),
            ),
            (
                "price".to_string(),
                InputState::Between(json!(100), json!(500)),
            ),
            ("none".to_string(), InputState::Some(vec![])),
        ])
    }

    const SQL: &str = "select * from t where region = ${ref(region).value} and r2 = '${ref(region).value}' and p in (${ref(products).values}) and price between ${ref(price).min} and ${ref(price).max} and q in (${ref(none).values})";

    #[test]
    fn per_dialect_literals() {
        let cases = [
            (SourceType::Sqlite, "region = 'O''Brien\\' and r2 = 'O''Brien\\' and p in ('A,B', 'C') and price between 100 and 500 and q in (NULL)"),
            (SourceType::Mysql, "region = 'O''Brien\\\\' and r2 = 'O''Brien\\\\' and p in ('A,B', 'C') and price between 100 and 500 and q in (NULL)"),
            (SourceType::Bigquery, "region = 'O\\'Brien\\\\' and r2 = 'O\\'Brien\\\\' and p in ('A,B', 'C') and price between 100 and 500 and q in (NULL)"),
        ];
        for (dialect, expected) in cases {
            let sql = substitute(SQL, &state(), dialect).unwrap();
            assert_eq!(
                sql,
                format!("select * from t where {expected}"),
                "{dialect:?}"
            );
        }
    }

    #[test]
    fn a_quoted_number_stays_text() {
        let state = HashMap::from([("n".to_string(), InputState::One(json!(5)))]);
        let sql = substitute(
            "a = '${ref(n).value}' or b = ${ref(n).value}",
            &state,
            SourceType::Postgresql,
        )
        .unwrap();
        assert_eq!(sql, "a = '5' or b = 5");
    }

    #[test]
    fn only_an_equality_partitions() {
        let mut project = visivo_project::Project::default();
        let input = json!({"type": "single-select", "options": [1]});
        project
            .inputs
            .insert("x".into(), serde_json::from_value(input).unwrap());
        let found = |f: &str| partition_filter(&project, f).map(|(e, _)| e);
        assert_eq!(found("?{a.b = ${ref(x).value}}"), Some("a.b".to_string()));
        assert_eq!(
            found("query(lower(r) = '${ref(x).value}')"),
            Some("lower(r)".to_string())
        );
        for other in [
            "?{a <= ${ref(x).value}}",
            "?{a >= ${ref(x).value}}",
            "?{a != ${ref(x).value}}",
            "?{a == ${ref(x).value}}",
        ] {
            assert_eq!(found(other), None, "{other}");
        }
    }

    fn project_with(yaml_trace: &str) -> visivo_project::Project {
        let dir = tempfile::tempdir().unwrap();
        let yaml = format!(
            "sources: [{{name: db, type: sqlite, database: x.db}}]\n\
             models: [{{name: m, source: ref(db), sql: select 1}}]\n\
             inputs:\n  - {{name: one, type: single-select, options: [a, b]}}\n  - {{name: many, type: multi-select, options: [a, b]}}\n\
             traces:\n{yaml_trace}"
        );
        std::fs::write(dir.path().join("project.visivo.yml"), yaml).unwrap();
        let loaded = visivo_project::load_project(&visivo_project::LoadOptions {
            working_dir: dir.path(),
            source_override: None,
            profile: None,
        });
        loaded
            .project
            .unwrap_or_else(|| panic!("{}", loaded.report.render(&loaded.files)))
    }

    #[test]
    fn a_multi_select_groups_only_when_its_aggregates_combine() {
        let trace = |y: &str, extra: &str| {
            format!("  - {{name: t, model: ref(m), props: {{type: bar, x: \"?{{k}}\", y: \"?{{{y}}}\"}}, filters: [\"?{{c IN (${{ref(many).values}})}}\"{extra}]}}\n")
        };
        let combines = |y: &str, extra: &str| {
            let project = project_with(&trace(y, extra));
            partition(&project, &project.traces["t"]).map(|p| p.combine)
        };
        assert_eq!(
            combines("sum(v)", ""),
            Some(vec![("props.y".into(), Combine::Sum)])
        );
        assert_eq!(
            combines("count(*)", ""),
            Some(vec![("props.y".into(), Combine::Sum)])
        );
        assert_eq!(
            combines("MAX(v)", ""),
            Some(vec![("props.y".into(), Combine::Max)])
        );
        assert_eq!(
            combines("avg(v)", ""),
            Some(vec![
                ("columns.__avg_sum_0".into(), Combine::Sum),
                ("columns.__avg_count_0".into(), Combine::Sum),
                (
                    "props.y".into(),
                    Combine::Avg {
                        sum: "columns.__avg_sum_0".into(),
                        count: "columns.__avg_count_0".into()
                    }
                ),
            ])
        );
        for y in [
            "count(DISTINCT v)",
            "avg(DISTINCT v)",
            "sum(a) / sum(b)",
            "median(v)",
        ] {
            assert_eq!(combines(y, ""), None, "{y}");
        }
        // An aggregate filter applies to the combined groups, not to each value's.
        assert_eq!(combines("sum(v)", ", \"?{sum(v) > 3}\""), None);
        // A single-select groups whatever the aggregate.
        let project = project_with("  - {name: t, model: ref(m), props: {type: bar, x: \"?{k}\", y: \"?{count(DISTINCT v)}\"}, filters: [\"?{c = ${ref(one).value}}\", \"?{d IN (${ref(many).values})}\"]}\n");
        let split = partition(&project, &project.traces["t"]).unwrap();
        assert_eq!(
            split.columns,
            vec![("one".to_string(), "columns.__input_0".to_string())]
        );
        assert!(split.combine.is_empty());
    }

    #[test]
    fn an_accessor_that_does_not_fit_is_an_error() {
        let err = substitute("${ref(price).value}", &state(), SourceType::Sqlite).unwrap_err();
        assert!(err.contains("`.value` doesn't fit input 'price'"), "{err}");
    }
}
