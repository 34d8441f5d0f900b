use crate::cli::AggregateArgs;
use anyhow::Result;
use std::process::ExitCode;
use visivo_engine::data_json::aggregate_file;

/// `visivo aggregate -j rows.json`: a JSON array of row objects → cohort-grouped data.json.
pub fn aggregate(args: &AggregateArgs) -> Result<ExitCode> {
    println!("Aggregating");
    aggregate_file(&args.json_file, &args.output_dir)?;
    println!("Done");
    Ok(ExitCode::SUCCESS)
}
