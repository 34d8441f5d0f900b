//! assertpy matchers with assertpy 1.1's failure messages.

use crate::ast::{ArithOp, CmpOp, Matcher};
use crate::ops::{self, EvalResult};
use crate::value::Value;

/// Checks `assert_that(val).<matcher>(args)`; `Err` carries the failure.
pub(crate) fn check(matcher: Matcher, val: &Value, args: &[Value]) -> EvalResult<()> {
    match matcher {
        Matcher::IsEqualTo => {
            let [other] = exact(matcher, args)?;
            fail_if(holds(CmpOp::Ne, val, other)?, || {
                format!("Expected <{val}> to be equal to <{other}>, but was not.")
            })
        }
        Matcher::IsNotEqualTo => {
            let [other] = exact(matcher, args)?;
            fail_if(holds(CmpOp::Eq, val, other)?, || {
                format!("Expected <{val}> to be not equal to <{other}>, but was.")
            })
        }
        Matcher::IsTrue => {
            let [] = exact(matcher, args)?;
            fail_if(!val.truthy()?, || {
                "Expected <True>, but was not.".to_string()
            })
        }
        Matcher::IsFalse => {
            let [] = exact(matcher, args)?;
            fail_if(val.truthy()?, || {
                "Expected <False>, but was not.".to_string()
            })
        }
        Matcher::IsNone => {
            let [] = exact(matcher, args)?;
            fail_if(!matches!(val, Value::None), || {
                format!("Expected <{val}> to be <None>, but was not.")
            })
        }
        Matcher::IsNotNone => {
            let [] = exact(matcher, args)?;
            fail_if(matches!(val, Value::None), || {
                "Expected not <None>, but was.".to_string()
            })
        }
        Matcher::IsGreaterThan => ordered(matcher, val, args, CmpOp::Le, "greater than"),
        Matcher::IsGreaterThanOrEqualTo => {
            ordered(matcher, val, args, CmpOp::Lt, "greater than or equal to")
        }
        Matcher::IsLessThan => ordered(matcher, val, args, CmpOp::Ge, "less than"),
        Matcher::IsLessThanOrEqualTo => {
            ordered(matcher, val, args, CmpOp::Gt, "less than or equal to")
        }
        Matcher::IsBetween => is_between(val, exact(matcher, args)?),
        Matcher::IsCloseTo => is_close_to(val, exact(matcher, args)?),
        Matcher::IsLength => is_length(val, exact(matcher, args)?),
        Matcher::Contains => contains(val, at_least_one(args)?),
        Matcher::DoesNotContain => does_not_contain(val, at_least_one(args)?),
        Matcher::IsEmpty => {
            let [] = exact(matcher, args)?;
            is_empty(val)
        }
        Matcher::IsNotEmpty => {
            let [] = exact(matcher, args)?;
            is_not_empty(val)
        }
        Matcher::IsIn => is_in(val, at_least_one(args)?),
        Matcher::IsNotIn => is_not_in(val, at_least_one(args)?),
    }
}

fn exact<const N: usize>(matcher: Matcher, args: &[Value]) -> EvalResult<&[Value; N]> {
    args.try_into().map_err(|_| {
        let plural = if N == 1 { "" } else { "s" };
        format!(
            "{}() takes {N} argument{plural} ({} given)",
            matcher.name(),
            args.len()
        )
    })
}

fn at_least_one(args: &[Value]) -> EvalResult<&[Value]> {
    if args.is_empty() {
        return Err("one or more args must be given".to_string());
    }
    Ok(args)
}

fn fail_if(failed: bool, message: impl FnOnce() -> String) -> EvalResult<()> {
    if failed {
        Err(message())
    } else {
        Ok(())
    }
}

/// Whether `a <op> b` is truthy (ambiguous for multi-element arrays).
fn holds(op: CmpOp, a: &Value, b: &Value) -> EvalResult<bool> {
    ops::compare(op, a, b)?.truthy()
}

fn is_number(v: &Value) -> bool {
    v.as_num().is_some()
}

/// `is_greater_than` and friends fail when `val <failing> other` holds, like
/// assertpy (so a NaN never fails them).
fn ordered(
    matcher: Matcher,
    val: &Value,
    args: &[Value],
    failing: CmpOp,
    phrase: &str,
) -> EvalResult<()> {
    let [other] = exact(matcher, args)?;
    if !is_number(val) {
        return Err(format!(
            "ordering is not defined for type <{}>",
            val.type_name()
        ));
    }
    if !is_number(other) {
        return Err(format!(
            "given arg must be a number, but was <{}>",
            other.type_name()
        ));
    }
    fail_if(holds(failing, val, other)?, || {
        format!("Expected <{val}> to be {phrase} <{other}>, but was not.")
    })
}

fn is_between(val: &Value, [low, high]: &[Value; 2]) -> EvalResult<()> {
    if !is_number(val) {
        return Err(format!(
            "ordering is not defined for type <{}>",
            val.type_name()
        ));
    }
    for (which, bound) in [("low", low), ("high", high)] {
        if !is_number(bound) {
            return Err(format!(
                "given {which} arg must be numeric, but was <{}>",
                bound.type_name()
            ));
        }
    }
    if holds(CmpOp::Gt, low, high)? {
        return Err("given low arg must be less than given high arg".to_string());
    }
    fail_if(
        holds(CmpOp::Lt, val, low)? || holds(CmpOp::Gt, val, high)?,
        || format!("Expected <{val}> to be between <{low}> and <{high}>, but was not."),
    )
}

fn is_close_to(val: &Value, [other, tolerance]: &[Value; 2]) -> EvalResult<()> {
    if !is_number(val) {
        return Err("val is not numeric or datetime".to_string());
    }
    if !is_number(other) {
        return Err("given arg must be numeric".to_string());
    }
    if !is_number(tolerance) {
        return Err("given tolerance arg must be numeric".to_string());
    }
    if holds(CmpOp::Lt, tolerance, &Value::Int(0))? {
        return Err("given tolerance arg must be positive".to_string());
    }
    let low = ops::arith(ArithOp::Sub, other, tolerance)?;
    let high = ops::arith(ArithOp::Add, other, tolerance)?;
    fail_if(
        holds(CmpOp::Lt, val, &low)? || holds(CmpOp::Gt, val, &high)?,
        || {
            format!(
            "Expected <{val}> to be close to <{other}> within tolerance <{tolerance}>, but was not."
        )
        },
    )
}

fn is_length(val: &Value, [length]: &[Value; 1]) -> EvalResult<()> {
    let Value::Int(expected) = length else {
        return Err("given arg must be an int".to_string());
    };
    if *expected < 0 {
        return Err("given arg must be a positive int".to_string());
    }
    let actual = val.len()?;
    fail_if(actual as i64 != *expected, || {
        format!("Expected <{val}> to be of length <{expected}>, but was <{actual}>.")
    })
}

fn contains(val: &Value, items: &[Value]) -> EvalResult<()> {
    let mut missing = Vec::new();
    for item in items {
        if !ops::contains(val, item)? {
            missing.push(item.clone());
        }
    }
    let noun = if matches!(val, Value::Dict(_)) {
        "key"
    } else {
        "item"
    };
    fail_if(!missing.is_empty(), || match items {
        [item] => format!("Expected <{val}> to contain {noun} <{item}>, but did not."),
        _ if noun == "key" => format!(
            "Expected <{val}> to contain keys {}, but did not contain keys {}.",
            fmt_items(items),
            fmt_items(&missing)
        ),
        _ => format!(
            "Expected <{val}> to contain items {}, but did not contain {}.",
            fmt_items(items),
            fmt_items(&missing)
        ),
    })
}

fn does_not_contain(val: &Value, items: &[Value]) -> EvalResult<()> {
    let mut found = Vec::new();
    for item in items {
        if ops::contains(val, item)? {
            found.push(item.clone());
        }
    }
    fail_if(!found.is_empty(), || match items {
        [item] => format!("Expected <{val}> to not contain item <{item}>, but did."),
        _ => format!(
            "Expected <{val}> to not contain items {}, but did contain {}.",
            fmt_items(items),
            fmt_items(&found)
        ),
    })
}

fn is_empty(val: &Value) -> EvalResult<()> {
    let is_str = matches!(val, Value::Str(_));
    fail_if(val.len()? != 0, || {
        let what = if is_str { "empty string" } else { "empty" };
        format!("Expected <{val}> to be {what}, but was not.")
    })
}

fn is_not_empty(val: &Value) -> EvalResult<()> {
    let is_str = matches!(val, Value::Str(_));
    fail_if(val.len()? == 0, || {
        let what = if is_str {
            "not empty string"
        } else {
            "not empty"
        };
        format!("Expected {what}, but was empty.")
    })
}

fn is_in(val: &Value, items: &[Value]) -> EvalResult<()> {
    for item in items {
        if holds(CmpOp::Eq, val, item)? {
            return Ok(());
        }
    }
    Err(format!(
        "Expected <{val}> to be in {}, but was not.",
        fmt_items(items)
    ))
}

fn is_not_in(val: &Value, items: &[Value]) -> EvalResult<()> {
    for item in items {
        if holds(CmpOp::Eq, val, item)? {
            return Err(format!(
                "Expected <{val}> to not be in {}, but was.",
                fmt_items(items)
            ));
        }
    }
    Ok(())
}

/// assertpy's `_fmt_items`: `<a>` for one item, else the tuple's repr with
/// its brackets stripped (`<1, 'b'>`).
fn fmt_items(items: &[Value]) -> String {
    match items {
        [] => "<>".to_string(),
        [item] => format!("<{item}>"),
        _ => {
            let reprs: Vec<String> = items.iter().map(Value::repr).collect();
            let tuple = format!("({})", reprs.join(", "));
            let stripped = tuple
                .trim_start_matches(['(', '['])
                .trim_end_matches([',', ']', ')']);
            format!("<{stripped}>")
        }
    }
}
