//! Untyped objects → the typed, validated [`Project`]: every object deserialised on its own (so
//! one bad object doesn't hide the errors of the others), names checked unique, references
//! resolved to names of the right kind.

use crate::diagnostics::{did_you_mean, Diagnostic, Location, Report};
use crate::expr::{parse_reference, Reference};
use crate::lift::RawObject;
use crate::load::{RawProject, SpanMap};
use crate::model::*;
use indexmap::IndexMap;
use regex::Regex;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A loaded, valid project. Every reference field holds the name of an object in these maps.
#[derive(Debug, Default)]
pub struct Project {
    /// The project's `name`; unset when the project file has none.
    pub name: Option<String>,
    /// `defaults`: default source and alert, dashboard levels.
    pub defaults: Defaults,
    /// `includes` of the project file, as written.
    pub includes: Vec<Include>,
    /// `alerts` with a `type` (the 1.0.30 form), by name.
    pub alerts: IndexMap<String, Alert>,
    /// `alerts` with `if`/`destinations` (the 1.0.44+ form), by name.
    pub conditional_alerts: IndexMap<String, ConditionalAlert>,
    /// `destinations` by name, inline destinations of alerts included.
    pub destinations: IndexMap<String, Alert>,
    /// `sources` by name.
    pub sources: IndexMap<String, Source>,
    /// `models` by name, inline models included.
    pub models: IndexMap<String, Model>,
    /// `metrics` by name, those of models included (1.0.76; expanded into insights).
    pub metrics: IndexMap<String, Metric>,
    /// `dimensions` by name, those of models included (1.0.76; expanded into insights).
    pub dimensions: IndexMap<String, Dimension>,
    /// `relations` by name (1.0.76; join the models of an insight).
    pub relations: IndexMap<String, Relation>,
    /// `inputs` by name, inline inputs of dashboard items included (docs/interactivity.md).
    pub inputs: IndexMap<String, Input>,
    /// `traces` by name, inline traces included, and one per table showing a model's `data`
    /// (named after the table; [`Trace::rows_of_model`]).
    pub traces: IndexMap<String, Trace>,
    /// `insights` by name, inline insights included (1.0.76); each is also a trace of
    /// [`Self::traces`] under its name (docs/insights.md).
    pub insights: IndexMap<String, Insight>,
    /// `charts` by name, inline charts included.
    pub charts: IndexMap<String, Chart>,
    /// `tables` by name, inline tables included.
    pub tables: IndexMap<String, Table>,
    /// `selectors` by name, including those made for charts and tables that have none.
    pub selectors: IndexMap<String, Selector>,
    /// `markdowns` by name, inline markdowns included.
    pub markdowns: IndexMap<String, Markdown>,
    /// `dashboards` by name.
    pub dashboards: IndexMap<String, Dashboard>,
    /// Path of each object in the merged project, for locating messages.
    pub(crate) paths: HashMap<(Kind, String), String>,
    /// Where each value was written, by its path in the merged project.
    pub(crate) spans: SpanMap,
}

impl Project {
    /// Where an object was written; `None` if it was made up (a default selector).
    pub fn location(&self, kind: Kind, name: &str) -> Option<Location> {
        self.paths
            .get(&(kind, name.to_string()))
            .and_then(|p| self.spans.find(p))
    }

    /// The kind of the object called `name`, if there is one (names are unique across kinds).
    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| self.paths.contains_key(&(*k, name.to_string())))
    }

    /// Where one field of an object was written (`tests.0.logic`); `None` if it was not written.
    pub fn field_location(&self, kind: Kind, name: &str, field: &str) -> Option<Location> {
        let path = self.paths.get(&(kind, name.to_string()))?;
        self.spans.find(&format!("{path}.{field}"))
    }

    /// The source a SQL model runs on (its own or the project's default).
    pub fn model_source(&self, model: &SqlModel) -> Option<&Source> {
        let name = model
            .source
            .as_ref()
            .or(self.defaults.source_name.as_ref())?;
        self.sources.get(name)
    }

    /// `traces[2] "Revenue"` — how messages name an object.
    pub fn describe(&self, kind: Kind, name: &str) -> String {
        match self.paths.get(&(kind, name.to_string())) {
            Some(path) => format!("{} \"{name}\"", display_path(path)),
            None => format!("{} \"{name}\"", kind.label()),
        }
    }
}

/// `traces.2.model` → `traces[2].model`
pub fn display_path(path: &str) -> String {
    let mut out = String::new();
    for segment in path.split('.') {
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

/// Choices made on the command line that change the project.
pub(crate) struct BuildOptions<'a> {
    /// `-s/--source`: replaces `defaults.source_name` before validation.
    pub source_override: Option<&'a str>,
}

/// Types each object, checks names and references, and validates the project.
pub(crate) fn build(
    mut raw: RawProject,
    objects: Vec<RawObject>,
    options: &BuildOptions,
    report: &mut Report,
) -> Project {
    let mut builder = Builder {
        project: Project::default(),
        report,
        generated: Vec::new(),
        spans: std::mem::take(&mut raw.spans),
    };
    builder.root(&raw, options);
    for object in objects {
        builder.typed(object);
    }
    builder.resolve_all();
    builder.table_data_traces();
    builder.project.spans = std::mem::take(&mut builder.spans);
    crate::validate::validate(&builder.project, builder.report);
    if !builder.report.has_errors() {
        crate::insights::lower(&mut builder.project, builder.report);
    }
    builder.project
}

struct Builder<'a> {
    project: Project,
    report: &'a mut Report,
    /// Objects whose names were made up: they can't be referenced by users.
    generated: Vec<(Kind, String)>,
    spans: SpanMap,
}

impl Builder<'_> {
    fn at(&self, path: &str) -> Option<Location> {
        self.spans.find(path)
    }

    fn root(&mut self, raw: &RawProject, options: &BuildOptions) {
        match &raw.name {
            None | Some(Value::Null) => {}
            Some(Value::String(name)) => self.project.name = Some(name.clone()),
            Some(other) => {
                self.project.name = Some(other.to_string().trim_matches('"').to_string())
            }
        }
        if let Some(defaults) = &raw.defaults {
            if let Some(d) = self.deserialize::<Defaults>(defaults.clone(), "defaults", "defaults")
            {
                self.project.defaults = d;
            }
        }
        // Discovery already reported every mistake in `includes`, where it read them.
        self.project.includes = raw
            .includes
            .iter()
            .filter_map(|include| serde_json::from_value(include.clone()).ok())
            .collect();
        if let Some(source) = options.source_override {
            self.project.defaults.source_name = Some(source.to_string());
        }
    }

    /// Deserialises `value`, turning a failure into a located message. Every unknown field is
    /// reported (each one is set aside and the rest read again), then the first other problem.
    fn deserialize<T: DeserializeOwned>(
        &mut self,
        mut value: Value,
        path: &str,
        object: &str,
    ) -> Option<T> {
        loop {
            let err = match serde_path_to_error::deserialize::<_, T>(&value) {
                Ok(typed) => return Some(typed),
                Err(err) => err,
            };
            let unknown = self.report_deserialize_error(&err, path, object);
            let removed = unknown.is_some_and(|field| remove_field(&mut value, err.path(), &field));
            if !removed {
                return None;
            }
        }
    }

    /// Reports `err` at the field it is about; returns the field's name when it is unknown.
    fn report_deserialize_error(
        &mut self,
        err: &serde_path_to_error::Error<serde_json::Error>,
        path: &str,
        object: &str,
    ) -> Option<String> {
        let mut field_path = path.to_string();
        let mut field_display = String::new();
        for segment in err.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => {
                    field_path.push_str(&format!(".{index}"));
                    field_display.push_str(&format!("[{index}]"));
                }
                serde_path_to_error::Segment::Map { key } => {
                    field_path.push_str(&format!(".{key}"));
                    field_display.push_str(&format!(".{key}"));
                }
                _ => {}
            }
        }
        let (message, help) = humanize_serde_error(&err.inner().to_string());
        let unknown = unknown_field_name(&message);
        if let Some(field) = unknown.as_deref().filter(|f| !is_last_key(err.path(), f)) {
            field_path.push_str(&format!(".{field}"));
        }
        let mut d = Diagnostic::error(message)
            .at(self.at(&field_path))
            .object(format!(
                "{object}{}{field_display}",
                if field_display.is_empty() { "" } else { " " }
            ));
        if let Some(help) = help {
            d = d.help(help);
        }
        self.report.push(d);
        unknown
    }

    fn typed(&mut self, object: RawObject) {
        let object_label = format!("{} \"{}\"", display_path(&object.path), object.name);
        if object.generated_name {
            self.generated.push((object.kind, object.name.clone()));
        }
        let value = Value::Object(object.value.clone());
        let path = object.path.clone();
        let name = object.name.clone();
        let inserted = match object.kind {
            Kind::Destination => self
                .deserialize::<Alert>(value, &path, &object_label)
                .map(|d| insert(&mut self.project.destinations, &name, d)),
            Kind::Alert if object.value.contains_key("type") => self
                .deserialize::<Alert>(value, &path, &object_label)
                .map(|a| {
                    !self.project.conditional_alerts.contains_key(&name)
                        && insert(&mut self.project.alerts, &name, a)
                }),
            Kind::Alert => self
                .deserialize::<ConditionalAlert>(value, &path, &object_label)
                .map(|a| {
                    !self.project.alerts.contains_key(&name)
                        && insert(&mut self.project.conditional_alerts, &name, a)
                }),
            Kind::Source => self
                .source(&object, &object_label)
                .map(|s| insert(&mut self.project.sources, &name, s)),
            Kind::Model => self
                .model(&object, &object_label)
                .map(|m| insert(&mut self.project.models, &name, m)),
            Kind::Metric => self
                .deserialize::<Metric>(value, &path, &object_label)
                .map(|m| insert(&mut self.project.metrics, &name, m)),
            Kind::Dimension => self
                .deserialize::<Dimension>(value, &path, &object_label)
                .map(|d| insert(&mut self.project.dimensions, &name, d)),
            Kind::Relation => self
                .deserialize::<Relation>(value, &path, &object_label)
                .map(|r| insert(&mut self.project.relations, &name, r)),
            Kind::Input => self
                .deserialize::<Input>(value, &path, &object_label)
                .map(|i| insert(&mut self.project.inputs, &name, i)),
            Kind::Trace => self
                .deserialize::<Trace>(value, &path, &object_label)
                .map(|t| insert(&mut self.project.traces, &name, t)),
            Kind::Insight => self
                .deserialize::<Insight>(value, &path, &object_label)
                .map(|i| insert(&mut self.project.insights, &name, i)),
            Kind::Chart => self
                .deserialize::<Chart>(value, &path, &object_label)
                .map(|c| insert(&mut self.project.charts, &name, c)),
            Kind::Table => self
                .deserialize::<Table>(value, &path, &object_label)
                .map(|t| insert(&mut self.project.tables, &name, t)),
            Kind::Selector => self
                .deserialize::<Selector>(value, &path, &object_label)
                .map(|s| insert(&mut self.project.selectors, &name, s)),
            Kind::Markdown => self
                .deserialize::<Markdown>(value, &path, &object_label)
                .map(|m| insert(&mut self.project.markdowns, &name, m)),
            Kind::Dashboard => self
                .deserialize::<Dashboard>(value, &path, &object_label)
                .map(|d| insert(&mut self.project.dashboards, &name, d)),
        };
        match inserted {
            Some(true) => {
                self.project.paths.insert((object.kind, name), path);
            }
            Some(false) => self.duplicate(object.kind, &name, &path),
            None => {}
        }
    }

    fn duplicate(&mut self, kind: Kind, name: &str, path: &str) {
        let first = self
            .project
            .paths
            .get(&(kind, name.to_string()))
            .cloned()
            .unwrap_or_default();
        let first_at = self
            .at(&first)
            .map(|l| format!(" (first defined at line {})", l.pos.line))
            .unwrap_or_default();
        self.report.push(
            Diagnostic::error(format!(
                "{} name '{name}' is not unique in the project{first_at}",
                capitalize(kind.label())
            ))
            .at(self.at(path))
            .object(display_path(path)),
        );
    }

    fn source(&mut self, object: &RawObject, label: &str) -> Option<Source> {
        let type_path = format!("{}.type", object.path);
        let Some(Value::String(type_name)) = object.value.get("type") else {
            self.report.push(
                Diagnostic::error(format!(
                    "a source needs a `type`: one of {}",
                    SourceType::names().join(", ")
                ))
                .at(self.at(&object.path))
                .object(label),
            );
            return None;
        };
        if SourceType::from_name(type_name).is_none() {
            let mut d = Diagnostic::error(format!(
                "unknown source type `{type_name}`; expected one of {}",
                SourceType::names().join(", ")
            ))
            .at(self.at(&type_path))
            .object(label);
            if let Some(hint) = did_you_mean(type_name, SourceType::names()) {
                d = d.help(hint);
            }
            self.report.push(d);
            return None;
        }
        let source: Source =
            self.deserialize(Value::Object(object.value.clone()), &object.path, label)?;
        let allowed = source.source_type.allowed_fields();
        for key in object.value.keys() {
            if key != "name" && key != "type" && !allowed.contains(&key.as_str()) {
                self.report.push(
                    Diagnostic::error(format!("`{key}` is not a field of {type_name} sources"))
                        .at(self.at(&format!("{}.{key}", object.path)))
                        .object(label)
                        .help(format!(
                            "{type_name} sources accept: {}",
                            allowed.join(", ")
                        )),
                );
            }
        }
        for key in source.source_type.required_fields() {
            if !object.value.contains_key(*key) {
                self.report.push(
                    Diagnostic::error(format!("{type_name} sources need `{key}`"))
                        .at(self.at(&object.path))
                        .object(label),
                );
            }
        }
        Some(source)
    }

    fn model(&mut self, object: &RawObject, label: &str) -> Option<Model> {
        let value = Value::Object(object.value.clone());
        let path = &object.path;
        if object.value.contains_key("args") {
            self.deserialize(value, path, label).map(Model::CsvScript)
        } else if object.value.contains_key("models") {
            self.deserialize(value, path, label).map(Model::LocalMerge)
        } else if object.value.contains_key("sql") {
            self.deserialize(value, path, label).map(Model::Sql)
        } else {
            self.report.push(
                Diagnostic::error("cannot tell what kind of model this is")
                    .at(self.at(path))
                    .object(label)
                    .help("a SQL model has `sql`, a CSV-script model has `args`, a local-merge model has `models` and `sql`"),
            );
            None
        }
    }

    // ----- references ---------------------------------------------------------------------

    fn resolve_all(&mut self) {
        let mut project = std::mem::take(&mut self.project);
        for (name, model) in project.models.iter_mut() {
            match model {
                Model::Sql(m) => {
                    if let Some(source) = &mut m.source {
                        self.resolve(
                            source,
                            Kind::Source,
                            Kind::Model,
                            name,
                            "source",
                            &project.paths,
                        );
                    }
                    for (kind, list) in [
                        (Kind::Metric, &mut m.metrics),
                        (Kind::Dimension, &mut m.dimensions),
                    ] {
                        for (i, r) in list.iter_mut().enumerate() {
                            let field = format!("{}.{i}", kind.section());
                            self.resolve(r, kind, Kind::Model, name, &field, &project.paths);
                        }
                    }
                }
                Model::LocalMerge(m) => {
                    for (i, r) in m.models.iter_mut().enumerate() {
                        self.resolve(
                            r,
                            Kind::Model,
                            Kind::Model,
                            name,
                            &format!("models.{i}"),
                            &project.paths,
                        );
                    }
                }
                Model::CsvScript(_) => {}
            }
        }
        for (name, alert) in project.conditional_alerts.iter_mut() {
            for (i, r) in alert.destinations.iter_mut().enumerate() {
                self.resolve(
                    r,
                    Kind::Destination,
                    Kind::Alert,
                    name,
                    &format!("destinations.{i}"),
                    &project.paths,
                );
            }
        }
        for (name, trace) in project.traces.iter_mut() {
            self.resolve(
                &mut trace.model,
                Kind::Model,
                Kind::Trace,
                name,
                "model",
                &project.paths,
            );
        }
        for (name, chart) in project.charts.iter_mut() {
            for (i, r) in chart.traces.iter_mut().enumerate() {
                self.resolve(
                    r,
                    Kind::Trace,
                    Kind::Chart,
                    name,
                    &format!("traces.{i}"),
                    &project.paths,
                );
            }
            if let Some(s) = &mut chart.selector {
                self.resolve(
                    s,
                    Kind::Selector,
                    Kind::Chart,
                    name,
                    "selector",
                    &project.paths,
                );
            }
            self.resolve_insights(&mut chart.insights, Kind::Chart, name, &project.paths);
            self.resolve_on_click(chart.on_click.as_mut(), Kind::Chart, name, &project.paths);
        }
        for (name, table) in project.tables.iter_mut() {
            for (i, r) in table.traces.iter_mut().enumerate() {
                self.resolve(
                    r,
                    Kind::Trace,
                    Kind::Table,
                    name,
                    &format!("traces.{i}"),
                    &project.paths,
                );
            }
            if let Some(s) = &mut table.selector {
                self.resolve(
                    s,
                    Kind::Selector,
                    Kind::Table,
                    name,
                    "selector",
                    &project.paths,
                );
            }
            self.resolve_insights(&mut table.insights, Kind::Table, name, &project.paths);
            self.resolve_on_click(table.on_click.as_mut(), Kind::Table, name, &project.paths);
            if let Some(data) = &mut table.data {
                let kinds = [Kind::Model, Kind::Insight];
                let at = Owner::new(Kind::Table, name, "data");
                self.resolve_among(data, &kinds, "model or insight", &at, &project.paths);
            }
        }
        let shown = named_rows_and_items(&project.dashboards);
        for (name, selector) in project.selectors.iter_mut() {
            for (i, r) in selector.options.iter_mut().enumerate() {
                let named_part = parse_reference(r)
                    .filter(|r| r.field.is_none() && shown.contains(&r.name))
                    .filter(|r| {
                        let kinds = [Kind::Trace, Kind::Chart, Kind::Table];
                        !kinds
                            .iter()
                            .any(|k| project.paths.contains_key(&(*k, r.name.clone())))
                    });
                if let Some(part) = named_part {
                    *r = part.name;
                    continue;
                }
                let kinds = [Kind::Trace, Kind::Chart, Kind::Table];
                let what = "trace, chart, table, dashboard row or item";
                let at = Owner::new(Kind::Selector, name, &format!("options.{i}"));
                self.resolve_among(r, &kinds, what, &at, &project.paths);
            }
        }
        for (name, dashboard) in project.dashboards.iter_mut() {
            for (r, row) in dashboard.rows.iter_mut().enumerate() {
                for (i, item) in row.items.iter_mut().enumerate() {
                    let markdown = match &mut item.markdown {
                        Some(ItemMarkdown::Ref(reference)) => Some(reference),
                        _ => None,
                    };
                    let fields = [
                        (item.chart.as_mut(), Kind::Chart, "chart"),
                        (item.table.as_mut(), Kind::Table, "table"),
                        (item.selector.as_mut(), Kind::Selector, "selector"),
                        (markdown, Kind::Markdown, "markdown"),
                        (item.input.as_mut(), Kind::Input, "input"),
                    ];
                    for (slot, kind, field) in fields {
                        if let Some(reference) = slot {
                            let field_path = format!("rows.{r}.items.{i}.{field}");
                            self.resolve(
                                reference,
                                kind,
                                Kind::Dashboard,
                                name,
                                &field_path,
                                &project.paths,
                            );
                        }
                    }
                }
            }
        }
        self.project = project;
    }

    /// A table showing a model's `data` (1.0.80) gets a trace of its own, named after the table,
    /// that reads every row and column of the model; the table shows it like its other traces.
    fn table_data_traces(&mut self) {
        let project = &mut self.project;
        for (name, table) in project.tables.iter_mut() {
            let Some(model) = table.data.clone() else {
                continue;
            };
            if !project.models.contains_key(&model) {
                continue;
            }
            let table_path = project.paths.get(&(Kind::Table, name.clone()));
            let data_path = format!("{}.data", table_path.map_or("", String::as_str));
            if project.traces.contains_key(name) {
                self.report.push(
                    Diagnostic::error(format!("table '{name}' shows the rows of model '{model}' as a trace named after the table, but trace '{name}' already exists"))
                        .at(self.spans.find(&data_path))
                        .object(format!("{} \"{name}\"", display_path(table_path.map_or("", String::as_str))))
                        .help("rename the table or the trace"),
                );
                continue;
            }
            let trace = Trace {
                name: name.clone(),
                model,
                cohort_on: None,
                order_by: None,
                filters: None,
                columns: None,
                props: serde_json::Map::new(),
                tests: None,
                changed: None,
                rows_of_model: true,
                from_insight: None,
            };
            project.traces.insert(name.clone(), trace);
            project.paths.insert((Kind::Trace, name.clone()), data_path);
            table.traces.push(name.clone());
        }
    }

    /// Rewrites `reference` (`ref(x)`) to `x` after checking `x` is an object of `expected` kind.
    /// An `on_click`'s dashboard and the inputs it sets (`set`'s keys: names or references).
    fn resolve_on_click(
        &mut self,
        on_click: Option<&mut OnClick>,
        owner_kind: Kind,
        owner: &str,
        paths: &HashMap<(Kind, String), String>,
    ) {
        let Some(on_click) = on_click else {
            return;
        };
        if let Some(dashboard) = &mut on_click.dashboard {
            self.resolve(
                dashboard,
                Kind::Dashboard,
                owner_kind,
                owner,
                "on_click.dashboard",
                paths,
            );
        }
        let set = std::mem::take(&mut on_click.set);
        for (input, from) in set {
            let name = parse_reference(&input).map_or(input.clone(), |r| r.name);
            let mut reference = format!("ref({name})");
            let field = format!("on_click.set.{input}");
            self.resolve(
                &mut reference,
                Kind::Input,
                owner_kind,
                owner,
                &field,
                paths,
            );
            on_click.set.insert(reference, from);
        }
    }

    fn resolve(
        &mut self,
        reference: &mut String,
        expected: Kind,
        owner_kind: Kind,
        owner: &str,
        field: &str,
        paths: &HashMap<(Kind, String), String>,
    ) {
        let owner = Owner::new(owner_kind, owner, field);
        self.resolve_among(reference, &[expected], expected.label(), &owner, paths);
    }

    fn resolve_insights(
        &mut self,
        insights: &mut [String],
        owner_kind: Kind,
        owner: &str,
        paths: &HashMap<(Kind, String), String>,
    ) {
        for (i, r) in insights.iter_mut().enumerate() {
            let field = format!("insights.{i}");
            self.resolve(r, Kind::Insight, owner_kind, owner, &field, paths);
        }
    }

    /// Rewrites `reference` (`ref(x)`) to `x` after checking `x` is an object of one of the
    /// `expected` kinds; `what` names them in messages (`model or insight`).
    fn resolve_among(
        &mut self,
        reference: &mut String,
        expected: &[Kind],
        what: &str,
        owner: &Owner,
        paths: &HashMap<(Kind, String), String>,
    ) {
        let owner_path = paths
            .get(&(owner.kind, owner.name.clone()))
            .cloned()
            .unwrap_or_default();
        let field_path = format!("{owner_path}.{}", owner.field);
        let object = format!("{} \"{}\"", display_path(&owner_path), owner.name);
        let Some(Reference { name, field }) = parse_reference(reference) else {
            self.report.push(
                Diagnostic::error(format!(
                    "expected `${{ref(<name>)}}`, `ref(<name>)` or an inline {what}, found `{reference}`"
                ))
                .at(self.at(&field_path))
                .object(object),
            );
            return;
        };
        if let Some(field) = field {
            self.report.push(
                Diagnostic::error(format!(
                    "`{}` picks `{field}` of `{name}`, but this field takes a whole {what}",
                    reference.trim(),
                ))
                .at(self.at(&field_path))
                .object(object)
                .help(format!("write `${{ref({name})}}`")),
            );
            return;
        }
        let user_visible = |kind: Kind, n: &String| !self.generated.contains(&(kind, n.clone()));
        if expected
            .iter()
            .any(|k| paths.contains_key(&(*k, name.clone())))
        {
            *reference = name;
            return;
        }
        if expected
            .iter()
            .any(|k| self.generated.contains(&(*k, name.clone())))
        {
            // An inline object that failed to load: its own errors are reported already.
            return;
        }
        let other_kind = Kind::ALL
            .into_iter()
            .find(|k| paths.contains_key(&(*k, name.clone())) && user_visible(*k, &name));
        let message = match other_kind {
            Some(kind) => format!(
                "`ref({name})` points to {}, but this field needs {}",
                with_article(kind.label()),
                with_article(what),
            ),
            None => format!("`ref({name})` does not point to any {what}"),
        };
        let candidates: Vec<&str> = paths
            .keys()
            .filter(|(k, n)| expected.contains(k) && user_visible(*k, n))
            .map(|(_, n)| n.as_str())
            .collect();
        let mut d = Diagnostic::error(message)
            .at(self.at(&field_path))
            .object(object);
        if let Some(hint) = did_you_mean(&name, candidates) {
            d = d.help(hint);
        }
        self.report.push(d);
    }
}

/// The object and field a reference is written in.
struct Owner {
    kind: Kind,
    name: String,
    field: String,
}

impl Owner {
    fn new(kind: Kind, name: &str, field: &str) -> Self {
        Owner {
            kind,
            name: name.to_string(),
            field: field.to_string(),
        }
    }
}

/// The names of dashboard rows and items: what a selector can show and hide besides charts and
/// tables.
pub(crate) fn named_rows_and_items(dashboards: &IndexMap<String, Dashboard>) -> Vec<String> {
    dashboards
        .values()
        .flat_map(|d| &d.rows)
        .flat_map(|row| std::iter::once(&row.name).chain(row.items.iter().map(|i| &i.name)))
        .flatten()
        .cloned()
        .collect()
}

fn insert<T>(map: &mut IndexMap<String, T>, name: &str, value: T) -> bool {
    if map.contains_key(name) {
        return false;
    }
    map.insert(name.to_string(), value);
    true
}

/// `a model`, `an insight`.
pub(crate) fn with_article(noun: &str) -> String {
    let vowel = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

pub(crate) fn unknown_field_name(message: &str) -> Option<String> {
    static UNKNOWN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^unknown field `([^`]*)`").expect("valid regex"));
    UNKNOWN.captures(message).map(|c| c[1].to_string())
}

/// serde's texts, made to read like advice: suggestions for typos in field and variant names.
pub(crate) fn humanize_serde_error(message: &str) -> (String, Option<String>) {
    static EXPECTED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^unknown (field|variant) `([^`]*)`, (?:expected|there are no) (.*)$")
            .expect("valid regex")
    });
    static QUOTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"`([^`]*)`").expect("valid regex"));
    let Some(caps) = EXPECTED.captures(message) else {
        return (message.to_string(), None);
    };
    let (what, word) = (&caps[1], &caps[2]);
    let allowed: Vec<&str> = QUOTED
        .captures_iter(&caps[3])
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .collect();
    let headline = if what == "field" {
        format!("unknown field `{word}`")
    } else {
        format!("`{word}` is not one of {}", allowed.join(", "))
    };
    let help = did_you_mean(word, allowed.iter().copied()).or_else(|| {
        (what == "field").then(|| {
            if allowed.is_empty() {
                "this object takes no fields".to_string()
            } else {
                format!("allowed fields: {}", allowed.join(", "))
            }
        })
    });
    (headline, help)
}

/// Whether `path` ends at the key `field` (where serde reports an unknown field).
fn is_last_key(path: &serde_path_to_error::Path, field: &str) -> bool {
    matches!(path.iter().next_back(), Some(serde_path_to_error::Segment::Map { key }) if key == field)
}

/// Removes the unknown `field` from the object at `at` below `value`; false if it isn't there.
fn remove_field(value: &mut Value, at: &serde_path_to_error::Path, field: &str) -> bool {
    let segments: Vec<_> = at.iter().collect();
    let parents = if is_last_key(at, field) {
        &segments[..segments.len() - 1]
    } else {
        &segments[..]
    };
    let mut current = value;
    for segment in parents {
        let next = match segment {
            serde_path_to_error::Segment::Seq { index } => current.get_mut(*index),
            serde_path_to_error::Segment::Map { key } => current.get_mut(key.as_str()),
            _ => None,
        };
        match next {
            Some(next) => current = next,
            None => return false,
        }
    }
    current
        .as_object_mut()
        .is_some_and(|map| map.remove(field).is_some())
}

#[cfg(test)]
mod tests {
    use super::humanize_serde_error;

    #[test]
    fn serde_messages_read_as_advice() {
        let cases = [
            (
                "unknown field `colour`, expected `height` or `items`",
                "unknown field `colour`",
                "allowed fields: height, items",
            ),
            (
                "unknown field `zzz`, expected one of `a`, `b`, `c`",
                "unknown field `zzz`",
                "allowed fields: a, b, c",
            ),
            (
                "unknown field `zzz`, expected `only`",
                "unknown field `zzz`",
                "allowed fields: only",
            ),
            (
                "unknown field `zzz`, there are no fields",
                "unknown field `zzz`",
                "this object takes no fields",
            ),
            (
                "unknown variant `sqlit`, expected `sqlite` or `mysql`",
                "`sqlit` is not one of sqlite, mysql",
                "did you mean `sqlite`?",
            ),
        ];
        for (serde, headline, help) in cases {
            let (message, advice) = humanize_serde_error(serde);
            assert_eq!(message, headline);
            assert_eq!(advice.as_deref(), Some(help), "{serde}");
        }
    }
}
