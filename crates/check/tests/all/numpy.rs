//! `numpy.*` functions, the `np.` alias and element-wise arrays.

use crate::{equals, fails_with, passes, shows};

#[test]
fn aggregates() {
    equals("numpy.sum(Double Simple Line.props.x)", "21");
    equals("np.sum(north.props.y)", "52.5");
    equals("numpy.mean(north.props.x)", "2.5");
    equals("numpy.min(north.props.y)", "4");
    equals("numpy.max(north.props.x)", "4");
    equals("numpy.median(north.props.x)", "2.5");
    equals("numpy.median([3, 1, 2])", "2");
    equals("numpy.std([1, 2, 3, 4])", "1.118033988749895");
    equals("numpy.count_nonzero([0, 1, 2, 0, None, ''])", "2");
    equals("numpy.sum(north.props.z)", "10");
    equals("numpy.sum([True, True, False])", "2");
    shows("numpy.sum(north.props.x)", "10");
    shows("numpy.sum([1, 2.0])", "3.0");
    shows("numpy.max([1, 2.5, 2])", "2.5");
    shows("numpy.max([3, 2.5])", "3.0");
    shows("numpy.mean([1, 2])", "1.5");
    shows("numpy.sum([])", "0.0");
    shows("numpy.mean([])", "nan");
    shows("numpy.max([1, float('nan')])", "nan");
}

#[test]
fn sums_are_pairwise_like_numpy() {
    equals(
        "numpy.sum([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])",
        "1.0",
    );
    equals(
        "sum([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])",
        "0.9999999999999999",
    );
}

#[test]
fn all_any_and_unique() {
    passes("numpy.all(north.props.x)");
    passes("numpy.any([0, 0, 3])");
    passes("not numpy.any([])");
    passes("numpy.all([])");
    shows(
        "numpy.unique(north.props.marker.color)",
        "['blue' 'green' 'red']",
    );
    equals("list(numpy.unique(Fib.props.x))", "[1, 2]");
    shows("numpy.unique([3, 1, 2, 1, 3.0])", "[1 2 3]");
    equals("len(numpy.unique(Fibonacci.props.x))", "5");
}

#[test]
fn round_and_abs() {
    shows("numpy.round(2.5)", "2.0");
    // numpy scales by 10**decimals (2.675 * 100 == 267.5); Python's round
    // works on the exact binary value and gives 2.67.
    shows("np.round(2.675, 2)", "2.68");
    shows("numpy.round(3)", "3");
    shows("numpy.round([1.25, 2.35], 1)", "[1.2 2.4]");
    shows("numpy.abs([-1, 2, -3.5])", "[1 2 3.5]");
    shows("numpy.abs(-2)", "2");
    shows("numpy.round(numpy.asarray([1.5, 2.5]))", "[2.0 2.0]");
    fails_with(
        "round(numpy.asarray([1.5]))",
        "type ndarray doesn't define __round__ method",
    );
}

#[test]
fn asarray_makes_operations_element_wise() {
    passes("assert_that(numpy.all(numpy.asarray(north.props.y) > 3)).is_true()");
    passes("numpy.all(numpy.asarray(Double Simple Line.props.x) < 7)");
    passes("numpy.all(np.asarray(Double Simple Line.props.y) == np.asarray(Double Simple Line.props.x) * 2)");
    passes("numpy.any(numpy.asarray(north.props.marker.color) == 'green')");
    shows("numpy.asarray(north.props.x) + 1", "[2 3 4 5]");
    shows("numpy.asarray([1, 2]) * [3, 4]", "[3 8]");
    shows("10 - numpy.asarray([1, 2])", "[9 8]");
    shows("numpy.asarray([1, 2]) / 2", "[0.5 1.0]");
    shows("-numpy.asarray([1, 2])", "[-1 -2]");
    shows(
        "numpy.asarray([[1, 2], [3, 4]]) > 2",
        "[[False False] [True True]]",
    );
    shows("numpy.asarray([1, 2, 3]) < [2]", "[True False False]");
    shows("numpy.asarray(north.props.x)[1:3]", "[2 3]");
    equals("numpy.asarray(north.props.x)[-1]", "4");
    passes("3 in numpy.asarray(north.props.x)");
    equals("numpy.sum(numpy.asarray(north.props.x) > 2)", "2");
}

#[test]
fn plain_lists_compare_as_lists() {
    fails_with(
        "north.props.x < 7",
        "'<' not supported between instances of 'list' and 'int'",
    );
    passes("north.props.x == [1, 2, 3, 4]");
    fails_with(
        "numpy.asarray([1, 2]) == numpy.asarray([1, 2, 3])",
        "operands could not be broadcast together with shapes (2,) (3,)",
    );
}

#[test]
fn arrays_are_truthy_only_with_one_element() {
    fails_with(
        "numpy.asarray(north.props.x) > 0",
        "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()",
    );
    fails_with(
        "numpy.asarray([]) == 1",
        "The truth value of an empty array is ambiguous. Use `array.size > 0` to check that an array is not empty.",
    );
    passes("numpy.asarray([5]) > 1");
}

#[test]
fn numpy_errors() {
    fails_with(
        "numpy.min([])",
        "zero-size array to reduction operation minimum which has no identity",
    );
    fails_with(
        "numpy.max([])",
        "zero-size array to reduction operation maximum which has no identity",
    );
    fails_with(
        "numpy.sum(north.columns.x_data)",
        "numpy.sum() requires numbers, got 'NoneType'",
    );
    fails_with(
        "numpy.mean(north.props.text)",
        "numpy.mean() requires numbers, got 'str'",
    );
    fails_with(
        "numpy.sum(1, 2)",
        "numpy.sum() takes exactly one argument (2 given)",
    );
    fails_with(
        "numpy.asarray(['a']) + 1",
        "can only concatenate str (not \"int\") to str",
    );
}

#[test]
fn unknown_functions_fail_clearly() {
    fails_with("numpy.foo([1])", "unknown function 'numpy.foo' (at byte 0)");
    fails_with(
        "np.sum",
        "function 'np.sum' must be called with (...) (at byte 0)",
    );
    fails_with("exec('1')", "unknown function 'exec' (at byte 0)");
    fails_with(
        "assert_that(__import__('os'))",
        "unknown function '__import__' (at byte 12)",
    );
}
