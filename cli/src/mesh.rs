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

#[cfg(test)]
mod tests {
    //! The generated resources against the published schemas. Leaf types: "string", "int", "bool",
    //! "struct" (any object), "enum:A|B", "map<string>", "hex64"; `[schema]` is a list. The field
    //! sets are copied from istio/api `extensions/v1alpha1/wasm.proto` (WasmPlugin; Go json tags in
    //! wasm.pb.go), `traffic_extension.proto` (TrafficExtension, WasmConfig), `type/v1beta1/selector.proto`
    //! (WorkloadSelector, PolicyTargetReference), networking/v1 `service_entry.proto`, and
    //! envoyproxy/gateway `api/v1alpha1/envoyextensionpolicy_types.go`, `wasm_types.go`,
    //! `envoypatchpolicy_types.go`, `policy_helpers.go` (LocalPolicyTargetReferenceWithSectionName).
    use super::*;
    use crate::render::{plugin_config_with, wasm_typed_config};
    use serde_json::json;

    fn selector() -> Value {
        json!({"matchLabels": "map<string>"})
    }
    fn istio_ref() -> Value {
        json!([{"group": "string", "kind": "string", "name": "string", "namespace": "string"}])
    }
    fn vm_config() -> Value {
        json!({"env": [{"name": "string", "value": "string", "valueFrom": "enum:INLINE|HOST"}]})
    }
    fn traffic_selector() -> Value {
        json!([{"mode": "enum:UNDEFINED|CLIENT|SERVER|CLIENT_AND_SERVER", "ports": [{"number": "int"}]}])
    }
    const PHASE: &str = "enum:UNSPECIFIED_PHASE|AUTHN|AUTHZ|STATS";
    const PULL: &str = "enum:UNSPECIFIED_POLICY|IfNotPresent|Always";
    const FAIL: &str = "enum:FAIL_CLOSE|FAIL_OPEN|FAIL_RELOAD";
    const TYPE: &str = "enum:UNSPECIFIED_PLUGIN_TYPE|HTTP|NETWORK";

    fn metadata() -> Value {
        json!({"name": "string", "namespace": "string", "labels": "map<string>", "annotations": "map<string>"})
    }

    fn wasm_plugin_schema() -> Value {
        json!({"apiVersion": "enum:extensions.istio.io/v1alpha1", "kind": "enum:WasmPlugin", "metadata": metadata(), "spec": {
            "selector": selector(), "targetRef": istio_ref()[0], "targetRefs": istio_ref(), "url": "string", "sha256": "hex64",
            "imagePullPolicy": PULL, "imagePullSecret": "string", "verificationKey": "string", "pluginConfig": "struct",
            "pluginName": "string", "phase": PHASE, "priority": "int", "failStrategy": FAIL, "vmConfig": vm_config(),
            "match": traffic_selector(), "type": TYPE}})
    }

    fn traffic_extension_schema() -> Value {
        json!({"apiVersion": "enum:extensions.istio.io/v1alpha1", "kind": "enum:TrafficExtension", "metadata": metadata(), "spec": {
            "selector": selector(), "targetRefs": istio_ref(), "phase": PHASE, "priority": "int", "match": traffic_selector(),
            "wasm": {"url": "string", "sha256": "hex64", "imagePullPolicy": PULL, "imagePullSecret": "string",
                     "verificationKey": "string", "pluginConfig": "struct", "pluginName": "string", "failStrategy": FAIL,
                     "vmConfig": vm_config(), "type": TYPE},
            "lua": {"inlineCode": "string"}}})
    }

    fn service_entry_schema() -> Value {
        json!({"apiVersion": "enum:networking.istio.io/v1", "kind": "enum:ServiceEntry", "metadata": metadata(), "spec": {
            "hosts": ["string"], "addresses": ["string"], "ports": [{"number": "int", "protocol": "string", "name": "string", "targetPort": "int"}],
            "location": "enum:MESH_EXTERNAL|MESH_INTERNAL", "resolution": "enum:NONE|STATIC|DNS|DNS_ROUND_ROBIN",
            "endpoints": [{"address": "string", "ports": "map<string>", "labels": "map<string>", "network": "string",
                           "locality": "string", "weight": "int", "serviceAccount": "string"}],
            "workloadSelector": {"labels": "map<string>"}, "exportTo": ["string"], "subjectAltNames": ["string"]}})
    }

    fn eg_ref() -> Value {
        json!([{"group": "string", "kind": "string", "name": "string", "sectionName": "string"}])
    }

    fn eep_schema() -> Value {
        let code = json!({"type": "enum:HTTP|Image", "http": {"url": "string", "sha256": "hex64"},
                          "image": {"url": "string", "sha256": "hex64", "pullSecretRef": {"group": "string", "kind": "string", "name": "string", "namespace": "string"}},
                          "pullPolicy": "enum:IfNotPresent|Always"});
        json!({"apiVersion": "enum:gateway.envoyproxy.io/v1alpha1", "kind": "enum:EnvoyExtensionPolicy", "metadata": metadata(), "spec": {
            "targetRef": eg_ref()[0], "targetRefs": eg_ref(), "targetSelectors": ["struct"],
            "wasm": [{"name": "string", "rootID": "string", "code": code, "config": "struct", "failOpen": "bool", "env": {"hostKeys": ["string"]}}],
            "extProc": ["struct"], "lua": ["struct"]}})
    }

    fn epp_schema() -> Value {
        json!({"apiVersion": "enum:gateway.envoyproxy.io/v1alpha1", "kind": "enum:EnvoyPatchPolicy", "metadata": metadata(), "spec": {
            "type": "enum:JSONPatch", "targetRef": {"group": "string", "kind": "string", "name": "string"}, "priority": "int",
            "jsonPatches": [{"type": "string", "name": "string", "operation": {"op": "enum:add|remove|replace|move|copy|test", "path": "string",
                              "jsonPath": "string", "from": "string", "value": "struct"}}]}})
    }

    /// Checks `v` against `schema`; returns the first violation as `path: why`.
    fn check(path: &str, v: &Value, schema: &Value) -> Result<(), String> {
        match schema {
            Value::String(t) => {
                let ok = match t.as_str() {
                    "string" => v.is_string(),
                    "int" => v.is_i64() || v.is_u64(),
                    "bool" => v.is_boolean(),
                    "struct" => v.is_object(),
                    "hex64" => v.as_str().is_some_and(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())),
                    "map<string>" => v.as_object().is_some_and(|m| m.values().all(Value::is_string)),
                    e if e.starts_with("enum:") => v.as_str().is_some_and(|s| e[5..].split('|').any(|x| x == s)),
                    other => return Err(format!("{path}: bad schema type {other}")),
                };
                if ok { Ok(()) } else { Err(format!("{path}: {v} is not {t}")) }
            }
            Value::Array(items) => {
                let arr = v.as_array().ok_or_else(|| format!("{path}: {v} is not a list"))?;
                arr.iter().enumerate().try_for_each(|(i, x)| check(&format!("{path}[{i}]"), x, &items[0]))
            }
            Value::Object(fields) => {
                let obj = v.as_object().ok_or_else(|| format!("{path}: {v} is not an object"))?;
                for (k, x) in obj {
                    let s = fields.get(k).ok_or_else(|| format!("{path}.{k}: not a field of the published schema"))?;
                    check(&format!("{path}.{k}"), x, s)?;
                }
                Ok(())
            }
            _ => Err(format!("{path}: bad schema")),
        }
    }

    fn schema_for(doc: &Value) -> Value {
        match doc["kind"].as_str() {
            Some("WasmPlugin") => wasm_plugin_schema(),
            Some("TrafficExtension") => traffic_extension_schema(),
            Some("ServiceEntry") => service_entry_schema(),
            Some("EnvoyExtensionPolicy") => eep_schema(),
            Some("EnvoyPatchPolicy") => epp_schema(),
            other => panic!("no schema for {other:?}"),
        }
    }

    fn options(url: &str, refs: &[(&str, &str)], plugin_json: &str, alerts: Option<&str>) -> MeshOptions {
        MeshOptions {
            name: "vigil".into(),
            namespace: "ns".into(),
            url: url.into(),
            sha256: Some("ab".repeat(32)),
            selector: vec![],
            target_refs: refs.iter().map(|(k, n)| (k.to_string(), n.to_string())).collect(),
            phase: "AUTHN".into(),
            priority: 10,
            plugin_config: serde_json::from_str(plugin_json).unwrap(),
            alerts: alerts.map(|u| AlertsUrl::parse(u).unwrap()),
        }
    }

    /// Emits YAML as the CLI does and parses it back, as kubectl would.
    fn through_yaml(docs: &[Value]) -> Vec<Value> {
        let text: Vec<String> = docs.iter().map(|d| serde_yaml_ng::to_string(d).unwrap()).collect();
        let text = text.join("---\n");
        serde_yaml_ng::Deserializer::from_str(&text).map(|d| serde_yaml_ng::with::singleton_map_recursive::deserialize(d).unwrap()).collect()
    }

    #[test]
    fn generated_resources_follow_the_published_schemas() {
        let model = std::env::temp_dir().join(format!("vigil-mesh-test-{}.json", std::process::id()));
        std::fs::write(&model, r#"{"version":1,"endpoints":[{"method":"GET","template":"/a/{id}","count":40}]}"#).unwrap();
        let alerts = AlertsUrl::parse("http://siem.example:8088/hook").unwrap();
        let (istio_json, _) = plugin_config_with(None, Some("block"), Some(&model), Some((&alerts, &istio_alerts_cluster(&alerts)))).unwrap();
        let (eg_json, _) = plugin_config_with(None, Some("block"), Some(&model), Some((&alerts, "vigil_alerts"))).unwrap();
        let _ = std::fs::remove_file(&model);
        let url = Some("http://siem.example:8088/hook");
        let cases: Vec<(Vec<Value>, &str)> = vec![
            (istio_wasm_plugin(&options("oci://reg.example/vigil:1.0", &[], &istio_json, url)).unwrap(), &istio_json),
            (istio_wasm_plugin(&options("file:///opt/vigil.wasm", &[("Gateway", "gw")], &istio_json, None)).unwrap(), &istio_json),
            (istio_traffic_extension(&options("https://h/vigil.wasm", &[], &istio_json, url)).unwrap(), &istio_json),
            (envoy_gateway(&options("oci://reg.example/vigil:1.0", &[("Gateway", "eg")], &eg_json, url)).unwrap(), &eg_json),
            (envoy_gateway(&options("https://h/vigil.wasm", &[("HTTPRoute", "backend")], &eg_json, None)).unwrap(), &eg_json),
        ];
        for (docs, envoy_string) in cases {
            let parsed = through_yaml(&docs);
            assert_eq!(parsed, docs, "the YAML reads back as the resource");
            for doc in &parsed {
                check("", doc, &schema_for(doc)).unwrap_or_else(|e| panic!("{} violates its schema: {e}", doc["kind"]));
            }
            let main = &parsed[0]["spec"];
            let embedded = main.get("pluginConfig").or(main["wasm"].get("pluginConfig")).or(main["wasm"][0].get("config")).expect("embedded config");
            // What the control plane hands Envoy: the object serialised to JSON, byte for byte the
            // StringValue the Envoy target embeds, and accepted by the filter's parser.
            let as_control_plane_sends = serde_json::to_string(embedded).unwrap();
            assert_eq!(as_control_plane_sends, envoy_string);
            let envoy = wasm_typed_config("/w.wasm", envoy_string);
            assert_eq!(envoy["config"]["configuration"]["value"].as_str(), Some(as_control_plane_sends.as_str()));
            let c = vigil_model::config::Config::from_json(as_control_plane_sends.as_bytes()).unwrap();
            assert_eq!(c.model.map(|m| m.endpoints.len()), Some(1));
            assert!(c.alerts.is_some());
        }
    }

    #[test]
    fn istio_targets_and_sources() {
        let o = options("oci://r/v:1", &[], "{}", None);
        let d = istio_wasm_plugin(&o).unwrap();
        assert_eq!(d[0]["spec"]["selector"]["matchLabels"]["istio"], "ingressgateway");
        assert_eq!(d[0]["spec"]["failStrategy"], "FAIL_OPEN");
        assert_eq!(d.len(), 1, "no ServiceEntry without alerts");
        let mut o = options("oci://r/v:1", &[("Gateway", "gw")], "{}", None);
        o.selector = vec![("app".into(), "x".into())];
        assert!(istio_wasm_plugin(&o).is_err(), "selector and targetRefs are exclusive");
        let o = options("oci://r/v:1", &[], "{}", Some("http://10.1.2.3:9000/h"));
        let d = istio_wasm_plugin(&o).unwrap();
        assert_eq!(d[1]["spec"]["resolution"], "STATIC");
        assert_eq!(istio_alerts_cluster(o.alerts.as_ref().unwrap()), "outbound|9000||10.1.2.3");
    }

    #[test]
    fn envoy_gateway_sources_and_refusals() {
        let d = envoy_gateway(&options("oci://r/v:1", &[("Gateway", "eg")], "{}", None)).unwrap();
        assert_eq!(d[0]["spec"]["wasm"][0]["code"]["image"]["url"], "r/v:1", "Envoy Gateway image URLs have no scheme");
        assert!(envoy_gateway(&options("file:///x.wasm", &[("Gateway", "eg")], "{}", None)).is_err());
        assert!(envoy_gateway(&options("oci://r/v:1", &[], "{}", None)).is_err(), "needs a target");
        assert!(envoy_gateway(&options("oci://r/v:1", &[("HTTPRoute", "r")], "{}", Some("http://h:1/x"))).is_err(), "alerts need a Gateway");
    }
}
