//! On-demand tokenizer. The parser lexes one token at a time from a byte
//! position, so it can try data references on the raw text first.

use crate::value::Value;
use crate::ParseError;

#[derive(Debug, Clone)]
pub(crate) enum Tok {
    Num(Value),
    Str(String),
    Ident(String),
    Op(&'static str),
    End,
}

impl Tok {
    /// How the token is named in "unexpected ..." messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Num(v) => format!("number {v}"),
            Tok::Str(s) => format!("string {}", crate::value::repr_str(s)),
            Tok::Ident(word) => format!("'{word}'"),
            Tok::Op(op) => format!("'{op}'"),
            Tok::End => "end of expression".to_string(),
        }
    }
}

/// A token and the byte range it covers.
#[derive(Debug, Clone)]
pub(crate) struct Lexed {
    pub(crate) tok: Tok,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Operators, longest first so `**` wins over `*`. `${` and `}` delimit data references in
/// `>{ … }` expressions.
const OPERATORS: &[&str] = &[
    "${", "}", "**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "<", ">", "(", ")",
    "[", "]", ",", ":", ".",
];

pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The position of the first non-whitespace byte at or after `pos`.
pub(crate) fn skip_ws(src: &str, pos: usize) -> usize {
    let rest = &src[pos..];
    pos + (rest.len() - rest.trim_start().len())
}

/// Lexes the token starting at or after `pos` (whitespace skipped).
pub(crate) fn lex(src: &str, pos: usize) -> Result<Lexed, ParseError> {
    let start = skip_ws(src, pos);
    let rest = &src[start..];
    let Some(first) = rest.chars().next() else {
        return Ok(Lexed {
            tok: Tok::End,
            start,
            end: start,
        });
    };
    let (tok, len) = if first.is_ascii_digit() || starts_fraction(rest) {
        number(rest).map_err(|message| ParseError::new(start, message))?
    } else if first == '\'' || first == '"' {
        string(rest, first).map_err(|message| ParseError::new(start, message))?
    } else if is_ident_start(first) {
        let len = rest.find(|c| !is_ident_char(c)).unwrap_or(rest.len());
        (Tok::Ident(rest[..len].to_string()), len)
    } else {
        let op = OPERATORS
            .iter()
            .find(|op| rest.starts_with(**op))
            .ok_or_else(|| ParseError::new(start, format!("unexpected character '{first}'")))?;
        (Tok::Op(op), op.len())
    };
    Ok(Lexed {
        tok,
        start,
        end: start + len,
    })
}

fn starts_fraction(rest: &str) -> bool {
    let mut chars = rest.chars();
    chars.next() == Some('.') && chars.next().is_some_and(|c| c.is_ascii_digit())
}

fn digits_len(text: &str) -> usize {
    text.find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len())
}

/// `12`, `1.5`, `1.`, `.5`, `1e3`, `2.5E-4`.
fn number(text: &str) -> Result<(Tok, usize), String> {
    let mut len = digits_len(text);
    let mut is_float = false;
    if text[len..].starts_with('.') {
        is_float = true;
        len += 1 + digits_len(&text[len + 1..]);
    }
    if let Some(exp_len) = exponent_len(&text[len..]) {
        is_float = true;
        len += exp_len;
    }
    let literal = &text[..len];
    let value = if is_float {
        literal.parse().map(Value::Float).ok()
    } else {
        literal.parse().map(Value::Int).ok()
    };
    value
        .map(|v| (Tok::Num(v), len))
        .ok_or_else(|| format!("invalid number literal '{literal}'"))
}

fn exponent_len(text: &str) -> Option<usize> {
    let rest = text.strip_prefix(['e', 'E'])?;
    let sign = usize::from(rest.starts_with(['+', '-']));
    let digits = digits_len(&rest[sign..]);
    (digits > 0).then_some(1 + sign + digits)
}

/// A `'...'` or `"..."` literal with Python's common escapes.
fn string(text: &str, quote: char) -> Result<(Tok, usize), String> {
    let mut out = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => return Ok((Tok::Str(out), i + 1)),
            '\n' => break,
            '\\' => match chars.next() {
                Some((_, escaped)) => push_escape(&mut out, escaped),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("unterminated string literal".to_string())
}

fn push_escape(out: &mut String, escaped: char) {
    match escaped {
        'n' => out.push('\n'),
        't' => out.push('\t'),
        'r' => out.push('\r'),
        '0' => out.push('\0'),
        '\\' | '\'' | '"' => out.push(escaped),
        other => {
            out.push('\\');
            out.push(other);
        }
    }
}
