//! A sample of the labelled corpus through the real Envoy in block mode: every case the engine
//! blocks natively (`vigil_model::eval::run_http`) must be answered 403 by the filter before the
//! upstream, and every case it allows must pass. This proves the filter feeds the engine what the
//! native evaluation does (paths, headers, bodies), so `vigil eval`'s figures hold in Envoy.
//! Cases Envoy itself refuses as malformed HTTP (400 before any filter runs) are counted apart.

use std::path::PathBuf;
use vigil_integration_tests::*;
use vigil_model::config::Config;
use vigil_model::corpus::{load_jsonl, Case, HttpCase};
use vigil_model::engine::Engine;
use vigil_model::eval::run_http;
use vigil_model::verdict::Decision;

/// Every n-th case of each file: a fixed, spread sample.
const STRIDE: usize = 37;

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("VIGIL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/corpus"));
    dir.join("crs.jsonl").exists().then_some(dir)
}

fn request_bytes(c: &HttpCase, id: &str) -> Vec<u8> {
    let mut s = format!("{} {} HTTP/1.1\r\nhost: api.example.com\r\nx-request-id: {id}\r\n", c.request.method, c.request.path);
    for (k, v) in &c.request.headers {
        if !matches!(k.to_ascii_lowercase().as_str(), "host" | "content-length" | "transfer-encoding" | "connection" | "x-request-id") {
            s.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    s.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", c.body().len()));
    let mut bytes = s.into_bytes();
    bytes.extend_from_slice(c.body());
    bytes
}

#[test]
fn corpus_sample_is_judged_in_envoy_as_natively() {
    let Some(dir) = corpus_dir() else {
        eprintln!("corpus not found (set VIGIL_CORPUS): skipped");
        return;
    };
    let config = json!({"mode": "block"});
    let engine = Engine::new(Config::from_json(config.to_string().as_bytes()).expect("config")).expect("engine");
    let stack = Stack::with_filter(config).start();
    let (mut agree, mut refused_by_envoy, mut blocked) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for file in ["libinjection.jsonl", "crs.jsonl", "openapi_digitalocean.jsonl"] {
        let cases = load_jsonl(&dir.join(file)).expect("corpus file");
        for (i, case) in cases.iter().enumerate().filter(|(i, _)| i % STRIDE == 0) {
            let Case::Http(c) = case else { continue };
            let native = run_http(&engine, c).overall == Decision::Block;
            let id = request_id(&format!("corpus-{i}"));
            let got = match try_raw_http1(&stack.listen_addr(), &request_bytes(c, &id)) {
                Ok(r) if r.status == 400 && r.text().is_empty() => {
                    refused_by_envoy += 1;
                    continue;
                }
                Ok(r) => r.status == 403 && r.text().contains("\"blocked\""),
                Err(_) => {
                    refused_by_envoy += 1;
                    continue;
                }
            };
            blocked += usize::from(got);
            if got == native {
                agree += 1;
            } else {
                disagreements.push(format!("{} {} {}: native block {native}, envoy block {got}", c.id, c.request.method, c.request.path));
            }
        }
    }
    println!("corpus sample through Envoy: {agree} agree ({blocked} blocked), {refused_by_envoy} refused by Envoy as malformed");
    assert!(agree >= 100, "too few cases went through ({agree})");
    assert!(blocked >= 30, "the sample should hold attacks that block ({blocked})");
    assert!(disagreements.is_empty(), "the filter and the engine disagree:\n{}", disagreements.join("\n"));
}
