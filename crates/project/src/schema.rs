//! The JSON Schema (draft-07) of a project file, for editor completion and validation.

use crate::model::ProjectFile;
use schemars::generate::SchemaSettings;
use serde_json::{json, Value};

/// The schema of a project file (`visivo schema`), for editors' completion and checking.
pub fn project_schema() -> serde_json::Value {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<ProjectFile>();
    let mut schema = serde_json::to_value(schema).unwrap_or_default();
    allow_saved_path(&mut schema);
    schema
}

/// Objects that may say where they were saved from (`path:`, 1.0.34), which is ignored.
const SAVED_PATH_OBJECTS: [&str; 19] = [
    "Alert",
    "ConditionalAlert",
    "TraceTest",
    "Source",
    "CsvScriptModel",
    "LocalMergeModel",
    "SqlModel",
    "Trace",
    "Table",
    "Selector",
    "Chart",
    "Dashboard",
    "Row",
    "Markdown",
    "Insight",
    "Metric",
    "Dimension",
    "Relation",
    "Input",
];

fn allow_saved_path(schema: &mut Value) {
    let objects = SAVED_PATH_OBJECTS
        .iter()
        .chain(&["Item"])
        .map(|name| format!("/definitions/{name}"))
        .chain([String::new()]);
    for pointer in objects {
        if let Some(object) = schema.pointer_mut(&pointer) {
            add_path_property(object);
        }
    }
}

/// Adds `path` to an object schema, or to each object of a `oneOf` (alert types).
fn add_path_property(object: &mut Value) {
    if let Some(Value::Array(variants)) = object.get_mut("oneOf") {
        variants.iter_mut().for_each(add_path_property);
    } else if let Some(Value::Object(properties)) = object.get_mut("properties") {
        let path =
            json!({"type": "string", "description": "where the object was saved from (ignored)"});
        properties.insert("path".into(), path);
    }
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
    fn every_object_and_the_project_may_say_where_it_was_saved() {
        let schema = project_schema();
        assert_eq!(schema["properties"]["path"]["type"], "string");
        for name in SAVED_PATH_OBJECTS.iter().chain(&["Item"]) {
            let object = &schema["definitions"][name];
            let properties = object["oneOf"]
                .as_array()
                .map_or(vec![&object["properties"]], |v| {
                    v.iter().map(|o| &o["properties"]).collect()
                });
            for p in properties {
                assert_eq!(p["path"]["type"], "string", "{name}");
            }
        }
    }

    #[test]
    fn the_later_source_types_and_their_fields_are_described() {
        let schema = project_schema();
        let definitions = &schema["definitions"];
        let types = definitions["SourceType"].to_string();
        for name in ["\"csv\"", "\"xls\"", "\"clickhouse\""] {
            assert!(types.contains(name), "{name} in {types}");
        }
        let source = &definitions["Source"]["properties"];
        for field in [
            "file",
            "delimiter",
            "encoding",
            "has_header",
            "sheet",
            "protocol",
            "secure",
        ] {
            assert!(source.get(field).is_some(), "{field}");
        }
        assert_eq!(definitions["Delimiter"]["maxLength"], 1);
        assert!(definitions["ClickhouseProtocol"]
            .to_string()
            .contains("native"));
    }

    #[test]
    fn later_layout_fields_are_described() {
        let schema = project_schema();
        let definitions = &schema["definitions"];
        assert_eq!(
            schema["properties"]["markdowns"]["items"]["$ref"],
            "#/definitions/Markdown"
        );
        assert_eq!(
            definitions["Table"]["properties"]["rows_per_page"]["enum"],
            json!([3, 5, 10, 15, 25, 50, 100, 500, 1000])
        );
        for field in ["level", "tags", "description", "href", "type"] {
            assert!(
                definitions["Dashboard"]["properties"].get(field).is_some(),
                "{field}"
            );
        }
        for field in ["align", "justify"] {
            assert!(definitions["Item"]["properties"].get(field).is_some());
            assert!(definitions["Markdown"]["properties"].get(field).is_some());
        }
        assert!(definitions["Defaults"]["properties"]
            .get("levels")
            .is_some());
        assert!(definitions["Row"]["properties"].get("name").is_some());
    }

    #[test]
    fn insights_the_semantic_layer_and_table_data_are_described() {
        let schema = project_schema();
        let definitions = &schema["definitions"];
        for (section, definition) in [
            ("insights", "Insight"),
            ("metrics", "Metric"),
            ("dimensions", "Dimension"),
            ("relations", "Relation"),
        ] {
            let items = &schema["properties"][section]["items"]["$ref"];
            assert_eq!(items, &format!("#/definitions/{definition}"));
            assert!(definitions[definition]["properties"].get("path").is_some());
        }
        let sql_model = &definitions["SqlModel"]["properties"];
        assert_eq!(
            sql_model["metrics"]["items"]["$ref"],
            "#/definitions/Metric"
        );
        let joins: Vec<&Value> = definitions["JoinType"]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| &v["const"])
            .collect();
        assert_eq!(
            joins,
            [
                &json!("inner"),
                &json!("left"),
                &json!("right"),
                &json!("full")
            ]
        );
        let table = &definitions["Table"]["properties"];
        assert!(table.get("data").is_some() && table.get("insights").is_some());
        for field in ["columns", "rows", "values", "value", "format_cells"] {
            assert!(table.get(field).is_some(), "{field}");
        }
        assert_eq!(table["values"]["items"]["type"], "string");
        assert!(definitions["Chart"]["properties"].get("insights").is_some());
        assert!(definitions["Item"]["properties"].get("name").is_some());
    }

    #[test]
    fn inputs_and_on_click_are_described() {
        let schema = project_schema();
        let definitions = &schema["definitions"];
        assert_eq!(
            schema["properties"]["inputs"]["items"]["$ref"],
            "#/definitions/Input"
        );
        let input = &definitions["Input"]["properties"];
        for field in ["name", "type", "options", "range", "display", "path"] {
            assert!(input.get(field).is_some(), "Input.{field}");
        }
        assert!(definitions["Item"]["properties"].get("input").is_some());
        for owner in ["Chart", "Table"] {
            assert!(definitions[owner]["properties"].get("on_click").is_some());
        }
        assert!(definitions["OnClick"]["properties"]
            .get("dashboard")
            .is_some());
    }

    #[test]
    fn tests_and_alerts_of_the_1_0_44_form_are_described() {
        let schema = project_schema();
        let definitions = &schema["definitions"];
        assert_eq!(
            schema["properties"]["destinations"]["items"]["$ref"],
            "#/definitions/Alert"
        );
        let alert_forms = definitions["AnyAlert"]["anyOf"].to_string();
        assert!(
            alert_forms.contains("#/definitions/ConditionalAlert"),
            "{alert_forms}"
        );
        for field in ["name", "if", "destinations"] {
            assert!(
                definitions["ConditionalAlert"]["properties"]
                    .get(field)
                    .is_some(),
                "{field}"
            );
        }
        for field in ["logic", "name", "if", "on_failure", "assertions"] {
            assert!(
                definitions["TraceTest"]["properties"].get(field).is_some(),
                "{field}"
            );
        }
        let on_failure: Vec<&Value> = definitions["OnFailure"]["oneOf"]
            .as_array()
            .map(|v| v.iter().map(|o| &o["const"]).collect())
            .unwrap_or_default();
        assert_eq!(on_failure, [&json!("exit"), &json!("continue")]);
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
