//! `project.json`: what the viewer needs of the project — dashboards with their charts, tables,
//! selectors and traces inlined — and nothing else: no source connection details, no model SQL,
//! no script arguments, no alert settings (1.0.30 leaked all of these to the browser).

use crate::build::Project;
use crate::expr;
use crate::model::*;
use crate::selector_option::OptionKind;
use serde_json::{json, Map, Value};

/// The viewer's `project.json`; `cli_version` is recorded in it as the producing Visivo version.
pub fn project_json(project: &Project, cli_version: &str) -> Value {
    let mut root = Map::new();
    if let Some(name) = &project.name {
        root.insert("name".into(), json!(name));
    }
    root.insert("defaults".into(), json!({}));
    root.insert("cli_version".into(), json!(cli_version));
    root.insert("includes".into(), json!([]));
    for section in [
        "alerts",
        "sources",
        "models",
        "traces",
        "tables",
        "charts",
        "selectors",
    ] {
        root.insert(section.into(), json!([]));
    }
    let dashboards: Vec<Value> = project
        .dashboards
        .values()
        .map(|d| dashboard(project, d))
        .collect();
    root.insert("dashboards".into(), Value::Array(dashboards));
    if !project.inputs.is_empty() {
        let inputs = project.inputs.iter().map(|(n, i)| input(n, i)).collect();
        root.insert("inputs".into(), Value::Array(inputs));
    }
    Value::Object(root)
}

/// An input's definition for the viewer: options only when written as a list (a query's SQL
/// stays out; its values are in `inputs.json` after a run).
fn input(name: &str, input: &Input) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(name));
    out.insert("type".into(), json!(input.input_type));
    if let Some(InputOptions::List(values)) = &input.options {
        out.insert("options".into(), json!(values));
    }
    if let Some(range) = &input.range {
        out.insert("range".into(), json!(range));
    }
    out.insert("display".into(), json!(input.display));
    Value::Object(out)
}

fn dashboard(project: &Project, d: &Dashboard) -> Value {
    let rows: Vec<Value> = d
        .rows
        .iter()
        .map(|row| {
            let items: Vec<Value> = row.items.iter().map(|i| item(project, i)).collect();
            let mut out = json!({"height": row.height, "items": items});
            if let Some(name) = &row.name {
                out["name"] = json!(name);
            }
            out
        })
        .collect();
    let mut out = Map::new();
    out.insert("name".into(), json!(d.name));
    if let Some(href) = &d.href {
        out.insert("href".into(), json!(href));
    } else {
        out.insert("rows".into(), Value::Array(rows));
    }
    if let Some(description) = &d.description {
        out.insert("description".into(), json!(description));
    }
    if !d.tags.is_empty() {
        out.insert("tags".into(), json!(d.tags));
    }
    if let Some(level) = dashboard_level(&project.defaults, d) {
        out.insert("level".into(), level);
    }
    Value::Object(out)
}

/// `{index, title, description}` of the dashboard's level: the project page groups by it.
fn dashboard_level(defaults: &Defaults, d: &Dashboard) -> Option<Value> {
    let index = defaults.level_index(d.level.as_ref()?)?;
    let level = defaults.dashboard_levels().into_iter().nth(index)?;
    Some(json!({"index": index, "title": level.title, "description": level.description}))
}

fn item(project: &Project, item: &Item) -> Value {
    let mut out = Map::new();
    if let Some(name) = &item.name {
        out.insert("name".into(), json!(name));
    }
    out.insert("width".into(), json!(item.width));
    if let Some(markdown) = &item.markdown {
        markdown_fields(project, item, markdown, &mut out);
    }
    if let Some(c) = item.chart.as_ref().and_then(|n| project.charts.get(n)) {
        out.insert("chart".into(), chart(project, c));
    }
    if let Some(t) = item.table.as_ref().and_then(|n| project.tables.get(n)) {
        out.insert("table".into(), table(project, t));
    }
    if let Some(s) = item.selector.as_ref() {
        out.insert("selector".into(), selector(project, s));
    }
    if let Some(name) = &item.input {
        out.insert("input".into(), json!(name));
    }
    Value::Object(out)
}

/// The markdown's text as `markdown`, beside its layout when that isn't the default.
fn markdown_fields(
    project: &Project,
    item: &Item,
    markdown: &ItemMarkdown,
    out: &mut Map<String, Value>,
) {
    let (content, align, justify) = match markdown {
        ItemMarkdown::Text(text) => (text.as_str(), Align::default(), Justify::default()),
        ItemMarkdown::Ref(name) => match project.markdowns.get(name) {
            Some(m) => (m.content.as_str(), m.align, m.justify),
            None => return,
        },
    };
    out.insert("markdown".into(), json!(content));
    let align = item.align.unwrap_or(align);
    if align != Align::default() {
        out.insert("align".into(), json!(align));
    }
    let justify = item.justify.unwrap_or(justify);
    if justify != Justify::default() {
        out.insert("justify".into(), json!(justify));
    }
}

fn chart(project: &Project, c: &Chart) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(c.name));
    if let Some(s) = &c.selector {
        out.insert("selector".into(), selector(project, s));
    }
    let shown = [&c.traces[..], &c.insights[..]].concat();
    out.insert("traces".into(), traces(project, &shown));
    if let Some(layout) = &c.layout {
        out.insert("layout".into(), Value::Object(layout.clone()));
    }
    if let Some(on_click) = &c.on_click {
        out.insert("on_click".into(), json!(on_click));
    }
    Value::Object(out)
}

fn table(project: &Project, t: &Table) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(t.name));
    if let Some(s) = &t.selector {
        out.insert("selector".into(), selector(project, s));
    }
    let data_insight = t.data.iter().filter(|d| project.insights.contains_key(*d));
    let shown: Vec<String> = t
        .traces
        .iter()
        .chain(&t.insights)
        .chain(data_insight)
        .cloned()
        .collect();
    out.insert("traces".into(), traces(project, &shown));
    let data_trace = t.data.as_ref().filter(|d| project.models.contains_key(*d));
    if let (Some(_), Some(name)) = (data_trace, &t.name) {
        // The trace of the model's rows is named after the table.
        out.insert("data".into(), json!(name));
    }
    if let Some(defs) = &t.column_defs {
        out.insert("column_defs".into(), json!(defs));
    }
    if let Some(rows_per_page) = t.rows_per_page {
        out.insert("rows_per_page".into(), json!(rows_per_page));
    }
    match t.fields() {
        Ok(Some(TableFields::Pivot(pivot))) => {
            out.insert("pivot".into(), json!(pivot));
        }
        Ok(Some(TableFields::Selection(def))) => {
            out.insert("column_defs".into(), json!([def]));
        }
        _ => {}
    }
    if let Some(format) = &t.format_cells {
        out.insert("format_cells".into(), json!(format));
    }
    if let Some(on_click) = &t.on_click {
        out.insert("on_click".into(), json!(on_click));
    }
    Value::Object(out)
}

fn selector(project: &Project, name: &str) -> Value {
    let Some(s) = project.selectors.get(name) else {
        return Value::Null;
    };
    let options: Vec<Value> = s
        .options
        .iter()
        .filter_map(|o| match project.option_kind(o)? {
            OptionKind::Trace => Some(trace(&project.traces[o])),
            kind => Some(json!({"name": o, "type": kind.label()})),
        })
        .collect();
    json!({
        "name": s.name,
        "type": s.selector_type,
        "options": options,
        "parent_name": s.parent_name.clone().unwrap_or_else(|| s.name.clone()),
    })
}

fn traces(project: &Project, names: &[String]) -> Value {
    names
        .iter()
        .filter_map(|n| project.traces.get(n))
        .map(trace)
        .collect()
}

fn trace(t: &Trace) -> Value {
    match t.from_insight {
        // An insight's SQL stays on the machine: its data brings every `?{…}` value.
        Some(_) => json!({"name": t.name, "changed": true, "props": without_queries(&t.props)}),
        None => json!({"name": t.name, "changed": true, "props": t.props}),
    }
}

fn without_queries(props: &Map<String, Value>) -> Map<String, Value> {
    props
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), value_without_queries(v)?)))
        .collect()
}

fn value_without_queries(value: &Value) -> Option<Value> {
    match value {
        Value::String(s)
            if expr::extract_query(s).is_some() || expr::selected_query(s).is_some() =>
        {
            None
        }
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .map(|v| value_without_queries(v).unwrap_or(Value::Null))
                .collect(),
        )),
        Value::Object(map) => Some(Value::Object(without_queries(map))),
        other => Some(other.clone()),
    }
}
