//! Sensitive-data scanning cost on clean API JSON (no sensitive values: the common case), 4 KB
//! and 256 KB, split into field extraction (`fields::body_fields`, which the engine pays once
//! for all detectors) and the scanner's own cost on the extracted fields.
//!
//! `cargo bench -p vigil-model --bench sensitive`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use vigil_model::fields::{body_fields, Part};
use vigil_model::sensitive::SensitiveScanner;

/// A list of droplet-like records: ids, slugs, timestamps, UUIDs, sizes, prices, URLs, tags.
fn api_json(target: usize) -> Vec<u8> {
    let mut items = Vec::new();
    let mut i = 0u64;
    let mut len = 0;
    while len < target {
        let item = format!(
            r#"{{"id":{id},"uuid":"{u:08x}-4e29-41d4-a716-{v:012x}","name":"web-{i}","status":"active","region":{{"slug":"nyc3","name":"New York 3","available":true}},"size_slug":"s-2vcpu-4gb","memory":4096,"vcpus":2,"disk":80,"price_monthly":24.0,"created_at":"2024-03-{d:02}T14:30:{s:02}Z","image":{{"distribution":"Ubuntu","version":"22.04 (LTS) x64","min_disk_size":15}},"tags":["env:prod","team-{t}"],"href":"https://api.example.com/v2/droplets/{id}?page=2&per_page=20","description":"Upgraded to plan v{i}.2.1 on request #{o}"}}"#,
            id = 3164444 + i * 7919,
            u = 0x550e8400 + i,
            v = 0x446655440000 + i * 31,
            d = 1 + i % 28,
            s = i % 60,
            t = i % 13,
            o = 100000 + i,
        );
        len += item.len() + 1;
        items.push(item);
        i += 1;
    }
    format!(r#"{{"droplets":[{}],"links":{{}},"meta":{{"total":{}}}}}"#, items.join(","), items.len()).into_bytes()
}

fn bench(c: &mut Criterion) {
    let scanner = SensitiveScanner::new().expect("scanner");
    for (label, size) in [("4KB", 4 * 1024), ("256KB", 256 * 1024)] {
        let body = api_json(size);
        let mut g = c.benchmark_group(format!("sensitive/{label}"));
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function("fields", |b| {
            b.iter(|| {
                let mut fields = Vec::new();
                body_fields(Part::ResponseBody, Some("application/json"), black_box(&body), &mut fields);
                fields.len()
            })
        });
        let mut fields = Vec::new();
        body_fields(Part::ResponseBody, Some("application/json"), &body, &mut fields);
        g.bench_function("scan", |b| {
            b.iter(|| {
                let mut out = Vec::new();
                scanner.scan(black_box(&fields), &mut out);
                out.len()
            })
        });
        let mut check = Vec::new();
        scanner.scan(&fields, &mut check);
        assert!(check.is_empty(), "benchmark body should be clean: {check:?}");
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
