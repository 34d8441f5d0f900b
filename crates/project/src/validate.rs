//! Rules across objects, checked once every object is typed and every reference resolved.

use crate::build::Project;
use crate::diagnostics::{did_you_mean, Diagnostic, Report};
use crate::expr;
use crate::model::*;
use serde_json::{Map, Value};

mod inputs;
mod selectors;
mod semantic;

pub const PLOTLY_TRACE_TYPES: [&str; 46] = [
    "bar",
    "barpolar",
    "box",
    "candlestick",
    "carpet",
    "choropleth",
    "choroplethmapbox",
    "cone",
    "contour",
    "contourcarpet",
    "densitymapbox",
    "funnel",
    "funnelarea",
    "heatmap",
    "heatmapgl",
    "histogram",
    "histogram2d",
    "histogram2dcontour",
    "icicle",
    "image",
    "indicator",
    "isosurface",
    "mesh3d",
    "ohlc",
    "parcats",
    "parcoords",
    "pie",
    "sankey",
    "scatter",
    "scatter3d",
    "scattercarpet",
    "scattergeo",
    "scattergl",
    "scattermapbox",
    "scatterpolar",
    "scatterpolargl",
    "scattersmith",
    "scatterternary",
    "splom",
    "streamtube",
    "sunburst",
    "surface",
    "treemap",
    "violin",
    "volume",
    "waterfall",
];

pub fn validate(project: &Project, report: &mut Report) {
    let mut v = Validator { project, report };
    v.defaults();
    v.names();
    v.models();
    v.model_cycles();
    v.traces();
    v.trace_tests();
    v.conditional_alerts();
    v.tables();
    v.table_data();
    v.dashboards();
    v.dashboard_listing();
    v.selectors();
    v.metrics_and_dimensions();
    v.relations();
    v.insights();
    v.inputs();
}

struct Validator<'a> {
    project: &'a Project,
    report: &'a mut Report,
}

impl Validator<'_> {
    fn error(
        &mut self,
        kind: Kind,
        name: &str,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let location = match field {
            Some(field) => self.project.field_location(kind, name, field),
            None => self.project.location(kind, name),
        };
        let object = match field {
            Some(field) => format!("{} .{field}", self.project.describe(kind, name)),
            None => self.project.describe(kind, name),
        };
        self.report
            .push(Diagnostic::error(message).at(location).object(object));
        self.report.items.last_mut().expect("just pushed")
    }

    fn defaults(&mut self) {
        let d = &self.project.defaults;
        if let Some(source) = &d.source_name {
            if !self.project.sources.contains_key(source) {
                let hint = did_you_mean(source, self.project.sources.keys().map(String::as_str));
                let mut diag =
                    Diagnostic::error(format!("default source '{source}' does not exist"))
                        .at(self.project.spans.find("defaults.source_name"));
                if let Some(hint) = hint {
                    diag = diag.help(hint);
                }
                self.report.push(diag);
            }
        }
        if let Some(alert) = &d.alert_name {
            let exists = self.project.alerts.contains_key(alert)
                || self.project.conditional_alerts.contains_key(alert);
            if !exists {
                self.report.push(
                    Diagnostic::error(format!("default alert '{alert}' does not exist"))
                        .at(self.project.spans.find("defaults.alert_name")),
                );
            }
        }
        if d.threads == Some(0) {
            self.report.push(
                Diagnostic::error("`threads` must be 1 or more")
                    .at(self.project.spans.find("defaults.threads")),
            );
        }
    }

    /// Trace and model names become file and folder names under the output directory, next to
    /// the files Visivo keeps there: none may be unusable or taken.
    fn names(&mut self) {
        let model_names: Vec<&str> = self.project.models.keys().map(String::as_str).collect();
        // A table's model `data` is written as a trace named after the table.
        let traces = self
            .project
            .traces
            .iter()
            .map(|(n, t)| match t.rows_of_model {
                true => (Kind::Table, n),
                false => (Kind::Trace, n),
            });
        let models = self.project.models.keys().map(|n| (Kind::Model, n));
        let bad: Vec<(Kind, String, String)> = traces
            .chain(models)
            .filter_map(|(kind, name)| {
                let why = why_not_a_file_name(kind, name, &model_names)?;
                Some((kind, name.clone(), why))
            })
            .collect();
        for (kind, name, why) in bad {
            let message = format!(
                "the {} name '{name}' can't be used as a file name in the output folder",
                kind.label()
            );
            self.error(kind, &name, Some("name"), message).help = Some(why);
        }
    }

    fn models(&mut self) {
        let default = self.project.defaults.source_name.clone();
        for (name, model) in &self.project.models {
            if let Model::Sql(m) = model {
                if m.source.is_none() && default.is_none() {
                    self.error(Kind::Model, name, None, format!("'{name}' does not specify a source and project does not specify default source"))
                        .help = Some("add `source: ref(<source name>)` to the model, or `defaults: {source_name: <name>}` to the project, or pass `-s <source name>`".into());
                }
            }
            if let Model::CsvScript(m) = model {
                if m.args.is_empty() {
                    self.error(
                        Kind::Model,
                        name,
                        Some("args"),
                        "`args` needs at least the command to run",
                    );
                }
                if !m
                    .table_name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    || m.table_name.is_empty()
                {
                    self.error(
                        Kind::Model,
                        name,
                        Some("table_name"),
                        format!(
                            "table_name '{}' may only contain letters, digits and `_`",
                            m.table_name
                        ),
                    );
                }
            }
        }
    }

    fn model_cycles(&mut self) {
        let mut reported: Vec<Vec<String>> = Vec::new();
        for name in self.project.models.keys() {
            let Some(cycle) = self.find_cycle(&mut vec![name.clone()]) else {
                continue;
            };
            let mut key = cycle.clone();
            key.sort();
            key.dedup();
            if !reported.contains(&key) {
                reported.push(key);
                let message = format!(
                    "models depend on each other in a cycle: {}",
                    cycle.join(" → ")
                );
                self.error(Kind::Model, &cycle[0], Some("models"), message);
            }
        }
    }

    /// Depth-first search through local-merge dependencies; returns the first cycle found.
    fn find_cycle(&self, stack: &mut Vec<String>) -> Option<Vec<String>> {
        let current = stack.last()?;
        let Some(Model::LocalMerge(m)) = self.project.models.get(current) else {
            return None;
        };
        for child in &m.models {
            if let Some(pos) = stack.iter().position(|s| s == child) {
                let mut cycle = stack[pos..].to_vec();
                cycle.push(child.clone());
                return Some(cycle);
            }
            stack.push(child.clone());
            if let Some(cycle) = self.find_cycle(stack) {
                return Some(cycle);
            }
            stack.pop();
        }
        None
    }

    fn traces(&mut self) {
        for (name, trace) in self.project.traces.iter().filter(|(_, t)| !t.rows_of_model) {
            self.trace_props(name, trace);
            self.trace_references(name, trace);
            self.trace_columns(name, trace);
            for (i, filter) in trace.filters.iter().flatten().enumerate() {
                if filter.trim().is_empty() {
                    self.error(
                        Kind::Trace,
                        name,
                        Some(&format!("filters.{i}")),
                        "empty filter",
                    );
                }
            }
        }
    }

    /// Each test is `logic` or `assertions`; `>{ … }` texts are well formed and their
    /// `${ref(x)}` name traces. (Their expressions are parsed when `visivo test` runs them.)
    fn trace_tests(&mut self) {
        for (name, trace) in &self.project.traces {
            for (i, test) in trace.tests.iter().flatten().enumerate() {
                let field = format!("tests.{i}");
                match (&test.logic, &test.assertions) {
                    (Some(_), Some(_)) => {
                        self.error(
                            Kind::Trace,
                            name,
                            Some(&field),
                            "a test has either `logic` or `assertions`, not both",
                        );
                    }
                    (None, None) => {
                        self.error(
                            Kind::Trace,
                            name,
                            Some(&field),
                            "a test needs `assertions` (or `logic`, the 1.0.30 form)",
                        );
                    }
                    _ => {}
                }
                for (j, assertion) in test.assertions.iter().flatten().enumerate() {
                    self.eval_string(
                        Kind::Trace,
                        name,
                        &format!("{field}.assertions.{j}"),
                        assertion,
                    );
                }
                if let Some(condition) = &test.condition {
                    self.eval_string(Kind::Trace, name, &format!("{field}.if"), condition);
                }
            }
        }
    }

    fn conditional_alerts(&mut self) {
        for (name, alert) in &self.project.conditional_alerts {
            if let Some(condition) = &alert.condition {
                self.eval_string(Kind::Alert, name, "if", condition);
            }
        }
    }

    /// A `>{ … }` whose `${ref(x)…}` point to traces or insights (whose data they read).
    fn eval_string(&mut self, kind: Kind, name: &str, field: &str, text: &str) {
        if expr::eval_string_body(text).is_none() {
            self.error(
                kind,
                name,
                Some(field),
                format!("expected `>{{ <expression> }}`, found `{}`", text.trim()),
            )
            .help = Some("e.g. `>{ ${ref(my trace).props.y[0]} == 5 }`".into());
            return;
        }
        for target in expr::context_reference_names(text) {
            if self.project.traces.contains_key(&target)
                || self.project.insights.contains_key(&target)
            {
                continue;
            }
            let other = self.project.kind_of(&target);
            let message = match other {
                Some(other) => format!(
                    "`ref({target})` points to {}, but `${{ref(…)}}` here reads a trace's or an insight's data",
                    crate::build::with_article(other.label())
                ),
                None => format!("`ref({target})` does not point to any trace"),
            };
            let hint = did_you_mean(&target, self.project.traces.keys().map(String::as_str));
            self.error(kind, name, Some(field), message).help = hint;
        }
    }

    fn trace_props(&mut self, name: &str, trace: &Trace) {
        self.plotly_props(Kind::Trace, name, &trace.props, &[]);
        if trace.props.contains_key("name") {
            self.error(
                Kind::Trace,
                name,
                Some("props.name"),
                "`name` can't be set in props: each plotly trace is named after its cohort",
            );
        }
    }

    /// A trace's or insight's `props`: a plotly `type` and attributes plotly knows, except at
    /// the `unchecked` paths.
    fn plotly_props(
        &mut self,
        kind: Kind,
        name: &str,
        props: &Map<String, Value>,
        unchecked: &[String],
    ) {
        match props.get("type") {
            None => {
                self.error(kind, name, Some("props"), "trace_props type is required.");
            }
            Some(Value::String(t)) if PLOTLY_TRACE_TYPES.contains(&t.as_str()) => {}
            Some(other) => {
                let t = other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_string);
                let hint = did_you_mean(&t, PLOTLY_TRACE_TYPES);
                let d = self.error(
                    kind,
                    name,
                    Some("props.type"),
                    format!("{t} is not a valid trace_props type."),
                );
                d.help = hint;
            }
        }
        if let Some(Value::String(trace_type)) = props.get("type") {
            for problem in crate::plotly::check_props(trace_type, props) {
                if unchecked.contains(&problem.path) {
                    continue;
                }
                let d = self.error(kind, name, Some(&problem.path), problem.message);
                d.help = problem.help;
            }
        }
    }

    fn trace_columns(&mut self, name: &str, trace: &Trace) {
        let mut problems = Vec::new();
        walk_strings(
            &Value::Object(trace.props.clone()),
            "props",
            &mut |path, text| {
                for column in expr::column_refs(text) {
                    let known = trace
                        .columns
                        .as_ref()
                        .is_some_and(|c| c.contains_key(&column.name));
                    if !known {
                        problems.push((path.to_string(), column.name));
                    }
                }
            },
        );
        for (path, column) in problems {
            let candidates: Vec<&str> = trace
                .columns
                .iter()
                .flat_map(|c| c.keys().map(String::as_str))
                .collect();
            let hint = did_you_mean(&column, candidates.iter().copied()).or_else(|| {
                Some(if candidates.is_empty() {
                    "this trace has no `columns`; define it there first".to_string()
                } else {
                    format!("defined columns: {}", candidates.join(", "))
                })
            });
            let d = self.error(
                Kind::Trace,
                name,
                Some(&path),
                format!("referenced column name '{column}' is not in columns definition"),
            );
            d.help = hint;
        }
    }

    fn tables(&mut self) {
        for (name, table) in &self.project.tables {
            if let Some(selector) = table
                .selector
                .as_ref()
                .and_then(|s| self.project.selectors.get(s))
            {
                if selector.selector_type == SelectorType::Multiple {
                    self.error(Kind::Table, name, Some("selector"), format!("Table with name '{name}' has a selector with a 'multiple' type. A table shows one cohort at a time: use a `single` selector."));
                }
            }
            // `data` with these fields is reported once, by `table_data`.
            let fields = table.data.is_none().then(|| table.fields());
            if let Some(Err((field, message))) = fields {
                self.error(Kind::Table, name, Some(&field), message);
            }
            if let Some(format) = &table.format_cells {
                for (field, color) in [
                    ("min_color", &format.min_color),
                    ("max_color", &format.max_color),
                ] {
                    if !is_hex_color(color) {
                        self.error(
                            Kind::Table,
                            name,
                            Some(&format!("format_cells.{field}")),
                            format!("'{color}' is not a hex colour: write `#rgb` or `#rrggbb`"),
                        );
                    }
                }
            }
            for (i, def) in table.column_defs.iter().flatten().enumerate() {
                if !table.traces.contains(&def.trace_name) {
                    let hint =
                        did_you_mean(&def.trace_name, table.traces.iter().map(String::as_str));
                    let d = self.error(
                        Kind::Table,
                        name,
                        Some(&format!("column_defs.{i}.trace_name")),
                        format!(
                            "Column def trace name '{}' is not present in trace list on table.",
                            def.trace_name
                        ),
                    );
                    d.help = hint;
                }
            }
        }
    }

    fn dashboards(&mut self) {
        for (name, dashboard) in &self.project.dashboards {
            for (r, row) in dashboard.rows.iter().enumerate() {
                for (i, item) in row.items.iter().enumerate() {
                    let field = format!("rows.{r}.items.{i}");
                    let contents = [
                        item.markdown.is_some(),
                        item.chart.is_some(),
                        item.table.is_some(),
                        item.selector.is_some(),
                        item.input.is_some(),
                    ];
                    match contents.iter().filter(|c| **c).count() {
                        0 => {
                            self.error(Kind::Dashboard, name, Some(&field), "an item needs one of \"markdown\", \"chart\", \"table\", \"selector\" or \"input\"");
                        }
                        1 => {}
                        _ => {
                            self.error(Kind::Dashboard, name, Some(&field), "only one of the \"markdown\", \"chart\", \"table\", \"selector\" or \"input\" properties should be set on an item");
                        }
                    }
                    let misplaced_layout = [
                        ("align", item.align.is_some()),
                        ("justify", item.justify.is_some()),
                    ];
                    for (key, _) in misplaced_layout
                        .iter()
                        .filter(|(_, set)| *set && item.markdown.is_none())
                    {
                        self.error(Kind::Dashboard, name, Some(&format!("{field}.{key}")), format!("`{key}` lays out markdown: it can only be set on an item with `markdown`"));
                    }
                    if item.width < 1 {
                        self.error(Kind::Dashboard, name, Some(&format!("{field}.width")), format!("item width must be 1 or more (it is relative to the other items of the row), found {}", item.width));
                    }
                }
            }
        }
    }
}

impl Validator<'_> {
    /// What the project page shows of each dashboard: its level, and where an external one leads.
    fn dashboard_listing(&mut self) {
        let defaults = &self.project.defaults;
        for (name, dashboard) in &self.project.dashboards {
            if let Some(level) = dashboard.level.as_ref() {
                if defaults.level_index(level).is_none() {
                    let titles: Vec<String> = defaults
                        .dashboard_levels()
                        .into_iter()
                        .map(|l| l.title)
                        .collect();
                    let written = match level {
                        LevelRef::Index(i) => i.to_string(),
                        LevelRef::Title(t) => format!("'{t}'"),
                    };
                    self.error(
                        Kind::Dashboard,
                        name,
                        Some("level"),
                        format!("level {written} is not one of the project's levels"),
                    )
                    .help = Some(format!(
                        "levels (by index from 0, or by title): {}{}",
                        titles.join(", "),
                        if defaults.levels.is_empty() {
                            " — set `defaults.levels` for your own"
                        } else {
                            ""
                        }
                    ));
                }
            }
            self.external_dashboard(name, dashboard);
        }
    }

    fn external_dashboard(&mut self, name: &str, dashboard: &Dashboard) {
        match (&dashboard.href, dashboard.dashboard_type) {
            (None, Some(DashboardType::External)) => {
                self.error(
                    Kind::Dashboard,
                    name,
                    Some("type"),
                    "an external dashboard needs `href`: the address the project page links to",
                );
            }
            (Some(_), Some(DashboardType::Internal)) => {
                self.error(Kind::Dashboard, name, Some("href"), "an internal dashboard has rows, not `href`; remove `href` or write `type: external`");
            }
            _ => {}
        }
        let Some(href) = &dashboard.href else {
            return;
        };
        if !dashboard.rows.is_empty() {
            self.error(
                Kind::Dashboard,
                name,
                Some("rows"),
                "an external dashboard (with `href`) has no rows: the project page links out to it",
            );
        }
        if !is_web_address(href) {
            self.error(
                Kind::Dashboard,
                name,
                Some("href"),
                format!("`href` must be an http:// or https:// address, found `{href}`"),
            );
        }
    }
}

/// An absolute http(s) URL with a host and nothing a browser would read differently.
fn is_web_address(href: &str) -> bool {
    let lower = href.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    !host.is_empty()
        && !host.starts_with('@')
        && !href.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Files Visivo itself writes in the output folder (and in `dist/data`), beside the traces'
/// folders.
const OUTPUT_FILES: [&str; 2] = ["project.json", "project.json.gz"];

/// Why `name` can't name a trace's folder or a model's file. Names are compared ignoring case,
/// as some file systems do.
fn why_not_a_file_name(kind: Kind, name: &str, models: &[&str]) -> Option<String> {
    if let Some(why) = crate::layout::unusable_name(name) {
        return Some(why.into());
    }
    if kind != Kind::Trace {
        return None;
    }
    let lower = name.to_lowercase();
    if OUTPUT_FILES.contains(&lower.as_str()) {
        return Some(format!(
            "`{name}` is a file Visivo writes in the output folder"
        ));
    }
    if lower.ends_with(".tmp") {
        return Some(
            "names ending in `.tmp` are kept for the output folder's temporary files".into(),
        );
    }
    let model = models
        .iter()
        .find(|m| format!("{m}.sqlite").to_lowercase() == lower)?;
    Some(format!(
        "model '{model}' is written to `{name}` in the output folder"
    ))
}

/// Calls `f(path, text)` for every string below `value`.
/// Every text in a trace's query fields (props, columns, cohort_on, filters, order_by), with its
/// path (`filters.0`).
pub fn walk_trace_queries(trace: &Trace, f: &mut impl FnMut(&str, &str)) {
    walk_strings(&Value::Object(trace.props.clone()), "props", f);
    let columns = trace.columns.clone().map(|c| c.into_iter().collect());
    let fields = [
        ("columns", columns.map(Value::Object)),
        ("cohort_on", trace.cohort_on.clone().map(Value::String)),
        ("filters", trace.filters.clone().map(Value::from)),
        ("order_by", trace.order_by.clone().map(Value::from)),
    ];
    for (field, value) in fields {
        if let Some(value) = value {
            walk_strings(&value, field, f);
        }
    }
}

pub fn walk_strings(value: &Value, path: &str, f: &mut impl FnMut(&str, &str)) {
    match value {
        Value::String(s) => f(path, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_strings(item, &format!("{path}.{i}"), f);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                walk_strings(v, &format!("{path}.{k}"), f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::why_not_a_file_name;
    use crate::model::Kind;

    #[test]
    fn names_that_collide_with_the_output_folder_are_refused() {
        let models = ["csvm", "orders"];
        for taken in [
            "project.json",
            "Project.JSON",
            "project.json.gz",
            ".visivo-state.json",
            ".hidden",
            "..",
            "csvm.sqlite",
            "ORDERS.sqlite",
            "x.sqlite.123.tmp",
            "a/b",
            "",
        ] {
            assert!(
                why_not_a_file_name(Kind::Trace, taken, &models).is_some(),
                "{taken:?}"
            );
        }
        for fine in ["Revenue by month", "project", "other.sqlite", "x..y"] {
            assert_eq!(why_not_a_file_name(Kind::Trace, fine, &models), None);
        }
        assert!(why_not_a_file_name(Kind::Model, ".m", &models).is_some());
        assert_eq!(
            why_not_a_file_name(Kind::Model, "project.json", &models),
            None
        );
    }
}
