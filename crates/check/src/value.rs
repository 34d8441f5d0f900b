//! Runtime values and their Python-style rendering.

use std::fmt;

/// A value of the test language, modelled on the Python objects 1.0.30 used.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    /// A numpy array: comparisons and arithmetic are element-wise.
    Array(Vec<Value>),
    Dict(Vec<(String, Value)>),
    /// The builder returned by `assert_that(value)`; matchers chain on it.
    Assertion(Box<Value>),
}

/// A numeric view of a value (`bool` counts as an integer, as in Python).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub(crate) fn to_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

const AMBIGUOUS_ARRAY: &str =
    "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()";
const AMBIGUOUS_EMPTY: &str = "The truth value of an empty array is ambiguous. Use `array.size > 0` to check that an array is not empty.";

impl Value {
    /// Converts a `data.json` value the way Python's `json.load` does
    /// (`1` is an int, `1.0` a float, objects are dicts).
    pub(crate) fn from_json(json: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::None,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => n
                .as_i64()
                .map(Value::Int)
                .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN))),
            J::String(s) => Value::Str(s.clone()),
            J::Array(items) => Value::List(items.iter().map(Value::from_json).collect()),
            J::Object(map) => Value::Dict(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Python's `type(value).__name__`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Array(_) => "ndarray",
            Value::Dict(_) => "dict",
            Value::Assertion(_) => "AssertionBuilder",
        }
    }

    pub(crate) fn as_num(&self) -> Option<Num> {
        match self {
            Value::Bool(b) => Some(Num::Int(i64::from(*b))),
            Value::Int(i) => Some(Num::Int(*i)),
            Value::Float(f) => Some(Num::Float(*f)),
            _ => None,
        }
    }

    /// Python truthiness; numpy arrays of other than one element are ambiguous.
    pub(crate) fn truthy(&self) -> Result<bool, String> {
        Ok(match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(items) => !items.is_empty(),
            Value::Dict(entries) => !entries.is_empty(),
            Value::Array(items) => match items.as_slice() {
                [single] => return single.truthy(),
                [] => return Err(AMBIGUOUS_EMPTY.to_string()),
                _ => return Err(AMBIGUOUS_ARRAY.to_string()),
            },
            Value::Assertion(_) => true,
        })
    }

    /// Python's `len(value)`.
    pub(crate) fn len(&self) -> Result<usize, String> {
        match self {
            Value::Str(s) => Ok(s.chars().count()),
            Value::List(items) | Value::Array(items) => Ok(items.len()),
            Value::Dict(entries) => Ok(entries.len()),
            other => Err(format!(
                "object of type '{}' has no len()",
                other.type_name()
            )),
        }
    }

    /// Python's `repr(value)` (strings quoted), used inside containers.
    pub(crate) fn repr(&self) -> String {
        match self {
            Value::Str(s) => repr_str(s),
            other => other.to_string(),
        }
    }
}

/// Python's `str(value)`: what assertpy prints between `<` and `>`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => f.write_str(&format_float(*x)),
            Value::Str(s) => f.write_str(s),
            Value::List(items) => write!(f, "[{}]", join_repr(items, ", ")),
            Value::Array(items) => write!(f, "[{}]", join_repr(items, " ")),
            Value::Dict(entries) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", repr_str(k), v.repr()))
                    .collect();
                write!(f, "{{{}}}", parts.join(", "))
            }
            Value::Assertion(inner) => write!(f, "assert_that({})", inner.repr()),
        }
    }
}

fn join_repr(items: &[Value], separator: &str) -> String {
    items
        .iter()
        .map(Value::repr)
        .collect::<Vec<_>>()
        .join(separator)
}

/// Python's `repr(float)`: shortest round-trip digits, scientific notation
/// below 1e-4 and from 1e16 on (`1e+16`, `1.5e-05`), `.0` for integral values.
pub(crate) fn format_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        let fixed = x.to_string();
        if fixed.contains('.') {
            fixed
        } else {
            format!("{fixed}.0")
        }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    }
}

/// Python's `repr(str)`.
pub(crate) fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        let cases = [
            (4.0, "4.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e16, "1e+16"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (123456789.125, "123456789.125"),
            (-0.0, "-0.0"),
            (1e300, "1e+300"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (9999999999999998.0, "9999999999999998.0"),
        ];
        for (x, expected) in cases {
            assert_eq!(format_float(x), expected, "{x:?}");
        }
    }

    #[test]
    fn strings_repr_like_python() {
        assert_eq!(repr_str("abc"), "'abc'");
        assert_eq!(repr_str("it's"), "\"it's\"");
        assert_eq!(repr_str("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(repr_str("a\nb\\"), "'a\\nb\\\\'");
    }

    #[test]
    fn containers_print_like_python() {
        let list = Value::List(vec![
            Value::Int(1),
            Value::Str("a".into()),
            Value::None,
            Value::Float(2.5),
        ]);
        assert_eq!(list.to_string(), "[1, 'a', None, 2.5]");
        let array = Value::Array(vec![Value::Bool(true), Value::Bool(false)]);
        assert_eq!(array.to_string(), "[True False]");
        let dict = Value::Dict(vec![("k".into(), Value::Int(1))]);
        assert_eq!(dict.to_string(), "{'k': 1}");
    }

    #[test]
    fn json_numbers_keep_int_and_float_apart() {
        let json: serde_json::Value = serde_json::from_str("[1, 1.0, 18446744073709551615]")
            .unwrap_or(serde_json::Value::Null);
        assert_eq!(
            Value::from_json(&json).to_string(),
            "[1, 1.0, 1.8446744073709552e+19]"
        );
    }
}
