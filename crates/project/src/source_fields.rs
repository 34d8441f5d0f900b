//! Values of the fields only some source types take: a CSV file's delimiter and encoding, the
//! protocol of a ClickHouse server. Each is read from its YAML text, and anything else is refused
//! with a message naming what is accepted (located at the field by the loader).

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The one character between the fields of a CSV file (`,` when left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Delimiter(u8);

impl Delimiter {
    /// The byte the CSV reader splits on.
    pub fn byte(self) -> u8 {
        self.0
    }
}

impl Default for Delimiter {
    fn default() -> Self {
        Delimiter(b',')
    }
}

impl TryFrom<String> for Delimiter {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        match text.as_bytes() {
            [byte] if byte.is_ascii() && !matches!(byte, b'"' | b'\n' | b'\r') => {
                Ok(Delimiter(*byte))
            }
            _ => Err(format!(
                "the delimiter must be one character, like `,`, `;`, `|` or a tab (\"\\t\"), \
                 and not a quote or a line break; got {text:?}"
            )),
        }
    }
}

impl From<Delimiter> for String {
    fn from(delimiter: Delimiter) -> String {
        char::from(delimiter.0).to_string()
    }
}

impl JsonSchema for Delimiter {
    fn schema_name() -> Cow<'static, str> {
        "Delimiter".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "minLength": 1,
            "maxLength": 1,
            "description": "One character between fields, like `,`, `;`, `|` or a tab."
        })
    }
}

/// How the text of a CSV file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TextEncoding {
    /// UTF-8 (also plain ASCII), the default; a byte-order mark is skipped.
    #[default]
    Utf8,
    /// ISO-8859-1: every byte is the character of that number.
    Latin1,
}

impl TextEncoding {
    /// The names each encoding is accepted under (case does not matter), the first shown.
    const NAMES: [(TextEncoding, &'static [&'static str]); 2] = [
        (TextEncoding::Utf8, &["utf-8", "utf8", "ascii", "us-ascii"]),
        (
            TextEncoding::Latin1,
            &["latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1"],
        ),
    ];

    /// `bytes` as text (a UTF-8 byte-order mark dropped); `Err` names the line and the first
    /// byte that is not UTF-8.
    pub fn decode(self, bytes: Vec<u8>) -> Result<String, String> {
        match self {
            TextEncoding::Utf8 => {
                let text = String::from_utf8(bytes).map_err(|e| {
                    let valid = e.utf8_error().valid_up_to();
                    let line = e.as_bytes()[..valid]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count();
                    format!(
                        "line {}: byte {} is not UTF-8 (set `encoding: latin-1` for a Latin-1 \
                         file)",
                        line + 1,
                        valid + 1
                    )
                })?;
                Ok(match text.strip_prefix('\u{feff}') {
                    Some(rest) => rest.to_string(),
                    None => text,
                })
            }
            TextEncoding::Latin1 => Ok(bytes.into_iter().map(char::from).collect()),
        }
    }
}

impl TryFrom<String> for TextEncoding {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let lower = text.trim().to_ascii_lowercase();
        TextEncoding::NAMES
            .iter()
            .find(|(_, names)| names.contains(&lower.as_str()))
            .map(|(encoding, _)| *encoding)
            .ok_or_else(|| {
                format!("unsupported encoding {text:?}: expected utf-8 or latin-1 (iso-8859-1)")
            })
    }
}

impl From<TextEncoding> for String {
    fn from(encoding: TextEncoding) -> String {
        let (_, names) = TextEncoding::NAMES
            .iter()
            .find(|(e, _)| *e == encoding)
            .expect("every encoding has names");
        names[0].to_string()
    }
}

impl JsonSchema for TextEncoding {
    fn schema_name() -> Cow<'static, str> {
        "TextEncoding".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = TextEncoding::NAMES
            .iter()
            .flat_map(|(_, names)| names.iter().copied())
            .collect();
        json_schema!({
            "type": "string",
            "description": format!("One of {} (any case).", names.join(", ")),
        })
    }
}

/// How 1.0.82 talks to a ClickHouse server. This build always uses the HTTP interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClickhouseProtocol {
    /// ClickHouse's HTTP interface (port 8123, 8443 with `secure`).
    Http,
    /// ClickHouse's native TCP protocol (1.0.82's default, port 9000). Accepted; this build
    /// still speaks HTTP, to the HTTP port.
    Native,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_one_plain_character() {
        assert_eq!(Delimiter::try_from(";".to_string()).unwrap().byte(), b';');
        assert_eq!(Delimiter::try_from("\t".to_string()).unwrap().byte(), b'\t');
        for bad in ["", ";;", "\"", "\n", "§"] {
            let error = Delimiter::try_from(bad.to_string()).unwrap_err();
            assert!(error.contains("one character"), "{bad:?}: {error}");
        }
        assert_eq!(String::from(Delimiter::default()), ",");
    }

    #[test]
    fn encodings_by_any_usual_name() {
        for (name, encoding) in [
            ("UTF-8", TextEncoding::Utf8),
            ("utf8", TextEncoding::Utf8),
            ("ISO-8859-1", TextEncoding::Latin1),
            ("latin1", TextEncoding::Latin1),
        ] {
            assert_eq!(TextEncoding::try_from(name.to_string()), Ok(encoding));
        }
        let error = TextEncoding::try_from("utf-16".to_string()).unwrap_err();
        assert!(error.contains("expected utf-8 or latin-1"), "{error}");
        assert_eq!(String::from(TextEncoding::Latin1), "latin-1");
    }

    #[test]
    fn decoding() {
        let utf8 = TextEncoding::Utf8;
        assert_eq!(utf8.decode(b"\xef\xbb\xbfa,b".to_vec()).unwrap(), "a,b");
        let error = utf8.decode(b"a\nb\xe9".to_vec()).unwrap_err();
        assert!(error.starts_with("line 2: byte 4 is not UTF-8"), "{error}");
        assert_eq!(
            TextEncoding::Latin1.decode(b"caf\xe9".to_vec()).unwrap(),
            "café"
        );
    }
}
