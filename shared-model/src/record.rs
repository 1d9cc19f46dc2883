//! Access-log records as the offline tools (`vigil cases`, `vigil report`) read them back: Envoy's
//! fields of one line plus the parsed `vigil` [`Event`], and the time of `start_time` in
//! milliseconds since the Unix epoch.
//!
//! Parsing never fails hard: a line that is not JSON is `Err` (the caller counts it), missing
//! Envoy fields default, a line without a `vigil` event has `event: None`. `start_time` is read as
//! RFC 3339 as Envoy writes it (`2026-11-21T06:23:34.123Z`, offsets accepted) by a small
//! calendar routine, so no date library is needed.

use crate::event::Event;
use serde::Deserialize;

/// One access-log line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub start_time: String,
    /// `start_time` in ms since the epoch; 0 when absent or unreadable.
    pub time_ms: i64,
    pub request_id: String,
    pub method: String,
    /// `:path` as logged: path and query.
    pub path: String,
    pub status: u16,
    pub bytes_out: u64,
    pub event: Option<Event>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    start_time: Option<String>,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    status: serde_json::Value,
    #[serde(default)]
    bytes_out: serde_json::Value,
    #[serde(default)]
    vigil: serde_json::Value,
}

/// A number Envoy may write as a number or, with some formats, as a string (`"-"` when absent).
fn number(v: &serde_json::Value) -> u64 {
    match v {
        serde_json::Value::Number(n) => n.as_u64().unwrap_or(0),
        serde_json::Value::String(s) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

impl Record {
    /// Parses one line; `Err` with the reason when it is not a JSON object.
    pub fn parse(line: &str) -> Result<Record, String> {
        let raw: Raw = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let start_time = raw.start_time.unwrap_or_default();
        Ok(Record {
            time_ms: parse_time_ms(&start_time).unwrap_or(0),
            start_time,
            request_id: raw.request_id.unwrap_or_default(),
            method: raw.method.unwrap_or_default(),
            path: raw.path.unwrap_or_default(),
            status: u16::try_from(number(&raw.status)).unwrap_or(0),
            bytes_out: number(&raw.bytes_out),
            event: Event::from_log_value(&raw.vigil),
        })
    }

    /// `METHOD template`: the model's endpoint when known, else the folded route, else the path.
    pub fn endpoint(&self) -> String {
        let route = self.event.as_ref().and_then(|e| e.endpoint.clone().or_else(|| Some(e.obs.route.clone()).filter(|r| !r.is_empty())));
        let path = route.unwrap_or_else(|| self.path.split('?').next().unwrap_or("").to_string());
        format!("{} {}", self.method, path)
    }

    /// The client hash as logged (empty when unidentified or without an event).
    pub fn client(&self) -> &str {
        self.event.as_ref().map_or("", |e| e.client.as_str())
    }
}

/// RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM)`) to ms since the epoch.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut ms = 0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let frac = s.get(start..i.min(start + 3))?;
        ms = format!("{frac:0<3}").parse().ok()?;
    }
    let offset_min = match b.get(i) {
        Some(b'Z' | b'z') | None => 0,
        Some(&c @ (b'+' | b'-')) => {
            let o = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if c == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000 + ms)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// ms since the epoch to `YYYY-MM-DDTHH:MM:SSZ` (for labels; the inverse of [`parse_time_ms`]).
pub fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Inverse of days_from_civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_envoy_times() {
        assert_eq!(parse_time_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time_ms("2026-11-21T06:23:34.123Z"), Some(1_795_242_214_123));
        assert_eq!(parse_time_ms("2026-11-21T07:23:34.1+01:00"), Some(1_795_242_214_100));
        assert_eq!(parse_time_ms("2000-02-29T00:00:00Z").map(format_time).as_deref(), Some("2000-02-29T00:00:00Z"));
        assert_eq!(parse_time_ms("yesterday"), None);
        assert_eq!(parse_time_ms("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn reads_a_line_with_a_string_event() {
        let line = r#"{"start_time":"2026-11-21T06:23:34.123Z","request_id":"r1","method":"GET","path":"/api/v1/accounts/7?x=1","status":200,"bytes_out":"12","vigil":"{\"verdict\":\"flag\",\"score\":0.6,\"confidence\":0.9,\"enforced\":false,\"client\":\"c1\",\"obs\":{\"route\":\"/api/v1/accounts/{account_id}\"}}"}"#;
        let r = Record::parse(line).unwrap();
        assert_eq!((r.status, r.bytes_out, r.client()), (200, 12, "c1"));
        assert_eq!(r.endpoint(), "GET /api/v1/accounts/{account_id}");
        let bare = Record::parse(r#"{"method":"GET","path":"/x?y=1","status":"-"}"#).unwrap();
        assert_eq!((bare.endpoint(), bare.status, bare.event.is_none()), ("GET /x".to_string(), 0, true));
        assert!(Record::parse("not json").is_err());
    }
}
