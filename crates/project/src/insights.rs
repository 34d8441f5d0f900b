//! Insights become traces (docs/insights.md).
//!
//! Each `${ref(model).field}` in an insight's props and interactions is resolved: a column of the
//! model, or one of the model's own metrics or dimensions; `${ref(metric)}` and
//! `${ref(dimension)}` are expanded in place, recursively. The models reached are joined by the
//! project's relations. What comes out is a [`Trace`] under the insight's name — `split` is its
//! `cohort_on`, `filter` its filters, `sort` its `order_by` — so the compiler, the runner,
//! inputs, tests, `serve` and `dist` treat it like any other trace. Input references
//! (`${ref(region).value}`) are kept for the inputs mechanism (docs/interactivity.md).

mod columns;
mod joins;

use crate::build::Project;
use crate::diagnostics::{Diagnostic, Report};
use crate::expr::{extract_query, replace_context_references, selected_query, Reference};
use crate::model::*;
use crate::source_type::{SourceType, SqlDialect};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Adds a trace for every insight; an insight whose query can't be made gets a located error,
/// and so does a top-level metric or dimension that can't be expanded (a cycle), used or not.
pub(crate) fn lower(project: &mut Project, report: &mut Report) {
    check_expansions(project, report);
    let mut traces = Vec::new();
    for (name, insight) in &project.insights {
        match lower_one(project, insight) {
            Ok(trace) => traces.push(trace),
            Err(problem) => {
                let location = problem
                    .field
                    .as_deref()
                    .and_then(|f| project.field_location(Kind::Insight, name, f))
                    .or_else(|| project.location(Kind::Insight, name));
                let object = project.describe(Kind::Insight, name);
                let mut diagnostic = Diagnostic::error(problem.message)
                    .at(location)
                    .object(object);
                if let Some(help) = problem.help {
                    diagnostic = diagnostic.help(help);
                }
                report.push(diagnostic);
            }
        }
    }
    for trace in traces {
        project.traces.insert(trace.name.clone(), trace);
    }
}

/// Each problem once, at the first metric or dimension that meets it (those using it meet it too).
fn check_expansions(project: &Project, report: &mut Report) {
    let metrics = project.metrics.keys().map(|n| (Kind::Metric, n));
    let dimensions = project.dimensions.keys().map(|n| (Kind::Dimension, n));
    let mut reported = std::collections::HashSet::new();
    let mut expander = Expander::new(project);
    for (kind, name) in metrics.chain(dimensions) {
        if owner(project, name).is_some() {
            continue;
        }
        // A chain too deep is too deep from each of its metrics: said once.
        let problem = expander.named(name).err();
        let first = |m: &String| {
            let key = if m.contains(TOO_DEEP) { TOO_DEEP } else { m };
            reported.insert(key.to_string())
        };
        if let Some(message) = problem.filter(first) {
            let location = project.field_location(kind, name, "expression");
            let object = format!("{} .expression", project.describe(kind, name));
            report.push(Diagnostic::error(message).at(location).object(object));
        }
    }
}

/// Why an insight's query can't be made, and in which of its fields.
#[derive(Debug)]
struct Problem {
    field: Option<String>,
    message: String,
    help: Option<String>,
}

impl Problem {
    fn new(field: Option<&str>, message: impl Into<String>) -> Problem {
        Problem {
            field: field.map(str::to_string),
            message: message.into(),
            help: None,
        }
    }
}

/// An insight's texts, each with its metrics and dimensions expanded and its columns written
/// `${ref(model).column}`.
struct Expanded {
    props: Map<String, Value>,
    split: Option<String>,
    filters: Vec<String>,
    sorts: Vec<String>,
    /// Models reached, in order of first mention.
    models: Vec<String>,
    /// Metrics and dimensions expanded.
    named: Vec<String>,
}

fn lower_one(project: &Project, insight: &Insight) -> Result<Trace, Problem> {
    let expanded = expand(project, insight)?;
    let Some(first) = expanded.models.first().cloned() else {
        return Err(Problem {
            help: Some("read a model's column in a prop, e.g. `y: ?{ sum(${ref(orders).amount}) }`".into()),
            ..Problem::new(Some("props"), format!("insight '{}' reads no model: none of its props or interactions has a `${{ref(model).column}}`", insight.name))
        });
    };
    let dialect = common_dialect(project, &expanded.models)?;
    let columns = Columns::new(&expanded.models, dialect);
    let render = |text: &str| columns.render(text);
    let (joined_sql, relations) = match expanded.models.len() {
        1 => (None, Vec::new()),
        _ => {
            let (sql, relations) = joined_sql(project, &expanded, &columns)?;
            (Some(sql), relations)
        }
    };
    let wrap = |text: &String| format!("?{{{}}}", render(text));
    let sorts: Vec<String> = expanded.sorts.iter().map(wrap).collect();
    let filters: Vec<String> = expanded.filters.iter().map(wrap).collect();
    Ok(Trace {
        name: insight.name.clone(),
        model: first,
        cohort_on: expanded.split.as_ref().map(wrap),
        order_by: (!sorts.is_empty()).then_some(sorts),
        filters: (!filters.is_empty()).then_some(filters),
        columns: None,
        props: map_queries(&expanded.props, &mut |q| Ok::<_, Problem>(render(q)))?,
        tests: None,
        changed: None,
        rows_of_model: false,
        from_insight: Some(FromInsight {
            models: expanded.models,
            joined_sql,
            uses: [expanded.named, relations].concat(),
        }),
    })
}

fn expand(project: &Project, insight: &Insight) -> Result<Expanded, Problem> {
    let mut expander = Expander::new(project);
    let props = map_queries(&insight.props, &mut |q| {
        expander
            .expand(q)
            .map_err(|m| Problem::new(Some("props"), m))
    })?;
    let mut expanded = Expanded {
        props,
        split: None,
        filters: Vec::new(),
        sorts: Vec::new(),
        models: Vec::new(),
        named: Vec::new(),
    };
    for (i, interaction) in insight.interactions.iter().enumerate() {
        for (key, text) in interaction.fields() {
            let field = format!("interactions.{i}.{key}");
            let sql = extract_query(text).unwrap_or_else(|| text.trim().to_string());
            let sql = expander
                .expand(&sql)
                .map_err(|m| Problem::new(Some(&field), m))?;
            match key {
                "filter" => expanded.filters.push(sql),
                "sort" => expanded.sorts.push(sql),
                _ if expanded.split.is_some() => {
                    return Err(Problem {
                        help: Some(
                            "combine them in one expression, e.g. `?{ a || ' / ' || b }`".into(),
                        ),
                        ..Problem::new(
                            Some(&field),
                            "an insight is split once: this is its second `split`",
                        )
                    })
                }
                _ => expanded.split = Some(sql),
            }
        }
    }
    expanded.models = expander.models;
    expanded.named = expander.named;
    Ok(expanded)
}

/// Applies `f` to the SQL of every `?{…}` value in `props` (`?{…}[0]` keeps its selection).
fn map_queries<E>(
    props: &Map<String, Value>,
    f: &mut impl FnMut(&str) -> Result<String, E>,
) -> Result<Map<String, Value>, E> {
    props
        .iter()
        .map(|(k, v)| Ok((k.clone(), map_value(v, f)?)))
        .collect()
}

fn map_value<E>(value: &Value, f: &mut impl FnMut(&str) -> Result<String, E>) -> Result<Value, E> {
    Ok(match value {
        Value::String(s) => match (selected_query(s), extract_query(s)) {
            (Some(selected), _) => {
                let sql = extract_query(&selected.query).unwrap_or_default();
                Value::String(format!("?{{{}}}{}", f(&sql)?, selected.selection))
            }
            (None, Some(sql)) => Value::String(format!("?{{{}}}", f(&sql)?)),
            (None, None) => value.clone(),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| map_value(v, f))
                .collect::<Result<_, E>>()?,
        ),
        Value::Object(map) => Value::Object(map_queries(map, f)?),
        other => other.clone(),
    })
}

/// Expands metrics and dimensions and writes every column `${ref(model).column}`.
struct Expander<'a> {
    project: &'a Project,
    models: Vec<String>,
    /// The metrics and dimensions being expanded, outermost first (a cycle is an error).
    stack: Vec<String>,
    /// Every metric and dimension expanded.
    named: Vec<String>,
    /// Each metric's or dimension's expansion, made once: a metric using another twice at
    /// every level would otherwise take exponential time.
    done: HashMap<String, Expansion>,
    /// For each expansion under way, the deepest nesting among what it used so far.
    child_depths: Vec<usize>,
}

/// How deep metrics and dimensions may use each other.
const MAX_NESTING: usize = 64;
const TOO_DEEP: &str = "is nested more than 64 metrics and dimensions deep";
/// The most SQL one metric or dimension may expand to.
const MAX_EXPANSION: usize = 1 << 20;

/// A metric or dimension expanded, with the models and names it reached.
#[derive(Debug, Clone)]
struct Expansion {
    sql: String,
    models: Vec<String>,
    named: Vec<String>,
    /// How many metrics and dimensions deep it nests (1: it uses none).
    depth: usize,
}

impl<'a> Expander<'a> {
    fn new(project: &'a Project) -> Self {
        Expander {
            project,
            models: Vec::new(),
            stack: Vec::new(),
            named: Vec::new(),
            done: HashMap::new(),
            child_depths: Vec::new(),
        }
    }

    fn expand(&mut self, text: &str) -> Result<String, String> {
        replace_context_references(text, |r| self.reference(r))
    }

    fn reference(&mut self, reference: &Reference) -> Result<Option<String>, String> {
        let project = self.project;
        let name = &reference.name;
        if project.inputs.contains_key(name) {
            return Ok(None);
        }
        if let Some(model) = project.models.get(name) {
            let Some(field) = &reference.field else {
                return Err(format!("`${{ref({name})}}` is the whole model '{name}': name one of its fields, `${{ref({name}).<column>}}`"));
            };
            if !crate::semantic::is_identifier(field) {
                return Err(format!("`{field}` in `${{ref({name}).{field}}}` is not a column, metric or dimension name"));
            }
            self.reach(name);
            if owns(model, field) {
                return self.named(field).map(Some);
            }
            return Ok(Some(format!("${{ref({name}).{field}}}")));
        }
        if project.metrics.contains_key(name) || project.dimensions.contains_key(name) {
            if let Some(field) = &reference.field {
                return Err(format!("`${{ref({name}).{field}}}`: {} '{name}' has no fields; write `${{ref({name})}}`", self.label(name)));
            }
            return self.named(name).map(Some);
        }
        Err(format!(
            "`ref({name})` is not a model, metric, dimension or input"
        ))
    }

    /// A metric's or dimension's expression, expanded, in parentheses.
    fn named(&mut self, name: &str) -> Result<String, String> {
        if let Some(start) = self.stack.iter().position(|n| n == name) {
            let chain: Vec<&str> = self.stack[start..].iter().map(String::as_str).collect();
            return Err(format!(
                "{} '{name}' refers to itself: {} → {name}",
                self.label(name),
                chain.join(" → ")
            ));
        }
        if self.stack.len() >= MAX_NESTING {
            return Err(format!("{} '{name}' {TOO_DEEP}", self.label(name)));
        }
        if let Some(done) = self.done.get(name).cloned() {
            self.replay(&done);
            return Ok(done.sql);
        }
        let outer = (
            std::mem::take(&mut self.models),
            std::mem::take(&mut self.named),
        );
        self.named.push(name.to_string());
        self.stack.push(name.to_string());
        self.child_depths.push(0);
        let sql = self.expand_named(name);
        self.stack.pop();
        let children = self.child_depths.pop().unwrap_or(0);
        let reached = (
            std::mem::replace(&mut self.models, outer.0),
            std::mem::replace(&mut self.named, outer.1),
        );
        let done = Expansion {
            sql: format!("({})", sql?),
            models: reached.0,
            named: reached.1,
            depth: children + 1,
        };
        if done.depth > MAX_NESTING {
            return Err(format!("{} '{name}' {TOO_DEEP}", self.label(name)));
        }
        if done.sql.len() > MAX_EXPANSION {
            return Err(format!(
                "{} '{name}' expands to {} bytes of SQL, more than {MAX_EXPANSION}: metrics that each use another several times multiply",
                self.label(name),
                done.sql.len()
            ));
        }
        self.replay(&done);
        self.done.insert(name.to_string(), done.clone());
        Ok(done.sql)
    }

    /// A metric's or dimension's expression with its fields written `${ref(model).column}`.
    fn expand_named(&mut self, name: &str) -> Result<String, String> {
        let project = self.project;
        let expression = match (project.metrics.get(name), project.dimensions.get(name)) {
            (Some(metric), _) => &metric.expression,
            (None, Some(dimension)) => &dimension.expression,
            (None, None) => return Err(format!("no metric or dimension '{name}'")),
        };
        match owner(project, name) {
            Some(model) => {
                self.reach(model);
                Ok(columns::qualify(expression, model))
            }
            None => self.expand(expression),
        }
    }

    /// Records what an expansion reached, as if it had just been made.
    fn replay(&mut self, done: &Expansion) {
        if let Some(parent) = self.child_depths.last_mut() {
            *parent = (*parent).max(done.depth);
        }
        for model in &done.models {
            self.reach(model);
        }
        for name in &done.named {
            if !self.named.contains(name) {
                self.named.push(name.clone());
            }
        }
    }

    fn label(&self, name: &str) -> &'static str {
        match self.project.metrics.contains_key(name) {
            true => "metric",
            false => "dimension",
        }
    }

    fn reach(&mut self, model: &str) {
        if !self.models.iter().any(|m| m == model) {
            self.models.push(model.to_string());
        }
    }
}

/// Whether `field` is one of `model`'s own metrics or dimensions.
fn owns(model: &Model, field: &str) -> bool {
    match model {
        Model::Sql(m) => m.metrics.iter().chain(&m.dimensions).any(|n| n == field),
        _ => false,
    }
}

/// The model a metric or dimension was written on, if it was.
fn owner<'a>(project: &'a Project, name: &str) -> Option<&'a str> {
    project
        .models
        .iter()
        .find(|(_, m)| owns(m, name))
        .map(|(n, _)| n.as_str())
}

/// The SQL dialect of the database all `models` run on; `Err` when they are on several.
fn common_dialect(project: &Project, models: &[String]) -> Result<SqlDialect, Problem> {
    let places: Vec<(String, String, SqlDialect)> =
        models.iter().map(|m| place(project, m)).collect();
    let (first_model, first_place, dialect) = &places[0];
    match places.iter().find(|(_, p, _)| p != first_place) {
        None => Ok(*dialect),
        Some((model, other, _)) => Err(Problem {
            help: Some("a join runs in one database: bring the data together with a local merge model, or read one model per insight".into()),
            ..Problem::new(None, format!("this insight combines model '{first_model}' ({first_place}) and model '{model}' ({other})"))
        }),
    }
}

/// Where a model's rows are, in words, and that database's dialect.
fn place(project: &Project, model: &str) -> (String, String, SqlDialect) {
    let (place, source_type) = match &project.models[model] {
        Model::Sql(m) => match project.model_source(m) {
            Some(source) => (
                format!("source '{}'", source.name.as_deref().unwrap_or_default()),
                source.source_type,
            ),
            None => ("no source".to_string(), SourceType::Sqlite),
        },
        _ => (
            format!("the SQLite file of model '{model}'"),
            SourceType::Sqlite,
        ),
    };
    (model.to_string(), place, source_type.dialect())
}

/// How columns are written in the trace: by name when the insight reads one model, as the
/// joined SELECT's `"model__column"` when it joins several.
struct Columns {
    models: Vec<String>,
    dialect: SqlDialect,
}

impl Columns {
    fn new(models: &[String], dialect: SqlDialect) -> Columns {
        Columns {
            models: models.to_vec(),
            dialect,
        }
    }

    fn render(&self, text: &str) -> String {
        self.replace(text, |model, column| match self.models.len() > 1 {
            true => self.dialect.quote(&joined_alias(model, column)),
            false => column.to_string(),
        })
    }

    /// `text` with each `${ref(model).column}` replaced by `write(model, column)`; input
    /// references are kept.
    fn replace(&self, text: &str, mut write: impl FnMut(&str, &str) -> String) -> String {
        let replaced = replace_context_references(text, |r| {
            let column = r.field.as_deref().filter(|_| self.models.contains(&r.name));
            Ok::<_, ()>(column.map(|column| write(&r.name, column)))
        });
        replaced.unwrap_or_else(|()| text.to_string())
    }
}

/// The name of `model`'s `column` in the joined SELECT: `orders__amount`. Letters, digits and
/// `_` only, the one form every dialect accepts as a column name (BigQuery refuses dots).
fn joined_alias(model: &str, column: &str) -> String {
    let model: String = model
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    format!("{model}__{column}")
}

/// `SELECT "a".x AS "a__x", … FROM (<a>) AS "a" JOIN (<b>) AS "b" ON …`: the columns the
/// insight reads, from its models joined by their relations.
/// Also returns the relations used.
fn joined_sql(
    project: &Project,
    expanded: &Expanded,
    columns: &Columns,
) -> Result<(String, Vec<String>), Problem> {
    let joins = joins::plan(project, &expanded.models).map_err(|message| Problem {
        help: Some("declare how they join in `relations`, e.g. `condition: ${ref(orders).user_id} = ${ref(users).id}`".into()),
        ..Problem::new(None, message)
    })?;
    let mut read: Vec<(String, String)> = Vec::new();
    let mut collect = |text: &str| {
        columns.replace(text, |model, column| {
            let pair = (model.to_string(), column.to_string());
            if !read.contains(&pair) {
                read.push(pair);
            }
            String::new()
        });
    };
    map_queries(&expanded.props, &mut |sql| {
        collect(sql);
        Ok::<_, ()>(String::new())
    })
    .unwrap_or_default();
    for text in expanded
        .split
        .iter()
        .chain(&expanded.filters)
        .chain(&expanded.sorts)
    {
        collect(text);
    }
    let aliases: Vec<String> = read.iter().map(|(m, c)| joined_alias(m, c)).collect();
    if let Some(i) = (1..aliases.len()).find(|&i| aliases[..i].contains(&aliases[i])) {
        let (model, column) = &read[i];
        return Err(Problem::new(None, format!("`${{ref({model}).{column}}}` and another field would both be called `{}` in the join: rename one of the models", aliases[i])));
    }
    let dialect = columns.dialect;
    let select: Vec<String> = read
        .iter()
        .map(|(model, column)| {
            format!(
                "{}.{column} AS {}",
                dialect.quote(model),
                dialect.quote(&joined_alias(model, column))
            )
        })
        .collect();
    let from = &expanded.models[0];
    let joined: Vec<String> = joins.iter().map(|j| j.model.clone()).collect();
    common_dialect(project, &[std::slice::from_ref(from), &joined].concat())?;
    let subquery = |model: &str| {
        format!(
            "({}) AS {}",
            project.models[model].rows_sql(),
            dialect.quote(model)
        )
    };
    let mut sql = format!("SELECT {} FROM {}", select.join(", "), subquery(from));
    let relations = joins.iter().map(|j| j.relation.clone()).collect();
    for join in joins {
        let on = columns.replace(&join.condition, |model, column| {
            format!("{}.{column}", dialect.quote(model))
        });
        let kind = match join.join_type {
            JoinType::Inner => "INNER",
            JoinType::Left => "LEFT",
            JoinType::Right => "RIGHT",
            JoinType::Full => "FULL",
        };
        sql.push_str(&format!(" {kind} JOIN {} ON {on}", subquery(&join.model)));
    }
    Ok((sql, relations))
}

#[cfg(test)]
mod tests {
    use crate::{load_project, LoadOptions, Loaded};

    const SHOP: &str = "
sources:
  - {name: db, type: postgresql, database: shop, host: localhost}
  - {name: other, type: sqlite, database: other.db}
models:
  - name: orders
    sql: select * from orders
    source: ref(db)
    metrics: [{name: revenue, expression: SUM(amount)}]
    dimensions: [{name: big, expression: amount > 100}]
  - {name: users, sql: select * from users, source: ref(db)}
  - {name: teams, sql: select * from teams, source: ref(db)}
  - {name: logs, sql: select * from logs, source: ref(other)}
";

    fn load(yaml: &str) -> Loaded {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("project.visivo.yml"),
            format!("{SHOP}{yaml}"),
        )
        .unwrap();
        load_project(&LoadOptions {
            working_dir: dir.path(),
            source_override: None,
            profile: None,
        })
    }

    /// `line:col message` of each error.
    fn errors(yaml: &str) -> Vec<String> {
        let loaded = load(yaml);
        loaded
            .report
            .items
            .iter()
            .map(|d| {
                let pos = d.location.expect("located").pos;
                format!("{}:{} {}", pos.line, pos.col, d.message)
            })
            .collect()
    }

    fn trace(yaml: &str, name: &str) -> crate::Trace {
        let loaded = load(yaml);
        let report = loaded.report.render(&loaded.files);
        let project = loaded.project.unwrap_or_else(|| panic!("{report}"));
        project.traces[name].clone()
    }

    #[test]
    fn fields_of_several_models_are_joined_by_their_relations() {
        let t = trace(
            "
relations:
  - {name: ou, join_type: left, condition: '${ref(orders).user_id} = ${ref(users).id}'}
  - {name: ut, condition: '${ref(users).team_id} = ${ref(teams).id}'}
metrics:
  - {name: per_user, expression: '${ref(orders).revenue} / count(distinct ${ref(users).id})'}
insights:
  - name: i
    props: {type: bar, x: '?{ ${ref(teams).name} }', y: '?{ ${ref(per_user)} }'}
    interactions: [{filter: '?{ ${ref(orders).big} }'}]
",
            "i",
        );
        let from = t.from_insight.unwrap();
        assert_eq!(from.models, ["teams", "orders", "users"]);
        assert_eq!(from.uses, ["per_user", "revenue", "big", "ut", "ou"]);
        assert_eq!(
            from.joined_sql.unwrap(),
            "SELECT \"teams\".name AS \"teams__name\", \"orders\".amount AS \"orders__amount\", \
             \"users\".id AS \"users__id\" FROM (select * from teams) AS \"teams\" \
             INNER JOIN (select * from users) AS \"users\" ON \"users\".team_id = \"teams\".id \
             RIGHT JOIN (select * from orders) AS \"orders\" ON \"orders\".user_id = \"users\".id"
        );
        assert_eq!(t.model, "teams");
        assert_eq!(t.props["x"], "?{\"teams__name\"}");
        assert_eq!(
            t.props["y"],
            "?{((SUM(\"orders__amount\")) / count(distinct \"users__id\"))}"
        );
        assert_eq!(t.filters.unwrap(), ["?{(\"orders__amount\" > 100)}"]);
    }

    #[test]
    fn what_can_not_be_joined_or_expanded_is_a_located_error() {
        let found = errors(
            "
relations:
  - {name: a, condition: '${ref(orders).user_id} = ${ref(users).id}'}
  - {name: b, condition: '${ref(users).id} = ${ref(orders).buyer_id}'}
metrics:
  - {name: m1, expression: '${ref(m2)} + 1'}
  - {name: m2, expression: '${ref(m1)} * 2'}
insights:
  - {name: ambiguous, props: {type: bar, x: '?{ ${ref(orders).id} }', y: '?{ ${ref(users).id} }'}}
  - {name: unrelated, props: {type: bar, x: '?{ ${ref(orders).id} }', y: '?{ ${ref(teams).id} }'}}
  - {name: elsewhere, props: {type: bar, x: '?{ ${ref(orders).id} }', y: '?{ ${ref(logs).id} }'}}
  - {name: cycle, props: {type: bar, y: '?{ ${ref(m1)} }'}}
  - {name: whole, props: {type: bar, y: '?{ ${ref(orders)} }'}}
  - {name: nothing, props: {type: bar, marker: {color: red}}}
  - name: split_twice
    props: {type: bar, y: '?{ ${ref(orders).id} }'}
    interactions: [{split: '?{ ${ref(orders).a} }'}, {split: '?{ ${ref(orders).b} }'}]
",
        );
        let expected = [
            "19:16 metric 'm1' refers to itself: m1 → m2 → m1",
            "20:16 metric 'm2' refers to itself: m2 → m1 → m2",
            "22:5 relations 'a', 'b' all join 'orders' and 'users'; mark the one to use with `is_default: true`",
            "23:5 no relation connects 'orders' and 'teams', so their fields can't be combined",
            "24:5 this insight combines model 'orders' (source 'db') and model 'logs' (source 'other')",
            "25:19 metric 'm1' refers to itself: m1 → m2 → m1",
            "26:19 `${ref(orders)}` is the whole model 'orders': name one of its fields, `${ref(orders).<column>}`",
            "27:21 insight 'nothing' reads no model: none of its props or interactions has a `${ref(model).column}`",
            "30:55 an insight is split once: this is its second `split`",
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn a_default_relation_settles_two_between_the_same_models() {
        let t = trace(
            "
relations:
  - {name: a, condition: '${ref(orders).user_id} = ${ref(users).id}'}
  - {name: b, is_default: true, condition: '${ref(users).id} = ${ref(orders).buyer_id}'}
insights:
  - {name: i, props: {type: bar, x: '?{ ${ref(users).name} }', y: '?{ count(${ref(orders).id}) }'}}
",
            "i",
        );
        let sql = t.from_insight.unwrap().joined_sql.unwrap();
        assert!(
            sql.ends_with("ON \"users\".id = \"orders\".buyer_id"),
            "{sql}"
        );
    }

    #[test]
    fn a_name_filter_on_a_metric_dimension_relation_or_model_selects_the_insights_reading_it() {
        let loaded = load(
            "
relations:
  - {name: ou, condition: '${ref(orders).user_id} = ${ref(users).id}'}
insights:
  - {name: joined, props: {type: bar, x: '?{ ${ref(users).name} }', y: '?{ ${ref(orders).revenue} }'}}
  - {name: alone, props: {type: bar, y: '?{ ${ref(orders).big} }'}}
",
        );
        let project = loaded.project.unwrap();
        let filter = |name| crate::graph::traces_for_filter(&project, name).unwrap();
        assert_eq!(filter("revenue"), ["joined"]);
        assert_eq!(filter("big"), ["alone"]);
        assert_eq!(filter("ou"), ["joined"]);
        assert_eq!(filter("users"), ["joined"]);
        assert_eq!(filter("orders"), ["joined", "alone"]);
    }

    /// A metric using the one before it twice, 40 levels deep, would expand to 2^40 copies; a
    /// chain of 100 would recurse 100 deep. Both are errors at once.
    #[test]
    fn metric_bombs_and_deep_chains_are_refused() {
        let mut yaml =
            String::from("metrics:\n  - {name: m0, expression: '${ref(orders).amount}'}\n");
        for i in 1..40 {
            let p = i - 1;
            yaml.push_str(&format!(
                "  - {{name: m{i}, expression: '${{ref(m{p})}} + ${{ref(m{p})}}'}}\n"
            ));
        }
        for i in 1..100 {
            let p = i - 1;
            yaml.push_str(&format!(
                "  - {{name: c{i}, expression: '${{ref(c{p})}} + 1'}}\n"
            ));
        }
        yaml.push_str("  - {name: c0, expression: '${ref(orders).amount}'}\n");
        yaml.push_str("insights:\n  - {name: i, props: {type: bar, y: '?{ ${ref(m39)} }'}}\n");
        let found = errors(&yaml);
        assert!(
            found
                .iter()
                .any(|e| e.contains("metric 'm16' expands to") && e.contains("more than 1048576")),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e.contains("is nested more than 64 metrics and dimensions deep")),
            "{found:#?}"
        );
    }
}
