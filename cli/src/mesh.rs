//! `vigil render-config --target istio | istio-traffic-extension | envoy-gateway`: the mesh and
//! gateway resources that load Vigil, with the plugin configuration embedded as an object.
//!
//! The control planes turn that object (a `google.protobuf.Struct` in Istio, JSON in Envoy Gateway)
//! into the JSON string Envoy hands the filter as a `StringValue`; serialising the embedded object
//! gives back exactly the string the `envoy` target embeds (tested). Field names and types follow
//! the published schemas: istio/api `extensions/v1alpha1/wasm.proto` (WasmPlugin) and
//! `traffic_extension.proto` (TrafficExtension, Istio 1.30+), envoyproxy/gateway
//! `api/v1alpha1/envoyextensionpolicy_types.go` + `wasm_types.go`.

use crate::render::{AlertsUrl, ALERTS_CLUSTER};
use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};

pub struct MeshOptions {
    pub name: String,
    pub namespace: String,
    /// `oci://...`, `http(s)://...` or `file://...`.
    pub url: String,
    pub sha256: Option<String>,
    pub selector: Vec<(String, String)>,
    /// `(kind, name)`.
    pub target_refs: Vec<(String, String)>,
    pub phase: String,
    pub priority: i32,
    /// The validated plugin configuration, as an object.
    pub plugin_config: Value,
    pub alerts: Option<AlertsUrl>,
}

/// Istio's cluster name for an external host declared by a ServiceEntry.
pub fn istio_alerts_cluster(u: &AlertsUrl) -> String {
    format!("outbound|{}||{}", u.port, u.host)
}

/// Phases as Istio spells them.
pub const PHASES: &[&str] = &["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"];

fn metadata(o: &MeshOptions) -> Value {
    json!({"name": o.name, "namespace": o.namespace, "labels": {"app.kubernetes.io/name": "vigil"}})
}

fn istio_target(o: &MeshOptions, spec: &mut Map<String, Value>) -> Result<()> {
    if !o.target_refs.is_empty() && !o.selector.is_empty() {
        bail!("give --selector or --target-ref, not both (Istio accepts one)");
    }
    if !o.target_refs.is_empty() {
        let refs: Vec<Value> = o
            .target_refs
            .iter()
            .map(|(kind, name)| {
                let group = match kind.as_str() {
                    "Gateway" | "GatewayClass" => "gateway.networking.k8s.io",
                    "ServiceEntry" => "networking.istio.io",
                    _ => "",
                };
                json!({"group": group, "kind": kind, "name": name})
            })
            .collect();
        spec.insert("targetRefs".into(), Value::Array(refs));
    } else {
        let labels: Map<String, Value> = if o.selector.is_empty() {
            [("istio".to_string(), Value::from("ingressgateway"))].into_iter().collect()
        } else {
            o.selector.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect()
        };
        spec.insert("selector".into(), json!({"matchLabels": labels}));
    }
    Ok(())
}

/// The wasm fields WasmPlugin has at `spec` and TrafficExtension under `spec.wasm`.
fn istio_wasm_fields(o: &MeshOptions) -> Map<String, Value> {
    let mut w = Map::new();
    w.insert("url".into(), Value::from(o.url.as_str()));
    if let Some(sha) = &o.sha256 {
        w.insert("sha256".into(), Value::from(sha.as_str()));
    }
    if !o.url.starts_with("file://") {
        w.insert("imagePullPolicy".into(), Value::from("IfNotPresent"));
    }
    w.insert("pluginName".into(), Value::from("vigil"));
    // A trap in the filter bypasses it; a bad configuration is still refused at load.
    w.insert("failStrategy".into(), Value::from("FAIL_OPEN"));
    w.insert("type".into(), Value::from("HTTP"));
    w.insert("pluginConfig".into(), o.plugin_config.clone());
    w
}

/// `extensions.istio.io/v1alpha1` `WasmPlugin` (+ a ServiceEntry for the alert sink).
pub fn istio_wasm_plugin(o: &MeshOptions) -> Result<Vec<Value>> {
    let mut spec = Map::new();
    istio_target(o, &mut spec)?;
    spec.insert("phase".into(), Value::from(o.phase.as_str()));
    spec.insert("priority".into(), Value::from(o.priority));
    spec.extend(istio_wasm_fields(o));
    let mut docs = vec![json!({"apiVersion": "extensions.istio.io/v1alpha1", "kind": "WasmPlugin", "metadata": metadata(o), "spec": spec})];
    docs.extend(istio_service_entry(o));
    Ok(docs)
}

/// `extensions.istio.io/v1alpha1` `TrafficExtension` (Istio 1.30+, supersedes WasmPlugin).
pub fn istio_traffic_extension(o: &MeshOptions) -> Result<Vec<Value>> {
    let mut spec = Map::new();
    istio_target(o, &mut spec)?;
    spec.insert("phase".into(), Value::from(o.phase.as_str()));
    spec.insert("priority".into(), Value::from(o.priority));
    spec.insert("wasm".into(), Value::Object(istio_wasm_fields(o)));
    let mut docs = vec![json!({"apiVersion": "extensions.istio.io/v1alpha1", "kind": "TrafficExtension", "metadata": metadata(o), "spec": spec})];
    docs.extend(istio_service_entry(o));
    Ok(docs)
}

/// Istio only has clusters for hosts it knows: a ServiceEntry makes `outbound|PORT||HOST`.
fn istio_service_entry(o: &MeshOptions) -> Option<Value> {
    let u = o.alerts.as_ref()?;
    let ip = u.host.parse::<std::net::IpAddr>().is_ok();
    let mut spec = json!({
        "hosts": [if ip { format!("{}.vigil-alerts.local", o.name) } else { u.host.clone() }],
        "location": "MESH_EXTERNAL",
        "ports": [{"number": u.port, "name": "http", "protocol": "HTTP"}],
        "resolution": if ip { "STATIC" } else { "DNS" }
    });
    if ip {
        spec["endpoints"] = json!([{"address": u.host}]);
    }
    Some(json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                "metadata": {"name": format!("{}-alerts", o.name), "namespace": o.namespace}, "spec": spec}))
}

/// `gateway.envoyproxy.io/v1alpha1` `EnvoyExtensionPolicy` (+ an EnvoyPatchPolicy adding the alert
/// cluster: Envoy Gateway creates clusters only for routes' backends).
pub fn envoy_gateway(o: &MeshOptions) -> Result<Vec<Value>> {
    if o.target_refs.is_empty() {
        bail!("--target envoy-gateway needs --target-ref KIND/NAME (Gateway/NAME or HTTPRoute/NAME)");
    }
    if !o.selector.is_empty() {
        bail!("--selector is not an Envoy Gateway concept; use --target-ref");
    }
    let code = if let Some(image) = o.url.strip_prefix("oci://") {
        let mut img = json!({"url": image});
        if let Some(sha) = &o.sha256 {
            img["sha256"] = Value::from(sha.as_str());
        }
        json!({"type": "Image", "image": img, "pullPolicy": "IfNotPresent"})
    } else if o.url.starts_with("http://") || o.url.starts_with("https://") {
        let sha = o.sha256.as_deref().context("an HTTP module source needs --sha256 (or --wasm to compute it)")?;
        json!({"type": "HTTP", "http": {"url": o.url, "sha256": sha}})
    } else {
        bail!("Envoy Gateway fetches modules over HTTP or from an OCI registry: --url oci://... or https://..., got {:?}", o.url);
    };
    let refs: Vec<Value> =
        o.target_refs.iter().map(|(kind, name)| json!({"group": "gateway.networking.k8s.io", "kind": kind, "name": name})).collect();
    let mut docs = vec![json!({
        "apiVersion": "gateway.envoyproxy.io/v1alpha1",
        "kind": "EnvoyExtensionPolicy",
        "metadata": metadata(o),
        "spec": {
            "targetRefs": refs,
            "wasm": [{
                "name": "vigil",
                "rootID": "vigil",
                "code": code,
                "config": o.plugin_config,
                // Bypass the filter if its VM fails; the CLI refuses a bad configuration before this.
                "failOpen": true
            }]
        }
    })];
    if let Some(u) = &o.alerts {
        let gw = o
            .target_refs
            .iter()
            .find(|(k, _)| k == "Gateway")
            .context("alerts with --target envoy-gateway need a --target-ref Gateway/NAME: the EnvoyPatchPolicy adding the alert cluster targets a Gateway")?;
        let ip = u.host.parse::<std::net::IpAddr>().is_ok();
        let cluster = json!({
            "name": ALERTS_CLUSTER,
            "type": if ip { "STATIC" } else { "STRICT_DNS" },
            "connect_timeout": "2s",
            "load_assignment": {"cluster_name": ALERTS_CLUSTER, "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": u.host, "port_value": u.port}}}}]}]}
        });
        docs.push(json!({
            "apiVersion": "gateway.envoyproxy.io/v1alpha1",
            "kind": "EnvoyPatchPolicy",
            "metadata": {"name": format!("{}-alerts", o.name), "namespace": o.namespace},
            "spec": {
                "targetRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gw.1},
                "type": "JSONPatch",
                "jsonPatches": [{
                    "type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
                    "name": ALERTS_CLUSTER,
                    "operation": {"op": "add", "path": "", "value": cluster}
                }]
            }
        }));
    }
    Ok(docs)
}
