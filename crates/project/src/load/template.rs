//! The Jinja pass that runs over every project file before it is parsed as YAML.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What `env_var()` returns for a variable that is not set. It survives into the parsed project
/// so that only a field that is actually used (a source being connected to) turns it into an
/// error; everywhere else it is a warning. It is never written to any output.
pub const UNSET_MARKER_PREFIX: &str = "\u{2063}unset-env:";
pub const UNSET_MARKER_SUFFIX: &str = "\u{2063}";

pub fn unset_marker(name: &str) -> String {
    format!("{UNSET_MARKER_PREFIX}{name}{UNSET_MARKER_SUFFIX}")
}

/// Names of the unset environment variables a text refers to through `env_var()`.
pub fn unset_vars_in(text: &str) -> Vec<&str> {
    text.split(UNSET_MARKER_PREFIX)
        .skip(1)
        .filter_map(|rest| rest.split(UNSET_MARKER_SUFFIX).next())
        .collect()
}

/// Replaces markers with a readable `<unset env var NAME>` for messages.
pub fn describe_unset(text: &str) -> String {
    let mut out = text.to_string();
    for name in unset_vars_in(text) {
        out = out.replace(&unset_marker(name), &format!("<unset env var {name}>"));
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    pub line: Option<usize>,
    pub message: String,
}

/// Renders one file. `file` is used for relative `read_json_file` paths; every `env_var()` of
/// an unset variable is reported in `unset` (name, line).
pub fn render(text: &str, file: &Path) -> Result<(String, Vec<(String, usize)>), TemplateError> {
    let unset = Arc::new(Mutex::new(Vec::new()));
    let env = environment(file.parent().unwrap_or(Path::new(".")), unset.clone());
    let rendered = env
        .render_named_str(&file.display().to_string(), text, ())
        .map_err(|e| TemplateError {
            line: e.line(),
            message: template_message(&e),
        })?;
    let names: Vec<String> = std::mem::take(&mut *unset.lock().unwrap_or_else(|p| p.into_inner()));
    let located = names
        .into_iter()
        .map(|name| {
            let line = line_mentioning(text, &name);
            (name, line)
        })
        .collect();
    Ok((rendered, located))
}

fn template_message(e: &Error) -> String {
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

fn line_mentioning(text: &str, name: &str) -> usize {
    text.lines()
        .position(|l| l.contains("env_var") && l.contains(name))
        .map_or(1, |i| i + 1)
}

fn environment(dir: &Path, unset: Arc<Mutex<Vec<String>>>) -> Environment<'static> {
    let mut env = Environment::new();
    // Project files are YAML, never HTML: nothing may be escaped whatever the file is named.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    minijinja_contrib::add_to_environment(&mut env);
    env.add_function("env_var", move |name: String| -> String {
        match std::env::var(&name) {
            Ok(value) => value.replace('\\', "\\\\").replace('"', "\\\""),
            Err(_) => {
                if let Ok(mut names) = unset.lock() {
                    names.push(name.clone());
                }
                unset_marker(&name)
            }
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
    env.add_function(
        "read_json_file",
        move |path: String| -> Result<Value, Error> {
            let resolved = base.join(&path);
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
        render(text, Path::new("/tmp/x.yml")).unwrap().0
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
        let (text, unset) = render(
            "a: 1\nb: \"{{ env_var('VISIVO_SURELY_UNSET') }}\"",
            Path::new("/tmp/x.yml"),
        )
        .unwrap();
        assert_eq!(unset, vec![("VISIVO_SURELY_UNSET".to_string(), 2)]);
        assert_eq!(unset_vars_in(&text), vec!["VISIVO_SURELY_UNSET"]);
    }

    #[test]
    fn syntax_errors_carry_a_line() {
        let err = render("a: 1\nb: {% if %}\n", Path::new("/tmp/x.yml")).unwrap_err();
        assert_eq!(err.line, Some(2));
    }
}
