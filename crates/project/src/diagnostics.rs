//! Located messages about a project, rendered with a source excerpt and a caret.

use crate::load::template::{self, EnvValue};
use crate::load::yaml::Pos;
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// Index of a file in [`Files`].
pub type FileId = usize;

/// Every file the project was read from, as written (before Jinja), so messages can quote it.
#[derive(Default)]
pub struct Files {
    inner: SimpleFiles<String, String>,
    paths: Vec<PathBuf>,
    /// What `env_var()` returned: messages must not quote these values.
    env_values: Vec<EnvValue>,
}

impl Files {
    /// Adds a file read from `path`, named `display` in messages, with its text as written.
    pub fn add(&mut self, path: PathBuf, display: String, text: String) -> FileId {
        self.paths.push(path);
        self.inner.add(display, text)
    }

    /// Remembers what `env_var()` returned, so [`Report::redact`] can hide it.
    pub(crate) fn remember_env_values(&mut self, values: &[EnvValue]) {
        self.env_values.extend(
            values
                .iter()
                .filter(|v| !v.value.trim().is_empty())
                .cloned(),
        );
    }

    /// The file's path on disk.
    pub fn path(&self, id: FileId) -> &std::path::Path {
        &self.paths[id]
    }

    /// Every file read, in the order read: the project file, its includes, the profile.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// The file's name as messages show it (relative to the working directory).
    pub fn display_name(&self, id: FileId) -> String {
        self.inner
            .get(id)
            .map(|f| f.name().clone())
            .unwrap_or_default()
    }

    /// Where the line `loc` is on starts in its file, the line, and the byte range within it of
    /// the key or value `loc` points at.
    fn line_and_token(&self, loc: Location) -> Option<(usize, &str, Range<usize>)> {
        let text = self.inner.get(loc.file).ok()?.source();
        let line_start: usize = text
            .split_inclusive('\n')
            .take(loc.pos.line.saturating_sub(1))
            .map(str::len)
            .sum();
        let line = text[line_start..].lines().next().unwrap_or("");
        let column = line
            .char_indices()
            .nth(loc.pos.col.saturating_sub(1))
            .map_or(line.len(), |(i, _)| i);
        let token = column..column + token_len(&line[..column], &line[column..]);
        Some((line_start, line, token))
    }

    /// An excerpt of one line for `loc`: a one-file set holding that line, cut `EXCERPT_TAIL`
    /// characters after the underlined token (a 40 KB line stays out of the terminal), at its
    /// own line number, and the token's range in it. `None` when the line is short enough to show
    /// from the file itself.
    fn short_excerpt(&self, loc: Location) -> Option<(SimpleFiles<String, String>, Range<usize>)> {
        let (_, line, token) = self.line_and_token(loc)?;
        let keep = line[token.end..]
            .char_indices()
            .nth(EXCERPT_TAIL)
            .map(|(i, _)| token.end + i)?;
        let padding = "\n".repeat(loc.pos.line.saturating_sub(1));
        let source = format!("{padding}{}…\n", &line[..keep]);
        let mut one = SimpleFiles::new();
        one.add(self.display_name(loc.file), source);
        let start = padding.len() + token.start;
        Some((one, start..padding.len() + token.end))
    }

    fn byte_range(&self, loc: Location) -> Range<usize> {
        self.line_and_token(loc).map_or(0..0, |(start, _, token)| {
            start + token.start..start + token.end
        })
    }
}

/// How much of a long line an excerpt shows after the underlined part.
const EXCERPT_TAIL: usize = 80;

/// The length in bytes of the YAML key or value that starts `rest` (the line from there on;
/// `before` is the line up to it): a block indicator (`- `) alone, a quoted value up to its
/// closing quote, a bracketed one up to its matching bracket, a plain one up to a comment, a `: `
/// after a key or, inside brackets, a `,`. Only its first line is measured; at least one
/// character is.
fn token_len(before: &str, rest: &str) -> usize {
    let mut chars = rest.chars();
    let measured = match chars.next() {
        None => return 0,
        Some('-' | '?' | ':') if chars.next().is_none_or(char::is_whitespace) => Some(1),
        Some(quote @ ('"' | '\'')) => quoted_len(rest, quote),
        Some('[' | '{') => bracketed_len(rest),
        Some(_) => None,
    };
    let len = measured.unwrap_or_else(|| plain_len(rest, inside_brackets(before)));
    len.max(rest.chars().next().map_or(0, char::len_utf8))
}

/// Up to the closing quote: `\"` is escaped in double quotes, `''` in single ones.
fn quoted_len(rest: &str, quote: char) -> Option<usize> {
    let mut chars = rest.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if quote == '"' && c == '\\' {
            chars.next();
        } else if c == quote {
            if quote == '\'' && chars.peek().is_some_and(|(_, next)| *next == '\'') {
                chars.next();
                continue;
            }
            return Some(i + 1);
        }
    }
    None
}

fn bracketed_len(rest: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

fn plain_len(rest: &str, in_brackets: bool) -> usize {
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let blank_after = |k: usize| chars.get(k + 1).is_none_or(|(_, c)| c.is_whitespace());
    let end = chars
        .iter()
        .enumerate()
        .find(|(k, (_, c))| match c {
            ':' => blank_after(*k),
            '#' => *k > 0 && chars[k - 1].1.is_whitespace(),
            ',' | ']' | '}' => in_brackets,
            _ => false,
        })
        .map_or(rest.len(), |(_, (i, _))| *i);
    rest[..end].trim_end().len()
}

/// Whether a `[` or `{` opened before the value is still open.
fn inside_brackets(before: &str) -> bool {
    let opened = before.matches(['[', '{']).count();
    let closed = before.matches([']', '}']).count();
    opened > closed
}

/// Where a value was written: a file and a position in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: FileId,
    /// Line and column in the file as written (before Jinja).
    pub pos: Pos,
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The project can't be used: the command fails.
    Error,
    /// Worth knowing; the command carries on.
    Warning,
}

/// One problem: what is wrong, where it was written and which object it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Whether it stops the command.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where it was written; `None` when no place in a file is to blame (a missing project file).
    pub location: Option<Location>,
    /// e.g. `traces[2] "Revenue" .props.y`
    pub object: Option<String>,
    /// How to fix it, shown under the excerpt.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with only its message; add the rest with [`Self::at`], [`Self::object`],
    /// [`Self::help`].
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            object: None,
            help: None,
        }
    }

    /// A warning with only its message.
    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    /// Points it at where the value was written.
    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// Names the object it is about (`traces[2] "Revenue" .props.y`).
    pub fn object(mut self, object: impl Into<String>) -> Self {
        self.object = Some(object.into());
        self
    }

    /// Adds a hint on how to fix it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether it is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders with a source excerpt; falls back to a single line when the file is unknown.
    pub fn render(&self, files: &Files) -> String {
        let mut diagnostic = match self.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_message(&self.message);
        let short = self.location.and_then(|loc| files.short_excerpt(loc));
        if let Some((_, range)) = &short {
            diagnostic = diagnostic.with_labels(vec![Label::primary(0, range.clone())]);
        } else if let Some(loc) = self.location {
            diagnostic =
                diagnostic.with_labels(vec![Label::primary(loc.file, files.byte_range(loc))]);
        }
        let mut notes = Vec::new();
        if let Some(object) = &self.object {
            notes.push(format!("in {object}"));
        }
        if let Some(help) = &self.help {
            notes.push(format!("help: {help}"));
        }
        diagnostic = diagnostic.with_notes(notes);
        let source = short.as_ref().map_or(&files.inner, |(one, _)| one);
        term::emit_into_string(&Config::default(), source, &diagnostic)
            .unwrap_or_else(|_| format!("{self}\n"))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: {}", self.message)?;
        if let Some(object) = &self.object {
            write!(f, " (in {object})")?;
        }
        Ok(())
    }
}

/// Every diagnostic of a command, errors and warnings together.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// The diagnostics, in the order they were found.
    pub items: Vec<Diagnostic>,
}

impl Report {
    /// A message about a value that came from an unset `env_var()` is about that variable.
    pub fn push(&mut self, mut diagnostic: Diagnostic) {
        let texts = [Some(&diagnostic.message), diagnostic.help.as_ref()];
        let mut unset: Vec<String> = texts
            .into_iter()
            .flatten()
            .flat_map(|text| template::unset_vars_in(text))
            .map(str::to_string)
            .collect();
        unset.dedup();
        if !unset.is_empty() {
            let (noun, verb) = if unset.len() == 1 {
                ("variable", "is")
            } else {
                ("variables", "are")
            };
            diagnostic.message = format!("environment {noun} {} {verb} not set", unset.join(", "));
            diagnostic.help = Some("set it in the environment or in the .env file".into());
        }
        if let Some(object) = &diagnostic.object {
            diagnostic.object = Some(template::replace_unset(object, |name| {
                format!("env_var('{name}')")
            }));
        }
        self.items.push(diagnostic);
    }

    /// Replaces every value `env_var()` returned in the messages by the call that produced it.
    pub fn redact(&mut self, files: &Files) {
        for d in &mut self.items {
            for text in [Some(&mut d.message), d.help.as_mut(), d.object.as_mut()]
                .into_iter()
                .flatten()
            {
                *text = redact_env_values(text, &files.env_values);
            }
        }
    }

    /// Appends another report's diagnostics.
    pub fn extend(&mut self, other: Report) {
        self.items.extend(other.items);
    }

    /// How many of the diagnostics are errors.
    pub(crate) fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// Whether the project can't be used.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// The terminal's text of every diagnostic, with excerpts, and a count of errors; serve's
    /// browser overlay shows the same text.
    pub fn render(&self, files: &Files) -> String {
        let mut out: String = self.items.iter().map(|d| d.render(files)).collect();
        let errors = self.error_count();
        if errors > 0 {
            let noun = if errors == 1 { "error" } else { "errors" };
            out.push_str(&format!("{errors} {noun} in the project\n"));
        }
        out
    }
}

/// `text` with each whole-word occurrence of an `env_var()` value (as returned, or as YAML read
/// it back) replaced by the call; parts of longer words are left alone.
fn redact_env_values(text: &str, values: &[EnvValue]) -> String {
    let mut out = text.to_string();
    for EnvValue { name, value } in values {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        let call = format!("{{{{ env_var('{name}') }}}}");
        out = replace_whole(&out, &escaped, &call);
        if escaped != *value {
            out = replace_whole(&out, value, &call);
        }
    }
    out
}

fn replace_whole(text: &str, needle: &str, with: &str) -> String {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (at, _) in text.match_indices(needle) {
        let end = at + needle.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        let edge_word = |c: Option<char>, inner: Option<char>| is_word(c) && is_word(inner);
        if at < done
            || edge_word(before, needle.chars().next())
            || edge_word(after, needle.chars().next_back())
        {
            continue;
        }
        out.push_str(&text[done..at]);
        out.push_str(with);
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

/// Suggests the closest candidate, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_are_redacted_as_whole_words_only() {
        let values = [EnvValue {
            name: "PW".into(),
            value: "e".into(),
        }];
        assert_eq!(
            redact_env_values("database \"e\" does not exist", &values),
            "database \"{{ env_var('PW') }}\" does not exist"
        );
        let quoted = [EnvValue {
            name: "Q".into(),
            value: r#"a"b"#.into(),
        }];
        assert_eq!(
            redact_env_values(r#"found `a"b` and `a\"b`"#, &quoted),
            "found `{{ env_var('Q') }}` and `{{ env_var('Q') }}`"
        );
    }

    /// The text `token_len` underlines in `line`, starting at `from`.
    fn underlined<'a>(line: &'a str, from: &str) -> &'a str {
        let column = line.find(from).unwrap();
        &line[column..column + token_len(&line[..column], &line[column..])]
    }

    #[test]
    fn the_whole_value_is_underlined() {
        let cases = [
            (
                "    model: ref(All Time Trace)",
                "ref(",
                "ref(All Time Trace)",
            ),
            (
                "traces: [ref(All Time Trace), ref(b)]",
                "ref(",
                "ref(All Time Trace)",
            ),
            ("traces: {a: ref(All Time), b: 1}", "ref(", "ref(All Time)"),
            (
                "sql: select a, b from t  # why",
                "select",
                "select a, b from t",
            ),
            ("name: \"a \\\" b\" # c", "\"", "\"a \\\" b\""),
            ("name: 'it''s here' # c", "'", "'it''s here'"),
            ("my key: 1", "my", "my key"),
            ("url: http://x/y z", "http", "http://x/y z"),
            ("x: [1, [2, 3]] # c", "[", "[1, [2, 3]]"),
            ("open: \"never closed", "\"", "\"never closed"),
            ("- ", "-", "-"),
            ("    - - - x", "-", "-"),
            ("- x", "x", "x"),
        ];
        for (line, from, expected) in cases {
            assert_eq!(underlined(line, from), expected, "{line}");
        }
    }
}
