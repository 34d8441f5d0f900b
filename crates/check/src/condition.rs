//! `>{ … }` expressions (Visivo 1.0.44+): test assertions and `if:` conditions of tests and
//! alerts. The language is `logic`'s, with data read as `${ref(<trace>).<key>}` (the values of
//! all the trace's cohorts together, as 1.0.82 reads them), `env.NAME` and `any_test_failed()`.

use crate::ast::Node;
use crate::eval::{self, Scope};
use crate::{judge, parser, EvalOptions, ParseError, TestOutcome};
use std::collections::HashMap;

/// A parsed `>{ … }` expression.
#[derive(Debug, Clone)]
pub struct Condition {
    source: String,
    root: Node,
    traces: Vec<String>,
}

/// What a [`Condition`] reads.
pub struct ConditionScope<'a> {
    /// The `data.json` (`{cohort: {key: [...]}}`) of each trace the condition references.
    pub data: &'a HashMap<String, serde_json::Value>,
    /// The value of `env.NAME` (usually the process environment).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// What `any_test_failed()` returns.
    pub any_test_failed: bool,
}

impl Condition {
    /// Parses `>{ <expression> }`; a [`ParseError`]'s offset is into `text`.
    ///
    /// ```
    /// let c = visivo_check::Condition::parse(">{ ${ref(revenue).props.y[0]} == 5 }")?;
    /// assert_eq!(c.traces(), ["revenue"]);
    /// # Ok::<(), visivo_check::ParseError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Condition, ParseError> {
        let (start, body) = body(text)?;
        let root =
            parser::parse_eval(body).map_err(|e| ParseError::new(start + e.offset, e.message))?;
        let mut traces = Vec::new();
        collect_traces(&root, &mut traces);
        Ok(Condition {
            source: body.trim().to_string(),
            root,
            traces,
        })
    }

    /// The traces whose data the condition reads, each once, in order of appearance.
    pub fn traces(&self) -> &[String] {
        &self.traces
    }

    /// Whether the condition's value is true; an error (a missing key, a type error) is `Err`.
    pub fn holds(&self, scope: &ConditionScope) -> Result<bool, String> {
        let data = self.combined_data(scope);
        eval::eval(&self.root, &self.scope(&data, scope))?.truthy()
    }

    /// Whether the condition holds: an error or a false value fails with a message
    /// (`Expected <…> to be true, but was <False>.`).
    pub fn evaluate(&self, scope: &ConditionScope) -> TestOutcome {
        let data = self.combined_data(scope);
        judge(
            eval::eval(&self.root, &self.scope(&data, scope)),
            &self.source,
            &EvalOptions::default(),
        )
    }

    /// `{trace: {key: [values of all cohorts]}}` for the traces the condition reads.
    fn combined_data(&self, scope: &ConditionScope) -> serde_json::Value {
        let combined = self
            .traces
            .iter()
            .filter_map(|trace| Some((trace.clone(), combine_cohorts(scope.data.get(trace)?))))
            .collect();
        serde_json::Value::Object(combined)
    }

    fn scope<'a>(&self, data: &'a serde_json::Value, scope: &ConditionScope<'a>) -> Scope<'a> {
        Scope {
            data,
            env: scope.env,
            any_test_failed: scope.any_test_failed,
        }
    }
}

/// The expression between `>{` and the last `}`, with its byte offset in `text`.
fn body(text: &str) -> Result<(usize, &str), ParseError> {
    let start = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let inner = trimmed
        .strip_prefix(">{")
        .and_then(|rest| rest.strip_suffix('}'))
        .ok_or_else(|| ParseError::new(start, "expected `>{ <expression> }`"))?;
    Ok((start + 2, inner))
}

/// `{cohort: {key: [...]}}` → `{key: [values of every cohort, in order]}`.
fn combine_cohorts(data: &serde_json::Value) -> serde_json::Value {
    let mut combined = serde_json::Map::new();
    for cohort in data.as_object().into_iter().flat_map(|c| c.values()) {
        for (key, values) in cohort.as_object().into_iter().flatten() {
            let slot = combined
                .entry(key.clone())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            if let serde_json::Value::Array(list) = slot {
                match values {
                    serde_json::Value::Array(values) => list.extend(values.iter().cloned()),
                    value => list.push(value.clone()),
                }
            }
        }
    }
    serde_json::Value::Object(combined)
}

fn collect_traces(node: &Node, traces: &mut Vec<String>) {
    if let Node::TraceRef { trace, .. } = node {
        if !traces.contains(trace) {
            traces.push(trace.clone());
        }
    }
    node.children()
        .for_each(|child| collect_traces(child, traces));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> HashMap<String, serde_json::Value> {
        let revenue = serde_json::json!({
            "north": {"props.y": [30.0, 7.5], "props.x": ["a", "b"]},
            "south": {"props.y": [5, 12.0, 8]},
        });
        HashMap::from([("my revenue".to_string(), revenue)])
    }

    fn outcome(text: &str, any_test_failed: bool) -> TestOutcome {
        let data = data();
        let env = |name: &str| (name == "STAGE").then(|| "prod".to_string());
        let scope = ConditionScope {
            data: &data,
            env: &env,
            any_test_failed,
        };
        match Condition::parse(text) {
            Ok(condition) => condition.evaluate(&scope),
            Err(e) => TestOutcome::fail(e.to_string()),
        }
    }

    fn passes(text: &str) -> bool {
        outcome(text, false).passed
    }

    #[test]
    fn references_read_every_cohort_of_the_trace_in_order() {
        assert!(passes(">{ ${ref(my revenue).props.y[0]} == 30 }"));
        assert!(passes(">{${ ref('my revenue').props.y[2] } == 5}"));
        assert!(passes(">{ ${ref(my revenue).props.y}[-1] == 8 }"));
        assert!(passes(">{ ${ref(my revenue).props.y[1:3]} == [7.5, 5] }"));
        assert!(passes(">{ sum(${ref(my revenue).props.y}) == 62.5 and mean(${ref(my revenue).props.y}) == 12.5 }"));
        assert!(passes(">{ len(${ref(my revenue).props.x}) == 2 }"));
    }

    #[test]
    fn a_false_value_fails_with_the_expression() {
        assert_eq!(
            outcome(">{ ${ref(my revenue).props.y[1]} == 8 }", false)
                .message
                .as_deref(),
            Some("Expected <${ref(my revenue).props.y[1]} == 8> to be true, but was <False>.")
        );
    }

    #[test]
    fn environment_and_test_results_are_readable() {
        assert!(passes(">{ env.STAGE == 'prod' and env.OTHER == None }"));
        assert!(!passes(">{ any_test_failed() }"));
        assert!(outcome(">{ any_test_failed() }", true).passed);
    }

    #[test]
    fn missing_keys_and_traces_name_what_exists() {
        assert_eq!(
            outcome(">{ ${ref(my revenue).props.z[0]} == 1 }", false)
                .message
                .as_deref(),
            Some("Trace 'my revenue' has no data key 'props.z'.  Available keys: props.y, props.x")
        );
        assert_eq!(
            outcome(">{ ${ref(other).props.y} }", false)
                .message
                .as_deref(),
            Some("no data for trace 'other'")
        );
    }

    #[test]
    fn the_traces_read_are_listed_once() {
        let c = Condition::parse(
            ">{ ${ref(a).props.y[0]} < ${ref(b).props.y[0]} + len(${ref(a).columns.x}) }",
        )
        .unwrap();
        assert_eq!(c.traces(), ["a", "b"]);
    }

    #[test]
    fn malformed_expressions_are_parse_errors_at_their_offset() {
        let cases = [
            ("1 == 1", 0, "expected `>{ <expression> }`"),
            (
                ">{ ${ref(a)} == 1 }",
                11,
                "expected the data to read after `ref(a)`, e.g. `.props.y`",
            ),
            (
                ">{ ${val(a).x} }",
                5,
                "expected `ref(<trace>)` after '${' but found 'val'",
            ),
            (
                ">{ ${ref(a).props.y == 1 }",
                20,
                "expected '}' but found '=='",
            ),
            (">{ ${ref().x} }", 9, "`ref()` needs a trace name"),
            (" >{ 1 === 1 }", 8, "unexpected character '='"),
        ];
        for (text, offset, message) in cases {
            let err = Condition::parse(text).unwrap_err();
            assert_eq!(
                (err.offset, err.message.as_str()),
                (offset, message),
                "{text}"
            );
        }
    }

    #[test]
    fn the_1_0_30_logic_has_none_of_the_new_forms() {
        let data = serde_json::json!({"a": {"props.y": [1]}});
        for logic in [
            "${ref(a).props.y[0]} == 1",
            "env.STAGE == 'prod'",
            "any_test_failed()",
            "mean([1])",
        ] {
            assert!(
                !crate::check(logic, &data, &EvalOptions::default()).passed,
                "{logic}"
            );
        }
    }
}
