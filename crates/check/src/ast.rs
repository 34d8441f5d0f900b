//! Syntax tree of a test expression.
//!
//! Operator chains (`a + b - c`, `a and b and c`, `x[0][1]`, `a < b < c`) are
//! stored flat, so the depth of the tree is bounded by the parser's nesting
//! limit however long the expression is.

use std::cmp::Ordering;

use crate::value::Value;

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Lit(Value),
    List(Vec<Node>),
    /// `<cohort>.<key>`, resolved against the data while parsing.
    Ref {
        cohort: String,
        key: String,
    },
    /// `${ref(trace).<key>}` in a `>{ … }` expression: the trace's values of `key`, all
    /// cohorts together.
    TraceRef {
        trace: String,
        key: String,
    },
    /// `env.NAME` in a `>{ … }` expression: the environment variable, or `None`.
    Env(String),
    /// A dotted name that is neither a data reference nor a function.
    Name(String),
    Not(Box<Node>),
    Unary(UnaryOp, Box<Node>),
    /// `a and b and c` / `a or b`: at least two operands.
    Logic(LogicOp, Vec<Node>),
    /// `a < b <= c`: the first operand and each following (operator, operand).
    Compare(Box<Node>, Vec<(CmpOp, Node)>),
    /// Left-associative chain of one precedence level (`+ -` or `* / // %`).
    Arith(Box<Node>, Vec<(ArithOp, Node)>),
    Pow(Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
    /// A primary followed by subscripts and matcher calls.
    Postfix(Box<Node>, Vec<Postfix>),
}

/// Which form of test expression is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// 1.0.30's `logic`: data referenced as `<cohort>.<key>`.
    Logic,
    /// 1.0.44+'s `>{ … }`: data referenced as `${ref(trace).<key>}`, plus `env.NAME` and
    /// `any_test_failed()`.
    Eval,
}

impl Node {
    /// The nodes directly below this one.
    pub(crate) fn children(&self) -> Box<dyn Iterator<Item = &Node> + '_> {
        match self {
            Node::Lit(_)
            | Node::Ref { .. }
            | Node::TraceRef { .. }
            | Node::Env(_)
            | Node::Name(_) => Box::new(std::iter::empty()),
            Node::List(items) | Node::Logic(_, items) | Node::Call(_, items) => {
                Box::new(items.iter())
            }
            Node::Not(node) | Node::Unary(_, node) => Box::new(std::iter::once(node.as_ref())),
            Node::Compare(first, rest) => {
                Box::new(std::iter::once(first.as_ref()).chain(rest.iter().map(|(_, n)| n)))
            }
            Node::Arith(first, rest) => {
                Box::new(std::iter::once(first.as_ref()).chain(rest.iter().map(|(_, n)| n)))
            }
            Node::Pow(base, exp) => Box::new([base.as_ref(), exp.as_ref()].into_iter()),
            Node::Postfix(base, ops) => Box::new(
                std::iter::once(base.as_ref()).chain(ops.iter().flat_map(Postfix::children)),
            ),
        }
    }
}

impl Postfix {
    fn children(&self) -> Box<dyn Iterator<Item = &Node> + '_> {
        match self {
            Postfix::Index(node) => Box::new(std::iter::once(node)),
            Postfix::Slice(start, end) => Box::new(start.iter().chain(end.iter())),
            Postfix::Matcher(_, args) => Box::new(args.iter()),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Postfix {
    Index(Node),
    Slice(Option<Node>, Option<Node>),
    Matcher(Matcher, Vec<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnaryOp {
    Neg,
    Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogicOp {
    And,
    Or,
}

impl LogicOp {
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            LogicOp::And => "and",
            LogicOp::Or => "or",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
}

impl ArithOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::FloorDiv => "//",
            ArithOp::Mod => "%",
            ArithOp::Pow => "**",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
}

impl CmpOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
        }
    }

    /// Whether `a <op> b` holds when `a` compares to `b` as `ordering`.
    pub(crate) fn accepts(self, ordering: Ordering) -> bool {
        match self {
            CmpOp::Eq | CmpOp::In => ordering == Ordering::Equal,
            CmpOp::Ne | CmpOp::NotIn => ordering != Ordering::Equal,
            CmpOp::Lt => ordering == Ordering::Less,
            CmpOp::Le => ordering != Ordering::Greater,
            CmpOp::Gt => ordering == Ordering::Greater,
            CmpOp::Ge => ordering != Ordering::Less,
        }
    }
}

/// Declares a field-less enum whose variants have source-text names.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum $name { $($variant),* }

        impl $name {
            pub(crate) const ALL: &'static [$name] = &[$($name::$variant),*];

            pub(crate) fn name(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub(crate) fn from_name(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.name() == text)
            }
        }
    };
}

named_enum! {
    /// Python built-in functions.
    Builtin {
        Round => "round", Len => "len", Abs => "abs", Min => "min", Max => "max",
        Sum => "sum", Sorted => "sorted", Float => "float", Int => "int",
        Str => "str", Bool => "bool", All => "all", Any => "any", List => "list",
    }
}

named_enum! {
    /// `numpy.<name>` / `np.<name>` functions.
    NumpyFn {
        Sum => "sum", Mean => "mean", Min => "min", Max => "max", Std => "std",
        All => "all", Any => "any", Unique => "unique", Asarray => "asarray",
        Median => "median", Round => "round", Abs => "abs",
        CountNonzero => "count_nonzero",
    }
}

named_enum! {
    /// assertpy matchers callable on `assert_that(...)`.
    Matcher {
        IsEqualTo => "is_equal_to", IsNotEqualTo => "is_not_equal_to",
        IsTrue => "is_true", IsFalse => "is_false",
        IsGreaterThan => "is_greater_than",
        IsGreaterThanOrEqualTo => "is_greater_than_or_equal_to",
        IsLessThan => "is_less_than",
        IsLessThanOrEqualTo => "is_less_than_or_equal_to",
        IsBetween => "is_between", IsCloseTo => "is_close_to",
        IsLength => "is_length", Contains => "contains",
        DoesNotContain => "does_not_contain", IsNone => "is_none",
        IsNotNone => "is_not_none", IsEmpty => "is_empty",
        IsNotEmpty => "is_not_empty", IsIn => "is_in", IsNotIn => "is_not_in",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    AssertThat,
    /// `any_test_failed()` in a `>{ … }` expression.
    AnyTestFailed,
    Builtin(Builtin),
    Numpy(NumpyFn),
}

impl Func {
    /// Resolves a function name of the dialect: `>{ … }` expressions also have
    /// `any_test_failed()` and numpy's `mean` without a prefix (as Visivo 1.0.82).
    pub(crate) fn lookup_in(path: &str, dialect: Dialect) -> Option<Func> {
        match (dialect, path) {
            (Dialect::Eval, "any_test_failed") => Some(Func::AnyTestFailed),
            (Dialect::Eval, "mean") => Some(Func::Numpy(NumpyFn::Mean)),
            _ => Self::lookup(path),
        }
    }

    /// Resolves a dotted function name (`len`, `numpy.sum`, `np.sum`).
    pub(crate) fn lookup(path: &str) -> Option<Func> {
        if path == "assert_that" {
            return Some(Func::AssertThat);
        }
        match path.split_once('.') {
            Some(("numpy" | "np", name)) => NumpyFn::from_name(name).map(Func::Numpy),
            Some(_) => None,
            None => Builtin::from_name(path).map(Func::Builtin),
        }
    }
}
