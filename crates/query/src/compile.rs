//! One trace → one SQL query, in the exact text layout of Visivo 1.0.30 (query-compilation.md
//! §7), with the fixes listed in known-quirks.md §A.

use crate::dialect::{classify, quote, Class};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;
use visivo_project::expr::extract_query;
use visivo_project::{Model, Project, SourceType, Trace};

/// Where a trace's query runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A source of the project, by name.
    Source(String),
    /// The SQLite file a CSV-script model writes.
    CsvModel(String),
    /// An in-memory SQLite database with the merge's models attached.
    LocalMerge(String),
}

impl Target {
    /// The name written after `-- source:`.
    pub fn source_label(&self) -> String {
        match self {
            Target::Source(name) => name.clone(),
            Target::CsvModel(model) | Target::LocalMerge(model) => {
                format!("model_{model}_generated_source")
            }
        }
    }
}

/// A trace's query, ready to run: what `visivo compile` writes to `<output>/<trace>/query.sql`.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledTrace {
    /// The trace's name.
    pub trace: String,
    /// The SELECT, in the dialect of the database it runs on.
    pub sql: String,
    /// Whose SQL [`Self::sql`] is written in (SQLite for CSV-script and local-merge models).
    pub dialect: SourceType,
    /// Where the query runs: a source, or the SQLite file of a CSV-script or local-merge model.
    pub target: Target,
    /// Things the compiler dropped or changed that the user should hear about.
    pub warnings: Vec<String>,
}

/// One `<expression> as "<key>"` of the outer SELECT.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SelectItem {
    pub(crate) key: String,
    pub(crate) expression: String,
}

/// Where a trace's query runs and in which dialect; `Err` if its model has no source.
pub(crate) fn target_of(project: &Project, trace: &Trace) -> Result<(Target, SourceType), String> {
    target_of_model(project, &trace.model)
}

/// Where a query on `model` runs and in which dialect; `Err` if the model has no source.
pub fn target_of_model(project: &Project, model: &str) -> Result<(Target, SourceType), String> {
    let name = model;
    let model = project
        .models
        .get(name)
        .ok_or_else(|| format!("model '{name}' not found"))?;
    Ok(match model {
        Model::Sql(m) => {
            let source = project.model_source(m).ok_or_else(|| {
                format!(
                    "model '{}' has no source and there is no default source",
                    name
                )
            })?;
            let name = source.name.clone().unwrap_or_default();
            (Target::Source(name), source.source_type)
        }
        Model::CsvScript(_) => (Target::CsvModel(name.to_string()), SourceType::Sqlite),
        Model::LocalMerge(_) => (Target::LocalMerge(name.to_string()), SourceType::Sqlite),
    })
}

/// The rows a trace reads: its model's, or those of the models an insight joins.
fn trace_rows_sql(model: &Model, trace: &Trace) -> String {
    let joined = trace
        .from_insight
        .as_ref()
        .and_then(|i| i.joined_sql.clone());
    joined.unwrap_or_else(|| model.rows_sql())
}

/// Compiles a trace to SQL: its model's SQL as a CTE, the props' `?{…}` columns, cohort, GROUP BY,
/// filters (WHERE, HAVING or QUALIFY) and order; `Err` (a message) if its model or source is
/// missing.
pub fn compile_trace(project: &Project, trace: &Trace) -> Result<CompiledTrace, String> {
    let (target, dialect) = target_of(project, trace)?;
    let model = &project.models[&trace.model];
    if trace.rows_of_model {
        return Ok(CompiledTrace {
            trace: trace.name.clone(),
            sql: model_rows(&model.rows_sql(), trace, &target, dialect),
            dialect,
            target,
            warnings: Vec::new(),
        });
    }
    let mut warnings = Vec::new();
    let items = select_items(trace);
    let cohort = cohort_expression(trace);
    let order_by = order_by_entries(trace, &mut warnings);
    let filters = Filters::split(trace, dialect, &mut warnings);
    let group_by = group_by(&items, &order_by, &cohort, dialect);
    let sql = render(&Parts {
        base_sql: trace_rows_sql(model, trace),
        cohort,
        items,
        filters,
        group_by,
        order_by,
        source: target.source_label(),
        dialect,
    });
    Ok(CompiledTrace {
        trace: trace.name.clone(),
        sql,
        dialect,
        target,
        warnings,
    })
}

/// `columns` in YAML order, then every `query(...)` leaf of `props`.
pub(crate) fn select_items(trace: &Trace) -> Vec<SelectItem> {
    let mut items = Vec::new();
    for (name, value) in trace.columns.iter().flatten() {
        collect_column_items(value, &format!("columns.{name}"), &mut items);
    }
    for (key, value) in &trace.props {
        collect_prop_items(value, &format!("props.{key}"), &mut items);
    }
    items
}

fn collect_column_items(value: &Value, key: &str, items: &mut Vec<SelectItem>) {
    let expression = match value {
        Value::Null => return,
        Value::String(s) => extract_query(s).unwrap_or_else(|| s.clone()),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                collect_column_items(v, &format!("{key}.{i}"), items);
            }
            return;
        }
        Value::Object(map) => {
            for (k, v) in map {
                collect_column_items(v, &format!("{key}.{k}"), items);
            }
            return;
        }
    };
    items.push(SelectItem {
        key: key.to_string(),
        expression,
    });
}

fn collect_prop_items(value: &Value, key: &str, items: &mut Vec<SelectItem>) {
    match value {
        Value::String(s) => {
            if let Some(expression) = extract_query(s) {
                items.push(SelectItem {
                    key: key.to_string(),
                    expression,
                });
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                collect_prop_items(v, &format!("{key}.{i}"), items);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                collect_prop_items(v, &format!("{key}.{k}"), items);
            }
        }
        _ => {}
    }
}

fn cohort_expression(trace: &Trace) -> String {
    match &trace.cohort_on {
        None => format!("'{}'", trace.name.replace('\'', "''")),
        Some(cohort) => extract_query(cohort).unwrap_or_else(|| cohort.trim().to_string()),
    }
}

fn order_by_entries(trace: &Trace, warnings: &mut Vec<String>) -> Vec<String> {
    static COLUMN_ORDER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^\s*column\(\s*([^)]+?)\s*\)\s*(asc|desc)?\s*$").expect("valid regex")
    });
    let mut entries = Vec::new();
    for entry in trace.order_by.iter().flatten() {
        if let Some(sql) = extract_query(entry) {
            entries.push(sql);
        } else if let Some(caps) = COLUMN_ORDER.captures(entry) {
            let expression = trace
                .columns
                .as_ref()
                .and_then(|c| c.get(&caps[1]))
                .and_then(Value::as_str)
                .map(|s| extract_query(s).unwrap_or_else(|| s.to_string()));
            match expression {
                Some(e) => entries.push(match caps.get(2) {
                    Some(direction) => format!("{e} {}", direction.as_str()),
                    None => e,
                }),
                None => warnings.push(format!(
                    "order_by entry `{entry}` names a column that is not in `columns`; ignored"
                )),
            }
        } else {
            warnings.push(format!(
                "order_by entry `{entry}` is ignored: write it as `query({entry})`"
            ));
        }
    }
    entries
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Filters {
    where_: Vec<String>,
    having: Vec<String>,
    qualify: Vec<String>,
}

impl Filters {
    fn split(trace: &Trace, dialect: SourceType, warnings: &mut Vec<String>) -> Filters {
        let mut filters = Filters::default();
        for entry in trace.filters.iter().flatten() {
            // 1.0.30 crashed on a filter without query(...); plain SQL is accepted here.
            let sql = extract_query(entry).unwrap_or_else(|| entry.trim().to_string());
            match classify(dialect, &sql) {
                Class::Vanilla => filters.where_.push(sql),
                Class::Aggregate => filters.having.push(sql),
                Class::Window if dialect.dialect().qualify => filters.qualify.push(sql),
                Class::Window => warnings.push(format!(
                    "filter `{sql}` uses a window function, which this source can't filter on (QUALIFY); ignored"
                )),
            }
        }
        filters
    }
}

static QUOTED_LITERAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)^\s*'.*'\s*$").expect("valid regex"));
static ORDER_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s+(asc|desc)(\s+nulls\s+(first|last))?\s*$|\s+nulls\s+(first|last)\s*$")
        .expect("valid regex")
});

fn group_by(
    items: &[SelectItem],
    order_by: &[String],
    cohort: &str,
    dialect: SourceType,
) -> Vec<String> {
    let candidates = items
        .iter()
        .map(|i| i.expression.clone())
        .chain(
            order_by
                .iter()
                .map(|o| ORDER_SUFFIX.replace(o, "").trim().to_string()),
        )
        .chain(std::iter::once(cohort.to_string()));
    let mut group_by: Vec<String> = Vec::new();
    for candidate in candidates {
        let groupable = !QUOTED_LITERAL.is_match(&candidate)
            && classify(dialect, &candidate) == Class::Vanilla
            && !group_by.contains(&candidate);
        if groupable {
            group_by.push(candidate);
        }
    }
    group_by
}

struct Parts {
    base_sql: String,
    cohort: String,
    items: Vec<SelectItem>,
    filters: Filters,
    group_by: Vec<String>,
    order_by: Vec<String>,
    source: String,
    dialect: SourceType,
}

/// A table's `data: ${ref(model)}`: every row and column of the model, in the model's order, as
/// one cohort named after the table.
fn model_rows(base_sql: &str, trace: &Trace, target: &Target, dialect: SourceType) -> String {
    format!(
        "WITH \nbase_query as (\n    {base_sql}\n)\nSELECT \n    *,\n    {} as {}\nFROM base_query \n-- source: {}",
        cohort_expression(trace),
        quote(dialect, "cohort_on"),
        target.source_label()
    )
}

fn render(p: &Parts) -> String {
    let cohort_on = quote(p.dialect, "cohort_on");
    let mut sql = String::new();
    sql.push_str("WITH \nbase_query as (\n    ");
    sql.push_str(&p.base_sql);
    sql.push_str("\n),\ncolumnize_cohort_on as (\n    SELECT \n        *,\n        ");
    sql.push_str(&format!(
        "{} as {cohort_on}\n    FROM base_query\n)\nSELECT",
        p.cohort
    ));
    for item in &p.items {
        sql.push_str(&format!(
            "\n            {} as {},",
            item.expression,
            quote(p.dialect, &item.key)
        ));
    }
    sql.push_str(&format!("\n    {cohort_on}\nFROM columnize_cohort_on"));
    push_list(
        &mut sql,
        "\n    WHERE",
        "\n        ",
        &p.filters.where_,
        " AND ",
    );
    if !p.group_by.is_empty() || p.cohort != "'values'" {
        sql.push_str("\n    GROUP BY");
        for (i, g) in p.group_by.iter().enumerate() {
            let separator = if i + 1 < p.group_by.len() { " , " } else { "" };
            sql.push_str(&format!("\n        {g} {separator}"));
        }
        if !p.group_by.is_empty() {
            sql.push(',');
        }
        sql.push_str(&format!("\n    {cohort_on}"));
    }
    // 1.0.30 joined several HAVING/QUALIFY conditions with ", ", which is invalid SQL.
    push_list(
        &mut sql,
        "\n        HAVING",
        "\n            ",
        &p.filters.having,
        " AND ",
    );
    push_list(
        &mut sql,
        "\n        QUALIFY",
        "\n            ",
        &p.filters.qualify,
        " AND ",
    );
    push_list(&mut sql, "\n    ORDER BY", "\n        ", &p.order_by, ", ");
    sql.push_str(&format!(" \n-- source: {}", p.source));
    sql
}

fn push_list(sql: &mut String, header: &str, indent: &str, entries: &[String], separator: &str) {
    if entries.is_empty() {
        return;
    }
    sql.push_str(header);
    for (i, entry) in entries.iter().enumerate() {
        sql.push_str(indent);
        sql.push_str(entry);
        if i + 1 < entries.len() {
            sql.push_str(separator);
        }
    }
}
