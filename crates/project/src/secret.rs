//! Passwords, tokens and keys: their value reaches only the code that authenticates with it.
//! `Debug` and `Display` print a placeholder, so no message, log or panic can contain one, and
//! nothing has to be masked afterwards.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A secret string; [`Secret::expose`] is the one way to its value.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

/// In the JSON Schema, a plain string.
impl JsonSchema for Secret {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        String::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        String::json_schema(generator)
    }
}

impl Secret {
    /// Wraps a value that must not appear in output.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for authenticating; never for a message.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<hidden>)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hidden>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_print_no_webhook_or_password() {
        let alerts: Vec<crate::Alert> = serde_json::from_value(serde_json::json!([
            {"type": "slack", "name": "s", "webhook_url": "https://hooks.example/T0/B0/XyzSecret"},
            {"type": "email", "name": "e", "to": "a@b.c", "host": "smtp", "password": "hunter2pw"}
        ]))
        .unwrap();
        let printed = format!("{alerts:?}");
        assert!(
            !printed.contains("XyzSecret") && !printed.contains("hunter2pw"),
            "{printed}"
        );
    }

    #[test]
    fn formatting_never_shows_the_value() {
        let secret = Secret::new("e");
        assert_eq!(
            format!("{secret} {secret:?} {:?}", Some(&secret)),
            "<hidden> Secret(<hidden>) Some(Secret(<hidden>))"
        );
        assert_eq!(secret.expose(), "e");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"e\"");
        assert_eq!(serde_json::from_str::<Secret>("\"e\"").unwrap(), secret);
    }
}
