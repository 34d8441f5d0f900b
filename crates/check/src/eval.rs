//! Tree-walking evaluator. Recursion follows the tree, whose depth the
//! parser bounds; loops run over data and literals only.

use crate::ast::{ArithOp, CmpOp, Func, LogicOp, Node, Postfix};
use crate::ops::{self, EvalResult};
use crate::value::Value;
use crate::{builtins, matchers, numpy};

/// What an expression reads.
pub(crate) struct Scope<'a> {
    /// `{cohort: {key: [...]}}` for `logic`; `{trace: {key: [...]}}` (cohorts combined) for
    /// `>{ … }`.
    pub(crate) data: &'a serde_json::Value,
    /// `env.NAME`
    pub(crate) env: &'a dyn Fn(&str) -> Option<String>,
    /// `any_test_failed()`
    pub(crate) any_test_failed: bool,
}

pub(crate) fn eval(node: &Node, scope: &Scope) -> EvalResult {
    match node {
        Node::Lit(v) => Ok(v.clone()),
        Node::List(items) => eval_all(items, scope).map(Value::List),
        Node::Ref { cohort, key } => lookup(scope.data, cohort, key),
        Node::TraceRef { trace, key } => trace_values(scope.data, trace, key),
        Node::Env(name) => Ok((scope.env)(name).map_or(Value::None, Value::Str)),
        Node::Name(name) => Err(format!(
            "Unknown name '{name}': the test does not reference a valid data cohort.  Available cohorts: {}",
            key_list(scope.data)
        )),
        Node::Not(operand) => Ok(Value::Bool(!eval(operand, scope)?.truthy()?)),
        Node::Unary(op, operand) => ops::unary(*op, &eval(operand, scope)?),
        Node::Logic(op, items) => logic(*op, items, scope),
        Node::Compare(first, rest) => compare_chain(first, rest, scope),
        Node::Arith(first, rest) => rest.iter().try_fold(eval(first, scope)?, |acc, (op, rhs)| {
            ops::arith(*op, &acc, &eval(rhs, scope)?)
        }),
        Node::Pow(base, exp) => ops::arith(ArithOp::Pow, &eval(base, scope)?, &eval(exp, scope)?),
        Node::Call(func, args) => call(*func, eval_all(args, scope)?, scope),
        Node::Postfix(base, ops) => ops
            .iter()
            .try_fold(eval(base, scope)?, |acc, op| postfix(acc, op, scope)),
    }
}

fn eval_all(nodes: &[Node], scope: &Scope) -> EvalResult<Vec<Value>> {
    nodes.iter().map(|n| eval(n, scope)).collect()
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

/// `${ref(trace).key}`: the values of `key` of every cohort, or a message naming what exists.
fn trace_values(data: &serde_json::Value, trace: &str, key: &str) -> EvalResult {
    let Some(trace_data) = data.get(trace) else {
        return Err(format!("no data for trace '{trace}'"));
    };
    trace_data.get(key).map(Value::from_json).ok_or_else(|| {
        format!(
            "Trace '{trace}' has no data key '{key}'.  Available keys: {}",
            key_list(trace_data)
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
fn logic(op: LogicOp, items: &[Node], scope: &Scope) -> EvalResult {
    let stop_when = op == LogicOp::Or;
    let mut last = Value::None;
    for item in items {
        last = eval(item, scope)?;
        if last.truthy()? == stop_when {
            break;
        }
    }
    Ok(last)
}

/// `a < b < c` is `a < b and b < c`, each operand evaluated once.
fn compare_chain(first: &Node, rest: &[(CmpOp, Node)], scope: &Scope) -> EvalResult {
    let mut left = eval(first, scope)?;
    let mut result = Value::Bool(true);
    for (i, (op, right)) in rest.iter().enumerate() {
        let right = eval(right, scope)?;
        result = ops::compare(*op, &left, &right)?;
        if i + 1 < rest.len() && !result.truthy()? {
            break;
        }
        left = right;
    }
    Ok(result)
}

fn call(func: Func, args: Vec<Value>, scope: &Scope) -> EvalResult {
    match func {
        Func::AnyTestFailed if args.is_empty() => Ok(Value::Bool(scope.any_test_failed)),
        Func::AnyTestFailed => Err("any_test_failed() takes no arguments".to_string()),
        Func::AssertThat => {
            builtins::one("assert_that", args).map(|v| Value::Assertion(Box::new(v)))
        }
        Func::Builtin(f) => builtins::call(f, args),
        Func::Numpy(f) => numpy::call(f, args),
    }
}

fn postfix(target: Value, op: &Postfix, scope: &Scope) -> EvalResult {
    match op {
        Postfix::Index(index) => ops::index(&target, &eval(index, scope)?),
        Postfix::Slice(start, end) => {
            let start = start.as_ref().map(|n| eval(n, scope)).transpose()?;
            let end = end.as_ref().map(|n| eval(n, scope)).transpose()?;
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
            matchers::check(*matcher, subject, &eval_all(args, scope)?)?;
            Ok(target)
        }
    }
}
