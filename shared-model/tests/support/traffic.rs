//! Generated traffic for a small, realistic shop API, and the access-log lines the filter would
//! write for it (the engine runs natively on each exchange). Shared by the baseline quality test,
//! the learning-speed test and the model benchmark (`#[path]`-included), so they agree on traffic.
//!
//! Endpoints: product listing with typed query parameters, products by numeric id, articles by
//! slug (high cardinality: folds to a parameter), the caller's profile (`/users/me`), orders by
//! uuid user, JSON order creation and profile updates, login without credentials, search, delete,
//! health. Twenty clients, bearer tokens or API keys, varied sizes and statuses.
#![allow(dead_code)]

use vigil_model::engine::Engine;
use vigil_model::facts::{RequestHead, ResponseHead};
use vigil_model::verdict::Verdict;

/// splitmix64: small, seedable, good enough for traffic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
    /// Roughly log-normal sizes: most near `typical`, a tail up to `typical * 8`.
    pub fn size(&mut self, typical: u64) -> u64 {
        let f = 0.5 + (self.below(1000) as f64 / 1000.0).powi(3) * 7.5;
        (typical as f64 * f) as u64
    }
}

const WORDS: &[&str] = &[
    "red", "blue", "green", "classic", "modern", "light", "heavy", "smart", "quiet", "rapid", "solid", "soft", "bright",
    "compact", "deluxe", "eco",
];
const NOUNS: &[&str] = &["shoes", "lamp", "chair", "kettle", "jacket", "backpack", "desk", "speaker", "watch", "mug", "tent", "bike"];
const CATEGORIES: &[&str] = &["home", "garden", "sports", "fashion", "audio", "kitchen"];
const ORDER_STATUS: &[&str] = &["pending", "paid", "shipped", "delivered"];

/// One generated exchange: what the proxy would see.
#[derive(Clone)]
pub struct Exchange {
    pub head: RequestHead,
    pub body: Vec<u8>,
    pub status: u16,
    pub response_type: &'static str,
    pub response: Vec<u8>,
    pub duration_ms: u64,
}

/// The anomaly kinds the quality test injects, each with the finding kind that should report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anomaly {
    UnknownEndpoint,
    MissingAuth,
    ParamUnexpected,
    ParamType,
    ParamRange,
    ParamLength,
    Size,
    NewDataType,
    Status,
}

impl Anomaly {
    pub const ALL: [Anomaly; 9] = [
        Anomaly::UnknownEndpoint,
        Anomaly::MissingAuth,
        Anomaly::ParamUnexpected,
        Anomaly::ParamType,
        Anomaly::ParamRange,
        Anomaly::ParamLength,
        Anomaly::Size,
        Anomaly::NewDataType,
        Anomaly::Status,
    ];

    pub fn kind(self) -> &'static str {
        match self {
            Anomaly::UnknownEndpoint => "baseline.unknown_endpoint",
            Anomaly::MissingAuth => "baseline.missing_auth",
            Anomaly::ParamUnexpected => "baseline.param_unexpected",
            Anomaly::ParamType => "baseline.param_type",
            Anomaly::ParamRange => "baseline.param_range",
            Anomaly::ParamLength => "baseline.param_length",
            Anomaly::Size => "baseline.size",
            Anomaly::NewDataType => "baseline.new_data_type",
            Anomaly::Status => "baseline.status",
        }
    }
}

fn pad_json(rng: &mut Rng, typical: u64) -> String {
    let n = rng.size(typical) as usize;
    let mut s = String::with_capacity(n);
    while s.len() < n {
        s.push_str(rng.pick(WORDS));
        s.push(' ');
    }
    s
}

fn client(rng: &mut Rng) -> (Vec<(String, String)>, String) {
    let c = rng.below(20);
    let auth = if c < 15 {
        ("authorization".to_string(), format!("Bearer tok-{c:04}-7f3a9c2e5b1d"))
    } else {
        ("x-api-key".to_string(), format!("key-{c:04}-aa91"))
    };
    (vec![auth, ("user-agent".into(), format!("shop-app/{}.{}", 3 + c % 3, c % 7))], format!("10.0.{}.{}", c / 8, c % 8 + 10))
}

fn head(method: &str, path: String, json: bool, rng: &mut Rng) -> RequestHead {
    let (mut headers, source) = client(rng);
    if json {
        headers.push(("content-type".into(), "application/json".into()));
    }
    RequestHead { method: method.into(), path, authority: "shop.example.com".into(), scheme: "https".into(), headers, source: Some(source), ..Default::default() }
}

fn slug(rng: &mut Rng) -> String {
    format!("{}-{}-guide-{}", rng.pick(WORDS), rng.pick(NOUNS), rng.below(12))
}

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next();
    let b = rng.next();
    format!("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff, b >> 52, b & 0xffff_ffff_ffff)
}

fn exchange(head: RequestHead, body: String, status: u16, response: String, rng: &mut Rng) -> Exchange {
    Exchange { head, body: body.into_bytes(), status, response_type: "application/json", response: response.into_bytes(), duration_ms: rng.size(20) }
}

/// A benign exchange, endpoints weighted as a shop's traffic would be.
pub fn benign(rng: &mut Rng) -> Exchange {
    match rng.below(100) {
        0..=24 => {
            let mut q = format!("category={}&limit={}", rng.pick(CATEGORIES), rng.pick(&[10, 20, 50, 100]));
            if rng.chance(0.6) {
                q.push_str(&format!("&page={}", rng.range(1, 20)));
            }
            if rng.chance(0.3) {
                q.push_str(&format!("&sort={}", rng.pick(&["price_asc", "price_desc", "newest"])));
            }
            if rng.chance(0.2) {
                q.push_str(&format!("&min_price={}", rng.range(0, 200)));
            }
            let h = head("GET", format!("/api/v1/products?{q}"), false, rng);
            let body = format!(r#"{{"items":[{{"id":{},"name":"{}"}}],"total":{}}}"#, rng.range(1, 5000), pad_json(rng, 3000), rng.below(900));
            exchange(h, String::new(), 200, body, rng)
        }
        25..=44 => {
            let id = rng.range(1, 5000);
            let h = head("GET", format!("/api/v1/products/{id}"), false, rng);
            if rng.chance(0.02) {
                return exchange(h, String::new(), 404, r#"{"error":"not found"}"#.into(), rng);
            }
            let body = format!(r#"{{"id":{id},"name":"{}","price":{}.{:02},"stock":{}}}"#, pad_json(rng, 500), rng.range(1, 900), rng.below(100), rng.below(300));
            exchange(h, String::new(), 200, body, rng)
        }
        45..=52 => {
            let h = head("GET", format!("/api/v1/articles/{}", slug(rng)), false, rng);
            let body = format!(r#"{{"title":"{}","body":"{}"}}"#, pad_json(rng, 40), pad_json(rng, 4000));
            exchange(h, String::new(), 200, body, rng)
        }
        53..=62 => {
            let h = head("GET", "/api/v1/users/me".into(), false, rng);
            let body = format!(r#"{{"id":"{}","display_name":"{}","email":"user{}@example.com","newsletter":true}}"#, uuid(rng), pad_json(rng, 20), rng.below(1000));
            exchange(h, String::new(), 200, body, rng)
        }
        63..=70 => {
            let mut q = format!("status={}", rng.pick(ORDER_STATUS));
            if rng.chance(0.5) {
                q.push_str(&format!("&from=2026-{:02}-{:02}", rng.range(1, 12), rng.range(1, 28)));
            }
            let h = head("GET", format!("/api/v1/users/{}/orders?{q}", uuid(rng)), false, rng);
            let body = format!(r#"{{"orders":[{{"id":"{}","total":{}}}],"note":"{}"}}"#, uuid(rng), rng.range(5, 900), pad_json(rng, 800));
            exchange(h, String::new(), 200, body, rng)
        }
        71..=80 => {
            let items: Vec<String> = (0..rng.range(1, 4)).map(|_| format!(r#"{{"product_id":{},"qty":{}}}"#, rng.range(1, 5000), rng.range(1, 5))).collect();
            let mut body = format!(
                r#"{{"items":[{}],"shipping":{{"address":"{} {} street","zip":"{:05}"}}"#,
                items.join(","),
                rng.range(1, 999),
                rng.pick(NOUNS),
                rng.range(10000, 99999)
            );
            if rng.chance(0.2) {
                body.push_str(&format!(r#","note":"{}""#, pad_json(rng, 60)));
            }
            if rng.chance(0.1) {
                body.push_str(&format!(r#","coupon":"{}""#, rng.pick(&["WELCOME10", "SPRING", "VIP5"])));
            }
            body.push('}');
            let h = head("POST", "/api/v1/orders".into(), true, rng);
            if rng.chance(0.01) {
                return exchange(h, body, 400, r#"{"error":"invalid order"}"#.into(), rng);
            }
            let resp = format!(r#"{{"id":"{}","status":"pending"}}"#, uuid(rng));
            exchange(h, body, 201, resp, rng)
        }
        81..=84 => {
            let body = format!(
                r#"{{"display_name":"{}","email":"user{}@example.com","newsletter":{}}}"#,
                pad_json(rng, 16).trim(),
                rng.below(1000),
                rng.chance(0.5)
            );
            let h = head("PATCH", "/api/v1/users/me".into(), true, rng);
            exchange(h, body, 200, r#"{"ok":true}"#.into(), rng)
        }
        85..=88 => {
            let body = format!(r#"{{"username":"user{}@example.com","password":"{}"}}"#, rng.below(1000), pad_json(rng, 14).trim());
            let mut h = head("POST", "/api/v1/auth/login".into(), true, rng);
            h.headers.retain(|(k, _)| k != "authorization" && k != "x-api-key");
            if rng.chance(0.05) {
                return exchange(h, body, 401, r#"{"error":"bad credentials"}"#.into(), rng);
            }
            exchange(h, body, 200, format!(r#"{{"token":"{}"}}"#, uuid(rng)), rng)
        }
        89..=95 => {
            let words: Vec<&str> = (0..rng.range(1, 3)).map(|_| rng.pick(NOUNS)).collect();
            let h = head("GET", format!("/api/v1/search?q={}&limit={}", words.join("+"), rng.range(5, 25)), false, rng);
            let body = format!(r#"{{"hits":[{}]}}"#, pad_json(rng, 1500).len());
            exchange(h, String::new(), 200, body, rng)
        }
        96..=97 => {
            let h = head("DELETE", format!("/api/v1/orders/{}", uuid(rng)), false, rng);
            exchange(h, String::new(), 204, String::new(), rng)
        }
        _ => {
            let mut h = head("GET", "/health".into(), false, rng);
            h.headers.retain(|(k, _)| k != "authorization" && k != "x-api-key");
            exchange(h, String::new(), 200, r#"{"status":"ok"}"#.into(), rng)
        }
    }
}

/// A benign exchange of a kind the anomaly applies to, then the anomaly.
pub fn anomalous(rng: &mut Rng, a: Anomaly) -> Exchange {
    loop {
        let mut x = benign(rng);
        let path = x.head.path.clone();
        let is = |p: &str| path.starts_with(p);
        let ok = match a {
            Anomaly::UnknownEndpoint => {
                x.head.path = (rng.pick(&["/api/v1/admin/export", "/api/v0/products", "/api/v1/internal/debug", "/api/v1/users/me/tokens"])).into();
                true
            }
            Anomaly::MissingAuth if !is("/health") && !is("/api/v1/auth") => {
                x.head.headers.retain(|(k, _)| k != "authorization" && k != "x-api-key");
                true
            }
            Anomaly::ParamUnexpected if x.head.method == "POST" && is("/api/v1/orders") => {
                let extra = rng.pick(&[r#""is_admin":true"#, r#""price_override":0"#, r#""role":"admin""#, r#""user_id":"1""#]);
                x.body.pop();
                x.body.extend_from_slice(format!(",{extra}}}").as_bytes());
                true
            }
            Anomaly::ParamType if is("/api/v1/products?") => {
                x.head.path = set_param(&path, "limit", rng.pick(&["all", "ten", "max"]));
                true
            }
            Anomaly::ParamRange if is("/api/v1/products?") => {
                x.head.path = set_param(&path, "limit", rng.pick(&["100000", "9999999", "5000"]));
                true
            }
            Anomaly::ParamLength if is("/api/v1/search") => {
                let long = "a".repeat(rng.range(400, 3000) as usize);
                x.head.path = format!("/api/v1/search?q={long}&limit=10");
                true
            }
            Anomaly::Size if is("/api/v1/users/me") && x.head.method == "GET" => {
                x.response = format!(r#"{{"dump":"{}"}}"#, "x".repeat(rng.range(60_000, 250_000) as usize)).into_bytes();
                true
            }
            Anomaly::NewDataType if is("/api/v1/users/me") && x.head.method == "GET" => {
                let s = String::from_utf8_lossy(&x.response).replacen("\"newsletter\"", "\"card\":\"4111 1111 1111 1111\",\"newsletter\"", 1);
                x.response = s.into_bytes();
                true
            }
            Anomaly::Status if is("/api/v1/products/") => {
                x.status = rng.pick(&[500, 502, 503]);
                x.response = br#"{"error":"internal"}"#.to_vec();
                true
            }
            _ => false,
        };
        if ok {
            return x;
        }
    }
}

/// Replaces query parameter `name`'s value.
fn set_param(path: &str, name: &str, value: &str) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let prefix = format!("{name}=");
    let pairs: Vec<String> = q.split('&').map(|kv| if kv.starts_with(&prefix) { format!("{prefix}{value}") } else { kv.to_string() }).collect();
    format!("{p}?{}", pairs.join("&"))
}

/// Runs the engine on an exchange as the filter would; returns the access-log line (Envoy's
/// fields plus the `vigil` event as a JSON string) and the final verdict.
pub fn run(engine: &Engine, x: &Exchange, seq: u64) -> (String, Verdict, Vec<String>) {
    let mut ex = engine.start(x.head.clone());
    for chunk in x.body.chunks(4096) {
        engine.request_body(&mut ex, chunk);
    }
    engine.end_request(&mut ex);
    engine.response_head(&mut ex, ResponseHead { status: x.status, headers: vec![("content-type".into(), x.response_type.into())] });
    for chunk in x.response.chunks(16384) {
        engine.response_body(&mut ex, chunk);
    }
    let verdict = engine.end_response(&mut ex);
    let kinds = ex.findings.iter().map(|f| f.kind.to_string()).collect();
    let event = engine.event(&mut ex, verdict, 5);
    let line = serde_json::json!({
        "start_time": format!("2026-11-{:02}T{:02}:{:02}:{:02}.000Z", 1 + seq / 86_400 % 28, seq / 3600 % 24, seq / 60 % 60, seq % 60),
        "request_id": format!("req-{seq}"),
        "method": x.head.method,
        "path": x.head.path,
        "status": x.status,
        "duration_ms": x.duration_ms,
        "bytes_in": x.body.len(),
        "bytes_out": x.response.len(),
        "upstream": "127.0.0.1:8080",
        "vigil": serde_json::to_string(&event).unwrap_or_default(),
    });
    (line.to_string(), verdict, kinds)
}
