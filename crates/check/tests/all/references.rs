//! `<cohort>.<key>` references, matched structurally against the data.

use serde_json::json;
use visivo_check::{check, parse, EvalOptions};

use crate::{data, equals, fails_starting, fails_with, passes};

#[test]
fn examples_from_visivo() {
    passes("assert_that(numpy.sum(Double Simple Line.props.x)).is_equal_to(21)");
    passes("assert_that(Normal Fibonacci.props.x[0]).is_equal_to(5)");
    passes("assert_that(numpy.all(numpy.asarray(Double Simple Line.props.y) < 13)).is_true()");
    passes("assert_that(False).is_false()");
    fails_with(
        "assert_that(False).is_true()",
        "Expected <True>, but was not.",
    );
}

#[test]
fn overlapping_cohort_names_pick_the_longest_whole_name() {
    equals("len(Fib.props.x)", "3");
    equals("len(Fibonacci.props.x)", "6");
    equals("Normal Fibonacci.props.x", "[5, 8, 13]");
    equals("Fib.props.x + Fibonacci.props.x[3:4]", "[1, 1, 2, 3]");
    passes("Fibonacci.props.x[-1] > Fib.props.x[-1]");
}

#[test]
fn longest_key_wins_and_keys_end_at_name_boundaries() {
    equals("north.props.marker.color[1]", "'blue'");
    equals("north.props.marker", "['m']");
    equals("north.props.z.0", "[7, 8]");
    equals("north.props.z[0]", "[1, 2]");
    equals("north.columns.x_data[0]", "1");
    fails_with(
        "north.props.xy",
        "Cohort 'north' has no data key 'props.xy'.  Available keys: props.x, props.y, props.text, props.marker.color, props.marker, columns.x_data, props.z, props.z.0, props.empty",
    );
}

#[test]
fn names_inside_string_literals_are_never_references() {
    equals("'Fib.props.x'", "\"Fib.props.x\"");
    equals("len('Double Simple Line.props.x')", "26");
    passes("'north.props.x' != str(north.props.x)");
    equals("north.props.text[0] + 'north.props.y'", "'anorth.props.y'");
}

#[test]
fn unknown_cohorts_list_the_available_ones() {
    let message = "Unknown name 'south.props.x': the test does not reference a valid data cohort.  Available cohorts: north, Fib, Fibonacci, Normal Fibonacci, Double Simple Line";
    fails_with("assert_that(south.props.x[0]).is_equal_to(1)", message);
    fails_with(
        "Fibo.props.x",
        "Unknown name 'Fibo.props.x': the test does not reference a valid data cohort.  Available cohorts: north, Fib, Fibonacci, Normal Fibonacci, Double Simple Line",
    );
    fails_starting(
        "assert_that(Simple Line.props.x).is_empty()",
        "Unknown name 'Simple Line.props.x': the test",
    );
    fails_starting(
        "x",
        "Unknown name 'x': the test does not reference a valid data cohort.",
    );
}

#[test]
fn unknown_keys_list_the_cohorts_keys() {
    fails_with(
        "assert_that(Double Simple Line.props.z[0]).is_equal_to(1)",
        "Cohort 'Double Simple Line' has no data key 'props.z'.  Available keys: props.x, props.y",
    );
    fails_with(
        "Fib.props.y.0 == 1",
        "Cohort 'Fib' has no data key 'props.y.0'.  Available keys: props.x",
    );
}

#[test]
fn cohort_names_with_any_characters() {
    let data = json!({
        "2023-01-01": {"props.y": [3]},
        "not in": {"props.y": [4]},
        "a (b)": {"props.y": [5]},
        "Ünïcode": {"props.y": [6]},
        "np": {"props.y": [7]},
        "it's": {"props.y": [8]}
    });
    let options = EvalOptions::default();
    for logic in [
        "assert_that(2023-01-01.props.y[0]).is_equal_to(3)",
        "not in.props.y[0] == 4",
        "a (b).props.y == [5]",
        "Ünïcode.props.y[0] + 2023-01-01.props.y[0] == 9",
        "np.props.y[0] == 7 and np.sum(np.props.y) == 7",
        "it's.props.y[0] == 8",
        "2023 - 1 == 2022",
    ] {
        let outcome = check(logic, &data, &options);
        assert!(outcome.passed, "{logic}: {:?}", outcome.message);
    }
    let outcome = check("np.foo", &data, &options);
    assert_eq!(
        outcome.message.as_deref(),
        Some("Cohort 'np' has no data key 'foo'.  Available keys: props.y")
    );
}

#[test]
fn data_without_cohorts() {
    let options = EvalOptions::default();
    for data in [json!({}), json!([1, 2]), json!(null), json!({"a": [1]})] {
        let outcome = check("a.props.x[0] == 1", &data, &options);
        assert!(!outcome.passed);
    }
    let outcome = check("1 + 1 == 2", &json!({}), &options);
    assert!(outcome.passed);
}

#[test]
fn references_resolve_against_the_data_given_to_evaluate() {
    let expr = parse("north.props.x[0] == 1", &data());
    let Ok(expr) = expr else {
        panic!("parse failed: {expr:?}");
    };
    let other = json!({"south": {"props.x": [1]}});
    let outcome = visivo_check::evaluate(&expr, &other, &EvalOptions::default());
    assert_eq!(
        outcome.message.as_deref(),
        Some("The test does not reference a valid data cohort.  Available cohorts: south")
    );
    let renamed = json!({"north": {"props.y": [1]}});
    let outcome = visivo_check::evaluate(&expr, &renamed, &EvalOptions::default());
    assert_eq!(
        outcome.message.as_deref(),
        Some("Cohort 'north' has no data key 'props.x'.  Available keys: props.y")
    );
}

#[test]
fn data_values_convert_like_python_json() {
    let data = json!({"t": {"v": [1, 1.0, true, null, "s", {"k": [2]}, [3]]}});
    let options = EvalOptions::default();
    let outcome = check("assert_that(t.v).is_none()", &data, &options);
    assert_eq!(
        outcome.message.as_deref(),
        Some("Expected <[1, 1.0, True, None, 's', {'k': [2]}, [3]]> to be <None>, but was not.")
    );
    for logic in [
        "t.v[5]['k'][0] == 2",
        "'k' in t.v[5]",
        "len(t.v[5]) == 1",
        "t.v[5] == t.v[5]",
    ] {
        let outcome = check(logic, &data, &options);
        assert!(outcome.passed, "{logic}: {:?}", outcome.message);
    }
    let outcome = check("t.v[5]['x']", &data, &options);
    assert_eq!(outcome.message.as_deref(), Some("'x'"));
}
