//! Inputs (docs/interactivity.md): each input's options, range, control and default, the
//! `${ref(x).value}` references in traces' queries, and `on_click`.

use super::{walk_trace_queries, Validator};
use crate::diagnostics::did_you_mean;
use crate::expr::context_reference_names;
use crate::input::{input_references, Accessor, Control, Input, InputShape};
use crate::model::*;
use serde_json::Value;

/// Whether a `${ref(x).field}`'s field is one of an input's (`value`, `values`, `min`, `max`).
pub(super) fn is_input_accessor(field: Option<&str>) -> bool {
    field.is_some_and(|f| Accessor::from_name(f).is_some())
}

/// What a chart's `on_click.set` may read of a clicked point.
const POINT_FIELDS: [&str; 5] = ["x", "y", "text", "customdata", "cohort"];

impl Validator<'_> {
    pub(super) fn inputs(&mut self) {
        for (name, input) in &self.project.inputs {
            self.input(name, input);
        }
        for (name, trace) in &self.project.traces {
            self.trace_inputs(name, trace);
        }
        for (name, chart) in &self.project.charts {
            if let Some(on_click) = &chart.on_click {
                self.on_click(Kind::Chart, name, on_click);
            }
        }
        for (name, table) in &self.project.tables {
            if let Some(on_click) = &table.on_click {
                self.on_click(Kind::Table, name, on_click);
            }
        }
    }

    fn input(&mut self, name: &str, input: &Input) {
        let shape = input.shape();
        match (&input.options, &input.range, shape) {
            (_, Some(_), InputShape::Single) => {
                self.error(Kind::Input, name, Some("range"), "a range is a `multi-select` input (`.min`/`.max`); a `single-select` takes `options`");
                return;
            }
            (Some(_), Some(_), _) => {
                self.error(
                    Kind::Input,
                    name,
                    Some("range"),
                    "an input takes `options` or a `range`, not both",
                );
                return;
            }
            (None, None, _) => {
                self.error(Kind::Input, name, None, "an input needs `options` (a list or `?{ SELECT … FROM ${ref(model)} }`) or a `range`");
                return;
            }
            _ => {}
        }
        self.control_fits(name, input, shape);
        match &input.options {
            Some(InputOptions::Query(text)) => self.options_query(name, text),
            Some(InputOptions::List(values)) => self.options_list(name, values),
            None => {}
        }
        let options = match input.static_options() {
            Ok(options) => options,
            Err(message) => {
                self.error(Kind::Input, name, Some("range"), message);
                return;
            }
        };
        if let Some(options) = options.filter(|o| !o.is_empty()) {
            if let Err(message) = input.default_state(&options) {
                self.error(Kind::Input, name, Some("display.default"), message);
            }
        }
    }

    fn control_fits(&mut self, name: &str, input: &Input, shape: InputShape) {
        let Some(control) = input.display.control else {
            return;
        };
        let fits: &[Control] = match shape {
            InputShape::Single => &[Control::Dropdown, Control::Radio, Control::Tabs],
            InputShape::Multi => &[Control::Checkboxes, Control::Dropdown, Control::Chips],
            InputShape::Range => &[Control::RangeSlider],
        };
        if !fits.contains(&control) {
            let names: Vec<String> = fits.iter().map(|c| control_name(*c)).collect();
            let message = format!(
                "`{}` is not a control for this input; it takes {}",
                control_name(control),
                names.join(", ")
            );
            self.error(Kind::Input, name, Some("display.type"), message);
        }
    }

    fn options_list(&mut self, name: &str, values: &[Value]) {
        if values.is_empty() {
            self.error(
                Kind::Input,
                name,
                Some("options"),
                "the options list is empty",
            );
        }
        for (i, value) in values.iter().enumerate() {
            if matches!(value, Value::Array(_) | Value::Object(_) | Value::Null) {
                let field = format!("options.{i}");
                self.error(
                    Kind::Input,
                    name,
                    Some(&field),
                    "an option is a text, a number or a boolean",
                );
            }
        }
        for (i, value) in values.iter().enumerate() {
            if values[..i].contains(value) {
                let field = format!("options.{i}");
                self.error(
                    Kind::Input,
                    name,
                    Some(&field),
                    "this option is listed twice",
                );
            }
        }
    }

    /// The query must be a `?{…}` naming exactly one model, on whose source it runs.
    fn options_query(&mut self, name: &str, text: &str) {
        if crate::expr::extract_query(text).is_none() {
            self.error(
                Kind::Input,
                name,
                Some("options"),
                "options are a list or a query written `?{ SELECT … FROM ${ref(model)} }`",
            );
            return;
        }
        let models: Vec<String> = context_reference_names(text);
        let mut distinct = models.clone();
        distinct.dedup();
        match distinct.as_slice() {
            [model] if self.project.models.contains_key(model) => {}
            [other] => {
                let hint = did_you_mean(other, self.project.models.keys().map(String::as_str));
                let d = self.error(
                    Kind::Input,
                    name,
                    Some("options"),
                    format!("the options query reads `${{ref({other})}}`, which is no model"),
                );
                d.help = hint;
            }
            [] => {
                self.error(Kind::Input, name, Some("options"), "the options query names no model: write `FROM ${ref(<model>)}`, so it runs on that model's source")
                    .help = Some("e.g. `?{ SELECT DISTINCT region FROM ${ref(sales)} ORDER BY 1 }`".into());
            }
            _ => {
                self.error(Kind::Input, name, Some("options"), format!("the options query names {} models ({}); it runs on one model's source, so it may name only one", distinct.len(), distinct.join(", ")));
            }
        }
    }

    /// `${ref(x).value}` and friends in a trace: `x` is an input and the accessor fits it.
    fn trace_inputs(&mut self, name: &str, trace: &Trace) {
        let mut problems = Vec::new();
        walk_trace_queries(trace, &mut |path: &str, text: &str| {
            for reference in input_references(text) {
                if let Some(problem) =
                    self.input_reference_problem(&reference.name, &reference.field)
                {
                    problems.push((path.to_string(), problem));
                }
            }
        });
        for (path, (message, help)) in problems {
            self.error(Kind::Trace, name, Some(&path), message).help = help;
        }
    }

    pub(super) fn input_reference_problem(
        &self,
        name: &str,
        field: &str,
    ) -> Option<(String, Option<String>)> {
        let accessor = Accessor::from_name(field);
        let Some(input) = self.project.inputs.get(name) else {
            let is_other_object = self.project.kind_of(name).is_some();
            return (accessor.is_some() && !is_other_object).then(|| {
                let hint = did_you_mean(name, self.project.inputs.keys().map(String::as_str));
                (format!("`${{ref({name}).{field}}}` names no input"), hint)
            });
        };
        let accessors = input.shape().accessors();
        if accessor.is_some_and(|a| accessors.contains(&a)) {
            return None;
        }
        let fitting: Vec<String> = accessors
            .iter()
            .map(|a| format!("`.{}`", a.name()))
            .collect();
        let kind = match input.shape() {
            InputShape::Single => "a single-select",
            InputShape::Multi => "a multi-select",
            InputShape::Range => "a range",
        };
        Some((
            format!(
                "`.{field}` doesn't fit input '{name}', {kind}: it takes {}",
                fitting.join(" and ")
            ),
            None,
        ))
    }

    fn on_click(&mut self, kind: Kind, name: &str, on_click: &OnClick) {
        if on_click.set.is_empty() && on_click.dashboard.is_none() {
            self.error(
                kind,
                name,
                Some("on_click"),
                "`on_click` needs `set` (inputs to set), `dashboard` (one to open) or both",
            );
        }
        for (input, from) in &on_click.set {
            let field = format!("on_click.set.{input}");
            if kind == Kind::Chart && !POINT_FIELDS.contains(&from.as_str()) {
                let message = format!(
                    "a clicked point gives {}; not `{from}`",
                    POINT_FIELDS.join(", ")
                );
                self.error(kind, name, Some(&field), message);
            } else if from.trim().is_empty() {
                self.error(
                    kind,
                    name,
                    Some(&field),
                    "name the clicked row's column that sets the input",
                );
            }
        }
    }
}

fn control_name(control: Control) -> String {
    serde_json::to_value(control)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
