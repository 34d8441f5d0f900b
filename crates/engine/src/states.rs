//! Traces that reference inputs (docs/interactivity.md): every state a reader can reach is the
//! trace's query run with that state's values, so each shows exactly what the SQL returns. The
//! default state is `data.json`; all of them, `states.json`. Options queries write
//! `.inputs/<input>.json` and `inputs.json`.

use crate::data_json::{group_by_cohort, Grouped};
use crate::error::JobError;
use crate::output::write_atomic;
use crate::plan::TraceInputs;
use crate::source::SourceError;
use crate::value::ResultSet;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use visivo_project::input::InputState;
use visivo_project::layout::OutputLayout;
use visivo_project::{Input, Project};

/// A trace's data in its default state, and `states.json`'s text.
pub(crate) struct States {
    pub default: Grouped,
    pub states_json: String,
}

/// Runs `sql` once per state of the trace's inputs (the default first) with `query`.
pub(crate) async fn run_states<F, Fut>(
    inputs: &TraceInputs,
    sql: &str,
    layout: &OutputLayout,
    query: F,
) -> Result<States, JobError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<ResultSet, SourceError>>,
{
    let combinations = combinations(inputs, layout)?;
    let names: Vec<&String> = inputs.inputs.iter().map(|(n, _)| n).collect();
    let mut entries = Vec::with_capacity(combinations.len());
    let mut default = None;
    for combination in combinations {
        let state: HashMap<String, InputState> = names
            .iter()
            .map(|n| n.to_string())
            .zip(combination)
            .collect();
        let sql = visivo_query::inputs::substitute(sql, &state, inputs.dialect)?;
        let grouped = group_by_cohort(&query(sql).await?)?;
        let values: Map<String, Value> = names
            .iter()
            .map(|n| (n.to_string(), state[n.as_str()].to_json()))
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

/// Every combination of the inputs' states, the all-defaults one first; `Err` above the budget.
fn combinations(
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
    let mut out: Vec<Vec<InputState>> = vec![Vec::new()];
    for states in per_input {
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
    Ok(out)
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

/// The distinct, non-NULL values of an options query's first column, in the order returned.
pub(crate) fn options_from(result: ResultSet) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    result
        .rows
        .into_iter()
        .filter_map(|row| row.into_iter().next())
        .map(crate::source::decode::cell_to_json)
        .filter(|v| !v.is_null() && seen.insert(v.to_string()))
        .collect()
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
