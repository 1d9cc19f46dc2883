//! `vigil learn`, `check` and `merge` end to end on generated access logs (plain and gzip), with
//! an OpenAPI description in YAML: merging the models of two shards gives the model of the union.

#[path = "../../shared-model/tests/support/traffic.rs"]
mod traffic;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use traffic::{benign, run, Rng};
use vigil_model::config::Config;
use vigil_model::engine::Engine;

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("vigil-cli-learn-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn vigil(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil")).args(args).output().expect("vigil runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "vigil {args:?} failed:\n{text}");
    text
}

fn write_log(path: &Path, lines: &[String], gzip: bool) {
    let mut text = lines.join("\n");
    text.push_str("\nnot json\n");
    let bytes = if gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text.as_bytes()).expect("gzip");
        enc.finish().expect("gzip")
    } else {
        text.into_bytes()
    };
    std::fs::write(path, bytes).expect("write log");
}

const OPENAPI: &str = r#"
openapi: 3.0.3
servers:
  - url: https://shop.example.com/api/v1
paths:
  /orders:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                gift_wrap: {type: boolean}
  /reports/{reportId}:
    get: {}
"#;

#[test]
fn learn_check_and_merge_shards() {
    let d = dir();
    let engine = Engine::new(Config::default()).expect("engine");
    let mut rng = Rng::new(11);
    let lines: Vec<String> = (0..12_000).map(|i| run(&engine, &benign(&mut rng), i).0).collect();
    let (a, b) = lines.split_at(5_000);
    write_log(&d.join("a.jsonl"), a, false);
    write_log(&d.join("b.jsonl.gz"), b, true);
    write_log(&d.join("all.jsonl"), &lines, false);
    std::fs::write(d.join("api.yaml"), OPENAPI).expect("spec");
    let p = |f: &str| d.join(f).display().to_string();

    let out = vigil(&["learn", &p("a.jsonl"), &p("b.jsonl.gz"), "--openapi", &p("api.yaml"), "-o", &p("m.json")]);
    println!("{out}");
    assert!(out.contains("malformed 2"), "{out}");
    assert!(out.contains("GET /api/v1/reports/{reportId}") || out.contains("/api/v1/reports/{reportId}"), "{out}");
    assert!(out.contains("folded high-cardinality segments into GET /api/v1/articles/{article_id}"), "{out}");
    let check = vigil(&["check", &p("m.json")]);
    assert!(check.contains("valid model (version 1)"), "{check}");

    vigil(&["learn", &p("a.jsonl"), "-o", &p("ma.json")]);
    vigil(&["learn", &p("b.jsonl.gz"), "-o", &p("mb.json")]);
    vigil(&["merge", &p("ma.json"), &p("mb.json"), "-o", &p("merged.json")]);
    vigil(&["learn", &p("all.jsonl"), "-o", &p("union.json")]);
    let read = |f: &str| std::fs::read_to_string(d.join(f)).expect("model file");
    // Endpoints merge exactly; behaviour adds up, except that a client session cut by the shard
    // boundary counts in both shards.
    let mut merged: serde_json::Value = serde_json::from_str(&read("merged.json")).expect("json");
    let mut union: serde_json::Value = serde_json::from_str(&read("union.json")).expect("json");
    let (mb, ub) = (merged["behaviour"].take(), union["behaviour"].take());
    assert_eq!(merged, union);
    let sessions = |b: &serde_json::Value| b["sessions"].as_u64().expect("sessions");
    assert!(sessions(&mb) >= sessions(&ub) && sessions(&mb) <= sessions(&ub) + mb["clients"].as_u64().unwrap_or(0), "{} vs {}", sessions(&mb), sessions(&ub));
    let _ = std::fs::remove_dir_all(&d);
}
