//! Baseline quality on generated traffic (issue 5): learn from the access-log lines the engine
//! writes for benign traffic, then score fresh benign traffic and injected anomalies of every kind.
//! Prints the figures; asserts each anomaly kind is detected in >= 90% of cases and that benign
//! traffic is flagged in <= 0.2%.
//!
//! Learning speed (release, ~500k lines), one thread:
//! `cargo test --release -p vigil-model --test baseline_quality -- --ignored --nocapture`;
//! with `VIGIL_LEARN_LOG=/tmp/train.jsonl` it also writes the lines, for timing the CLI on all
//! cores: `vigil learn /tmp/train.jsonl -o /tmp/model.json` prints lines per second.

#[path = "support/traffic.rs"]
mod traffic;

use std::collections::BTreeMap;
use std::time::Instant;
use traffic::{anomalous, benign, run, Anomaly, Rng};
use vigil_model::config::Config;
use vigil_model::engine::Engine;
use vigil_model::learn::Learner;
use vigil_model::model::Model;
use vigil_model::verdict::Decision;

const TRAIN: u64 = 30_000;
const FRESH: u64 = 20_000;
const PER_ANOMALY: u64 = 300;

fn training_lines(seed: u64, n: u64) -> Vec<String> {
    let plain = Engine::new(Config::default()).expect("default engine");
    let mut rng = Rng::new(seed);
    (0..n).map(|i| run(&plain, &benign(&mut rng), i).0).collect()
}

fn learn(lines: &[String]) -> Model {
    let mut l = Learner::new();
    for line in lines {
        l.add_line(line);
    }
    assert_eq!(l.stats.learned, lines.len() as u64, "{:?}", l.stats);
    l.finish()
}

/// The engine a proxy would build from a plugin configuration carrying the model.
fn engine_with(model: &Model) -> Engine {
    let json = format!(r#"{{"model":{}}}"#, serde_json::to_string(model).expect("model serialises"));
    Engine::new(Config::from_json(json.as_bytes()).expect("model config loads")).expect("engine")
}

#[test]
fn learned_baseline_detects_each_anomaly_kind_and_spares_benign_traffic() {
    let model = learn(&training_lines(1, TRAIN));
    let pretty = serde_json::to_string_pretty(&model).expect("model serialises");
    println!(
        "model: {} endpoints from {} events, {} bytes pretty JSON ({} per endpoint)",
        model.endpoints.len(),
        model.trained.events,
        pretty.len(),
        pretty.len() / model.endpoints.len().max(1)
    );
    for e in &model.endpoints {
        println!("  {:<7} {:<40} {:>6} req {:>3} params", e.method, e.template, e.count, e.params.len());
    }
    let templates: Vec<String> = model.endpoints.iter().map(|e| e.name()).collect();
    for want in ["GET /api/v1/articles/{article_id}", "GET /api/v1/users/me", "GET /api/v1/users/{user_id}/orders", "GET /api/v1/products/{product_id}"] {
        assert!(templates.iter().any(|t| t == want), "{want} not in {templates:?}");
    }
    assert_eq!(model.endpoints.len(), 11, "{templates:?}");

    let engine = engine_with(&model);
    let mut rng = Rng::new(2);
    let mut flagged = 0u64;
    let mut benign_kinds: BTreeMap<String, u64> = BTreeMap::new();
    for i in 0..FRESH {
        let (_, v, kinds) = run(&engine, &benign(&mut rng), i);
        if v.decision != Decision::Allow {
            flagged += 1;
        }
        for k in kinds {
            *benign_kinds.entry(k).or_insert(0) += 1;
        }
    }
    let benign_rate = flagged as f64 / FRESH as f64;
    println!("benign: {flagged} of {FRESH} flagged ({:.3}%); findings by kind: {benign_kinds:?}", benign_rate * 100.0);

    let mut failures = Vec::new();
    println!("{:<28} {:>9} {:>9}", "anomaly kind", "detected", "flagged");
    for a in Anomaly::ALL {
        let (mut detected, mut flag) = (0u64, 0u64);
        for i in 0..PER_ANOMALY {
            let (_, v, kinds) = run(&engine, &anomalous(&mut rng, a), i);
            detected += u64::from(kinds.iter().any(|k| k == a.kind()));
            flag += u64::from(v.decision != Decision::Allow);
        }
        let rate = detected as f64 / PER_ANOMALY as f64;
        println!("{:<28} {:>8.1}% {:>8.1}%", a.kind(), rate * 100.0, flag as f64 * 100.0 / PER_ANOMALY as f64);
        if rate < 0.9 {
            failures.push(format!("{}: {:.1}%", a.kind(), rate * 100.0));
        }
    }
    assert!(failures.is_empty(), "detected in < 90%: {failures:?}");
    assert!(benign_rate <= 0.002, "benign flag rate {:.3}%", benign_rate * 100.0);
}

#[test]
fn sharded_learning_merges_to_the_model_of_the_union() {
    let lines = training_lines(3, 8_000);
    let (a, b): (Vec<_>, Vec<_>) = lines.iter().cloned().enumerate().partition(|(i, _)| i % 3 == 0);
    let strip = |v: Vec<(usize, String)>| v.into_iter().map(|(_, l)| l).collect::<Vec<_>>();
    let mut merged = learn(&strip(a));
    merged.merge(&learn(&strip(b)));
    let union = learn(&lines);
    assert!(union.endpoints.iter().any(|e| !e.params.is_empty()) && !union.folded.is_empty());
    // Endpoints merge exactly. Behaviour is per client session, and these shards interleave each
    // client's requests, so sessions are counted in both shards: only the totals are compared.
    let (mut merged, mut union) = (merged, union);
    let (mb, ub) = (merged.behaviour.take().expect("behaviour"), union.behaviour.take().expect("behaviour"));
    assert_eq!(serde_json::to_string_pretty(&merged).ok(), serde_json::to_string_pretty(&union).ok());
    assert_eq!(mb.clients, 2 * ub.clients);
    assert_eq!(mb.rates.keys().collect::<Vec<_>>(), ub.rates.keys().collect::<Vec<_>>());
}

#[test]
#[ignore = "timing: run in release"]
fn learning_speed() {
    let lines = training_lines(4, 500_000);
    if let Some(path) = std::env::var_os("VIGIL_LEARN_LOG") {
        // The same lines as a log file, to time `vigil learn` (which parses on every core) on them.
        std::fs::write(&path, lines.join("\n") + "\n").expect("writing the log");
    }
    let bytes: usize = lines.iter().map(String::len).sum();
    let (t, cpu) = (Instant::now(), thread_cpu_secs());
    let mut l = Learner::new();
    for line in &lines {
        l.add_line(line);
    }
    let model = l.finish();
    let (secs, cpu) = (t.elapsed().as_secs_f64(), thread_cpu_secs().zip(cpu).map(|(b, a)| b - a));
    println!(
        "learned {} lines ({:.0} MB, {} endpoints) in {secs:.2}s wall: {:.0} lines/s; {}",
        lines.len(),
        bytes as f64 / 1e6,
        model.endpoints.len(),
        lines.len() as f64 / secs,
        cpu.map_or("CPU time unknown".into(), |c| format!("{c:.2}s CPU: {:.0} lines per CPU second", lines.len() as f64 / c))
    );
}

/// This thread's user + system time (Linux; the machine may be shared, so wall time overstates).
fn thread_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
