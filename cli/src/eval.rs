//! `vigil eval`: labelled corpus files through the engine, with detection and false-positive
//! rates per group (the evaluation logic is `vigil_model::eval`, shared with the corpus tests).

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vigil_model::config::Config;
use vigil_model::corpus::{load_jsonl, Case};
use vigil_model::engine::Engine;
use vigil_model::eval::{http_group, is_positive, run_http, run_string, Tally, SENSITIVE_CATEGORIES, SENSITIVE_INFORMATIONAL};
use vigil_model::sensitive::SensitiveScanner;

pub struct EvalArgs<'a> {
    pub files: &'a [PathBuf],
    pub config: Option<&'a Path>,
    /// Print up to this many misses (missed attacks, false positives) per group.
    pub misses: usize,
    /// Only the cases of one half of the held-out split.
    pub half: Option<Half>,
}

/// The team's held-out split of a corpus: a case is in the even half when the MD5 of its `id`, read
/// as a number, is even. Detector work looks at misses on the even half only and reports both
/// halves; a wide gap between them means rules fitted to the cases seen.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum Half {
    Even,
    Odd,
}

impl Half {
    pub fn of(id: &str) -> Half {
        use md5::{Digest, Md5};
        let digest = Md5::digest(id.as_bytes());
        if digest.last().is_some_and(|b| b & 1 == 1) {
            Half::Odd
        } else {
            Half::Even
        }
    }
}

#[derive(Default)]
struct Group {
    tally: Tally,
    /// Benign cases flagged by the full verdict (sensitive data, posture, not only attacks).
    benign_flagged_overall: u32,
    misses: Vec<String>,
}

pub fn run(a: &EvalArgs) -> Result<()> {
    let config = match a.config {
        Some(p) => Config::from_json(&std::fs::read(p).with_context(|| format!("reading {}", p.display()))?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        None => Config::default(),
    };
    let engine = Engine::new(config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let scanner = SensitiveScanner::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut http: BTreeMap<String, Group> = BTreeMap::new();
    let mut strings: BTreeMap<String, Group> = BTreeMap::new();
    let mut unscored = 0usize;
    for path in a.files {
        let file = path.file_stem().and_then(|s| s.to_str()).unwrap_or("corpus").to_string();
        let cases = load_jsonl(path).with_context(|| format!("reading {}", path.display()))?;
        for case in &cases {
            let id = match case {
                Case::Http(c) => &c.id,
                Case::Text(c) => &c.id,
            };
            if a.half.is_some_and(|h| Half::of(id) != h) {
                continue;
            }
            match case {
                Case::Http(c) => {
                    let out = run_http(&engine, c);
                    let positive = is_positive(c.label);
                    let g = http.entry(http_group(&file, c)).or_default();
                    g.tally.add(positive, out.detected());
                    if !positive && out.overall != vigil_model::verdict::Decision::Allow {
                        g.benign_flagged_overall += 1;
                    }
                    if positive != out.detected() && g.misses.len() < a.misses {
                        let kinds: Vec<&str> = out.findings.iter().map(|f| f.kind.as_ref()).collect();
                        let what = if positive { "missed" } else { "false positive" };
                        g.misses.push(format!("{what} {}: {} {} {kinds:?}", c.id, c.request.method, c.request.path));
                    }
                }
                Case::Text(c) => {
                    let (table, tag) = if SENSITIVE_CATEGORIES.iter().any(|(k, _, _)| *k == c.category) {
                        (SENSITIVE_CATEGORIES, "")
                    } else {
                        (SENSITIVE_INFORMATIONAL, " (informational)")
                    };
                    let Some((found, _)) = run_string(&scanner, c, table) else {
                        unscored += 1;
                        continue;
                    };
                    let positive = is_positive(c.label);
                    let g = strings.entry(format!("{}{tag}", c.category)).or_default();
                    g.tally.add(positive, found);
                    if positive != found && g.misses.len() < a.misses {
                        g.misses.push(format!("{} {}: {:?}", if positive { "missed" } else { "false positive" }, c.id, c.text));
                    }
                }
            }
        }
    }
    if !http.is_empty() {
        print_http(&http);
    }
    if !strings.is_empty() {
        print_strings(&strings);
    }
    if unscored > 0 {
        println!("\n{unscored} string cases in categories Vigil has no data type for (not scored)");
    }
    Ok(())
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn print_http(groups: &BTreeMap<String, Group>) {
    println!("## HTTP cases (attack = verdict flag or block over attack findings; response-side CRS cases: a leak finding)\n");
    println!("| group | attacks | detected | benign | flagged as attack | flagged (any finding) |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut per_file: BTreeMap<String, (Tally, u32)> = BTreeMap::new();
    for (name, g) in groups {
        row(name, &g.tally, g.benign_flagged_overall);
        let key = match name.rsplit_once(":PL") {
            // CRS: also sum by paranoia level.
            Some((rest, pl)) => format!("{}:PL{pl}", rest.split(':').next().unwrap_or(rest)),
            None => name.split(':').next().unwrap_or(name).to_string(),
        };
        let e = per_file.entry(key).or_default();
        e.0.merge(&g.tally);
        e.1 += g.benign_flagged_overall;
        for m in &g.misses {
            println!("|  | {} | | | | |", m.replace('|', "\\|"));
        }
    }
    println!("\n| totals | attacks | detected | benign | flagged as attack | flagged (any finding) |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, (t, overall)) in &per_file {
        row(name, t, *overall);
    }
}

fn row(name: &str, t: &Tally, overall: u32) {
    let over = if t.negatives == 0 { "-".to_string() } else { pct(f64::from(overall) / f64::from(t.negatives)) };
    let det = if t.positives == 0 { "-".to_string() } else { pct(t.detection_rate()) };
    let fp = if t.negatives == 0 { "-".to_string() } else { pct(t.false_positive_rate()) };
    println!("| {name} | {} | {det} | {} | {fp} | {over} |", t.positives, t.negatives);
}

fn print_strings(groups: &BTreeMap<String, Group>) {
    println!("\n## Sensitive-data strings\n");
    println!("| category | sensitive | recall | not sensitive | precision |");
    println!("|---|---:|---:|---:|---:|");
    let mut total = Tally::default();
    for (name, g) in groups {
        let t = &g.tally;
        println!("| {name} | {} | {} | {} | {} |", t.positives, pct(t.detection_rate()), t.negatives, pct(t.precision()));
        for m in &g.misses {
            println!("|  | {} | | | |", m.replace('|', "\\|"));
        }
        if !name.ends_with("(informational)") {
            total.merge(t);
        }
    }
    println!(
        "| **supported categories** | {} | **{}** | {} | **{}** |",
        total.positives,
        pct(total.detection_rate()),
        total.negatives,
        pct(total.precision())
    );
}

#[cfg(test)]
mod tests {
    use super::Half;

    #[test]
    fn the_split_follows_the_parity_of_the_ids_md5() {
        // md5("a") = 0cc175b9…772661 (ends in an odd digit), md5("abc") = 900150983c…e17f72 (even).
        assert_eq!(Half::of("a"), Half::Odd);
        assert_eq!(Half::of("abc"), Half::Even);
    }
}
