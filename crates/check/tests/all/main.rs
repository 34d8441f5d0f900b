//! Behaviour of the public API: `parse`, `evaluate` and `check`; alerts against local HTTP and
//! SMTP stand-ins.

#[cfg(feature = "alerts")]
mod alerts;
mod language;
mod matchers;
mod numpy;
mod outcomes;
mod properties;
mod references;

use serde_json::{json, Value};
use visivo_check::{check, EvalOptions, TestOutcome};

/// A trace's `data.json` with overlapping cohort names, names with spaces,
/// dotted keys, nulls and nested lists.
pub(crate) fn data() -> Value {
    json!({
        "north": {
            "props.x": [1, 2, 3, 4],
            "props.y": [30.0, 12.5, 4.0, 6.0],
            "props.text": ["a", "b", "c", "d"],
            "props.marker.color": ["red", "blue", "red", "green"],
            "props.marker": ["m"],
            "columns.x_data": [1, null, 3],
            "props.z": [[1, 2], [3, 4]],
            "props.z.0": [7, 8],
            "props.empty": []
        },
        "Fib": {"props.x": [1, 1, 2]},
        "Fibonacci": {"props.x": [1, 1, 2, 3, 5, 8]},
        "Normal Fibonacci": {"props.x": [5, 8, 13]},
        "Double Simple Line": {
            "props.x": [1, 2, 3, 4, 5, 6],
            "props.y": [2, 4, 6, 8, 10, 12]
        }
    })
}

pub(crate) fn run(logic: &str) -> TestOutcome {
    check(logic, &data(), &EvalOptions::default())
}

#[track_caller]
pub(crate) fn passes(logic: &str) {
    let outcome = run(logic);
    assert!(outcome.passed, "{logic} failed: {:?}", outcome.message);
}

#[track_caller]
pub(crate) fn fails_with(logic: &str, message: &str) {
    let outcome = run(logic);
    assert_eq!(
        outcome,
        TestOutcome {
            passed: false,
            message: Some(message.to_string())
        },
        "{logic}"
    );
}

/// Fails with a message that starts with `prefix` (parse errors end with
/// their position).
#[track_caller]
pub fn fails_starting(logic: &str, prefix: &str) {
    let outcome = run(logic);
    assert!(!outcome.passed, "{logic} passed");
    let message = outcome.message.unwrap_or_default();
    assert!(message.starts_with(prefix), "{logic}: {message}");
}

/// `assert_that(<expr>).is_equal_to(<expected>)` passes.
#[track_caller]
pub fn equals(expr: &str, expected: &str) {
    passes(&format!("assert_that({expr}).is_equal_to({expected})"));
}

/// The value of `expr` prints as `shown` (Python's `str()`).
#[track_caller]
pub fn shows(expr: &str, shown: &str) {
    fails_with(
        &format!("assert_that({expr}).is_none()"),
        &format!("Expected <{shown}> to be <None>, but was not."),
    );
}
