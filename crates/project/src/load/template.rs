//! The Jinja pass that runs over every project file before it is parsed as YAML.

use super::yaml::Pos;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind, OutputSpanKind};
use regex::Regex;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

/// What `env_var()` returns for a variable that is not set. It survives into the parsed project
/// so that only a field that is actually used (a source being connected to) turns it into an
/// error; everywhere else it is a warning. It is never written to any output.
pub const UNSET_MARKER_PREFIX: &str = "\u{2063}unset-env:";
/// Ends an unset-variable marker (invisible separator).
pub(crate) const UNSET_MARKER_SUFFIX: &str = "\u{2063}";

/// The work one file's template may do: every instruction costs one unit of fuel and every 64
/// bytes of text produced (output, strings built on the way) another, so this bounds both the
/// time (a few million steps) and the memory (256 MB of text) a template can take.
pub const FUEL: u64 = 4_000_000;

/// The rendered text of one file may be at most this big, or this many times the template.
pub const MAX_RENDERED_BYTES: usize = 64 << 20;
const MAX_RENDERED_RATIO: usize = 16;

/// The text `env_var(name)` returns when `name` is unset (tests build expected values with it).
pub fn unset_marker(name: &str) -> String {
    format!("{UNSET_MARKER_PREFIX}{name}{UNSET_MARKER_SUFFIX}")
}

/// Names of the unset environment variables a text refers to through `env_var()`.
pub fn unset_vars_in(text: &str) -> Vec<&str> {
    unset_markers_in(text).map(|(_, name)| name).collect()
}

/// Each unset-variable marker of a text: its byte offset and the variable's name.
fn unset_markers_in(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.match_indices(UNSET_MARKER_PREFIX)
        .filter_map(|(at, _)| {
            let rest = &text[at + UNSET_MARKER_PREFIX.len()..];
            rest.find(UNSET_MARKER_SUFFIX).map(|end| (at, &rest[..end]))
        })
}

/// Replaces every unset-variable marker of a text.
pub fn replace_unset(text: &str, with: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (at, name) in unset_markers_in(text) {
        out.push_str(&text[done..at]);
        out.push_str(&with(name));
        done = at + unset_marker(name).len();
    }
    out.push_str(&text[done..]);
    out
}

/// Why a file could not be rendered, and on which line of the template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TemplateError {
    pub(crate) line: Option<usize>,
    pub(crate) message: String,
}

/// The value an `env_var()` call returned, so that messages can avoid quoting it.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvValue {
    /// The variable's name.
    pub name: String,
    /// What it returned.
    pub value: String,
}

/// One file after the Jinja pass, with what is needed to point back into the template.
#[derive(Debug)]
pub struct Rendered {
    /// The rendered text, which is then parsed as YAML.
    pub text: String,
    segments: Vec<Segment>,
    /// Every value `env_var()` returned for a variable that is set.
    pub env_values: Vec<EnvValue>,
}

/// A piece of the rendered text and the template source that produced it.
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    output: Range<usize>,
    source: Range<usize>,
    /// Written verbatim from the template (else the output of an expression).
    verbatim: bool,
}

/// Renders one file. `file` is used for relative `read_json_file` paths; when `confined_to` is
/// given (a git clone), `read_json_file` may only read files inside that folder.
pub(crate) fn render(
    text: &str,
    file: &Path,
    confined_to: Option<&Path>,
) -> Result<Rendered, TemplateError> {
    let env_values = Arc::new(Mutex::new(Vec::new()));
    let base = file.parent().unwrap_or(Path::new("."));
    let env = environment(base, confined_to, env_values.clone());
    let name = file.display().to_string();
    let located = |e: Error| TemplateError {
        line: e.line(),
        message: template_message(&e),
    };
    let rewritten = EnvSyntax::rewrite(text);
    let template = env
        .template_from_named_str(&name, &rewritten.text)
        .map_err(located)?;
    let (output, spans) = template.render_with_spans(()).map_err(located)?;
    let limit = MAX_RENDERED_BYTES.max(text.len().saturating_mul(MAX_RENDERED_RATIO));
    if output.len() > limit {
        return Err(TemplateError {
            line: None,
            message: format!(
                "the template produces {} MB of text, more than the {} MB allowed",
                output.len() >> 20,
                limit >> 20
            ),
        });
    }
    let segments = spans
        .iter()
        .map(|span| {
            let verbatim = span.kind() == OutputSpanKind::Raw;
            let mut source = span.source_range();
            if verbatim {
                // Whitespace control trims raw text: find where what was written starts.
                let written = &output[span.output_range()];
                source.start += rewritten
                    .text
                    .get(source.clone())
                    .and_then(|s| s.find(written))
                    .unwrap_or(0);
            }
            Segment {
                output: span.output_range(),
                source: rewritten.as_written(source.start)..rewritten.as_written(source.end),
                verbatim,
            }
        })
        .collect();
    let env_values = std::mem::take(&mut *env_values.lock().unwrap_or_else(|p| p.into_inner()));
    Ok(Rendered {
        text: output,
        segments,
        env_values,
    })
}

/// `${env.X}` (1.0.76) is `{{ env_var('X') }}`: the template is rendered with each one written
/// that way, so the value gets the same treatment (redacted from messages; unset → "environment
/// variable X is not set" at its line), and positions are mapped back to the text as written.
struct EnvSyntax {
    text: String,
    /// Each rewrite: its range in `text` and in the template as written.
    rewrites: Vec<(Range<usize>, Range<usize>)>,
}

static ENV_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}").expect("valid regex")
});

impl EnvSyntax {
    fn rewrite(template: &str) -> Self {
        let mut text = String::with_capacity(template.len());
        let mut rewrites = Vec::new();
        let mut done = 0;
        for caps in ENV_CONTEXT.captures_iter(template) {
            let Some(whole) = caps.get(0) else { continue };
            text.push_str(&template[done..whole.start()]);
            let start = text.len();
            text.push_str(&format!("{{{{ env_var('{}') }}}}", &caps[1]));
            rewrites.push((start..text.len(), whole.range()));
            done = whole.end();
        }
        text.push_str(&template[done..]);
        EnvSyntax { text, rewrites }
    }

    /// The offset in the template as written of an offset in `text`.
    fn as_written(&self, offset: usize) -> usize {
        let mut shift: isize = 0;
        for (rewritten, written) in &self.rewrites {
            if offset < rewritten.start {
                break;
            }
            if offset < rewritten.end {
                return written.start;
            }
            shift = written.end as isize - rewritten.end as isize;
        }
        offset.saturating_add_signed(shift)
    }
}

impl Rendered {
    /// Where in the template each unset `env_var()` was used: the variable's name and position.
    pub fn unset(&self, template: &str) -> Vec<(String, Pos)> {
        let map = self.map(template);
        unset_markers_in(&self.text)
            .map(|(at, name)| (name.to_string(), map.template_pos_of(at)))
            .collect()
    }

    pub(crate) fn map<'a>(&'a self, template: &'a str) -> PositionMap<'a> {
        PositionMap {
            rendered: &self.text,
            rendered_lines: LineIndex::new(&self.text),
            template,
            template_lines: LineIndex::new(template),
            segments: &self.segments,
        }
    }
}

/// Turns positions in the rendered text into positions in the template as written, so that
/// messages quote and point at what the user wrote, never at rendered values.
pub struct PositionMap<'a> {
    rendered: &'a str,
    rendered_lines: LineIndex,
    template: &'a str,
    template_lines: LineIndex,
    segments: &'a [Segment],
}

impl PositionMap<'_> {
    /// Text written verbatim keeps its exact place; anything an expression produced points at
    /// the start of that expression.
    pub fn template_pos(&self, pos: Pos) -> Pos {
        self.template_pos_of(self.rendered_lines.offset(self.rendered, pos))
    }

    fn template_pos_of(&self, offset: usize) -> Pos {
        let index = self.segments.partition_point(|s| s.output.start <= offset);
        let source_offset = match index.checked_sub(1).map(|i| &self.segments[i]) {
            Some(s) if s.verbatim => (s.source.start + offset - s.output.start).min(s.source.end),
            Some(s) => s.source.start,
            None => 0,
        };
        self.template_lines.pos(self.template, source_offset)
    }
}

/// Byte offsets of the starts of a text's lines.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    fn offset(&self, text: &str, pos: Pos) -> usize {
        let line = pos.line.clamp(1, self.starts.len()) - 1;
        let start = self.starts[line];
        let end = self
            .starts
            .get(line + 1)
            .map_or(text.len(), |next| next - 1);
        text[start..end]
            .char_indices()
            .nth(pos.col.saturating_sub(1))
            .map_or(end, |(i, _)| start + i)
    }

    fn pos(&self, text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|s| *s <= offset);
        let start = self.starts[line - 1];
        let col = text.get(start..offset).map_or(0, |s| s.chars().count());
        Pos { line, col: col + 1 }
    }
}

fn template_message(e: &Error) -> String {
    if e.kind() == ErrorKind::OutOfFuel {
        return format!(
            "the template does more work than allowed ({} million steps or {} MB of text); is a loop too big?",
            FUEL / 1_000_000,
            (FUEL * 64) >> 20
        );
    }
    let mut message = e
        .detail()
        .map_or_else(|| e.kind().to_string(), str::to_string);
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        message.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    message
}

fn environment<'a>(
    dir: &Path,
    confined_to: Option<&Path>,
    env_values: Arc<Mutex<Vec<EnvValue>>>,
) -> Environment<'a> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    // Project files are YAML, never HTML: nothing may be escaped whatever the file is named.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    minijinja_contrib::add_to_environment(&mut env);
    env.add_function("env_var", move |name: String| -> String {
        match std::env::var(&name) {
            Ok(value) => {
                if let Ok(mut values) = env_values.lock() {
                    values.push(EnvValue {
                        name: name.clone(),
                        value: value.clone(),
                    });
                }
                value.replace('\\', "\\\\").replace('"', "\\\"")
            }
            Err(_) => unset_marker(&name),
        }
    });
    env.add_function("now", || -> f64 {
        Utc::now().timestamp_micros() as f64 / 1e6
    });
    env.add_function("timedelta", timedelta);
    env.add_function("to_unix", |text: String| -> Result<f64, Error> {
        parse_datetime(&text)
            .map(|t| t.timestamp_micros() as f64 / 1e6)
            .ok_or_else(|| invalid(format!("to_unix could not parse the date '{text}'")))
    });
    env.add_function("to_iso", |ts: f64| -> Result<String, Error> { to_iso(ts) });
    env.add_function(
        "to_str_format",
        |ts: f64, format: String| -> Result<String, Error> {
            let t = timestamp(ts)?;
            let mut out = String::new();
            use std::fmt::Write;
            write!(out, "{}", t.format(&format))
                .map_err(|_| invalid(format!("invalid strftime format '{format}'")))?;
            Ok(out)
        },
    );
    let base: PathBuf = dir.to_path_buf();
    let root: Option<PathBuf> = confined_to.map(Path::to_path_buf);
    env.add_function(
        "read_json_file",
        move |path: String| -> Result<Value, Error> {
            let mut resolved = base.join(&path);
            if let Some(root) = &root {
                resolved = super::discover::confine(&resolved, root).map_err(invalid)?;
            }
            let text = std::fs::read_to_string(&resolved)
                .map_err(|_| invalid(format!("File not found at: {}", resolved.display())))?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| invalid(format!("{} is not valid JSON: {e}", resolved.display())))?;
            Ok(Value::from(minijinja::value::Serde(json)))
        },
    );
    env
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

fn timedelta(kwargs: Kwargs) -> Result<f64, Error> {
    const UNITS: [(&str, f64); 7] = [
        ("weeks", 604_800.0),
        ("days", 86_400.0),
        ("hours", 3_600.0),
        ("minutes", 60.0),
        ("seconds", 1.0),
        ("milliseconds", 1e-3),
        ("microseconds", 1e-6),
    ];
    let mut total = 0.0;
    for (unit, seconds) in UNITS {
        if kwargs.has(unit) {
            let amount: f64 = kwargs.get(unit)?;
            total += amount * seconds;
        }
    }
    kwargs.assert_all_used()?;
    Ok(total)
}

fn timestamp(ts: f64) -> Result<DateTime<Utc>, Error> {
    let micros = (ts * 1e6).round();
    if !micros.is_finite() || micros.abs() > 8.0e18 {
        return Err(invalid(format!("{ts} is not a valid timestamp")));
    }
    Utc.timestamp_micros(micros as i64)
        .single()
        .ok_or_else(|| invalid(format!("{ts} is not a valid timestamp")))
}

fn to_iso(ts: f64) -> Result<String, Error> {
    let t = timestamp(ts)?;
    let naive = t.naive_utc();
    if naive.time() == chrono::NaiveTime::MIN {
        return Ok(naive.format("%Y-%m-%d").to_string());
    }
    let fraction = if naive.and_utc().timestamp_subsec_micros() > 0 {
        "%.6f"
    } else {
        ""
    };
    Ok(naive
        .format(&format!("%Y-%m-%dT%H:%M:%S{fraction}+00:00"))
        .to_string())
}

/// A permissive date parser: ISO forms, slashes, month names, explicit offsets.
fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    const WITH_OFFSET: [&str; 6] = [
        "%Y-%m-%d %H:%M:%S%.f %:z",
        "%Y-%m-%d %H:%M:%S%:z",
        "%Y-%m-%d %H:%M %:z",
        "%b %d, %Y %H:%M %:z",
        "%B %d, %Y %H:%M %:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ];
    for format in WITH_OFFSET {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    const NAIVE: [&str; 10] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%b %d, %Y %H:%M",
        "%B %d, %Y %H:%M",
        "%d %b %Y %H:%M",
        "%m/%d/%Y %H:%M",
    ];
    for format in NAIVE {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    const DATES: [&str; 8] = [
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%b %d, %Y",
        "%B %d, %Y",
        "%d %b %Y",
        "%d %B %Y",
        "%m/%d/%Y",
        "%Y%m%d",
    ];
    DATES.iter().find_map(|format| {
        NaiveDate::parse_from_str(text, format)
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> String {
        render(text, Path::new("/tmp/x.yml"), None).unwrap().text
    }

    /// Where `needle` (found in the rendered text) was written in the template.
    fn written_at(template: &str, needle: &str) -> Pos {
        let rendered = render(template, Path::new("/tmp/x.yml"), None).unwrap();
        let at = rendered.text.find(needle).expect("needle in output");
        let line = rendered.text[..at].matches('\n').count() + 1;
        let col = rendered.text[..at]
            .rsplit('\n')
            .next()
            .unwrap()
            .chars()
            .count()
            + 1;
        rendered.map(template).template_pos(Pos { line, col })
    }

    #[test]
    fn builtin_functions_match_visivo() {
        assert_eq!(r("{{ to_unix('2024-01-01') }}"), "1704067200.0");
        assert_eq!(
            r("{{ to_unix('Dec 31, 2024 10:00 -05:00') }}"),
            "1735657200.0"
        );
        assert_eq!(r("{{ timedelta(days=1, hours=1) }}"), "90000.0");
        assert_eq!(r("{{ to_iso(1704067200) }}"), "2024-01-01");
        assert_eq!(r("{{ to_iso(1704067201) }}"), "2024-01-01T00:00:01+00:00");
        assert_eq!(
            r("{{ to_iso(1704067201.5) }}"),
            "2024-01-01T00:00:01.500000+00:00"
        );
        assert_eq!(
            r("{{ to_str_format(1704067200, '%A, %d %B %Y') }}"),
            "Monday, 01 January 2024"
        );
        assert_eq!(r("{% raw %}{{ keep }}{% endraw %}"), "{{ keep }}");
        assert_eq!(r("{{ nothing }}"), "");
    }

    #[test]
    fn env_var_escapes_and_marks_unset() {
        std::env::set_var("VISIVO_TEMPLATE_TEST", r#"say "hi" \ ok"#);
        assert_eq!(
            r("{{ env_var('VISIVO_TEMPLATE_TEST') }}"),
            r#"say \"hi\" \\ ok"#
        );
        let template = "a: 1\nb: \"{{ env_var('VISIVO_SURELY_UNSET') }}\"";
        let rendered = render(template, Path::new("/tmp/x.yml"), None).unwrap();
        assert_eq!(
            rendered.unset(template),
            vec![("VISIVO_SURELY_UNSET".to_string(), Pos { line: 2, col: 8 })]
        );
        assert_eq!(unset_vars_in(&rendered.text), vec!["VISIVO_SURELY_UNSET"]);
        assert_eq!(
            replace_unset(&rendered.text, |name| format!("<{name}>")),
            "a: 1\nb: \"<VISIVO_SURELY_UNSET>\""
        );
    }

    #[test]
    fn env_context_strings_are_env_var_calls() {
        std::env::set_var("VISIVO_TEMPLATE_CONTEXT", "a\"b");
        assert_eq!(
            r("x: \"${env.VISIVO_TEMPLATE_CONTEXT}\" ${ env.VISIVO_TEMPLATE_CONTEXT }"),
            r("x: \"{{ env_var('VISIVO_TEMPLATE_CONTEXT') }}\" {{ env_var('VISIVO_TEMPLATE_CONTEXT') }}")
        );
        assert_eq!(
            r("${env.1X} ${envX} ${ref(a)}"),
            "${env.1X} ${envX} ${ref(a)}"
        );
        let template = "a: 1\nb: \"x ${env.VISIVO_SURELY_UNSET} y\" bogus\n";
        let rendered = render(template, Path::new("p.yml"), None).unwrap();
        assert_eq!(
            rendered.unset(template),
            vec![("VISIVO_SURELY_UNSET".to_string(), Pos { line: 2, col: 7 })]
        );
        let bogus = rendered.text.find("bogus").unwrap();
        let bogus_pos = rendered.map(template).template_pos_of(bogus);
        assert_eq!(bogus_pos, Pos { line: 2, col: 37 });
    }

    #[test]
    fn positions_map_back_to_the_template_as_written() {
        std::env::set_var("VISIVO_TEMPLATE_LONG", "a-much-longer-value");
        // Text after an expression keeps its column in the template, whatever was inserted.
        let t = "a: {{ env_var('VISIVO_TEMPLATE_LONG') }} bogus\n";
        assert_eq!(written_at(t, "bogus"), Pos { line: 1, col: 42 });
        let t = "a: \"{{ env_var('VISIVO_SURELY_UNSET') }}\", bogus: 1\n";
        assert_eq!(written_at(t, "bogus"), Pos { line: 1, col: 44 });
        // Anything an expression produced points at the expression.
        assert_eq!(written_at(t, "unset-env"), Pos { line: 1, col: 8 });
        // Loops: every copy of the body points at the body, lines after the loop at their line.
        let t = "x:\n{%- for i in range(3) %}\n  - n{{ i }}: v\n{%- endfor %}\nafter: 1\n";
        assert_eq!(r(t), "x:\n  - n0: v\n  - n1: v\n  - n2: v\nafter: 1");
        assert_eq!(written_at(t, "n2"), Pos { line: 3, col: 5 });
        assert_eq!(written_at(t, ": v"), Pos { line: 3, col: 13 });
        assert_eq!(written_at(t, "after"), Pos { line: 5, col: 1 });
        // Whitespace control trims raw text: the position still lands on what was written.
        let t = "{% if true -%}\n    kept: 1\n{%- endif %}";
        assert_eq!(written_at(t, "kept"), Pos { line: 2, col: 5 });
        // Multi-byte characters count as one column.
        let t = "é: {{ 'ü' }} ß: x";
        assert_eq!(written_at(t, "ß"), Pos { line: 1, col: 14 });
    }

    #[test]
    fn runaway_templates_stop_with_a_located_error() {
        let nested = "a: 1\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}";
        let err = render(nested, Path::new("/tmp/x.yml"), None).unwrap_err();
        assert!(err.message.contains("more work than allowed"), "{err:?}");
        assert_eq!(err.line, Some(2));
        let doubling = "{% set ns = namespace(s='xxxxxxxx') %}\n{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}";
        let err = render(doubling, Path::new("/tmp/x.yml"), None).unwrap_err();
        assert!(err.message.contains("more work than allowed"), "{err:?}");
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn read_json_file_stays_inside_a_git_clone() {
        let dir = tempfile::tempdir().unwrap();
        let clone = dir.path().join("clone");
        std::fs::create_dir_all(&clone).unwrap();
        std::fs::write(dir.path().join("outside.json"), "{\"x\": 1}").unwrap();
        std::fs::write(clone.join("inside.json"), "{\"x\": 2}").unwrap();
        let file = clone.join("f.yml");
        let read = |path: &str| {
            render(
                &format!("{{{{ read_json_file('{path}').x }}}}"),
                &file,
                Some(&clone),
            )
        };
        assert_eq!(read("inside.json").unwrap().text, "2");
        let err = read("../outside.json").unwrap_err();
        assert!(
            err.message.contains("outside the git repository"),
            "{err:?}"
        );
        assert!(read(&dir.path().join("outside.json").display().to_string()).is_err());
        std::os::unix::fs::symlink(dir.path().join("outside.json"), clone.join("link.json"))
            .unwrap();
        assert!(read("link.json").is_err());
    }

    #[test]
    fn syntax_errors_carry_a_line() {
        let err = render("a: 1\nb: {% if %}\n", Path::new("/tmp/x.yml"), None).unwrap_err();
        assert_eq!(err.line, Some(2));
    }
}
