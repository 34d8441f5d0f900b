//! `inputs:` (Visivo 2.x's syntax; docs/interactivity.md): controls a reader sets on a
//! dashboard, referenced in traces' queries as `${ref(x).value}`, `.values`, `.min` and `.max`.
//! Every state a reader can reach is computed by the run; this module says what the states of an
//! input are, which one is the default, and where a trace's query mentions inputs.

use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::LazyLock;

/// A control on a dashboard whose value re-slices the traces that reference it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// Unique name; what `${ref(name).value}` and the URL call it.
    #[serde(default)]
    pub name: Option<String>,
    /// `single-select` (one value) or `multi-select` (several values, or a `range`).
    #[serde(rename = "type")]
    pub input_type: InputType,
    /// The values to choose from: a list, or `?{ SELECT … FROM ${ref(model)} }` run on the
    /// model's source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<InputOptions>,
    /// A range of numbers or ISO dates instead of `options` (multi-select only): `.min`/`.max`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<InputRange>,
    /// How the control looks and its default.
    #[serde(default)]
    pub display: InputDisplay,
}

/// An input's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum InputType {
    /// One value: `${ref(x).value}`.
    #[serde(rename = "single-select")]
    SingleSelect,
    /// Several values (`${ref(x).values}`), or a range (`.min`, `.max`).
    #[serde(rename = "multi-select")]
    MultiSelect,
}

/// An input's `options`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum InputOptions {
    /// The values, as written (text, numbers, booleans).
    List(Vec<Value>),
    /// `?{ SELECT DISTINCT region FROM ${ref(sales)} ORDER BY 1 }`: the first column's values.
    Query(String),
}

/// An input's `range`: `start` to `end` (inclusive) by `step`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputRange {
    /// The first value: a number or an ISO date (`2024-01-01`).
    pub start: Value,
    /// The last value (included when the steps reach it).
    pub end: Value,
    /// A number, or for dates `1 day`, `7 days`, `1 week`, `1 month`, `1 year`… (default 1 / 1 day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<Value>,
}

/// An input's `display`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputDisplay {
    /// The control: single `dropdown` | `radio` | `tabs`; multi `checkboxes` | `dropdown` |
    /// `chips`; range `range-slider`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub control: Option<Control>,
    /// The state before the reader changes anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<InputDefault>,
}

/// An input's control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Control {
    /// A drop-down list (single or multiple).
    Dropdown,
    /// Radio buttons.
    Radio,
    /// Tabs.
    Tabs,
    /// Check boxes.
    Checkboxes,
    /// Toggle chips.
    Chips,
    /// Two handles on a range.
    RangeSlider,
}

/// An input's `display.default`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputDefault {
    /// A single-select's default option (the first option when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// A multi-select's default options: a list, `all` (the default) or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Value>,
    /// A range's default start (the range's start when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Value>,
    /// A range's default end (the range's end when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Value>,
}

/// One state of an input, as `states.json` and the viewer write it.
#[derive(Debug, Clone, PartialEq)]
pub enum InputState {
    /// A single-select's option.
    One(Value),
    /// A multi-select's selected options, in option order.
    Some(Vec<Value>),
    /// A range's `[start, end]`.
    Between(Value, Value),
}

impl InputState {
    /// The JSON form in `states.json`: the option, the list, or `[start, end]`.
    pub fn to_json(&self) -> Value {
        match self {
            InputState::One(v) => v.clone(),
            InputState::Some(values) => Value::Array(values.clone()),
            InputState::Between(a, b) => Value::Array(vec![a.clone(), b.clone()]),
        }
    }
}

/// What follows `${ref(x)}` in a query: which part of the input's state it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accessor {
    /// `.value`: a single-select's option.
    Value,
    /// `.values`: a multi-select's options, comma-separated.
    Values,
    /// `.min`: a range's start.
    Min,
    /// `.max`: a range's end.
    Max,
}

impl Accessor {
    /// `value`, `values`, `min` or `max`.
    pub fn from_name(name: &str) -> Option<Accessor> {
        match name {
            "value" => Some(Accessor::Value),
            "values" => Some(Accessor::Values),
            "min" => Some(Accessor::Min),
            "max" => Some(Accessor::Max),
            _ => None,
        }
    }

    /// The accessor as written.
    pub fn name(self) -> &'static str {
        match self {
            Accessor::Value => "value",
            Accessor::Values => "values",
            Accessor::Min => "min",
            Accessor::Max => "max",
        }
    }
}

/// What kind of input this is, which decides its accessors and states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputShape {
    /// A single-select: `.value`.
    Single,
    /// A multi-select over options: `.values`.
    Multi,
    /// A multi-select over a range: `.min`, `.max`.
    Range,
}

impl InputShape {
    /// The accessors a query may use on this shape.
    pub fn accessors(self) -> &'static [Accessor] {
        match self {
            InputShape::Single => &[Accessor::Value],
            InputShape::Multi => &[Accessor::Values],
            InputShape::Range => &[Accessor::Min, Accessor::Max],
        }
    }
}

impl Input {
    /// Single, multi or range.
    pub fn shape(&self) -> InputShape {
        match (self.input_type, self.range.is_some()) {
            (InputType::SingleSelect, _) => InputShape::Single,
            (InputType::MultiSelect, false) => InputShape::Multi,
            (InputType::MultiSelect, true) => InputShape::Range,
        }
    }

    /// The SQL of an options query, without its `?{ }`.
    pub fn options_query(&self) -> Option<String> {
        match &self.options {
            Some(InputOptions::Query(text)) => crate::expr::extract_query(text),
            _ => None,
        }
    }

    /// The values to choose from when they don't come from a query: the options list, or the
    /// range's steps.
    pub fn static_options(&self) -> Result<Option<Vec<Value>>, String> {
        if let Some(range) = &self.range {
            return range.steps().map(Some);
        }
        Ok(match &self.options {
            Some(InputOptions::List(values)) => Some(values.clone()),
            _ => None,
        })
    }

    /// How many states this input has with `options` values to choose from (saturating).
    pub fn state_count(&self, options: usize) -> u128 {
        let n = options as u128;
        match self.shape() {
            InputShape::Single => n,
            InputShape::Multi => 1u128.checked_shl(options as u32).unwrap_or(u128::MAX),
            InputShape::Range => n * (n + 1) / 2,
        }
    }

    /// Every state, the default first.
    pub fn states(&self, options: &[Value]) -> Result<Vec<InputState>, String> {
        let default = self.default_state(options)?;
        let mut states = vec![default.clone()];
        let all = match self.shape() {
            InputShape::Single => options.iter().cloned().map(InputState::One).collect(),
            InputShape::Multi => subsets(options),
            InputShape::Range => pairs(options),
        };
        states.extend(all.into_iter().filter(|s| *s != default));
        Ok(states)
    }

    /// The state before the reader changes anything; `Err` when the written default is not one
    /// of the options.
    pub fn default_state(&self, options: &[Value]) -> Result<InputState, String> {
        let default = self.display.default.clone().unwrap_or_default();
        let find = |wanted: &Value, what: &str| {
            options
                .iter()
                .find(|o| same_value(o, wanted))
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "the default {what} {} is not one of the options ({})",
                        short(wanted),
                        list(options)
                    )
                })
        };
        match self.shape() {
            InputShape::Single => match &default.value {
                Some(v) => find(v, "value").map(InputState::One),
                None => options
                    .first()
                    .cloned()
                    .map(InputState::One)
                    .ok_or_else(|| "the input has no options".to_string()),
            },
            InputShape::Multi => match &default.values {
                None => Ok(InputState::Some(options.to_vec())),
                Some(Value::String(word)) if word == "all" => {
                    Ok(InputState::Some(options.to_vec()))
                }
                Some(Value::String(word)) if word == "none" => Ok(InputState::Some(Vec::new())),
                Some(Value::Array(wanted)) => {
                    for w in wanted {
                        find(w, "value")?;
                    }
                    Ok(InputState::Some(
                        options
                            .iter()
                            .filter(|o| wanted.iter().any(|w| same_value(o, w)))
                            .cloned()
                            .collect(),
                    ))
                }
                Some(other) => Err(format!(
                    "`values` must be a list, `all` or `none`, not {}",
                    short(other)
                )),
            },
            InputShape::Range => {
                let first = options.first().cloned().ok_or("the range has no steps")?;
                let last = options.last().cloned().unwrap_or(Value::Null);
                let start = default
                    .start
                    .as_ref()
                    .map_or(Ok(first), |v| find(v, "start"))?;
                let end = default.end.as_ref().map_or(Ok(last), |v| find(v, "end"))?;
                Ok(InputState::Between(start, end))
            }
        }
    }
}

/// Whether an option equals a written value: equal JSON, or the same text (`5` and `"5"`).
fn same_value(option: &Value, wanted: &Value) -> bool {
    option == wanted || text_of(option) == text_of(wanted)
}

/// A value as the URL and messages write it.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn short(value: &Value) -> String {
    format!("'{}'", text_of(value))
}

fn list(options: &[Value]) -> String {
    let shown: Vec<String> = options.iter().take(8).map(text_of).collect();
    let more = if options.len() > 8 { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// Every subset of `options` (in option order), by bit pattern; callers keep `options` small.
fn subsets(options: &[Value]) -> Vec<InputState> {
    let n = options.len().min(24);
    (0..1u32 << n)
        .map(|mask| {
            InputState::Some(
                (0..n)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| options[i].clone())
                    .collect(),
            )
        })
        .collect()
}

/// Every `(start, end)` with `start ≤ end`.
fn pairs(steps: &[Value]) -> Vec<InputState> {
    let mut out = Vec::new();
    for (i, a) in steps.iter().enumerate() {
        for b in &steps[i..] {
            out.push(InputState::Between(a.clone(), b.clone()));
        }
    }
    out
}

/// Ranges longer than this are refused (a slider of more steps is not a control).
const MAX_RANGE_STEPS: usize = 10_000;

impl InputRange {
    /// The values from `start` to `end` by `step`: numbers, or ISO dates.
    pub fn steps(&self) -> Result<Vec<Value>, String> {
        match (&self.start, &self.end) {
            (Value::Number(a), Value::Number(b)) => {
                let step = match &self.step {
                    None => 1.0,
                    Some(Value::Number(s)) => s.as_f64().unwrap_or(0.0),
                    Some(other) => {
                        return Err(format!(
                            "the step of a number range must be a number, not {}",
                            short(other)
                        ))
                    }
                };
                number_steps(a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0), step)
            }
            (Value::String(a), Value::String(b)) => date_steps(a, b, self.step.as_ref()),
            _ => Err("a range's start and end must both be numbers or both ISO dates".into()),
        }
    }
}

fn number_steps(start: f64, end: f64, step: f64) -> Result<Vec<Value>, String> {
    if step.is_nan() || step <= 0.0 || !step.is_finite() {
        return Err("a range's step must be greater than 0".into());
    }
    if end < start {
        return Err("a range's end must not be before its start".into());
    }
    let count = ((end - start) / step + 1e-9).floor() as usize + 1;
    if count > MAX_RANGE_STEPS {
        return Err(format!(
            "the range has {count} steps (at most {MAX_RANGE_STEPS})"
        ));
    }
    Ok((0..count)
        .map(|i| number_value(start + step * i as f64))
        .collect())
}

/// A float as JSON, whole numbers as integers (`100`, not `100.0`).
fn number_value(x: f64) -> Value {
    let rounded = (x * 1e9).round() / 1e9;
    if rounded.fract() == 0.0 && rounded.abs() < 9e15 {
        Value::from(rounded as i64)
    } else {
        Value::from(rounded)
    }
}

static DATE_STEP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(\d+)\s*(day|week|month|year)s?\s*$").expect("valid regex"));

fn date_steps(start: &str, end: &str, step: Option<&Value>) -> Result<Vec<Value>, String> {
    use chrono::{Days, Months, NaiveDate};
    let parse = |text: &str| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| format!("'{text}' is not an ISO date (YYYY-MM-DD)"))
    };
    let (first, last) = (parse(start)?, parse(end)?);
    if last < first {
        return Err("a range's end must not be before its start".into());
    }
    let step_text = step.map(text_of).unwrap_or_else(|| "1 day".into());
    let caps = DATE_STEP.captures(&step_text).ok_or_else(|| {
        format!("a date range's step is like `1 day`, `7 days`, `1 month`, not '{step_text}'")
    })?;
    let n: u32 = caps[1].parse().map_err(|_| "the step is too large")?;
    if n == 0 {
        return Err("a range's step must be greater than 0".into());
    }
    let advance = |date: NaiveDate, i: u32| -> Option<NaiveDate> {
        let k = n.checked_mul(i)?;
        match &caps[2] {
            "day" => date.checked_add_days(Days::new(k.into())),
            "week" => date.checked_add_days(Days::new(u64::from(k) * 7)),
            "month" => date.checked_add_months(Months::new(k)),
            _ => date.checked_add_months(Months::new(k.checked_mul(12)?)),
        }
    };
    let mut out = Vec::new();
    for i in 0.. {
        match advance(first, i) {
            Some(date) if date <= last => {
                out.push(Value::from(date.format("%Y-%m-%d").to_string()))
            }
            _ => break,
        }
        if out.len() > MAX_RANGE_STEPS {
            return Err(format!("the range has more than {MAX_RANGE_STEPS} steps"));
        }
    }
    Ok(out)
}

static INPUT_REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"'\$\{\s*ref\(\s*(?:'([^']*)'|"([^"]*)"|([^)'"]*?))\s*\)\s*\.\s*(\w+)\s*\}'|\$\{\s*ref\(\s*(?:'([^']*)'|"([^"]*)"|([^)'"]*?))\s*\)\s*\.\s*(\w+)\s*\}"#,
    )
    .expect("valid regex")
});

/// One `${ref(name).accessor}` inside a query, with its byte range (the quotes of the
/// `'${ref(x).value}'` form included: they belong to the placeholder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputReference {
    /// The referenced name.
    pub name: String,
    /// The field after the reference, as written (`value`, `values`, `min`, `max`, or another).
    pub field: String,
    /// Where it is in the text.
    pub range: std::ops::Range<usize>,
}

/// Every `${ref(name).field}` inside a text, in order.
pub fn input_references(text: &str) -> Vec<InputReference> {
    INPUT_REFERENCE
        .captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let name = (1..=3)
                .chain(5..=7)
                .find_map(|i| c.get(i))?
                .as_str()
                .trim()
                .to_string();
            let field = c.get(4).or(c.get(8))?.as_str().to_string();
            Some(InputReference {
                name,
                field,
                range: whole.range(),
            })
        })
        .collect()
}

/// Every text of a trace's query fields (props, columns, cohort_on, filters, order_by).
pub fn trace_query_texts(trace: &crate::Trace) -> Vec<String> {
    let mut texts = Vec::new();
    crate::validate::walk_trace_queries(trace, &mut |_, text| texts.push(text.to_string()));
    texts
}

/// The inputs a trace's queries reference (`${ref(x).value}`…), in order of first mention.
pub fn trace_input_names(project: &crate::Project, trace: &crate::Trace) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    crate::validate::walk_trace_queries(trace, &mut |_, text| {
        for reference in input_references(text) {
            if project.inputs.contains_key(&reference.name) && !names.contains(&reference.name) {
                names.push(reference.name);
            }
        }
    });
    names
}

/// How many states `trace` needs, when every input it references has options written as a
/// list or a range (`None` when one comes from a query: known only when the run has it).
pub fn static_state_count(project: &crate::Project, trace: &crate::Trace) -> Option<u128> {
    let mut count: u128 = 1;
    for name in trace_input_names(project, trace) {
        let input = &project.inputs[&name];
        let options = input.static_options().ok()??;
        count = count.saturating_mul(input.state_count(options.len()));
    }
    Some(count)
}

/// A located error for each of `traces` whose inputs have more than `max` states together
/// (docs/interactivity.md: every state is computed by the run).
pub fn state_budget(
    project: &crate::Project,
    traces: &[String],
    max: usize,
) -> Vec<crate::Diagnostic> {
    let mut out = Vec::new();
    for name in traces {
        let Some(trace) = project.traces.get(name) else {
            continue;
        };
        let Some(count) = static_state_count(project, trace) else {
            continue;
        };
        if count > max as u128 {
            out.push(budget_error(
                project,
                name,
                &trace_input_names(project, trace),
                count,
                max,
            ));
        }
    }
    out
}

/// The message for a trace whose inputs have `count` states, more than `max`.
pub fn budget_error(
    project: &crate::Project,
    trace: &str,
    inputs: &[String],
    count: u128,
    max: usize,
) -> crate::Diagnostic {
    use crate::model::Kind;
    let first_field = ["filters", "props", "columns", "order_by", "cohort_on"]
        .into_iter()
        .find_map(|f| project.field_location(Kind::Trace, trace, f));
    crate::Diagnostic::error(format!(
        "trace '{trace}' depends on input{} {}, which together have {count} states: more than --max-input-states ({max})",
        if inputs.len() == 1 { "" } else { "s" },
        inputs.join(", ")
    ))
    .at(first_field.or_else(|| project.location(Kind::Trace, trace)))
    .object(project.describe(Kind::Trace, trace))
    .help("every state is computed by the run so that each shows exactly what the SQL returns; a multi-select of n options has 2^n states. Use fewer options, a single-select, or raise --max-input-states (docs/interactivity.md)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(yaml: Value) -> Input {
        serde_json::from_value(yaml).unwrap()
    }

    #[test]
    fn single_select_states_start_with_the_default() {
        let i = input(json!({"type": "single-select", "options": ["N", "S", "W"],
            "display": {"default": {"value": "S"}}}));
        let options = i.static_options().unwrap().unwrap();
        let states = i.states(&options).unwrap();
        assert_eq!(states[0], InputState::One(json!("S")));
        assert_eq!(states.len(), 3);
    }

    #[test]
    fn multi_select_has_every_subset_and_all_is_the_default() {
        let i = input(json!({"type": "multi-select", "options": ["A", "B", "C"]}));
        let states = i.states(&[json!("A"), json!("B"), json!("C")]).unwrap();
        assert_eq!(states.len(), 8);
        assert_eq!(
            states[0],
            InputState::Some(vec![json!("A"), json!("B"), json!("C")])
        );
        assert!(states.contains(&InputState::Some(vec![])));
        assert_eq!(i.state_count(3), 8);
    }

    #[test]
    fn number_and_date_ranges() {
        let i = input(
            json!({"type": "multi-select", "range": {"start": 0, "end": 1000, "step": 50},
            "display": {"default": {"start": 100, "end": 500}}}),
        );
        let steps = i.static_options().unwrap().unwrap();
        assert_eq!(steps.len(), 21);
        let states = i.states(&steps).unwrap();
        assert_eq!(states[0], InputState::Between(json!(100), json!(500)));
        assert_eq!(states.len(), 21 * 22 / 2);
        let dates = InputRange {
            start: json!("2024-01-31"),
            end: json!("2024-04-30"),
            step: Some(json!("1 month")),
        };
        assert_eq!(
            dates.steps().unwrap(),
            vec![
                json!("2024-01-31"),
                json!("2024-02-29"),
                json!("2024-03-31"),
                json!("2024-04-30")
            ]
        );
    }

    #[test]
    fn a_default_that_is_no_option_is_refused() {
        let i = input(json!({"type": "single-select", "options": ["N"],
            "display": {"default": {"value": "X"}}}));
        let err = i.default_state(&[json!("N")]).unwrap_err();
        assert!(err.contains("'X' is not one of the options (N)"), "{err}");
    }

    #[test]
    fn references_with_and_without_quotes() {
        let text = "region = '${ref(region).value}' and p in (${ ref('products').values })";
        let refs = input_references(text);
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].name, "region");
        assert_eq!(&text[refs[0].range.clone()], "'${ref(region).value}'");
        assert_eq!(refs[1].name, "products");
        assert_eq!(refs[1].field, "values");
    }
}
