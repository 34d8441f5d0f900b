//! Every matcher passing and failing, with assertpy 1.1's messages.

use crate::{fails_starting, fails_with, passes};

#[test]
fn is_equal_to() {
    passes("assert_that(north.props.y[2]).is_equal_to(4)");
    passes("assert_that(4).is_equal_to(4.0)");
    passes("assert_that(True).is_equal_to(1)");
    passes("assert_that(north.props.text).is_equal_to(['a', 'b', 'c', 'd'])");
    passes("assert_that(north.props.text[0]).is_equal_to(\"a\")");
    fails_with(
        "assert_that(4).is_equal_to(5)",
        "Expected <4> to be equal to <5>, but was not.",
    );
    fails_with(
        "assert_that(north.props.y[2]).is_equal_to(5)",
        "Expected <4.0> to be equal to <5>, but was not.",
    );
    fails_with(
        "assert_that(north.props.text[:2]).is_equal_to(['a'])",
        "Expected <['a', 'b']> to be equal to <['a']>, but was not.",
    );
    fails_with(
        "assert_that('4').is_equal_to(4)",
        "Expected <4> to be equal to <4>, but was not.",
    );
}

#[test]
fn is_not_equal_to() {
    passes("assert_that(1).is_not_equal_to(2)");
    fails_with(
        "assert_that(2).is_not_equal_to(2.0)",
        "Expected <2> to be not equal to <2.0>, but was.",
    );
}

#[test]
fn is_true_and_is_false() {
    passes("assert_that(True).is_true()");
    passes("assert_that([1]).is_true()");
    passes("assert_that(0).is_false()");
    passes("assert_that('').is_false()");
    fails_with(
        "assert_that(False).is_true()",
        "Expected <True>, but was not.",
    );
    fails_with("assert_that([]).is_true()", "Expected <True>, but was not.");
    fails_with(
        "assert_that(1 == 1).is_false()",
        "Expected <False>, but was not.",
    );
}

#[test]
fn is_none_and_is_not_none() {
    passes("assert_that(north.columns.x_data[1]).is_none()");
    passes("assert_that(0).is_not_none()");
    fails_with(
        "assert_that(north.columns.x_data[0]).is_none()",
        "Expected <1> to be <None>, but was not.",
    );
    fails_with(
        "assert_that(None).is_not_none()",
        "Expected not <None>, but was.",
    );
}

#[test]
fn ordering_matchers() {
    passes("assert_that(3).is_greater_than(2)");
    passes("assert_that(3).is_greater_than_or_equal_to(3.0)");
    passes("assert_that(2.5).is_less_than(3)");
    passes("assert_that(True).is_less_than_or_equal_to(1)");
    fails_with(
        "assert_that(3).is_greater_than(5)",
        "Expected <3> to be greater than <5>, but was not.",
    );
    fails_with(
        "assert_that(3).is_greater_than_or_equal_to(3.5)",
        "Expected <3> to be greater than or equal to <3.5>, but was not.",
    );
    fails_with(
        "assert_that(3).is_less_than(3)",
        "Expected <3> to be less than <3>, but was not.",
    );
    fails_with(
        "assert_that(4.0).is_less_than_or_equal_to(3)",
        "Expected <4.0> to be less than or equal to <3>, but was not.",
    );
}

#[test]
fn ordering_matchers_validate_their_arguments() {
    fails_with(
        "assert_that('a').is_greater_than(1)",
        "ordering is not defined for type <str>",
    );
    fails_with(
        "assert_that(1).is_less_than('a')",
        "given arg must be a number, but was <str>",
    );
    fails_with(
        "assert_that(north.props.x).is_less_than(1)",
        "ordering is not defined for type <list>",
    );
}

#[test]
fn is_between() {
    passes("assert_that(5).is_between(1, 10)");
    passes("assert_that(1.0).is_between(1, 1)");
    fails_with(
        "assert_that(11).is_between(1, 10)",
        "Expected <11> to be between <1> and <10>, but was not.",
    );
    fails_with(
        "assert_that(5).is_between(10, 1)",
        "given low arg must be less than given high arg",
    );
    fails_with(
        "assert_that(5).is_between('a', 1)",
        "given low arg must be numeric, but was <str>",
    );
    fails_with(
        "assert_that(5).is_between(1, None)",
        "given high arg must be numeric, but was <NoneType>",
    );
}

#[test]
fn is_close_to() {
    passes("assert_that(123).is_close_to(100, 25)");
    passes("assert_that(0.1 + 0.2).is_close_to(0.3, 0.000001)");
    fails_with(
        "assert_that(123.4).is_close_to(123, 0.1)",
        "Expected <123.4> to be close to <123> within tolerance <0.1>, but was not.",
    );
    fails_with(
        "assert_that(1).is_close_to(1, -1)",
        "given tolerance arg must be positive",
    );
    fails_with(
        "assert_that('x').is_close_to(1, 1)",
        "val is not numeric or datetime",
    );
    fails_with(
        "assert_that(1).is_close_to('1', 1)",
        "given arg must be numeric",
    );
    fails_with(
        "assert_that(1).is_close_to(1, '1')",
        "given tolerance arg must be numeric",
    );
}

#[test]
fn is_length() {
    passes("assert_that(north.props.x).is_length(4)");
    passes("assert_that('abc').is_length(3)");
    fails_with(
        "assert_that([1, 2]).is_length(3)",
        "Expected <[1, 2]> to be of length <3>, but was <2>.",
    );
    fails_with(
        "assert_that([1]).is_length(1.0)",
        "given arg must be an int",
    );
    fails_with(
        "assert_that([1]).is_length(-1)",
        "given arg must be a positive int",
    );
    fails_with(
        "assert_that(1).is_length(1)",
        "object of type 'int' has no len()",
    );
}

#[test]
fn contains_and_does_not_contain() {
    passes("assert_that(north.props.marker.color).contains('red')");
    passes("assert_that(north.props.marker.color).contains('red', 'blue')");
    passes("assert_that('revenue').contains('ven')");
    passes("assert_that(north.props.x).contains(4.0)");
    passes("assert_that(north.props.x).does_not_contain(5, 6)");
    fails_with(
        "assert_that(north.props.x).contains(5)",
        "Expected <[1, 2, 3, 4]> to contain item <5>, but did not.",
    );
    fails_with(
        "assert_that(north.props.text).contains('a', 'x', 'y')",
        "Expected <['a', 'b', 'c', 'd']> to contain items <'a', 'x', 'y'>, but did not contain <'x', 'y'>.",
    );
    fails_with(
        "assert_that(north.props.x).does_not_contain(2)",
        "Expected <[1, 2, 3, 4]> to not contain item <2>, but did.",
    );
    fails_with(
        "assert_that(north.props.x).does_not_contain(2, 3, 9)",
        "Expected <[1, 2, 3, 4]> to not contain items <2, 3, 9>, but did contain <2, 3>.",
    );
    fails_with(
        "assert_that(north.props.x).contains()",
        "one or more args must be given",
    );
    fails_with(
        "assert_that(5).contains(5)",
        "argument of type 'int' is not iterable",
    );
}

#[test]
fn is_empty_and_is_not_empty() {
    passes("assert_that(north.props.empty).is_empty()");
    passes("assert_that('').is_empty()");
    passes("assert_that(north.props.x).is_not_empty()");
    fails_with(
        "assert_that(north.props.x[:2]).is_empty()",
        "Expected <[1, 2]> to be empty, but was not.",
    );
    fails_with(
        "assert_that('ab').is_empty()",
        "Expected <ab> to be empty string, but was not.",
    );
    fails_with(
        "assert_that(north.props.empty).is_not_empty()",
        "Expected not empty, but was empty.",
    );
    fails_with(
        "assert_that('').is_not_empty()",
        "Expected not empty string, but was empty.",
    );
}

#[test]
fn is_in_and_is_not_in() {
    passes("assert_that(north.props.text[0]).is_in('a', 'b')");
    passes("assert_that(2).is_in(2.0)");
    passes("assert_that(3).is_not_in(1, 2)");
    fails_with(
        "assert_that(3).is_in(1, 2)",
        "Expected <3> to be in <1, 2>, but was not.",
    );
    fails_with(
        "assert_that('c').is_in('a', 'b')",
        "Expected <c> to be in <'a', 'b'>, but was not.",
    );
    fails_with(
        "assert_that(3).is_in([3])",
        "Expected <3> to be in <[3]>, but was not.",
    );
    fails_with(
        "assert_that(1).is_not_in(1, 2)",
        "Expected <1> to not be in <1, 2>, but was.",
    );
    fails_with(
        "assert_that([1, 2]).is_in([3], [4])",
        "Expected <[1, 2]> to be in <3], [4>, but was not.",
    );
}

#[test]
fn matchers_chain_and_stop_at_the_first_failure() {
    passes("assert_that(north.props.x[0]).is_not_none().is_greater_than(0).is_less_than(2)");
    fails_with(
        "assert_that(north.props.x[1]).is_not_none().is_greater_than(5).is_less_than(0)",
        "Expected <2> to be greater than <5>, but was not.",
    );
    passes("assert_that(north.props.x)");
}

#[test]
fn matcher_arity_is_checked() {
    fails_with(
        "assert_that(1).is_equal_to()",
        "is_equal_to() takes 1 argument (0 given)",
    );
    fails_with(
        "assert_that(1).is_true(1)",
        "is_true() takes 0 arguments (1 given)",
    );
    fails_with(
        "assert_that(1).is_between(1)",
        "is_between() takes 2 arguments (1 given)",
    );
    fails_with(
        "assert_that(1, 2).is_true()",
        "assert_that() takes exactly one argument (2 given)",
    );
}

#[test]
fn unknown_matchers_and_matchers_on_plain_values_fail_clearly() {
    fails_starting(
        "assert_that(1).is_equal(1)",
        "unknown matcher 'is_equal'. Available matchers: is_equal_to, is_not_equal_to,",
    );
    fails_with(
        "north.props.x.is_true()",
        "'list' object has no attribute 'is_true'",
    );
}

#[test]
fn matchers_on_arrays_are_ambiguous_like_numpy() {
    fails_with(
        "assert_that(numpy.asarray([1, 2])).is_equal_to([1, 2])",
        "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()",
    );
    passes("assert_that(numpy.asarray([2])).is_equal_to(2)");
}
