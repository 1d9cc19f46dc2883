//! The attack detectors against the shared labelled corpus.
//!
//! A case is **flagged** when [`vigil_model::verdict::decide`] over its `attack.*` findings
//! (request head, path, query, headers, cookies and body, as the engine extracts them) returns
//! `flag` or `block` at the default thresholds (0.5 / 0.9) — exactly what the filter would do with
//! these findings alone. Detection rate = flagged attacks / attacks; false-positive rate = flagged
//! benign / benign.
//!
//! CRS cases are reported per rule file (`REQUEST-942-APPLICATION-ATTACK-SQLI`, ...) and per
//! paranoia level. In scope (asserted): the rule files whose attacks are our families —
//! 911 method policy, 913 scanners, 920 protocol enforcement, 921 protocol attacks, 922
//! multipart, 930 LFI, 931 RFI, 932 RCE, 934 generic (Node.js, Perl, SSRF, SSTI, ORM), 941 XSS,
//! 942 SQLi, 943 session fixation. Some 920 and 911 cases are policy an API must not enforce
//! (`DELETE`, `application/cloudevents+json`, a missing `User-Agent`, argument-count limits) and
//! stay misses by design (see `detect::headers`, `detect::method`). Out of scope (reported
//! only): 933 PHP code, 944 Java classes and serialisation, the 949/959/980 scoring
//! pseudo-rules, and the RESPONSE-95x files (response side: leaks are posture findings of the
//! API, `posture.verbose_error`, not attacks by the client).
//!
//! Run with `cargo test -p vigil-model --test attack_corpus -- --nocapture` to see the table
//! (`VIGIL_CORPUS_MISSES=1` also lists every miss and false positive).
//! The corpus is found at `$VIGIL_CORPUS` or `$CARGO_MANIFEST_DIR/../../shared/corpus`; when it
//! is absent the test says so and passes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use vigil_model::corpus::{load_jsonl, Case, HttpCase, Label};
use vigil_model::detect::AttackDetector;
use vigil_model::fields::{body_fields, request_head_fields, Part};
use vigil_model::finding::Finding;
use vigil_model::verdict::{decide, Decision, Thresholds};

const IN_SCOPE: &[&str] = &["911", "913", "920", "921", "922", "930", "931", "932", "934", "941", "942", "943"];

fn corpus_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("VIGIL_CORPUS").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")),
    ];
    candidates.into_iter().flatten().find(|p| p.join("crs.jsonl").is_file())
}

fn findings(d: &AttackDetector, case: &HttpCase) -> Vec<Finding> {
    let head = case.request_head();
    let mut names = String::new();
    let mut fields = Vec::new();
    request_head_fields(&head, &mut fields);
    body_fields(Part::Body, case.content_type(), case.body(), &mut names, &mut fields);
    let mut out = Vec::new();
    d.scan_head(&head, &mut out);
    d.scan_fields(&fields, &mut out);
    d.scan_referrals(&head, &mut out);
    d.scan_body(&head, case.body(), &fields, &mut out);
    out.retain(|f| f.kind.starts_with("attack."));
    out
}

fn flagged(d: &AttackDetector, case: &HttpCase) -> bool {
    decide(&findings(d, case), &Thresholds::default(), 1.0, false).decision != Decision::Allow
}

#[derive(Default, Clone, Copy)]
struct Tally {
    attacks: usize,
    caught: usize,
    benign: usize,
    noisy: usize,
}

impl Tally {
    fn add(&mut self, label: Label, hit: bool) {
        match label {
            Label::Attack => {
                self.attacks += 1;
                self.caught += usize::from(hit);
            }
            _ => {
                self.benign += 1;
                self.noisy += usize::from(hit);
            }
        }
    }
    fn detection(&self) -> f64 {
        if self.attacks == 0 { 1.0 } else { self.caught as f64 / self.attacks as f64 }
    }
    fn fp(&self) -> f64 {
        if self.benign == 0 { 0.0 } else { self.noisy as f64 / self.benign as f64 }
    }
    fn row(&self, name: &str) -> String {
        format!(
            "{name:<48} attacks {:>5} detected {:>6.2}%   benign {:>4} flagged {:>5.2}%",
            self.attacks,
            100.0 * self.detection(),
            self.benign,
            100.0 * self.fp()
        )
    }
}

fn http_cases(dir: &std::path::Path, file: &str) -> Vec<HttpCase> {
    let cases = load_jsonl(&dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    cases.into_iter().filter_map(|c| if let Case::Http(h) = c { Some(h) } else { None }).collect()
}

/// `REQUEST-942-APPLICATION-ATTACK-SQLI` from the case's source path.
fn rule_file(case: &HttpCase) -> String {
    case.source.rsplit('/').nth(1).unwrap_or("?").to_string()
}

/// The headline figures of one run.
struct Figures {
    li_sqli: Tally,
    li_xss: Tally,
    li_benign: Tally,
    crs_scope: Tally,
    crs_benign: Tally,
    digitalocean: Tally,
}

fn measure() -> Option<Figures> {
    let Some(dir) = corpus_dir() else {
        println!("attack_corpus: no corpus found (set VIGIL_CORPUS); skipping");
        return None;
    };
    let d = AttackDetector::new().expect("built-in patterns compile");
    let verbose = std::env::var_os("VIGIL_CORPUS_MISSES").is_some();

    // libinjection: SQLi and XSS strings, rendered as GET /?q=<string>.
    let mut li: BTreeMap<String, Tally> = BTreeMap::new();
    for c in http_cases(&dir, "libinjection.jsonl") {
        let hit = flagged(&d, &c);
        if verbose && (hit != (c.label == Label::Attack)) {
            println!("MISS libinjection {:?} {:?}", c.label, c.text.as_deref().unwrap_or(&c.request.path));
        }
        li.entry(c.category.clone()).or_default().add(c.label, hit);
    }
    println!("\nlibinjection");
    for (k, t) in &li {
        println!("  {}", t.row(k));
    }

    // CRS regression tests, per rule file and per paranoia level.
    let mut by_file: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_pl: BTreeMap<String, Tally> = BTreeMap::new();
    let mut scope = Tally::default();
    let mut crs_benign = Tally::default();
    for c in http_cases(&dir, "crs.jsonl") {
        let hit = flagged(&d, &c);
        let file = rule_file(&c);
        let pl = c.meta_u64("rule_paranoia_level");
        let in_scope = IN_SCOPE.iter().any(|n| file.contains(&format!("-{n}-")));
        by_file.entry(file.clone()).or_default().add(c.label, hit);
        by_pl.entry(format!("PL{}", pl.map_or("?".to_string(), |p| p.to_string()))).or_default().add(c.label, hit);
        if c.label == Label::Attack && in_scope && matches!(pl, Some(1 | 2)) {
            scope.add(c.label, hit);
            if verbose && !hit {
                println!("MISS crs {} {} {} {:?} {:?}", c.id, file, c.request.path, c.request.headers, c.request.body);
            }
        }
        if c.label == Label::Benign {
            crs_benign.add(c.label, hit);
            if verbose && hit {
                println!("FP crs {} {} {:?} {:?} {:?}", c.id, c.request.path, c.request.body, c.request.headers, findings(&d, &c));
            }
        }
    }
    println!("\nCRS by rule file (all paranoia levels)");
    for (k, t) in &by_file {
        let tag = if IN_SCOPE.iter().any(|n| k.contains(&format!("-{n}-"))) { "" } else { " (out of scope)" };
        println!("  {}{tag}", t.row(k));
    }
    println!("\nCRS by paranoia level");
    for (k, t) in &by_pl {
        println!("  {}", t.row(k));
    }
    println!("\n  {}", scope.row("CRS in-scope attacks, PL1-2"));
    println!("  {}", crs_benign.row("CRS benign (all)"));

    // DigitalOcean: real API calls, all benign.
    let mut doc = Tally::default();
    for c in http_cases(&dir, "openapi_digitalocean.jsonl") {
        let hit = flagged(&d, &c);
        if verbose && hit {
            println!("FP digitalocean {} {} {:?}", c.id, c.request.path, findings(&d, &c));
        }
        doc.add(c.label, hit);
    }
    println!("\n  {}\n", doc.row("DigitalOcean API calls"));

    Some(Figures {
        li_sqli: li.get("sqli").copied().unwrap_or_default(),
        li_xss: li.get("xss").copied().unwrap_or_default(),
        li_benign: li.get("benign").copied().unwrap_or_default(),
        crs_scope: scope,
        crs_benign,
        digitalocean: doc,
    })
}

/// Regression floors: the figures this branch reached, so a change that makes detection worse
/// or noisier fails. Raise them as the detectors improve.
#[test]
fn attack_rates_do_not_regress() {
    let Some(f) = measure() else { return };
    assert!(f.li_sqli.detection() >= 0.9901, "libinjection SQLi detection {:.4}", f.li_sqli.detection());
    assert!(f.li_xss.detection() >= 0.9939, "libinjection XSS detection {:.4}", f.li_xss.detection());
    assert!(f.li_benign.fp() <= 0.007, "libinjection benign flagged {:.4}", f.li_benign.fp());
    assert!(f.crs_scope.detection() >= 0.8968, "CRS in-scope PL1-2 detection {:.4}", f.crs_scope.detection());
    // Above the 4.3% of the start: four hostile CRS "benign" cases are flagged on purpose, each
    // labelled benign for one rule only: a Referer carrying `;/bin/ca? /et*/passwd` (kept from
    // rule 932207; other RCE rules catch it), crs-920200-9's inverted byte ranges (`110-11`, range
    // abuse), and two SQL injection payloads (a value that ends the statement and sets a variable;
    // an escaped quote, a closed string and `or` with an operand left open). Most of the rest are
    // hostile too (a PHP web shell upload, a script tag in a Referer, a stacked INSERT, a
    // `select(sleep(10))` in a JSON field): 19 of 397. The 20th is crs-942522-5, `var='or'1`,
    // the classic quote-or-one bypass, labelled benign only because rule 942522 leaves it to
    // other rules.
    assert!(f.crs_benign.fp() <= 0.0504, "CRS benign flagged {:.4}", f.crs_benign.fp());
    assert!(f.digitalocean.fp() <= 0.003, "DigitalOcean flagged {:.4}", f.digitalocean.fp());
}

/// The targets of issue 3. Not met yet on detection (see the printed table); run with
/// `cargo test -p vigil-model --test attack_corpus -- --ignored --nocapture`.
#[test]
#[ignore = "issue 3 targets: detection not reached yet"]
fn attack_rates_meet_issue_targets() {
    let Some(f) = measure() else { return };
    assert!(f.li_sqli.detection() >= 0.99, "libinjection SQLi detection {:.4}", f.li_sqli.detection());
    assert!(f.li_xss.detection() >= 0.99, "libinjection XSS detection {:.4}", f.li_xss.detection());
    assert!(f.li_benign.fp() <= 0.01, "libinjection benign flagged {:.4}", f.li_benign.fp());
    assert!(f.crs_scope.detection() >= 0.97, "CRS in-scope PL1-2 detection {:.4}", f.crs_scope.detection());
    assert!(f.crs_benign.fp() <= 0.02, "CRS benign flagged {:.4}", f.crs_benign.fp());
    assert!(f.digitalocean.fp() <= 0.005, "DigitalOcean flagged {:.4}", f.digitalocean.fp());
}
