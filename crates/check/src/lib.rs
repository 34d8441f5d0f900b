//! A small, safe interpreter for the `logic` of Visivo trace tests.
//!
//! Visivo 1.0.30 rewrote the expression textually and ran it through Python's
//! `eval` with numpy and assertpy in scope. This crate parses the same
//! Python-like subset instead: literals, arithmetic, comparisons, `and`/`or`/
//! `not`, `in`, indexing and slicing, Python built-ins, `numpy.*` functions
//! and `assert_that(...)` with chained assertpy matchers. Data references
//! (`<cohort>.<key>`, e.g. `Double Simple Line.props.x[0]`) are matched
//! structurally against the trace's data while parsing: the longest cohort
//! name followed by `.` and then the longest key of that cohort.
//!
//! Differences from 1.0.30, by design:
//! * an expression that evaluates to a false value fails
//!   (`Expected <logic> to be true, but was <value>.`) unless
//!   [`EvalOptions::legacy_pass_on_false`];
//! * references are never found inside string literals or inside longer
//!   names (`Fib` in `Fibonacci`), and a misspelt cohort or key fails with
//!   the available names;
//! * only the listed functions and matchers exist (anything else is a parse
//!   error), integers are 64-bit (overflow fails instead of growing), a
//!   negative base with a fractional exponent fails instead of giving a
//!   complex number, and sequences cannot be repeated with `*`;
//! * numpy arrays print their elements Python-style separated by spaces
//!   (`[0.5 1.0]` where numpy prints `[0.5 1. ]`).
//!
//! Beside the interpreter: [`suite`] runs a project's tests against its data, [`junit`] writes
//! results as JUnit XML, and [`alerts`] (feature `alerts`, on by default) selects the project's
//! alerts and delivers console, Slack and email alerts about failures.
//!
//! In the pipeline (load → validate → compile → run → serve, dist, test) this is the test
//! stage, `visivo test`: it reads the loaded project (each trace's `tests` and where they were
//! written) and the `data.json` files the engine wrote, never a database.
//! [`suite::run`] gives the [`suite::TraceResults`] of every trace ([`suite::Tested`]);
//! [`suite::Tested::junit_xml`] turns them into a JUnit report,
//! [`suite::alert_failures`], [`alerts::select`] and [`alerts::send_blocking`] into alerts.
//! The 1.0.44+ form — `>{ … }` assertions and alert conditions reading `${ref(trace).props.y}`
//! — is a [`Condition`] in the same language.
//! One test's `logic` is checked like this:
//!
//! ```
//! let data = serde_json::json!({"north": {"props.y": [30.0, 12]}});
//! let options = visivo_check::EvalOptions::default();
//! let expr = visivo_check::parse("assert_that(north.props.y[0]).is_equal_to(30)", &data)?;
//! assert!(visivo_check::evaluate(&expr, &data, &options).passed);
//!
//! let outcome = visivo_check::check("assert_that(north.props.y[1]).is_equal_to(5)", &data, &options);
//! assert_eq!(outcome.message.as_deref(), Some("Expected <12> to be equal to <5>, but was not."));
//! # Ok::<(), visivo_check::ParseError>(())
//! ```

#[cfg(feature = "alerts")]
pub mod alerts;
mod ast;
mod builtins;
mod condition;
mod eval;
pub mod junit;
mod lexer;
mod matchers;
mod names;
mod numpy;
mod ops;
mod parser;
pub mod suite;
mod value;

pub use condition::{Condition, ConditionScope};
use value::Value;

/// The result of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// Whether the test held.
    pub passed: bool,
    /// Why the test failed (`None` when it passed).
    pub message: Option<String>,
}

impl TestOutcome {
    fn pass() -> Self {
        Self {
            passed: true,
            message: None,
        }
    }

    fn fail(message: String) -> Self {
        Self {
            passed: false,
            message: Some(message),
        }
    }
}

/// How tests are judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvalOptions {
    /// Visivo 1.0.30 compatibility: a test only fails when evaluation raises,
    /// so an expression that evaluates to a false value passes.
    pub legacy_pass_on_false: bool,
}

/// Why `logic` could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {offset})")]
pub struct ParseError {
    /// Byte offset into the logic text.
    pub offset: usize,
    /// What could not be parsed, and what was expected there.
    pub message: String,
}

impl ParseError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        Self {
            offset,
            message: message.into(),
        }
    }
}

/// A parsed test expression.
#[derive(Debug, Clone)]
pub struct Expr {
    source: String,
    root: ast::Node,
}

/// Parses `logic`, resolving `<cohort>.<key>` references against the cohorts
/// and keys of `data` (the trace's `data.json`, `{cohort: {key: [...]}}`).
/// Names inside string literals are never references.
pub fn parse(logic: &str, data: &serde_json::Value) -> Result<Expr, ParseError> {
    let names = names::DataNames::from_data(data);
    let root = parser::parse_logic(logic, &names)?;
    Ok(Expr {
        source: logic.trim().to_string(),
        root,
    })
}

/// Evaluates a parsed test against the trace's data. Never panics; a failed
/// matcher, a Python-style error or (unless `legacy_pass_on_false`) a false
/// result fails the test with a message.
pub fn evaluate(expr: &Expr, data: &serde_json::Value, opts: &EvalOptions) -> TestOutcome {
    let scope = eval::Scope {
        data,
        env: &|_| None,
        any_test_failed: false,
    };
    judge(eval::eval(&expr.root, &scope), &expr.source, opts)
}

/// A test's outcome from its expression's value: an assertion passed, any other value must be
/// true (unless `legacy_pass_on_false`).
fn judge(result: ops::EvalResult, source: &str, opts: &EvalOptions) -> TestOutcome {
    match result {
        Err(message) => TestOutcome::fail(message),
        Ok(_) if opts.legacy_pass_on_false => TestOutcome::pass(),
        Ok(Value::Assertion(_)) => TestOutcome::pass(),
        Ok(value) => match value.truthy() {
            Ok(true) => TestOutcome::pass(),
            Ok(false) => TestOutcome::fail(format!(
                "Expected <{source}> to be true, but was <{value}>."
            )),
            Err(message) => TestOutcome::fail(message),
        },
    }
}

/// [`parse`] then [`evaluate`]; a parse error fails the test with its text.
pub fn check(logic: &str, data: &serde_json::Value, opts: &EvalOptions) -> TestOutcome {
    match parse(logic, data) {
        Ok(expr) => evaluate(&expr, data, opts),
        Err(err) => TestOutcome::fail(err.to_string()),
    }
}
