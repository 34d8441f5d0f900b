//! Query results in a database-neutral form.

/// One value of a result row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// SQL NULL (`null` in `data.json`).
    Null,
    /// An integer column's value.
    Int(i64),
    /// A floating-point value; NaN and infinity become `null` in `data.json`.
    Float(f64),
    /// Exact decimals that don't fit a double without loss, and other values kept as text.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// JSON values (PostgreSQL json/jsonb, arrays) pass through as they are.
    Json(serde_json::Value),
}

/// A query's whole result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultSet {
    /// Column names, in SELECT order.
    pub columns: Vec<String>,
    /// Rows, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

impl ResultSet {
    /// JSON row objects as a result: the columns are every key, in the order first seen; a row
    /// without one of them has NULL there.
    pub fn from_json_rows(rows: &[serde_json::Map<String, serde_json::Value>]) -> ResultSet {
        let mut columns: Vec<String> = Vec::new();
        for key in rows.iter().flat_map(|row| row.keys()) {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
        let rows = rows
            .iter()
            .map(|row| {
                let cell = |column: &String| row.get(column).map_or(Cell::Null, Cell::from);
                columns.iter().map(cell).collect()
            })
            .collect();
        ResultSet { columns, rows }
    }
}

/// Numbers are integers when they fit an `i64`; arrays and objects stay JSON.
impl From<&serde_json::Value> for Cell {
    fn from(value: &serde_json::Value) -> Self {
        use serde_json::Value;
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
}

impl From<rusqlite::types::ValueRef<'_>> for Cell {
    fn from(value: rusqlite::types::ValueRef<'_>) -> Self {
        use rusqlite::types::ValueRef;
        match value {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Int(i),
            ValueRef::Real(f) => Cell::Float(f),
            ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Cell::Text(blob_text(b)),
        }
    }
}

/// A blob that holds UTF-8 text is that text; any other is `\x` + lowercase hex, as the other
/// engines write bytes, so no byte is lost to a replacement character.
fn blob_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => format!("\\x{}", hex::encode(bytes)),
    }
}

impl rusqlite::ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Cell::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Cell::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Cell::Float(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Cell::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Cell::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Cell::Json(v) => ToSqlOutput::Owned(Value::Text(v.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::ValueRef;

    #[test]
    fn blobs_keep_every_byte() {
        assert_eq!(
            Cell::from(ValueRef::Blob(b"plain")),
            Cell::Text("plain".into())
        );
        assert_eq!(
            Cell::from(ValueRef::Blob(&[0x01, 0xff])),
            Cell::Text("\\x01ff".into())
        );
    }
}
