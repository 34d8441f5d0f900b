//! Located messages about a project, rendered with a source excerpt and a caret.

use crate::load::yaml::Pos;
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};
use std::fmt;
use std::path::PathBuf;

pub type FileId = usize;

/// The rendered text of every file the project was read from, so messages can quote it.
#[derive(Default)]
pub struct Files {
    inner: SimpleFiles<String, String>,
    paths: Vec<PathBuf>,
}

impl Files {
    pub fn add(&mut self, path: PathBuf, display: String, text: String) -> FileId {
        self.paths.push(path);
        self.inner.add(display, text)
    }

    pub fn path(&self, id: FileId) -> &std::path::Path {
        &self.paths[id]
    }

    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    pub fn display_name(&self, id: FileId) -> String {
        self.inner
            .get(id)
            .map(|f| f.name().clone())
            .unwrap_or_default()
    }

    fn byte_range(&self, loc: Location) -> std::ops::Range<usize> {
        let Ok(file) = self.inner.get(loc.file) else {
            return 0..0;
        };
        let text = file.source();
        let line_start: usize = text
            .split_inclusive('\n')
            .take(loc.pos.line.saturating_sub(1))
            .map(str::len)
            .sum();
        let line = text[line_start..].lines().next().unwrap_or("");
        let start = line_start
            + line
                .char_indices()
                .nth(loc.pos.col.saturating_sub(1))
                .map_or(line.len(), |(i, _)| i);
        let token_len = text[start..]
            .find(|c: char| c.is_whitespace() || c == ':')
            .filter(|n| *n > 0)
            .unwrap_or_else(|| text[start..].chars().next().map_or(0, char::len_utf8));
        start..start + token_len
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub file: FileId,
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem: what is wrong, where it was written and which object it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    /// e.g. `traces[2] "Revenue" .props.y`
    pub object: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            object: None,
            help: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    pub fn object(mut self, object: impl Into<String>) -> Self {
        self.object = Some(object.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

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
        if let Some(loc) = self.location {
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
        term::emit_into_string(&Config::default(), &files.inner, &diagnostic)
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
    pub items: Vec<Diagnostic>,
}

impl Report {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: Report) {
        self.items.extend(other.items);
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

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
