//! Test outcomes, the 1.0.30 compatibility switch, parse errors and limits.

use visivo_check::{check, evaluate, parse, EvalOptions, ParseError, TestOutcome};

use crate::{data, fails_with, passes, run};

const LEGACY: EvalOptions = EvalOptions {
    legacy_pass_on_false: true,
};

fn legacy(logic: &str) -> TestOutcome {
    check(logic, &data(), &LEGACY)
}

fn parse_error(logic: &str) -> ParseError {
    match parse(logic, &data()) {
        Ok(expr) => panic!("{logic} parsed: {expr:?}"),
        Err(err) => err,
    }
}

#[test]
fn a_bare_false_expression_fails() {
    fails_with(
        "north.props.x[0] == 2",
        "Expected <north.props.x[0] == 2> to be true, but was <False>.",
    );
    fails_with("  []  ", "Expected <[]> to be true, but was <[]>.");
    fails_with("None", "Expected <None> to be true, but was <None>.");
    passes("north.props.x[0] == 1");
    passes("north.props.x");
    passes("'x'");
}

#[test]
fn legacy_mode_passes_false_expressions_but_not_errors() {
    assert!(legacy("north.props.x[0] == 2").passed);
    assert!(legacy("numpy.asarray(north.props.x) > 0").passed);
    assert!(legacy("assert_that(1).is_equal_to(1)").passed);
    assert_eq!(
        legacy("assert_that(1).is_equal_to(2)").message.as_deref(),
        Some("Expected <1> to be equal to <2>, but was not.")
    );
    assert_eq!(
        legacy("north.props.x[9] == 2").message.as_deref(),
        Some("list index out of range")
    );
    assert!(!legacy("1 +").passed);
}

#[test]
fn evaluate_reports_passes_without_a_message() {
    let data = data();
    let expr = parse("assert_that(north.props.y[0]).is_equal_to(30)", &data);
    let outcome = expr.map(|e| evaluate(&e, &data, &EvalOptions::default()));
    assert_eq!(
        outcome,
        Ok(TestOutcome {
            passed: true,
            message: None
        })
    );
}

#[test]
fn parse_errors_carry_a_byte_offset() {
    let err = parse_error("1 +");
    assert_eq!(
        (err.offset, err.message.as_str()),
        (3, "unexpected end of expression")
    );
    assert_eq!(err.to_string(), "unexpected end of expression (at byte 3)");
    let err = parse_error("assert_that(1).is_equal_to(1");
    assert_eq!(
        (err.offset, err.message.as_str()),
        (28, "expected ')' but found end of expression")
    );
    let err = parse_error("1 $ 2");
    assert_eq!(
        (err.offset, err.message.as_str()),
        (2, "unexpected character '$'")
    );
    let err = parse_error("x == 'abc");
    assert_eq!(
        (err.offset, err.message.as_str()),
        (5, "unterminated string literal")
    );
    let err = parse_error("");
    assert_eq!(
        (err.offset, err.message.as_str()),
        (0, "unexpected end of expression")
    );
    let err = parse_error("1 2");
    assert_eq!(
        (err.offset, err.message.as_str()),
        (2, "unexpected number 2")
    );
    let err = parse_error("north.props.x[0:1:2]");
    assert_eq!(
        (err.offset, err.message.as_str()),
        (17, "expected ']' but found ':'")
    );
    let err = parse_error("assert_that(1).'x'");
    assert_eq!(
        (err.offset, err.message.as_str()),
        (15, "expected a matcher name after '.' but found string 'x'")
    );
    let err = parse_error("assert_that(1).1");
    assert_eq!(
        (err.offset, err.message.as_str()),
        (14, "unexpected number 0.1")
    );
    let err = parse_error("lambda: 1");
    assert_eq!((err.offset, err.message.as_str()), (6, "unexpected ':'"));
    let err = parse_error("1 if True else 2");
    assert_eq!((err.offset, err.message.as_str()), (2, "unexpected 'if'"));
    let err = parse_error("1 + §");
    assert_eq!(
        (err.offset, err.message.as_str()),
        (4, "unexpected character '§'")
    );
}

#[test]
fn parse_errors_fail_the_test_through_check() {
    assert_eq!(
        run("assert_that(").message.as_deref(),
        Some("unexpected end of expression (at byte 12)")
    );
}

#[test]
fn deep_nesting_is_rejected_not_a_stack_overflow() {
    let depth = 100_000;
    for logic in [
        format!("{}1{}", "(".repeat(depth), ")".repeat(depth)),
        format!("{}1{}", "[".repeat(depth), "]".repeat(depth)),
        format!("{}1", "-".repeat(depth)),
        format!("{}1", "not ".repeat(depth)),
        format!("{}2", "2 ** ".repeat(depth)),
        format!("{}1{}", "len(".repeat(depth), ")".repeat(depth)),
        format!("{}1{}", "assert_that(".repeat(depth), ")".repeat(depth)),
    ] {
        let err = parse_error(&logic);
        assert_eq!(err.message, "expression is nested more than 64 levels deep");
    }
    passes(&format!("{}1{} == 1", "(".repeat(60), ")".repeat(60)));
}

#[test]
fn long_flat_expressions_evaluate() {
    let n = 100_000;
    passes(&format!("{}1 == {}", "1 + ".repeat(n), n + 1));
    passes(&format!("north.props.x{}[0] == 1", "[0:4]".repeat(n)));
    passes(&format!("1{}", " and 1".repeat(n)));
    passes(&format!("0 <{}", " 1 <=".repeat(n).trim_end_matches("<=")));
    passes(&format!("assert_that(1){}", ".is_not_none()".repeat(n)));
    passes(&format!("len([{}]) == {n}", "1, ".repeat(n)));
}
