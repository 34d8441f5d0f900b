//! Lifts inline objects out of their parents so that every object is named and referenced the
//! same way: an inline model inside a trace becomes a model of its own, and the trace's `model`
//! field becomes `ref(<that model's name>)`. Charts and tables without a selector get their
//! automatic one here, and a prop `?{expr}[i]` becomes a column of its own.

use crate::diagnostics::{Diagnostic, Report};
use crate::expr::selected_query;
use crate::load::{RawProject, SpanMap};
use crate::model::Kind;
use serde_json::{Map, Value};

/// One object of the project, still untyped, with where it came from.
#[derive(Debug, Clone)]
pub struct RawObject {
    pub kind: Kind,
    pub name: String,
    /// Path in the merged project (`traces.2.model` for an inline model) — for locations.
    pub path: String,
    pub value: Map<String, Value>,
    /// Name made up for an unnamed inline object; such objects can't be referenced.
    pub generated_name: bool,
}

pub fn lift(raw: &RawProject, report: &mut Report) -> Vec<RawObject> {
    let mut lifter = Lifter {
        objects: Vec::new(),
        report,
        spans: &raw.spans,
    };
    for kind in Kind::ALL {
        for (i, value) in raw.sections.get(&kind).into_iter().flatten().enumerate() {
            let path = format!("{}.{i}", kind.section());
            let fallback = format!("{}[{i}]", kind.section());
            lifter.lift_value(kind, value.clone(), path, fallback, None);
        }
    }
    lifter.objects
}

struct Lifter<'a> {
    objects: Vec<RawObject>,
    report: &'a mut Report,
    spans: &'a SpanMap,
}

impl Lifter<'_> {
    /// Registers an object and returns its name.
    fn lift_value(
        &mut self,
        kind: Kind,
        value: Value,
        path: String,
        fallback_name: String,
        owner: Option<&str>,
    ) -> Option<String> {
        let Value::Object(mut map) = value else {
            self.report.push(
                Diagnostic::error(format!("a {} must be a mapping of fields", kind.label()))
                    .at(self.spans.find(&path)),
            );
            return None;
        };
        self.drop_saved_path(&mut map, &path);
        let (name, generated_name) = match map.get("name") {
            Some(Value::String(name)) => (name.clone(), false),
            _ => (fallback_name, true),
        };
        match kind {
            Kind::Model => {
                if map.contains_key("args") {
                } else if map.contains_key("models") {
                    self.lift_list(&mut map, "models", Kind::Model, &path, &name);
                } else {
                    let field = if map.contains_key("target") {
                        "target"
                    } else {
                        "source"
                    };
                    self.lift_field(&mut map, field, Kind::Source, &path, &name);
                    self.lift_list(&mut map, "metrics", Kind::Metric, &path, &name);
                    self.lift_list(&mut map, "dimensions", Kind::Dimension, &path, &name);
                }
            }
            Kind::Trace => {
                self.drop_tests_saved_paths(&mut map, &path);
                self.lift_field(&mut map, "model", Kind::Model, &path, &name);
                self.lift_selected_queries(&mut map, &path);
            }
            Kind::Chart | Kind::Table => {
                self.lift_list(&mut map, "traces", Kind::Trace, &path, &name);
                self.lift_list(&mut map, "insights", Kind::Insight, &path, &name);
                if kind == Kind::Table {
                    self.lift_table_data(&mut map, &path, &name);
                }
                self.lift_owned_selector(&mut map, kind, &path, &name);
            }
            Kind::Dashboard => self.lift_items(&mut map, &path, &name),
            Kind::Selector => {
                let parent = owner.unwrap_or(&name).to_string();
                map.insert("parent_name".into(), Value::String(parent));
            }
            Kind::Alert if !map.contains_key("type") => {
                self.lift_list(&mut map, "destinations", Kind::Destination, &path, &name);
            }
            Kind::Source
            | Kind::Alert
            | Kind::Destination
            | Kind::Markdown
            | Kind::Metric
            | Kind::Dimension
            | Kind::Relation
            | Kind::Input
            | Kind::Insight => {}
        }
        let name_is_required = matches!(
            kind,
            Kind::Trace
                | Kind::Selector
                | Kind::Dashboard
                | Kind::Insight
                | Kind::Input
                | Kind::Metric
                | Kind::Dimension
        );
        if !name_is_required {
            map.entry("name")
                .or_insert_with(|| Value::String(name.clone()));
        }
        self.objects.push(RawObject {
            kind,
            name: name.clone(),
            path,
            value: map,
            generated_name,
        });
        Some(name)
    }

    fn lift_field(
        &mut self,
        map: &mut Map<String, Value>,
        field: &str,
        kind: Kind,
        parent_path: &str,
        parent: &str,
    ) {
        if let Some(slot) = map.get_mut(field) {
            let path = format!("{parent_path}.{field}");
            self.lift_slot(slot, kind, path, format!("{parent}.{field}"), None);
        }
    }

    fn lift_list(
        &mut self,
        map: &mut Map<String, Value>,
        field: &str,
        kind: Kind,
        parent_path: &str,
        parent: &str,
    ) {
        if let Some(Value::Array(items)) = map.get_mut(field) {
            for (i, slot) in items.iter_mut().enumerate() {
                let path = format!("{parent_path}.{field}.{i}");
                self.lift_slot(slot, kind, path, format!("{parent}.{field}[{i}]"), None);
            }
        }
    }

    /// Replaces an inline object in `slot` by a reference to it.
    fn lift_slot(
        &mut self,
        slot: &mut Value,
        kind: Kind,
        path: String,
        fallback: String,
        owner: Option<&str>,
    ) {
        if !slot.is_object() {
            return;
        }
        let value = slot.take();
        if let Some(name) = self.lift_value(kind, value, path, fallback, owner) {
            *slot = Value::String(format!("ref({name})"));
        }
    }

    /// A table's inline `data` (1.0.80) is an insight when it has `props` or `interactions`
    /// (as 1.0.82 tells them apart), a model otherwise.
    fn lift_table_data(&mut self, map: &mut Map<String, Value>, path: &str, table: &str) {
        let Some(slot) = map.get_mut("data") else {
            return;
        };
        let is_insight = slot
            .as_object()
            .is_some_and(|o| o.contains_key("props") || o.contains_key("interactions"));
        let kind = if is_insight {
            Kind::Insight
        } else {
            Kind::Model
        };
        let fallback = format!("{table}.data");
        self.lift_slot(slot, kind, format!("{path}.data"), fallback, None);
    }

    fn lift_owned_selector(
        &mut self,
        map: &mut Map<String, Value>,
        kind: Kind,
        path: &str,
        owner: &str,
    ) {
        let selector_path = format!("{path}.selector");
        let slot = map.entry("selector").or_insert_with(|| {
            let selector_type = if kind == Kind::Table {
                "single"
            } else {
                "multiple"
            };
            serde_json::json!({"name": format!("{owner} Selector"), "type": selector_type})
        });
        if let Value::Object(inline) = slot {
            if inline
                .get("options")
                .is_some_and(|o| o.as_array().is_some_and(|a| !a.is_empty()))
            {
                let name = inline.get("name").and_then(Value::as_str).unwrap_or("");
                self.report.push(
                    Diagnostic::error(format!(
                        "Selector '{name}' can not have options set, they are set from the parent item."
                    ))
                    .at(self.spans.find(&format!("{selector_path}.options"))),
                );
            }
        }
        self.lift_slot(
            slot,
            Kind::Selector,
            selector_path,
            format!("{owner} Selector"),
            Some(owner),
        );
    }

    /// Every object may say where it was saved from (`path:`, 1.0.34); nothing here uses it.
    fn drop_saved_path(&mut self, map: &mut Map<String, Value>, object_path: &str) {
        if map.remove("path").is_some_and(|saved| !saved.is_string()) {
            self.report.push(
                Diagnostic::error("`path` must be a text (where the object was saved from)")
                    .at(self.spans.find(&format!("{object_path}.path"))),
            );
        }
    }

    /// 1.0.82 saves a `path` on each trace test too.
    fn drop_tests_saved_paths(&mut self, map: &mut Map<String, Value>, trace_path: &str) {
        if let Some(Value::Array(tests)) = map.get_mut("tests") {
            for (i, test) in tests.iter_mut().enumerate() {
                if let Value::Object(test) = test {
                    self.drop_saved_path(test, &format!("{trace_path}.tests.{i}"));
                }
            }
        }
    }

    /// A prop `?{expr}[i]` or `?{expr}[a:b]` (1.0.82, which ignored the selection) becomes a
    /// column `expr` read as `column(<name>)[i]`, which the viewer indexes and slices. Any other
    /// selection, or one in a field that is plain SQL, is a located error.
    fn lift_selected_queries(&mut self, map: &mut Map<String, Value>, path: &str) {
        let mut taken: Vec<String> = match map.get("columns") {
            Some(Value::Object(columns)) => columns.keys().cloned().collect(),
            Some(_) => return,
            None => Vec::new(),
        };
        let mut lifted = Map::new();
        let mut problems = Vec::new();
        if let Some(props) = map.get_mut("props") {
            rewrite_strings(props, "props", &mut |at, text| {
                let selected = selected_query(text)?;
                if !selected.is_supported() {
                    problems.push((at.to_string(), unsupported_selection(&selected.selection)));
                    // Reported once: the prop is a query as far as later checks go.
                    return Some(selected.query);
                }
                let column = unused_name(at.replace('.', "_"), &taken);
                taken.push(column.clone());
                lifted.insert(column.clone(), Value::String(selected.query));
                Some(format!("column({column}){}", selected.selection))
            });
        }
        for field in ["columns", "cohort_on", "order_by", "filters"] {
            if let Some(value) = map.get_mut(field) {
                rewrite_strings(value, field, &mut |at, text| {
                    if selected_query(text).is_some() {
                        problems.push((at.to_string(), "an index or slice after `?{…}` only works in `props`; in this field the expression is SQL".to_string()));
                    }
                    None
                });
            }
        }
        for (at, message) in problems {
            self.report
                .push(Diagnostic::error(message).at(self.spans.find(&format!("{path}.{at}"))));
        }
        if !lifted.is_empty() {
            if let Value::Object(columns) = map
                .entry("columns")
                .or_insert_with(|| Value::Object(Map::new()))
            {
                columns.extend(lifted);
            }
        }
    }

    fn lift_items(&mut self, map: &mut Map<String, Value>, path: &str, dashboard: &str) {
        let Some(Value::Array(rows)) = map.get_mut("rows") else {
            return;
        };
        for (r, row) in rows.iter_mut().enumerate() {
            if let Value::Object(row) = row {
                self.drop_saved_path(row, &format!("{path}.rows.{r}"));
            }
            let Some(Value::Array(items)) = row.get_mut("items") else {
                continue;
            };
            for (i, item) in items.iter_mut().enumerate() {
                if let Value::Object(item) = item {
                    self.drop_saved_path(item, &format!("{path}.rows.{r}.items.{i}"));
                }
                for (field, kind) in [
                    ("chart", Kind::Chart),
                    ("table", Kind::Table),
                    ("selector", Kind::Selector),
                    ("markdown", Kind::Markdown),
                    ("input", Kind::Input),
                ] {
                    if let Some(slot) = item.get_mut(field) {
                        let item_path = format!("{path}.rows.{r}.items.{i}.{field}");
                        let fallback = format!("{dashboard} row {} item {} {field}", r + 1, i + 1);
                        self.lift_slot(slot, kind, item_path, fallback, None);
                    }
                }
            }
        }
    }
}

fn unsupported_selection(selection: &str) -> String {
    format!(
        "`{selection}` can't follow `?{{…}}`: only an index `[N]` or a slice `[a:b]` can, as after `column(…)`"
    )
}

/// `wanted`, or `wanted_2`, `wanted_3`… if that is taken.
fn unused_name(wanted: String, taken: &[String]) -> String {
    let free = |name: &String| !taken.contains(name);
    std::iter::once(wanted.clone())
        .chain((2..).map(|i| format!("{wanted}_{i}")))
        .find(free)
        .unwrap_or(wanted)
}

/// Calls `rewrite` on every string below `value` with its dotted path; a `Some` replaces it.
fn rewrite_strings(
    value: &mut Value,
    path: &str,
    rewrite: &mut impl FnMut(&str, &str) -> Option<String>,
) {
    match value {
        Value::String(text) => {
            if let Some(new) = rewrite(path, text) {
                *text = new;
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                rewrite_strings(item, &format!("{path}.{i}"), rewrite);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                rewrite_strings(item, &format!("{path}.{key}"), rewrite);
            }
        }
        _ => {}
    }
}
