//! Files → one merged, untyped project: each file rendered (Jinja) and parsed (YAML), the
//! sections of every file appended in discovery order, and every value's location kept.

pub mod dbt;
pub mod discover;
mod include_dir;
pub mod template;
pub mod yaml;

use crate::diagnostics::{Diagnostic, FileId, Files, Location, Report};
use crate::model::Kind;
use std::collections::HashMap;
use yaml::{MapEntry, Node, NodeKind};

/// Where each value was written, found by its dotted path in the merged project
/// (`traces.2.props.y`). Stored as a tree of path segments, so a deep or wide document costs
/// memory in proportion to its size, not to the length of every path.
#[derive(Debug)]
pub(crate) struct SpanMap {
    locations: Vec<Option<Location>>,
    children: HashMap<(SpanId, String), SpanId>,
}

/// A path in a [`SpanMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct SpanId(usize);

impl Default for SpanMap {
    fn default() -> Self {
        SpanMap {
            locations: vec![None],
            children: HashMap::new(),
        }
    }
}

impl SpanMap {
    const ROOT: SpanId = SpanId(0);

    /// Records where `path` was written, unless it already has a location.
    pub fn insert(&mut self, path: &str, location: Location) {
        let id = self.path_id(Self::ROOT, path);
        self.set(id, location);
    }

    /// The location of `path`, or of its closest ancestor that has one.
    pub fn find(&self, path: &str) -> Option<Location> {
        let mut current = Self::ROOT;
        let mut found = self.locations[current.0];
        for segment in path.split('.') {
            let Some(child) = self.children.get(&(current, segment.to_string())) else {
                break;
            };
            current = *child;
            found = self.locations[current.0].or(found);
        }
        found
    }

    /// The id of `path` below `parent` (a dot in `path` separates segments), created if new.
    fn path_id(&mut self, parent: SpanId, path: &str) -> SpanId {
        path.split('.')
            .fold(parent, |id, segment| self.child(id, segment))
    }

    fn child(&mut self, parent: SpanId, segment: &str) -> SpanId {
        let next = SpanId(self.locations.len());
        let id = *self
            .children
            .entry((parent, segment.to_string()))
            .or_insert(next);
        if id == next {
            self.locations.push(None);
        }
        id
    }

    fn set(&mut self, id: SpanId, location: Location) {
        self.locations[id.0].get_or_insert(location);
    }
}

/// The merged project before it is typed.
#[derive(Debug, Default)]
pub(crate) struct RawProject {
    pub name: Option<serde_json::Value>,
    pub defaults: Option<serde_json::Value>,
    pub includes: Vec<serde_json::Value>,
    pub sections: HashMap<Kind, Vec<serde_json::Value>>,
    pub spans: SpanMap,
}

/// `path` (1.0.34, where the project was saved from) is accepted and ignored; `dbt` was read
/// while discovering the files ([`dbt`]).
const ROOT_ONLY_KEYS: [&str; 6] = ["name", "cli_version", "defaults", "includes", "path", "dbt"];

/// Merges the documents: the first is the project file, the rest are includes and the profile.
pub(crate) fn merge(documents: Vec<discover::Document>, report: &mut Report) -> RawProject {
    let mut raw = RawProject::default();
    for (index, document) in documents.into_iter().enumerate() {
        let NodeKind::Map(entries) = document.root.kind else {
            continue;
        };
        for entry in entries {
            merge_entry(&mut raw, entry, document.file, index == 0, report);
        }
    }
    raw
}

fn merge_entry(
    raw: &mut RawProject,
    entry: MapEntry,
    file: FileId,
    is_root: bool,
    report: &mut Report,
) {
    let key_location = Location {
        file,
        pos: entry.key_pos,
    };
    // `targets` is the old name of `sources`; normalise per file so both merge.
    let key = if entry.key == "targets" {
        "sources"
    } else {
        entry.key.as_str()
    };
    if let Some(kind) = Kind::ALL.into_iter().find(|k| k.section() == key) {
        append_section(raw, kind, entry.value, file, report);
        return;
    }
    if !ROOT_ONLY_KEYS.contains(&key) {
        let mut known: Vec<&str> = Kind::ALL.iter().map(|k| k.section()).collect();
        known.extend(ROOT_ONLY_KEYS);
        let mut diagnostic =
            Diagnostic::error(format!("unknown top-level key `{key}`")).at(Some(key_location));
        if let Some(hint) = crate::diagnostics::did_you_mean(key, known) {
            diagnostic = diagnostic.help(hint);
        }
        if !is_root {
            diagnostic.severity = crate::diagnostics::Severity::Warning;
            diagnostic
                .message
                .push_str(" (ignored in an included file)");
        }
        report.push(diagnostic);
        return;
    }
    if !is_root {
        return;
    }
    let value = to_json(&entry.value, file, key, &mut raw.spans);
    raw.spans.insert(key, key_location);
    match key {
        "name" => raw.name = Some(value),
        "cli_version" => {
            if let Some(warning) = cli_version_warning(&value) {
                let at = Location {
                    file,
                    pos: entry.value.pos,
                };
                report.push(warning.at(Some(at)));
            }
        }
        "defaults" => raw.defaults = Some(value),
        "includes" => {
            if let serde_json::Value::Array(items) = value {
                raw.includes = items;
            }
        }
        _ => {}
    }
}

/// The newest Visivo release whose project format this implementation reads.
pub(crate) const NEWEST_KNOWN_RELEASE: (u64, u64, u64) = (1, 0, 82);

/// A warning when `cli_version` (the Visivo release that saved the project) is not a release
/// whose format is known here. 1.0.82 refuses every project saved by another release; any
/// release up to [`NEWEST_KNOWN_RELEASE`] is read as it is.
fn cli_version_warning(value: &serde_json::Value) -> Option<Diagnostic> {
    let text = match value {
        serde_json::Value::Null => return None,
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let (major, minor, patch) = NEWEST_KNOWN_RELEASE;
    let newest = format!("{major}.{minor}.{patch}");
    match release_number(&text) {
        Some(release) if release <= NEWEST_KNOWN_RELEASE => None,
        Some(_) => Some(
            Diagnostic::warning(format!(
                "the project was saved by Visivo {text}, newer than the releases whose format \
                 this visivo knows (up to {newest}); anything added since is refused where it \
                 is used"
            ))
            .help("`cli_version` is only informative here: the project is read anyway"),
        ),
        None => Some(Diagnostic::warning(format!(
            "`cli_version` \"{text}\" is not a Visivo release number like {newest}"
        ))),
    }
}

/// `1.0.82` (also `v1.0.82`, `1.0.82rc1`) → (1, 0, 82).
fn release_number(text: &str) -> Option<(u64, u64, u64)> {
    let text = text.trim().trim_start_matches('v');
    let mut parts = text.splitn(3, '.');
    let mut number = |digits_only: bool| -> Option<u64> {
        let part = parts.next()?;
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty() && (!digits_only || digits.len() == part.len()))
            .then(|| digits.parse().ok())
            .flatten()
    };
    Some((number(true)?, number(true)?, number(false)?))
}

fn append_section(raw: &mut RawProject, kind: Kind, node: Node, file: FileId, report: &mut Report) {
    let items = match node.kind {
        NodeKind::Seq(items) => items,
        NodeKind::Null => return,
        _ => {
            report.push(
                Diagnostic::error(format!("`{}` must be a list", kind.section())).at(Some(
                    Location {
                        file,
                        pos: node.pos,
                    },
                )),
            );
            return;
        }
    };
    let list = raw.sections.entry(kind).or_default();
    for item in items {
        let path = format!("{}.{}", kind.section(), list.len());
        list.push(to_json(&item, file, &path, &mut raw.spans));
    }
}

/// Converts a node to JSON, recording the location of it and of everything below it at `path`.
pub(crate) fn to_json(
    node: &Node,
    file: FileId,
    path: &str,
    spans: &mut SpanMap,
) -> serde_json::Value {
    let id = spans.path_id(SpanMap::ROOT, path);
    node_to_json(node, file, id, spans)
}

/// Recursion stays shallow: the YAML reader refuses documents nested deeper than
/// [`yaml::MAX_DEPTH`].
fn node_to_json(node: &Node, file: FileId, id: SpanId, spans: &mut SpanMap) -> serde_json::Value {
    use serde_json::Value;
    let at = |pos| Location { file, pos };
    spans.set(id, at(node.pos));
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Int(i) => Value::from(*i),
        NodeKind::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        NodeKind::Str(s) => Value::String(s.clone()),
        NodeKind::Seq(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let child = spans.child(id, &i.to_string());
                    node_to_json(item, file, child, spans)
                })
                .collect(),
        ),
        NodeKind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|e| {
                    let child = spans.path_id(id, &e.key);
                    spans.set(child, at(e.key_pos));
                    (e.key.clone(), node_to_json(&e.value, file, child, spans))
                })
                .collect(),
        ),
    }
}

/// Reads every file of the project in `working_dir` and merges them.
pub(crate) fn load(
    working_dir: &std::path::Path,
    profile: Option<std::path::PathBuf>,
    files: &mut Files,
    report: &mut Report,
) -> RawProject {
    let mut discovery = discover::Discovery::new(working_dir, files, report);
    discovery.profile = profile;
    let documents = discovery.run();
    merge(documents, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_numbers_compare_as_numbers() {
        assert_eq!(release_number("1.0.82"), Some((1, 0, 82)));
        assert_eq!(release_number("v1.0.9rc1"), Some((1, 0, 9)));
        assert_eq!(release_number("1.0"), None);
        assert_eq!(release_number("one"), None);
        assert!(release_number("1.0.9") < release_number("1.0.30"));
    }

    #[test]
    fn only_unknown_releases_warn() {
        let warns = |v: serde_json::Value| cli_version_warning(&v).map(|d| d.message);
        assert_eq!(warns("1.0.82".into()), None);
        assert_eq!(warns("1.0.30".into()), None);
        assert_eq!(warns(serde_json::Value::Null), None);
        assert!(warns("2.1.0".into())
            .unwrap()
            .contains("saved by Visivo 2.1.0"));
        assert!(warns("1.0.83".into()).is_some());
        assert!(warns("latest".into())
            .unwrap()
            .contains("not a Visivo release number"));
        assert!(warns(serde_json::json!(1.5)).is_some());
    }
}
