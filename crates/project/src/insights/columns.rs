//! A model's own metrics and dimensions read its columns by name (`SUM(amount)`). Where an
//! insight joins several models those names must say whose they are, so each bare column name
//! becomes `${ref(model).column}` — the one form the rest of the lowering knows.
//!
//! A column name is an identifier that is not a keyword, not a function (followed by `(`), not
//! qualified or a qualifier (next to `.`), not a type (after `AS` or `::`) and not a typed
//! literal's prefix (`DATE '2024-01-01'`). Strings and quoted identifiers are kept as written.

/// Words that are SQL, not columns, in the expressions metrics and dimensions hold.
const KEYWORDS: &[&str] = &[
    "all",
    "and",
    "any",
    "as",
    "asc",
    "between",
    "by",
    "case",
    "cast",
    "collate",
    "cross",
    "current",
    "desc",
    "distinct",
    "else",
    "end",
    "escape",
    "exists",
    "false",
    "filter",
    "first",
    "following",
    "from",
    "group",
    "ilike",
    "in",
    "interval",
    "is",
    "last",
    "like",
    "not",
    "null",
    "nulls",
    "or",
    "order",
    "over",
    "partition",
    "preceding",
    "range",
    "row",
    "rows",
    "similar",
    "some",
    "then",
    "true",
    "unbounded",
    "when",
    "where",
    "within",
    "unknown",
];

/// `expression` with each bare column name written `${ref(model).column}`.
pub(super) fn qualify(expression: &str, model: &str) -> String {
    let tokens = tokenize(expression);
    let mut out = String::with_capacity(expression.len() * 2);
    for (i, token) in tokens.iter().enumerate() {
        let is_column = token.kind == TokenKind::Word && is_column(&tokens, i);
        if is_column {
            out.push_str(&format!("${{ref({model}).{}}}", token.text));
        } else {
            out.push_str(token.text);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    /// An unquoted identifier or keyword.
    Word,
    /// `'…'`, `"…"` or `` `…` ``, quotes doubled inside.
    Quoted,
    /// Whitespace.
    Space,
    /// Anything else, one character at a time (numbers, operators, parentheses).
    Other,
}

#[derive(Debug)]
struct Token<'a> {
    kind: TokenKind,
    text: &'a str,
}

fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(first) = rest.chars().next() {
        let (kind, len) = match first {
            c if c.is_whitespace() => (TokenKind::Space, span(rest, char::is_whitespace)),
            c if c.is_ascii_alphabetic() || c == '_' => (
                TokenKind::Word,
                span(rest, |c| c.is_ascii_alphanumeric() || c == '_' || c == '$'),
            ),
            // A number, with what follows its digits (`1e5`, `2.5`), is never a column.
            c if c.is_ascii_digit() => (
                TokenKind::Other,
                span(rest, |c| c.is_ascii_alphanumeric() || c == '.' || c == '_'),
            ),
            '\'' | '"' | '`' => (TokenKind::Quoted, quoted_len(rest, first)),
            c => (TokenKind::Other, c.len_utf8()),
        };
        tokens.push(Token {
            kind,
            text: &rest[..len],
        });
        rest = &rest[len..];
    }
    tokens
}

/// Length of the leading run of characters for which `keep` holds.
fn span(text: &str, keep: impl Fn(char) -> bool) -> usize {
    text.find(|c: char| !keep(c)).unwrap_or(text.len())
}

/// Length of the quoted text at the start of `text` (to the end when it is never closed).
fn quoted_len(text: &str, quote: char) -> usize {
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            if chars.peek().is_some_and(|(_, next)| *next == quote) {
                chars.next();
                continue;
            }
            return i + c.len_utf8();
        }
    }
    text.len()
}

fn is_column(tokens: &[Token], i: usize) -> bool {
    let word = tokens[i].text;
    if KEYWORDS.contains(&word.to_ascii_lowercase().as_str()) {
        return false;
    }
    let next = tokens[i + 1..].iter().find(|t| t.kind != TokenKind::Space);
    let previous = tokens[..i]
        .iter()
        .rev()
        .find(|t| t.kind != TokenKind::Space);
    let function_or_qualifier = next.is_some_and(|t| t.text == "(" || t.text == ".");
    let typed_literal =
        next.is_some_and(|t| t.kind == TokenKind::Quoted && t.text.starts_with('\''));
    let qualified_or_type = previous
        .is_some_and(|t| t.text == "." || t.text.eq_ignore_ascii_case("as") || t.text == ":");
    // `EXTRACT(month FROM day)`: the part before FROM is a date part.
    let date_part = next.is_some_and(|t| t.text.eq_ignore_ascii_case("from"));
    !(function_or_qualifier || typed_literal || qualified_or_type || date_part)
}

#[cfg(test)]
mod tests {
    use super::qualify;

    #[test]
    fn bare_columns_are_qualified_and_everything_else_kept() {
        let q = |e| qualify(e, "orders");
        assert_eq!(q("SUM(amount)"), "SUM(${ref(orders).amount})");
        assert_eq!(
            q("count(DISTINCT user_id) / 2.5e1"),
            "count(DISTINCT ${ref(orders).user_id}) / 2.5e1"
        );
        assert_eq!(
            q("CASE WHEN amount > 1000 THEN 'big amount' ELSE \"Kind\" END"),
            "CASE WHEN ${ref(orders).amount} > 1000 THEN 'big amount' ELSE \"Kind\" END"
        );
        assert_eq!(
            q("CAST(day AS DATE) >= DATE '2024-01-01' AND x::text IS NOT NULL"),
            "CAST(${ref(orders).day} AS DATE) >= DATE '2024-01-01' AND ${ref(orders).x}::text IS NOT NULL"
        );
        assert_eq!(
            q("EXTRACT(month FROM day)"),
            "EXTRACT(month FROM ${ref(orders).day})"
        );
        assert_eq!(q("t.amount + 'it''s'"), "t.amount + 'it''s'");
        assert_eq!(
            q("sum(x) over (partition by y)"),
            "sum(${ref(orders).x}) over (partition by ${ref(orders).y})"
        );
        assert_eq!(q("'unclosed"), "'unclosed");
        assert_eq!(q("é + a"), "é + ${ref(orders).a}");
    }
}
