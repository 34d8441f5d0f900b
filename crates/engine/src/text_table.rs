//! Rows of text fields into a typed table of a new SQLite file: what CSV-script models print, and
//! the rows of CSV and Excel file sources.
//!
//! Column types follow pandas' inference, as 1.0.30 did: a column whose non-empty values are
//! all integers is BIGINT, all numbers FLOAT, anything else TEXT; empty fields are NULL.

use crate::materialize::{quote, unique_names, SqliteTableWriter};
use crate::value::Cell;
use std::io::Read;
use std::path::Path;

/// Rows written to the staging table at once.
const BATCH_ROWS: usize = 10_000;
/// Rows are staged untyped here until every value of every column has been seen.
const STAGING: &str = "__visivo_staging";

/// How a CSV text is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvLayout {
    /// The byte between fields (`,` by default).
    pub delimiter: u8,
    /// Whether the first record names the columns; without it they are `column0`, `column1`, ….
    pub has_header: bool,
}

impl Default for CsvLayout {
    fn default() -> Self {
        CsvLayout {
            delimiter: b',',
            has_header: true,
        }
    }
}

/// Loads CSV text into `table` of a new SQLite file `target`, not yet committed (the caller
/// decides); returns the writer and the number of rows.
pub fn load_csv(
    input: impl Read,
    layout: CsvLayout,
    target: &Path,
    table: &str,
) -> Result<(SqliteTableWriter, usize), String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(layout.delimiter)
        .from_reader(input);
    let mut records = reader.records();
    let first = records
        .next()
        .ok_or("the input is empty (no CSV header)")?
        .map_err(|e| e.to_string())?;
    let header: Vec<String> = if layout.has_header {
        first.iter().map(str::to_string).collect()
    } else {
        numbered_columns(first.len())
    };
    if header.iter().all(String::is_empty) {
        return Err("the CSV header names no column".into());
    }
    let mut loader = TextTable::create(target, table, &header)?;
    if !layout.has_header {
        loader.push(first.iter())?;
    }
    for record in records {
        loader.push(record.map_err(|e| e.to_string())?.iter())?;
    }
    loader.finish()
}

/// Column names of an input without a header: `column0`, `column1`, … (what DuckDB's
/// `read_csv_auto`, which 1.0.82's file sources use, calls them).
pub fn numbered_columns(width: usize) -> Vec<String> {
    (0..width).map(|i| format!("column{i}")).collect()
}

/// A table being filled: rows are staged as text, and typed when all have been seen.
pub struct TextTable {
    writer: SqliteTableWriter,
    table: String,
    columns: Vec<String>,
    insert: String,
    kinds: Vec<ColumnKind>,
    batch: Vec<Vec<Cell>>,
    rows: usize,
}

impl TextTable {
    /// Starts the SQLite file `target` whose `table` gets `header`'s columns (made unique the
    /// way pandas does).
    pub fn create(target: &Path, table: &str, header: &[String]) -> Result<Self, String> {
        let columns = unique_names(header);
        let mut writer = SqliteTableWriter::create(target, table)?;
        let staging: Vec<String> = columns.iter().map(|c| quote(c)).collect();
        let insert = writer.create_table(STAGING, &staging)?;
        Ok(TextTable {
            writer,
            table: table.to_string(),
            kinds: vec![ColumnKind::default(); columns.len()],
            columns,
            insert,
            batch: Vec::with_capacity(1024),
            rows: 0,
        })
    }

    /// Adds a row of exactly one field per column; empty fields are NULL.
    pub fn push<'f>(&mut self, fields: impl IntoIterator<Item = &'f str>) -> Result<(), String> {
        let fields: Vec<&str> = fields.into_iter().collect();
        if fields.len() != self.columns.len() {
            return Err(format!(
                "row {} has {} fields where the header has {}",
                self.rows + 1,
                fields.len(),
                self.columns.len()
            ));
        }
        let row = fields
            .into_iter()
            .zip(&mut self.kinds)
            .map(|(field, kind)| {
                if field.is_empty() {
                    Cell::Null
                } else {
                    kind.observe(field);
                    Cell::Text(field.to_string())
                }
            })
            .collect();
        self.batch.push(row);
        self.rows += 1;
        if self.batch.len() >= BATCH_ROWS {
            self.writer
                .insert(&self.insert, &std::mem::take(&mut self.batch))?;
        }
        Ok(())
    }

    /// Types the columns and fills the table; the file is complete but not committed. Returns
    /// the writer and the number of rows.
    pub fn finish(mut self) -> Result<(SqliteTableWriter, usize), String> {
        self.writer.insert(&self.insert, &self.batch)?;
        let typed: Vec<String> = self
            .columns
            .iter()
            .zip(&self.kinds)
            .map(|(c, k)| format!("{} {}", quote(c), k.sql_type()))
            .collect();
        self.writer.create_table(&self.table, &typed)?;
        self.writer
            .connection()?
            .execute_batch(&format!(
                "INSERT INTO {} SELECT * FROM {STAGING}; DROP TABLE {STAGING};",
                quote(&self.table)
            ))
            .map_err(|e| e.to_string())?;
        Ok((self.writer, self.rows))
    }
}

/// What the non-empty values of a column seen so far all are.
#[derive(Clone, Copy)]
struct ColumnKind {
    all_int: bool,
    all_float: bool,
}

impl Default for ColumnKind {
    fn default() -> Self {
        ColumnKind {
            all_int: true,
            all_float: true,
        }
    }
}

impl ColumnKind {
    fn observe(&mut self, field: &str) {
        if self.all_int && field.parse::<i64>().is_err() {
            self.all_int = false;
        }
        if self.all_float && !is_float(field) {
            self.all_float = false;
        }
    }

    fn sql_type(self) -> &'static str {
        if self.all_int {
            "BIGINT"
        } else if self.all_float {
            "FLOAT"
        } else {
            "TEXT"
        }
    }
}

fn is_float(field: &str) -> bool {
    let lower = field.trim().to_ascii_lowercase();
    matches!(lower.as_str(), "nan" | "inf" | "-inf" | "+inf") || lower.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, layout: CsvLayout) -> Result<Vec<Vec<String>>, String> {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t.sqlite");
        let (mut writer, _) = load_csv(text.as_bytes(), layout, &target, "t")?;
        writer.commit()?;
        let c = rusqlite::Connection::open(&target).unwrap();
        let mut statement = c.prepare("select * from t").unwrap();
        let width = statement.column_count();
        let mut rows = vec![statement.column_names().map(str::to_string).collect()];
        let typed = statement
            .query_map([], |r| {
                (0..width)
                    .map(|i| {
                        let value = r.get_ref(i)?;
                        Ok(format!("{:?}", Cell::from(value)))
                    })
                    .collect::<Result<Vec<String>, _>>()
            })
            .unwrap();
        rows.extend(typed.map(Result::unwrap));
        Ok(rows)
    }

    #[test]
    fn a_header_names_the_columns_and_types_are_inferred() {
        let rows = load("a,b,c,a\n1,1.5,x,\n2,,3,\n", CsvLayout::default()).unwrap();
        assert_eq!(rows[0], ["a", "b", "c", "a.1"]);
        assert_eq!(rows[1], ["Int(1)", "Float(1.5)", "Text(\"x\")", "Null"]);
        assert_eq!(rows[2], ["Int(2)", "Null", "Text(\"3\")", "Null"]);
    }

    #[test]
    fn without_a_header_the_columns_are_numbered_and_the_first_record_is_data() {
        let layout = CsvLayout {
            delimiter: b';',
            has_header: false,
        };
        let rows = load("x;1\ny;2\n", layout).unwrap();
        assert_eq!(rows[0], ["column0", "column1"]);
        assert_eq!(rows[1], ["Text(\"x\")", "Int(1)"]);
        assert_eq!(rows.len(), 3);
    }

    #[test]
    fn empty_and_ragged_inputs_are_refused() {
        assert!(load("", CsvLayout::default())
            .unwrap_err()
            .contains("empty"));
        let ragged = load("a,b\n1,2,3\n", CsvLayout::default()).unwrap_err();
        assert!(ragged.contains("line: 2"), "{ragged}");
    }

    #[test]
    fn rows_of_the_wrong_width_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let header = ["a".to_string(), "b".to_string()];
        let mut table = TextTable::create(&dir.path().join("t.sqlite"), "t", &header).unwrap();
        table.push(["1", "2"]).unwrap();
        assert_eq!(
            table.push(["1", "2", "3"]).unwrap_err(),
            "row 2 has 3 fields where the header has 2"
        );
        assert!(table.push(["1"]).is_err());
    }
}
