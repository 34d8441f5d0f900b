use crate::cli::AggregateArgs;
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::process::ExitCode;
use visivo_engine::data_json::group_by_cohort;
use visivo_engine::output::write_atomic;
use visivo_engine::value::{Cell, ResultSet};

/// `visivo aggregate -j rows.json`: a JSON array of row objects → cohort-grouped data.json.
pub fn aggregate(args: &AggregateArgs) -> Result<ExitCode> {
    println!("Aggregating");
    let text = std::fs::read_to_string(&args.json_file)
        .with_context(|| format!("reading {}", args.json_file.display()))?;
    let rows: Vec<serde_json::Map<String, Value>> =
        serde_json::from_str(&text).with_context(|| {
            format!(
                "{} must hold a JSON array of objects",
                args.json_file.display()
            )
        })?;
    let result = to_result_set(&rows)?;
    let grouped = group_by_cohort(&result).map_err(anyhow::Error::msg)?;
    if !args.output_dir.is_dir() {
        bail!(
            "the output directory {} does not exist",
            args.output_dir.display()
        );
    }
    write_atomic(&args.output_dir.join("data.json"), grouped.json.as_bytes())?;
    println!("Done");
    Ok(ExitCode::SUCCESS)
}

fn to_result_set(rows: &[serde_json::Map<String, Value>]) -> Result<ResultSet> {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        if !row.contains_key("cohort_on") {
            bail!("every row needs a cohort_on field");
        }
        for key in row.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let rows = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| to_cell(row.get(c).unwrap_or(&Value::Null)))
                .collect()
        })
        .collect();
    Ok(ResultSet { columns, rows })
}

fn to_cell(value: &Value) -> Cell {
    match value {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => n
            .as_i64()
            .map_or_else(|| Cell::Float(n.as_f64().unwrap_or(f64::NAN)), Cell::Int),
        Value::String(s) => Cell::Text(s.clone()),
        other => Cell::Json(other.clone()),
    }
}
