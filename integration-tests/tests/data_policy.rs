//! Data policies through a real Envoy: a response-side `redact` rewrites the body the client gets
//! (valid JSON, correct length, no SSN) while other endpoints pass untouched; a response-side
//! `block` replaces the response; monitor mode reports and changes nothing; and the access log
//! never holds a full matched value.

use vigil_integration_tests::*;

const SSN: &str = "536-22-8726";

fn redact_policy(mode: &str) -> Value {
    json!({"mode": mode, "policies": {"data": [
        {"endpoint": "GET /api/v1/customers/{customer_id}", "forbid": ["ssn"], "action": "redact"},
        {"endpoint": "GET /api/v1/accounts/*/cards", "forbid": ["credit_card"], "action": "block"}
    ]}})
}

#[test]
fn redact_policy_masks_the_response_in_block_mode() {
    let stack = Stack::with_filter(redact_policy("block")).start();
    let id = request_id("redact");
    let r = stack.client().get("/api/v1/customers/42", &[("x-request-id", &id)]);
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.text();
    assert!(!body.contains(SSN), "the SSN must not reach the client: {body}");
    let doc: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("redacted body is not JSON ({e}): {body}"));
    assert!(doc["ssn"].as_str().is_some_and(|s| s.ends_with("8726") && s.contains('*')), "{doc}");
    assert_eq!(doc["name"], "Jane Doe", "the rest of the document is unchanged");
    if let Some(len) = r.header("content-length") {
        assert_eq!(len.parse::<usize>().ok(), Some(r.body.len()), "content-length matches the new body");
    }
    let v = vigil_of(&stack.wait_log(&id));
    assert!(finding_kinds(&v).iter().any(|k| k == "sensitive.policy"), "{v}");
    assert!(!stack.wait_log(&id).to_string().contains(SSN), "the log never holds the SSN");

    // An endpoint without a policy is not held or changed.
    let r = stack.client().get("/api/v1/users/me", &[("x-request-id", &request_id("other"))]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("@example.com"));
}

#[test]
fn block_policy_replaces_a_leaking_response() {
    let stack = Stack::with_filter(redact_policy("block")).start();
    let id = request_id("leak");
    let r = stack.client().get("/api/v1/accounts/1001/cards", &[("x-request-id", &id)]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(!r.text().contains("4111111111111111"));
    assert_eq!(r.json()["error"], "blocked");
    let v = vigil_of(&stack.wait_log(&id));
    assert_eq!(v["verdict"], "block", "{v}");
}

#[test]
fn monitor_mode_reports_policy_violations_without_touching_traffic() {
    let stack = Stack::with_filter(redact_policy("monitor")).start();
    let id = request_id("monitor");
    let r = stack.client().get("/api/v1/customers/42", &[("x-request-id", &id)]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains(SSN), "monitor mode never alters a response");
    let line = stack.wait_log(&id);
    let v = vigil_of(&line);
    assert!(finding_kinds(&v).iter().any(|k| k == "sensitive.policy"), "{v}");
    assert!(!line.to_string().contains(SSN), "the log never holds the SSN: {line}");
}
