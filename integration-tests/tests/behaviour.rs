//! Client behaviour through a real Envoy: learn on benign traffic, then score fresh benign traffic
//! and seven attack scenarios made of requests that each look normal.
//!
//! The traffic generator drives the sample API like a banking app: log in, read the profile (which
//! returns the user's account ids), read accounts, balances and cards, search, sometimes list the
//! user directory, and transfer after checking a balance. Benign users log in from their own
//! address (`x-forwarded-for`) and then carry a JWT, so each is one client. Phase 1 sends benign
//! traffic through Envoy in monitor mode and `vigil learn`s the access log; phase 2 starts a new
//! Envoy with the model and two sequence rules and sends fresh benign users plus the scenarios.
//! The test prints per-scenario detection and the benign flag rate and asserts on both (counting
//! what the `behaviour.*` findings alone would flag: the sample API leaks cards and tokens on
//! purpose, which the sensitive-data detectors rightly report on benign responses too).

use std::collections::HashMap;
use std::time::{Duration, Instant};
use vigil_integration_tests::*;

/// A deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One keep-alive connection sending requests tagged with request ids.
struct Driver {
    conn: KeepAlive,
    tag: String,
    sent: Vec<String>,
}

impl Driver {
    fn new(stack: &Stack, tag: &str) -> Driver {
        Driver { conn: KeepAlive::connect(&stack.listen_addr()), tag: tag.to_string(), sent: Vec::new() }
    }

    fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Response {
        let id = request_id(&self.tag);
        let mut req = format!("{method} {path} HTTP/1.1\r\nhost: api.example.com\r\nx-request-id: {id}\r\naccept: application/json\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = body {
            req.push_str(&format!("content-type: application/json\r\ncontent-length: {}\r\n\r\n{b}", b.len()));
        } else {
            req.push_str("\r\n");
        }
        let r = self.conn.send(req.as_bytes()).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        self.sent.push(id);
        r
    }
}

/// A benign user's session. Returns the user's account ids.
fn benign_user(d: &mut Driver, rng: &mut Rng, user: &str, addr: &str) -> Vec<String> {
    let xff = [("x-forwarded-for", addr)];
    if rng.chance(10) {
        let r = d.send("POST", "/api/v1/login", &xff, Some(&format!(r#"{{"username":"{user}","password":"correct hose"}}"#)));
        assert_eq!(r.status, 401, "a typo fails");
    }
    let r = d.send("POST", "/api/v1/login", &xff, Some(&format!(r#"{{"username":"{user}","password":"correct horse"}}"#)));
    assert_eq!(r.status, 200, "{}", r.text());
    let token = format!("Bearer {}", r.json()["token"].as_str().expect("a token"));
    let auth = [("authorization", token.as_str()), ("x-forwarded-for", addr)];
    let me = d.send("GET", "/api/v1/users/me", &auth, None).json();
    let accounts: Vec<String> =
        me["accounts"].as_array().expect("accounts").iter().filter_map(|a| a["id"].as_str().map(str::to_string)).collect();
    if rng.chance(30) {
        d.send("GET", "/api/v1/accounts", &auth, None);
    }
    for acct in accounts.iter().take(1 + rng.below(2) as usize) {
        d.send("GET", &format!("/api/v1/accounts/{acct}"), &auth, None);
        d.send("GET", &format!("/api/v1/accounts/{acct}/balance"), &auth, None);
        if rng.chance(40) {
            d.send("GET", &format!("/api/v1/accounts/{acct}/cards"), &auth, None);
        }
    }
    for _ in 0..rng.below(3) {
        let q = ["coffee", "rent", "salary", "grocery", "fuel"][rng.below(5) as usize];
        d.send("GET", &format!("/api/v1/search?q={q}"), &auth, None);
    }
    if rng.chance(20) {
        d.send("GET", "/api/v1/users?limit=5", &auth, None);
    }
    if rng.chance(50) {
        let from = &accounts[0];
        d.send("GET", &format!("/api/v1/accounts/{from}/balance"), &auth, None);
        let body = format!(r#"{{"from":"{from}","to":"{}","amount":"{}.00","memo":"rent"}}"#, 200000 + rng.below(1000), 10 + rng.below(500));
        assert_eq!(d.send("POST", "/api/v1/transfers", &auth, Some(&body)).status, 201);
    }
    accounts
}

/// Logs in as `user` from `addr` and returns the bearer token.
fn login(d: &mut Driver, user: &str, addr: &str) -> String {
    let r = d.send("POST", "/api/v1/login", &[("x-forwarded-for", addr)], Some(&format!(r#"{{"username":"{user}","password":"correct horse"}}"#)));
    format!("Bearer {}", r.json()["token"].as_str().expect("a token"))
}

/// Waits until the access log has a line for each id and returns the `vigil` events by id.
fn events(stack: &Stack, ids: &[String]) -> HashMap<String, Value> {
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let by_id: HashMap<String, Value> = stack
            .access_log()
            .into_iter()
            .filter_map(|l| Some((l["request_id"].as_str()?.to_string(), vigil_of(&l))))
            .collect();
        if ids.iter().all(|id| by_id.contains_key(id)) {
            return by_id;
        }
        assert!(Instant::now() < end, "access log incomplete: {} of {} lines", by_id.len(), ids.len());
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn flagged(v: &Value) -> bool {
    v["verdict"] != "allow"
}

/// Whether the `behaviour.*` findings alone reach the flag threshold (0.5), scored as the verdict
/// scores (strongest per kind, noisy-OR). The sample API leaks card numbers and tokens on purpose,
/// so the sensitive-data findings on benign responses are not behaviour's false positives.
fn flagged_by_behaviour(v: &Value) -> bool {
    let mut strongest: HashMap<&str, f64> = HashMap::new();
    for f in v["findings"].as_array().into_iter().flatten() {
        let Some(kind) = f["kind"].as_str().filter(|k| k.starts_with("behaviour.")) else { continue };
        let sev = match f["severity"].as_str() {
            Some("critical") => 1.0,
            Some("high") => 0.75,
            Some("medium") => 0.45,
            _ => 0.2,
        };
        let w = sev * f["confidence"].as_f64().unwrap_or(0.0);
        let e = strongest.entry(kind).or_insert(0.0);
        *e = e.max(w);
    }
    1.0 - strongest.values().map(|w| 1.0 - w).product::<f64>() >= 0.5
}

fn run_benign(stack: &Stack, rng: &mut Rng, users: std::ops::Range<u32>, tag: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut d = Driver::new(stack, tag);
    let accounts = users.map(|u| benign_user(&mut d, rng, &format!("user{u}"), &format!("81.2.{}.{}", u / 250, u % 250 + 1))).collect();
    (d.sent, accounts)
}

#[test]
fn behaviour_scenarios_are_detected_and_benign_traffic_passes() {
    let paths = Paths::get();
    paths.require(&[Artifact::Envoy, Artifact::Wasm, Artifact::Vigil]);
    let mut rng = Rng(0x5eed_1234_abcd_ef01);

    // Phase 1: learn on benign traffic (monitor mode, no model).
    let learning = Stack::with_filter(json!({})).start();
    let (ids, _) = run_benign(&learning, &mut rng, 0..150, "learn");
    events(&learning, &ids);
    let model = learning.dir().join("model.json");
    let o = std::process::Command::new(&paths.vigil).arg("learn").arg(&learning.ep.access_log).arg("-o").arg(&model).output().unwrap();
    assert!(o.status.success(), "vigil learn: {}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    let o = std::process::Command::new(&paths.vigil).arg("sequences").arg(&learning.ep.access_log).output().unwrap();
    let report = String::from_utf8_lossy(&o.stdout).to_string();
    println!("--- vigil sequences ---\n{report}");
    assert!(report.contains(r#""then":"POST /api/v1/transfers""#), "a precedence rule for transfers is suggested:\n{report}");

    // Phase 2: score fresh benign traffic and the scenarios with the model and two rules.
    let config = json!({"policies": {"sequences": [
        {"before": "GET /api/v1/accounts/{account_id}/balance", "then": "POST /api/v1/transfers", "within_s": 600, "action": "flag"},
        {"endpoint": "POST /api/v1/transfers", "max_in_a_row": 3, "action": "flag"}
    ]}});
    let stack = Stack::with_filter(config).render_arg("--model").render_arg(model.display().to_string()).start();
    drop(learning);
    let (benign, others) = run_benign(&stack, &mut rng, 1000..1080, "benign");

    let mut scenarios: Vec<(&str, &str, Vec<String>)> = Vec::new();
    // BOLA, enumeration: walks through account ids.
    let mut d = Driver::new(&stack, "enum");
    let token = login(&mut d, "mallory1", "198.51.100.1");
    let auth = [("authorization", token.as_str()), ("x-forwarded-for", "198.51.100.1")];
    d.send("GET", "/api/v1/users/me", &auth, None);
    for i in 0..40 {
        d.send("GET", &format!("/api/v1/accounts/{}", 300000 + i * 17), &auth, None);
    }
    scenarios.push(("enumeration", "behaviour.enumeration", d.sent.split_off(1)));
    // BOLA, provenance: a few other users' accounts, no walking.
    let mut d = Driver::new(&stack, "prov");
    let token = login(&mut d, "mallory2", "198.51.100.2");
    let auth = [("authorization", token.as_str()), ("x-forwarded-for", "198.51.100.2")];
    d.send("GET", "/api/v1/users/me", &auth, None);
    for victim in others.iter().take(3) {
        d.send("GET", &format!("/api/v1/accounts/{}/balance", victim[0]), &auth, None);
    }
    scenarios.push(("provenance", "behaviour.provenance", d.sent.split_off(2)));
    // Transfer replay: a stolen token, edited bodies, none of the calls that precede a transfer.
    let mut d = Driver::new(&stack, "replay");
    let token = format!("Bearer {}", unsigned_jwt("user5000"));
    for i in 0..8 {
        let body = format!(r#"{{"from":"{}","to":"999999","amount":"{}.00","memo":"rent"}}"#, others[3][0], 900 + i);
        d.send("POST", "/api/v1/transfers", &[("authorization", token.as_str()), ("x-forwarded-for", "198.51.100.3")], Some(&body));
    }
    scenarios.push(("transfer replay", "behaviour.sequence_rule", d.sent));
    // Scraping: the search flow, page after page.
    let mut d = Driver::new(&stack, "scrape");
    let token = login(&mut d, "mallory4", "198.51.100.4");
    for i in 0..120 {
        d.send("GET", &format!("/api/v1/search?q=coffee&page={}", i % 10 + 1), &[("authorization", token.as_str())], None);
    }
    scenarios.push(("scraping", "behaviour.rate", d.sent.split_off(1)));
    // Credential stuffing: many usernames from one address, wrong passwords.
    let mut d = Driver::new(&stack, "stuff");
    for i in 0..40 {
        d.send("POST", "/api/v1/login", &[("x-forwarded-for", "203.0.113.7")], Some(&format!(r#"{{"username":"victim{i}","password":"Summer2024!"}}"#)));
    }
    scenarios.push(("credential stuffing", "behaviour.auth_failures", d.sent));
    // Credential stuffing that rotates identities: a fresh session cookie (so a new client, each
    // with one failure) on every attempt, all from one address: counted per address.
    let mut d = Driver::new(&stack, "rotate");
    for i in 0..40 {
        let cookie = format!("session={:016x}", rng.below(u64::MAX));
        let headers = [("x-forwarded-for", "203.0.113.8"), ("cookie", cookie.as_str())];
        d.send("POST", "/api/v1/login", &headers, Some(&format!(r#"{{"username":"victim{}","password":"Winter2024!"}}"#, 100 + i)));
    }
    scenarios.push(("stuffing, rotating ids", "behaviour.auth_failures", d.sent));
    // Excessive data retrieval: the user directory, 200 entries at a time.
    let mut d = Driver::new(&stack, "exfil");
    let token = login(&mut d, "mallory6", "198.51.100.6");
    for _ in 0..5 {
        d.send("GET", "/api/v1/users?limit=200", &[("authorization", token.as_str()), ("x-forwarded-for", "198.51.100.6")], None);
    }
    scenarios.push(("excessive retrieval", "behaviour.data_volume", d.sent.split_off(1)));

    let mut all = benign.clone();
    all.extend(scenarios.iter().flat_map(|(_, _, ids)| ids.iter().cloned()));
    let ev = events(&stack, &all);
    let benign_flagged: Vec<&Value> = benign.iter().map(|id| &ev[id]).filter(|v| flagged_by_behaviour(v)).collect();
    let benign_rate = benign_flagged.len() as f64 / benign.len() as f64;
    let any_flag = benign.iter().filter(|id| flagged(&ev[*id])).count();
    println!("\n{:<22} {:>9} {:>9} {:>10}  first finding", "scenario", "requests", "flagged", "with kind");
    let mut missed = Vec::new();
    for (name, kind, ids) in &scenarios {
        let flagged_ids: Vec<&Value> = ids.iter().map(|id| &ev[id]).filter(|v| flagged_by_behaviour(v)).collect();
        let with_kind = flagged_ids.iter().filter(|v| finding_kinds(v).iter().any(|k| k == kind)).count();
        let detail = ids
            .iter()
            .filter_map(|id| ev[id]["findings"].as_array()?.iter().find(|f| f["kind"] == *kind).and_then(|f| f["detail"].as_str()))
            .next()
            .unwrap_or("-");
        println!("{name:<22} {:>9} {:>9} {:>10}  {detail}", ids.len(), flagged_ids.len(), with_kind);
        if with_kind == 0 {
            missed.push(*name);
        }
    }
    println!(
        "benign: {} requests, {} flagged by behaviour ({:.2}%); {} flagged for any reason (the sample API's deliberate card and token leaks)",
        benign.len(),
        benign_flagged.len(),
        benign_rate * 100.0,
        any_flag
    );
    for v in benign_flagged.iter().take(5) {
        println!("  flagged benign: {}", v["findings"]);
    }
    let state = stack.stats();
    let busy = state.get("wasmcustom.vigil_client_state_total.outcome.busy").copied().unwrap_or(0);
    println!("client state: busy slots {busy}");
    assert!(missed.is_empty(), "scenarios not detected: {missed:?}");
    assert!(benign_rate <= 0.002, "benign flag rate {:.2}%", benign_rate * 100.0);
}

/// Block mode: a client that keeps failing logins, and an address whose attempts come under a
/// new identity each time, are refused before the login endpoint from four times the failed-login
/// limit (the default 10 per 10 minutes without a model) until the window ends; a user who logs
/// in fine from elsewhere is untouched.
#[test]
fn repeated_failed_logins_are_locked_out_before_the_upstream_in_block_mode() {
    let paths = Paths::get();
    paths.require(&[Artifact::Envoy, Artifact::Wasm, Artifact::Vigil]);
    let stack = Stack::with_filter(json!({"mode": "block"})).start();
    let mut rng = Rng(0x10c0_u64);
    for (tag, rotate, addr) in [("lock", false, "203.0.113.21"), ("lockrot", true, "203.0.113.22")] {
        let mut d = Driver::new(&stack, tag);
        let mut statuses = Vec::new();
        for i in 0..45 {
            let cookie = format!("session={:016x}", rng.below(u64::MAX));
            let mut headers = vec![("x-forwarded-for", addr)];
            if rotate {
                headers.push(("cookie", cookie.as_str()));
            }
            let before = stack.api.hits();
            let r = d.send("POST", "/api/v1/login", &headers, Some(&format!(r#"{{"username":"victim{i}","password":"Autumn2024!"}}"#)));
            statuses.push((r.status, stack.api.hits() > before));
        }
        // Up to four times the limit each attempt reaches the login endpoint and fails there.
        assert!(statuses[..40].iter().all(|&(s, reached)| s == 401 && reached), "{tag}: {statuses:?}");
        // From then on the filter answers 403 itself: the upstream never sees the attempt.
        assert!(statuses[40..].iter().all(|&(s, reached)| s == 403 && !reached), "{tag}: {statuses:?}");
        let ev = events(&stack, &d.sent);
        let last = &ev[&d.sent[44]];
        let f = last["findings"].as_array().and_then(|f| f.iter().find(|f| f["kind"] == "behaviour.auth_failures")).cloned().unwrap_or_default();
        assert_eq!(f["severity"], "critical", "{tag}: {last}");
        assert_eq!(f["location"], if rotate { "address" } else { "client" }, "{tag}: {last}");
        assert_eq!(last["verdict"], "block", "{tag}: {last}");
    }
    // Someone else logging in fine is not affected.
    let mut d = Driver::new(&stack, "lockok");
    let token = login(&mut d, "alice", "198.51.100.30");
    assert!(token.len() > "Bearer ".len(), "{token}");
}
