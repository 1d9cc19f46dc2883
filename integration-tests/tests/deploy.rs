//! Deployment features through real Envoys: live model pushes over ECDS while traffic flows,
//! out-of-band inspection of mirrored traffic, and alerts batched to a local HTTP receiver.
//! Figures are printed (`cargo test -- --nocapture` shows them).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigil_integration_tests::*;

/// Prints the digest of each Envoy log (and keeps the temp dir) if the test panics.
struct OnFail {
    logs: Vec<(String, PathBuf)>,
    dir: Option<tempfile::TempDir>,
}

impl OnFail {
    fn new() -> OnFail {
        OnFail { logs: vec![], dir: Some(tempfile::Builder::new().prefix("vigil-deploy-").tempdir().expect("temp dir")) }
    }
    fn dir(&self) -> &Path {
        self.dir.as_ref().expect("dir").path()
    }
    fn watch(&mut self, name: &str, log: PathBuf) {
        self.logs.push((name.into(), log));
    }
}

impl Drop for OnFail {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let dir = self.dir.take().map(|d| d.keep());
            eprintln!("=== test failed; files kept in {:?} ===", dir);
            for (name, log) in &self.logs {
                eprintln!("--- {name} ---\n{}", envoy_log_digest(&std::fs::read_to_string(log).unwrap_or_default()));
            }
        }
    }
}

/// Tests that measure latency or put a burst through Envoy take this lock, so that on a 2-core
/// machine one test's load never lands in another's measurements.
static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn measuring() -> std::sync::MutexGuard<'static, ()> {
    MEASURING.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn write_json(path: &Path, v: &Value) -> String {
    std::fs::write(path, serde_json::to_vec(v).unwrap()).unwrap();
    s(path)
}

// ------------------------------------------------------------------------------------------------
// Live model pushes (ECDS)
// ------------------------------------------------------------------------------------------------

fn counter(admin: u16, name: &str) -> u64 {
    admin_stats(admin).get(name).copied().unwrap_or(0)
}

fn wait_counter(admin: u16, name: &str, min: u64) {
    let end = Instant::now() + Duration::from_secs(10);
    while counter(admin, name) < min {
        assert!(Instant::now() < end, "{name} did not reach {min} (is {})", counter(admin, name));
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ecds_pushes_a_new_model_while_traffic_flows() {
    let mut g = OnFail::new();
    let paths = Paths::get();
    paths.require(&[Artifact::Envoy, Artifact::Wasm, Artifact::Vigil]);
    let api = SampleApi::start();
    let dir = g.dir().to_path_buf();
    let [listen, admin] = free_ports();
    let (ecds, log, conf, elog) = (dir.join("ecds.json"), dir.join("access.jsonl"), dir.join("envoy.yaml"), dir.join("envoy.log"));
    let wasm = s(&paths.wasm);
    let empty = write_json(&dir.join("empty.json"), &json!({}));
    vigil(&[
        "render-config", "--wasm", &wasm, "--listen", &format!("127.0.0.1:{listen}"), "--admin", &format!("127.0.0.1:{admin}"),
        "--upstream", &api.addr(), "--access-log", &s(&log), "--ecds", &s(&ecds), "--config", &empty, "-o", &s(&conf),
    ]);
    g.watch("envoy", elog.clone());
    let _envoy = start_envoy(&conf, admin, &elog);
    let addr = format!("127.0.0.1:{listen}");

    // Continuous traffic on keep-alive connections for the whole test.
    let stop = Arc::new(AtomicBool::new(false));
    let (sent, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (stop, sent, failed, addr) = (stop.clone(), sent.clone(), failed.clone(), addr.clone());
            std::thread::spawn(move || {
                let mut c = KeepAlive::connect(&addr);
                while !stop.load(Ordering::Relaxed) {
                    let r = c.send(&raw_get("/api/v1/accounts/1001/balance", &[]));
                    sent.fetch_add(1, Ordering::Relaxed);
                    if !r.as_ref().is_ok_and(|r| (200..300).contains(&r.status)) {
                        failed.fetch_add(1, Ordering::Relaxed);
                        c = KeepAlive::connect(&addr);
                    }
                }
            })
        })
        .collect();

    let probe = |tag: &str| -> Value {
        let id = request_id(tag);
        let r = KeepAlive::connect(&addr).send(&raw_get("/api/v1/accounts/1001", &[("x-request-id", &id)])).unwrap();
        assert_eq!(r.status, 200);
        vigil_of(&wait_log_line(&log, &id))
    };
    assert_eq!(probe("before")["endpoint"], Value::Null, "no model yet");

    // Push a model that knows the endpoint, several times alternating with the empty config.
    let model = write_json(
        &dir.join("model.json"),
        &json!({"version": 1, "endpoints": [
            {"method": "GET", "template": "/api/v1/accounts/{account_id}", "count": 50},
            {"method": "GET", "template": "/api/v1/accounts/{account_id}/balance", "count": 50}]}),
    );
    let ok = "extension_config_discovery.http_filter.vigil.update_success";
    let rejected = "extension_config_discovery.http_filter.vigil.update_rejected";
    let initial = counter(admin, ok);
    let mut successes = initial;
    let mut push_ms = Vec::new();
    for round in 0..3 {
        let t = Instant::now();
        vigil(&["push", "--ecds", &s(&ecds), "--wasm", &wasm, "--model", &model]);
        successes += 1;
        wait_counter(admin, ok, successes);
        push_ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(probe("model")["endpoint"], "/api/v1/accounts/{account_id}", "round {round}: the next request uses the new model");
        if round < 2 {
            vigil(&["push", "--ecds", &s(&ecds), "--wasm", &wasm, "--config", &empty]);
            successes += 1;
            wait_counter(admin, ok, successes);
            assert_eq!(probe("nomodel")["endpoint"], Value::Null, "round {round}: back to no model");
        }
    }

    // `vigil push` refuses a bad configuration and names the field; the file is untouched.
    let before = std::fs::read(&ecds).unwrap();
    let bad_cfg = write_json(&dir.join("bad.json"), &json!({"mode": "bogus"}));
    let o = std::process::Command::new(&paths.vigil)
        .args(["push", "--ecds", &s(&ecds), "--wasm", &wasm, "--config", &bad_cfg])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("`mode`"), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&ecds).unwrap(), before, "a refused push leaves the file as it was");

    // A bad model written behind the CLI's back: Envoy rejects it and keeps serving the last good one.
    let mut resource: Value = serde_json::from_slice(&before).unwrap();
    let cfg = &mut resource["resources"][0]["typed_config"]["config"]["configuration"]["value"];
    *cfg = Value::String(json!({"model": {"version": 1, "endpoints": [{"method": "GET", "template": "no-slash", "count": 1}]}}).to_string());
    resource["version_info"] = Value::from("bad-1");
    let rejected_before = counter(admin, rejected);
    let tmp = dir.join("ecds.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(&resource).unwrap()).unwrap();
    std::fs::rename(&tmp, &ecds).unwrap();
    wait_counter(admin, rejected, rejected_before + 1);
    assert_eq!(probe("after-bad")["endpoint"], "/api/v1/accounts/{account_id}", "the previous model keeps serving");
    assert!(std::fs::read_to_string(&elog).unwrap_or_default().contains("model.endpoints[0].template"), "the refusal names the field");

    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let (sent, failed) = (sent.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    eprintln!(
        "ECDS: {} good pushes applied (push->applied {:?} ms), 1 bad push rejected; {sent} requests during pushes, {failed} non-2xx",
        successes - initial,
        push_ms.iter().map(|x| x.round()).collect::<Vec<_>>()
    );
    assert!(sent > 100, "traffic flowed during the pushes ({sent})");
    assert_eq!(failed, 0, "no request failed during pushes");
    assert_eq!(counter(admin, "listener_manager.listener_modified"), 0, "the listener was never drained");
}

// ------------------------------------------------------------------------------------------------
// Out-of-band (mirror)
// ------------------------------------------------------------------------------------------------

/// A JSON body of about `kb` KiB with many string fields: heavy to inspect.
fn big_json(kb: usize) -> Vec<u8> {
    let mut items = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < kb * 1024 {
        let item = json!({"id": i, "name": format!("customer {i}"), "email": format!("user{i}@example.com"),
                          "memo": "the quick brown fox jumps over the lazy dog, again and again", "tags": ["a", "b", "c"]});
        size += item.to_string().len() + 1;
        items.push(item);
        i += 1;
    }
    serde_json::to_vec(&json!({"items": items})).unwrap()
}

fn post(path: &str, id: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST {path} HTTP/1.1\r\nHost: api.example.com\r\nx-request-id: {id}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

struct Rendered {
    envoy: Envoy,
    listen: u16,
    log: PathBuf,
}

fn render_and_start(g: &mut OnFail, name: &str, args: &[&str]) -> Rendered {
    let dir = g.dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let [listen, admin] = free_ports();
    let (log, conf, elog) = (dir.join("access.jsonl"), dir.join("envoy.yaml"), dir.join("envoy.log"));
    let mut all: Vec<String> = ["render-config", "--listen", &format!("127.0.0.1:{listen}"), "--admin", &format!("127.0.0.1:{admin}")]
        .iter()
        .map(|s| s.to_string())
        .collect();
    all.extend(args.iter().map(|s| s.replace("{dir}", &s_dir(&dir))));
    all.extend(["--access-log".into(), s(&log), "-o".into(), s(&conf)]);
    vigil(&all.iter().map(String::as_str).collect::<Vec<_>>());
    g.watch(name, elog.clone());
    Rendered { envoy: start_envoy(&conf, admin, &elog), listen, log }
}

fn s_dir(p: &Path) -> String {
    s(p)
}

#[test]
fn mirrored_inspection_keeps_client_latency_and_logs_verdicts() {
    let _measuring = measuring();
    let mut g = OnFail::new();
    let paths = Paths::get();
    paths.require(&[Artifact::Envoy, Artifact::Wasm, Artifact::Vigil]);
    let upstream = MiniServer::ok();
    let wasm = s(&paths.wasm);
    let cfg = write_json(&g.dir().join("cfg.json"), &json!({"inspect": {"request_body_bytes": 1_048_576}}));
    let none = render_and_start(&mut g, "nofilter", &["--upstream", &upstream.addr(), "--no-filter"]);
    let inline = render_and_start(&mut g, "inline", &["--upstream", &upstream.addr(), "--wasm", &wasm, "--config", &cfg]);
    // The analyzer in its own Envoy (own worker), the client-facing Envoy mirroring to it.
    let analyzer_port = free_port();
    let analyzer_addr = format!("127.0.0.1:{analyzer_port}");
    let analyzer_log = g.dir().join("analyzer.jsonl");
    let analyzer = {
        let dir = g.dir().join("analyzer");
        std::fs::create_dir_all(&dir).unwrap();
        let admin = free_port();
        let (conf, elog) = (dir.join("envoy.yaml"), dir.join("envoy.log"));
        vigil(&[
            "render-config", "--target", "envoy-mirror", "--mirror-role", "analyzer", "--mirror-listen", &analyzer_addr,
            "--admin", &format!("127.0.0.1:{admin}"), "--wasm", &wasm, "--config", &cfg, "--access-log", &s(&analyzer_log), "-o", &s(&conf),
        ]);
        g.watch("analyzer", elog.clone());
        start_envoy(&conf, admin, &elog)
    };
    let front = render_and_start(
        &mut g,
        "front",
        &["--target", "envoy-mirror", "--mirror-role", "front", "--mirror-listen", &analyzer_addr, "--upstream", &upstream.addr()],
    );
    // Control: the same mirroring to a plain sink, to separate the cost of copying the request
    // (the front proxy's work) from the filter's work (the analyzer's).
    let plain_sink = MiniServer::ok();
    let front_plain = render_and_start(
        &mut g,
        "front-plain",
        &["--target", "envoy-mirror", "--mirror-role", "front", "--mirror-listen", &plain_sink.addr(), "--upstream", &upstream.addr()],
    );

    // An attack sent to the client-facing listener shows up with findings in the analyzer's log.
    let id = request_id("mirror-attack");
    let r = KeepAlive::connect(&format!("127.0.0.1:{}", front.listen))
        .send(&raw_get("/api/v1/search?q=%27%20OR%201%3D1--", &[("x-request-id", &id)]))
        .unwrap();
    assert_eq!(r.status, 200, "the client path is not filtered");
    let line = wait_log_line(&analyzer_log, &id);
    let v = vigil_of(&line);
    assert!(finding_kinds(&v).iter().any(|k| k == "attack.sqli"), "analyzer verdict: {v}");
    assert_eq!(v["enforced"], false);
    let front_line = wait_log_line(&front.log, &id);
    assert_eq!(front_line["vigil"], Value::Null, "the front listener runs no filter");

    // Latency: the same heavy POSTs, interleaved across the three set-ups to share the noise.
    let body = big_json(256);
    let mut conns: Vec<KeepAlive> =
        [none.listen, inline.listen, front.listen, front_plain.listen].iter().map(|p| KeepAlive::connect(&format!("127.0.0.1:{p}"))).collect();
    let mut lat: [Vec<f64>; 4] = Default::default();
    for i in 0..130 {
        for (k, c) in conns.iter_mut().enumerate() {
            let req = post("/api/v1/import", &format!("lat-{k}-{i}"), &body);
            let t = Instant::now();
            let r = c.send(&req).unwrap_or_else(|e| panic!("setup {k} request {i}: {e}"));
            let ms = t.elapsed().as_secs_f64() * 1e3;
            assert_eq!(r.status, 200, "setup {k}: {}", r.text());
            if i >= 10 {
                lat[k].push(ms); // the first requests warm up connections and the VMs
            }
        }
    }
    let p = |k: usize, q: f64| quantile(&lat[k], q);
    eprintln!(
        "mirror latency, {} KiB JSON POST, ms p50/p95: no filter {:.2}/{:.2}, inline {:.2}/{:.2}, mirrored to Vigil {:.2}/{:.2}, mirrored to a plain sink {:.2}/{:.2}",
        body.len() / 1024,
        p(0, 0.5), p(0, 0.95), p(1, 0.5), p(1, 0.95), p(2, 0.5), p(2, 0.95), p(3, 0.5), p(3, 0.95)
    );
    // The workload is heavy enough that inline inspection shows...
    assert!(p(1, 0.5) > p(0, 0.5) + 0.5, "inline inspection should cost visibly: {:.2} vs {:.2}", p(1, 0.5), p(0, 0.5));
    // ...while the filter's work does not reach the mirrored path: compared with mirroring to a
    // plain sink (the same extra copy of the body), at most a fifth of what inline inspection
    // adds shows up, plus a little scheduling noise...
    let inline_cost = p(1, 0.5) - p(0, 0.5);
    let mirror_extra = p(2, 0.5) - p(3, 0.5);
    assert!(
        mirror_extra < inline_cost * 0.2 + 0.3,
        "mirrored to Vigil p50 {:.2} vs to a plain sink {:.2}: +{mirror_extra:.2} ms of an inline cost of {inline_cost:.2} ms",
        p(2, 0.5),
        p(3, 0.5)
    );
    // ...and it clearly beats inline inspection.
    assert!(p(2, 0.5) < p(0, 0.5) + inline_cost * 0.5, "mirrored {:.2} must beat inline {:.2}", p(2, 0.5), p(1, 0.5));
    // The analyzer saw (and logged) the mirrored POSTs too.
    let seen = read_access_log(&analyzer_log).iter().filter(|l| l["path"] == "/api/v1/import").count();
    assert!(seen >= 100, "analyzer logged {seen} of the mirrored POSTs");
    drop((analyzer, front, front_plain, inline, none));
}

// ------------------------------------------------------------------------------------------------
// Alerts
// ------------------------------------------------------------------------------------------------

fn alerts_in(r: &Received) -> Vec<Value> {
    if r.header("authorization").is_some_and(|a| a.starts_with("Splunk ")) {
        String::from_utf8_lossy(&r.body).lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).map(|v| v["event"].clone()).collect()
    } else {
        serde_json::from_slice::<Value>(&r.body).ok().and_then(|v| v["alerts"].as_array().cloned()).unwrap_or_default()
    }
}

fn delivered(sink: &MiniServer) -> usize {
    sink.requests().iter().filter(|(_, st)| (200..300).contains(st)).map(|(r, _)| alerts_in(r).len()).sum()
}

fn prom(admin: u16, name: &str) -> f64 {
    prom_sum(&admin_get(admin, "/stats/prometheus").map(|(_, b)| b).unwrap_or_default(), name).unwrap_or(0.0)
}

fn prom_labelled(admin: u16, name: &str, label: &str) -> f64 {
    let text = admin_get(admin, "/stats/prometheus").map(|(_, b)| b).unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with(name) && l.contains(label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[test]
fn alert_burst_is_delivered_or_counted_and_retried_on_5xx() {
    let _measuring = measuring();
    let mut g = OnFail::new();
    let paths = Paths::get();
    paths.require(&[Artifact::Envoy, Artifact::Wasm, Artifact::Vigil]);
    let upstream = MiniServer::ok();
    // The receiver: 503 for the first two POSTs (retried), then 200 after 20 ms (a slowish SIEM).
    let sink = MiniServer::start(|_, i| if i < 2 { (503, Duration::ZERO) } else { (200, Duration::from_millis(20)) });
    let cfg = write_json(
        &g.dir().join("cfg.json"),
        &json!({"alerts": {"cluster": "x", "min_severity": "high", "batch_max": 100, "flush_ms": 100, "queue_max": 1000}}),
    );
    let e = render_and_start(
        &mut g,
        "alerts",
        &["--upstream", &upstream.addr(), "--wasm", &s(&paths.wasm), "--config", &cfg, "--alerts-url", &format!("http://{}/hook", sink.addr())],
    );
    let admin = e.envoy.admin_port;
    let addr = format!("127.0.0.1:{}", e.listen);

    // One alert end to end: shape and content.
    let id = request_id("alert-one");
    KeepAlive::connect(&addr).send(&raw_get("/api/v1/search?q=%27%20OR%201%3D1--&token=s3cret", &[("x-request-id", &id)])).unwrap();
    let end = Instant::now() + Duration::from_secs(15);
    let one = loop {
        let found = sink.requests().into_iter().filter(|(_, st)| *st == 200).flat_map(|(r, _)| alerts_in(&r)).find(|a| a["request_id"] == id.as_str());
        if let Some(a) = found {
            break a;
        }
        assert!(Instant::now() < end, "the alert for {id} did not arrive; received {:?}", sink.requests().len());
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(one["path"], "/api/v1/search", "{one}");
    assert!(!one.to_string().contains("s3cret"), "no query values in alerts: {one}");
    assert!(one["findings"].as_array().is_some_and(|f| f.iter().any(|f| f["kind"] == "attack.sqli")), "{one}");
    assert!(one["client"].as_str().is_some_and(|c| !c.is_empty()), "{one}");
    let (first, _) = sink.requests().into_iter().find(|(_, st)| *st == 503).expect("the first POST got a 503");
    assert_eq!((first.method.as_str(), first.path.as_str()), ("POST", "/hook"));
    assert_eq!(first.header("host").or(first.header(":authority")), Some(sink.addr().as_str()));
    assert!(prom_labelled(admin, "vigil_alerts_total", "outcome=\"retried\"") >= 1.0, "the 503s were retried");

    // The burst: 10,000 flagged requests from 4 keep-alive connections.
    let sent_before = 1usize;
    let n_threads = 4;
    let per = 2500;
    let t = Instant::now();
    let threads: Vec<_> = (0..n_threads)
        .map(|k| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut c = KeepAlive::connect(&addr);
                for i in 0..per {
                    let r = c.send(&raw_get(&format!("/api/v1/search?q=%27%20OR%20{k}{i}%3D{k}{i}--"), &[])).unwrap();
                    assert_eq!(r.status, 200);
                }
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    let burst_s = t.elapsed().as_secs_f64();
    let sent = sent_before + n_threads * per;
    // Everything is delivered or counted as dropped; wait for the queue to drain.
    let end = Instant::now() + Duration::from_secs(60);
    let (mut got, mut dropped, mut failed);
    loop {
        got = delivered(&sink);
        dropped = prom_labelled(admin, "vigil_errors_total", "kind=\"alert_dropped\"") as usize;
        failed = prom_labelled(admin, "vigil_errors_total", "kind=\"alert_failed\"") as usize;
        if got + dropped + failed >= sent {
            break;
        }
        assert!(Instant::now() < end, "alerts unaccounted for: sent {sent}, received {got}, dropped {dropped}, failed {failed}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let posts = sink.requests().len();
    eprintln!(
        "alerts: {sent} flagged requests in {burst_s:.1}s ({:.0}/s); received {got} in {posts} POSTs, dropped {dropped} (queue_max 1000), failed {failed}",
        sent as f64 / burst_s
    );
    assert_eq!(got + dropped + failed, sent, "received + dropped + failed == sent");
    assert_eq!(failed, 0);
    assert!(got >= 1000, "most alerts arrived ({got})");
    assert_eq!(prom(admin, "vigil_alerts_total") as usize >= got, true);
}

#[test]
fn alerts_do_not_slow_the_request_path_and_splunk_hec_shape() {
    let _measuring = measuring();
    let mut g = OnFail::new();
    let paths = Paths::get();
    paths.require(&[Artifact::Envoy, Artifact::Wasm, Artifact::Vigil]);
    let upstream = MiniServer::ok();
    // A slow SIEM (200 ms per POST): it must not show in client latency.
    let sink = MiniServer::start(|_, _| (200, Duration::from_millis(200)));
    let on_cfg = write_json(
        &g.dir().join("on.json"),
        &json!({"alerts": {"cluster": "x", "format": "splunk_hec", "token": "hec-token-1", "min_severity": "high", "flush_ms": 200}}),
    );
    let off_cfg = write_json(&g.dir().join("off.json"), &json!({}));
    let wasm = s(&paths.wasm);
    let on = render_and_start(
        &mut g,
        "on",
        &["--upstream", &upstream.addr(), "--wasm", &wasm, "--config", &on_cfg, "--alerts-url", &format!("http://{}/services/collector/event", sink.addr())],
    );
    let off = render_and_start(&mut g, "off", &["--upstream", &upstream.addr(), "--wasm", &wasm, "--config", &off_cfg]);
    let mut conns = [KeepAlive::connect(&format!("127.0.0.1:{}", off.listen)), KeepAlive::connect(&format!("127.0.0.1:{}", on.listen))];
    let mut lat: [Vec<f64>; 2] = Default::default();
    for i in 0..600 {
        for (k, c) in conns.iter_mut().enumerate() {
            let req = raw_get(&format!("/api/v1/search?q=%27%20OR%20{i}%3D{i}--"), &[("x-request-id", &format!("lat-{k}-{i}"))]);
            let t = Instant::now();
            let r = c.send(&req).unwrap();
            let ms = t.elapsed().as_secs_f64() * 1e3;
            assert_eq!(r.status, 200);
            if i >= 50 {
                lat[k].push(ms);
            }
        }
    }
    let (off50, on50) = (quantile(&lat[0], 0.5), quantile(&lat[1], 0.5));
    let (off95, on95) = (quantile(&lat[0], 0.95), quantile(&lat[1], 0.95));
    let end = Instant::now() + Duration::from_secs(20);
    while delivered(&sink) < 600 {
        assert!(Instant::now() < end, "only {} of 600 alerts arrived", delivered(&sink));
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "alerts latency, flagged GET, ms p50/p95: alerts off {off50:.3}/{off95:.3}, on {on50:.3}/{on95:.3} (SIEM answers in 200 ms; {} POSTs)",
        sink.requests().len()
    );
    assert!(on50 < off50 * 1.3 + 0.15, "alerts on p50 {on50:.3} ms vs off {off50:.3} ms");

    let (r, _) = sink.requests().remove(0);
    assert_eq!(r.header("authorization"), Some("Splunk hec-token-1"));
    assert_eq!(r.path, "/services/collector/event");
    let text = String::from_utf8_lossy(&r.body).into_owned();
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("HEC line is not JSON ({e}): {l}"));
        assert_eq!(v["sourcetype"], "vigil");
        assert!(v["time"].as_f64().is_some_and(|t| t > 1.6e9), "{v}");
        assert!(v["event"]["findings"].is_array(), "{v}");
    }
}
