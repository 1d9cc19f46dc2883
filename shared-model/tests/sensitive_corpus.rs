//! The sensitive-data scanner against third-party labelled strings (Presidio's and
//! detect-secrets' own test cases) and benign API traffic (DigitalOcean's OpenAPI examples).
//!
//! Run with `cargo test -p vigil-model --test sensitive_corpus -- --nocapture` to see the table.
//! The corpus lives outside the repository (`$VIGIL_CORPUS`, default `../../shared/corpus` from
//! this crate); without it the tests print a message and pass.
//!
//! Each string case is scanned twice: as free text (a text body), and as a JSON value under the
//! key its category names (`ssn`, `routing_number`, ...), because key context is how Vigil
//! resolves shapes that are ambiguous alone (nine bare digits). A case counts as found when
//! either form yields a match of a type its category maps to; a negative case counts as a false
//! positive on the same rule. Matches of *other* types are not scored (an IBAN negative that
//! contains a phone number rightly yields a phone).

use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use vigil_model::facts::RequestHead;
use vigil_model::fields::{body_fields, request_head_fields, Field, Part};
use vigil_model::eval::{string_fields, SENSITIVE_CATEGORIES, SENSITIVE_INFORMATIONAL};
use vigil_model::sensitive::{findings, DataType, SensitiveMatch, SensitiveScanner};

use DataType as T;

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("VIGIL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    if dir.join("presidio.jsonl").exists() {
        Some(dir)
    } else {
        eprintln!("sensitive_corpus: no corpus at {} (set VIGIL_CORPUS); skipped", dir.display());
        None
    }
}

fn lines(dir: &PathBuf, file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// Scans `text` as free text and, when a key is given, as `{"<key>": text}`.
fn scan_case(scanner: &SensitiveScanner, text: &str, key: Option<&str>) -> (Vec<SensitiveMatch>, Vec<Field<'static>>) {
    let fields: Vec<Field<'static>> = string_fields(text, key)
        .into_iter()
        .map(|f| Field { part: f.part, name: Cow::Owned(f.name.into_owned()), value: Cow::Owned(f.value.into_owned()), ty: f.ty })
        .collect();
    let mut out = Vec::new();
    scanner.scan(&fields, &mut out);
    (out, fields)
}

#[derive(Default)]
struct Score {
    tp: u32,
    fn_: u32,
    fp: u32,
    tn: u32,
    misses: Vec<String>,
}

impl Score {
    fn recall(&self) -> f64 {
        f64::from(self.tp) / f64::from((self.tp + self.fn_).max(1))
    }
    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            f64::from(self.tp) / f64::from(self.tp + self.fp)
        }
    }
}

fn evaluate(scanner: &SensitiveScanner, cases: &[Value], table: &[(&str, &[DataType], Option<&str>)]) -> BTreeMap<String, Score> {
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    for case in cases {
        let cat = case["category"].as_str().unwrap_or("");
        let Some((_, types, key)) = table.iter().find(|(c, _, _)| *c == cat) else { continue };
        let text = case["text"].as_str().unwrap_or("");
        let (matches, fields) = scan_case(scanner, text, *key);
        let found = matches.iter().any(|m| types.contains(&m.ty));
        assert_no_leak(&matches, &fields);
        let s = scores.entry(cat.to_string()).or_default();
        match (case["label"].as_str() == Some("sensitive"), found) {
            (true, true) => s.tp += 1,
            (true, false) => {
                s.fn_ += 1;
                s.misses.push(format!("FN {text:?}"));
            }
            (false, true) => {
                s.fp += 1;
                let got: Vec<&str> = matches.iter().filter(|m| types.contains(&m.ty)).map(|m| m.ty.as_str()).collect();
                s.misses.push(format!("FP {text:?} -> {got:?}"));
            }
            (false, false) => s.tn += 1,
        }
    }
    scores
}

fn print_table(title: &str, scores: &BTreeMap<String, Score>, table: &[(&str, &[DataType], Option<&str>)]) -> Score {
    println!("\n### {title}\n");
    println!("| corpus category | Vigil type(s) | key | pos | neg | TP | FN | FP | recall | precision |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut total = Score::default();
    for (cat, types, key) in table {
        let Some(s) = scores.get(*cat) else { continue };
        let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
        println!(
            "| {cat} | {} | {} | {} | {} | {} | {} | {} | {:.1}% | {:.1}% |",
            names.join(", "),
            key.unwrap_or("-"),
            s.tp + s.fn_,
            s.fp + s.tn,
            s.tp,
            s.fn_,
            s.fp,
            100.0 * s.recall(),
            100.0 * s.precision()
        );
        for m in &s.misses {
            println!("|  | {m} |");
        }
        total.tp += s.tp;
        total.fn_ += s.fn_;
        total.fp += s.fp;
        total.tn += s.tn;
    }
    println!(
        "| **all** | | | {} | {} | {} | {} | {} | **{:.1}%** | **{:.1}%** |",
        total.tp + total.fn_,
        total.fp + total.tn,
        total.tp,
        total.fn_,
        total.fp,
        100.0 * total.recall(),
        100.0 * total.precision()
    );
    total
}

/// No finding built from these matches repeats a matched value (of 4+ characters) whole.
fn assert_no_leak(matches: &[SensitiveMatch], fields: &[Field<'_>]) {
    for f in findings(matches, fields) {
        for m in matches {
            let Some(raw) = fields.get(m.field_index).and_then(|fl| fl.value.get(m.span.clone())) else { continue };
            if raw.chars().count() < 4 {
                continue;
            }
            for (what, text) in [("evidence", &f.evidence), ("location", &f.location), ("detail", f.detail.as_ref().unwrap_or(&String::new()))] {
                assert!(!text.contains(raw), "{what} {text:?} leaks the matched value {raw:?}");
            }
        }
    }
}

#[test]
fn presidio_and_detect_secrets_recall_and_precision() {
    let Some(dir) = corpus_dir() else { return };
    let scanner = SensitiveScanner::new().expect("scanner");
    let mut cases = lines(&dir, "presidio.jsonl");
    cases.extend(lines(&dir, "detect_secrets.jsonl"));
    assert!(cases.len() > 1000, "corpus looks truncated: {} cases", cases.len());

    let supported = evaluate(&scanner, &cases, SENSITIVE_CATEGORIES);
    let total = print_table("Supported categories (asserted)", &supported, SENSITIVE_CATEGORIES);
    let info = evaluate(&scanner, &cases, SENSITIVE_INFORMATIONAL);
    print_table("Informational categories (not asserted)", &info, SENSITIVE_INFORMATIONAL);
    let mapped: Vec<&str> = SENSITIVE_CATEGORIES.iter().chain(SENSITIVE_INFORMATIONAL).map(|(c, _, _)| *c).collect();
    let mut unsupported: Vec<&str> = cases.iter().filter_map(|c| c["category"].as_str()).filter(|c| !mapped.contains(c)).collect();
    unsupported.sort_unstable();
    unsupported.dedup();
    println!("\nUnsupported categories: {}", unsupported.join(", "));

    assert!(total.recall() >= 0.97, "recall {:.3} < 0.97", total.recall());
    assert!(total.precision() >= 0.97, "precision {:.3} < 0.97", total.precision());
}

/// Findings on DigitalOcean's benign API examples. Those examples hold real-looking example
/// credentials, emails and droplet addresses, which a sensitive-data detector rightly reports;
/// every type seen here must be on this list, with the reason it is there. Anything else is a
/// false positive.
const DO_EXPECTED: &[(DataType, &str)] = &[
    (T::Email, "example account and user emails (sammy@digitalocean.com)"),
    (T::IpAddress, "droplet, load-balancer and floating IPs in resource listings"),
    (T::InternalIp, "private network addresses of droplets and VPC ranges"),
    (T::Password, "example database user passwords in database-cluster responses"),
    (T::BasicAuthUrl, "database connection URIs with an example password"),
    (T::GenericSecret, "example tokens and keys under secret-named keys"),
    (T::PrivateKey, "example TLS private keys in certificate uploads"),
    (T::PostalAddress, "an example billing address in an invoice summary"),
];

#[test]
fn digitalocean_benign_findings_are_only_real_data() {
    let Some(dir) = corpus_dir() else { return };
    let scanner = SensitiveScanner::new().expect("scanner");
    let mut by_type: BTreeMap<DataType, u32> = BTreeMap::new();
    let mut examples: BTreeMap<DataType, Vec<String>> = BTreeMap::new();
    let mut unexpected = Vec::new();
    for case in lines(&dir, "openapi_digitalocean.jsonl") {
        let req = &case["request"];
        let head = RequestHead {
            method: req["method"].as_str().unwrap_or("GET").to_string(),
            path: req["path"].as_str().unwrap_or("/").to_string(),
            headers: vec![],
            ..Default::default()
        };
        let content_type = |h: &Value| {
            h.as_array()?.iter().find(|p| p[0].as_str().map_or(false, |n| n.eq_ignore_ascii_case("content-type")))?[1].as_str().map(str::to_string)
        };
        let req_body = req["body"].as_str().unwrap_or("").to_string();
        let resp_body = case["response"]["body"].as_str().unwrap_or("").to_string();
        let (req_ct, resp_ct) = (content_type(&req["headers"]), content_type(&case["response"]["headers"]));
        let (mut req_names, mut resp_names) = (String::new(), String::new());
        let mut fields = Vec::new();
        request_head_fields(&head, &mut fields);
        body_fields(Part::Body, req_ct.as_deref(), req_body.as_bytes(), &mut req_names, &mut fields);
        body_fields(Part::ResponseBody, resp_ct.as_deref(), resp_body.as_bytes(), &mut resp_names, &mut fields);
        let mut matches = Vec::new();
        scanner.scan(&fields, &mut matches);
        assert_no_leak(&matches, &fields);
        for f in findings(&matches, &fields) {
            let ty = matches.iter().find(|m| format!("sensitive.{}", m.ty.as_str()) == f.kind).map(|m| m.ty);
            match ty {
                Some(t) if DO_EXPECTED.iter().any(|(e, _)| *e == t) => {
                    *by_type.entry(t).or_default() += 1;
                    let ex = examples.entry(t).or_default();
                    if ex.len() < 4 {
                        ex.push(format!("{} {}", f.location, f.evidence));
                    }
                }
                _ => unexpected.push(format!("{} {} {} {}", case["id"].as_str().unwrap_or("?"), f.kind, f.location, f.evidence)),
            }
        }
    }
    println!("DigitalOcean findings by type (all expected example data): {by_type:?}");
    for (t, ex) in &examples {
        println!("  {}: {}", t.as_str(), ex.join(" | "));
    }
    assert!(unexpected.is_empty(), "unexpected findings on benign DigitalOcean cases:\n{}", unexpected.join("\n"));
}
