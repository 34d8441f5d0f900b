//! Trace `props` checked against plotly.js's own attribute schema (generated from its
//! plot-schema.json by scripts/gen-plotly-attributes.py, for the plotly.js version the viewer
//! ships): unknown attributes are reported with a suggestion, enumerated values are checked,
//! data arrays must be lists, `query(...)`/`?{...}` or `column(...)`. Everything plotly accepts is
//! accepted (1.0.30 rejected e.g. `visible: true` and list colorscales).

use crate::diagnostics::did_you_mean;
use crate::expr::extract_query;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;

#[derive(Deserialize)]
struct Schema {
    traces: BTreeMap<String, BTreeMap<String, Attribute>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Attribute {
    Object {
        children: BTreeMap<String, Attribute>,
    },
    Items {
        items: Box<Attribute>,
    },
    Enumerated {
        #[serde(rename = "enum")]
        values: Vec<Value>,
        #[serde(rename = "arrayOk")]
        array_ok: bool,
    },
    Leaf {
        #[serde(rename = "type")]
        value_type: String,
    },
}

static SCHEMA: LazyLock<Option<Schema>> =
    LazyLock::new(|| serde_json::from_str(include_str!("plotly_attributes.json")).ok());

/// One problem with a prop: the dotted path below `props` and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct PropProblem {
    pub path: String,
    pub message: String,
    pub help: Option<String>,
}

/// Checks `props` of a trace of `trace_type`; nothing is reported for types the schema lacks.
pub fn check_props(trace_type: &str, props: &Map<String, Value>) -> Vec<PropProblem> {
    let Some(attributes) = SCHEMA.as_ref().and_then(|s| s.traces.get(trace_type)) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (key, value) in props {
        if key == "type" || key == "name" {
            continue;
        }
        check_key(
            attributes,
            key,
            value,
            &format!("props.{key}"),
            &mut problems,
        );
    }
    problems
}

fn check_key(
    attributes: &BTreeMap<String, Attribute>,
    key: &str,
    value: &Value,
    path: &str,
    problems: &mut Vec<PropProblem>,
) {
    match attributes.get(key) {
        Some(attribute) => check_value(attribute, value, path, problems),
        None => problems.push(PropProblem {
            path: path.to_string(),
            message: format!("`{key}` is not a plotly attribute here"),
            help: did_you_mean(key, attributes.keys().map(String::as_str)),
        }),
    }
}

fn is_expression(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.contains("query(") || s.contains("column(") || extract_query(s).is_some()
    })
}

fn check_value(attribute: &Attribute, value: &Value, path: &str, problems: &mut Vec<PropProblem>) {
    if value.is_null() || is_expression(value) {
        return;
    }
    match attribute {
        Attribute::Object { children } => match value {
            Value::Object(map) => {
                for (key, v) in map {
                    check_key(children, key, v, &format!("{path}.{key}"), problems);
                }
            }
            _ => problems.push(PropProblem {
                path: path.to_string(),
                message: "expected a mapping of attributes".into(),
                help: None,
            }),
        },
        Attribute::Items { items } => match value {
            Value::Array(list) => {
                for (i, v) in list.iter().enumerate() {
                    check_value(items, v, &format!("{path}.{i}"), problems);
                }
            }
            _ => problems.push(PropProblem {
                path: path.to_string(),
                message: "expected a list".into(),
                help: None,
            }),
        },
        Attribute::Enumerated { values, array_ok } => {
            check_enumerated(values, *array_ok, value, path, problems)
        }
        Attribute::Leaf { value_type } => {
            let scalar_given_object = value.is_object() && value_type != "any";
            let data_array_not_list = value_type == "data_array" && !value.is_array();
            if scalar_given_object || data_array_not_list {
                let expected = if value_type == "data_array" {
                    "a list, `?{...}`, `query(...)` or `column(...)`".to_string()
                } else {
                    format!("a {}", value_type.replace('_', " "))
                };
                problems.push(PropProblem {
                    path: path.to_string(),
                    message: format!("expected {expected}"),
                    help: None,
                });
            }
        }
    }
}

fn check_enumerated(
    values: &[Value],
    array_ok: bool,
    value: &Value,
    path: &str,
    problems: &mut Vec<PropProblem>,
) {
    if let (Value::Array(list), true) = (value, array_ok) {
        for v in list {
            check_enumerated(values, false, v, path, problems);
        }
        return;
    }
    // Some enumerations hold patterns (`/^x([2-9]|[1-9][0-9]+)?$/`): not checked here.
    let has_pattern = values
        .iter()
        .any(|v| v.as_str().is_some_and(|s| s.starts_with('/')));
    let matches = values
        .iter()
        .any(|v| v == value || v.as_f64().is_some() && v.as_f64() == value.as_f64());
    if has_pattern || matches {
        return;
    }
    let names: Vec<String> = values
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .collect();
    let given = value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string);
    problems.push(PropProblem {
        path: path.to_string(),
        message: format!("`{given}` is not one of {}", names.join(", ")),
        help: did_you_mean(&given, names.iter().map(String::as_str)),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(trace_type: &str, props: Value) -> Vec<String> {
        check_props(trace_type, props.as_object().unwrap())
            .into_iter()
            .map(|p| {
                format!(
                    "{}: {}{}",
                    p.path,
                    p.message,
                    p.help.map(|h| format!(" ({h})")).unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn accepts_what_plotly_accepts() {
        let ok = json!({
            "x": "query(month)", "y": [1, 2], "visible": true, "orientation": "h",
            "marker": {"color": "query(c)", "colorscale": [[0, "red"], [1, "blue"]], "line": {"width": 2}},
            "error_x": {"type": "percent", "value": 5}, "text": 5, "customdata": ["query(a)"],
        });
        assert_eq!(problems("bar", ok), Vec::<String>::new());
        let indicator = json!({"mode": "number+delta", "value": "column(x)[0]", "delta": {"reference": "column(x)[-1]"}});
        assert_eq!(problems("indicator", indicator), Vec::<String>::new());
    }

    #[test]
    fn reports_unknown_attributes_and_bad_values() {
        let bad =
            json!({"marker": {"colr": "red"}, "orientation": "horizontal", "x": 5, "line": 3});
        let found = problems("scatter", bad);
        assert!(
            found.iter().any(|p| p.contains(
                "props.marker.colr: `colr` is not a plotly attribute here (did you mean `color`?)"
            )),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("props.orientation: `horizontal` is not one of v, h")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|p| p.contains("props.x: expected a list")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("props.line: expected a mapping")),
            "{found:?}"
        );
    }
}
