//! Rows → `data.json`: rows grouped by their `cohort_on` value, one array per select item
//! (outputs-and-viewer.md §3).
//!
//! Cohorts are sorted by value (numbers numerically, text by code point, false before true);
//! rows whose cohort is NULL are dropped (as in 1.0.30) and counted so the caller can warn.
//! Integers stay integers even next to NULLs; a column mixing integers and floats is all floats;
//! floats are rounded to 10 decimals; NaN and infinities are null.

use crate::output::write_atomic;
use crate::value::{Cell, ResultSet};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use visivo_project::layout::TraceFile;

/// A trace's `data.json` text and what was left out of it.
pub struct Grouped {
    /// `{"<cohort>": {"<column>": [values…]}}`, cohorts sorted by value.
    pub json: String,
    /// Rows whose `cohort_on` is NULL, which belong to no cohort (the run warns about them).
    pub dropped_null_cohort_rows: usize,
}

/// Why [`aggregate_file`] wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum AggregateError {
    /// The rows file could not be read.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The rows file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The rows file is not a JSON array of objects.
    #[error("{} must hold a JSON array of objects: {source}", path.display())]
    NotRows {
        /// The rows file.
        path: PathBuf,
        /// Where and why it is not.
        source: serde_json::Error,
    },
    /// The rows could not be grouped.
    #[error(transparent)]
    Group(#[from] GroupError),
    /// The output folder is missing.
    #[error("the output directory {} does not exist", .0.display())]
    NoOutputDir(PathBuf),
    /// `data.json` could not be written.
    #[error("writing {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// `visivo aggregate`: the JSON array of row objects in `rows_file`, grouped by their
/// `cohort_on` field (see [`group_json_rows`]), written to `<output_dir>/data.json`.
pub fn aggregate_file(rows_file: &Path, output_dir: &Path) -> Result<(), AggregateError> {
    let path = rows_file.to_path_buf();
    let text = std::fs::read_to_string(rows_file).map_err(|source| AggregateError::Read {
        path: path.clone(),
        source,
    })?;
    let rows: Vec<serde_json::Map<String, Value>> =
        serde_json::from_str(&text).map_err(|source| AggregateError::NotRows { path, source })?;
    let grouped = group_json_rows(&rows)?;
    if !output_dir.is_dir() {
        return Err(AggregateError::NoOutputDir(output_dir.to_path_buf()));
    }
    let path = output_dir.join(TraceFile::Data.name());
    write_atomic(&path, grouped.json.as_bytes())
        .map_err(|source| AggregateError::Write { path, source })
}

/// Why rows could not be grouped by cohort.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GroupError {
    /// A trace query's result lacks the `cohort_on` column.
    #[error("the query result has no cohort_on column")]
    NoCohortColumn,
    /// A JSON row lacks the `cohort_on` field.
    #[error("every row needs a cohort_on field")]
    RowWithoutCohort,
}

/// `visivo aggregate`'s grouping: JSON row objects, each with a `cohort_on` field (see
/// [`ResultSet::from_json_rows`]), into the `data.json` text.
pub fn group_json_rows(rows: &[serde_json::Map<String, Value>]) -> Result<Grouped, GroupError> {
    if rows.iter().any(|row| !row.contains_key("cohort_on")) {
        return Err(GroupError::RowWithoutCohort);
    }
    group_by_cohort(&ResultSet::from_json_rows(rows), NullCohort::Dropped)
}

/// What becomes of the rows whose `cohort_on` is NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullCohort {
    /// Left out and counted (a trace's, as 1.0.30 did).
    Dropped,
    /// A cohort named `null`, after the others (an insight's split, as 1.0.82 draws it).
    Named,
}

/// Groups a trace query's rows by its `cohort_on` column into the `data.json` text; `Err` if the
/// result has no `cohort_on` column.
pub fn group_by_cohort(result: &ResultSet, nulls: NullCohort) -> Result<Grouped, GroupError> {
    let cohort_index = result
        .columns
        .iter()
        .position(|c| c == "cohort_on")
        .ok_or(GroupError::NoCohortColumn)?;
    let value_columns: Vec<usize> = (0..result.columns.len())
        .filter(|i| *i != cohort_index)
        .collect();
    let float_columns: Vec<bool> = (0..result.columns.len())
        .map(|c| {
            result
                .rows
                .iter()
                .any(|r| matches!(r.get(c), Some(Cell::Float(_))))
        })
        .collect();
    let mut cohorts: BTreeMap<CohortKey, Vec<usize>> = BTreeMap::new();
    let mut dropped = 0;
    for (row_index, row) in result.rows.iter().enumerate() {
        match (CohortKey::of(&row[cohort_index]), nulls) {
            (Some(key), _) => cohorts.entry(key).or_default().push(row_index),
            (None, NullCohort::Named) => cohorts
                .entry(CohortKey::null())
                .or_default()
                .push(row_index),
            (None, NullCohort::Dropped) => dropped += 1,
        }
    }
    let mut json = String::from("{");
    for (n, (key, rows)) in cohorts.iter().enumerate() {
        if n > 0 {
            json.push(',');
        }
        push_string(&mut json, &key.text);
        json.push_str(":{");
        for (m, &column) in value_columns.iter().enumerate() {
            if m > 0 {
                json.push(',');
            }
            push_string(&mut json, &result.columns[column]);
            json.push_str(":[");
            for (k, &row) in rows.iter().enumerate() {
                if k > 0 {
                    json.push(',');
                }
                push_cell(&mut json, &result.rows[row][column], float_columns[column]);
            }
            json.push(']');
        }
        json.push('}');
    }
    json.push('}');
    Ok(Grouped {
        json,
        dropped_null_cohort_rows: dropped,
    })
}

/// A cohort's sort order and its name in data.json.
#[derive(Debug, Clone, PartialEq)]
struct CohortKey {
    rank: Rank,
    text: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Rank {
    Bool(bool),
    Number(f64),
    Text,
    Null,
}

impl CohortKey {
    fn of(cell: &Cell) -> Option<CohortKey> {
        let (rank, text) = match cell {
            Cell::Null => return None,
            Cell::Bool(b) => (
                Rank::Bool(*b),
                if *b { "True" } else { "False" }.to_string(),
            ),
            Cell::Int(i) => (Rank::Number(*i as f64), i.to_string()),
            Cell::Float(f) => (Rank::Number(*f), python_float(*f)),
            Cell::Text(s) => (Rank::Text, s.clone()),
            Cell::Json(v) => (Rank::Text, v.to_string()),
        };
        Some(CohortKey { rank, text })
    }

    fn null() -> CohortKey {
        CohortKey {
            rank: Rank::Null,
            text: "null".to_string(),
        }
    }
}

impl Eq for CohortKey {}

impl PartialOrd for CohortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CohortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        let order = |r: &Rank| match r {
            Rank::Bool(_) | Rank::Number(_) => 0,
            Rank::Text => 1,
            Rank::Null => 2,
        };
        let number = |r: &Rank| match r {
            Rank::Bool(b) => f64::from(u8::from(*b)),
            Rank::Number(n) => *n,
            Rank::Text | Rank::Null => 0.0,
        };
        order(&self.rank)
            .cmp(&order(&other.rank))
            .then_with(|| number(&self.rank).total_cmp(&number(&other.rank)))
            .then_with(|| self.text.cmp(&other.text))
    }
}

/// Python's `str(float)`: `1.0`, `0.1`, `1e+20`.
pub fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let text = format!("{f:?}");
    if let Some((mantissa, exponent)) = text.split_once('e') {
        let sign = if exponent.starts_with('-') { "-" } else { "+" };
        let digits = exponent.trim_start_matches('-');
        let mantissa = mantissa.strip_suffix(".0").unwrap_or(mantissa);
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    text
}

fn round10(f: f64) -> f64 {
    if f.abs() >= 1e15 {
        return f;
    }
    format!("{f:.10}").parse().unwrap_or(f)
}

fn push_cell(json: &mut String, cell: &Cell, as_float: bool) {
    match cell {
        Cell::Null => json.push_str("null"),
        Cell::Int(i) if as_float => push_float(json, *i as f64),
        Cell::Int(i) => json.push_str(&i.to_string()),
        Cell::Float(f) => push_float(json, *f),
        Cell::Bool(b) => json.push_str(if *b { "true" } else { "false" }),
        Cell::Text(s) => push_string(json, s),
        Cell::Json(v) => json.push_str(&v.to_string()),
    }
}

fn push_float(json: &mut String, f: f64) {
    if !f.is_finite() {
        json.push_str("null");
        return;
    }
    let rounded = round10(f);
    let number = serde_json::Number::from_f64(rounded).map_or(Value::Null, Value::Number);
    json.push_str(&number.to_string());
}

fn push_string(json: &mut String, s: &str) {
    let needs_escaping = s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\');
    if needs_escaping {
        json.push_str(&serde_json::to_string(s).unwrap_or_default());
    } else {
        json.push('"');
        json.push_str(s);
        json.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(columns: &[&str], rows: Vec<Vec<Cell>>) -> ResultSet {
        ResultSet {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows,
        }
    }

    #[test]
    fn groups_sorts_and_encodes() {
        let result = rs(
            &["props.x", "props.y", "cohort_on"],
            vec![
                vec![
                    Cell::Text("2024-02".into()),
                    Cell::Float(7.5),
                    Cell::Text("south".into()),
                ],
                vec![
                    Cell::Text("2024-01".into()),
                    Cell::Float(30.0),
                    Cell::Text("north".into()),
                ],
                vec![
                    Cell::Text("2024-03".into()),
                    Cell::Float(1.0 / 3.0),
                    Cell::Null,
                ],
            ],
        );
        let grouped = group_by_cohort(&result, NullCohort::Dropped).unwrap();
        assert_eq!(
            grouped.json,
            r#"{"north":{"props.x":["2024-01"],"props.y":[30.0]},"south":{"props.x":["2024-02"],"props.y":[7.5]}}"#
        );
        assert_eq!(grouped.dropped_null_cohort_rows, 1);
        let named = group_by_cohort(&result, NullCohort::Named).unwrap();
        assert_eq!(named.dropped_null_cohort_rows, 0);
        assert!(
            named
                .json
                .ends_with(r#""null":{"props.x":["2024-03"],"props.y":[0.3333333333]}}"#),
            "{}",
            named.json
        );
    }

    #[test]
    fn numbers_keep_their_kind() {
        let result = rs(
            &["a", "b", "cohort_on"],
            vec![
                vec![Cell::Int(12345678901234567), Cell::Int(1), Cell::Int(2)],
                vec![Cell::Null, Cell::Float(1.0 / 3.0), Cell::Int(10)],
                vec![Cell::Int(3), Cell::Float(f64::NAN), Cell::Float(2.5)],
            ],
        );
        let grouped = group_by_cohort(&result, NullCohort::Dropped).unwrap();
        assert_eq!(
            grouped.json,
            r#"{"2":{"a":[12345678901234567],"b":[1.0]},"2.5":{"a":[3],"b":[null]},"10":{"a":[null],"b":[0.3333333333]}}"#
        );
    }

    #[test]
    fn strings_are_escaped_only_when_needed() {
        let result = rs(
            &["t", "cohort_on"],
            vec![vec![
                Cell::Text("say \"hi\"\n/é".into()),
                Cell::Text("a".into()),
            ]],
        );
        let json = group_by_cohort(&result, NullCohort::Dropped).unwrap().json;
        assert_eq!(json, r#"{"a":{"t":["say \"hi\"\n/é"]}}"#);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["a"]["t"][0], "say \"hi\"\n/é");
    }

    #[test]
    fn python_float_text() {
        assert_eq!(python_float(1.0), "1.0");
        assert_eq!(python_float(1e20), "1e+20");
        assert_eq!(python_float(0.1), "0.1");
    }

    #[test]
    fn json_rows_group_by_their_cohort_and_a_missing_key_is_null() {
        let rows: Vec<serde_json::Map<String, Value>> = serde_json::from_str(
            r#"[{"cohort_on": "b", "x": 1}, {"cohort_on": "a", "y": [1]}, {"cohort_on": "b", "x": 2.5}]"#,
        )
        .unwrap();
        assert_eq!(
            group_json_rows(&rows).unwrap().json,
            r#"{"a":{"x":[null],"y":[[1]]},"b":{"x":[1.0,2.5],"y":[null,null]}}"#
        );
        let without: Vec<serde_json::Map<String, Value>> =
            serde_json::from_str(r#"[{"cohort_on": "a"}, {"x": 1}]"#).unwrap();
        assert!(group_json_rows(&without).is_err());
    }

    #[test]
    fn aggregate_file_names_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let rows = dir.path().join("rows.json");
        let out = dir.path().join("out");
        let error = |text: &str| {
            std::fs::write(&rows, text).unwrap();
            aggregate_file(&rows, &out).unwrap_err().to_string()
        };
        assert!(error("{}").ends_with("must hold a JSON array of objects: invalid type: map, expected a sequence at line 1 column 0"));
        assert_eq!(error(r#"[{"x": 1}]"#), "every row needs a cohort_on field");
        assert!(error(r#"[{"cohort_on": "a"}]"#).ends_with("out does not exist"));
        std::fs::create_dir(&out).unwrap();
        aggregate_file(&rows, &out).unwrap();
        let data = std::fs::read_to_string(out.join("data.json")).unwrap();
        assert_eq!(data, r#"{"a":{}}"#);
    }
}
