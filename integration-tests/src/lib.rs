//! Test harness: a real Envoy, the built filter and the sample API, on ephemeral 127.0.0.1 ports.
//!
//! What it owns: finding the artifacts (`ENVOY_BIN`, `VIGIL_WASM`, `VIGIL_BIN`, defaulting to the
//! paths `make build` produces under the workspace root), starting and stopping processes by pid,
//! readiness with deadlines (never fixed sleeps), rendering bootstraps with `vigil render-config`,
//! and the clients the tests talk through: HTTP/1.1 keep-alive ([`Client`]), a raw one-connection
//! HTTP/1.1 client that sends paths byte for byte ([`raw_http1`]), HTTP/2 prior knowledge through
//! `curl` ([`curl_h2`]), the JSON access log ([`Stack::wait_log`]) and the admin stats.
//!
//! Main design decision: one [`Stack`] per test (its own temp dir, upstream and Envoy), so tests run
//! in parallel without sharing state. Envoys run with `--disable-hot-restart` (several Envoys on one
//! machine otherwise collide on the hot-restart socket, platform.md section 9) and
//! `--file-flush-interval-msec 50` so access-log lines are on disk quickly; readers still poll with
//! a deadline because the flush is asynchronous. When a test panics, the guard's `Drop` prints the
//! tail of Envoy's log and of the access log and keeps the temp dir for inspection.

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub use serde_json::{json, Value};

/// How long Envoy gets to report `/ready` (includes compiling the wasm module in V8).
pub const ENVOY_READY_DEADLINE: Duration = Duration::from_secs(20);
/// How long an access-log line may take to appear.
pub const LOG_DEADLINE: Duration = Duration::from_secs(10);
/// Per-request timeout of the HTTP clients.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

// ------------------------------------------------------------------------------------------------
// Artifacts
// ------------------------------------------------------------------------------------------------

/// Paths of the artifacts under test.
#[derive(Debug, Clone)]
pub struct Paths {
    pub root: PathBuf,
    pub envoy: PathBuf,
    pub wasm: PathBuf,
    pub vigil: PathBuf,
    pub sample_api: PathBuf,
}

impl Paths {
    /// `ENVOY_BIN`, `VIGIL_WASM` and `VIGIL_BIN` from the environment, else the `make build` outputs.
    pub fn get() -> Paths {
        let root = workspace_root();
        let from_env = |var: &str, default: PathBuf| match std::env::var_os(var) {
            Some(v) if !v.is_empty() => PathBuf::from(v),
            _ => default,
        };
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
        Paths {
            envoy: from_env("ENVOY_BIN", root.join(".venv/bin/envoy")),
            wasm: from_env("VIGIL_WASM", target.join("wasm32-wasip1/release/vigil_filter.wasm")),
            vigil: from_env("VIGIL_BIN", target.join("release/vigil")),
            sample_api: root.join("examples/sample-api/server.py"),
            root,
        }
    }

    /// Panics with a hint when an artifact is missing (a test that needs it cannot say anything useful).
    pub fn require(&self, what: &[Artifact]) {
        for a in what {
            let (path, var, hint) = match a {
                Artifact::Envoy => (&self.envoy, "ENVOY_BIN", "make setup"),
                Artifact::Wasm => (&self.wasm, "VIGIL_WASM", "make build"),
                Artifact::Vigil => (&self.vigil, "VIGIL_BIN", "make build"),
            };
            assert!(path.is_file(), "{var}: {} does not exist; run `{hint}` (or set {var})", path.display());
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Artifact {
    Envoy,
    Wasm,
    Vigil,
}

/// The workspace root: the parent of this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

/// An ephemeral port that was free a moment ago (the OS picks it; we release it for the child).
/// The small window in which another process could take it is handled by [`Stack`] retrying once
/// when Envoy reports an address in use.
pub fn free_port() -> u16 {
    free_ports::<1>()[0]
}

/// `N` distinct free ports (all held open until every one is picked, so none repeats).
pub fn free_ports<const N: usize>() -> [u16; N] {
    let ls: Vec<TcpListener> =
        (0..N).map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0")).collect();
    std::array::from_fn(|i| ls[i].local_addr().expect("local_addr").port())
}

// ------------------------------------------------------------------------------------------------
// Processes
// ------------------------------------------------------------------------------------------------

/// A child process killed by pid (SIGKILL via `Child::kill`) and reaped when dropped.
pub struct Proc {
    pub name: String,
    child: Child,
}

impl Proc {
    pub fn spawn(name: &str, cmd: &mut Command) -> Proc {
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        Proc { name: name.to_string(), child }
    }
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
    /// `Some(status)` once the process has exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
    /// Waits up to `deadline` for the process to exit by itself.
    pub fn wait_exit(&mut self, deadline: Duration) -> Option<ExitStatus> {
        let end = Instant::now() + deadline;
        loop {
            if let Some(s) = self.try_wait() {
                return Some(s);
            }
            if Instant::now() >= end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.try_wait().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The sample API (`examples/sample-api/server.py`) on an ephemeral port.
pub struct SampleApi {
    pub port: u16,
    _proc: Proc,
}

impl SampleApi {
    pub fn start() -> SampleApi {
        let paths = Paths::get();
        let mut cmd = Command::new("python3");
        cmd.arg(&paths.sample_api)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut proc = Proc::spawn("sample-api", &mut cmd);
        let stdout = proc.child.stdout.take().expect("piped stdout");
        // The server binds port 0 and prints `READY 127.0.0.1:<port>`: no port race, no sleep.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(15))
            .unwrap_or_else(|_| panic!("sample API did not print READY within 15 s"));
        let port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|a| a.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("sample API printed {line:?} instead of `READY host:port`"));
        SampleApi { port, _proc: proc }
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Requests that reached the upstream so far (the counter endpoint does not count itself).
    pub fn hits(&self) -> u64 {
        let r = Client::new(&self.addr()).get("/__upstream/hits", &[]);
        assert_eq!(r.status, 200, "GET /__upstream/hits: {}", r.text());
        r.json()["hits"].as_u64().expect("hits is a number")
    }
}

// ------------------------------------------------------------------------------------------------
// Bootstraps
// ------------------------------------------------------------------------------------------------

/// Ports and files a bootstrap is rendered for.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub listen_port: u16,
    pub admin_port: u16,
    pub upstream: String,
    pub access_log: PathBuf,
}

impl Endpoints {
    /// Free ports, a discard upstream and an access log in `dir`: for configs that are rendered
    /// and validated (or refused) but never sent traffic.
    pub fn offline(dir: &Path) -> Endpoints {
        let [listen_port, admin_port] = free_ports();
        Endpoints { listen_port, admin_port, upstream: "127.0.0.1:9".into(), access_log: dir.join("access.jsonl") }
    }
}

/// What sits in front of the upstream.
#[derive(Debug, Clone)]
pub enum Filter {
    /// TEST-ONLY: a hand-written bootstrap without the wasm filter ([`nofilter_bootstrap`]);
    /// validates the harness itself.
    None,
    /// The filter, configured with this plugin configuration JSON, rendered by `vigil render-config`.
    Vigil(Value),
}

/// Runs `vigil render-config ... --config CFG -o OUT` and returns OUT.
/// `extra` is appended (e.g. `["--model", "m.json"]`).
pub fn render_config(dir: &Path, ep: &Endpoints, plugin_config: &Value, extra: &[&str]) -> PathBuf {
    let paths = Paths::get();
    paths.require(&[Artifact::Vigil, Artifact::Wasm]);
    let cfg = dir.join("plugin-config.json");
    fs::write(&cfg, serde_json::to_vec_pretty(plugin_config).unwrap()).expect("write plugin config");
    let out = dir.join("envoy.yaml");
    let mut cmd = Command::new(&paths.vigil);
    cmd.arg("render-config")
        .arg("--wasm")
        .arg(&paths.wasm)
        .arg("--listen")
        .arg(format!("127.0.0.1:{}", ep.listen_port))
        .arg("--admin")
        .arg(format!("127.0.0.1:{}", ep.admin_port))
        .arg("--upstream")
        .arg(&ep.upstream)
        .arg("--access-log")
        .arg(&ep.access_log)
        .arg("--config")
        .arg(&cfg)
        .args(extra)
        .arg("-o")
        .arg(&out);
    let o = cmd.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", paths.vigil.display()));
    assert!(
        o.status.success(),
        "{cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.is_file(), "render-config succeeded but wrote no {}", out.display());
    out
}

/// TEST-ONLY bootstrap: listener -> HCM (codec AUTO: HTTP/1.1 and h2c prior knowledge) -> router ->
/// upstream, a JSON access log with the same Envoy fields the rendered config writes, and no wasm.
/// Used to validate the harness and as the "no filter" baseline; product configs come from
/// `vigil render-config`.
pub fn nofilter_bootstrap(ep: &Endpoints) -> String {
    let (uh, up) = ep.upstream.rsplit_once(':').expect("upstream is host:port");
    format!(
        r#"# TEST-ONLY bootstrap written by vigil-integration-tests (no wasm filter).
admin:
  address: {{ socket_address: {{ address: 127.0.0.1, port_value: {admin} }} }}
static_resources:
  listeners:
  - name: main
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {listen} }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          codec_type: AUTO
          preserve_external_request_id: true
          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: {log}
              log_format:
                json_format:
                  start_time: "%START_TIME%"
                  request_id: "%REQ(X-REQUEST-ID)%"
                  method: "%REQ(:METHOD)%"
                  path: "%REQ(:PATH)%"
                  protocol: "%PROTOCOL%"
                  status: "%RESPONSE_CODE%"
                  details: "%RESPONSE_CODE_DETAILS%"
                  duration_ms: "%DURATION%"
                  bytes_in: "%BYTES_RECEIVED%"
                  bytes_out: "%BYTES_SENT%"
                  upstream: "%UPSTREAM_HOST%"
          route_config:
            name: local
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {{ prefix: "/" }}
                route: {{ cluster: upstream }}
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: upstream
    type: STATIC
    connect_timeout: 2s
    load_assignment:
      cluster_name: upstream
      endpoints:
      - lb_endpoints:
        - endpoint:
            address: {{ socket_address: {{ address: {uh}, port_value: {up} }} }}
"#,
        admin = ep.admin_port,
        listen = ep.listen_port,
        log = ep.access_log.display(),
    )
}

/// `envoy --mode validate -c FILE`: the output (status, stdout, stderr).
pub fn envoy_validate(config: &Path) -> Output {
    let paths = Paths::get();
    paths.require(&[Artifact::Envoy]);
    Command::new(&paths.envoy)
        .args(["--mode", "validate", "--disable-hot-restart", "-l", "warn", "-c"])
        .arg(config)
        .output()
        .expect("run envoy --mode validate")
}

// ------------------------------------------------------------------------------------------------
// Envoy
// ------------------------------------------------------------------------------------------------

/// A running Envoy.
pub struct Envoy {
    pub proc: Proc,
    pub log_path: PathBuf,
    pub admin_port: u16,
}

/// Envoy stopped before it became ready.
#[derive(Debug)]
pub struct EnvoyExited {
    pub status: Option<ExitStatus>,
    pub log: String,
}

impl Envoy {
    /// Starts Envoy on `config` (one worker, `-l info`, log to `log_path`) and waits for `/ready`.
    pub fn start(config: &Path, admin_port: u16, log_path: &Path) -> Result<Envoy, EnvoyExited> {
        let paths = Paths::get();
        paths.require(&[Artifact::Envoy]);
        let mut cmd = Command::new(&paths.envoy);
        cmd.arg("-c")
            .arg(config)
            .args(["--disable-hot-restart", "--concurrency", "1", "-l", "info"])
            .args(["--file-flush-interval-msec", "50"])
            .arg("--log-path")
            .arg(log_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut env =
            Envoy { proc: Proc::spawn("envoy", &mut cmd), log_path: log_path.to_path_buf(), admin_port };
        let end = Instant::now() + ENVOY_READY_DEADLINE;
        loop {
            if let Some(status) = env.proc.try_wait() {
                return Err(EnvoyExited { status: Some(status), log: read_lossy(log_path) });
            }
            if admin_get(admin_port, "/ready").map(|(s, b)| s == 200 && b.trim() == "LIVE").unwrap_or(false) {
                return Ok(env);
            }
            if Instant::now() >= end {
                return Err(EnvoyExited { status: None, log: read_lossy(log_path) });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn read_lossy(p: &Path) -> String {
    fs::read(p).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

/// What to print of an Envoy log on failure: its warnings, errors and wasm lines (the filter's own
/// log lines), then the plain tail; long lines are cut (the startup banner is huge).
pub fn envoy_log_digest(log: &str) -> String {
    let cut = |l: &str| -> String {
        if l.len() > 400 {
            let mut end = 400;
            while !l.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}...", &l[..end])
        } else {
            l.to_string()
        }
    };
    let important: Vec<String> = log
        .lines()
        .filter(|l| ["[warning]", "[error]", "[critical]", "[wasm]"].iter().any(|m| l.contains(m)))
        .map(cut)
        .collect();
    let important = important[important.len().saturating_sub(40)..].join("\n");
    let last: Vec<String> = log.lines().map(cut).collect();
    let last = last[last.len().saturating_sub(25)..].join("\n");
    format!("--- envoy log: warnings, errors, wasm (last 40) ---\n{important}\n--- envoy log (last 25 lines) ---\n{last}")
}

/// The last `n` lines of a text.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// GET on the admin port: (status, body). `None` when nothing answers.
pub fn admin_get(admin_port: u16, path: &str) -> Option<(u16, String)> {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(2)).build();
    match agent.get(&format!("http://127.0.0.1:{admin_port}{path}")).call() {
        Ok(r) => Some((r.status(), r.into_string().unwrap_or_default())),
        Err(ureq::Error::Status(s, r)) => Some((s, r.into_string().unwrap_or_default())),
        Err(_) => None,
    }
}

// ------------------------------------------------------------------------------------------------
// Stack: upstream + Envoy (+ filter) for one test
// ------------------------------------------------------------------------------------------------

/// Builder for a [`Stack`].
pub struct StackBuilder {
    filter: Filter,
    render_extra: Vec<String>,
}

impl StackBuilder {
    /// Extra `vigil render-config` arguments (e.g. `--model FILE`).
    pub fn render_arg(mut self, a: impl Into<String>) -> Self {
        self.render_extra.push(a.into());
        self
    }

    /// Starts the sample API and Envoy; panics with Envoy's log if Envoy does not become ready.
    pub fn start(self) -> Stack {
        match self.try_start() {
            Ok(s) => s,
            Err((dir, e)) => panic!(
                "Envoy did not become ready (exit status {:?}); files kept in {}\n{}",
                e.status,
                dir.keep().display(),
                envoy_log_digest(&e.log)
            ),
        }
    }

    /// For configs Envoy must refuse: starts everything and returns how Envoy stopped.
    /// Panics if Envoy becomes ready instead.
    pub fn expect_exit(self) -> EnvoyExited {
        match self.try_start() {
            Ok(s) => {
                let log = read_lossy(&s.envoy.log_path);
                panic!("Envoy accepted a config it should refuse\n{}", envoy_log_digest(&log))
            }
            Err((_, e)) => e,
        }
    }

    fn try_start(self) -> Result<Stack, (tempfile::TempDir, EnvoyExited)> {
        let api = SampleApi::start();
        let mut last = None;
        // One retry: a port handed out by free_port() can be taken before Envoy binds it.
        for _attempt in 0..2 {
            let dir = tempfile::Builder::new().prefix("vigil-it-").tempdir().expect("temp dir");
            let [listen_port, admin_port] = free_ports();
            let ep = Endpoints {
                listen_port,
                admin_port,
                upstream: api.addr(),
                access_log: dir.path().join("access.jsonl"),
            };
            let config = match &self.filter {
                Filter::None => {
                    let p = dir.path().join("envoy.yaml");
                    fs::write(&p, nofilter_bootstrap(&ep)).expect("write bootstrap");
                    p
                }
                Filter::Vigil(cfg) => {
                    let extra: Vec<&str> = self.render_extra.iter().map(String::as_str).collect();
                    render_config(dir.path(), &ep, cfg, &extra)
                }
            };
            let log_path = dir.path().join("envoy.log");
            match Envoy::start(&config, ep.admin_port, &log_path) {
                Ok(envoy) => {
                    return Ok(Stack { envoy, api, ep, config, dir: Some(dir) });
                }
                Err(e) => {
                    let in_use = e.log.to_ascii_lowercase().contains("address already in use");
                    last = Some((dir, e));
                    if !in_use {
                        break;
                    }
                }
            }
        }
        Err(last.expect("at least one attempt"))
    }
}

/// One test's world: the sample API, Envoy in front of it, and a temp dir with the bootstrap,
/// Envoy's log and the access log. Dropping it stops Envoy and the API (by pid); if the thread is
/// panicking it first prints the logs and keeps the temp dir.
pub struct Stack {
    // Field order = drop order: Envoy before the upstream.
    pub envoy: Envoy,
    pub api: SampleApi,
    pub ep: Endpoints,
    pub config: PathBuf,
    dir: Option<tempfile::TempDir>,
}

impl Stack {
    /// A stack without the wasm filter (TEST-ONLY bootstrap).
    pub fn without_filter() -> StackBuilder {
        StackBuilder { filter: Filter::None, render_extra: vec![] }
    }

    /// A stack with the filter and this plugin configuration, rendered by `vigil render-config`.
    pub fn with_filter(plugin_config: Value) -> StackBuilder {
        StackBuilder { filter: Filter::Vigil(plugin_config), render_extra: vec![] }
    }

    pub fn dir(&self) -> &Path {
        self.dir.as_ref().expect("dir present until drop").path()
    }

    /// `http://127.0.0.1:<listen>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.ep.listen_port)
    }

    pub fn listen_addr(&self) -> String {
        format!("127.0.0.1:{}", self.ep.listen_port)
    }

    /// A keep-alive HTTP/1.1 client for the Envoy listener.
    pub fn client(&self) -> Client {
        Client::new(&self.listen_addr())
    }

    /// Envoy's application log so far.
    pub fn envoy_log(&self) -> String {
        read_lossy(&self.envoy.log_path)
    }

    /// The access log lines written so far, parsed (unparsable lines panic: the format is ours).
    pub fn access_log(&self) -> Vec<Value> {
        read_lossy(&self.ep.access_log)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("access log line is not JSON ({e}): {l}"))
            })
            .collect()
    }

    /// Waits until the access log has a line whose `request_id` is `id`, and returns it.
    pub fn wait_log(&self, id: &str) -> Value {
        let end = Instant::now() + LOG_DEADLINE;
        loop {
            if let Some(v) = self.access_log().into_iter().find(|v| v["request_id"] == id) {
                return v;
            }
            assert!(
                Instant::now() < end,
                "no access log line with request_id {id} within {LOG_DEADLINE:?}; log so far:\n{}",
                tail(&read_lossy(&self.ep.access_log), 20)
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// `GET /stats/prometheus` on the admin port.
    pub fn prometheus(&self) -> String {
        let (s, body) = admin_get(self.ep.admin_port, "/stats/prometheus").expect("admin answers");
        assert_eq!(s, 200, "/stats/prometheus: {body}");
        body
    }

    /// Envoy counters and gauges from `/stats` as name -> value (histograms skipped).
    pub fn stats(&self) -> HashMap<String, u64> {
        let (s, body) = admin_get(self.ep.admin_port, "/stats").expect("admin answers");
        assert_eq!(s, 200, "/stats: {body}");
        body.lines()
            .filter_map(|l| l.split_once(": "))
            .filter_map(|(k, v)| v.trim().parse().ok().map(|v| (k.to_string(), v)))
            .collect()
    }

    /// Downstream connections accepted by the main listener so far.
    pub fn listener_connections(&self) -> u64 {
        let key = format!("listener.127.0.0.1_{}.downstream_cx_total", self.ep.listen_port);
        self.stats().get(&key).copied().unwrap_or(0)
    }

    /// Waits for a Prometheus sample `name` (summed over labels) to reach at least `min`
    /// (stats can lag a moment behind the response). Returns the last value seen.
    pub fn wait_prometheus(&self, name: &str, min: f64) -> f64 {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.prometheus();
            let v = prom_sum(&text, name);
            if v.unwrap_or(f64::NAN) >= min {
                return v.unwrap();
            }
            assert!(
                Instant::now() < end,
                "prometheus metric {name} did not reach {min} (last {v:?}); vigil samples:\n{}",
                text.lines().filter(|l| l.starts_with("vigil")).collect::<Vec<_>>().join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let dir = self.dir.take().map(|d| d.keep());
            eprintln!(
                "\n=== test failed: Envoy pid {} config {} (files kept in {}) ===\n{}\n--- access log (tail) ---\n{}\n=== end ===",
                self.envoy.proc.pid(),
                self.config.display(),
                dir.map(|d| d.display().to_string()).unwrap_or_default(),
                envoy_log_digest(&read_lossy(&self.envoy.log_path)),
                tail(&read_lossy(&self.ep.access_log), 10),
            );
        }
        // Processes are stopped by their own Drop (Envoy first: field order).
    }
}

/// Sum of all samples of a Prometheus metric `name` (any labels); `None` if absent.
pub fn prom_sum(text: &str, name: &str) -> Option<f64> {
    let mut sum = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some(rest) = line.strip_prefix(name) else { continue };
        if !(rest.starts_with('{') || rest.starts_with(' ')) {
            continue; // a longer name with this prefix
        }
        if let Some(v) = line.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()) {
            *sum.get_or_insert(0.0) += v;
        }
    }
    sum
}

/// The `vigil` object of an access-log line, whether logged as an object or as a string holding one
/// (filter state read with `:PLAIN` is a string, platform.md section 1).
pub fn vigil_of(line: &Value) -> Value {
    match &line["vigil"] {
        Value::String(s) => serde_json::from_str(s)
            .unwrap_or_else(|e| panic!("vigil field is a string but not JSON ({e}): {s}")),
        Value::Object(_) => line["vigil"].clone(),
        other => panic!("access log line has no vigil object (got {other}): {line}"),
    }
}

/// The finding kinds of a `vigil` object.
pub fn finding_kinds(vigil: &Value) -> Vec<String> {
    vigil["findings"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["kind"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// A request id unique within this test run.
pub fn request_id(tag: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQ: AtomicU64 = AtomicU64::new(0);
    format!("it-{tag}-{}-{}", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed))
}

// ------------------------------------------------------------------------------------------------
// HTTP clients
// ------------------------------------------------------------------------------------------------

/// A response: status, headers (names lower-cased, in order) and body.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("response body is not JSON ({e}): status {} body {}", self.status, self.text())
        })
    }
}

/// HTTP/1.1 client with connection reuse (keep-alive), 10 s timeouts; 4xx/5xx are responses, not errors.
pub struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    /// `addr` is `host:port`.
    pub fn new(addr: &str) -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout(HTTP_TIMEOUT)
            .max_idle_connections_per_host(4)
            .redirects(0)
            .build();
        Client { agent, base: format!("http://{addr}") }
    }

    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        self.request("GET", path, headers, None)
    }

    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        self.request("POST", path, headers, Some(body))
    }

    /// Note: the path goes through the `url` crate, which resolves `.`/`..` segments (also `%2e%2e`).
    /// Use [`raw_http1`] to send a path byte for byte.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Response {
        let url = format!("{}{}", self.base, path);
        let mut req = self.agent.request(method, &url);
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let res = match body {
            Some(b) => req.send_bytes(b),
            None => req.call(),
        };
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {url}: {e}"),
        };
        let status = resp.status();
        let headers = resp
            .headers_names()
            .into_iter()
            .flat_map(|n| {
                resp.all(&n).into_iter().map(|v| (n.to_ascii_lowercase(), v.to_string())).collect::<Vec<_>>()
            })
            .collect();
        let mut body = Vec::new();
        resp.into_reader()
            .read_to_end(&mut body)
            .unwrap_or_else(|e| panic!("{method} {url}: reading body: {e}"));
        Response { status, headers, body }
    }
}

/// Sends raw HTTP/1.1 requests one after another on ONE TCP connection and reads each response
/// (Content-Length or chunked). Each request is the full head + body, e.g.
/// `"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"`. Proves keep-alive and sends paths exactly as written.
pub fn raw_http1(addr: &str, requests: &[Vec<u8>]) -> Vec<Response> {
    let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream.set_read_timeout(Some(HTTP_TIMEOUT)).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut out = Vec::new();
    for (i, req) in requests.iter().enumerate() {
        writer.write_all(req).unwrap_or_else(|e| panic!("request {i} on {addr}: write: {e}"));
        out.push(read_http1_response(&mut reader).unwrap_or_else(|e| panic!("request {i} on {addr}: {e}")));
    }
    out
}

/// A raw HTTP/1.1 GET request with a Host header and extra headers.
/// One request on its own connection; an error (Envoy closing on a malformed request) is returned,
/// not a panic.
pub fn try_raw_http1(addr: &str, request: &[u8]) -> Result<Response, String> {
    let stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT)).map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    writer.write_all(request).map_err(|e| format!("write: {e}"))?;
    read_http1_response(&mut BufReader::new(stream))
}

pub fn raw_get(path: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut s = format!("GET {path} HTTP/1.1\r\nHost: api.example.com\r\n");
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.into_bytes()
}

/// One persistent HTTP/1.1 connection for sequential requests (latency measurements, bursts):
/// no client-side pooling or allocation beyond the response.
pub struct KeepAlive {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl KeepAlive {
    pub fn connect(addr: &str) -> KeepAlive {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        stream.set_read_timeout(Some(HTTP_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        KeepAlive { writer: stream.try_clone().unwrap(), reader: BufReader::new(stream) }
    }

    /// Sends one full request (head + body) and reads its response.
    pub fn send(&mut self, request: &[u8]) -> Result<Response, String> {
        self.writer.write_all(request).map_err(|e| format!("write: {e}"))?;
        read_http1_response(&mut self.reader)
    }
}

/// Reads one HTTP/1.1 response (Content-Length, chunked, or to close).
pub fn read_http1_response(r: &mut impl BufRead) -> Result<Response, String> {
    let mut line = String::new();
    r.read_line(&mut line).map_err(|e| format!("reading status line: {e}"))?;
    if line.is_empty() {
        return Err("connection closed before a response".into());
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {line:?}"))?;
    // A response to close (no length, no chunking) runs to the end of the connection.
    let to_close = status >= 200 && status != 204 && status != 304;
    let (headers, body) = read_headers_and_body(r, to_close)?;
    Ok(Response { status, headers, body })
}

/// The rest of an HTTP/1.1 message after its start line: lower-cased headers, then the body
/// (chunked, `content-length`, or, with `to_close`, everything until the peer closes).
fn read_headers_and_body(r: &mut impl BufRead, to_close: bool) -> Result<(Vec<(String, String)>, Vec<u8>), String> {
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).map_err(|e| format!("reading headers: {e}"))?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').ok_or_else(|| format!("bad header line {h:?}"))?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        loop {
            let mut sz = String::new();
            r.read_line(&mut sz).map_err(|e| format!("reading chunk size: {e}"))?;
            let n = usize::from_str_radix(sz.trim().split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| format!("bad chunk size {sz:?}"))?;
            if n == 0 {
                loop {
                    let mut t = String::new();
                    if r.read_line(&mut t).map_err(|e| format!("reading trailers: {e}"))? == 0 || t.trim_end().is_empty() {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + n, 0);
            r.read_exact(&mut body[start..]).map_err(|e| format!("reading chunk: {e}"))?;
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf).map_err(|e| format!("reading chunk end: {e}"))?;
        }
    } else if let Some(n) = get("content-length") {
        let n: usize = n.parse().map_err(|_| format!("bad content-length {n:?}"))?;
        body.resize(n, 0);
        r.read_exact(&mut body).map_err(|e| format!("reading body: {e}"))?;
    } else if to_close {
        r.read_to_end(&mut body).map_err(|e| format!("reading body to close: {e}"))?;
    }
    Ok((headers, body))
}

/// One request over HTTP/2 with prior knowledge (h2c) via `curl`. Returns the response and the
/// HTTP version curl reports (`"2"` when h2 was used).
pub fn curl_h2(url: &str, method: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> (Response, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (hdr_file, body_file, data_file) = (dir.path().join("h"), dir.path().join("b"), dir.path().join("d"));
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--http2-prior-knowledge", "--max-time", "10", "-X", method])
        .arg("-D")
        .arg(&hdr_file)
        .arg("-o")
        .arg(&body_file)
        .args(["-w", "%{http_code} %{http_version}"]);
    for (k, v) in headers {
        cmd.arg("-H").arg(format!("{k}: {v}"));
    }
    if let Some(b) = body {
        fs::write(&data_file, b).unwrap();
        cmd.arg("--data-binary").arg(format!("@{}", data_file.display()));
    }
    cmd.arg(url);
    let o = cmd.output().expect("run curl");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{cmd:?} failed: {}\n{out}", String::from_utf8_lossy(&o.stderr));
    let mut it = out.split_whitespace();
    let status = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let version = it.next().unwrap_or("").to_string();
    let headers = read_lossy(&hdr_file)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = fs::read(&body_file).unwrap_or_default();
    (Response { status, headers, body }, version)
}

/// base64url without padding.
pub fn b64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..=c.len() {
            s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    s
}

/// A JWT with this header and payload and a dummy signature (Vigil identifies clients by the
/// unverified `sub`; it never checks signatures).
pub fn jwt(header: &Value, payload: &Value) -> String {
    let sig = if header["alg"] == "none" { String::new() } else { b64url(b"test-signature") };
    format!("{}.{}.{sig}", b64url(header.to_string().as_bytes()), b64url(payload.to_string().as_bytes()))
}

/// An unsigned JWT (`alg: none`) with this `sub` and no `exp`, as the sample API's login issues
/// (the posture checks report an API that accepts it).
pub fn unsigned_jwt(sub: &str) -> String {
    jwt(&json!({"alg": "none", "typ": "JWT"}), &json!({"sub": sub, "iat": 1_763_700_000u64}))
}

/// A well-formed HS256 JWT with this `sub` that expires an hour after it was issued: what a
/// careful API's clients send (no posture finding but the plain-HTTP one).
pub fn signed_jwt(sub: &str) -> String {
    jwt(&json!({"alg": "HS256", "typ": "JWT"}), &json!({"sub": sub, "iat": 1_763_700_000u64, "exp": 1_763_703_600u64}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prom_sum_adds_labels_and_skips_longer_names() {
        let t = "# TYPE vigil_requests_total counter\nvigil_requests_total{verdict=\"allow\"} 3\nvigil_requests_total{verdict=\"flag\"} 2\nvigil_requests_total_x 9\n";
        assert_eq!(prom_sum(t, "vigil_requests_total"), Some(5.0));
        assert_eq!(prom_sum(t, "nope"), None);
    }

    #[test]
    fn unsigned_jwt_encodes_sub() {
        let t = unsigned_jwt("alice");
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0");
        assert!(parts[2].is_empty());
    }

    #[test]
    fn raw_response_parser_handles_chunked_and_length() {
        let raw = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\nno";
        let mut r = BufReader::new(&raw[..]);
        let a = read_http1_response(&mut r).unwrap();
        assert_eq!((a.status, a.text().as_str()), (200, "abc"));
        let b = read_http1_response(&mut r).unwrap();
        assert_eq!((b.status, b.text().as_str()), (404, "no"));
    }

    #[test]
    fn vigil_of_accepts_string_or_object() {
        let s = json!({"vigil": "{\"verdict\":\"allow\",\"findings\":[{\"kind\":\"attack.sqli\"}]}"});
        assert_eq!(vigil_of(&s)["verdict"], "allow");
        assert_eq!(finding_kinds(&vigil_of(&s)), vec!["attack.sqli"]);
        let o = json!({"vigil": {"verdict": "flag"}});
        assert_eq!(vigil_of(&o)["verdict"], "flag");
    }
}

// ------------------------------------------------------------------------------------------------
// A small HTTP/1.1 server: a fast upstream for latency tests and the alert receiver
// ------------------------------------------------------------------------------------------------

/// A request [`MiniServer`] received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

type Answer = dyn Fn(&Received, usize) -> (u16, Duration) + Send + Sync;

/// A threaded keep-alive HTTP/1.1 server on an ephemeral 127.0.0.1 port (Content-Length and chunked
/// request bodies). `answer(request, index)` picks the status and a delay; every request is
/// recorded (after its answer is chosen). Threads end with the process; the listener is closed
/// when the server is dropped (the accept loop stops on the next connection).
pub struct MiniServer {
    pub port: u16,
    pub received: std::sync::Arc<std::sync::Mutex<Vec<(Received, u16)>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl MiniServer {
    /// Answers 200 `{}` at once.
    pub fn ok() -> MiniServer {
        MiniServer::start(|_, _| (200, Duration::ZERO))
    }

    pub fn start(answer: impl Fn(&Received, usize) -> (u16, Duration) + Send + Sync + 'static) -> MiniServer {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind mini server");
        let port = listener.local_addr().expect("local_addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let answer: Arc<Answer> = Arc::new(answer);
        let seq = Arc::new(AtomicUsize::new(0));
        let (rec, stop2) = (received.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (rec, answer, seq) = (rec.clone(), answer.clone(), seq.clone());
                std::thread::spawn(move || {
                    let _ = conn.set_nodelay(true);
                    let Ok(mut w) = conn.try_clone() else { return };
                    let mut r = BufReader::new(conn);
                    while let Some(req) = read_request(&mut r) {
                        let (status, delay) = answer(&req, seq.fetch_add(1, Ordering::Relaxed));
                        if !delay.is_zero() {
                            std::thread::sleep(delay);
                        }
                        rec.lock().map(|mut v| v.push((req, status))).ok();
                        let resp = format!("HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}");
                        if w.write_all(resp.as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        MiniServer { port, received, stop }
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A copy of what was received so far, with the status each got.
    pub fn requests(&self) -> Vec<(Received, u16)> {
        self.received.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Drop for MiniServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port)); // wake the accept loop
    }
}

fn read_request(r: &mut impl BufRead) -> Option<Received> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let (headers, body) = read_headers_and_body(r, false).ok()?;
    Some(Received { method, path, headers, body })
}

/// Runs `vigil ARGS...`; panics with its output unless it succeeds.
pub fn vigil(args: &[&str]) -> Output {
    let paths = Paths::get();
    paths.require(&[Artifact::Vigil]);
    let o = Command::new(&paths.vigil).args(args).output().expect("run vigil");
    assert!(
        o.status.success(),
        "vigil {args:?} failed ({}):\n{}{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The `q`-quantile (0..=1) of samples, in the samples' unit.
pub fn quantile(samples: &[f64], q: f64) -> f64 {
    let mut v = samples.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// Reads the JSON access log at `path` (missing file = no lines).
pub fn read_access_log(path: &Path) -> Vec<Value> {
    read_lossy(path).lines().filter(|l| !l.trim().is_empty()).filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// Waits for the access log at `path` to have a line with `request_id` `id`.
pub fn wait_log_line(path: &Path, id: &str) -> Value {
    let end = Instant::now() + LOG_DEADLINE;
    loop {
        if let Some(v) = read_access_log(path).into_iter().find(|v| v["request_id"] == id) {
            return v;
        }
        assert!(Instant::now() < end, "no line with request_id {id} in {} within {LOG_DEADLINE:?}:\n{}", path.display(), tail(&read_lossy(path), 10));
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Envoy counters from `/stats` on `admin_port` (histograms skipped).
pub fn admin_stats(admin_port: u16) -> HashMap<String, u64> {
    let body = admin_get(admin_port, "/stats").map(|(_, b)| b).unwrap_or_default();
    body.lines()
        .filter_map(|l| l.split_once(": "))
        .filter_map(|(k, v)| v.trim().parse().ok().map(|v| (k.to_string(), v)))
        .collect()
}

/// Starts Envoy on `config`; on failure panics with the digest of its log.
pub fn start_envoy(config: &Path, admin_port: u16, log_path: &Path) -> Envoy {
    Envoy::start(config, admin_port, log_path).unwrap_or_else(|e| {
        panic!("Envoy ({}) did not become ready (status {:?})\n{}", config.display(), e.status, envoy_log_digest(&e.log))
    })
}
