//! The JSON Schema (draft-07) of a project file, for editor completion and validation.

use crate::model::ProjectFile;
use schemars::generate::SchemaSettings;

pub fn project_schema() -> serde_json::Value {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<ProjectFile>();
    serde_json::to_value(schema).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn reference_pattern() -> Regex {
        let schema = project_schema();
        let pattern = schema["definitions"]["RefOnly"]["pattern"]
            .as_str()
            .expect("RefOnly has a pattern");
        Regex::new(pattern).expect("the pattern is a regex")
    }

    #[test]
    fn references_in_every_spelling_match_the_schema() {
        let pattern = reference_pattern();
        for text in ["ref(a)", "${ref(a)}", "${ ref('a b') }", "${ ${ref(a)} }"] {
            assert!(pattern.is_match(text), "{text}");
        }
        for text in ["a", "${ref(a).value}", "${a}"] {
            assert!(!pattern.is_match(text), "{text}");
        }
    }
}
