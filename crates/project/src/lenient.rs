//! Whole numbers that may arrive as strings. A template such as
//! `port: "{{ env_var('PG_PORT') }}"` renders to a quoted YAML string; Visivo 1.0.30 (pydantic)
//! coerced it, so existing projects depend on it.

use crate::load::template::unset_vars_in;
use schemars::{json_schema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::marker::PhantomData;

pub(crate) fn schema(_: &mut SchemaGenerator) -> Schema {
    whole_number_schema(&["integer", "string"])
}

pub(crate) fn optional_schema(_: &mut SchemaGenerator) -> Schema {
    whole_number_schema(&["integer", "string", "null"])
}

/// `minimum` constrains only the numbers and `pattern` only the strings.
fn whole_number_schema(types: &[&str]) -> Schema {
    json_schema!({ "type": types, "minimum": 0, "pattern": r"^\s*[0-9]+\s*$" })
}

pub(crate) fn number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    deserializer.deserialize_any(WholeNumberVisitor(PhantomData))
}

pub(crate) fn optional_number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    number(deserializer).map(Some)
}

struct WholeNumberVisitor<T>(PhantomData<T>);

impl<T: TryFrom<u64>> WholeNumberVisitor<T> {
    fn fit<E: de::Error>(value: u64, unexpected: de::Unexpected) -> Result<T, E> {
        T::try_from(value).map_err(|_| E::invalid_value(unexpected, &"a smaller whole number"))
    }
}

impl<T: TryFrom<u64>> Visitor<'_> for WholeNumberVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number (or a string holding one)")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        Self::fit(value, de::Unexpected::Unsigned(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        let unexpected = de::Unexpected::Signed(value);
        let value = u64::try_from(value).map_err(|_| E::invalid_value(unexpected, &self))?;
        Self::fit(value, unexpected)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        if let Some(var) = unset_vars_in(text).first() {
            return Err(E::custom(format!(
                "environment variable {var} is not set, and this field needs a number"
            )));
        }
        let unexpected = de::Unexpected::Str(text);
        let value = text
            .trim()
            .parse::<u64>()
            .map_err(|_| E::invalid_value(unexpected, &self))?;
        Self::fit(value, unexpected)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Port {
        #[serde(default, deserialize_with = "super::optional_number")]
        port: Option<u16>,
    }

    fn port(json: &str) -> Result<Option<u16>, String> {
        serde_json::from_str::<Port>(json)
            .map(|p| p.port)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_and_numeric_strings_are_accepted() {
        assert_eq!(port(r#"{"port": 5432}"#), Ok(Some(5432)));
        assert_eq!(port(r#"{"port": "5432"}"#), Ok(Some(5432)));
        assert_eq!(port(r#"{"port": " 5432 "}"#), Ok(Some(5432)));
        assert_eq!(port("{}"), Ok(None));
    }

    #[test]
    fn other_values_say_what_was_expected() {
        let error = port(r#"{"port": "fivefourthreetwo"}"#).unwrap_err();
        assert!(
            error.contains("a whole number (or a string holding one)"),
            "{error}"
        );
        let error = port(r#"{"port": 70000}"#).unwrap_err();
        assert!(error.contains("a smaller whole number"), "{error}");
        let error = port(r#"{"port": -1}"#).unwrap_err();
        assert!(error.contains("whole number"), "{error}");
        let error = port(r#"{"port": ""}"#).unwrap_err();
        assert!(error.contains("whole number"), "{error}");
    }

    #[test]
    fn an_unset_environment_variable_is_named() {
        let marker = crate::load::template::unset_marker("PG_PORT");
        let error = port(&serde_json::json!({ "port": marker }).to_string()).unwrap_err();
        assert!(
            error
                .contains("environment variable PG_PORT is not set, and this field needs a number"),
            "{error}"
        );
    }
}
