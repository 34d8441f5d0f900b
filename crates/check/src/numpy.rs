//! The `numpy.*` functions tests use, on flattened numeric data.

use crate::ast::NumpyFn;
use crate::builtins::{ndigits, one, one_or_two, scaled_round};
use crate::ops::{self, EvalResult};
use crate::value::{Num, Value};

pub(crate) fn call(f: NumpyFn, args: Vec<Value>) -> EvalResult {
    let name = format!("numpy.{}", f.name());
    let (arg, decimals) = if f == NumpyFn::Round {
        one_or_two(&name, args)?
    } else {
        (one(&name, args)?, None)
    };
    match f {
        NumpyFn::Round => round(&arg, decimals.as_ref()),
        NumpyFn::Asarray => Ok(asarray(arg)),
        NumpyFn::Abs => ops::abs(&asarray(arg)),
        NumpyFn::All => truth_count(&arg).map(|(truthy, n)| Value::Bool(truthy == n)),
        NumpyFn::Any => truth_count(&arg).map(|(truthy, _)| Value::Bool(truthy > 0)),
        NumpyFn::CountNonzero => truth_count(&arg).map(|(truthy, _)| Value::Int(truthy as i64)),
        NumpyFn::Unique => unique(&arg),
        NumpyFn::Sum => sum(&Column::from_value(&name, &arg)?),
        NumpyFn::Min => extreme(&Column::from_value(&name, &arg)?, false),
        NumpyFn::Max => extreme(&Column::from_value(&name, &arg)?, true),
        NumpyFn::Mean => float_stat(&name, &arg, mean),
        NumpyFn::Std => float_stat(&name, &arg, std),
        NumpyFn::Median => float_stat(&name, &arg, median),
    }
}

fn float_stat(name: &str, arg: &Value, stat: fn(&[f64]) -> f64) -> EvalResult {
    Ok(Value::Float(stat(&Column::from_value(name, arg)?.floats())))
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
fn round(x: &Value, decimals: Option<&Value>) -> EvalResult {
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
        (_, Some(Num::Int(i))) => Ok(Value::Int(scaled_round(i as f64, digits) as i64)),
        (_, Some(Num::Float(f))) => Ok(Value::Float(scaled_round(f, digits))),
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
                item.as_num()
                    .ok_or_else(|| format!("{name}() requires numbers, got '{}'", item.type_name()))
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
}

fn sum(column: &Column) -> EvalResult {
    match column {
        Column::Int(v) => v
            .iter()
            .try_fold(0i64, |total, &i| total.checked_add(i))
            .map(Value::Int)
            .ok_or_else(|| "integer result too large".to_string()),
        Column::Float(v) => Ok(Value::Float(add_reduce(v))),
    }
}

/// numpy's `min`/`max`: no identity for empty data, NaN wins.
fn extreme(column: &Column, maximum: bool) -> EvalResult {
    let empty = || {
        let reduction = if maximum { "maximum" } else { "minimum" };
        format!("zero-size array to reduction operation {reduction} which has no identity")
    };
    match column {
        Column::Int(v) => if maximum {
            v.iter().max()
        } else {
            v.iter().min()
        }
        .map(|&i| Value::Int(i))
        .ok_or_else(empty),
        Column::Float(v) => v
            .iter()
            .copied()
            .reduce(|acc, x| match (acc.is_nan() || x.is_nan(), maximum) {
                (true, _) => f64::NAN,
                (false, true) => acc.max(x),
                (false, false) => acc.min(x),
            })
            .map(Value::Float)
            .ok_or_else(empty),
    }
}

/// `numpy.add.reduce`: the identity `0.0` plus the pairwise sum.
fn add_reduce(v: &[f64]) -> f64 {
    0.0 + pairwise_sum(v)
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
    add_reduce(v) / v.len() as f64
}

/// `numpy.std` (population, `ddof=0`).
fn std(v: &[f64]) -> f64 {
    let centre = mean(v);
    let squares: Vec<f64> = v.iter().map(|x| (x - centre) * (x - centre)).collect();
    mean(&squares).sqrt()
}

fn median(v: &[f64]) -> f64 {
    if v.is_empty() || v.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let mut v = v.to_vec();
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

    /// Deterministic data both numpy and these tests can compute exactly.
    fn data(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| (i * 7919 % 1013) as f64 / 7.3 - 50.3)
            .collect()
    }

    #[test]
    fn statistics_match_numpy_bit_for_bit() {
        // (n, sum, mean, std, median) printed by numpy 2.4 for `data(n)`.
        let reference = [
            (
                5,
                50.14383561643837,
                10.028767123287675,
                39.397088802568526,
                12.439726027397263,
            ),
            (
                9,
                161.4095890410959,
                17.93439878234399,
                41.58939827167102,
                24.494520547945214,
            ),
            (
                17,
                277.6397260273974,
                16.331748589846907,
                41.49726259281137,
                12.439726027397263,
            ),
            (
                100,
                1908.6301369863015,
                19.086301369863016,
                40.42652349434705,
                18.946575342465756,
            ),
            (
                129,
                2564.5876712328773,
                19.8805245832006,
                40.27596267455032,
                20.795890410958904,
            ),
            (
                300,
                5895.753424657536,
                19.65251141552512,
                40.04678719464165,
                19.9054794520548,
            ),
            (
                1000,
                19136.438356164384,
                19.136438356164383,
                40.069442677895715,
                19.22054794520548,
            ),
        ];
        for (n, total, average, deviation, middle) in reference {
            let v = data(n);
            assert_eq!(add_reduce(&v), total, "sum of {n}");
            assert_eq!(mean(&v), average, "mean of {n}");
            assert_eq!(std(&v), deviation, "std of {n}");
            assert_eq!(median(&v), middle, "median of {n}");
        }
        assert_eq!(add_reduce(&[0.1; 10]), 1.0);
    }

    #[test]
    fn empty_reductions_follow_numpy() {
        assert!(mean(&[]).is_nan());
        assert!(median(&[]).is_nan());
        assert!(add_reduce(&[]).is_sign_positive());
        assert!(add_reduce(&[-0.0]).is_sign_positive());
    }
}
