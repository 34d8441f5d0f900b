//! Recursive-descent parser with Python's precedence:
//! `or` < `and` < `not` < comparisons < `+ -` < `* / // %` < unary `- +` <
//! `**` < subscripts and matcher calls < primaries.

use crate::ast::{ArithOp, CmpOp, Dialect, Func, LogicOp, Matcher, Node, Postfix, UnaryOp};
use crate::lexer::{is_ident_char, is_ident_start, lex, skip_ws, Lexed, Tok};
use crate::names::{DataNames, RefMatch};
use crate::value::Value;
use crate::ParseError;

/// Deepest nesting of parentheses, brackets, calls and unary operators.
const MAX_DEPTH: usize = 64;

/// Words that cannot start or continue a name.
const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "if", "else", "True", "False", "None",
];

type PResult<T> = Result<T, ParseError>;

pub(crate) fn parse_logic(src: &str, names: &DataNames) -> PResult<Node> {
    parse_dialect(src, names, Dialect::Logic)
}

/// The expression of a `>{ … }` (without the braces).
pub(crate) fn parse_eval(src: &str) -> PResult<Node> {
    parse_dialect(src, &DataNames::default(), Dialect::Eval)
}

fn parse_dialect(src: &str, names: &DataNames, dialect: Dialect) -> PResult<Node> {
    let mut parser = Parser {
        src,
        pos: 0,
        depth: 0,
        names,
        dialect,
    };
    let node = parser.expr()?;
    let next = parser.peek()?;
    match next.tok {
        Tok::End => Ok(node),
        tok => Err(unexpected(&tok, next.start)),
    }
}

fn unexpected(tok: &Tok, at: usize) -> ParseError {
    ParseError::new(at, format!("unexpected {}", tok.describe()))
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
    names: &'a DataNames,
    dialect: Dialect,
}

impl Parser<'_> {
    fn peek(&self) -> PResult<Lexed> {
        lex(self.src, self.pos)
    }

    fn eat_op(&mut self, op: &str) -> PResult<bool> {
        let next = self.peek()?;
        let found = matches!(next.tok, Tok::Op(o) if o == op);
        if found {
            self.pos = next.end;
        }
        Ok(found)
    }

    fn peek_op(&self, op: &str) -> PResult<bool> {
        Ok(matches!(self.peek()?.tok, Tok::Op(o) if o == op))
    }

    fn expect_op(&mut self, op: &str) -> PResult<()> {
        let next = self.peek()?;
        if matches!(next.tok, Tok::Op(o) if o == op) {
            self.pos = next.end;
            Ok(())
        } else {
            Err(ParseError::new(
                next.start,
                format!("expected '{op}' but found {}", next.tok.describe()),
            ))
        }
    }

    fn eat_keyword(&mut self, keyword: &str) -> PResult<bool> {
        let next = self.peek()?;
        let found = matches!(&next.tok, Tok::Ident(w) if w == keyword);
        if found {
            self.pos = next.end;
        }
        Ok(found)
    }

    /// Runs `parse` one nesting level deeper, failing past [`MAX_DEPTH`].
    fn nested<T>(&mut self, parse: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(ParseError::new(
                skip_ws(self.src, self.pos),
                format!("expression is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn expr(&mut self) -> PResult<Node> {
        self.nested(Self::or_expr)
    }

    fn or_expr(&mut self) -> PResult<Node> {
        self.logic_chain(LogicOp::Or, Self::and_expr)
    }

    fn and_expr(&mut self) -> PResult<Node> {
        self.logic_chain(LogicOp::And, Self::not_expr)
    }

    fn logic_chain(
        &mut self,
        op: LogicOp,
        operand: fn(&mut Self) -> PResult<Node>,
    ) -> PResult<Node> {
        let first = operand(self)?;
        if !self.eat_keyword(op.keyword())? {
            return Ok(first);
        }
        let mut items = vec![first, operand(self)?];
        while self.eat_keyword(op.keyword())? {
            items.push(operand(self)?);
        }
        Ok(Node::Logic(op, items))
    }

    fn not_expr(&mut self) -> PResult<Node> {
        if !self.at_reference() && self.eat_keyword("not")? {
            let operand = self.nested(Self::not_expr)?;
            return Ok(Node::Not(Box::new(operand)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> PResult<Node> {
        let first = self.additive()?;
        let mut rest = Vec::new();
        while let Some(op) = self.eat_cmp_op()? {
            rest.push((op, self.additive()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Node::Compare(Box::new(first), rest)
        })
    }

    fn eat_cmp_op(&mut self) -> PResult<Option<CmpOp>> {
        let next = self.peek()?;
        let (op, end) = match &next.tok {
            Tok::Op(symbol) => match cmp_symbol(symbol) {
                Some(op) => (op, next.end),
                None => return Ok(None),
            },
            Tok::Ident(w) if w == "in" => (CmpOp::In, next.end),
            Tok::Ident(w) if w == "not" => {
                let after = lex(self.src, next.end)?;
                match after.tok {
                    Tok::Ident(w) if w == "in" => (CmpOp::NotIn, after.end),
                    _ => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        self.pos = end;
        Ok(Some(op))
    }

    fn additive(&mut self) -> PResult<Node> {
        self.arith_chain(&[("+", ArithOp::Add), ("-", ArithOp::Sub)], Self::term)
    }

    fn term(&mut self) -> PResult<Node> {
        let ops = [
            ("*", ArithOp::Mul),
            ("/", ArithOp::Div),
            ("//", ArithOp::FloorDiv),
            ("%", ArithOp::Mod),
        ];
        self.arith_chain(&ops, Self::factor)
    }

    fn arith_chain(
        &mut self,
        ops: &[(&str, ArithOp)],
        operand: fn(&mut Self) -> PResult<Node>,
    ) -> PResult<Node> {
        let first = operand(self)?;
        let mut rest = Vec::new();
        while let Some(op) = self.eat_arith_op(ops)? {
            rest.push((op, operand(self)?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Node::Arith(Box::new(first), rest)
        })
    }

    fn eat_arith_op(&mut self, ops: &[(&str, ArithOp)]) -> PResult<Option<ArithOp>> {
        let next = self.peek()?;
        let Tok::Op(symbol) = next.tok else {
            return Ok(None);
        };
        let found = ops.iter().find(|(s, _)| *s == symbol).map(|(_, op)| *op);
        if found.is_some() {
            self.pos = next.end;
        }
        Ok(found)
    }

    fn factor(&mut self) -> PResult<Node> {
        for (symbol, op) in [("-", UnaryOp::Neg), ("+", UnaryOp::Pos)] {
            if !self.at_reference() && self.eat_op(symbol)? {
                let operand = self.nested(Self::factor)?;
                return Ok(Node::Unary(op, Box::new(operand)));
            }
        }
        self.power()
    }

    fn power(&mut self) -> PResult<Node> {
        let base = self.postfix()?;
        if !self.eat_op("**")? {
            return Ok(base);
        }
        let exponent = self.nested(Self::factor)?;
        Ok(Node::Pow(Box::new(base), Box::new(exponent)))
    }

    fn postfix(&mut self) -> PResult<Node> {
        let base = self.primary()?;
        let mut ops = Vec::new();
        loop {
            if self.eat_op("[")? {
                ops.push(self.subscript()?);
            } else if self.eat_op(".")? {
                ops.push(self.matcher_call()?);
            } else {
                break;
            }
        }
        Ok(if ops.is_empty() {
            base
        } else {
            Node::Postfix(Box::new(base), ops)
        })
    }

    /// After `[`: `i]`, `a:b]`, `a:]`, `:b]` or `:]`.
    fn subscript(&mut self) -> PResult<Postfix> {
        if self.eat_op(":")? {
            return self.slice_end(None);
        }
        let index = self.expr()?;
        if self.eat_op(":")? {
            return self.slice_end(Some(index));
        }
        self.expect_op("]")?;
        Ok(Postfix::Index(index))
    }

    fn slice_end(&mut self, start: Option<Node>) -> PResult<Postfix> {
        let end = if self.peek_op("]")? {
            None
        } else {
            Some(self.expr()?)
        };
        self.expect_op("]")?;
        Ok(Postfix::Slice(start, end))
    }

    /// After `.`: `<matcher>(<args>)`.
    fn matcher_call(&mut self) -> PResult<Postfix> {
        let next = self.peek()?;
        let Tok::Ident(name) = next.tok else {
            return Err(ParseError::new(
                next.start,
                format!(
                    "expected a matcher name after '.' but found {}",
                    next.tok.describe()
                ),
            ));
        };
        let matcher = Matcher::from_name(&name).ok_or_else(|| {
            let known: Vec<&str> = Matcher::ALL.iter().map(|m| m.name()).collect();
            ParseError::new(
                next.start,
                format!(
                    "unknown matcher '{name}'. Available matchers: {}",
                    known.join(", ")
                ),
            )
        })?;
        self.pos = next.end;
        self.expect_op("(")?;
        Ok(Postfix::Matcher(matcher, self.sequence(")")?))
    }

    /// Comma-separated expressions up to `close` (a trailing comma is fine).
    fn sequence(&mut self, close: &str) -> PResult<Vec<Node>> {
        let mut items = Vec::new();
        while !self.eat_op(close)? {
            items.push(self.expr()?);
            if !self.eat_op(",")? {
                self.expect_op(close)?;
                break;
            }
        }
        Ok(items)
    }

    fn primary(&mut self) -> PResult<Node> {
        if let Some(reference) = self.reference() {
            return Ok(reference);
        }
        if self.dialect == Dialect::Eval && self.rest().starts_with("${") {
            return self.nested(Self::trace_ref);
        }
        let next = self.peek()?;
        let start = next.start;
        self.pos = next.end;
        match next.tok {
            Tok::Num(v) => Ok(Node::Lit(v)),
            Tok::Str(s) => Ok(Node::Lit(Value::Str(s))),
            Tok::Op("(") => {
                let inner = self.expr()?;
                self.expect_op(")")?;
                Ok(inner)
            }
            Tok::Op("[") => Ok(Node::List(self.nested(|p| p.sequence("]"))?)),
            Tok::Ident(word) => self.name(word, start),
            tok => Err(unexpected(&tok, start)),
        }
    }

    /// The source from the next token on.
    fn rest(&self) -> &str {
        &self.src[skip_ws(self.src, self.pos)..]
    }

    /// `${ ref(<trace>).<key>[<index>]… }`: the key is the dotted path (`props.marker.color`),
    /// what follows it indexes or slices the values.
    fn trace_ref(&mut self) -> PResult<Node> {
        self.pos = skip_ws(self.src, self.pos) + 2;
        let word = self.peek()?;
        if !matches!(&word.tok, Tok::Ident(w) if w == "ref") {
            return Err(ParseError::new(
                word.start,
                format!(
                    "expected `ref(<trace>)` after '${{' but found {}",
                    word.tok.describe()
                ),
            ));
        }
        self.pos = word.end;
        self.expect_op("(")?;
        let trace = self.ref_name()?;
        let mut key = Vec::new();
        while let Some(segment) = self.rest().strip_prefix('.') {
            let len = segment.find(|c| !is_ident_char(c)).unwrap_or(segment.len());
            if len == 0 {
                break;
            }
            key.push(segment[..len].to_string());
            self.pos = skip_ws(self.src, self.pos) + 1 + len;
        }
        if key.is_empty() {
            return Err(ParseError::new(
                skip_ws(self.src, self.pos),
                format!("expected the data to read after `ref({trace})`, e.g. `.props.y`"),
            ));
        }
        let mut ops = Vec::new();
        while self.eat_op("[")? {
            ops.push(self.subscript()?);
        }
        if !self.rest().starts_with('}') {
            let next = self.peek()?;
            return Err(ParseError::new(
                next.start,
                format!("expected '}}' but found {}", next.tok.describe()),
            ));
        }
        self.pos = skip_ws(self.src, self.pos) + 1;
        let node = Node::TraceRef {
            trace,
            key: key.join("."),
        };
        Ok(if ops.is_empty() {
            node
        } else {
            Node::Postfix(Box::new(node), ops)
        })
    }

    /// After `ref(`: a quoted name or the text up to `)`, then `)`.
    fn ref_name(&mut self) -> PResult<String> {
        let next = self.peek()?;
        let name = if let Tok::Str(name) = next.tok {
            self.pos = next.end;
            name
        } else {
            let start = next.start;
            let len = self.src[start..]
                .find([')', '}'])
                .unwrap_or(self.src.len() - start);
            self.pos = start + len;
            self.src[start..start + len].trim().to_string()
        };
        self.expect_op(")")?;
        if name.trim().is_empty() {
            return Err(ParseError::new(next.start, "`ref()` needs a trace name"));
        }
        Ok(name.trim().to_string())
    }

    /// Whether a cohort name starts here: it wins over keywords and
    /// operators it may begin with (`not in.props.y`, `-1.props.y`).
    fn at_reference(&self) -> bool {
        let start = skip_ws(self.src, self.pos);
        self.names.match_at(&self.src[start..]).is_some()
    }

    /// A data reference at the current position, matched on the raw text.
    fn reference(&mut self) -> Option<Node> {
        let start = skip_ws(self.src, self.pos);
        let text = &self.src[start..];
        let (cohort, key, len) = match self.names.match_at(text)? {
            RefMatch::Full { cohort, key, len } => (cohort, key, len),
            RefMatch::CohortOnly { cohort, len } => {
                let key = self.attempted_key(cohort, &text[len..])?;
                (cohort, key, len + key.len())
            }
        };
        self.pos = start + len;
        Some(Node::Ref {
            cohort: cohort.to_string(),
            key: key.to_string(),
        })
    }

    /// The dotted name after `<cohort>.` when it is not one of the cohort's
    /// keys, so evaluation can report the missing key. Not a reference if it
    /// spells a function call (a cohort may be called `np`).
    fn attempted_key<'t>(&self, cohort: &str, text: &'t str) -> Option<&'t str> {
        if !text.starts_with(is_ident_start) {
            return None;
        }
        let len = text
            .find(|c: char| !is_ident_char(c) && c != '.')
            .unwrap_or(text.len());
        let key = text[..len].trim_end_matches('.');
        let is_call = text[key.len()..].trim_start().starts_with('(');
        let is_function = Func::lookup(&format!("{cohort}.{key}")).is_some();
        (!is_call && !is_function).then_some(key)
    }

    /// A keyword literal, a function call or an unresolved dotted name.
    fn name(&mut self, word: String, start: usize) -> PResult<Node> {
        match word.as_str() {
            "True" => return Ok(Node::Lit(Value::Bool(true))),
            "False" => return Ok(Node::Lit(Value::Bool(false))),
            "None" => return Ok(Node::Lit(Value::None)),
            _ if KEYWORDS.contains(&word.as_str()) => {
                return Err(unexpected(&Tok::Ident(word), start))
            }
            _ => {}
        }
        let path = self.dotted_path(word)?;
        if self.dialect == Dialect::Eval {
            if let Some(variable) = path.strip_prefix("env.") {
                return Ok(Node::Env(variable.to_string()));
            }
        }
        let func = Func::lookup_in(&path, self.dialect);
        let path = match func {
            Some(_) => path,
            None => self.more_words(path)?,
        };
        let is_call = self.eat_op("(")?;
        match (func, is_call) {
            (Some(func), true) => Ok(Node::Call(func, self.nested(|p| p.sequence(")"))?)),
            (Some(_), false) => Err(ParseError::new(
                start,
                format!("function '{path}' must be called with (...)"),
            )),
            (None, true) => Err(ParseError::new(start, format!("unknown function '{path}'"))),
            (None, false) => Ok(Node::Name(path)),
        }
    }

    /// Further words of an unknown name written like a cohort with spaces
    /// (`Simple Line.props.x`), so the error names all of it.
    fn more_words(&mut self, mut name: String) -> PResult<String> {
        loop {
            let next = self.peek()?;
            match next.tok {
                Tok::Ident(word) if !KEYWORDS.contains(&word.as_str()) => {
                    self.pos = next.end;
                    name.push(' ');
                    name = self.dotted_path(name + &word)?;
                }
                _ => return Ok(name),
            }
        }
    }

    fn dotted_path(&mut self, first: String) -> PResult<String> {
        let mut path = first;
        loop {
            let dot = self.peek()?;
            if !matches!(dot.tok, Tok::Op(".")) {
                return Ok(path);
            }
            let segment = lex(self.src, dot.end)?;
            let Tok::Ident(word) = segment.tok else {
                return Ok(path);
            };
            if Matcher::from_name(&word).is_some() {
                return Ok(path);
            }
            path.push('.');
            path.push_str(&word);
            self.pos = segment.end;
        }
    }
}

fn cmp_symbol(symbol: &str) -> Option<CmpOp> {
    Some(match symbol {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        _ => return None,
    })
}
