//! `data/project.json` for the viewer: the compiled `project.json` reduced to what the viewer
//! reads, wrapped as `{"created_at": ..., "project_json": ...}`.
//!
//! The viewer needs the project's name, its inputs (without their options queries) and its
//! dashboards with their charts, tables, selectors, inputs and markdown; of each trace only
//! `name` and `props`. Everything else the compiled file carries (sources with host and user
//! names, models with their SQL, filters, order_by, columns, alerts with webhook URLs) stays on
//! the machine.

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::time::SystemTime;

/// Top-level keys the viewer reads.
const PROJECT_KEYS: [&str; 4] = ["name", "cli_version", "dashboards", "inputs"];
/// Keys of a trace object the viewer reads.
const TRACE_KEYS: [&str; 2] = ["name", "props"];
/// Keys of an input the viewer reads; `options` only when they are a list (an options query is
/// SQL: the run lists its options in `inputs.json`).
const INPUT_KEYS: [&str; 5] = ["name", "type", "options", "range", "display"];

/// The project as the viewer sees it; with `dashboard`, only that dashboard when it exists
/// (an unknown name keeps them all rather than failing).
pub fn viewer_project(compiled: &Value, dashboard: Option<&str>) -> Value {
    let mut project = Map::new();
    if let Some(map) = compiled.as_object() {
        for key in PROJECT_KEYS {
            if let Some(v) = map.get(key) {
                project.insert(key.to_string(), v.clone());
            }
        }
    }
    if let Some(Value::Array(inputs)) = project.get_mut("inputs") {
        for input in inputs.iter_mut().filter_map(Value::as_object_mut) {
            input.retain(|k, v| {
                INPUT_KEYS.contains(&k.as_str()) && (k != "options" || v.is_array())
            });
        }
    }
    let mut project = Value::Object(project);
    for_each_trace(&mut project, |trace| {
        trace.retain(|k, _| TRACE_KEYS.contains(&k.as_str()))
    });
    if let (Some(name), Some(Value::Array(dashboards))) = (dashboard, project.get_mut("dashboards"))
    {
        if dashboards
            .iter()
            .any(|d| d.get("name").and_then(Value::as_str) == Some(name))
        {
            dashboards.retain(|d| d.get("name").and_then(Value::as_str) == Some(name));
        }
    }
    project
}

/// `{"created_at": "...", "project_json": {...}}`.
pub fn wrapper(project: Value, created_at: SystemTime) -> Value {
    let mut map = Map::new();
    map.insert("created_at".into(), Value::String(local_iso(created_at)));
    map.insert("project_json".into(), project);
    Value::Object(map)
}

/// Local time without zone, like Python's `datetime.now().isoformat()`.
pub fn local_iso(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(time)
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string()
}

/// Names of the traces shown anywhere on the dashboards (charts, tables, selector options).
pub fn trace_names(project: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut project = project.clone();
    for_each_trace(&mut project, |trace| {
        if let Some(name) = trace.get("name").and_then(Value::as_str) {
            names.insert(name.to_string());
        }
    });
    names
}

/// Calls `f` on every trace object: `dashboards[].rows[].items[].{chart,table,selector}` →
/// `traces[]`, `options[]`, and the same inside their `selector`.
fn for_each_trace(project: &mut Value, mut f: impl FnMut(&mut Map<String, Value>)) {
    let Some(Value::Array(dashboards)) = project.get_mut("dashboards") else {
        return;
    };
    for dashboard in dashboards {
        let Some(Value::Array(rows)) = dashboard.get_mut("rows") else {
            continue;
        };
        for row in rows {
            let Some(Value::Array(items)) = row.get_mut("items") else {
                continue;
            };
            for item in items {
                for kind in ["chart", "table", "selector"] {
                    if let Some(component) = item.get_mut(kind) {
                        component_traces(component, &mut f);
                    }
                }
            }
        }
    }
}

/// A selector option naming a row, item, chart or table (which the selector shows and hides)
/// rather than a trace.
fn is_dashboard_part(option: &Map<String, Value>) -> bool {
    let kind = option.get("type").and_then(Value::as_str);
    matches!(kind, Some("row" | "item" | "chart" | "table"))
}

fn component_traces(component: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    let Some(map) = component.as_object_mut() else {
        return;
    };
    for key in ["traces", "options"] {
        if let Some(Value::Array(list)) = map.get_mut(key) {
            for trace in list.iter_mut().filter_map(Value::as_object_mut) {
                if !is_dashboard_part(trace) {
                    f(trace);
                }
            }
        }
    }
    if let Some(selector) = map.get_mut("selector") {
        component_traces(selector, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compiled() -> Value {
        let trace = json!({"name": "t1", "changed": true,
            "model": {"name": "m", "sql": "select * from secret_table",
                      "source": {"name": "db", "host": "db.internal", "password": "**********"}},
            "cohort_on": "region", "filters": ["query(x > 1)"], "columns": {"u": "sum(units)"},
            "props": {"type": "bar", "x": "query(month)"}});
        json!({"name": "p", "defaults": {"source_name": "db"}, "cli_version": "1.0.30",
            "inputs": [
              {"name": "region", "type": "single-select", "options": "?{ SELECT region FROM secret_regions }",
               "display": {"type": "tabs"}, "model": "secret_model"},
              {"name": "kinds", "type": "multi-select", "options": ["a", "b"]}],
            "alerts": [{"name": "a", "webhook": "https://hooks.example/x"}],
            "sources": [], "models": [], "traces": [],
            "dashboards": [
              {"name": "One", "rows": [{"height": "medium", "items": [
                {"width": 1, "chart": {"name": "c", "traces": [trace.clone()],
                  "selector": {"name": "s", "type": "multiple", "options": [trace.clone()], "parent_name": "c"},
                  "layout": {"title": {"text": "T"}}, "on_click": {"set": {"region": "x"}, "dashboard": "Two"}}},
                {"markdown": "# hi"},
                {"input": "region"},
                {"table": {"name": "tb", "traces": [{"name": "t2", "props": {}}], "column_defs": []}}]}]},
              {"name": "Two", "rows": [{"items": [{"selector": {"name": "sel", "options": [{"name": "t3"}]}}]}]}]})
    }

    #[test]
    fn keeps_only_what_the_viewer_reads() {
        let p = viewer_project(&compiled(), None);
        let text = p.to_string();
        for secret in [
            "secret_table",
            "secret_regions",
            "secret_model",
            "db.internal",
            "hooks.example",
            "sum(units)",
            "x > 1",
            "source_name",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        let chart = &p["dashboards"][0]["rows"][0]["items"][0]["chart"];
        assert_eq!(
            chart["traces"][0],
            json!({"name": "t1", "props": {"type": "bar", "x": "query(month)"}})
        );
        assert_eq!(chart["selector"]["options"][0]["name"], "t1");
        assert_eq!(chart["layout"]["title"]["text"], "T");
        assert_eq!(
            chart["on_click"],
            json!({"set": {"region": "x"}, "dashboard": "Two"})
        );
        assert_eq!(p["dashboards"][0]["rows"][0]["items"][2]["input"], "region");
        assert_eq!(
            p["dashboards"][0]["rows"][0]["items"][1]["markdown"],
            "# hi"
        );
        assert_eq!(p["name"], "p");
        assert_eq!(
            p["inputs"],
            json!([
                {"name": "region", "type": "single-select", "display": {"type": "tabs"}},
                {"name": "kinds", "type": "multi-select", "options": ["a", "b"]}
            ])
        );
    }

    #[test]
    fn name_filter_keeps_one_dashboard_or_all() {
        let one = viewer_project(&compiled(), Some("Two"));
        assert_eq!(one["dashboards"].as_array().unwrap().len(), 1);
        assert_eq!(one["dashboards"][0]["name"], "Two");
        let all = viewer_project(&compiled(), Some("t1"));
        assert_eq!(all["dashboards"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn trace_names_from_every_component() {
        let names = trace_names(&viewer_project(&compiled(), None));
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["t1", "t2", "t3"]);
    }

    #[test]
    fn a_selector_over_dashboard_parts_keeps_their_kinds_and_names_no_trace() {
        let parts = json!([{"name": "r", "type": "row"}, {"name": "i", "type": "item"}]);
        let compiled = json!({"dashboards": [{"name": "D", "rows": [
            {"name": "r", "items": [{"name": "i", "selector": {"name": "s", "options": parts}}]}]}]});
        let p = viewer_project(&compiled, None);
        let item = &p["dashboards"][0]["rows"][0]["items"][0];
        assert_eq!(item["selector"]["options"], parts);
        assert_eq!(item["name"], "i");
        assert!(trace_names(&p).is_empty());
    }

    #[test]
    fn wrapper_shape() {
        let w = wrapper(json!({}), SystemTime::UNIX_EPOCH);
        let keys: Vec<&String> = w.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["created_at", "project_json"]);
        assert_eq!(
            w["created_at"].as_str().unwrap().len(),
            "1970-01-01T00:00:00.000000".len()
        );
    }
}
