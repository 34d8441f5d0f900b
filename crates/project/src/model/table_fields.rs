//! A table's `columns`, `rows` and `values` (1.0.80): a selection of one trace's columns, or a
//! pivot, every field resolved to a key of that trace's data.

use super::{ColumnDef, Table, TableColumn};
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// The aggregations a pivot value may use.
pub const PIVOT_AGGREGATES: [&str; 5] = ["sum", "avg", "count", "min", "max"];

/// What a table's `columns`, `rows` and `values` describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableFields {
    /// `columns` with `rows` and `values`.
    Pivot(Pivot),
    /// `columns` alone: the columns shown for one trace, as a `column_defs` entry would.
    Selection(ColumnDef),
}

/// A table's pivot with every field resolved to a key of its trace's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pivot {
    /// The trace whose data is pivoted.
    pub trace: String,
    /// Data keys whose distinct values become columns.
    pub columns: Vec<String>,
    /// Data keys whose distinct combinations become rows.
    pub rows: Vec<String>,
    /// The aggregated values: one cell per value under each column.
    pub values: Vec<PivotValue>,
}

/// One aggregated value of a [`Pivot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PivotValue {
    /// One of [`PIVOT_AGGREGATES`].
    pub aggregate: String,
    /// Data key aggregated into each cell.
    pub key: String,
}

/// A mistake in a table's fields: the field (`rows.0`, `values.1`) and what is wrong.
pub type FieldError = (String, String);

impl Table {
    /// The pivot or column selection its `columns`, `rows` and `values` (or `value`) describe;
    /// `None` when none is set.
    pub fn fields(&self) -> Result<Option<TableFields>, FieldError> {
        let values = self.pivot_values()?;
        let mut reader = FieldReader {
            traces: &self.traces,
            trace: None,
        };
        match (&self.columns, &self.rows, values) {
            (None, None, None) => Ok(None),
            (Some(columns), None, None) => self.selection(columns, reader).map(Some),
            (Some(columns), Some(rows), Some((name, values))) => {
                let columns = reader.keys(columns, "columns")?;
                let rows = reader.keys(rows, "rows")?;
                let values = nonempty(values, name)?
                    .iter()
                    .enumerate()
                    .map(|(i, text)| reader.value(value_path(name, i), text))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Some(TableFields::Pivot(Pivot {
                    trace: reader.trace.unwrap_or_default(),
                    columns,
                    rows,
                    values,
                })))
            }
            (_, Some(_), None) => Err((
                "rows".into(),
                "`rows` and `values` go together: `values` is missing".into(),
            )),
            (_, None, Some((name, _))) => Err((
                name.into(),
                format!("`rows` and `{name}` go together: `rows` is missing"),
            )),
            (None, Some(_), Some(_)) => Err((
                "rows".into(),
                "a pivot needs `columns` too: the fields whose values become its columns".into(),
            )),
        }
    }

    /// `values`, or `value` as one value, with the field's name; both set is a mistake.
    fn pivot_values(&self) -> Result<Option<(&'static str, &[String])>, FieldError> {
        match (&self.values, &self.value) {
            (Some(_), Some(_)) => Err((
                "value".into(),
                "`value` and `values` can't both be set: list every aggregation in `values`".into(),
            )),
            (Some(values), None) => Ok(Some(("values", values))),
            (None, Some(value)) => Ok(Some(("value", std::slice::from_ref(value)))),
            (None, None) => Ok(None),
        }
    }

    /// `columns` alone: `${ref(trace).key}`, or `${ref(trace).key} as Heading`.
    fn selection(
        &self,
        columns: &[String],
        mut reader: FieldReader,
    ) -> Result<TableFields, FieldError> {
        if self.column_defs.is_some() {
            return Err((
                "columns".into(),
                "`columns` and `column_defs` both choose the columns shown: keep `columns`".into(),
            ));
        }
        let columns = nonempty(columns, "columns")?
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let (field, header) = split_heading(text);
                let key = reader.key(format!("columns.{i}"), field)?;
                Ok(TableColumn { header, key })
            })
            .collect::<Result<Vec<_>, FieldError>>()?;
        Ok(TableFields::Selection(ColumnDef {
            trace_name: reader.trace.unwrap_or_default(),
            columns,
        }))
    }
}

/// Where the `i`th value is written: `values.1`, or `value` for the single-value spelling.
fn value_path(name: &str, i: usize) -> String {
    if name == "value" {
        name.into()
    } else {
        format!("{name}.{i}")
    }
}

fn nonempty<'a>(texts: &'a [String], name: &str) -> Result<&'a [String], FieldError> {
    if texts.is_empty() {
        return Err((name.into(), format!("`{name}` needs at least one field")));
    }
    Ok(texts)
}

/// `${ref(t).key} as Heading` into the field and the heading, unquoted (1.0.82's renaming).
fn split_heading(text: &str) -> (&str, Option<String>) {
    static HEADING: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?is)^(.*\})\s+as\s+(.+?)\s*$").expect("valid regex"));
    match HEADING.captures(text) {
        Some(caps) => {
            let field = caps.get(1).map_or(text, |m| m.as_str());
            (field, Some(crate::expr::unquote(&caps[2]).to_string()))
        }
        None => (text, None),
    }
}

/// Reads `${ref(trace).key}` fields, which must all name the same one of the table's traces.
struct FieldReader<'a> {
    traces: &'a [String],
    trace: Option<String>,
}

impl FieldReader<'_> {
    fn key(&mut self, path: String, text: &str) -> Result<String, FieldError> {
        let reference = crate::expr::parse_reference(text);
        let Some((name, key)) = reference.and_then(|r| Some((r.name, r.field?))) else {
            return Err((path, format!("'{text}' is not a table field: write `${{ref(<trace>).<key>}}`, e.g. `${{ref(sales).columns.region}}`")));
        };
        if !self.traces.contains(&name) {
            return Err((
                path,
                format!("field '{text}' names trace '{name}', which is not in this table's traces"),
            ));
        }
        match &self.trace {
            Some(first) if *first != name => Err((
                path,
                format!("a table's fields must all come from one trace: '{first}' and '{name}'"),
            )),
            _ => {
                self.trace = Some(name);
                Ok(key)
            }
        }
    }

    fn keys(&mut self, texts: &[String], name: &str) -> Result<Vec<String>, FieldError> {
        nonempty(texts, name)?
            .iter()
            .enumerate()
            .map(|(i, text)| self.key(format!("{name}.{i}"), text))
            .collect()
    }

    /// `sum(${ref(t).key})`.
    fn value(&mut self, path: String, text: &str) -> Result<PivotValue, FieldError> {
        let Some((aggregate, inner)) = text
            .trim()
            .strip_suffix(')')
            .and_then(|v| v.split_once('('))
            .map(|(agg, inner)| (agg.trim().to_ascii_lowercase(), inner))
            .filter(|(agg, _)| PIVOT_AGGREGATES.contains(&agg.as_str()))
        else {
            return Err((
                path,
                format!("'{text}' is not a pivot value: write `<aggregate>(${{ref(<trace>).<key>}})` with one of {}", PIVOT_AGGREGATES.join(", ")),
            ));
        };
        let key = self.key(path, inner)?;
        Ok(PivotValue { aggregate, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// A table of traces `t` and `u` with `fields` added.
    fn fields(fields: Value) -> Result<Option<TableFields>, FieldError> {
        let mut table = json!({"traces": ["t", "u"]});
        table
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        serde_json::from_value::<Table>(table)
            .expect("a table")
            .fields()
    }

    /// A pivot of `${ref(t).columns.region}` by `${ref(t).columns.product}` with `more`.
    fn pivot(more: Value) -> Result<Option<TableFields>, FieldError> {
        let mut table = json!({
            "columns": ["${ref(t).columns.region}"],
            "rows": ["${ref(t).columns.product}"],
        });
        table
            .as_object_mut()
            .unwrap()
            .extend(more.as_object().unwrap().clone());
        fields(table)
    }

    fn value(aggregate: &str, key: &str) -> PivotValue {
        PivotValue {
            aggregate: aggregate.into(),
            key: key.into(),
        }
    }

    const Y: &str = "sum(${ref(t).props.y})";

    #[test]
    fn values_make_a_pivot_with_one_cell_per_value() {
        let values = json!({"values": [Y, " AVG( ${ref(t).props.x} )"]});
        assert_eq!(
            pivot(values),
            Ok(Some(TableFields::Pivot(Pivot {
                trace: "t".into(),
                columns: vec!["columns.region".into()],
                rows: vec!["columns.product".into()],
                values: vec![value("sum", "props.y"), value("avg", "props.x")],
            })))
        );
    }

    #[test]
    fn value_is_one_value() {
        let Ok(Some(TableFields::Pivot(pivot))) =
            pivot(json!({"value": "count(${ref(t).props.y})"}))
        else {
            panic!("a pivot")
        };
        assert_eq!(pivot.values, [value("count", "props.y")]);
    }

    #[test]
    fn columns_alone_select_and_rename() {
        let columns = json!({"columns": [
            "${ref(t).props.y}",
            "${ref(t).columns.region} as Region",
            "${ref(t).props.x}  AS \"Total Revenue\"",
        ]});
        let column = |key: &str, header: Option<&str>| TableColumn {
            key: key.into(),
            header: header.map(Into::into),
        };
        assert_eq!(
            fields(columns),
            Ok(Some(TableFields::Selection(ColumnDef {
                trace_name: "t".into(),
                columns: vec![
                    column("props.y", None),
                    column("columns.region", Some("Region")),
                    column("props.x", Some("Total Revenue")),
                ],
            })))
        );
    }

    #[test]
    fn pivot_mistakes_name_their_field() {
        let cases = [
            (
                json!({"value": Y, "values": [Y]}),
                "value",
                "can't both be set",
            ),
            (json!({}), "rows", "`values` is missing"),
            (json!({"values": []}), "values", "needs at least one field"),
            (
                json!({"values": [Y, "median(${ref(t).a})"]}),
                "values.1",
                "is not a pivot value",
            ),
            (
                json!({"values": ["sum(${ref(u).a})"]}),
                "values.0",
                "one trace: 't' and 'u'",
            ),
            (
                json!({"value": "sum(y)"}),
                "value",
                "'y' is not a table field",
            ),
            (json!({"rows": []}), "rows", "`values` is missing"),
        ];
        for (more, field, message) in cases {
            let (at, text) = pivot(more.clone()).expect_err("a mistake");
            assert_eq!(at, field, "{more}");
            assert!(text.contains(message), "{more}: {text}");
        }
    }

    #[test]
    fn other_mistakes_name_their_field() {
        let cases = [
            (
                json!({"columns": ["${ref(t).a}"], "values": [Y]}),
                "values",
                "`rows` is missing",
            ),
            (
                json!({"rows": ["${ref(t).a}"], "value": Y}),
                "rows",
                "needs `columns` too",
            ),
            (
                json!({"columns": ["${ref(t).a}", "region"]}),
                "columns.1",
                "'region' is not a table field",
            ),
            (
                json!({"columns": ["${ref(v).a} as A"]}),
                "columns.0",
                "names trace 'v'",
            ),
            (
                json!({"columns": []}),
                "columns",
                "needs at least one field",
            ),
            (
                json!({"columns": ["${ref(t).a}"], "column_defs": [{"trace_name": "t", "columns": [{"key": "a"}]}]}),
                "columns",
                "both choose the columns",
            ),
        ];
        for (table, field, message) in cases {
            let (at, text) = fields(table.clone()).expect_err("a mistake");
            assert_eq!(at, field, "{table}");
            assert!(text.contains(message), "{table}: {text}");
        }
    }

    #[test]
    fn a_table_without_them_has_none() {
        assert_eq!(fields(json!({"rows_per_page": 5})), Ok(None));
    }
}
