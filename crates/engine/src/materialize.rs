//! Writing rows into a table of a SQLite file: the output of CSV-script models, and the copies
//! of models that local merges join. The file is built under a temporary name and renamed into
//! place only when complete.

use crate::source::{RowSink, SinkError};
use crate::value::Cell;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

pub struct SqliteTableWriter {
    target: PathBuf,
    temp: PathBuf,
    table: String,
    connection: Option<Connection>,
    insert_sql: String,
}

/// What a writer used after [`SqliteTableWriter::commit`] says.
const FINISHED: &str = "writer already finished";

pub fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

impl SqliteTableWriter {
    pub fn create(target: &Path, table: &str) -> Result<Self, SinkError> {
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let temp = target.with_extension(format!("sqlite.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&temp);
        let connection = Connection::open(&temp)?;
        connection.execute_batch("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;")?;
        Ok(SqliteTableWriter {
            target: target.to_path_buf(),
            temp,
            table: table.to_string(),
            connection: Some(connection),
            insert_sql: String::new(),
        })
    }

    pub fn connection(&self) -> Result<&Connection, SinkError> {
        self.connection
            .as_ref()
            .ok_or(SinkError::Incomplete(FINISHED))
    }

    /// Creates the table with the given column declarations (`"name" TYPE` or just `"name"`).
    pub fn create_table(
        &mut self,
        table: &str,
        declarations: &[String],
    ) -> Result<String, SinkError> {
        let sql = format!(
            "CREATE TABLE {} ({})",
            quote(table),
            declarations.join(", ")
        );
        self.connection()?.execute_batch(&sql)?;
        let placeholders = vec!["?"; declarations.len().max(1)].join(", ");
        Ok(format!(
            "INSERT INTO {} VALUES ({placeholders})",
            quote(table)
        ))
    }

    pub fn insert(&self, insert_sql: &str, rows: &[Vec<Cell>]) -> Result<(), SinkError> {
        let mut statement = self.connection()?.prepare_cached(insert_sql)?;
        for row in rows {
            statement.execute(rusqlite::params_from_iter(row.iter()))?;
        }
        Ok(())
    }

    /// Completes the file and renames it into place; on failure the temporary file is removed
    /// here, as `Drop` no longer sees a connection.
    pub fn commit(&mut self) -> Result<(), SinkError> {
        let connection = self
            .connection
            .take()
            .ok_or(SinkError::Incomplete(FINISHED))?;
        let result = connection
            .execute_batch("COMMIT;")
            .map_err(SinkError::from)
            .and_then(|_| connection.close().map_err(|(_, e)| e.into()))
            .and_then(|_| Ok(std::fs::rename(&self.temp, &self.target)?));
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        result
    }
}

impl Drop for SqliteTableWriter {
    fn drop(&mut self) {
        if self.connection.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

impl RowSink for SqliteTableWriter {
    fn columns(&mut self, columns: &[String]) -> Result<(), SinkError> {
        let declarations: Vec<String> = unique_names(columns).iter().map(|c| quote(c)).collect();
        let table = self.table.clone();
        self.insert_sql = self.create_table(&table, &declarations)?;
        Ok(())
    }

    fn rows(&mut self, rows: Vec<Vec<Cell>>) -> Result<(), SinkError> {
        self.insert(&self.insert_sql, &rows)
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.commit()
    }
}

/// Column names made unique the way pandas does it (`a`, `a.1`, `a.2`).
pub fn unique_names(columns: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(columns.len());
    for column in columns {
        let mut name = column.clone();
        let mut n = 1;
        while out.contains(&name) {
            name = format!("{column}.{n}");
            n += 1;
        }
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_commit_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("m.sqlite");
        // A folder where the file should go (a trace named `m.sqlite`) makes the rename fail.
        std::fs::create_dir(&target).unwrap();
        let mut writer = SqliteTableWriter::create(&target, "m").unwrap();
        writer.columns(&["a".to_string()]).unwrap();
        assert!(writer.finish().is_err());
        drop(writer);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["m.sqlite"]);
    }
}
