//! Literals, operators, indexing, slicing and built-ins.

use crate::{equals, fails_starting, fails_with, passes, shows};

#[test]
fn literals_print_like_python() {
    shows("1", "1");
    shows("1.0", "1.0");
    shows("1.5e3", "1500.0");
    shows(".5", "0.5");
    shows("1e-5", "1e-05");
    shows("\"say \\\"hi\\\"\"", "say \"hi\"");
    shows("'tab\\there'", "tab\there");
    shows("True", "True");
    shows("[1, 'a', None, 2.5, [True]]", "[1, 'a', None, 2.5, [True]]");
    shows("[\"it's\"]", "[\"it's\"]");
    shows("[]", "[]");
    shows("[1, 2,]", "[1, 2]");
}

#[test]
fn arithmetic_follows_python() {
    equals("1 + 2 * 3", "7");
    equals("(1 + 2) * 3", "9");
    equals("7 / 2", "3.5");
    equals("7 // 2", "3");
    equals("-7 // 2", "-4");
    equals("7.5 // 2", "3.0");
    equals("-7 % 3", "2");
    equals("7 % -3", "-2");
    equals("-7.5 % 2", "0.5");
    equals("2 ** 10", "1024");
    equals("2 ** -1", "0.5");
    equals("2 ** 3 ** 2", "512");
    equals("-2 ** 2", "-4");
    equals("--3", "3");
    equals("+True", "1");
    equals("True + True", "2");
    equals("10 - 2 - 3", "5");
    equals("'ab' + 'cd'", "'abcd'");
    equals("[1] + [2]", "[1, 2]");
    shows("6 / 3", "2.0");
    shows("0.1 + 0.2", "0.30000000000000004");
}

#[test]
fn arithmetic_errors_are_python_errors() {
    fails_with("1 / 0", "division by zero");
    fails_with("1.0 / 0", "float division by zero");
    fails_with("1 // 0", "integer division or modulo by zero");
    fails_with("1 % 0", "integer modulo by zero");
    fails_with("1.0 // 0", "float floor division by zero");
    fails_with("5 % 0.0", "float modulo");
    fails_with("'a' + 1", "can only concatenate str (not \"int\") to str");
    fails_with("[1] + (1,)", "expected ')' but found ',' (at byte 8)");
    fails_with(
        "[1] + 'a'",
        "can only concatenate list (not \"str\") to list",
    );
    fails_with(
        "1 + 'a'",
        "unsupported operand type(s) for +: 'int' and 'str'",
    );
    fails_with(
        "[1] * 2",
        "unsupported operand type(s) for *: 'list' and 'int'",
    );
    fails_with("-'a'", "bad operand type for unary -: 'str'");
    fails_with("0.0 ** -1", "0.0 cannot be raised to a negative power");
    fails_with(
        "(-8) ** 0.5",
        "negative number cannot be raised to a fractional power",
    );
    fails_with("10.0 ** 400", "(34, 'Numerical result out of range')");
}

#[test]
fn huge_integers_fail_fast_instead_of_hanging() {
    fails_with("2 ** 100", "integer result too large");
    fails_with("10 ** 99999999999", "integer result too large");
    fails_with("9223372036854775807 + 1", "integer result too large");
    equals("1 ** 99999999999", "1");
    equals("(-1) ** 99999999999", "-1");
    equals("0 ** 99999999999", "0");
    fails_starting(
        "99999999999999999999",
        "invalid number literal '99999999999999999999'",
    );
}

#[test]
fn comparisons_and_chains() {
    passes("1 < 2 < 3");
    passes("1 == 1.0 != 2");
    passes("'a' < 'b'");
    passes("[1, 2] < [1, 3]");
    passes("[1, 2] == [1.0, 2.0]");
    passes("None == None");
    passes("not (1 > 2)");
    passes("3 >= 3 > 2 <= 2");
    fails_with(
        "1 < 3 < 2",
        "Expected <1 < 3 < 2> to be true, but was <False>.",
    );
    fails_with(
        "1 < 'a'",
        "'<' not supported between instances of 'int' and 'str'",
    );
    fails_with(
        "1 == 'a'",
        "Expected <1 == 'a'> to be true, but was <False>.",
    );
}

#[test]
fn boolean_operators_return_operands() {
    equals("1 and 2", "2");
    equals("0 and 2", "0");
    equals("0 or 'x'", "'x'");
    equals("None or 0 or 3", "3");
    equals("not 0", "True");
    equals("not not 'a'", "True");
    passes("1 < 2 and 2 < 3 or False");
    passes("not 1 == 2");
    fails_with("0 or 1 / 0", "division by zero");
    passes("1 or 1 / 0");
    passes("not (0 and 1 / 0)");
}

#[test]
fn membership() {
    passes("2 in north.props.x");
    passes("2.0 in north.props.x");
    passes("'red' in north.props.marker.color");
    passes("'x' not in north.props.text");
    passes("'ven' in 'revenue'");
    passes("'props.x' in 'north.props.x'");
    fails_with(
        "1 in 'abc'",
        "'in <string>' requires string as left operand, not int",
    );
    fails_with("1 in 2", "argument of type 'int' is not iterable");
}

#[test]
fn indexing_with_negative_indexes() {
    equals("north.props.x[0]", "1");
    equals("north.props.x[-1]", "4");
    equals("north.props.x[-4]", "1");
    equals("north.props.x[True]", "2");
    equals("north.props.z[1][-1]", "4");
    equals("'abc'[-1]", "'c'");
    equals("north.props.x[1 + 1]", "3");
    fails_with("north.props.x[4]", "list index out of range");
    fails_with("north.props.x[-5]", "list index out of range");
    fails_with(
        "north.props.x[-9223372036854775807]",
        "list index out of range",
    );
    fails_with("'abc'[3]", "string index out of range");
    fails_with(
        "north.props.x[1.0]",
        "list indices must be integers or slices, not float",
    );
    fails_with("north.props.x[0][0]", "'int' object is not subscriptable");
}

#[test]
fn slicing() {
    equals("north.props.x[1:3]", "[2, 3]");
    equals("north.props.x[2:]", "[3, 4]");
    equals("north.props.x[:2]", "[1, 2]");
    equals("north.props.x[:]", "[1, 2, 3, 4]");
    equals("north.props.x[-2:]", "[3, 4]");
    equals("north.props.x[:-3]", "[1]");
    equals("north.props.x[3:1]", "[]");
    equals("north.props.x[-100:100]", "[1, 2, 3, 4]");
    equals("north.props.x[None:2]", "[1, 2]");
    equals("'revenue'[2:5]", "'ven'");
    equals("north.props.x[1:][0]", "2");
    fails_with(
        "north.props.x['a':]",
        "slice indices must be integers or None or have an __index__ method",
    );
}

#[test]
fn builtins() {
    equals("len(north.props.x)", "4");
    equals("len('héllo')", "5");
    equals("abs(-3)", "3");
    equals("abs(-2.5)", "2.5");
    equals("min(north.props.y)", "4");
    equals("max(north.props.y)", "30");
    equals("max(1, 5, 3)", "5");
    equals("min('b', 'a')", "'a'");
    equals("sum(north.props.x)", "10");
    equals("sum(north.props.x, 10)", "20");
    equals("sorted([3, 1, 2])", "[1, 2, 3]");
    equals("sorted('cab')", "['a', 'b', 'c']");
    equals("float('1.5')", "1.5");
    equals("float(2)", "2.0");
    equals("int(2.9)", "2");
    equals("int(-2.9)", "-2");
    equals("int(' 42 ')", "42");
    equals("str(4.0)", "'4.0'");
    equals("str([1, 'a'])", "\"[1, 'a']\"");
    equals("bool([])", "False");
    equals("all([1, True, 'a'])", "True");
    equals("all([])", "True");
    equals("any([0, None, ''])", "False");
    equals("any(north.props.x)", "True");
    equals("list('ab')", "['a', 'b']");
    equals("list(numpy.asarray([1, 2]))", "[1, 2]");
}

#[test]
fn round_is_half_to_even() {
    equals("round(2.5)", "2");
    equals("round(3.5)", "4");
    equals("round(-0.5)", "0");
    equals("round(2.675, 2)", "2.67");
    equals("round(0.125, 2)", "0.12");
    equals("round(1234, -2)", "1200");
    equals("round(7)", "7");
    equals("round(1.23456, None)", "1");
    shows("round(2.5)", "2");
    shows("round(2.0, 0)", "2.0");
    fails_with("round(float('nan'))", "cannot convert float NaN to integer");
    fails_with(
        "round(float('inf'))",
        "cannot convert float infinity to integer",
    );
    fails_with("round([1.5])", "type list doesn't define __round__ method");
    fails_with(
        "round(1.5, 1.0)",
        "'float' object cannot be interpreted as an integer",
    );
}

#[test]
fn builtin_errors() {
    fails_with("len(5)", "object of type 'int' has no len()");
    fails_with("len(1, 2)", "len() takes exactly one argument (2 given)");
    fails_with("round()", "round() takes 1 or 2 arguments (0 given)");
    fails_with("min([])", "min() arg is an empty sequence");
    fails_with("max()", "max expected at least 1 argument, got 0");
    fails_with(
        "max(1, 'a')",
        "'>' not supported between instances of 'str' and 'int'",
    );
    fails_with(
        "sum(['a'])",
        "unsupported operand type(s) for +: 'int' and 'str'",
    );
    fails_with(
        "sorted([1, 'a'])",
        "'<' not supported between instances of 'str' and 'int'",
    );
    fails_with("sorted(3)", "'int' object is not iterable");
    fails_with("float('x')", "could not convert string to float: 'x'");
    fails_with(
        "int('1.5')",
        "invalid literal for int() with base 10: '1.5'",
    );
    fails_with(
        "float(None)",
        "float() argument must be a string or a real number, not 'NoneType'",
    );
}

#[test]
fn sorting_tolerates_nan() {
    equals("len(sorted([float('nan'), 1, float('nan'), 0]))", "4");
    equals(
        "sorted([3, 1, 2, 1.5, 0, -1, 10, 2])",
        "[-1, 0, 1, 1.5, 2, 2, 3, 10]",
    );
}

#[test]
fn whitespace_and_newlines_are_insignificant() {
    passes("  assert_that(\n  north.props.x[0]\n).is_equal_to( 1 )  ");
    passes("assert_that ( 1 ) . is_equal_to ( 1 )");
}
