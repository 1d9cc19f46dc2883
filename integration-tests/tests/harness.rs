//! Smoke tests of the harness itself, through a real Envoy WITHOUT the wasm filter (TEST-ONLY
//! bootstrap from `nofilter_bootstrap`). If these fail, the filter tests cannot be trusted.

use vigil_integration_tests::*;

#[test]
fn envoy_without_filter_proxies_and_logs() {
    let stack = Stack::without_filter().start();
    let id = request_id("smoke");
    let before = stack.api.hits();
    let r =
        stack.client().get("/api/v1/accounts/42", &[("x-request-id", &id), ("accept", "application/json")]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["id"], "42");
    assert_eq!(stack.api.hits(), before + 1, "the request reached the upstream once");

    let line = stack.wait_log(&id);
    assert_eq!(line["method"], "GET");
    assert_eq!(line["path"], "/api/v1/accounts/42");
    assert_eq!(line["status"], 200);
    assert!(line["upstream"].as_str().unwrap_or("").ends_with(&stack.api.port.to_string()), "{line}");

    // Unknown path: the upstream's JSON 404 comes through.
    let r = stack.client().get("/nope", &[]);
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "not_found");

    // Admin stats are readable in Prometheus format.
    let prom = stack.prometheus();
    assert!(prom_sum(&prom, "envoy_http_downstream_rq_total").unwrap_or(0.0) >= 2.0, "{}", tail(&prom, 20));
}

#[test]
fn keep_alive_uses_one_connection() {
    let stack = Stack::without_filter().start();
    let before = stack.listener_connections();
    let reqs: Vec<Vec<u8>> = (0..5).map(|i| raw_get(&format!("/api/v1/accounts/{i}/balance"), &[])).collect();
    let resps = raw_http1(&stack.listen_addr(), &reqs);
    assert!(resps.iter().all(|r| r.status == 200), "{resps:?}");
    assert_eq!(stack.listener_connections() - before, 1, "five requests on one connection");

    // The pooled client also reuses its connection.
    let c = stack.client();
    let before = stack.listener_connections();
    for _ in 0..5 {
        assert_eq!(c.get("/healthz", &[]).status, 200);
    }
    assert_eq!(stack.listener_connections() - before, 1);
}

#[test]
fn h2c_prior_knowledge_and_echo() {
    let stack = Stack::without_filter().start();
    let id = request_id("h2");
    let (r, version) = curl_h2(
        &format!("{}/echo", stack.base_url()),
        "POST",
        &[("x-request-id", &id), ("content-type", "application/json")],
        Some(br#"{"amount":"10.00"}"#),
    );
    assert_eq!(version, "2", "curl used HTTP/{version}");
    assert_eq!(r.status, 200, "{}", r.text());
    let echo = r.json();
    assert_eq!(echo["body_bytes"], 18);
    assert_eq!(echo["headers"]["x-request-id"], id.as_str());
    assert_eq!(stack.wait_log(&id)["protocol"], "HTTP/2");
}

#[test]
fn validate_mode_accepts_the_test_bootstrap() {
    let dir = tempfile::tempdir().unwrap();
    let ep = Endpoints::offline(dir.path());
    let cfg = dir.path().join("envoy.yaml");
    std::fs::write(&cfg, nofilter_bootstrap(&ep)).unwrap();
    let o = envoy_validate(&cfg);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
