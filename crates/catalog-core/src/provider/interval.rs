//! `syncInterval`-style durations: `30s`, `5m`, `1h30m`, `2d` (PA-73).

use std::time::Duration;

use serde_json::{Map, Value};

use super::FieldProblem;

/// Shortest background sync period; shorter intervals are raised to it with a warning.
pub const MIN_SYNC_INTERVAL: Duration = Duration::from_secs(10);

/// Parses a duration made of `<integer><unit>` parts (units `ms`, `s`, `m`, `h`, `d`), e.g.
/// `1h30m`. Zero, blanks, bare numbers, unknown units and overflow are errors.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    if text.bytes().all(|b| b == b'0') {
        return Err("must be greater than zero".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "\"{text}\" is not a duration like 30s, 5m or 1h30m"
            ));
        }
        let value: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("\"{text}\" is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_ms: u64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "" => return Err(format!("\"{text}\" needs a unit (ms, s, m, h or d)")),
            unit => return Err(format!("\"{text}\" has unknown unit \"{unit}\"")),
        };
        rest = &rest[unit_len..];
        let part = value
            .checked_mul(unit_ms)
            .ok_or_else(|| format!("\"{text}\" is too large"))?;
        total = total
            .checked_add(Duration::from_millis(part))
            .ok_or_else(|| format!("\"{text}\" is too large"))?;
    }
    if total.is_zero() {
        return Err("must be greater than zero".into());
    }
    Ok(total)
}

/// Reads the `syncInterval` property: `default` when absent, an error naming the property when
/// not a valid positive duration, floored at [`MIN_SYNC_INTERVAL`].
pub fn sync_interval(
    properties: Option<&Map<String, Value>>,
    default: Duration,
) -> Result<Duration, FieldProblem> {
    let problem = |m: String| FieldProblem::property("syncInterval", m);
    let interval = match properties.and_then(|p| p.get("syncInterval")) {
        None | Some(Value::Null) => default,
        Some(Value::String(s)) => parse_duration(s).map_err(problem)?,
        Some(other) => {
            return Err(problem(format!(
                "must be a duration string like \"30s\" or \"1h\", not {other}"
            )));
        }
    };
    if interval < MIN_SYNC_INTERVAL {
        tracing::warn!(
            requested_ms = interval.as_millis() as u64,
            "syncInterval below the 10s floor; using 10s"
        );
        return Ok(MIN_SYNC_INTERVAL);
    }
    Ok(interval)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_compound_durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn rejects_zero_and_malformed_durations() {
        for bad in [
            "", "0", "0s", "0h0m", "10", "h", "1x", "1.5h", "-1s", "1h 30m",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert!(parse_duration("99999999999999999999s").is_err());
        assert!(parse_duration("18446744073709551615d").is_err());
    }

    #[test]
    fn sync_interval_names_the_property_and_floors_short_periods() {
        let props = |v: Value| json!({ "syncInterval": v }).as_object().cloned();
        let day = Duration::from_secs(86_400);
        assert_eq!(sync_interval(None, day), Ok(day));
        assert_eq!(
            sync_interval(props(json!("1s")).as_ref(), day),
            Ok(MIN_SYNC_INTERVAL)
        );
        let err = sync_interval(props(json!("0")).as_ref(), day).unwrap_err();
        assert_eq!(err.field, "properties.syncInterval");
        assert!(err.message.contains("greater than zero"), "{}", err.message);
        let err = sync_interval(props(json!(5)).as_ref(), day).unwrap_err();
        assert!(err.message.contains("duration string"), "{}", err.message);
    }
}
