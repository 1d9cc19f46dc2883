//! Sensitive-data scanning cost on clean API JSON (no sensitive values: the common case), 4 KB
//! and 256 KB, split into field extraction (`fields::body_fields`, which the engine pays once
//! for all detectors) and the scanner's own cost on the extracted fields.
//!
//! Two clean bodies: `droplets` (DigitalOcean-like resource listing) and `orders` (a page of
//! e-commerce orders with customers, line items, prices, ISO dates, UUIDs, URLs and short prose).
//! Two more bound the cost when the scanner has work to do: `dense` (records full of personal
//! data and credentials, every value a finding) and `hostile` (values built to make a lexer
//! work: long digit and separator runs, many `@` and `:`, repeated token anchors).
//!
//! `cargo bench -p vigil-model --bench sensitive -- --warm-up-time 1 --measurement-time 3`
//!
//! Timings are noisy on a shared machine; for a stable signal count instructions instead: with
//! `SENSITIVE_CALLGRIND=<body>/<size>` (`orders/4KB`) the binary scans that body 100 times in
//! [`scan_once`] and exits, so
//! `valgrind --tool=callgrind --toggle-collect='*scan_once*' target/release/deps/sensitive-<hash>`
//! reports 100 scans' instructions.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use vigil_model::fields::{body_fields, Part};
use vigil_model::sensitive::SensitiveScanner;

/// A list of droplet-like records: ids, slugs, timestamps, UUIDs, sizes, prices, URLs, tags.
fn droplets_json(target: usize) -> Vec<u8> {
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

/// A page of orders: numeric and UUID ids, ISO timestamps and dates, prices and currencies,
/// SKUs, URLs with query strings, status enums, booleans, nulls and short prose notes.
fn orders_json(target: usize) -> Vec<u8> {
    const PRODUCTS: &[&str] = &["Espresso beans, 1 kg", "Ceramic pour-over dripper", "Paper filters (100)", "Burr grinder", "Milk frother", "Travel mug 350 ml"];
    const NOTES: &[&str] = &[
        "Leave the parcel at the back door, please.",
        "Gift wrap both items; no invoice in the box.",
        "Customer asked to combine with the previous shipment.",
        "",
        "Delivery window 9-12, ring twice.",
    ];
    let mut items = Vec::new();
    let mut i = 0u64;
    let mut len = 0;
    while len < target {
        let p = (i % PRODUCTS.len() as u64) as usize;
        let item = format!(
            r#"{{"id":{id},"order_uuid":"{a:08x}-{b:04x}-4{c:03x}-a{c:03x}-{e:012x}","status":"{status}","created_at":"2024-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z","updated_at":"2024-{m:02}-{d:02}T{h2:02}:05:00+02:00","currency":"EUR","total":{pr}.{cents:02},"tax":{tx}.{cents:02},"paid":{paid},"coupon":null,"customer":{{"id":"cus_{cid:x}","tier":"gold","since":"2019-0{q}-1{q}","orders_count":{n},"locale":"de-DE"}},"lines":[{{"sku":"SKU-{sku:05}-{p}","title":"{title}","qty":{qty},"unit_price":{pr}.{cents:02},"image":"https://cdn.shop.example/img/{sku}/{p}x800.webp?v=3"}},{{"sku":"SKU-{sku2:05}-0","title":"{title2}","qty":1,"unit_price":4.50}}],"shipping":{{"method":"standard","carrier":"DHL","tracking_url":"https://track.example.com/t/{tr:x}?lang=en","eta":"2024-{m:02}-{d2:02}"}},"note":"{note}","links":{{"self":"/v1/orders/{id}","invoice":"/v1/orders/{id}/invoice.pdf"}}}}"#,
            id = 900_000_123 + i * 17,
            a = 0x1b4e28ba + i * 977,
            b = (i * 31) & 0xffff,
            c = (i * 7) & 0xfff,
            e = 0x2fa1_0000_0000 + i * 104_729,
            status = ["paid", "shipped", "pending", "refunded"][(i % 4) as usize],
            m = 1 + i % 12,
            d = 1 + i % 27,
            d2 = 2 + i % 27,
            h = i % 24,
            h2 = (i + 3) % 24,
            mi = (i * 7) % 60,
            s = (i * 13) % 60,
            ms = (i * 37) % 1000,
            pr = 10 + (i * 13) % 190,
            tx = 1 + (i * 3) % 30,
            cents = (i * 29) % 100,
            paid = i % 3 != 0,
            cid = 0xa1b2c3 + i * 4099,
            q = 1 + i % 9,
            n = 1 + i % 40,
            sku = 10_000 + (i * 53) % 90_000,
            sku2 = 10_000 + (i * 71) % 90_000,
            p = p,
            title = PRODUCTS[p],
            title2 = PRODUCTS[(p + 1) % PRODUCTS.len()],
            qty = 1 + i % 4,
            tr = 0x5f3a_9c00 + i * 65_537,
            note = NOTES[(i % NOTES.len() as u64) as usize],
        );
        len += item.len() + 1;
        items.push(item);
        i += 1;
    }
    format!(
        r#"{{"data":[{}],"page":{{"number":2,"size":{},"total_pages":14}},"links":{{"next":"https://api.shop.example/v1/orders?page=3&per_page={}&sort=-created_at"}}}}"#,
        items.join(","),
        items.len(),
        items.len()
    )
    .into_bytes()
}

/// Records where nearly every value is sensitive: emails, phones, cards, SSNs, IBANs, IPs,
/// tokens, passwords, names and addresses under their keys, and the same in a free-text note.
fn dense_json(target: usize) -> Vec<u8> {
    let mut items = Vec::new();
    let mut i = 0u64;
    let mut len = 0;
    while len < target {
        let item = format!(
            r#"{{"email":"user{i}@example.com","phone":"+1 415-555-{p:04}","card":"4111 1111 1111 1111","ssn":"536-90-{s:04}","iban":"GB82 WEST 1234 5698 7654 32","ip":"8.8.{a}.{b}","ipv6":"2606:4700:4700::{a:x}","routing_number":"011000015","first_name":"Jane","street_address":"{a} Baker Street","password":"hunter{i}!x","aws_key":"AKIAIOSFODNN7EXAMPLE","token":"ghp_{t}","date_of_birth":"1990-05-{d:02}","note":"call (415) 555-{p:04} or mail jane{i}@example.org, SSN 536-90-{s:04}, card 5555 5555 5555 4444"}}"#,
            p = 100 + i % 9000,
            s = 1000 + i % 9000,
            a = 1 + i % 250,
            b = 1 + (i * 7) % 250,
            t = format!("{:036}", i).replace('0', "a"),
            d = 1 + i % 28,
        );
        len += item.len() + 1;
        items.push(item);
        i += 1;
    }
    format!(r#"{{"people":[{}]}}"#, items.join(",")).into_bytes()
}

/// Values that make a lexer work without being much: long digit runs, digit groups joined by
/// every separator, `@` and `:` storms, repeated anchors, long words, many short words.
fn hostile_json(target: usize) -> Vec<u8> {
    let unit = target / 12;
    let rep = |s: &str| s.repeat(unit / s.len().max(1) + 1)[..unit].to_string();
    let values = [
        rep("0"),
        rep("1-"),
        rep("12 "),
        rep("4111 "),
        rep("a@b."),
        rep(":1"),
        rep("ghp_"),
        rep("AKIA"),
        rep("eyJ."),
        rep("ab1 "),
        rep("A1B2C3D4"),
        rep("x-1.2.3.4:"),
    ];
    let fields: Vec<String> = values.iter().enumerate().map(|(k, v)| format!(r#""v{k}":"{v}""#)).collect();
    format!("{{{}}}", fields.join(",")).into_bytes()
}

const BODIES: [(&str, fn(usize) -> Vec<u8>); 4] = [("droplets", droplets_json), ("orders", orders_json), ("dense", dense_json), ("hostile", hostile_json)];
const SIZES: [(&str, usize); 2] = [("4KB", 4 * 1024), ("256KB", 256 * 1024)];

#[inline(never)]
fn scan_once(scanner: &SensitiveScanner, fields: &[vigil_model::fields::Field<'_>]) -> usize {
    let mut out = Vec::new();
    scanner.scan(black_box(fields), &mut out);
    out.len()
}

/// `SENSITIVE_CALLGRIND=orders/4KB`: 100 scans of that body, for instruction counts.
fn callgrind(which: &str) {
    let scanner = SensitiveScanner::new().expect("scanner");
    for (name, make) in BODIES {
        for (label, size) in SIZES {
            if which != format!("{name}/{label}") {
                continue;
            }
            let body = make(size);
            let mut names = String::new();
            let mut fields = Vec::new();
            body_fields(Part::ResponseBody, Some("application/json"), &body, &mut names, &mut fields);
            let mut n = 0;
            for _ in 0..100 {
                n += scan_once(&scanner, &fields);
            }
            println!("{which}: {} bytes, {} fields, {n} matches", body.len(), fields.len());
        }
    }
}

fn bench(c: &mut Criterion) {
    if let Ok(which) = std::env::var("SENSITIVE_CALLGRIND") {
        callgrind(&which);
        std::process::exit(0);
    }
    let scanner = SensitiveScanner::new().expect("scanner");
    for (name, make) in BODIES {
        for (label, size) in SIZES {
            let body = make(size);
            let mut g = c.benchmark_group(format!("sensitive/{name}/{label}"));
            g.throughput(Throughput::Bytes(body.len() as u64));
            g.bench_function("fields", |b| {
                b.iter(|| {
                    let mut names = String::new();
                    let mut fields = Vec::new();
                    body_fields(Part::ResponseBody, Some("application/json"), black_box(&body), &mut names, &mut fields);
                    fields.len()
                })
            });
            let mut names = String::new();
            let mut fields = Vec::new();
            body_fields(Part::ResponseBody, Some("application/json"), &body, &mut names, &mut fields);
            g.bench_function("scan", |b| b.iter(|| scan_once(&scanner, &fields)));
            let mut check = Vec::new();
            scanner.scan(&fields, &mut check);
            let clean = matches!(name, "droplets" | "orders");
            assert!(!clean || check.is_empty(), "{name} benchmark body should be clean: {check:?}");
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
