//! The JSON Schema (draft-07) of a project file, for editor completion and validation.

use crate::model::ProjectFile;
use schemars::generate::SchemaSettings;

pub fn project_schema() -> serde_json::Value {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<ProjectFile>();
    serde_json::to_value(schema).unwrap_or_default()
}
