use crate::cli::AggregateArgs;
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::process::ExitCode;
use visivo_engine::data_json::group_json_rows;
use visivo_engine::output::write_atomic;

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
    let grouped = group_json_rows(&rows).map_err(anyhow::Error::msg)?;
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
