//! CSV and Excel files (`type: csv`, `type: xls`). On a run's first query the file is read into a
//! table named like the source, in a temporary SQLite file, which every query of the run then
//! reads as a `sqlite` source would (SQLite's SQL). Column types are inferred as for CSV-script
//! models (`text_table`).
//!
//! Workbooks (xlsx, xlsm, xlsb, xls, ods) are read with calamine: the first sheet, or `sheet`.
//! An `xls` source whose file is CSV text is read as CSV: 1.0.82 read every `xls` file with
//! DuckDB's CSV reader, so that is what its projects have.

use super::in_process::{InProcess, Settings};
use super::sqlite::SqliteSource;
use super::{resolve_path, ConnectContext, Connector, RowSink, SourceError};
use crate::text_table::{load_csv, numbered_columns, CsvLayout, TextTable};
use crate::value::ResultSet;
use async_trait::async_trait;
use calamine::{Data, Reader};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use tokio::sync::OnceCell;
use visivo_project::source_fields::TextEncoding;
use visivo_project::{Source, SourceType};

/// What a file source reads, and how.
#[derive(Debug, Clone)]
struct FileSpec {
    /// The source's name, which is also the table's.
    name: String,
    /// `file` as written, for messages.
    written: String,
    path: PathBuf,
    layout: CsvLayout,
    encoding: TextEncoding,
    /// Whether it may be a workbook (an `xls` source).
    workbook: bool,
    sheet: Option<String>,
}

/// The file's rows in a temporary SQLite file, and the source that queries it.
struct Loaded {
    sqlite: InProcess<SqliteSource>,
    /// Removed (with the SQLite file) when the run's connector is dropped.
    _dir: tempfile::TempDir,
}

/// A CSV or Excel source: loads its file on first use.
pub struct FileSource {
    spec: FileSpec,
    settings: Settings,
    loaded: OnceCell<Result<Loaded, SourceError>>,
}

impl FileSource {
    /// Reads the source's definition; `Err` when `file` is missing.
    pub fn new(source: &Source, ctx: &ConnectContext) -> Result<Self, SourceError> {
        let settings = Settings::new(source, ctx);
        let workbook = source.source_type == SourceType::Excel;
        let written = source.file.clone().ok_or_else(|| {
            let what = if workbook { "Excel" } else { "CSV" };
            SourceError::config(
                &settings.name,
                format!("`file` (the {what} file, relative to the project file) is required"),
            )
        })?;
        let spec = FileSpec {
            name: settings.name.clone(),
            path: resolve_path(ctx.project_dir, &written),
            written,
            layout: CsvLayout {
                delimiter: source.delimiter.unwrap_or_default().byte(),
                has_header: source.has_header.unwrap_or(true),
            },
            encoding: source.encoding.unwrap_or_default(),
            workbook,
            sheet: source.sheet.clone(),
        };
        Ok(FileSource {
            spec,
            settings,
            loaded: OnceCell::new(),
        })
    }

    /// The loaded file's source; the file is read once per run, and a failure is reported by
    /// every query.
    async fn loaded(&self) -> Result<&InProcess<SqliteSource>, SourceError> {
        let loaded = self
            .loaded
            .get_or_init(|| async {
                let spec = self.spec.clone();
                let settings = self.settings.clone();
                tokio::task::spawn_blocking(move || load(&spec, settings))
                    .await
                    .unwrap_or_else(|e| Err(SourceError::Internal(e.to_string())))
            })
            .await;
        match loaded {
            Ok(loaded) => Ok(&loaded.sqlite),
            Err(e) => Err(e.clone()),
        }
    }
}

#[async_trait]
impl Connector for FileSource {
    async fn query(&self, sql: &str) -> Result<ResultSet, SourceError> {
        self.loaded().await?.query(sql).await
    }

    async fn stream(&self, sql: &str, sink: Box<dyn RowSink>) -> Result<(), SourceError> {
        self.loaded().await?.stream(sql, sink).await
    }

    fn concurrency(&self) -> usize {
        self.settings.concurrency
    }
}

/// Reads the file into a new temporary SQLite file.
fn load(spec: &FileSpec, settings: Settings) -> Result<Loaded, SourceError> {
    let fail = |message: String| {
        SourceError::config(
            &spec.name,
            format!(
                "cannot load {} ({}): {message}",
                spec.written,
                spec.path.display()
            ),
        )
    };
    let bytes = std::fs::read(&spec.path).map_err(|e| fail(e.to_string()))?;
    let dir = tempfile::Builder::new()
        .prefix("visivo-file-source-")
        .tempdir()
        .map_err(|e| fail(format!("cannot make a temporary folder: {e}")))?;
    let database = dir.path().join("rows.sqlite");
    let (mut writer, _rows) = if spec.workbook && is_workbook(&bytes) {
        load_workbook(bytes, spec, &database)
    } else {
        let text = spec.encoding.decode(bytes).map_err(&fail)?;
        load_csv(text.as_bytes(), spec.layout, &database, &spec.name)
    }
    .map_err(&fail)?;
    writer.commit().map_err(|e| fail(e.to_string()))?;
    Ok(Loaded {
        sqlite: InProcess(SqliteSource::over_file(settings, database)),
        _dir: dir,
    })
}

/// Whether the bytes are a zip archive (xlsx, xlsm, xlsb, ods) or an OLE compound file (xls).
fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// Reads one sheet of a workbook into `table`, the first row naming the columns unless
/// `has_header` is false.
fn load_workbook(
    bytes: Vec<u8>,
    spec: &FileSpec,
    target: &Path,
) -> Result<(crate::materialize::SqliteTableWriter, usize), String> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("not a readable workbook: {e}"))?;
    let names = workbook.sheet_names();
    let sheet = match &spec.sheet {
        Some(sheet) if names.contains(sheet) => sheet.clone(),
        Some(sheet) => {
            return Err(format!(
                "the workbook has no sheet '{sheet}'; its sheets: {}",
                names.join(", ")
            ))
        }
        None => names.first().cloned().ok_or("the workbook has no sheet")?,
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| format!("cannot read sheet '{sheet}': {e}"))?;
    let mut rows = range.rows();
    let first: Vec<String> = rows
        .next()
        .ok_or_else(|| format!("sheet '{sheet}' is empty"))?
        .iter()
        .map(cell_text)
        .collect();
    let header = if spec.layout.has_header {
        first
            .iter()
            .zip(numbered_columns(first.len()))
            .map(|(name, numbered)| {
                if name.is_empty() {
                    numbered
                } else {
                    name.clone()
                }
            })
            .collect()
    } else {
        numbered_columns(first.len())
    };
    let mut table = TextTable::create(target, &spec.name, &header)?;
    if !spec.layout.has_header {
        table.push(first.iter().map(String::as_str))?;
    }
    for row in rows {
        let fields: Vec<String> = row.iter().map(cell_text).collect();
        table.push(fields.iter().map(String::as_str))?;
    }
    table.finish()
}

/// A cell as the text a CSV export of it would hold: whole numbers without a fraction, booleans
/// as 1 and 0 (SQLite's TRUE and FALSE), dates as `YYYY-MM-DD` (with ` HH:MM:SS` when not
/// midnight), error cells as Excel shows them (`#DIV/0!`), empty cells empty (NULL).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => u8::from(*b).to_string(),
        Data::Error(e) => e.to_string(),
        Data::DateTime(moment) if moment.is_duration() => moment
            .as_duration()
            .map(|d| {
                let seconds = d.num_seconds();
                format!(
                    "{:02}:{:02}:{:02}",
                    seconds / 3600,
                    seconds % 3600 / 60,
                    seconds % 60
                )
            })
            .unwrap_or_else(|| float_text(moment.as_f64())),
        Data::DateTime(moment) => moment
            .as_datetime()
            .map(|t| {
                if t.time() == chrono::NaiveTime::MIN {
                    t.format("%Y-%m-%d").to_string()
                } else {
                    t.format("%Y-%m-%d %H:%M:%S").to_string()
                }
            })
            .unwrap_or_else(|| float_text(moment.as_f64())),
    }
}

/// Excel keeps every number as a double: whole ones are written without `.0`, so a column of
/// them is an integer column.
fn float_text(f: f64) -> String {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if f.fract() == 0.0 && f.abs() < EXACT {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Cell;

    #[test]
    fn cells_read_as_a_csv_export_would_hold_them() {
        assert_eq!(cell_text(&Data::Float(3.0)), "3");
        assert_eq!(cell_text(&Data::Float(-2.5)), "-2.5");
        assert_eq!(cell_text(&Data::Float(0.1)), "0.1");
        assert_eq!(cell_text(&Data::Bool(true)), "1");
        assert_eq!(cell_text(&Data::Empty), "");
        assert_eq!(
            cell_text(&Data::Error(calamine::CellErrorType::Div0)),
            "#DIV/0!"
        );
    }

    fn spec(path: &Path, workbook: bool) -> FileSpec {
        FileSpec {
            name: "sales".into(),
            written: "sales.x".into(),
            path: path.to_path_buf(),
            layout: CsvLayout::default(),
            encoding: TextEncoding::Utf8,
            workbook,
            sheet: None,
        }
    }

    fn settings() -> Settings {
        Settings {
            name: "sales".into(),
            query_timeout: None,
            concurrency: 2,
            cancel: Default::default(),
        }
    }

    #[tokio::test]
    async fn an_xls_source_holding_csv_text_is_read_as_csv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sales.xls");
        std::fs::write(&path, "region,amount\neast,3\n").unwrap();
        let loaded = load(&spec(&path, true), settings()).unwrap();
        let result = loaded
            .sqlite
            .query("select region, amount from sales")
            .await
            .unwrap();
        assert_eq!(
            result.rows,
            vec![vec![Cell::Text("east".into()), Cell::Int(3)]]
        );
    }

    #[test]
    fn a_broken_workbook_is_reported_with_the_source_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sales.xlsx");
        std::fs::write(&path, b"PK\x03\x04 not really a zip").unwrap();
        let Err(error) = load(&spec(&path, true), settings()) else {
            panic!("loaded a broken workbook")
        };
        let error = error.to_string();
        assert!(
            error.starts_with("source 'sales': cannot load sales.x (")
                && error.contains("not a readable workbook"),
            "{error}"
        );
    }
}
