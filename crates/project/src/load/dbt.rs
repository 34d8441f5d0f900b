//! The project file's `dbt:` block (1.0.40): the dbt project next to the Visivo project becomes
//! sources and models, as Visivo 1.0.82's dbt phase makes them.
//!
//! * every target of every profile in `profiles.yml` becomes a source named
//!   `<prefix><profile>_<target>` (dbt's `dbname`/`schema`/`user`/`path` read as `database`,
//!   `db_schema`, `username`, and `database` of DuckDB; fields the source type doesn't take are
//!   left out);
//! * every model of the dbt project's `manifest.json` (written by `dbt compile`, `dbt run`, …)
//!   becomes a SQL model `<prefix><model>` selecting `* from <database>.<schema>.<model>` on the
//!   source of the profile's default target (versioned models are `<model>_v<N>`, and the latest
//!   version is also `<model>`).
//!
//! 1.0.82 wrote them to a file (`output_file`, default `target/dbt.yml`) and included it; here
//! they are added while loading, like an included file, and nothing is written.

use super::discover::{display_path, Discovery, Document};
use super::yaml::{self, MapEntry, Node, NodeKind, Pos};
use super::{to_json, SpanMap};
use crate::build::{humanize_serde_error, unknown_field_name};
use crate::diagnostics::{Diagnostic, FileId, Location};
use crate::source_type::SourceType;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// The `dbt:` block of the project file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dbt {
    /// Whether the dbt project is read (default true; `null` turns it off, as in 1.0.82).
    #[serde(default = "enabled_by_default")]
    pub enabled: Option<bool>,
    /// Where 1.0.82 wrote the generated sources and models; accepted, nothing is written.
    #[serde(default)]
    pub output_file: Option<String>,
    /// The folder of `dbt_project.yml`, relative to the project file (default: its folder).
    #[serde(default)]
    pub dbt_project_yml_location: Option<String>,
    /// The folder of `profiles.yml`, relative to the project file (default: its folder).
    #[serde(default)]
    pub profiles_yml_location: Option<String>,
    /// Put, followed by `_`, before the name of every generated source and model.
    #[serde(default)]
    pub prefix: String,
}

fn enabled_by_default() -> Option<bool> {
    Some(true)
}

/// A mistake, located in one of the files read.
type Located = (String, Option<Location>);

/// What the dbt project of the block `entry` (in the project file `file`) stands for: a
/// document of sources (located in `profiles.yml`) and one
/// of models (located at the `dbt:` block); none when there is no enabled block or it has
/// errors, which are reported.
pub(crate) fn documents(
    discovery: &mut Discovery,
    file: FileId,
    entry: &MapEntry,
) -> Vec<Document> {
    let Some(dbt) = settings(entry, file, discovery) else {
        return Vec::new();
    };
    if dbt.enabled != Some(true) {
        return Vec::new();
    }
    let mut reader = Reader {
        discovery,
        dbt,
        block: file,
        entry,
    };
    match reader.read() {
        Ok(documents) => documents,
        Err(failure) => {
            if let Some((message, location)) = failure {
                let report = &mut reader.discovery.report;
                report.push(Diagnostic::error(message).at(location));
            }
            Vec::new()
        }
    }
}

/// The block's settings; its mistakes are reported at the field.
fn settings(entry: &MapEntry, file: FileId, discovery: &mut Discovery) -> Option<Dbt> {
    if matches!(entry.value.kind, NodeKind::Null) {
        return None;
    }
    let mut spans = SpanMap::default();
    let value = to_json(&entry.value, file, "dbt", &mut spans);
    serde_path_to_error::deserialize::<_, Dbt>(value)
        .map_err(|e| {
            let (message, help) = humanize_serde_error(&e.inner().to_string());
            let field = unknown_field_name(&message).unwrap_or_else(|| e.path().to_string());
            let mut diagnostic = Diagnostic::error(format!("dbt: {message}"))
                .at(spans.find(&format!("dbt.{field}")));
            if let Some(help) = help {
                diagnostic = diagnostic.help(help);
            }
            discovery.report.push(diagnostic);
        })
        .ok()
}

struct Reader<'d, 'a> {
    discovery: &'d mut Discovery<'a>,
    dbt: Dbt,
    /// The project file, where the block is.
    block: FileId,
    entry: &'d MapEntry,
}

impl Reader<'_, '_> {
    /// The two documents; the error is `None` when it was reported already.
    fn read(&mut self) -> Result<Vec<Document>, Option<Located>> {
        let base = self.discovery.files.path(self.block).parent().map_or_else(
            || self.discovery.working_dir.to_path_buf(),
            Path::to_path_buf,
        );
        let dbt_root = base.join(self.dbt.dbt_project_yml_location.as_deref().unwrap_or(""));
        let project = self.yaml_file(
            &dbt_root.join("dbt_project.yml"),
            "dbt_project_yml_location",
        )?;
        let profiles_dir = base.join(self.dbt.profiles_yml_location.as_deref().unwrap_or(""));
        let profiles = self.profiles(&profiles_dir.join("profiles.yml"))?;
        let at_project = |pos| {
            Some(Location {
                file: project.file,
                pos,
            })
        };
        let profile_node = entry(&project.root, "profile").ok_or((
            "dbt_project.yml names no `profile`".to_string(),
            at_project(project.root.pos),
        ))?;
        let profile = text(&profile_node.value).ok_or((
            "`profile` must be text".to_string(),
            at_project(profile_node.value.pos),
        ))?;
        let target = self.default_target(&profiles, profile, at_project(profile_node.value.pos))?;
        let target_path = entry(&project.root, "target-path")
            .and_then(|e| text(&e.value))
            .unwrap_or("target");
        let manifest = self.manifest(&dbt_root.join(target_path).join("manifest.json"))?;
        let prefix = match self.dbt.prefix.as_str() {
            "" => String::new(),
            prefix => format!("{prefix}_"),
        };
        let sources = sources(&profiles, &prefix, (profile, &target))?;
        let source = format!("{prefix}{profile}_{target}");
        let models = models(&manifest, &prefix, &source, self.entry.key_pos);
        Ok(vec![
            section_document(profiles.file, "sources", sources),
            section_document(self.block, "models", models),
        ])
    }

    /// Where a field of the block was written, else the block.
    fn at_field(&self, field: &str) -> Option<Location> {
        let pos = entry(&self.entry.value, field).map_or(self.entry.key_pos, |e| e.value.pos);
        Some(Location {
            file: self.block,
            pos,
        })
    }

    /// A YAML file of dbt's, parsed as it is (dbt's own Jinja is not Visivo's).
    fn yaml_file(&mut self, path: &Path, location_field: &str) -> Result<Document, Located> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            (
                format!("dbt: cannot read {}: {e}", display_path(path)),
                self.at_field(location_field),
            )
        })?;
        let file = self
            .discovery
            .files
            .add(path.to_path_buf(), display_path(path), text.clone());
        let root = yaml::parse(&text).map_err(|e| {
            (
                format!("invalid YAML: {}", e.message),
                Some(Location { file, pos: e.pos }),
            )
        })?;
        Ok(Document { file, root })
    }

    /// `profiles.yml`, rendered like a project file (its `env_var()` calls are read); `None`
    /// in the error when reading it reported why it failed.
    fn profiles(&mut self, path: &Path) -> Result<Document, Option<Located>> {
        let at = self.at_field("profiles_yml_location");
        if !path.is_file() {
            let message = format!("dbt: profiles.yml not found at {}", display_path(path));
            return Err(Some((message, at)));
        }
        self.discovery.read(path, at, None).ok_or(None)
    }

    /// The profile's `target`.
    fn default_target(
        &self,
        profiles: &Document,
        profile: &str,
        named_at: Option<Location>,
    ) -> Result<String, Located> {
        let names: Vec<&str> = profile_entries(&profiles.root)
            .map(|e| e.key.as_str())
            .collect();
        let found = entry(&profiles.root, profile).ok_or_else(|| {
            (
                format!(
                    "dbt profile '{profile}' is not in {} (it has: {})",
                    self.discovery.files.display_name(profiles.file),
                    names.join(", ")
                ),
                named_at,
            )
        })?;
        let at = Some(Location {
            file: profiles.file,
            pos: found.key_pos,
        });
        let target = entry(&found.value, "target")
            .and_then(|e| text(&e.value))
            .ok_or((
                format!("dbt profile '{profile}' has no default `target`"),
                at,
            ))?;
        let outputs = entry(&found.value, "outputs").map(|e| &e.value);
        if outputs.and_then(|o| entry(o, target)).is_none() {
            return Err((
                format!("dbt target '{target}' is not among the `outputs` of profile '{profile}'"),
                at,
            ));
        }
        Ok(target.to_string())
    }

    /// The dbt project's `manifest.json`; only its path is kept in the files (for `serve` to
    /// watch), not its text, which can be large and is never quoted.
    fn manifest(&mut self, path: &Path) -> Result<Value, Located> {
        let at = self.at_field("dbt_project_yml_location");
        let file = std::fs::File::open(path).map_err(|_| {
            (
                format!(
                    "dbt manifest not found at {}: run `dbt compile` (or `dbt run`) in the dbt project first",
                    display_path(path)
                ),
                at,
            )
        })?;
        let manifest = serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| {
            (
                format!("{} is not a dbt manifest: {e}", display_path(path)),
                at,
            )
        })?;
        self.discovery
            .files
            .add(path.to_path_buf(), display_path(path), String::new());
        Ok(manifest)
    }
}

/// A file-like document holding one top-level list.
fn section_document(file: FileId, section: &str, items: Vec<Node>) -> Document {
    let pos = items.first().map_or(Pos { line: 1, col: 1 }, |n| n.pos);
    let list = Node {
        pos,
        kind: NodeKind::Seq(items),
    };
    Document {
        file,
        root: Node {
            pos,
            kind: NodeKind::Map(vec![MapEntry {
                key: section.into(),
                key_pos: pos,
                value: list,
            }]),
        },
    }
}

/// Every target of every profile as a source; `selected` (profile, target) must be usable,
/// targets of other types Visivo has no source for are left out.
fn sources(
    profiles: &Document,
    prefix: &str,
    selected: (&str, &str),
) -> Result<Vec<Node>, Located> {
    let mut sources = Vec::new();
    for profile in profile_entries(&profiles.root) {
        let Some(outputs) = entry(&profile.value, "outputs") else {
            continue;
        };
        let NodeKind::Map(targets) = &outputs.value.kind else {
            continue;
        };
        for target in targets {
            let name = format!("{prefix}{}_{}", profile.key, target.key);
            match source(&target.value, name, target.key_pos) {
                Ok(source) => sources.push(source),
                Err((message, pos)) if (profile.key.as_str(), target.key.as_str()) == selected => {
                    let at = Location {
                        file: profiles.file,
                        pos,
                    };
                    return Err((message, Some(at)));
                }
                Err(_) => {}
            }
        }
    }
    Ok(sources)
}

/// One dbt target as a Visivo source (see the module's documentation).
fn source(target: &Node, name: String, key_pos: Pos) -> Result<Node, (String, Pos)> {
    let NodeKind::Map(fields) = &target.kind else {
        return Err(("a dbt target must be a mapping".into(), target.pos));
    };
    let type_node = fields.iter().find(|e| e.key == "type");
    let dbt_type = type_node.and_then(|e| text(&e.value)).unwrap_or("");
    let visivo_type = match dbt_type {
        "postgres" => "postgresql",
        other => other,
    };
    let source_type = SourceType::from_name(visivo_type).ok_or_else(|| {
        (
            format!(
                "dbt target type '{dbt_type}' has no Visivo source type (there are: {})",
                SourceType::names().join(", ")
            ),
            type_node.map_or(key_pos, |e| e.value.pos),
        )
    })?;
    let allowed = source_type.allowed_fields();
    let mut entries = vec![MapEntry {
        key: "name".into(),
        key_pos,
        value: Node {
            pos: key_pos,
            kind: NodeKind::Str(name),
        },
    }];
    for field in fields {
        let key = visivo_field(source_type, &field.key);
        let value = match key {
            "type" => Node {
                pos: field.value.pos,
                kind: NodeKind::Str(visivo_type.into()),
            },
            _ if allowed.contains(&key) => field.value.clone(),
            _ => continue,
        };
        entries.push(MapEntry {
            key: key.into(),
            key_pos: field.key_pos,
            value,
        });
    }
    Ok(Node {
        pos: key_pos,
        kind: NodeKind::Map(entries),
    })
}

/// A dbt profile field's Visivo name.
fn visivo_field(source_type: SourceType, dbt: &str) -> &str {
    match (source_type, dbt) {
        (_, "dbname") | (SourceType::Duckdb, "path") => "database",
        (_, "user") => "username",
        (SourceType::Bigquery, "schema") => "dataset",
        (SourceType::Bigquery, "keyfile") => "credentials_path",
        (_, "schema") => "db_schema",
        (_, field) => field,
    }
}

/// Every model of the manifest as a SQL model on `source`, located at `pos` (the `dbt:` key).
fn models(manifest: &Value, prefix: &str, source: &str, pos: Pos) -> Vec<Node> {
    let Some(nodes) = manifest.get("nodes").and_then(Value::as_object) else {
        return Vec::new();
    };
    let text_of = |node: &Value, key: &str| match node.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let mut models = Vec::new();
    for node in nodes
        .iter()
        .filter(|(id, _)| id.starts_with("model."))
        .map(|(_, node)| node)
    {
        let Some(name) = text_of(node, "name") else {
            continue;
        };
        let version = text_of(node, "version");
        let versioned = version
            .as_ref()
            .map_or(name.clone(), |v| format!("{name}_v{v}"));
        let relation: Vec<String> = [text_of(node, "database"), text_of(node, "schema")]
            .into_iter()
            .flatten()
            .chain([versioned.clone()])
            .collect();
        let sql = format!("select * from {}", relation.join("."));
        if version.is_some() && version == text_of(node, "latest_version") {
            models.push(sql_model(format!("{prefix}{name}"), &sql, source, pos));
        }
        models.push(sql_model(format!("{prefix}{versioned}"), &sql, source, pos));
    }
    models
}

fn sql_model(name: String, sql: &str, source: &str, pos: Pos) -> Node {
    let field = |key: &str, value: String| MapEntry {
        key: key.into(),
        key_pos: pos,
        value: Node {
            pos,
            kind: NodeKind::Str(value),
        },
    };
    Node {
        pos,
        kind: NodeKind::Map(vec![
            field("name", name),
            field("sql", sql.to_string()),
            field("source", format!("${{ref({source})}}")),
        ]),
    }
}

/// The profiles of `profiles.yml` (dbt's top-level `config:` block is not one).
fn profile_entries(root: &Node) -> impl Iterator<Item = &MapEntry> {
    let entries = match &root.kind {
        NodeKind::Map(entries) => entries.as_slice(),
        _ => &[],
    };
    entries.iter().filter(|e| e.key != "config")
}

fn entry<'n>(node: &'n Node, key: &str) -> Option<&'n MapEntry> {
    match &node.kind {
        NodeKind::Map(entries) => entries.iter().find(|e| e.key == key),
        _ => None,
    }
}

fn text(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Str(s) => Some(s),
        _ => None,
    }
}
