//! `vigil render-config`: the plugin configuration wrapped in what a proxy loads.
//!
//! Targets: `envoy` (a runnable bootstrap: listener, the Vigil wasm filter, the router, the JSON
//! access log with the `vigil` event, the stats tags that turn metric suffixes into labels). The
//! plugin configuration is validated with the filter's own parser before anything is written, so a
//! config the filter would refuse never leaves the CLI.

use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};
use std::path::Path;
use vigil_model::config::Config;

/// The access-log line: Envoy's fields plus the `vigil` event (design.md, "Outputs").
pub fn access_log_format() -> Value {
    json!({
        "start_time": "%START_TIME%",
        "request_id": "%REQ(X-REQUEST-ID)%",
        "method": "%REQ(:METHOD)%",
        "path": "%REQ(:PATH)%",
        "authority": "%REQ(:AUTHORITY)%",
        "protocol": "%PROTOCOL%",
        "status": "%RESPONSE_CODE%",
        "details": "%RESPONSE_CODE_DETAILS%",
        "duration_ms": "%DURATION%",
        "bytes_in": "%BYTES_RECEIVED%",
        "bytes_out": "%BYTES_SENT%",
        "upstream": "%UPSTREAM_HOST%",
        "vigil": "%FILTER_STATE(wasm.vigil:PLAIN)%"
    })
}

/// Stats tags that turn `name.label.value` metric suffixes into Prometheus labels. Envoy extracts
/// tags from the full stat name, which for wasm metrics carries the `wasmcustom.` prefix.
pub fn stats_tags() -> Value {
    // One specifier per tag name: Envoy skips a second specifier with a name already used
    // ("Skipping duplicate tag"), so metrics that share a label share one regex.
    json!([
        {"tag_name": "verdict", "regex": "^wasmcustom\\.vigil_requests_total(\\.verdict\\.([a-z]+))$"},
        {"tag_name": "kind", "regex": "^wasmcustom\\.vigil_(?:findings|errors)_total(\\.kind\\.([a-z0-9_.]+?))(?:\\.owasp\\.[A-Za-z0-9_]+)?$"},
        {"tag_name": "owasp", "regex": "^wasmcustom\\.vigil_findings_total\\.kind\\.[a-z_]+\\.[a-z0-9_]+(\\.owasp\\.([A-Za-z0-9_]+))$"},
        {"tag_name": "outcome", "regex": "^wasmcustom\\.vigil_(?:alerts|client_state)_total(\\.outcome\\.([a-z_]+))$"}
    ])
}

/// An alert sink given as `http://host:port/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertsUrl {
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl AlertsUrl {
    pub fn parse(url: &str) -> Result<AlertsUrl> {
        let rest = url.strip_prefix("http://").with_context(|| {
            format!("--alerts-url wants http://HOST:PORT/PATH, got {url:?} (for TLS, add the cluster yourself and set alerts.cluster)")
        })?;
        let (hostport, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = if hostport.contains(':') { host_port(hostport, "--alerts-url")? } else { (hostport.to_string(), 80) };
        if host.is_empty() {
            bail!("--alerts-url wants http://HOST:PORT/PATH, got {url:?}");
        }
        Ok(AlertsUrl { host, port, path: path.to_string() })
    }

    pub fn authority(&self) -> String {
        if self.port == 80 { self.host.clone() } else { format!("{}:{}", self.host, self.port) }
    }
}

/// Builds the plugin configuration from an optional base file, `--mode` and `--model`, and
/// validates it with the filter's parser.
/// With `alerts`, the `alerts` section is pointed at that cluster (name, authority, path; the rest
/// of an existing section is kept, defaults otherwise).
pub fn plugin_config_with(base: Option<&Path>, mode: Option<&str>, model: Option<&Path>, alerts: Option<(&AlertsUrl, &str)>) -> Result<(String, Config)> {
    let mut obj: Map<String, Value> = match base {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading plugin config {}", p.display()))?;
            match serde_json::from_str(&text).with_context(|| format!("{} is not JSON", p.display()))? {
                Value::Object(m) => m,
                _ => bail!("{} must hold a JSON object", p.display()),
            }
        }
        None => Map::new(),
    };
    if let Some(mode) = mode {
        obj.insert("mode".into(), Value::String(mode.into()));
    }
    if let Some(p) = model {
        let text = std::fs::read_to_string(p).with_context(|| format!("reading model {}", p.display()))?;
        let v: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", p.display()))?;
        obj.insert("model".into(), v);
    }
    if let Some((url, cluster)) = alerts {
        let section = obj.entry("alerts").or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(a) = section else { bail!("the configuration's `alerts` must be an object") };
        a.insert("cluster".into(), Value::String(cluster.into()));
        a.insert("authority".into(), Value::String(url.authority()));
        a.insert("path".into(), Value::String(url.path.clone()));
    }
    let json = Value::Object(obj).to_string();
    let config = Config::from_json(json.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((json, config))
}

fn socket(host: &str, port: u16) -> Value {
    json!({"socket_address": {"address": host, "port_value": port}})
}

pub struct EnvoyOptions<'a> {
    pub wasm: Option<&'a Path>,
    pub listen: (String, u16),
    pub admin: (String, u16),
    pub upstream: Option<(String, u16)>,
    pub direct_response: Option<String>,
    pub access_log: &'a Path,
    /// The plugin configuration JSON, already validated; `None` renders Envoy without the filter.
    pub plugin_config: Option<String>,
    pub body_limit: usize,
    /// Load the filter through ECDS from this file instead of inline (live model pushes).
    pub ecds: Option<&'a Path>,
    /// Add the `vigil_alerts` cluster pointing here (the `alerts` section names it).
    pub alerts: Option<(String, u16)>,
    /// Out-of-band: the filter runs on an analyzer listener fed by request mirroring.
    pub mirror: Option<Mirror<'a>>,
    /// Proxies in front of this Envoy whose `x-forwarded-for` entries are trusted (a load
    /// balancer: 1). The client-facing listener takes the client address from the connection
    /// (`use_remote_address`) past these hops, so a client cannot name its own address.
    pub xff_trusted_hops: u32,
}

/// Which listeners an out-of-band (`envoy-mirror`) bootstrap holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MirrorRole {
    /// The client-facing listener (no filter, mirrors to the analyzer) and the analyzer.
    Both,
    /// Only the client-facing listener; the analyzer runs in another Envoy.
    Front,
    /// Only the analyzer listener: Vigil in monitor mode in front of a sink.
    Analyzer,
}

pub struct Mirror<'a> {
    pub listen: (String, u16),
    pub access_log: &'a Path,
    pub role: MirrorRole,
}

/// Name of the cluster alerts are sent to when `--alerts-url` adds it.
pub const ALERTS_CLUSTER: &str = "vigil_alerts";
const WASM_TYPE: &str = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";

/// The `envoy.extensions.filters.http.wasm.v3.Wasm` typed config: the same in a static bootstrap
/// and in an ECDS resource.
pub fn wasm_typed_config(wasm: &str, cfg: &str) -> Value {
    json!({
        "@type": WASM_TYPE,
        "config": {
            "name": "vigil",
            "root_id": "vigil",
            "vm_config": {
                "vm_id": "vigil",
                "runtime": "envoy.wasm.runtime.v8",
                "code": {"local": {"filename": wasm}}
            },
            // StringValue: the filter receives the JSON text as is (a Struct would arrive as protobuf bytes).
            "configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": cfg},
            // A trap in the filter bypasses it instead of failing traffic (errors are counted).
            "failure_policy": "FAIL_OPEN",
            // Block mode holds request headers while it reads the body.
            "allow_on_headers_stop_iteration": true
        }
    })
}

/// The ECDS resource file (`path_config_source`): a DiscoveryResponse with one TypedExtensionConfig
/// named `vigil`. The version is derived from the content, so an unchanged push is a no-op.
pub fn ecds_resource(wasm: &str, cfg: &str) -> Value {
    let typed = wasm_typed_config(wasm, cfg);
    let version = crate::sha256::hex(typed.to_string().as_bytes())[..16].to_string();
    json!({
        "version_info": version,
        "resources": [{
            "@type": "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig",
            "name": "vigil",
            "typed_config": typed
        }]
    })
}

/// The module path as the proxy will see it: absolute, with a warning if it is not here.
pub fn wasm_path(wasm: Option<&Path>) -> Result<String> {
    let wasm = wasm.context("--wasm is required unless --no-filter")?;
    let wasm = std::path::absolute(wasm)?;
    if !wasm.exists() {
        eprintln!("vigil: warning: {} does not exist here (run `make build`, or ignore if the proxy runs elsewhere)", wasm.display());
    }
    Ok(wasm.display().to_string())
}

fn vigil_filter(o: &EnvoyOptions, cfg: &str) -> Result<Value> {
    Ok(match o.ecds {
        Some(path) => json!({
            "name": "vigil",
            "config_discovery": {
                "config_source": {"resource_api_version": "V3", "path_config_source": {"path": path.display().to_string()}},
                "type_urls": [WASM_TYPE]
            }
        }),
        None => json!({"name": "vigil", "typed_config": wasm_typed_config(&wasm_path(o.wasm)?, cfg)}),
    })
}

fn router() -> Value {
    json!({
        "name": "envoy.filters.http.router",
        "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}
    })
}

/// Where a listener takes the client's address (`source.address`, which exceptions by source trust).
#[derive(Clone, Copy)]
enum ClientAddress {
    /// From the connection, past this many trusted proxies' `x-forwarded-for` entries: a
    /// client-facing listener, which also appends the peer to `x-forwarded-for`.
    Edge(u32),
    /// The last `x-forwarded-for` entry, as the client-facing listener in front wrote it: the
    /// analyzer fed by mirroring.
    Forwarded,
}

fn listener(name: &str, addr: &(String, u16), access_log: &Path, route: Value, http_filters: Vec<Value>, buffer: usize, client: ClientAddress) -> Value {
    let (use_remote_address, hops) = match client {
        ClientAddress::Edge(hops) => (true, hops),
        ClientAddress::Forwarded => (false, 0),
    };
    json!({
        "name": name,
        "address": socket(&addr.0, addr.1),
        "per_connection_buffer_limit_bytes": buffer,
        "filter_chains": [{"filters": [{
            "name": "envoy.filters.network.http_connection_manager",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                "stat_prefix": name,
                "codec_type": "AUTO",
                "generate_request_id": true,
                "preserve_external_request_id": true,
                // A client's x-request-id stays as sent: Envoy would otherwise write its tracing
                // decision into the 15th character of any 36-character id.
                "request_id_extension": {"typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig",
                    "pack_trace_reason": false
                }},
                "use_remote_address": use_remote_address,
                "xff_num_trusted_hops": hops,
                "access_log": [{
                    "name": "envoy.access_loggers.file",
                    "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
                        "path": access_log.display().to_string(),
                        "log_format": {"json_format": access_log_format()}
                    }
                }],
                "route_config": {"name": name, "virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [route]}]},
                "http_filters": http_filters
            }
        }]}]
    })
}

fn static_cluster(name: &str, host: &str, port: u16) -> Value {
    let dns = host.parse::<std::net::IpAddr>().is_err();
    json!({
        "name": name,
        "type": if dns { "STRICT_DNS" } else { "STATIC" },
        "connect_timeout": "2s",
        "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": [{"endpoint": {"address": socket(host, port)}}]}]}
    })
}

pub fn envoy_bootstrap(o: &EnvoyOptions) -> Result<Value> {
    // Block mode buffers a request body up to the inspection limit: the listener must allow it.
    let buffer = o.body_limit.saturating_mul(2).max(1 << 20);
    let upstream_route = match (&o.direct_response, &o.upstream) {
        (Some(file), _) => Some(json!({"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": {"filename": file}},
                                  "response_headers_to_add": [{"header": {"key": "content-type", "value": "application/json"}}]})),
        (None, Some(_)) => Some(json!({"match": {"prefix": "/"}, "route": {"cluster": "upstream", "timeout": "30s"}})),
        (None, None) => None,
    };
    let mut listeners = Vec::new();
    let mut clusters = Vec::new();
    match &o.mirror {
        None => {
            let route = upstream_route.context("give --upstream HOST:PORT (or --direct-response-file)")?;
            let mut filters = Vec::new();
            if let Some(cfg) = &o.plugin_config {
                filters.push(vigil_filter(o, cfg)?);
            }
            filters.push(router());
            listeners.push(listener("vigil", &o.listen, o.access_log, route, filters, buffer, ClientAddress::Edge(o.xff_trusted_hops)));
        }
        Some(m) => {
            if m.role != MirrorRole::Analyzer {
                // The client path: no filter; every request is copied to the analyzer, whose answer
                // is discarded and never waited for.
                let mut route = upstream_route.context("give --upstream HOST:PORT (or --direct-response-file)")?;
                if let Some(r) = route.get_mut("route") {
                    r["request_mirror_policies"] = json!([{"cluster": "vigil_mirror"}]);
                } else {
                    bail!("--target envoy-mirror needs --upstream (a direct response is not mirrored)");
                }
                listeners.push(listener("front", &o.listen, o.access_log, route, vec![router()], buffer, ClientAddress::Edge(o.xff_trusted_hops)));
                clusters.push(static_cluster("vigil_mirror", &m.listen.0, m.listen.1));
            }
            if m.role != MirrorRole::Front {
                let cfg = o.plugin_config.as_deref().context("the analyzer needs the filter (no --no-filter)")?;
                let sink = json!({"match": {"prefix": "/"}, "direct_response": {"status": 200}});
                let filters = vec![vigil_filter(o, cfg)?, router()];
                listeners.push(listener("vigil_analyzer", &m.listen, m.access_log, sink, filters, buffer, ClientAddress::Forwarded));
            }
        }
    }
    let needs_upstream = o.mirror.as_ref().is_none_or(|m| m.role != MirrorRole::Analyzer);
    if let (Some((host, port)), true) = (&o.upstream, needs_upstream) {
        clusters.push(static_cluster("upstream", host, *port));
    }
    if let Some((host, port)) = &o.alerts {
        clusters.push(static_cluster(ALERTS_CLUSTER, host, *port));
    }
    Ok(json!({
        "node": {"id": "vigil", "cluster": "vigil"},
        "admin": {"address": socket(&o.admin.0, o.admin.1)},
        "stats_config": {"stats_tags": stats_tags()},
        "static_resources": {"listeners": listeners, "clusters": clusters}
    }))
}

/// `host:port` -> parts, with a message that says what was expected.
pub fn host_port(s: &str, flag: &str) -> Result<(String, u16)> {
    let (host, port) = s.rsplit_once(':').with_context(|| format!("{flag} wants HOST:PORT, got {s:?}"))?;
    let port = port.parse().with_context(|| format!("{flag}: bad port in {s:?}"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        bail!("{flag} wants HOST:PORT, got {s:?}");
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_config_refuses_what_the_filter_refuses() {
        assert!(plugin_config_with(None, Some("block"), None, None).is_ok());
        let e = plugin_config_with(None, Some("bogus"), None, None).unwrap_err().to_string();
        assert!(e.contains("`mode`"), "{e}");
    }

    #[test]
    fn bootstrap_carries_the_config_verbatim() {
        let (cfg, _) = plugin_config_with(None, Some("block"), None, None).unwrap();
        let wasm = std::env::current_exe().unwrap();
        let o = EnvoyOptions {
            wasm: Some(&wasm),
            listen: ("127.0.0.1".into(), 10000),
            admin: ("127.0.0.1".into(), 9901),
            upstream: Some(("localhost".into(), 8080)),
            direct_response: None,
            access_log: Path::new("/tmp/a.jsonl"),
            plugin_config: Some(cfg.clone()),
            body_limit: 65536,
            ecds: None,
            alerts: None,
            mirror: None,
            xff_trusted_hops: 0,
        };
        let b = envoy_bootstrap(&o).unwrap();
        let hcm = &b["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"];
        assert_eq!(hcm["http_filters"][0]["typed_config"]["config"]["configuration"]["value"], Value::String(cfg));
        assert_eq!(b["static_resources"]["clusters"][0]["type"], "STRICT_DNS");
        assert_eq!(hcm["access_log"][0]["typed_config"]["log_format"]["json_format"]["vigil"], "%FILTER_STATE(wasm.vigil:PLAIN)%");
        // The client address comes from the connection, not from what a client writes.
        assert_eq!((&hcm["use_remote_address"], &hcm["xff_num_trusted_hops"]), (&Value::Bool(true), &Value::from(0)));
    }

    #[test]
    fn host_port_parsing() {
        assert_eq!(host_port("127.0.0.1:80", "--x").unwrap(), ("127.0.0.1".into(), 80));
        assert_eq!(host_port("[::1]:80", "--x").unwrap(), ("::1".into(), 80));
        assert!(host_port("nope", "--x").is_err());
        assert!(host_port(":80", "--x").is_err());
    }
}
