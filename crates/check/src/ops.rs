//! Operators with Python semantics; numpy arrays broadcast element-wise.

use std::cmp::Ordering;

use crate::ast::{ArithOp, CmpOp, UnaryOp};
use crate::value::{Num, Value};

pub(crate) type EvalResult<T = Value> = Result<T, String>;

const TOO_LARGE: &str = "integer result too large";

/// `a <op> b` for `+ - * / // % **`.
pub(crate) fn arith(op: ArithOp, a: &Value, b: &Value) -> EvalResult {
    if is_array(a) || is_array(b) {
        return elementwise(a, b, |x, y| arith(op, x, y));
    }
    match (a.as_num(), b.as_num()) {
        (Some(Num::Int(x)), Some(Num::Int(y))) => int_arith(op, x, y),
        (Some(x), Some(y)) => float_arith(op, x.to_f64(), y.to_f64()),
        _ => concat(op, a, b),
    }
}

fn concat(op: ArithOp, a: &Value, b: &Value) -> EvalResult {
    match (op, a, b) {
        (ArithOp::Add, Value::Str(x), Value::Str(y)) => Ok(Value::Str(format!("{x}{y}"))),
        (ArithOp::Add, Value::List(x), Value::List(y)) => {
            Ok(Value::List(x.iter().chain(y).cloned().collect()))
        }
        (ArithOp::Add, Value::Str(_) | Value::List(_), _) => Err(format!(
            "can only concatenate {} (not \"{}\") to {}",
            a.type_name(),
            b.type_name(),
            a.type_name()
        )),
        _ => Err(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op.symbol(),
            a.type_name(),
            b.type_name()
        )),
    }
}

fn int_arith(op: ArithOp, a: i64, b: i64) -> EvalResult {
    let result = match op {
        ArithOp::Add => a.checked_add(b),
        ArithOp::Sub => a.checked_sub(b),
        ArithOp::Mul => a.checked_mul(b),
        ArithOp::Div if b == 0 => return Err("division by zero".to_string()),
        ArithOp::Div => return float_arith(op, a as f64, b as f64),
        ArithOp::Pow => return int_pow(a, b),
        ArithOp::FloorDiv if b == 0 => return Err("integer division or modulo by zero".to_string()),
        ArithOp::Mod if b == 0 => return Err("integer modulo by zero".to_string()),
        ArithOp::FloorDiv => floor_div(a, b),
        ArithOp::Mod => floor_mod(a, b),
    };
    result.map(Value::Int).ok_or_else(|| TOO_LARGE.to_string())
}

fn floor_div(a: i64, b: i64) -> Option<i64> {
    let quotient = a.checked_div(b)?;
    let inexact = a.checked_rem(b)? != 0;
    if inexact && (a < 0) != (b < 0) {
        quotient.checked_sub(1)
    } else {
        Some(quotient)
    }
}

fn floor_mod(a: i64, b: i64) -> Option<i64> {
    let rem = a.checked_rem(b)?;
    Some(if rem != 0 && (rem < 0) != (b < 0) {
        rem + b
    } else {
        rem
    })
}

/// Integer powers by repeated squaring, so huge exponents fail fast.
fn int_pow(base: i64, exp: i64) -> EvalResult {
    if exp < 0 {
        return float_arith(ArithOp::Pow, base as f64, exp as f64);
    }
    let trivial = match base {
        0 | 1 => Some(base),
        -1 => Some(if exp % 2 == 0 { 1 } else { -1 }),
        _ => None,
    };
    trivial
        .or_else(|| u32::try_from(exp).ok().and_then(|e| base.checked_pow(e)))
        .map(Value::Int)
        .ok_or_else(|| TOO_LARGE.to_string())
}

fn float_arith(op: ArithOp, a: f64, b: f64) -> EvalResult {
    if b == 0.0 {
        if let Some(message) = float_zero_division(op) {
            return Err(message.to_string());
        }
    }
    let result = match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div => a / b,
        ArithOp::FloorDiv => (a / b).floor(),
        ArithOp::Mod => float_mod(a, b),
        ArithOp::Pow => return float_pow(a, b),
    };
    Ok(Value::Float(result))
}

fn float_zero_division(op: ArithOp) -> Option<&'static str> {
    match op {
        ArithOp::Div => Some("float division by zero"),
        ArithOp::FloorDiv => Some("float floor division by zero"),
        ArithOp::Mod => Some("float modulo"),
        _ => None,
    }
}

fn float_mod(a: f64, b: f64) -> f64 {
    let rem = a % b;
    if rem != 0.0 && (rem < 0.0) != (b < 0.0) {
        rem + b
    } else {
        rem
    }
}

fn float_pow(a: f64, b: f64) -> EvalResult {
    if a == 0.0 && b < 0.0 {
        return Err("0.0 cannot be raised to a negative power".to_string());
    }
    if a < 0.0 && b.is_finite() && b.fract() != 0.0 {
        return Err("negative number cannot be raised to a fractional power".to_string());
    }
    let result = a.powf(b);
    if result.is_infinite() && a.is_finite() && b.is_finite() {
        return Err("(34, 'Numerical result out of range')".to_string());
    }
    Ok(Value::Float(result))
}

/// Unary `-` and `+`.
pub(crate) fn unary(op: UnaryOp, v: &Value) -> EvalResult {
    let symbol = match op {
        UnaryOp::Neg => "-",
        UnaryOp::Pos => "+",
    };
    match (op, v) {
        (_, Value::Array(items)) => map_array(items, |x| unary(op, x)),
        (UnaryOp::Neg, _) => match v.as_num() {
            Some(Num::Int(i)) => i
                .checked_neg()
                .map(Value::Int)
                .ok_or_else(|| TOO_LARGE.to_string()),
            Some(Num::Float(f)) => Ok(Value::Float(-f)),
            None => Err(bad_operand(symbol, v)),
        },
        (UnaryOp::Pos, _) => match v.as_num() {
            Some(Num::Int(i)) => Ok(Value::Int(i)),
            Some(Num::Float(f)) => Ok(Value::Float(f)),
            None => Err(bad_operand(symbol, v)),
        },
    }
}

fn bad_operand(symbol: &str, v: &Value) -> String {
    format!("bad operand type for unary {symbol}: '{}'", v.type_name())
}

/// Python's `abs()`, element-wise on arrays.
pub(crate) fn abs(v: &Value) -> EvalResult {
    match (v, v.as_num()) {
        (Value::Array(items), _) => map_array(items, abs),
        (_, Some(Num::Int(i))) => i
            .checked_abs()
            .map(Value::Int)
            .ok_or_else(|| TOO_LARGE.to_string()),
        (_, Some(Num::Float(f))) => Ok(Value::Float(f.abs())),
        (_, None) => Err(format!("bad operand type for abs(): '{}'", v.type_name())),
    }
}

/// `a <op> b` for comparisons and membership.
pub(crate) fn compare(op: CmpOp, a: &Value, b: &Value) -> EvalResult {
    match op {
        CmpOp::In => contains(b, a).map(Value::Bool),
        CmpOp::NotIn => contains(b, a).map(|found| Value::Bool(!found)),
        _ if is_array(a) || is_array(b) => elementwise(a, b, |x, y| compare(op, x, y)),
        CmpOp::Eq => Ok(Value::Bool(py_eq(a, b))),
        CmpOp::Ne => Ok(Value::Bool(!py_eq(a, b))),
        _ => {
            let ordering = py_order(a, b, op.symbol())?;
            Ok(Value::Bool(ordering.is_some_and(|o| op.accepts(o))))
        }
    }
}

/// Python's `item in container`.
pub(crate) fn contains(container: &Value, item: &Value) -> EvalResult<bool> {
    match (container, item) {
        (Value::Str(s), Value::Str(sub)) => Ok(s.contains(sub.as_str())),
        (Value::Str(_), _) => Err(format!(
            "'in <string>' requires string as left operand, not {}",
            item.type_name()
        )),
        (Value::List(items) | Value::Array(items), _) => Ok(items.iter().any(|x| py_eq(x, item))),
        (Value::Dict(entries), Value::Str(key)) => Ok(entries.iter().any(|(k, _)| k == key)),
        (Value::Dict(_), _) => Ok(false),
        _ => Err(format!(
            "argument of type '{}' is not iterable",
            container.type_name()
        )),
    }
}

/// Python's `==` (arrays compared as sequences): `1 == 1.0 == True`.
pub(crate) fn py_eq(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        return num_cmp(x, y) == Some(Ordering::Equal);
    }
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x) | Value::Array(x), Value::List(y) | Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && py_eq(v, v2)))
        }
        _ => false,
    }
}

/// Python's ordering for `< <= > >=`; `None` when unordered (NaN).
pub(crate) fn py_order(a: &Value, b: &Value, symbol: &str) -> EvalResult<Option<Ordering>> {
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        return Ok(num_cmp(x, y));
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(Some(x.cmp(y))),
        (Value::List(x) | Value::Array(x), Value::List(y) | Value::Array(y)) => {
            match x.iter().zip(y).find(|(p, q)| !py_eq(p, q)) {
                Some((p, q)) => py_order(p, q, symbol),
                None => Ok(Some(x.len().cmp(&y.len()))),
            }
        }
        _ => Err(format!(
            "'{symbol}' not supported between instances of '{}' and '{}'",
            a.type_name(),
            b.type_name()
        )),
    }
}

/// Exact comparison of numbers, also between integers and floats.
pub(crate) fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
        (Num::Int(x), Num::Float(y)) => int_float_cmp(x, y),
        (Num::Float(x), Num::Int(y)) => int_float_cmp(y, x).map(Ordering::reverse),
    }
}

fn int_float_cmp(i: i64, f: f64) -> Option<Ordering> {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() {
        return None;
    }
    if f >= TWO_POW_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_POW_63 {
        return Some(Ordering::Greater);
    }
    let whole = f.trunc();
    let fraction = f - whole;
    Some(i.cmp(&(whole as i64)).then(0.0f64.total_cmp(&fraction)))
}

fn is_array(v: &Value) -> bool {
    matches!(v, Value::Array(_))
}

fn map_array(items: &[Value], f: impl Fn(&Value) -> EvalResult) -> EvalResult {
    items
        .iter()
        .map(f)
        .collect::<EvalResult<Vec<_>>>()
        .map(Value::Array)
}

/// Applies `f` element by element, broadcasting scalars and length-1
/// sequences; lists take part as arrays.
fn elementwise(
    a: &Value,
    b: &Value,
    f: impl Fn(&Value, &Value) -> EvalResult + Copy,
) -> EvalResult {
    match (sequence(a), sequence(b)) {
        (Some(x), Some(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .map(|(p, q)| f(p, q))
            .collect::<EvalResult<Vec<_>>>()
            .map(Value::Array),
        (Some([x]), Some(y)) => map_array(y, |q| f(x, q)),
        (Some(x), Some([y])) => map_array(x, |p| f(p, y)),
        (Some(x), Some(y)) => Err(format!(
            "operands could not be broadcast together with shapes ({},) ({},)",
            x.len(),
            y.len()
        )),
        (Some(x), None) => map_array(x, |p| f(p, b)),
        (None, Some(y)) => map_array(y, |q| f(a, q)),
        (None, None) => f(a, b),
    }
}

fn sequence(v: &Value) -> Option<&[Value]> {
    match v {
        Value::List(items) | Value::Array(items) => Some(items),
        _ => None,
    }
}

/// `target[index]`.
pub(crate) fn index(target: &Value, idx: &Value) -> EvalResult {
    match target {
        Value::List(items) | Value::Array(items) => item_at(items, idx, "list").cloned(),
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            item_at(&chars, idx, "string").map(|c| Value::Str(c.to_string()))
        }
        Value::Dict(entries) => match idx {
            Value::Str(key) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| idx.repr()),
            _ => Err(idx.repr()),
        },
        _ => Err(format!(
            "'{}' object is not subscriptable",
            target.type_name()
        )),
    }
}

fn item_at<'a, T>(items: &'a [T], idx: &Value, what: &str) -> EvalResult<&'a T> {
    let i = match idx {
        Value::Bool(b) => i64::from(*b),
        Value::Int(i) => *i,
        other => {
            return Err(format!(
                "{what} indices must be integers or slices, not {}",
                other.type_name()
            ))
        }
    };
    let position = if i < 0 {
        i.checked_add(items.len() as i64)
    } else {
        Some(i)
    };
    position
        .and_then(|p| usize::try_from(p).ok())
        .and_then(|p| items.get(p))
        .ok_or_else(|| format!("{what} index out of range"))
}

/// `target[start:end]` with Python's clamping of out-of-range bounds.
pub(crate) fn slice(target: &Value, start: Option<&Value>, end: Option<&Value>) -> EvalResult {
    let bounds = |len: usize| -> EvalResult<(usize, usize)> {
        let from = slice_bound(start, len, 0)?;
        let to = slice_bound(end, len, len)?;
        Ok((from, to.max(from)))
    };
    match target {
        Value::List(items) => bounds(items.len()).map(|(a, b)| Value::List(items[a..b].to_vec())),
        Value::Array(items) => bounds(items.len()).map(|(a, b)| Value::Array(items[a..b].to_vec())),
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            bounds(chars.len()).map(|(a, b)| Value::Str(chars[a..b].iter().collect()))
        }
        _ => Err(format!(
            "'{}' object is not subscriptable",
            target.type_name()
        )),
    }
}

fn slice_bound(bound: Option<&Value>, len: usize, default: usize) -> EvalResult<usize> {
    let i = match bound {
        None | Some(Value::None) => return Ok(default),
        Some(Value::Bool(b)) => i64::from(*b),
        Some(Value::Int(i)) => *i,
        Some(_) => {
            return Err(
                "slice indices must be integers or None or have an __index__ method".to_string(),
            )
        }
    };
    let len_i = len as i64;
    let clamped = if i < 0 {
        i.saturating_add(len_i).max(0)
    } else {
        i.min(len_i)
    };
    Ok(usize::try_from(clamped).unwrap_or(0))
}

/// The items of an iterable, as Python's `for` would produce them.
pub(crate) fn iterate(v: &Value) -> EvalResult<Vec<Value>> {
    match v {
        Value::List(items) | Value::Array(items) => Ok(items.clone()),
        Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
        Value::Dict(entries) => Ok(entries.iter().map(|(k, _)| Value::Str(k.clone())).collect()),
        _ => Err(format!("'{}' object is not iterable", v.type_name())),
    }
}

/// A stable merge sort by Python's `<`; unlike `slice::sort_by` it copes
/// with comparisons that fail or are not a total order (NaN).
pub(crate) fn sort_values(mut items: Vec<Value>) -> EvalResult<Vec<Value>> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let right = items.split_off(items.len() / 2);
    let (left, right) = (sort_values(items)?, sort_values(right)?);
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        let take_right = py_order(r, l, "<")? == Some(Ordering::Less);
        merged.extend(if take_right {
            right.next()
        } else {
            left.next()
        });
    }
    merged.extend(left);
    merged.extend(right);
    Ok(merged)
}
