//! The one list of database engines a source can be: what each is called in YAML (`type:`),
//! which fields it takes, its usual port and whether it logs in with a password. Validation,
//! `visivo init` and the CLI read it from here; the SQL dialect of each is
//! `visivo_query::Dialect`'s, the connector `visivo_engine::source`'s.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A source's `type:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Hash, Default)]
#[serde(rename_all = "lowercase")]
pub enum SourceType {
    /// The embedded default.
    #[default]
    Sqlite,
    /// PostgreSQL, over its own protocol (port 5432).
    Postgresql,
    /// MySQL or MariaDB (port 3306).
    Mysql,
    /// Snowflake, over its HTTP API.
    Snowflake,
    /// DuckDB: a local file, in-process (with the `duckdb` build feature).
    Duckdb,
    /// BigQuery, over its HTTP API.
    Bigquery,
    /// Amazon Redshift, over the PostgreSQL protocol (port 5439).
    Redshift,
}

/// Fields of the servers reached over the PostgreSQL and MySQL protocols.
const NETWORK_FIELDS: &[&str] = &[
    "database",
    "host",
    "port",
    "username",
    "password",
    "db_schema",
    "connection_pool_size",
    "connect_timeout",
    "query_timeout",
    "sslmode",
];

impl SourceType {
    /// Every engine, in the order `visivo init` offers them (the embedded one first).
    pub const ALL: [SourceType; 7] = [
        SourceType::Sqlite,
        SourceType::Postgresql,
        SourceType::Mysql,
        SourceType::Redshift,
        SourceType::Snowflake,
        SourceType::Duckdb,
        SourceType::Bigquery,
    ];

    /// What `type:` says.
    pub fn name(self) -> &'static str {
        match self {
            SourceType::Sqlite => "sqlite",
            SourceType::Postgresql => "postgresql",
            SourceType::Mysql => "mysql",
            SourceType::Snowflake => "snowflake",
            SourceType::Duckdb => "duckdb",
            SourceType::Bigquery => "bigquery",
            SourceType::Redshift => "redshift",
        }
    }

    /// The engine a `type:` names.
    pub fn from_name(name: &str) -> Option<SourceType> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Every `type:` name, in [`SourceType::ALL`]'s order.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|t| t.name()).collect()
    }

    /// Fields this engine accepts besides `name` and `type`.
    pub fn allowed_fields(self) -> &'static [&'static str] {
        match self {
            SourceType::Sqlite => &["database", "attach", "query_timeout"],
            SourceType::Duckdb => &["database", "query_timeout", "db_schema"],
            SourceType::Postgresql | SourceType::Redshift | SourceType::Mysql => NETWORK_FIELDS,
            SourceType::Snowflake => &[
                "database",
                "username",
                "password",
                "db_schema",
                "account",
                "warehouse",
                "role",
                "private_key_path",
                "connection_pool_size",
                "connect_timeout",
                "query_timeout",
                "api_url",
                "host",
            ],
            SourceType::Bigquery => &[
                "project",
                "dataset",
                "database",
                "credentials_path",
                "credentials_json",
                "connection_pool_size",
                "connect_timeout",
                "query_timeout",
                "api_url",
            ],
        }
    }

    /// The port a server of this engine usually listens on; `None` for files and HTTPS APIs.
    pub fn default_port(self) -> Option<u16> {
        match self {
            SourceType::Postgresql => Some(5432),
            SourceType::Mysql => Some(3306),
            SourceType::Redshift => Some(5439),
            SourceType::Sqlite | SourceType::Duckdb => None,
            SourceType::Snowflake | SourceType::Bigquery => None,
        }
    }

    /// Whether it logs in with a password (or token) that belongs in `.env`.
    pub fn needs_password(self) -> bool {
        !matches!(
            self,
            SourceType::Sqlite | SourceType::Duckdb | SourceType::Bigquery
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_what_serde_reads() {
        for t in SourceType::ALL {
            let read: SourceType = serde_json::from_value(t.name().into()).unwrap();
            assert_eq!(read, t);
            assert_eq!(SourceType::from_name(t.name()), Some(t));
        }
        assert_eq!(SourceType::from_name("oracle"), None);
    }

    #[test]
    fn only_servers_have_ports_and_every_password_field_is_allowed() {
        for t in SourceType::ALL {
            assert_eq!(
                t.default_port().is_some(),
                t.allowed_fields().contains(&"port"),
                "{t:?}"
            );
            if t.needs_password() {
                assert!(t.allowed_fields().contains(&"password"), "{t:?}");
            }
        }
    }
}
