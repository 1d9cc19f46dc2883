//! Attack detection cost: head + fields + every family, on clean and hostile requests.
//!
//! `cargo bench -p vigil-model --bench attacks`. Inputs: a query-only GET, a 4 KB JSON body and a
//! 64 KB JSON body, each clean and hostile (payloads spread over fields). Throughput is in bytes of
//! path + body.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use vigil_model::detect::AttackDetector;
use vigil_model::facts::RequestHead;
use vigil_model::fields::{body_fields, request_head_fields, Part};

fn head(path: &str, method: &str) -> RequestHead {
    RequestHead {
        method: method.into(),
        path: path.into(),
        authority: "api.example.com".into(),
        scheme: "https".into(),
        headers: vec![
            ("user-agent".into(), "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0".into()),
            ("accept".into(), "application/json".into()),
            ("content-type".into(), "application/json".into()),
            ("x-forwarded-for".into(), "203.0.113.7".into()),
            ("cookie".into(), "session=abc123; theme=dark".into()),
        ],
        ..Default::default()
    }
}

/// A JSON body of about `size` bytes: an array of order-like records.
fn json_body(size: usize, hostile: bool) -> String {
    let payloads = ["' OR 1=1--", "<img src=x onerror=alert(1)>", "../../../etc/passwd", "${jndi:ldap://x/a}", "http://169.254.169.254/"];
    let mut items = Vec::new();
    let mut len = 2;
    let mut i = 0;
    while len < size {
        let note = if hostile && i % 7 == 0 { payloads[i % payloads.len()].to_string() } else { format!("Leave at the door, call O'Brien at 555-01{:02}", i % 100) };
        let item = format!(
            r#"{{"id":{i},"sku":"SKU-{i:05}","name":"Widget {i}","price":19.99,"qty":2,"tags":["home","garden"],"created":"2024-05-01T10:00:00Z","email":"user{i}@example.com","note":{}}}"#,
            serde_json::to_string(&note).unwrap_or_default()
        );
        len += item.len() + 1;
        items.push(item);
        i += 1;
    }
    format!("[{}]", items.join(","))
}

fn run(d: &AttackDetector, h: &RequestHead, body: &[u8]) -> usize {
    let mut names = String::new();
    let mut fields = Vec::new();
    request_head_fields(h, &mut fields);
    body_fields(Part::Body, h.header("content-type"), body, &mut names, &mut fields);
    let mut out = Vec::new();
    d.scan_head(h, &mut out);
    d.scan_fields(&fields, &mut out);
    out.len()
}

fn bench(c: &mut Criterion) {
    let d = AttackDetector::new().expect("patterns compile");
    let mut g = c.benchmark_group("attacks");
    let get_clean = head("/v1/orders?status=shipped&page=2&sort=created_at&q=blue+widget&since=2024-05-01", "GET");
    let get_hostile = head("/v1/orders?status=shipped&page=2&sort=created_at&q=1%27%20union%20select%20password%20from%20users--&next=http://127.0.0.1/", "GET");
    for (name, h) in [("get_query/clean", &get_clean), ("get_query/hostile", &get_hostile)] {
        g.throughput(Throughput::Bytes(h.path.len() as u64));
        g.bench_function(name, |b| b.iter(|| black_box(run(&d, h, b""))));
    }
    // The attack scan alone, over fields extracted once (the walk is shared with the other
    // detectors), and the walk alone, so the two costs are seen apart.
    {
        let mut fields = Vec::new();
        request_head_fields(&get_clean, &mut fields);
        g.throughput(Throughput::Bytes(get_clean.path.len() as u64));
        g.bench_function("get_query/clean/scan_only", |b| {
            b.iter(|| {
                let mut out = Vec::new();
                d.scan_head(&get_clean, &mut out);
                d.scan_fields(black_box(&fields), &mut out);
                out.len()
            })
        });
    }
    // The request-level checks alone (method, target, headers, session ids, scanners): once per
    // request, whatever the body.
    g.throughput(Throughput::Bytes(get_clean.path.len() as u64));
    g.bench_function("get_query/clean/head_only", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            d.scan_head(black_box(&get_clean), &mut out);
            out.len()
        })
    });
    let post = head("/v1/orders", "POST");
    for size in [4 * 1024, 64 * 1024] {
        let body = json_body(size, false);
        let mut names = String::new();
        let mut fields = Vec::new();
        body_fields(Part::Body, Some("application/json"), body.as_bytes(), &mut names, &mut fields);
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(format!("json_{}k/clean/scan_only", size / 1024), |b| {
            b.iter(|| {
                let mut out = Vec::new();
                d.scan_fields(black_box(&fields), &mut out);
                out.len()
            })
        });
        g.bench_function(format!("json_{}k/clean/walk_only", size / 1024), |b| {
            b.iter(|| {
                let mut names = String::new();
                let mut f = Vec::new();
                body_fields(Part::Body, Some("application/json"), black_box(body.as_bytes()), &mut names, &mut f);
                f.len()
            })
        });
    }
    for size in [4 * 1024, 64 * 1024] {
        for hostile in [false, true] {
            let body = json_body(size, hostile);
            let label = if hostile { "hostile" } else { "clean" };
            g.throughput(Throughput::Bytes(body.len() as u64));
            g.bench_with_input(BenchmarkId::new(format!("json_{}k", size / 1024), label), &body, |b, body| {
                b.iter(|| black_box(run(&d, &post, body.as_bytes())))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
