//! What one engine holds in memory (every Envoy worker's VM builds one per configuration), and
//! how many allocations one exchange makes: a counting allocator around the system one.
//!
//! ```text
//! cargo run --release -p vigil-model --example footprint [PLUGIN-CONFIG.json]
//! ```
//!
//! Prints the live heap after building the engine's parts one by one and the whole engine, and the
//! allocations and bytes per exchange of the Envoy benchmark's GET (as `examples/exchange` drives it).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use vigil_model::config::Config;
use vigil_model::detect::AttackDetector;
use vigil_model::engine::Engine;
use vigil_model::facts::{RequestHead, ResponseHead};
use vigil_model::posture::Posture;
use vigil_model::sensitive::SensitiveScanner;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Relaxed);
        ALLOCATIONS.fetch_add(1, Relaxed);
        ALLOCATED.fetch_add(layout.size(), Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Relaxed);
        LIVE.fetch_sub(layout.size(), Relaxed);
        ALLOCATIONS.fetch_add(1, Relaxed);
        ALLOCATED.fetch_add(new_size, Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Live heap bytes that `build` leaves behind, with what it built.
fn held<T>(build: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Relaxed);
    let built = build();
    (built, LIVE.load(Relaxed).saturating_sub(before))
}

fn kb(bytes: usize) -> String {
    format!("{:.0} KB", bytes as f64 / 1024.0)
}

fn main() -> Result<(), String> {
    let config = match std::env::args().nth(1) {
        Some(p) => std::fs::read(&p).map_err(|e| format!("{p}: {e}"))?,
        None => b"{}".to_vec(),
    };
    let (attacks, a) = held(AttackDetector::new);
    let (sensitive, s) = held(SensitiveScanner::new);
    let (posture, p) = held(Posture::new);
    drop((attacks?, sensitive?, posture?));
    println!("attack detector {}, sensitive-data scanner {}, posture checks {}", kb(a), kb(s), kb(p));
    let (engine, e) = held(|| Engine::new(Config::from_json(&config).map_err(|e| e.to_string())?).map_err(|e| e.to_string()));
    let engine = engine?;
    println!("whole engine (this configuration): {}", kb(e));

    let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEwMDEiLCJpYXQiOjE3NjM3MDAwMDB9.c2lnbmF0dXJl";
    let n = 1000;
    let (count0, bytes0) = (ALLOCATIONS.load(Relaxed), ALLOCATED.load(Relaxed));
    for i in 0..n {
        let head = RequestHead {
            method: "GET".into(),
            path: format!("/api/v1/accounts/{}/transactions?from=2026-11-01&limit=50&cursor=c2VxPT{i:06}", 1001 + i % 997),
            authority: "api.example.com".into(),
            scheme: "https".into(),
            headers: vec![
                ("user-agent".into(), "Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0".into()),
                ("accept".into(), "application/json".into()),
                ("authorization".into(), format!("Bearer {jwt}")),
                ("x-request-id".into(), format!("5b0e7c1a-2f44-4d0e-9c3b-{i:012x}")),
            ],
            source: Some("10.0.0.7".into()),
            ..Default::default()
        };
        let mut ex = engine.start(head);
        engine.end_request(&mut ex);
        engine.response_head(&mut ex, ResponseHead { status: 200, headers: vec![("content-type".into(), "application/json".into())] });
        engine.response_body(&mut ex, br#"{"id":1001,"balance":"12.50","currency":"EUR"}"#);
        let verdict = engine.end_response(&mut ex);
        std::hint::black_box(engine.event(&mut ex, verdict, 0).to_json().map_err(|e| e.to_string())?);
    }
    let (count, bytes) = (ALLOCATIONS.load(Relaxed) - count0, ALLOCATED.load(Relaxed) - bytes0);
    println!("per GET exchange (request head built outside the engine included): {} allocations, {} allocated", count / n, kb(bytes / n));
    println!("engine live heap after {n} exchanges: {}", kb(LIVE.load(Relaxed)));
    Ok(())
}
