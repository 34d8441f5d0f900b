//! DuckDB files (with the `duckdb` cargo feature, on in the `visivo` binary by default: it links
//! DuckDB's prebuilt library, see crates/engine/build.rs).
//!
//! Every query opens its own read-only connection on `database` (relative to the project
//! directory; `:memory:` for an empty in-memory database), so several traces read one file at
//! once and Visivo never writes to it. `db_schema` becomes the connection's default schema
//! (`SET schema = '<db_schema>'`), and the project directory its `file_search_path`, so
//! `read_csv('data/x.csv')` finds the project's file wherever Visivo runs from. Past
//! `query_timeout` the query is interrupted.
//!
//! Values are read as DuckDB's own values and converted by [`cell`].

use super::decode::{cell_to_json, decimal_cell, fraction_text, iso_from_parts};
use super::in_process::{Batcher, InProcessEngine, RunError, Settings};
use super::{resolve_path, ConnectContext, RowSink, SourceError};
use crate::value::Cell;
use ::duckdb::arrow::datatypes::DataType;
use ::duckdb::types::{TimeUnit, Value as Duck};
use ::duckdb::{AccessMode, Config, Connection, InterruptHandle};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use visivo_project::Source;

pub struct DuckdbSource {
    settings: Settings,
    database: PathBuf,
    schema: Option<String>,
    /// Relative file names in queries (`read_csv('data/x.csv')`) are found here.
    project_dir: PathBuf,
}

impl DuckdbSource {
    pub fn new(source: &Source, ctx: &ConnectContext) -> Result<Self, SourceError> {
        let name = source.name.clone().unwrap_or_default();
        let database = source.database.as_deref().ok_or_else(|| {
            SourceError::config(&name, "`database` (the DuckDB file) is required")
        })?;
        let database = if database == ":memory:" {
            PathBuf::from(database)
        } else {
            resolve_path(ctx.project_dir, database)
        };
        Ok(DuckdbSource {
            settings: Settings::new(source, ctx),
            database,
            schema: source.db_schema.clone().filter(|s| !s.is_empty()),
            project_dir: std::fs::canonicalize(ctx.project_dir)
                .unwrap_or_else(|_| ctx.project_dir.to_path_buf()),
        })
    }
}

impl InProcessEngine for DuckdbSource {
    type Connection = Connection;
    type Interrupt = Arc<InterruptHandle>;

    fn settings(&self) -> &Settings {
        &self.settings
    }

    fn open(&self) -> Result<Connection, SourceError> {
        let fail = |message: String| SourceError::Connect {
            source_name: self.settings.name.clone(),
            message,
            connection: Some(format!("duckdb file {}", self.database.display())),
        };
        let connection = if self.database.as_os_str() == ":memory:" {
            Connection::open_in_memory().map_err(|e| fail(e.to_string()))?
        } else {
            if !self.database.is_file() {
                return Err(fail("the database file does not exist".into()));
            }
            let config = Config::default()
                .access_mode(AccessMode::ReadOnly)
                .map_err(|e| fail(e.to_string()))?;
            Connection::open_with_flags(&self.database, config).map_err(|e| fail(e.to_string()))?
        };
        let search_path = self.project_dir.display().to_string();
        connection
            .execute_batch(&format!(
                "SET file_search_path = '{}'",
                search_path.replace('\'', "''")
            ))
            .map_err(|e| fail(format!("setting file_search_path failed: {e}")))?;
        if let Some(schema) = &self.schema {
            connection
                .execute_batch(&format!("SET schema = '{}'", schema.replace('\'', "''")))
                .map_err(|e| fail(format!("setting the schema to '{schema}' failed: {e}")))?;
        }
        Ok(connection)
    }

    fn interrupt_handle(connection: &Connection) -> Arc<InterruptHandle> {
        connection.interrupt_handle()
    }

    fn interrupt(handle: Arc<InterruptHandle>) {
        handle.interrupt();
    }

    fn run(connection: &Connection, sql: &str, out: &mut dyn RowSink) -> Result<(), RunError> {
        run_query(connection, sql, out)
    }
}

/// Runs `sql`, handing the column names (known only once the statement ran) and then batches
/// of rows on.
fn run_query(connection: &Connection, sql: &str, out: &mut dyn RowSink) -> Result<(), RunError> {
    let mut statement = connection.prepare(sql)?;
    let mut rows = statement.query([])?;
    // Names and types come from the executed statement (`column_names()` panics before).
    let (columns, zoned): (Vec<String>, Vec<bool>) = match rows.as_ref() {
        Some(statement) => {
            let names = statement.column_names();
            let zoned = (0..names.len())
                .map(|i| matches!(statement.column_type(i), DataType::Timestamp(_, Some(_))))
                .collect();
            (names, zoned)
        }
        None => (Vec::new(), Vec::new()),
    };
    out.columns(&columns)?;
    let mut batcher = Batcher::new(out);
    while let Some(row) = rows.next()? {
        let mut cells = Vec::with_capacity(columns.len());
        for (i, zoned) in zoned.iter().enumerate() {
            let value: Duck = row.get(i)?;
            cells.push(cell(value, *zoned));
        }
        batcher.push(cells)?;
    }
    Ok(batcher.finish()?)
}

impl From<duckdb::Error> for RunError {
    fn from(error: duckdb::Error) -> Self {
        RunError::Database(error.to_string())
    }
}

/// A DuckDB value as a [`Cell`]:
///
/// | DuckDB | `Cell` |
/// |---|---|
/// | TINYINT … BIGINT, UTINYINT … UINTEGER | `Int` |
/// | UBIGINT, HUGEINT, UHUGEINT | `Int` when it fits 64 bits, else the decimal rule (the nearest double) |
/// | DECIMAL | the decimal rule: `Float`, the nearest double |
/// | FLOAT, DOUBLE | `Float` (FLOAT as the decimal it prints as: `0.1`, not `0.100000001…`) |
/// | BOOLEAN | `Bool` |
/// | VARCHAR, ENUM, UUID | `Text` |
/// | DATE | `"2024-02-29"` |
/// | TIME | `"13:14:15"` / `"13:14:15.250000"` |
/// | TIMESTAMP (any precision) | `"2024-02-29T13:14:15"` (`.ffffff` when there are fractions) |
/// | TIMESTAMPTZ | the instant in UTC: `"2024-02-29T13:14:15+00:00"` |
/// | INTERVAL | ISO-8601 duration: `"P1M2DT3H"` |
/// | BLOB | `"\\x01ff"` (`\x` and lowercase hex) |
/// | LIST, ARRAY | `Json` array |
/// | STRUCT, MAP | `Json` object (a MAP with non-text keys: array of `{key, value}`) |
/// | UNION | its current member |
pub fn cell(value: Duck, zoned: bool) -> Cell {
    match value {
        Duck::Null => Cell::Null,
        Duck::Boolean(b) => Cell::Bool(b),
        Duck::TinyInt(i) => Cell::Int(i.into()),
        Duck::SmallInt(i) => Cell::Int(i.into()),
        Duck::Int(i) => Cell::Int(i.into()),
        Duck::BigInt(i) => Cell::Int(i),
        Duck::UTinyInt(i) => Cell::Int(i.into()),
        Duck::USmallInt(i) => Cell::Int(i.into()),
        Duck::UInt(i) => Cell::Int(i.into()),
        Duck::UBigInt(i) => i64::try_from(i)
            .map(Cell::Int)
            .unwrap_or_else(|_| decimal_cell(&i.to_string())),
        Duck::HugeInt(i) => i64::try_from(i)
            .map(Cell::Int)
            .unwrap_or_else(|_| decimal_cell(&i.to_string())),
        Duck::UHugeInt(i) => i64::try_from(i)
            .map(Cell::Int)
            .unwrap_or_else(|_| decimal_cell(&i.to_string())),
        Duck::Float(f) => Cell::Float(f.to_string().parse().unwrap_or(f64::from(f))),
        Duck::Double(f) => Cell::Float(f),
        Duck::Decimal(d) => decimal_cell(&d.to_string()),
        Duck::Timestamp(unit, value) => {
            let micros = unit.to_micros(value);
            let (secs, nanos) = match unit {
                TimeUnit::Nanosecond => (
                    value.div_euclid(1_000_000_000),
                    value.rem_euclid(1_000_000_000) as u32,
                ),
                _ => (
                    micros.div_euclid(1_000_000),
                    (micros.rem_euclid(1_000_000) * 1000) as u32,
                ),
            };
            iso_from_parts(secs, nanos, zoned)
                .map(Cell::Text)
                .unwrap_or_else(|| Cell::Text(format!("{value}")))
        }
        Duck::Text(s) | Duck::Enum(s) => Cell::Text(s),
        Duck::Blob(bytes) | Duck::Geometry(bytes) => {
            Cell::Text(format!("\\x{}", hex::encode(bytes)))
        }
        Duck::Date32(days) => chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::try_days(days.into())?))
            .map(|d| Cell::Text(d.format("%Y-%m-%d").to_string()))
            .unwrap_or_else(|| Cell::Text(days.to_string())),
        Duck::Time64(unit, value) => {
            let nanos_total: i64 = match unit {
                TimeUnit::Nanosecond => value,
                other => other.to_micros(value).saturating_mul(1000),
            };
            let secs = nanos_total.div_euclid(1_000_000_000);
            let nanos = nanos_total.rem_euclid(1_000_000_000) as u32;
            Cell::Text(format!(
                "{:02}:{:02}:{:02}{}",
                secs / 3600,
                secs / 60 % 60,
                secs % 60,
                fraction_text(nanos)
            ))
        }
        Duck::Interval {
            months,
            days,
            nanos,
        } => Cell::Text(iso_duration(months, days, nanos)),
        Duck::List(items) | Duck::Array(items) => Cell::Json(Value::Array(
            items
                .into_iter()
                .map(|v| cell_to_json(cell(v, false)))
                .collect(),
        )),
        Duck::Struct(fields) => Cell::Json(Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), cell_to_json(cell(v.clone(), false))))
                .collect(),
        )),
        Duck::Map(entries) => {
            let text_keys = entries.keys().all(|k| matches!(k, Duck::Text(_)));
            if text_keys {
                Cell::Json(Value::Object(
                    entries
                        .iter()
                        .map(|(k, v)| {
                            let Duck::Text(k) = k else { unreachable!() };
                            (k.clone(), cell_to_json(cell(v.clone(), false)))
                        })
                        .collect(),
                ))
            } else {
                Cell::Json(Value::Array(
                    entries
                        .iter()
                        .map(|(k, v)| {
                            serde_json::json!({
                                "key": cell_to_json(cell(k.clone(), false)),
                                "value": cell_to_json(cell(v.clone(), false)),
                            })
                        })
                        .collect(),
                ))
            }
        }
        Duck::Union(inner) => cell(*inner, zoned),
        other => Cell::Text(format!("{other:?}")),
    }
}

/// Months, days and nanoseconds → `P1Y2M3DT4H5M6.5S` (`PT0S` for zero).
fn iso_duration(months: i32, days: i32, nanos: i64) -> String {
    let mut out = String::from("P");
    let (years, months) = (months / 12, months % 12);
    for (value, unit) in [
        (years as i64, 'Y'),
        (months as i64, 'M'),
        (days as i64, 'D'),
    ] {
        if value != 0 {
            out.push_str(&format!("{value}{unit}"));
        }
    }
    if nanos != 0 {
        out.push('T');
        let sign = if nanos < 0 { "-" } else { "" };
        let total = nanos.unsigned_abs();
        let hours = total / 3_600_000_000_000;
        let minutes = total / 60_000_000_000 % 60;
        let seconds = total / 1_000_000_000 % 60;
        let fraction = total % 1_000_000_000;
        if hours != 0 {
            out.push_str(&format!("{sign}{hours}H"));
        }
        if minutes != 0 {
            out.push_str(&format!("{sign}{minutes}M"));
        }
        if seconds != 0 || fraction != 0 {
            let fraction = if fraction == 0 {
                String::new()
            } else {
                format!(".{}", format!("{fraction:09}").trim_end_matches('0'))
            };
            out.push_str(&format!("{sign}{seconds}{fraction}S"));
        }
    }
    if out == "P" {
        out.push_str("T0S");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(iso_duration(14, 3, 0), "P1Y2M3D");
        assert_eq!(iso_duration(0, 0, -5_400_000_000_000), "PT-1H-30M");
        assert_eq!(iso_duration(0, 0, 6_500_000_000), "PT6.5S");
        assert_eq!(iso_duration(0, 0, 0), "PT0S");
    }
}
