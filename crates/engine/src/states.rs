//! Traces that reference inputs (docs/interactivity.md): every state a reader can reach is the
//! trace's query run with that state's values, so each shows exactly what the SQL returns. The
//! default state is `data.json`; all of them, `states.json`. Options queries write
//! `.inputs/<input>.json` and `inputs.json`.

use crate::data_json::{group_by_cohort, Grouped, NullCohort};
use crate::error::JobError;
use crate::output::write_atomic;
use crate::plan::TraceInputs;
use crate::source::decode::cell_to_json;
use crate::source::SourceError;
use crate::value::{Cell, ResultSet};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use visivo_project::input::{text_of, InputState};
use visivo_project::layout::OutputLayout;
use visivo_project::{Input, Project};
use visivo_query::inputs::Combine;

/// A trace's data in its default state, and `states.json`'s text.
pub(crate) struct States {
    pub default: Grouped,
    pub states_json: String,
}

/// Runs `sql` once per state of the inputs it filters on (the default first) with `query`; the
/// inputs it groups by ([`TraceInputs::partition`]) split each result into their states.
pub(crate) async fn run_states<F, Fut>(
    inputs: &TraceInputs,
    sql: &str,
    nulls: NullCohort,
    layout: &OutputLayout,
    query: F,
) -> Result<States, JobError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<ResultSet, SourceError>>,
{
    let per_input = states_per_input(inputs, layout)?;
    let names: Vec<&String> = inputs.inputs.iter().map(|(n, _)| n).collect();
    let is_partition = |name: &str| inputs.partition.iter().any(|(i, _)| i == name);
    let queried: Vec<usize> = (0..names.len())
        .filter(|i| !is_partition(names[*i]))
        .collect();
    let split: Vec<usize> = (0..names.len())
        .filter(|i| is_partition(names[*i]))
        .collect();
    let mut results = HashMap::new();
    for combination in product(queried.iter().map(|i| &per_input[*i])) {
        let state: HashMap<String, InputState> = queried
            .iter()
            .map(|i| names[*i].to_string())
            .zip(combination.iter().cloned())
            .collect();
        let sql = visivo_query::inputs::substitute(sql, &state, inputs.dialect)?;
        results.insert(key(&combination), query(sql).await?);
    }
    let mut entries = Vec::new();
    let mut default = None;
    for combination in product(per_input.iter()) {
        let queried_part: Vec<InputState> =
            queried.iter().map(|i| combination[*i].clone()).collect();
        let result = &results[&key(&queried_part)];
        let wanted: Vec<(&str, &InputState)> = split
            .iter()
            .map(|i| (column_of(inputs, names[*i]), &combination[*i]))
            .collect();
        let grouped = group_by_cohort(&rows_of(result, &wanted, &inputs.combine), nulls)?;
        let values: Map<String, Value> = names
            .iter()
            .zip(&combination)
            .map(|(n, s)| (n.to_string(), s.to_json()))
            .collect();
        entries.push(format!(
            "{{\"values\":{},\"data\":{}}}",
            Value::Object(values),
            grouped.json
        ));
        default.get_or_insert(grouped);
    }
    let default = default.ok_or_else(|| JobError::Job("the inputs have no states".into()))?;
    let states_json = format!(
        "{{\"inputs\":{},\"states\":[{}]}}",
        json!(names),
        entries.join(",")
    );
    Ok(States {
        default,
        states_json,
    })
}

fn column_of<'a>(inputs: &'a TraceInputs, input: &str) -> &'a str {
    inputs
        .partition
        .iter()
        .find(|(i, _)| i == input)
        .map_or("", |(_, c)| c.as_str())
}

fn key(states: &[InputState]) -> String {
    Value::Array(states.iter().map(InputState::to_json).collect()).to_string()
}

/// The rows whose partition columns hold the wanted values, without those columns: what the
/// query filtered on those values returns. A multi-select's values each have their own rows,
/// which are combined per group ([`TraceInputs::combine`]).
fn rows_of(
    result: &ResultSet,
    wanted: &[(&str, &InputState)],
    combine: &[(String, Combine)],
) -> ResultSet {
    if wanted.is_empty() {
        return result.clone();
    }
    let positions: Vec<Option<usize>> = wanted
        .iter()
        .map(|(column, _)| result.columns.iter().position(|c| c == column))
        .collect();
    let keep: Vec<usize> = (0..result.columns.len())
        .filter(|i| !positions.contains(&Some(*i)))
        .collect();
    let matches = |row: &Vec<Cell>| {
        positions.iter().zip(wanted).all(|(position, (_, state))| {
            let Some(cell) = position.map(|p| cell_to_json(row[p].clone())) else {
                return false;
            };
            let text = text_of(&cell);
            !cell.is_null()
                && match state {
                    InputState::One(option) => text == text_of(option),
                    InputState::Some(options) => options.iter().any(|o| text == text_of(o)),
                    InputState::Between(..) => false,
                }
        })
    };
    let columns: Vec<String> = keep.iter().map(|i| result.columns[*i].clone()).collect();
    let rows = result
        .rows
        .iter()
        .filter(|row| matches(row))
        .map(|row| keep.iter().map(|i| row[*i].clone()).collect());
    let is_multi = wanted.iter().any(|(_, s)| matches!(s, InputState::Some(_)));
    let rows: Vec<Vec<Cell>> = if is_multi {
        combined(&columns, rows, combine)
    } else {
        rows.collect()
    };
    without_avg_parts(ResultSet { columns, rows })
}

/// The data without the sum and count columns that carried `avg`s.
fn without_avg_parts(result: ResultSet) -> ResultSet {
    let keep: Vec<usize> = (0..result.columns.len())
        .filter(|i| !result.columns[*i].starts_with(visivo_query::inputs::AVG_PARTS))
        .collect();
    if keep.len() == result.columns.len() {
        return result;
    }
    ResultSet {
        columns: keep.iter().map(|i| result.columns[*i].clone()).collect(),
        rows: result
            .rows
            .into_iter()
            .map(|row| keep.iter().map(|i| row[*i].clone()).collect())
            .collect(),
    }
}

/// Rows with equal group columns (those not in `combine`) merged into one, each aggregate
/// column combined; groups keep the order of their first row. An `avg` is its merged sum over
/// its merged count.
fn combined(
    columns: &[String],
    rows: impl Iterator<Item = Vec<Cell>>,
    combine: &[(String, Combine)],
) -> Vec<Vec<Cell>> {
    let how: Vec<Option<&Combine>> = columns
        .iter()
        .map(|c| combine.iter().find(|(k, _)| k == c).map(|(_, h)| h))
        .collect();
    let position = |key: &str| columns.iter().position(|c| c == key);
    let mut order: Vec<Vec<Cell>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let group: Vec<Value> = row
            .iter()
            .zip(&how)
            .filter(|(_, h)| h.is_none())
            .map(|(c, _)| cell_to_json(c.clone()))
            .collect();
        let key = Value::Array(group).to_string();
        match index.get(&key) {
            None => {
                index.insert(key, order.len());
                order.push(row);
            }
            Some(&at) => {
                for (i, h) in how.iter().enumerate() {
                    if let Some(h @ (Combine::Sum | Combine::Min | Combine::Max)) = h {
                        order[at][i] = merge(&order[at][i], &row[i], h);
                    }
                }
            }
        }
    }
    for row in &mut order {
        for (i, h) in how.iter().enumerate() {
            if let Some(Combine::Avg { sum, count }) = h {
                let part = |key: &str| position(key).map(|p| row[p].clone());
                row[i] = average(part(sum), part(count));
            }
        }
    }
    order
}

/// `sum / count` as SQL's avg gives it: NULL over no values.
fn average(sum: Option<Cell>, count: Option<Cell>) -> Cell {
    let number = |c: &Cell| match c {
        Cell::Int(i) => Some(*i as f64),
        Cell::Float(f) => Some(*f),
        _ => None,
    };
    match (
        sum.as_ref().and_then(number),
        count.as_ref().and_then(number),
    ) {
        (Some(sum), Some(count)) if count > 0.0 => Cell::Float(sum / count),
        _ => Cell::Null,
    }
}

/// Two partial aggregates of one column over disjoint rows, combined (NULL is "no rows").
fn merge(a: &Cell, b: &Cell, how: &Combine) -> Cell {
    let number = |c: &Cell| match c {
        Cell::Int(i) => Some(*i as f64),
        Cell::Float(f) => Some(*f),
        _ => None,
    };
    match (a, b) {
        (Cell::Null, other) | (other, Cell::Null) => other.clone(),
        (Cell::Int(x), Cell::Int(y)) => Cell::Int(match how {
            Combine::Min => *x.min(y),
            Combine::Max => *x.max(y),
            _ => x.saturating_add(*y),
        }),
        _ => match (number(a), number(b), how) {
            (Some(x), Some(y), Combine::Min) => Cell::Float(x.min(y)),
            (Some(x), Some(y), Combine::Max) => Cell::Float(x.max(y)),
            (Some(x), Some(y), _) => Cell::Float(x + y),
            // Text (min/max of strings and dates) compares as text.
            _ => {
                let (x, y) = (
                    text_of(&cell_to_json(a.clone())),
                    text_of(&cell_to_json(b.clone())),
                );
                let first = match how {
                    Combine::Max => x >= y,
                    _ => x <= y,
                };
                if first {
                    a.clone()
                } else {
                    b.clone()
                }
            }
        },
    }
}

/// Every combination of one state per list, in order (the first of each first).
fn product<'a>(lists: impl Iterator<Item = &'a Vec<InputState>>) -> Vec<Vec<InputState>> {
    let mut out: Vec<Vec<InputState>> = vec![Vec::new()];
    for states in lists {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                states.iter().map(move |s| {
                    let mut next = prefix.clone();
                    next.push(s.clone());
                    next
                })
            })
            .collect();
    }
    out
}

/// Each input's states, the default first; `Err` when together they exceed the budget.
fn states_per_input(
    inputs: &TraceInputs,
    layout: &OutputLayout,
) -> Result<Vec<Vec<InputState>>, JobError> {
    let mut per_input = Vec::new();
    let mut count: u128 = 1;
    for (name, input) in &inputs.inputs {
        let options = options_of(name, input, layout)?;
        count = count.saturating_mul(input.state_count(options.len()));
        if count > inputs.max_states as u128 {
            let names: Vec<&str> = inputs.inputs.iter().map(|(n, _)| n.as_str()).collect();
            return Err(JobError::Job(format!(
                "its inputs ({}) have more than --max-input-states ({}) states together; every state is computed, see docs/interactivity.md",
                names.join(", "),
                inputs.max_states
            )));
        }
        per_input.push(
            input
                .states(&options)
                .map_err(|e| format!("input '{name}': {e}"))?,
        );
    }
    Ok(per_input)
}

/// An input's options: written in the project, or what its options query returned.
fn options_of(name: &str, input: &Input, layout: &OutputLayout) -> Result<Vec<Value>, String> {
    if let Some(options) = input
        .static_options()
        .map_err(|e| format!("input '{name}': {e}"))?
    {
        return Ok(options);
    }
    let path = layout.input_options(name);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "input '{name}': its options ({}) are missing: {e}",
            path.display()
        )
    })?;
    let file: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(file["options"].as_array().cloned().unwrap_or_default())
}

/// The most options an options query may return: a control can't offer more, and each is
/// published in `inputs.json`.
pub(crate) const MAX_OPTIONS: usize = 10_000;

/// The distinct, non-NULL values of an options query's first column, in the order returned;
/// `Err` above [`MAX_OPTIONS`].
pub(crate) fn options_from(result: ResultSet) -> Result<Vec<Value>, String> {
    let mut seen = std::collections::HashSet::new();
    let options: Vec<Value> = result
        .rows
        .into_iter()
        .filter_map(|row| row.into_iter().next())
        .map(cell_to_json)
        .filter(|v| !v.is_null() && seen.insert(v.to_string()))
        .collect();
    if options.len() > MAX_OPTIONS {
        return Err(format!(
            "its options query returned {} distinct values, more than the {MAX_OPTIONS} a control offers; narrow it (a coarser column, a WHERE or a LIMIT)",
            options.len()
        ));
    }
    Ok(options)
}

/// One writer of `inputs.json` at a time: options jobs run concurrently.
static INPUTS_JSON: Mutex<()> = Mutex::new(());

/// Writes an options query's result and puts it into `inputs.json`.
pub(crate) fn write_options(
    layout: &OutputLayout,
    input: &str,
    options: &[Value],
) -> Result<(), String> {
    let file = layout.input_options(input);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let body = json!({ "options": options }).to_string();
    write_atomic(&file, body.as_bytes()).map_err(|e| format!("writing {}: {e}", file.display()))?;
    let _guard = INPUTS_JSON.lock().unwrap_or_else(|e| e.into_inner());
    let path = layout.inputs_json();
    let mut all: Map<String, Value> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    all.insert(input.to_string(), json!({ "options": options }));
    write_atomic(&path, Value::Object(all).to_string().as_bytes())
        .map_err(|e| format!("writing {}: {e}", path.display()))
}

/// `inputs.json` as `compile` knows it: options written in the project, and those of options
/// queries from the last run (until this run's replace them).
pub(crate) fn write_inputs_json(project: &Project, layout: &OutputLayout) -> std::io::Result<()> {
    if project.inputs.is_empty() {
        return Ok(());
    }
    let mut all = Map::new();
    for (name, input) in &project.inputs {
        let options = match input.static_options() {
            Ok(Some(options)) => options,
            _ => options_of(name, input, layout).unwrap_or_default(),
        };
        all.insert(name.clone(), json!({ "options": options }));
    }
    write_atomic(
        &layout.inputs_json(),
        Value::Object(all).to_string().as_bytes(),
    )
}
