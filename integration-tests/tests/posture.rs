//! Posture through a real Envoy: the sample API's misconfigured endpoints (stack trace and
//! version banner, SQL error, Basic auth with reflected CORS and cacheable personal data, a
//! credential in the query string), unsigned and long-lived JWTs, sensitive data without a
//! credential and HSTS behind TLS are each found in the access log, with redacted evidence; a
//! careful request stays `allow`; and `vigil cases` turns that log into per-endpoint cases.

use std::process::Command;
use vigil_integration_tests::*;

fn finding<'a>(v: &'a Value, kind: &str) -> Option<&'a Value> {
    v["findings"].as_array()?.iter().find(|f| f["kind"] == kind)
}

/// GETs `path`, returns the `vigil` object of its log line.
fn get(stack: &Stack, path: &str, headers: &[(&str, &str)]) -> Value {
    let id = request_id("posture");
    let mut h = vec![("x-request-id", id.as_str())];
    h.extend_from_slice(headers);
    stack.client().get(path, &h);
    vigil_of(&stack.wait_log(&id))
}

fn assert_kinds(v: &Value, kinds: &[&str]) {
    for k in kinds {
        let f = finding(v, k).unwrap_or_else(|| panic!("expected {k}: {v}"));
        assert!(f["owasp"].as_str().is_some_and(|o| o.ends_with(":2023")), "{f}");
        // The why and the fix come by kind (`vigil cases` shows them), not in every log line.
        assert!(vigil_model::posture::advice(k).is_some_and(|a| a.contains("Fix:")), "a remediation sentence for {k}");
        assert!(!f.to_string().contains("Fix:"), "the log line does not repeat the advice: {f}");
    }
}

#[test]
fn misconfigurations_are_found_in_the_access_log() {
    // As behind a TLS-terminating load balancer: one trusted hop, whose x-forwarded-proto Envoy keeps.
    let stack = Stack::with_filter(json!({})).render_arg("--xff-trusted-hops").render_arg("1").start();

    let v = get(&stack, "/api/v1/debug/error", &[]);
    assert_kinds(&v, &["posture.verbose_error", "posture.version_banner", "posture.nosniff"]);
    assert!(finding(&v, "posture.verbose_error").unwrap()["evidence"].as_str().unwrap().contains("at com.acme.bank.api.AccountController"), "{v}");
    assert_eq!(finding(&v, "posture.version_banner").unwrap()["evidence"], "server: Apache/2.4.41 (Ubuntu)");
    assert_eq!(v["verdict"], "allow", "posture alone does not flag the client: {v}");

    let v = get(&stack, "/api/v1/debug/sql", &[]);
    assert_kinds(&v, &["posture.verbose_error", "posture.version_banner"]);
    assert_eq!(finding(&v, "posture.version_banner").unwrap()["location"], "response.header:x-powered-by");

    let basic = "Basic YWxpY2U6czNjcmV0"; // alice:s3cret
    let v = get(&stack, "/api/v1/legacy/profile", &[("authorization", basic), ("origin", "https://evil.example")]);
    assert_kinds(&v, &["posture.basic_auth", "posture.cors_reflected_origin", "posture.cache_control", "posture.nosniff"]);
    assert!(!v.to_string().contains("YWxpY2U6czNjcmV0"), "the credential is never logged: {v}");

    let key = "sk_test_51HxQ2k9aZ8mB4cD";
    let line = {
        let id = request_id("posture");
        stack.client().get(&format!("/api/v1/legacy/export?api_key={key}"), &[("x-request-id", &id)]);
        stack.wait_log(&id)
    };
    assert_kinds(&vigil_of(&line), &["posture.credential_in_url"]);
    assert!(!vigil_of(&line).to_string().contains(key), "evidence is masked");

    let none = format!("Bearer {}", unsigned_jwt("user-1001"));
    let v = get(&stack, "/api/v1/accounts/1001", &[("authorization", &none)]);
    assert_kinds(&v, &["posture.jwt_alg_none", "posture.jwt_no_exp"]);
    assert_eq!(v["verdict"], "flag", "an accepted unsigned token is serious enough to flag: {v}");

    let year = jwt(&json!({"alg": "RS256"}), &json!({"sub": "u", "iat": 1_763_700_000u64, "exp": 1_795_236_000u64}));
    let v = get(&stack, "/api/v1/accounts/1001", &[("authorization", &format!("Bearer {year}"))]);
    assert_kinds(&v, &["posture.jwt_long_lived"]);

    let v = get(&stack, "/api/v1/customers/42", &[]);
    assert_kinds(&v, &["posture.unauthenticated_sensitive"]);
    assert_ne!(v["verdict"], "allow", "{v}");

    // Behind the TLS front (x-forwarded-proto: https, its x-forwarded-for entry) the answer lacks HSTS.
    let careful = format!("Bearer {}", signed_jwt("user-1001"));
    let tls = [("authorization", careful.as_str()), ("x-forwarded-proto", "https"), ("x-forwarded-for", "203.0.113.20")];
    let v = get(&stack, "/api/v1/accounts/1001/balance", &tls);
    assert_kinds(&v, &["posture.hsts"]);

    // A careful request to a careful endpoint: nothing but, over plain HTTP, the token's transport.
    let v = get(&stack, "/api/v1/accounts/1001/balance", &[("authorization", &careful)]);
    assert_eq!(v["verdict"], "allow", "{v}");
    let posture: Vec<String> = finding_kinds(&v).into_iter().filter(|k| k.starts_with("posture.")).collect();
    assert!(posture.iter().all(|k| k == "posture.jwt_plain_http"), "{v}");

    // `vigil cases` on this very log: one case per (kind, endpoint) for posture.
    let paths = Paths::get();
    let o = Command::new(&paths.vigil).arg("cases").arg("--json").arg(&stack.ep.access_log).output().expect("run vigil cases");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out: Value = serde_json::from_slice(&o.stdout).expect("cases JSON");
    let cases = out["cases"].as_array().expect("cases");
    let titles: Vec<&str> = cases.iter().filter_map(|c| c["title"].as_str()).collect();
    for t in [
        "posture.verbose_error on GET /api/v1/debug/error",
        "posture.cors_reflected_origin on GET /api/v1/legacy/profile",
        "posture.jwt_alg_none on GET /api/v1/accounts/{account_id}",
        "posture.credential_in_url on GET /api/v1/legacy/export",
    ] {
        assert!(titles.contains(&t), "no case {t:?} in {titles:#?}");
    }
    let export = cases.iter().find(|c| c["title"] == "posture.credential_in_url on GET /api/v1/legacy/export").unwrap();
    assert_eq!(export["evidence"][0]["path"], "/api/v1/legacy/export?api_key=***", "{export}");
    assert_eq!(export["status"], "open");
    let fix = export["description"]["what_to_do"].as_str().unwrap_or("");
    assert!(fix.starts_with("Accept credentials only in the Authorization header"), "{export}");

    // `vigil report` on the same log: the cases and the inventory are on the page.
    let page = stack.dir().join("report.html");
    let o = Command::new(&paths.vigil).arg("report").arg(&stack.ep.access_log).arg("-o").arg(&page).output().expect("run vigil report");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&page).expect("report written");
    for t in ["posture.verbose_error on GET /api/v1/debug/error", "GET /api/v1/legacy/profile", "basic (1)", "<svg id=\"size-chart\""] {
        assert!(html.contains(t), "the report lacks {t:?}");
    }
    if let Some(keep) = std::env::var_os("VIGIL_POSTURE_REPORT") {
        std::fs::copy(&page, keep).expect("copy the report");
    }
}
