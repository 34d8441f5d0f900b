//! Value decoding every engine shares: the decimal rule, floats, ISO 8601 dates and times, and
//! cells inside JSON arrays. Each engine's own `decode` maps its column types onto these.

use crate::value::Cell;

/// A cell as a JSON value inside an array (non-finite floats become null).
pub fn cell_to_json(cell: Cell) -> serde_json::Value {
    use serde_json::Value;
    match cell {
        Cell::Null => Value::Null,
        Cell::Int(i) => Value::from(i),
        Cell::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Cell::Text(s) => Value::String(s),
        Cell::Bool(b) => Value::Bool(b),
        Cell::Json(v) => v,
    }
}

/// The decimal rule, one for every engine's exact numbers (PostgreSQL `numeric`, MySQL `DECIMAL`,
/// Snowflake `NUMBER`/`DECFLOAT`, BigQuery `NUMERIC`/`BIGNUMERIC`, DuckDB `DECIMAL`, integers
/// wider than 64 bits): the nearest double, as 1.0.30 wrote them. plotly needs numbers, and one
/// column must not mix numbers and strings. `NaN` and `±Infinity` (and values beyond a double's
/// range) are non-finite floats, written as null like every engine's floats; text that is no
/// number at all stays text.
pub fn decimal_cell(text: &str) -> Cell {
    let text = text.trim();
    match text {
        "NaN" => return Cell::Float(f64::NAN),
        "Infinity" => return Cell::Float(f64::INFINITY),
        "-Infinity" => return Cell::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let plain_number = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    match text.parse::<f64>() {
        // No negative zero: `-0.00` is 0.
        Ok(f) if plain_number => Cell::Float(if f == 0.0 { 0.0 } else { f }),
        _ => Cell::Text(text.to_string()),
    }
}

pub fn float_cell(text: &str) -> Cell {
    match text.trim() {
        "NaN" | "nan" => Cell::Float(f64::NAN),
        "Infinity" | "inf" => Cell::Float(f64::INFINITY),
        "-Infinity" | "-inf" => Cell::Float(f64::NEG_INFINITY),
        t => match t.parse::<f64>() {
            Ok(f) => Cell::Float(f),
            Err(_) => Cell::Text(t.to_string()),
        },
    }
}

/// `HH:MM:SS[.f…]` → `HH:MM:SS` plus `.ffffff` (six digits) when the fraction isn't zero.
/// Hours may be negative or longer than two digits (MySQL TIME).
pub fn iso_time(text: &str) -> Option<String> {
    let (clock, fraction) = text.split_once('.').unwrap_or((text, ""));
    let parts: Vec<&str> = clock.trim_start_matches('-').split(':').collect();
    let valid = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[1].len() == 2
        && parts[2].len() == 2
        && fraction.len() <= 9
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return None;
    }
    let mut out = clock.to_string();
    if fraction.bytes().any(|b| b != b'0') {
        out.push('.');
        out.push_str(&format!("{fraction:0<6}"));
    }
    Some(out)
}

/// `YYYY-MM-DD HH:MM:SS[.f…]` → `YYYY-MM-DDTHH:MM:SS[.ffffff]`.
pub fn iso_datetime(text: &str) -> Option<String> {
    let (date, time) = text.split_once(' ')?;
    let date_ok = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !date_ok {
        return None;
    }
    let time = iso_time(time)?;
    (time.len() >= 8 && time.as_bytes()[2] == b':').then(|| format!("{date}T{time}"))
}

/// `YYYY-MM-DD HH:MM:SS[.f…]±HH[:MM[:SS]]` (any session time zone) → the same instant in UTC,
/// `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`.
pub fn utc_datetime(text: &str) -> Option<String> {
    let split = text.rfind(['+', '-']).filter(|i| *i > 10)?;
    let (local, offset) = text.split_at(split);
    let sign: i64 = if offset.starts_with('-') { -1 } else { 1 };
    let mut offset_seconds = 0i64;
    for (i, part) in offset[1..].split(':').enumerate() {
        if i > 2 || part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        offset_seconds += part.parse::<i64>().ok()? * [3600, 60, 1][i];
    }
    let local = iso_datetime(local)?;
    let (seconds, fraction) = local.split_once('.').unwrap_or((&local, ""));
    let naive = chrono::NaiveDateTime::parse_from_str(seconds, "%Y-%m-%dT%H:%M:%S").ok()?;
    let utc = naive.checked_sub_signed(chrono::Duration::seconds(sign * offset_seconds))?;
    let mut out = utc.format("%Y-%m-%dT%H:%M:%S").to_string();
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out.push_str("+00:00");
    Some(out)
}

/// `.250000` for 250 ms, `.123456789` for nanoseconds, nothing for whole seconds: at least six
/// digits (like the other engines' timestamps), more only when they are not zero.
pub fn fraction_text(nanos: u32) -> String {
    if nanos == 0 {
        return String::new();
    }
    let digits = format!("{nanos:09}");
    let digits = digits.trim_end_matches('0');
    format!(".{digits:0<6}")
}

pub fn iso_from_parts(secs: i64, nanos: u32, utc: bool) -> Option<String> {
    let moment = chrono::DateTime::from_timestamp(secs, nanos)?.naive_utc();
    let mut out = format!(
        "{}{}",
        moment.format("%Y-%m-%dT%H:%M:%S"),
        fraction_text(nanos)
    );
    if utc {
        out.push_str("+00:00");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_the_nearest_double() {
        assert_eq!(decimal_cell("1.5"), Cell::Float(1.5));
        assert_eq!(decimal_cell("1.50"), Cell::Float(1.5));
        assert_eq!(decimal_cell("3.00"), Cell::Float(3.0));
        assert_eq!(decimal_cell("-0.00"), Cell::Float(0.0));
        assert_eq!(decimal_cell("0.1"), Cell::Float(0.1));
        assert_eq!(decimal_cell("-42"), Cell::Float(-42.0));
        assert_eq!(decimal_cell("0.000000123"), Cell::Float(0.000000123));
        assert_eq!(
            decimal_cell("12345678901234567"),
            Cell::Float(12345678901234568.0)
        );
        assert_eq!(
            decimal_cell("27.5384615384615385"),
            Cell::Float(27.53846153846154)
        );
        assert_eq!(
            decimal_cell("0.3333333333333333333333"),
            Cell::Float(1.0 / 3.0)
        );
        assert_eq!(decimal_cell("0.10000000000000000555"), Cell::Float(0.1));
        assert_eq!(decimal_cell("1.5E+3"), Cell::Float(1500.0));
        assert_eq!(decimal_cell("1e400"), Cell::Float(f64::INFINITY));
        assert!(matches!(decimal_cell("NaN"), Cell::Float(f) if f.is_nan()));
        assert_eq!(decimal_cell("Infinity"), Cell::Float(f64::INFINITY));
        assert_eq!(decimal_cell("inf"), Cell::Text("inf".into()));
    }

    #[test]
    fn date_times() {
        assert_eq!(
            iso_datetime("2024-01-02 03:04:05").unwrap(),
            "2024-01-02T03:04:05"
        );
        assert_eq!(
            iso_datetime("2024-01-02 03:04:05.5").unwrap(),
            "2024-01-02T03:04:05.500000"
        );
        assert_eq!(
            iso_datetime("2024-01-02 03:04:05.000").unwrap(),
            "2024-01-02T03:04:05"
        );
        assert_eq!(iso_datetime("infinity"), None);
        assert_eq!(iso_datetime("0044-03-15 12:00:00 BC"), None);
        assert_eq!(
            utc_datetime("2024-01-02 03:04:05+00").unwrap(),
            "2024-01-02T03:04:05+00:00"
        );
        assert_eq!(
            utc_datetime("2024-01-02 03:04:05.25+05:30").unwrap(),
            "2024-01-01T21:34:05.250000+00:00"
        );
        assert_eq!(
            utc_datetime("2024-12-31 21:30:00-03:30").unwrap(),
            "2025-01-01T01:00:00+00:00"
        );
        assert_eq!(
            utc_datetime("1850-01-01 00:00:00+00:53:28").unwrap(),
            "1849-12-31T23:06:32+00:00"
        );
        assert_eq!(iso_time("03:04:05.123").unwrap(), "03:04:05.123000");
        assert_eq!(iso_time("-838:59:59.000000").unwrap(), "-838:59:59");
        assert_eq!(iso_time("03:04"), None);
    }
}
