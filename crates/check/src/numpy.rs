//! The `numpy.*` functions tests use, on flattened numeric data.

use crate::ast::NumpyFn;
use crate::builtins::{ndigits, one, one_or_two, round_float};
use crate::ops::{self, EvalResult};
use crate::value::{Num, Value};

pub(crate) fn call(f: NumpyFn, args: Vec<Value>) -> EvalResult {
    let name = format!("numpy.{}", f.name());
    if f == NumpyFn::Round {
        let (x, decimals) = one_or_two(&name, args)?;
        return round(&x, decimals.as_ref());
    }
    let arg = one(&name, args)?;
    match f {
        NumpyFn::Asarray => Ok(asarray(arg)),
        NumpyFn::Abs => match arg {
            Value::List(items) => ops::abs(&Value::Array(items)),
            other => ops::abs(&other),
        },
        NumpyFn::All => truth_count(&arg).map(|(truthy, n)| Value::Bool(truthy == n)),
        NumpyFn::Any => truth_count(&arg).map(|(truthy, _)| Value::Bool(truthy > 0)),
        NumpyFn::CountNonzero => truth_count(&arg).map(|(truthy, _)| Value::Int(truthy as i64)),
        NumpyFn::Unique => unique(&arg),
        _ => reduce(f, &name, Column::from_value(&name, &arg)?),
    }
}

/// `numpy.asarray`: lists (also nested) become arrays.
fn asarray(v: Value) -> Value {
    match v {
        Value::List(items) | Value::Array(items) => {
            Value::Array(items.into_iter().map(asarray).collect())
        }
        other => other,
    }
}

fn flatten(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::List(items) | Value::Array(items) => {
            for item in items {
                flatten(item, out);
            }
        }
        other => out.push(other.clone()),
    }
}

fn flat(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    flatten(v, &mut out);
    out
}

/// How many of the flattened items are truthy, and how many there are.
fn truth_count(v: &Value) -> EvalResult<(usize, usize)> {
    let items = flat(v);
    let mut truthy = 0;
    for item in &items {
        truthy += usize::from(item.truthy()?);
    }
    Ok((truthy, items.len()))
}

fn unique(v: &Value) -> EvalResult {
    let mut sorted = ops::sort_values(flat(v))?;
    sorted.dedup_by(|a, b| ops::py_eq(a, b));
    Ok(Value::Array(sorted))
}

/// `numpy.round(x, decimals=0)`: half to even; floats stay floats and
/// sequences become arrays.
pub(crate) fn round(x: &Value, decimals: Option<&Value>) -> EvalResult {
    let digits = ndigits(decimals)?.unwrap_or(0);
    round_digits(x, digits)
}

fn round_digits(x: &Value, digits: i64) -> EvalResult {
    match (x, x.as_num()) {
        (Value::List(items) | Value::Array(items), _) => items
            .iter()
            .map(|item| round_digits(item, digits))
            .collect::<EvalResult<Vec<_>>>()
            .map(Value::Array),
        (_, Some(Num::Int(i))) if digits >= 0 => Ok(Value::Int(i)),
        (_, Some(Num::Int(i))) => Ok(Value::Int(round_float(i as f64, digits) as i64)),
        (_, Some(Num::Float(f))) => Ok(Value::Float(round_float(f, digits))),
        (_, None) => Err(format!(
            "numpy.round() requires numbers, got '{}'",
            x.type_name()
        )),
    }
}

/// Flattened numeric data with numpy's dtype: integers (and booleans) stay
/// integers unless a float is present; no data at all is a float array.
enum Column {
    Int(Vec<i64>),
    Float(Vec<f64>),
}

impl Column {
    fn from_value(name: &str, v: &Value) -> EvalResult<Column> {
        let nums = flat(v)
            .iter()
            .map(|item| {
                item.as_num().ok_or_else(|| {
                    format!("{name}() requires numbers, got '{}'", item.type_name())
                })
            })
            .collect::<EvalResult<Vec<Num>>>()?;
        let ints: Option<Vec<i64>> = nums
            .iter()
            .map(|n| match n {
                Num::Int(i) => Some(*i),
                Num::Float(_) => None,
            })
            .collect();
        Ok(match ints {
            Some(ints) if !ints.is_empty() => Column::Int(ints),
            _ => Column::Float(nums.iter().map(|n| n.to_f64()).collect()),
        })
    }

    fn floats(&self) -> Vec<f64> {
        match self {
            Column::Int(v) => v.iter().map(|&i| i as f64).collect(),
            Column::Float(v) => v.clone(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Int(v) => v.len(),
            Column::Float(v) => v.len(),
        }
    }
}

fn reduce(f: NumpyFn, name: &str, column: Column) -> EvalResult {
    match f {
        NumpyFn::Sum => sum(&column),
        NumpyFn::Min => extreme(name, &column, "minimum", f64::min, Iterator::min),
        NumpyFn::Max => extreme(name, &column, "maximum", f64::max, Iterator::max),
        NumpyFn::Std => Ok(Value::Float(std(&column.floats()))),
        NumpyFn::Median => Ok(Value::Float(median(column.floats()))),
        _ => Ok(Value::Float(mean(&column.floats()))),
    }
}

fn sum(column: &Column) -> EvalResult {
    match column {
        Column::Int(v) => v
            .iter()
            .try_fold(0i64, |total, &i| total.checked_add(i))
            .map(Value::Int)
            .ok_or_else(|| "integer result too large".to_string()),
        Column::Float(v) => Ok(Value::Float(pairwise_sum(v))),
    }
}

/// numpy's `min`/`max`: no identity for empty data, NaN wins.
fn extreme(
    name: &str,
    column: &Column,
    reduction: &str,
    pick: fn(f64, f64) -> f64,
    pick_int: fn(std::slice::Iter<'_, i64>) -> Option<&i64>,
) -> EvalResult {
    let empty = || format!("{name}(): zero-size array to reduction operation {reduction} which has no identity");
    match column {
        Column::Int(v) => pick_int(v.iter()).map(|&i| Value::Int(i)).ok_or_else(empty),
        Column::Float(v) if v.is_empty() => Err(empty()),
        Column::Float(v) => Ok(Value::Float(v.iter().copied().fold(v[0], |acc, x| {
            if acc.is_nan() || x.is_nan() {
                f64::NAN
            } else {
                pick(acc, x)
            }
        }))),
    }
}

/// numpy's summation of float64 data: blocks of eight partial sums,
/// split in halves above 128 items. Matches `numpy.sum` bit for bit.
fn pairwise_sum(v: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    if v.len() < 8 {
        return v.iter().fold(-0.0, |acc, x| acc + x);
    }
    if v.len() <= BLOCK {
        let mut r = [0.0; 8];
        r.copy_from_slice(&v[..8]);
        let whole = v.len() - v.len() % 8;
        for chunk in v[8..whole].chunks_exact(8) {
            for (acc, x) in r.iter_mut().zip(chunk) {
                *acc += x;
            }
        }
        let total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        return v[whole..].iter().fold(total, |acc, x| acc + x);
    }
    let half = v.len() / 2;
    let half = half - half % 8;
    pairwise_sum(&v[..half]) + pairwise_sum(&v[half..])
}

/// `numpy.mean`; NaN for no data, as numpy (which also warns).
fn mean(v: &[f64]) -> f64 {
    0.0 + pairwise_sum(v) / v.len() as f64
}

/// `numpy.std` (population, `ddof=0`).
fn std(v: &[f64]) -> f64 {
    let centre = mean(v);
    let squares: Vec<f64> = v.iter().map(|x| (x - centre) * (x - centre)).collect();
    mean(&squares).sqrt()
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() || v.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        mean(&v[mid - 1..=mid])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_numpy() {
        // Reference values printed by numpy 2.4 (`repr(np.sum(...))`).
        assert_eq!(pairwise_sum(&[0.1; 10]), 1.0);
        assert_eq!(pairwise_sum(&[0.1; 200]), 20.0);
        assert_eq!(mean(&[0.1, 0.2, 0.7]), 0.3333333333333333);
        assert_eq!(std(&[1.0, 2.0, 3.0, 4.0]), 1.118033988749895);
    }

    #[test]
    fn empty_reductions_follow_numpy() {
        assert!(mean(&[]).is_nan());
        assert!(median(Vec::new()).is_nan());
        assert_eq!(pairwise_sum(&[]), -0.0);
    }
}
