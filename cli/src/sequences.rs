//! `vigil sequences`: what clients do across requests, from access logs. Learns the model the
//! same way `vigil learn` does and prints the most important call sequences with a score, the
//! per-endpoint rate and distinct-object distributions with a recommended limit, the failed
//! logins per client and per address, and the precedence and repetition rules that held in
//! every session of the training traffic, as JSON ready for `policies.sequences`.

use crate::logs;
use anyhow::Result;
use std::path::PathBuf;
use vigil_model::behaviour::{Limit, ADDRESS_AUTH_FLOOR, AUTH_FLOOR, OBJECTS_FLOOR, RATE_FLOOR};
use vigil_model::learn::Learner;
use vigil_model::sketch::Sketch;

pub fn run(paths: &[PathBuf], top: usize) -> Result<()> {
    let mut learner = Learner::new();
    logs::parse_in_parallel(paths, vigil_model::learn::parse_line, |line| learner.add(line))?;
    let requests = learner.stats.learned;
    let (model, report) = learner.finish_with(true);
    let (Some(bm), Some(report)) = (model.behaviour.as_ref(), report) else {
        println!("no client sessions: the log lines need start_time and the vigil event's client");
        return Ok(());
    };
    println!("{} sessions from {} clients ({requests} requests)\n", bm.sessions, bm.clients);
    println!("Most important sequences (score = share of sessions x how predictable each step is):");
    println!("{:>7} {:>9}  sequence", "score", "sessions");
    for s in report.sequences.iter().take(top) {
        println!("{:>7.3} {:>9}  {}", s.score, s.sessions, s.calls.join(" -> "));
    }
    let fpr = model.calibration.target_fpr;
    println!("\nRates (each session's most requests to the endpoint within 10 minutes):");
    limits(bm.rates.iter().map(|(e, s)| (e.as_str(), s, RATE_FLOOR)), fpr);
    println!("\nDistinct objects (each session's most object ids on the endpoint within 10 minutes):");
    limits(bm.endpoint_objects.iter().map(|(e, s)| (e.as_str(), s, OBJECTS_FLOOR)), fpr);
    println!("\nFailed logins within 10 minutes (samples: client sessions, address windows):");
    limits([("per client", &bm.auth_failures, AUTH_FLOOR), ("per address", &bm.address_auth_failures, ADDRESS_AUTH_FLOOR)], fpr);
    println!("{} learned contexts of 2 to 8 calls score each call after the client's recent ones", bm.contexts.len());
    if report.rules.is_empty() {
        println!("\nNo rule held often enough to suggest (each needs 20 occurrences).");
        return Ok(());
    }
    println!("\nRules that held in every session (occurrences in brackets); paste into \"policies\": {{\"sequences\": [...]}}:");
    for (i, (rule, n)) in report.rules.iter().enumerate() {
        let comma = if i + 1 < report.rules.len() { "," } else { "" };
        println!("  {}{comma}    [{n}]", serde_json::to_string(rule)?);
    }
    Ok(())
}

/// A table of recommended limits (`Limit::of` with each row's floor), for the distributions
/// with enough samples.
fn limits<'a>(rows: impl IntoIterator<Item = (&'a str, &'a Sketch, u64)>, fpr: f64) {
    let mut header = false;
    for (what, sketch, floor) in rows {
        let Some(l) = Limit::of(sketch, fpr, floor) else { continue };
        if !std::mem::replace(&mut header, true) {
            println!("{:>5} {:>5} {:>5} {:>6} {:>10} {:>9}", "p50", "p90", "p99", "limit", "confidence", "samples");
        }
        println!("{:>5} {:>5} {:>5} {:>6} {:>10.2} {:>9}  {what}", l.p50, l.p90, l.p99, l.limit, l.confidence, l.samples);
    }
}
