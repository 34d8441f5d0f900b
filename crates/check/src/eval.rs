//! Tree-walking evaluator. Recursion follows the tree, whose depth the
//! parser bounds; loops run over data and literals only.

use crate::ast::{ArithOp, CmpOp, Func, LogicOp, Node, Postfix};
use crate::ops::{self, EvalResult};
use crate::value::Value;
use crate::{builtins, matchers, numpy};

pub(crate) fn eval(node: &Node, data: &serde_json::Value) -> EvalResult {
    match node {
        Node::Lit(v) => Ok(v.clone()),
        Node::List(items) => eval_all(items, data).map(Value::List),
        Node::Ref { cohort, key } => lookup(data, cohort, key),
        Node::Name(name) => Err(format!(
            "Unknown name '{name}': the test does not reference a valid data cohort.  Available cohorts: {}",
            key_list(data)
        )),
        Node::Not(operand) => Ok(Value::Bool(!eval(operand, data)?.truthy()?)),
        Node::Unary(op, operand) => ops::unary(*op, &eval(operand, data)?),
        Node::Logic(op, items) => logic(*op, items, data),
        Node::Compare(first, rest) => compare_chain(first, rest, data),
        Node::Arith(first, rest) => rest.iter().try_fold(eval(first, data)?, |acc, (op, rhs)| {
            ops::arith(*op, &acc, &eval(rhs, data)?)
        }),
        Node::Pow(base, exp) => ops::arith(ArithOp::Pow, &eval(base, data)?, &eval(exp, data)?),
        Node::Call(func, args) => call(*func, eval_all(args, data)?),
        Node::Postfix(base, ops) => ops
            .iter()
            .try_fold(eval(base, data)?, |acc, op| postfix(acc, op, data)),
    }
}

fn eval_all(nodes: &[Node], data: &serde_json::Value) -> EvalResult<Vec<Value>> {
    nodes.iter().map(|n| eval(n, data)).collect()
}

/// `data[cohort][key]`, or a message naming what is available.
fn lookup(data: &serde_json::Value, cohort: &str, key: &str) -> EvalResult {
    let Some(cohort_data) = data.get(cohort) else {
        return Err(format!(
            "The test does not reference a valid data cohort.  Available cohorts: {}",
            key_list(data)
        ));
    };
    cohort_data.get(key).map(Value::from_json).ok_or_else(|| {
        format!(
            "Cohort '{cohort}' has no data key '{key}'.  Available keys: {}",
            key_list(cohort_data)
        )
    })
}

fn key_list(object: &serde_json::Value) -> String {
    object
        .as_object()
        .map(|map| {
            map.keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Python's `and`/`or`: the deciding operand, not necessarily a bool.
fn logic(op: LogicOp, items: &[Node], data: &serde_json::Value) -> EvalResult {
    let stop_when = op == LogicOp::Or;
    let mut last = Value::None;
    for item in items {
        last = eval(item, data)?;
        if last.truthy()? == stop_when {
            break;
        }
    }
    Ok(last)
}

/// `a < b < c` is `a < b and b < c`, each operand evaluated once.
fn compare_chain(first: &Node, rest: &[(CmpOp, Node)], data: &serde_json::Value) -> EvalResult {
    let mut left = eval(first, data)?;
    let mut result = Value::Bool(true);
    for (i, (op, right)) in rest.iter().enumerate() {
        let right = eval(right, data)?;
        result = ops::compare(*op, &left, &right)?;
        if i + 1 < rest.len() && !result.truthy()? {
            break;
        }
        left = right;
    }
    Ok(result)
}

fn call(func: Func, args: Vec<Value>) -> EvalResult {
    match func {
        Func::AssertThat => {
            builtins::one("assert_that", args).map(|v| Value::Assertion(Box::new(v)))
        }
        Func::Builtin(f) => builtins::call(f, args),
        Func::Numpy(f) => numpy::call(f, args),
    }
}

fn postfix(target: Value, op: &Postfix, data: &serde_json::Value) -> EvalResult {
    match op {
        Postfix::Index(index) => ops::index(&target, &eval(index, data)?),
        Postfix::Slice(start, end) => {
            let start = start.as_ref().map(|n| eval(n, data)).transpose()?;
            let end = end.as_ref().map(|n| eval(n, data)).transpose()?;
            ops::slice(&target, start.as_ref(), end.as_ref())
        }
        Postfix::Matcher(matcher, args) => {
            let Value::Assertion(subject) = &target else {
                return Err(format!(
                    "'{}' object has no attribute '{}'",
                    target.type_name(),
                    matcher.name()
                ));
            };
            matchers::check(*matcher, subject, &eval_all(args, data)?)?;
            Ok(target)
        }
    }
}
