//! Per-client behaviour state cost (issue 6).
//!
//! - A simulation of 1,000,000 distinct clients (two requests each, 100 new clients per simulated
//!   second) through the engine's state path as the filter runs it: `choose_state` (reading the
//!   candidate slots), `behaviour_request`, then `behaviour_commit` and a store. The store is a
//!   `HashMap<String, Vec<u8>>`, as Envoy's shared data is a hash map of keys to byte vectors. It
//!   prints the time per request spent in those calls, the slots used, evictions and busy slots,
//!   and the resident memory per slot (RSS delta / slots). Run with capacity 1,000,000 (idle
//!   timeout 30 min: about 180,000 clients hold a slot at any time) and 250,000 (idle timeout
//!   10 min: idle clients are evicted, memory stays bounded).
//! - Criterion, `state/update`: one request's state work on a warm client (decode, score, update,
//!   decode, score, respond, encode) against a learned behaviour model (order-1 transitions, 2,000
//!   longer contexts, per-endpoint object limits), without host calls.
//! - Criterion, `state/login_address`: a failed login's per-address work (decode, count, score,
//!   encode).
//!
//! - Criterion, `exchange/{state,no_state}`: a whole GET exchange through the engine (the GET and
//!   the ~4 KB JSON response of `scripts/bench-envoy.sh`) with the state path (a `HashMap` for
//!   shared data) and with `behaviour.capacity` 0: the difference is what the state adds natively.
//!
//! Run: `cargo bench -p vigil-model --bench behaviour` (the simulation prints first; set
//! `SKIP_SIMULATION=1` to skip it).

use criterion::{black_box, Criterion};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use vigil_model::behaviour::address::AddressState;
use vigil_model::behaviour::rules::{check, SequenceRule};
use vigil_model::behaviour::state::{endpoint_key, ClientState, Step};
use vigil_model::behaviour::{Behaviour, Call, Outcome};
use vigil_model::config::Config;
use vigil_model::engine::{Engine, Slot};
use vigil_model::facts::{RequestHead, ResponseHead};
use vigil_model::model::{BehaviourModel, ContextCounts, Model};
use vigil_model::sketch::Sketch;

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

fn simulate(clients: u64, capacity: u32, idle_timeout_s: u32) {
    let config = format!(r#"{{"behaviour":{{"capacity":{capacity},"idle_timeout_s":{idle_timeout_s}}}}}"#);
    let engine = Engine::new(Config::from_json(config.as_bytes()).expect("config")).expect("engine");
    let mut store: HashMap<String, Vec<u8>> = HashMap::new();
    let before = rss_bytes();
    let (mut in_state, mut requests, mut busy, mut evicted) = (Duration::ZERO, 0u64, 0u64, 0u64);
    let started = Instant::now();
    for c in 0..clients {
        let key = format!("key-{c}");
        for r in 0..2u32 {
            let now = 1_800_000_000 + (c / 100) as u32 + r;
            let head = RequestHead {
                method: "GET".into(),
                path: format!("/api/v1/accounts/{}", 100_000 + c * 3 + u64::from(r)),
                headers: vec![("x-api-key".into(), key.clone())],
                ..Default::default()
            };
            let mut ex = engine.start(head);
            engine.response_head(&mut ex, ResponseHead { status: 200, headers: vec![] });
            engine.end_response(&mut ex);
            let t = Instant::now();
            match engine.choose_state(&ex, now, |k| store.get(k).cloned()) {
                Ok(Some(chosen)) => {
                    evicted += u64::from(chosen.slot == Slot::Evicted);
                    engine.behaviour_request(&mut ex, chosen.stored.as_deref(), now);
                    let commit = engine.behaviour_commit(&ex, store.get(&chosen.key).map(Vec::as_slice), now);
                    if let Some(bytes) = commit.state {
                        store.insert(chosen.key, bytes);
                    }
                }
                Ok(None) => {}
                Err(_) => busy += 1,
            }
            in_state += t.elapsed();
            requests += 1;
        }
    }
    let grown = rss_bytes().saturating_sub(before);
    // After an earlier run the allocator reuses its freed memory: RSS says nothing then.
    let rss = if grown > 0 { format!("RSS +{:.0} MB = {:.0} bytes per slot", grown as f64 / 1e6, grown as f64 / store.len().max(1) as f64) } else { "RSS: memory reused from the previous run".into() };
    println!(
        "{clients} clients, capacity {capacity}, idle timeout {idle_timeout_s}s: {requests} requests in {:.1}s; state path {:.2} us/request; slots used {} ({} bytes of state each); evictions {evicted}; untracked requests (both slots busy) {busy}; {rss}",
        started.elapsed().as_secs_f64(),
        in_state.as_secs_f64() * 1e6 / requests as f64,
        store.len(),
        store.values().next().map_or(0, Vec::len),
    );
}

fn learned() -> Behaviour {
    let sketch = |n: u64| {
        let mut s = Sketch::default();
        for i in 0..500 {
            s.add(1 + i % n);
        }
        s
    };
    let mut bm = BehaviourModel {
        sessions: 500,
        objects: sketch(3),
        auth_failures: sketch(2),
        address_auth_failures: sketch(2),
        sensitive_per_minute: sketch(20),
        sensitive_total: 5000,
        ..Default::default()
    };
    let names: Vec<String> = (0..20).map(|i| format!("GET /api/v1/r{i}/{{id}}")).collect();
    for (i, a) in names.iter().enumerate() {
        bm.rates.insert(a.clone(), sketch(4));
        bm.endpoint_objects.insert(a.clone(), sketch(3));
        bm.transitions.insert(a.clone(), names.iter().skip(i % 5).take(5).map(|b| (b.clone(), 40u64)).collect());
    }
    // The warm client's own contexts (so the back-off walks them) among 2,000 others.
    let next = |n: &str| [(n.to_string(), 60u64), (names[0].clone(), 30)].into();
    bm.contexts.push(ContextCounts { after: vec![names[0].clone(), names[1].clone()], next: next(&names[2]) });
    bm.contexts.push(ContextCounts { after: vec!["^".into(), names[0].clone(), names[1].clone()], next: next(&names[2]) });
    for i in 0..2000 {
        let after = (0..2 + i % 6).map(|j| names[(i * 7 + j * 3) % 20].clone()).collect();
        bm.contexts.push(ContextCounts { after, next: next(&names[i % 20]) });
    }
    let rules = check(&serde_json::from_str::<Vec<SequenceRule>>(r#"[{"before":"GET /api/v1/r1/{id}","then":"GET /api/v1/r2/{id}"},{"endpoint":"GET /api/v1/r3/{id}","max_in_a_row":5}]"#).expect("rules")).expect("rules");
    let model = Model { behaviour: Some(bm), ..Default::default() };
    Behaviour::new(Some(&model), &rules, |m, t| format!("{m} {t}"))
}

fn bench(c: &mut Criterion) {
    let b = learned();
    let name = "GET /api/v1/r2/{id}";
    // A warm client (a few calls in its history, ids returned) making a normal call: no findings.
    let now = 1_800_000_000;
    let mut warm = ClientState::new(7, now);
    for (i, e) in ["GET /api/v1/r0/{id}", "GET /api/v1/r1/{id}"].iter().enumerate() {
        warm.begin(&Step { now: now + i as u32, endpoint: endpoint_key(e), object: Some(31) });
        warm.finish(now + i as u32, false, 3, &[31, 32, 33]);
    }
    let stored = warm.encode();
    let call = Call { step: Step { now: now + 5, endpoint: endpoint_key(name), object: Some(32) }, name, login: false };
    c.bench_function("state/update", |bench| {
        bench.iter(|| {
            let mut findings = Vec::new();
            let mut s = ClientState::decode(black_box(&stored)).unwrap_or_else(|| ClientState::new(7, now));
            b.request(&mut s, &call, &mut findings);
            let mut s = ClientState::decode(&stored).unwrap_or_else(|| ClientState::new(7, now));
            b.request(&mut s, &call, &mut Vec::new());
            b.response(&mut s, &call, &Outcome { status: 200, sensitive: 2, returned: &[33] }, &mut findings);
            black_box((s.encode(), findings))
        })
    });
    let login = Call { step: Step { now: now + 5, endpoint: endpoint_key("POST /login"), object: None }, name: "POST /login", login: true };
    let mut address = AddressState::new(9, now);
    address.attempt(now, true);
    let stored = address.encode();
    c.bench_function("state/login_address", |bench| {
        bench.iter(|| {
            let mut findings = Vec::new();
            let mut a = AddressState::decode(black_box(&stored)).unwrap_or_else(|| AddressState::new(9, now));
            b.login_attempt(&mut a, &login, 401, &mut findings);
            black_box((a.encode(), findings))
        })
    });
}

fn exchange(c: &mut Criterion) {
    let response = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/bench/response.json")).expect("scripts/bench/response.json");
    let head = RequestHead {
        method: "GET".into(),
        path: "/api/v1/accounts/1001/transactions?from=2026-11-01&to=2026-11-21&limit=50&cursor=c2VxPTEyMzQ1".into(),
        headers: vec![
            ("authorization".into(), "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1c2VyLTEwMDEiLCJzY29wZSI6ImFjY291bnRzIiwiaWF0IjoxNzYzNzAwMDAwfQ.".into()),
            ("accept".into(), "application/json".into()),
        ],
        ..Default::default()
    };
    for (name, config) in [("exchange/state", "{}"), ("exchange/no_state", r#"{"behaviour":{"capacity":0}}"#)] {
        let engine = Engine::new(Config::from_json(config.as_bytes()).expect("config")).expect("engine");
        let mut store: HashMap<String, Vec<u8>> = HashMap::new();
        let now = 1_800_000_000;
        c.bench_function(name, |bench| {
            bench.iter(|| {
                let mut ex = engine.start(head.clone());
                let chosen = engine.choose_state(&ex, now, |k| store.get(k).cloned());
                let key = chosen.ok().flatten().map(|c| {
                    engine.behaviour_request(&mut ex, c.stored.as_deref(), now);
                    c.key
                });
                engine.end_request(&mut ex);
                engine.response_head(&mut ex, ResponseHead { status: 200, headers: vec![("content-type".into(), "application/json".into())] });
                engine.response_body(&mut ex, &response);
                let v = engine.end_response(&mut ex);
                if let Some(key) = key {
                    let commit = engine.behaviour_commit(&ex, store.get(&key).map(Vec::as_slice), now);
                    if let Some(bytes) = commit.state {
                        store.insert(key, bytes);
                    }
                    engine.add_findings(&mut ex, commit.findings);
                }
                black_box(engine.event(&mut ex, v, 0))
            })
        });
    }
}

fn main() {
    if std::env::var_os("SKIP_SIMULATION").is_none() {
        simulate(1_000_000, 1_000_000, 1800);
        simulate(1_000_000, 250_000, 600);
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    exchange(&mut c);
    c.final_summary();
}
