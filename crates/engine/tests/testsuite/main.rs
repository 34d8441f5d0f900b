//! The engine's integration tests, in one binary (one link instead of one per file): the
//! sources against real PostgreSQL, MariaDB and ClickHouse servers, DuckDB files, and local
//! servers that speak the Snowflake and BigQuery REST protocols.

mod cloud_common;
mod server_common;

mod bigquery;
mod clickhouse;
mod duckdb;
mod mysql;
mod postgres;
mod snowflake;
