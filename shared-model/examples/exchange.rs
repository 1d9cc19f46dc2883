//! One benchmark call, N times, through the engine as the filter drives it (event serialised
//! too): the driver behind the instruction counts in BENCHMARKS.md. Instructions are steady where
//! wall time on a shared machine is not:
//!
//! ```text
//! cargo build --release -p vigil-model --example exchange
//! valgrind --tool=callgrind target/release/examples/exchange get 200   # minus the same with 0
//! # or count the calls alone (the request head's construction excluded):
//! valgrind --tool=callgrind --toggle-collect=exchange::exchange target/release/examples/exchange get 200
//! ```
//!
//! Calls (the Envoy load benchmark's, scripts/bench-envoy.sh): `get` (a GET with a query, small
//! JSON answer), `post` (a POST of scripts/bench/request.json, small answer), `get4k` (a GET
//! answered with scripts/bench/response.json). An optional third argument is a plugin
//! configuration file (default `{}`).

use std::path::Path;
use vigil_model::config::Config;
use vigil_model::engine::Engine;
use vigil_model::facts::{RequestHead, ResponseHead};
use vigil_model::reported::Reported;

/// The clock of every call, in seconds (all within one posture reporting interval).
const NOW: u32 = 1_763_700_000;

/// The benchmark's bearer token: HS256, `sub`, `iat`, `exp`.
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEwMDEiLCJzY29wZSI6ImFjY291bnRzIiwiaWF0IjoxNzYzNzAwMDAwLCJleHAiOjE3NjM3MDM2MDB9.dGVzdC1zaWduYXR1cmUtYnl0ZXMtMzItbG9uZy4uLi4";

/// The head of call number `i`: the client's headers repeat, its request id is new each time.
fn head(method: &str, path: &str, body: bool, i: usize) -> RequestHead {
    let mut headers: Vec<(String, String)> = [
        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"),
        ("accept", "application/json"),
        ("cookie", "session=9f8e7d6c5b4a39281706f5e4d3c2b1a0; theme=dark"),
        ("x-forwarded-proto", "http"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    headers.push(("x-request-id".into(), format!("5b0e7c1a-2f44-4d0e-9c3b-{i:012x}")));
    headers.push(("authorization".into(), format!("Bearer {JWT}")));
    if body {
        headers.push(("content-type".into(), "application/json".into()));
    }
    RequestHead { method: method.into(), path: path.into(), authority: "127.0.0.1:10000".into(), scheme: "http".into(), headers, source: Some("127.0.0.1".into()), ..Default::default() }
}

/// One exchange as the filter drives it, ending with the serialised event. Kept out of line so
/// callgrind can count it alone: `--toggle-collect=exchange::exchange`.
#[inline(never)]
fn exchange(engine: &Engine, reported: &mut Reported, h: RequestHead, req_body: &[u8], resp_body: &[u8]) -> Result<Vec<u8>, String> {
    let mut ex = engine.start(h);
    if !req_body.is_empty() {
        engine.request_body(&mut ex, req_body);
    }
    engine.end_request(&mut ex);
    engine.response_head(&mut ex, ResponseHead { status: 200, headers: vec![("content-type".into(), "application/json".into())] });
    engine.response_body(&mut ex, resp_body);
    engine.end_response(&mut ex);
    engine.drop_repeated_posture(&mut ex, reported, NOW);
    let verdict = engine.end_response(&mut ex);
    let event = engine.event(&mut ex, verdict, 0);
    event.to_json().map_err(|e| e.to_string())
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let call = args.next().unwrap_or_else(|| "get".into());
    let n: usize = args.next().map_or(Ok(1000), |s| s.parse()).map_err(|e| format!("count: {e}"))?;
    let config = match args.next() {
        Some(p) => std::fs::read(&p).map_err(|e| format!("{p}: {e}"))?,
        None => b"{}".to_vec(),
    };
    let engine = Engine::new(Config::from_json(&config).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench");
    let read = |f: &str| std::fs::read(bench.join(f)).map_err(|e| format!("{f}: {e}"));
    let (request, response) = (read("request.json")?, read("response.json")?);
    let small: &[u8] = br#"{"id":"tr-20261121-0001","status":"accepted","ok":true}"#;
    // Each call names another account, page or cursor, as real traffic does: only the client's
    // own headers repeat (what the engine's memo of clean fields skips).
    let get = |i: usize| format!("/api/v1/accounts/{}/transactions?from=2026-11-01&to=2026-11-21&limit=50&cursor=c2VxPT{:06}", 1001 + i % 997, i);
    // The worker's posture memory, as the filter keeps it: the benchmark's client repeats.
    let mut reported = Reported::default();
    let started = std::time::Instant::now();
    for i in 0..n {
        let (h, req_body, resp_body): (RequestHead, &[u8], &[u8]) = match call.as_str() {
            "get" => (head("GET", &get(i), false, i), b"", small),
            "post" => (head("POST", "/api/v1/transfers/batch", true, i), &request, small),
            "get4k" => (head("GET", &format!("/api/v1/orders?page={}&status=shipped", 1 + i % 50), false, i), b"", &response),
            other => return Err(format!("unknown call {other:?}: get, post or get4k")),
        };
        std::hint::black_box(exchange(&engine, &mut reported, h, req_body, resp_body)?);
    }
    if n > 0 {
        eprintln!("{call}: {:.2} us per exchange (wall time)", started.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
    Ok(())
}
