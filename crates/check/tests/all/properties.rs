//! Property tests: nothing the user writes can make the checker panic.

use proptest::prelude::*;
use visivo_check::{evaluate, parse, EvalOptions};

use crate::data;

fn check_never_panics(logic: &str) {
    let data = data();
    if let Ok(expr) = parse(logic, &data) {
        for legacy_pass_on_false in [false, true] {
            let outcome = evaluate(
                &expr,
                &data,
                &EvalOptions {
                    legacy_pass_on_false,
                },
            );
            assert_eq!(
                outcome.passed,
                outcome.message.is_none(),
                "{logic}: {outcome:?}"
            );
        }
    }
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("north.props.x".to_string()),
        Just("north.props.y".to_string()),
        Just("north.props.text".to_string()),
        Just("north.columns.x_data".to_string()),
        Just("north.props.z".to_string()),
        Just("north.props.empty".to_string()),
        Just("Fib.props.x".to_string()),
        Just("Double Simple Line.props.y".to_string()),
        Just("south.props.x".to_string()),
        Just("north.props.q".to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
        (-5i64..5).prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        Just("float('nan')".to_string()),
        Just("float('-inf')".to_string()),
        "[a-z' ]{0,5}".prop_map(|s| format!("{s:?}")),
        Just("True".to_string()),
        Just("False".to_string()),
        Just("None".to_string()),
        Just("[]".to_string()),
    ]
}

const BINARY: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">", ">=", "and", "or", "in",
    "not in",
];

const FUNCTIONS: &[&str] = &[
    "round",
    "len",
    "abs",
    "min",
    "max",
    "sum",
    "sorted",
    "float",
    "int",
    "str",
    "bool",
    "all",
    "any",
    "list",
    "numpy.sum",
    "numpy.mean",
    "numpy.min",
    "numpy.max",
    "numpy.std",
    "numpy.all",
    "numpy.any",
    "numpy.unique",
    "numpy.asarray",
    "numpy.median",
    "numpy.round",
    "numpy.abs",
    "numpy.count_nonzero",
    "np.asarray",
];

const MATCHERS: &[&str] = &[
    "is_equal_to",
    "is_not_equal_to",
    "is_true",
    "is_false",
    "is_greater_than",
    "is_greater_than_or_equal_to",
    "is_less_than",
    "is_less_than_or_equal_to",
    "is_between",
    "is_close_to",
    "is_length",
    "contains",
    "does_not_contain",
    "is_none",
    "is_not_none",
    "is_empty",
    "is_not_empty",
    "is_in",
    "is_not_in",
];

fn args(inner: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    prop::collection::vec(inner, 0..3).prop_map(|a| a.join(", "))
}

fn expression() -> impl Strategy<Value = String> {
    atom().prop_recursive(5, 48, 3, |inner| {
        let inner = inner.boxed();
        prop_oneof![
            (inner.clone(), prop::sample::select(BINARY), inner.clone())
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            (prop::sample::select(&["-", "+", "not "][..]), inner.clone())
                .prop_map(|(op, a)| format!("({op}({a}))")),
            (inner.clone(), inner.clone()).prop_map(|(a, i)| format!("({a})[{i}]")),
            (inner.clone(), -6i64..6, -6i64..6).prop_map(|(a, i, j)| format!("({a})[{i}:{j}]")),
            (prop::sample::select(FUNCTIONS), args(inner.clone()))
                .prop_map(|(f, a)| format!("{f}({a})")),
            (
                inner.clone(),
                prop::sample::select(MATCHERS),
                args(inner.clone())
            )
                .prop_map(|(v, m, a)| format!("assert_that({v}).{m}({a})")),
            prop::collection::vec(inner, 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics_on_arbitrary_text(logic in any::<String>()) {
        check_never_panics(&logic);
    }

    #[test]
    fn parse_never_panics_on_expression_like_text(
        logic in r#"[a-zA-Z0-9_ .,:()\[\]'"+*/%<>=!-]{0,60}"#
    ) {
        check_never_panics(&logic);
    }

    #[test]
    fn generated_expressions_parse_and_never_panic(logic in expression()) {
        let data = data();
        prop_assert!(parse(&logic, &data).is_ok(), "{}", logic);
        check_never_panics(&logic);
    }
}
