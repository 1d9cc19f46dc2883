//! `vigil cases`: access logs in, cases out (text for people, `--json` for SIEMs and ticket
//! systems). The grouping is [`vigil_model::cases`]; this module reads files and prints.

use crate::logs;
use anyhow::{bail, Result};
use std::fmt::Write as _;
use std::path::PathBuf;
use vigil_model::cases::{Case, CaseBuilder, CaseOptions, CaseStats};

/// Reads every log and returns the cases with the reading statistics.
pub fn read(logs: &[PathBuf], opts: CaseOptions) -> Result<(Vec<Case>, CaseStats)> {
    let mut b = CaseBuilder::new(opts);
    for path in logs {
        logs::for_each_line(path, |line| b.add_line(line))?;
    }
    let stats = b.stats.clone();
    Ok((b.finish(), stats))
}

/// `10m`, `30s`, `2h`, `1d` (a bare number is seconds) as milliseconds.
pub fn parse_duration_ms(s: &str) -> Result<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = match num.parse() {
        Ok(n) if n > 0 => n,
        _ => bail!("--window {s:?}: expected a positive duration such as 30s, 10m, 2h, 1d"),
    };
    let unit_ms = match unit {
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => bail!("--window {s:?}: unknown unit {unit:?} (s, m, h, d)"),
    };
    Ok(n * unit_ms)
}

pub fn run(logs: &[PathBuf], window: &str, evidence: usize, json: bool) -> Result<()> {
    let (cases, stats) = read(logs, CaseOptions { window_ms: parse_duration_ms(window)?, evidence })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({"cases": cases, "stats": stats}))?);
    } else {
        print!("{}", text(&cases));
    }
    eprintln!(
        "read {} lines ({} malformed, {} without a vigil event); {} exchanges in {} cases",
        stats.lines, stats.malformed, stats.without_event, stats.in_cases, cases.len()
    );
    Ok(())
}

/// The cases as plain text, one block each.
pub fn text(cases: &[Case]) -> String {
    let mut out = String::new();
    for c in cases {
        let owasp: Vec<&str> = c.owasp.iter().map(|o| o.as_str()).collect();
        let _ = writeln!(out, "[{}] {}  ({}, confidence {:.2}, {})", c.severity.as_str().to_uppercase(), c.title, c.id, c.confidence, owasp.join(" "));
        let _ = writeln!(out, "  seen {} .. {}: {} exchanges, {} findings, {} blocked; {} client(s), {} endpoint(s)", c.first_seen, c.last_seen, c.counts.exchanges, c.counts.findings, c.counts.blocked, c.counts.clients, c.counts.endpoints);
        let _ = writeln!(out, "  what happened:  {}", c.description.what_happened);
        let _ = writeln!(out, "  why it matters: {}", c.description.why_it_matters);
        let _ = writeln!(out, "  what to do:     {}", c.description.what_to_do);
        for e in &c.evidence {
            let _ = writeln!(out, "  evidence: {} {} {} -> {} {} (request {}, client {})", e.time, e.method, e.path, e.status, e.verdict.as_str(), e.request_id, e.client);
            for f in &e.findings {
                let _ = writeln!(out, "    {} {} at {}: {}", f.severity.as_str(), f.kind, f.location, f.evidence);
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("10m").unwrap(), 600_000);
        assert_eq!(parse_duration_ms("45").unwrap(), 45_000);
        assert_eq!(parse_duration_ms("1d").unwrap(), 86_400_000);
        assert!(parse_duration_ms("0s").is_err());
        assert!(parse_duration_ms("10w").is_err());
        assert!(parse_duration_ms("m").is_err());
    }
}
