//! `vigil cases` and `vigil report` on a generated access log in the filter's format: one client
//! walking `/api/v1/accounts/{1..200}` with `behaviour.enumeration` findings (as the per-client
//! detector will emit them), another sending SQL injection and XSS that block mode stopped, and
//! benign clients. Cases: one per group with the right counts and evidence. Report: rendered in
//! headless Chromium (skipped with a message when it is not installed): the DOM holds the case
//! titles, endpoints and SVG charts, the XSS payload from the log appears escaped and injects
//! nothing, and the screenshot is a real PNG.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use vigil_integration_tests::*;

const ENUM_CLIENT: &str = "a1b2c3d4e5f60718";
const ATTACKER: &str = "9f8e7d6c5b4a3921";
const XSS_EVIDENCE: &str = "<img src=x onerror=alert(document.domain)>";
const T0: u64 = 1_795_242_000; // 2026-11-21T06:20:00Z

fn time(ms: u64) -> String {
    // Seconds past T0 in the same minute-hour frame: the test spans under 20 minutes.
    let s = T0 + ms / 1000;
    format!("2026-11-21T{:02}:{:02}:{:02}.{:03}Z", s / 3600 % 24, s / 60 % 60, s % 60, ms % 1000)
}

fn line(ms: u64, client: &str, path: &str, status: u16, verdict: &str, enforced: bool, findings: Value) -> String {
    let route = path.split('?').next().unwrap_or("").split('/').map(|s| if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() { "{account_id}" } else { s }).collect::<Vec<_>>().join("/");
    let vigil = json!({"verdict": verdict, "score": if verdict == "allow" { 0.0 } else { 0.95 }, "confidence": 0.9, "enforced": enforced,
        "endpoint": null, "client": client, "client_kind": "jwt_sub", "findings": findings,
        "obs": {"route": route, "auth": "bearer", "request": {"bytes": 0, "parse": "empty"},
                "response": {"bytes": 180 + (ms % 700), "parse": "json", "status": status, "content_type": "application/json"}},
        "inspect_us": 40});
    json!({"start_time": time(ms), "request_id": format!("req-{client}-{ms}"), "method": "GET", "path": path, "protocol": "HTTP/1.1",
        "status": status, "duration_ms": 3, "bytes_in": 0, "bytes_out": 180, "upstream": "127.0.0.1:18080", "vigil": vigil.to_string()})
    .to_string()
}

fn f(kind: &str, owasp: &str, severity: &str, location: &str, evidence: &str) -> Value {
    json!({"kind": kind, "owasp": owasp, "severity": severity, "confidence": 0.9, "location": location, "evidence": evidence})
}

fn synthetic_log(dir: &Path) -> PathBuf {
    let mut lines = Vec::new();
    for c in 0..20u64 {
        for i in 0..10u64 {
            let path = if i % 2 == 0 { "/api/v1/users/me".to_string() } else { format!("/api/v1/accounts/{}/balance", 1000 + c) };
            lines.push(line(c * 3_000 + i * 20_000, &format!("benign{c:010}"), &path, 200, "allow", false, json!([])));
        }
    }
    for i in 1..=200u64 {
        let ev = f("behaviour.enumeration", "API1:2023", "high", "path", &format!("{i} distinct ids of /api/v1/accounts/{{account_id}}"));
        lines.push(line(60_000 + i * 300, ENUM_CLIENT, &format!("/api/v1/accounts/{i}"), if i % 20 == 0 { 404 } else { 200 }, "flag", false, json!([ev])));
    }
    for i in 0..5u64 {
        let (path, ev) = if i % 2 == 0 {
            ("/api/v1/search?q=%27%20OR%201%3D1--&token=abcdef0123456789".to_string(), f("attack.sqli", "API8:2023", "critical", "query:q", "' OR 1=1--"))
        } else {
            ("/api/v1/search?q=<script>alert(1)</script>".to_string(), f("attack.xss", "API8:2023", "high", "query:q", XSS_EVIDENCE))
        };
        lines.push(line(120_000 + i * 2_000, ATTACKER, &path, 403, "block", true, json!([ev])));
    }
    let path = dir.join("access.jsonl");
    fs::write(&path, lines.join("\n") + "\nnot json\n").unwrap();
    path
}

fn vigil(args: &[&str]) -> std::process::Output {
    let paths = Paths::get();
    paths.require(&[Artifact::Vigil]);
    let o = Command::new(&paths.vigil).args(args).output().expect("run vigil");
    assert!(o.status.success(), "vigil {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

#[test]
fn cases_group_an_enumeration_walk_and_an_attacker() {
    let dir = tempfile::tempdir().unwrap();
    let log = synthetic_log(dir.path());
    let out: Value = serde_json::from_slice(&vigil(&["cases", "--json", log.to_str().unwrap()]).stdout).expect("JSON");
    let cases = out["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2, "{out:#}");
    assert_eq!(out["stats"]["malformed"], 1);

    let attack = &cases[0];
    assert_eq!(attack["title"], format!("Attacks by client {}", &ATTACKER[..8]));
    assert_eq!(attack["severity"], "critical");
    assert_eq!(attack["group"], json!({"by": "client", "client": ATTACKER, "family": "attack"}));
    assert_eq!((attack["counts"]["exchanges"].as_u64(), attack["counts"]["blocked"].as_u64()), (Some(5), Some(5)));
    assert_eq!(attack["kinds"], json!(["attack.sqli", "attack.xss"]));
    assert_eq!(attack["evidence"][0]["path"], "/api/v1/search?q=%27%20OR%201%3D1--&token=***", "secrets in the query are masked");
    assert_eq!(attack["evidence"][1]["findings"][0]["evidence"], XSS_EVIDENCE);

    let walk = &cases[1];
    assert_eq!(walk["title"], format!("Enumeration by client {}", &ENUM_CLIENT[..8]));
    assert_eq!(walk["owasp"], json!(["API1:2023"]));
    let c = &walk["counts"];
    assert_eq!((c["exchanges"].as_u64(), c["paths"].as_u64(), c["endpoints"].as_u64(), c["clients"].as_u64()), (Some(200), Some(200), Some(1), Some(1)));
    assert_eq!(c["status"]["404"], 10);
    assert_eq!(walk["endpoints"], json!(["GET /api/v1/accounts/{account_id}"]));
    let ev = walk["evidence"].as_array().unwrap();
    assert_eq!(ev.iter().map(|e| e["path"].as_str().unwrap()).collect::<Vec<_>>(), ["/api/v1/accounts/1", "/api/v1/accounts/2", "/api/v1/accounts/3"]);
    assert_eq!(ev[0]["request_id"], format!("req-{ENUM_CLIENT}-60300"));
    assert_eq!(ev[0]["findings"][0]["kind"], "behaviour.enumeration");
    let what = walk["description"]["what_happened"].as_str().unwrap();
    assert!(what.contains("200 flagged requests") && what.contains("more than 100.0% of the other 21 clients"), "{what}");

    let text = String::from_utf8(vigil(&["cases", "--window", "30m", log.to_str().unwrap()]).stdout).unwrap();
    assert!(text.contains("[HIGH] Enumeration by client a1b2c3d4") && text.contains("what to do:"), "{text}");
}

/// Headless Chromium, or `None` (with a message) when it is not installed.
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|b| {
        let o = Command::new("sh").arg("-c").arg(format!("command -v {b}")).output().ok()?;
        o.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
    });
    if found.is_none() {
        eprintln!("SKIPPED: the report is not rendered: Chromium is not installed (`make setup-report` installs Debian's chromium)");
    }
    found
}

fn headless(browser: &Path, profile: &Path, extra: &[&str], page: &Path) -> std::process::Output {
    let mut cmd = Command::new("timeout");
    cmd.arg("120").arg(browser).args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
    ]);
    cmd.arg(format!("--user-data-dir={}", profile.display())).args(extra).arg(format!("file://{}", page.display()));
    let o = cmd.output().expect("run chromium");
    assert!(o.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

#[test]
fn report_renders_in_a_browser_and_escapes_log_content() {
    let dir = tempfile::tempdir().unwrap();
    let log = synthetic_log(dir.path());
    let page = dir.path().join("report.html");
    vigil(&["report", log.to_str().unwrap(), "-o", page.to_str().unwrap()]);
    let html = fs::read_to_string(&page).unwrap();
    for banned in ["<script", "<link", "<img", "<iframe", " src=\"", "@import", "url("] {
        assert!(!html.contains(banned), "the page must be self-contained and inert: found {banned:?}");
    }
    assert!(html.contains("&lt;img src=x onerror=alert(document.domain)&gt;"), "the payload is shown, escaped");

    let Some(browser) = chromium() else { return };
    let dom = String::from_utf8(headless(&browser, &dir.path().join("p1"), &["--dump-dom"], &page).stdout).unwrap();
    for needle in [
        &format!("Enumeration by client {}", &ENUM_CLIENT[..8]),
        &format!("Attacks by client {}", &ATTACKER[..8]),
        "GET /api/v1/accounts/{account_id}",
        "GET /api/v1/users/me",
        "<svg id=\"traffic-chart\"",
        "<svg id=\"findings-by-owasp\"",
        "<svg id=\"size-chart\"",
        "API1:2023 Broken Object Level Authorization",
        "&lt;img src=x onerror=alert(document.domain)&gt;",
    ] {
        assert!(dom.contains(needle), "the rendered DOM lacks {needle:?}");
    }
    assert!(!dom.contains("<img") && !dom.contains("<script"), "log content injected an element");
    assert_eq!(dom.matches("class=\"case ").count(), 2);
    assert!(dom.matches("class=\"endpoint\"").count() >= 4);

    let png = dir.path().join("report.png");
    let shot = format!("--screenshot={}", png.display());
    headless(&browser, &dir.path().join("p2"), &[&shot, "--window-size=1280,2000"], &page);
    let bytes = fs::read(&png).expect("screenshot written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert!(bytes.len() > 30_000, "a blank page compresses to a few KB; got {} bytes", bytes.len());
    if let Some(keep) = std::env::var_os("VIGIL_REPORT_SCREENSHOT") {
        fs::copy(&png, keep).unwrap();
    }
}
