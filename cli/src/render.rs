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
    json!([
        {"tag_name": "verdict", "regex": "^wasmcustom\\.vigil_requests_total(\\.verdict\\.([a-z]+))$"},
        {"tag_name": "kind", "regex": "^wasmcustom\\.vigil_findings_total(\\.kind\\.([a-z_]+\\.[a-z0-9_]+))\\.owasp\\."},
        {"tag_name": "owasp", "regex": "^wasmcustom\\.vigil_findings_total\\.kind\\.[a-z_]+\\.[a-z0-9_]+(\\.owasp\\.([A-Za-z0-9_]+))$"},
        {"tag_name": "kind", "regex": "^wasmcustom\\.vigil_errors_total(\\.kind\\.([a-z_]+))$"}
    ])
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
}

/// Builds the plugin configuration from an optional base file, `--mode` and `--model`, and
/// validates it with the filter's parser.
pub fn plugin_config(base: Option<&Path>, mode: Option<&str>, model: Option<&Path>) -> Result<(String, Config)> {
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
    let json = Value::Object(obj).to_string();
    let config = Config::from_json(json.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((json, config))
}

fn socket(host: &str, port: u16) -> Value {
    json!({"socket_address": {"address": host, "port_value": port}})
}

pub fn envoy_bootstrap(o: &EnvoyOptions) -> Result<Value> {
    let mut http_filters = Vec::new();
    if let Some(cfg) = &o.plugin_config {
        let wasm = o.wasm.context("--wasm is required unless --no-filter")?;
        // The module may live elsewhere on the proxy's machine: an absolute path, a warning if absent here.
        let wasm = std::path::absolute(wasm)?;
        if !wasm.exists() {
            eprintln!("vigil: warning: {} does not exist here (run `make build`, or ignore if the proxy runs elsewhere)", wasm.display());
        }
        http_filters.push(json!({
            "name": "vigil",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
                "config": {
                    "name": "vigil",
                    "root_id": "vigil",
                    "vm_config": {
                        "vm_id": "vigil",
                        "runtime": "envoy.wasm.runtime.v8",
                        "code": {"local": {"filename": wasm.display().to_string()}}
                    },
                    "configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": cfg},
                    // A trap in the filter bypasses it instead of failing traffic (errors are counted).
                    "failure_policy": "FAIL_OPEN",
                    // Block mode holds request headers while it reads the body.
                    "allow_on_headers_stop_iteration": true
                }
            }
        }));
    }
    http_filters.push(json!({
        "name": "envoy.filters.http.router",
        "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}
    }));
    let route = match (&o.direct_response, &o.upstream) {
        (Some(file), _) => json!({"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": {"filename": file}},
                                  "response_headers_to_add": [{"header": {"key": "content-type", "value": "application/json"}}]}),
        (None, Some(_)) => json!({"match": {"prefix": "/"}, "route": {"cluster": "upstream", "timeout": "30s"}}),
        (None, None) => bail!("give --upstream HOST:PORT (or --direct-response-file)"),
    };
    let mut clusters = Vec::new();
    if let Some((host, port)) = &o.upstream {
        let dns = host.parse::<std::net::IpAddr>().is_err();
        clusters.push(json!({
            "name": "upstream",
            "type": if dns { "STRICT_DNS" } else { "STATIC" },
            "connect_timeout": "2s",
            "load_assignment": {"cluster_name": "upstream", "endpoints": [{"lb_endpoints": [{"endpoint": {"address": socket(host, *port)}}]}]}
        }));
    }
    // Block mode buffers a request body up to the inspection limit: the listener must allow it.
    let buffer = o.body_limit.saturating_mul(2).max(1 << 20);
    Ok(json!({
        "node": {"id": "vigil", "cluster": "vigil"},
        "admin": {"address": socket(&o.admin.0, o.admin.1)},
        "stats_config": {"stats_tags": stats_tags()},
        "static_resources": {
            "listeners": [{
                "name": "vigil",
                "address": socket(&o.listen.0, o.listen.1),
                "per_connection_buffer_limit_bytes": buffer,
                "filter_chains": [{"filters": [{
                    "name": "envoy.filters.network.http_connection_manager",
                    "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                        "stat_prefix": "vigil",
                        "codec_type": "AUTO",
                        "generate_request_id": true,
                        "preserve_external_request_id": true,
                        "access_log": [{
                            "name": "envoy.access_loggers.file",
                            "typed_config": {
                                "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
                                "path": o.access_log.display().to_string(),
                                "log_format": {"json_format": access_log_format()}
                            }
                        }],
                        "route_config": {"name": "all", "virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [route]}]},
                        "http_filters": http_filters
                    }
                }]}]
            }],
            "clusters": clusters
        }
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
        assert!(plugin_config(None, Some("block"), None).is_ok());
        let e = plugin_config(None, Some("bogus"), None).unwrap_err().to_string();
        assert!(e.contains("`mode`"), "{e}");
    }

    #[test]
    fn bootstrap_carries_the_config_verbatim() {
        let (cfg, _) = plugin_config(None, Some("block"), None).unwrap();
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
        };
        let b = envoy_bootstrap(&o).unwrap();
        let hcm = &b["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"];
        assert_eq!(hcm["http_filters"][0]["typed_config"]["config"]["configuration"]["value"], Value::String(cfg));
        assert_eq!(b["static_resources"]["clusters"][0]["type"], "STRICT_DNS");
        assert_eq!(hcm["access_log"][0]["typed_config"]["log_format"]["json_format"]["vigil"], "%FILTER_STATE(wasm.vigil:PLAIN)%");
    }

    #[test]
    fn host_port_parsing() {
        assert_eq!(host_port("127.0.0.1:80", "--x").unwrap(), ("127.0.0.1".into(), 80));
        assert_eq!(host_port("[::1]:80", "--x").unwrap(), ("::1".into(), 80));
        assert!(host_port("nope", "--x").is_err());
        assert!(host_port(":80", "--x").is_err());
    }
}
