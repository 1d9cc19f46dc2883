//! Whole-exchange cost of the engine, natively: what the filter pays per request before the wasm
//! overhead. Cases match the Envoy load benchmark (scripts/bench-envoy.sh): a GET with a query,
//! a POST with a 4 KB JSON body, and a 4 KB JSON response.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use vigil_model::config::Config;
use vigil_model::engine::Engine;
use vigil_model::facts::{RequestHead, ResponseHead};

fn head(method: &str, path: &str, body: bool) -> RequestHead {
    let mut headers = vec![
        ("user-agent".to_string(), "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36".to_string()),
        ("accept".to_string(), "application/json".to_string()),
        ("authorization".to_string(), "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIiwiZXhwIjoxOTAwMDAwMDAwfQ.c2lnbmF0dXJl".to_string()),
        ("x-request-id".to_string(), "6f1c2a8e-93a4-4c1e-b0a5-4d7c1e2f3a4b".to_string()),
        ("cookie".to_string(), "theme=dark; lang=en".to_string()),
    ];
    if body {
        headers.push(("content-type".to_string(), "application/json".to_string()));
    }
    RequestHead { method: method.into(), path: path.into(), authority: "api.example.com".into(), scheme: "https".into(), headers, source: Some("10.1.2.3".into()), ..Default::default() }
}

/// A realistic ~4 KB JSON document: a page of orders with names, addresses, amounts and notes.
fn json_4k() -> Vec<u8> {
    let mut items = Vec::new();
    let mut i = 0;
    loop {
        items.push(format!(
            r#"{{"id":"ord-{i:05}","customer":"Customer {i}","status":"shipped","amount":{}.{:02},"currency":"EUR","items":[{{"sku":"SKU-{i}-A","qty":2}},{{"sku":"SKU-{i}-B","qty":1}}],"note":"Leave the parcel at the front desk, ring twice.","created":"2026-11-0{}T10:00:00Z"}}"#,
            100 + i * 7,
            i % 100,
            1 + i % 9
        ));
        let doc = format!(r#"{{"page":1,"orders":[{}]}}"#, items.join(","));
        if doc.len() >= 4000 {
            return doc.into_bytes();
        }
        i += 1;
    }
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new(Config::default()).expect("default config");
    let body = json_4k();
    let mut g = c.benchmark_group("exchange");

    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("get_query", "defaults"), |b| {
        b.iter(|| {
            let mut ex = engine.start(head("GET", "/api/v1/accounts/42/transactions?from=2026-01-01&to=2026-02-01&limit=50&sort=desc", false));
            engine.end_request(&mut ex);
            engine.response_head(&mut ex, ResponseHead { status: 200, headers: vec![("content-type".into(), "application/json".into())] });
            engine.response_body(&mut ex, br#"{"items":[],"next":null}"#);
            let v = engine.end_response(&mut ex);
            engine.event(&mut ex, v, 0)
        })
    });

    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function(BenchmarkId::new("post_json_4k", "defaults"), |b| {
        b.iter(|| {
            let mut ex = engine.start(head("POST", "/api/v1/orders", true));
            engine.request_body(&mut ex, &body);
            engine.end_request(&mut ex);
            engine.response_head(&mut ex, ResponseHead { status: 201, headers: vec![("content-type".into(), "application/json".into())] });
            engine.response_body(&mut ex, br#"{"id":"ord-1","status":"created"}"#);
            let v = engine.end_response(&mut ex);
            engine.event(&mut ex, v, 0)
        })
    });
    g.bench_function(BenchmarkId::new("get_json_response_4k", "defaults"), |b| {
        b.iter(|| {
            let mut ex = engine.start(head("GET", "/api/v1/orders?page=1", false));
            engine.end_request(&mut ex);
            engine.response_head(&mut ex, ResponseHead { status: 200, headers: vec![("content-type".into(), "application/json".into())] });
            engine.response_body(&mut ex, &body);
            let v = engine.end_response(&mut ex);
            engine.event(&mut ex, v, 0)
        })
    });
    g.finish();

    // The shared walk every detector reads: what parsing a 4 KB JSON body into fields costs alone.
    let mut g = c.benchmark_group("fields");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("json_4k", |b| {
        b.iter(|| {
            let mut names = String::new();
            let mut out = Vec::new();
            vigil_model::fields::body_fields(vigil_model::fields::Part::Body, Some("application/json"), &body, &mut names, &mut out);
            out.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
