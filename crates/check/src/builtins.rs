//! Python built-in functions.

use std::cmp::Ordering;

use crate::ast::{ArithOp, Builtin};
use crate::ops::{self, EvalResult};
use crate::value::{Num, Value};

pub(crate) fn call(f: Builtin, args: Vec<Value>) -> EvalResult {
    let name = f.name();
    match f {
        Builtin::Round => {
            let (x, digits) = one_or_two(name, args)?;
            round(&x, digits.as_ref())
        }
        Builtin::Len => one(name, args)?.len().map(|n| Value::Int(n as i64)),
        Builtin::Abs => ops::abs(&one(name, args)?),
        Builtin::Min => extreme(name, args, Ordering::Less),
        Builtin::Max => extreme(name, args, Ordering::Greater),
        Builtin::Sum => {
            let (items, start) = one_or_two(name, args)?;
            sum(&items, start.unwrap_or(Value::Int(0)))
        }
        Builtin::Sorted => ops::sort_values(ops::iterate(&one(name, args)?)?).map(Value::List),
        Builtin::Float => to_float(&one(name, args)?),
        Builtin::Int => to_int(&one(name, args)?),
        Builtin::Str => Ok(Value::Str(one(name, args)?.to_string())),
        Builtin::Bool => one(name, args)?.truthy().map(Value::Bool),
        Builtin::All => all_any(&one(name, args)?, true),
        Builtin::Any => all_any(&one(name, args)?, false),
        Builtin::List => ops::iterate(&one(name, args)?).map(Value::List),
    }
}

/// The only argument of a one-argument function.
pub(crate) fn one(name: &str, args: Vec<Value>) -> EvalResult {
    let given = args.len();
    let mut args = args.into_iter();
    match (args.next(), args.next()) {
        (Some(v), None) => Ok(v),
        _ => Err(format!(
            "{name}() takes exactly one argument ({given} given)"
        )),
    }
}

/// A required and an optional argument.
pub(crate) fn one_or_two(name: &str, args: Vec<Value>) -> EvalResult<(Value, Option<Value>)> {
    let given = args.len();
    let mut args = args.into_iter();
    match (args.next(), args.next(), args.next()) {
        (Some(a), b, None) => Ok((a, b)),
        _ => Err(format!("{name}() takes 1 or 2 arguments ({given} given)")),
    }
}

/// Python's `round(x[, ndigits])`: half to even; an int without `ndigits`.
fn round(x: &Value, digits: Option<&Value>) -> EvalResult {
    let Some(num) = x.as_num() else {
        return Err(format!(
            "type {} doesn't define __round__ method",
            x.type_name()
        ));
    };
    match (num, ndigits(digits)?) {
        (Num::Int(i), None) => Ok(Value::Int(i)),
        (Num::Int(i), Some(n)) if n >= 0 => Ok(Value::Int(i)),
        (Num::Int(i), Some(n)) => float_to_int(round_float(i as f64, n)),
        (Num::Float(f), None) => float_to_int(f.round_ties_even()),
        (Num::Float(f), Some(n)) => Ok(Value::Float(round_float(f, n))),
    }
}

/// The `ndigits` / `decimals` argument: absent, `None` or an integer.
pub(crate) fn ndigits(digits: Option<&Value>) -> EvalResult<Option<i64>> {
    match digits {
        None | Some(Value::None) => Ok(None),
        Some(Value::Int(n)) => Ok(Some(*n)),
        Some(Value::Bool(b)) => Ok(Some(i64::from(*b))),
        Some(other) => Err(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        )),
    }
}

/// Python's `round(x, digits)`: half to even on the exact decimal value.
pub(crate) fn round_float(x: f64, digits: i64) -> f64 {
    if !x.is_finite() || digits > 320 {
        return x;
    }
    match usize::try_from(digits) {
        Ok(precision) => format!("{x:.precision$}").parse().unwrap_or(x),
        Err(_) => scaled_round(x, digits),
    }
}

/// numpy's rounding: scale by a power of ten, round half to even, scale back.
pub(crate) fn scaled_round(x: f64, digits: i64) -> f64 {
    let scale = 10f64.powi(i32::try_from(digits.unsigned_abs()).unwrap_or(i32::MAX));
    match (scale.is_finite(), digits >= 0) {
        (true, true) => (x * scale).round_ties_even() / scale,
        (true, false) => (x / scale).round_ties_even() * scale,
        (false, true) => x,
        (false, false) => 0.0f64.copysign(x),
    }
}

fn float_to_int(f: f64) -> EvalResult {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() {
        return Err("cannot convert float NaN to integer".to_string());
    }
    if f.is_infinite() {
        return Err("cannot convert float infinity to integer".to_string());
    }
    if !(-TWO_POW_63..TWO_POW_63).contains(&f) {
        return Err("integer result too large".to_string());
    }
    Ok(Value::Int(f as i64))
}

/// `min` / `max` of one iterable or of several arguments; the first of
/// equal extremes wins, as in Python.
fn extreme(name: &str, args: Vec<Value>, wanted: Ordering) -> EvalResult {
    let symbol = if wanted == Ordering::Less { "<" } else { ">" };
    let candidates = match args.as_slice() {
        [] => return Err(format!("{name} expected at least 1 argument, got 0")),
        [iterable] => ops::iterate(iterable)?,
        _ => args,
    };
    let mut candidates = candidates.into_iter();
    let Some(mut best) = candidates.next() else {
        return Err(format!("{name}() arg is an empty sequence"));
    };
    for candidate in candidates {
        if ops::py_order(&candidate, &best, symbol)? == Some(wanted) {
            best = candidate;
        }
    }
    Ok(best)
}

fn sum(items: &Value, start: Value) -> EvalResult {
    ops::iterate(items)?
        .iter()
        .try_fold(start, |total, item| ops::arith(ArithOp::Add, &total, item))
}

fn all_any(items: &Value, all: bool) -> EvalResult {
    for item in ops::iterate(items)? {
        if item.truthy()? != all {
            return Ok(Value::Bool(!all));
        }
    }
    Ok(Value::Bool(all))
}

fn to_float(v: &Value) -> EvalResult {
    if let Some(num) = v.as_num() {
        return Ok(Value::Float(num.to_f64()));
    }
    match v {
        Value::Str(s) => s
            .trim()
            .parse()
            .map(Value::Float)
            .map_err(|_| format!("could not convert string to float: {}", v.repr())),
        _ => Err(format!(
            "float() argument must be a string or a real number, not '{}'",
            v.type_name()
        )),
    }
}

fn to_int(v: &Value) -> EvalResult {
    match (v, v.as_num()) {
        (_, Some(Num::Int(i))) => Ok(Value::Int(i)),
        (_, Some(Num::Float(f))) => float_to_int(f.trunc()),
        (Value::Str(s), None) => s
            .trim()
            .parse()
            .map(Value::Int)
            .map_err(|_| format!("invalid literal for int() with base 10: {}", v.repr())),
        _ => Err(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            v.type_name()
        )),
    }
}
