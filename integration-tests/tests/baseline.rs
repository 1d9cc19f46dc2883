//! The baseline through a real Envoy: benign traffic to the sample API goes through the filter in
//! monitor mode, `vigil learn` reads the access log, and a second Envoy runs with the learned model.
//! Fresh benign traffic must stay unflagged (target <= 0.2%), and each kind of anomaly must be
//! found by its finding kind. Prints the per-kind figures (`-- --nocapture`).

use std::collections::BTreeMap;
use std::process::Command;
use vigil_integration_tests::*;

const USERS: u64 = 15;
const WORDS: &[&str] = &["coffee", "rent", "salary", "groceries", "taxi", "gym", "books", "insurance"];

/// A small deterministic generator (64-bit LCG): the same traffic every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// One benign call of a realistic client: reads accounts, balances and the profile, searches,
/// and makes transfers.
fn benign(c: &Client, rng: &mut Rng, id: &str) -> Response {
    let user = rng.next(USERS);
    let token = format!("Bearer {}", signed_jwt(&format!("user-{user}")));
    let h = [("x-request-id", id), ("authorization", token.as_str())];
    let acct = 1000 + user * 10 + rng.next(3);
    match rng.next(10) {
        0 | 1 => c.get(&format!("/api/v1/accounts/{acct}"), &h),
        2 | 3 => c.get(&format!("/api/v1/accounts/{acct}/balance"), &h),
        4 => c.get("/api/v1/users/me", &h),
        5 | 6 => {
            let q = WORDS[rng.next(WORDS.len() as u64) as usize];
            let limit = [10, 20, 50][rng.next(3) as usize];
            c.get(&format!("/api/v1/search?q={q}&limit={limit}"), &h)
        }
        _ => {
            let memo = WORDS[rng.next(WORDS.len() as u64) as usize];
            let body = format!(
                r#"{{"from":"{acct}","to":"{}","amount":{}.{:02},"currency":"USD","memo":"{memo} {}"}}"#,
                2000 + rng.next(500),
                1 + rng.next(900),
                rng.next(100),
                rng.next(31) + 1
            );
            c.request("POST", "/api/v1/transfers", &[h[0], h[1], ("content-type", "application/json")], Some(body.as_bytes()))
        }
    }
}

/// The anomalies, each with the finding kind that must report it.
fn anomaly(c: &Client, kind: &str, i: u64, id: &str) -> Response {
    let token = format!("Bearer {}", signed_jwt(&format!("user-{}", i % USERS)));
    let h = [("x-request-id", id), ("authorization", token.as_str())];
    let acct = 1000 + i;
    match kind {
        "baseline.unknown_endpoint" => c.get(&format!("/api/v1/admin/export?page={i}"), &h),
        "baseline.missing_auth" => c.get(&format!("/api/v1/accounts/{acct}"), &[("x-request-id", id)]),
        "baseline.param_unexpected" => c.get(&format!("/api/v1/search?q=rent&limit=20&debug=true&role=admin{i}"), &h),
        "baseline.param_type" => c.get(&format!("/api/v1/search?q=rent&limit=all{i}"), &h),
        "baseline.param_range" => c.get(&format!("/api/v1/search?q=rent&limit={}", 100_000 + i), &h),
        "baseline.param_length" => c.get(&format!("/api/v1/search?q={}&limit=20", "x".repeat(600 + i as usize)), &h),
        "baseline.size" => {
            let body = format!(
                r#"{{"from":"{acct}","to":"2001","amount":5.00,"currency":"USD","memo":"rent","note":"{}"}}"#,
                "y".repeat(60_000)
            );
            c.request("POST", "/api/v1/transfers", &[h[0], h[1], ("content-type", "application/json")], Some(body.as_bytes()))
        }
        "baseline.new_data_type" => c.get("/api/v1/users/me", &[h[0], h[1], ("x-sample-leak", "ssn")]),
        "baseline.status" => c.get(&format!("/api/v1/accounts/{acct}/balance"), &[h[0], h[1], ("x-sample-status", "500")]),
        other => panic!("no generator for {other}"),
    }
}

const KINDS: &[&str] = &[
    "baseline.unknown_endpoint",
    "baseline.missing_auth",
    "baseline.param_unexpected",
    "baseline.param_type",
    "baseline.param_range",
    "baseline.param_length",
    "baseline.size",
    "baseline.new_data_type",
    "baseline.status",
];

#[test]
fn learned_model_flags_anomalies_and_spares_benign_traffic_through_envoy() {
    let paths = Paths::get();
    // 1. Learn: benign traffic through the filter in monitor mode.
    let learning = Stack::with_filter(json!({})).start();
    let c = learning.client();
    let mut rng = Rng(7);
    let mut last = String::new();
    for i in 0..1500 {
        last = request_id(&format!("learn-{i}"));
        let r = benign(&c, &mut rng, &last);
        assert!(r.status < 300, "benign call failed: {} {}", r.status, r.text());
    }
    learning.wait_log(&last);
    let model = learning.dir().join("model.json");
    let o = Command::new(&paths.vigil).arg("learn").arg(&learning.ep.access_log).arg("-o").arg(&model).output().expect("run vigil learn");
    assert!(o.status.success(), "vigil learn: {}", String::from_utf8_lossy(&o.stderr));
    let model_json: Value = serde_json::from_str(&std::fs::read_to_string(&model).expect("model")).expect("model JSON");
    drop(learning);

    // 2. Score fresh benign traffic and each anomaly kind with the model.
    let scoring = Stack::with_filter(json!({"model": model_json})).start();
    let c = scoring.client();
    let mut rng = Rng(99);
    let mut benign_ids = Vec::new();
    for i in 0..1000 {
        let id = request_id(&format!("benign-{i}"));
        benign(&c, &mut rng, &id);
        benign_ids.push(id);
    }
    let mut anomaly_ids: Vec<(&str, String)> = Vec::new();
    for kind in KINDS {
        for i in 0..20 {
            let id = request_id(&format!("{kind}-{i}"));
            anomaly(&c, kind, i, &id);
            anomaly_ids.push((kind, id));
        }
    }
    let last = &anomaly_ids.last().expect("anomalies").1;
    scoring.wait_log(last);
    let by_id: BTreeMap<String, Value> =
        scoring.access_log().into_iter().map(|l| (l["request_id"].as_str().unwrap_or("").to_string(), vigil_of(&l))).collect();

    let mut benign_flagged = Vec::new();
    for id in &benign_ids {
        let v = by_id.get(id).unwrap_or_else(|| panic!("no log line for {id}"));
        if v["verdict"] != "allow" {
            benign_flagged.push(format!("{id}: {v}"));
        }
    }
    let rate = benign_flagged.len() as f64 / benign_ids.len() as f64;
    println!("benign: {} of {} flagged ({:.2}%)", benign_flagged.len(), benign_ids.len(), 100.0 * rate);
    println!("| anomaly kind | found by its kind | flagged |");
    println!("|---|---:|---:|");
    let mut weak = Vec::new();
    for kind in KINDS {
        let ids: Vec<&String> = anomaly_ids.iter().filter(|(k, _)| k == kind).map(|(_, id)| id).collect();
        let (mut found, mut flagged) = (0, 0);
        for id in &ids {
            let v = by_id.get(*id).unwrap_or_else(|| panic!("no log line for {id}"));
            found += usize::from(finding_kinds(v).iter().any(|k| k == kind));
            flagged += usize::from(v["verdict"] != "allow");
        }
        println!("| {kind} | {found}/{} | {flagged}/{} |", ids.len(), ids.len());
        if found * 10 < ids.len() * 9 {
            weak.push(format!("{kind}: {found}/{}", ids.len()));
        }
    }
    assert!(rate <= 0.002, "benign flag rate {:.2}% over 0.2%:\n{}", 100.0 * rate, benign_flagged.join("\n"));
    assert!(weak.is_empty(), "anomaly kinds found under 90%: {weak:?}");
}
