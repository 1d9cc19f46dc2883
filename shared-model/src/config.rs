//! Plugin configuration: the JSON object Envoy passes as a StringValue (Istio `pluginConfig`,
//! Envoy Gateway `config`), validated once per root context.
//!
//! Two stages, as in ripgrep: the JSON is read field by field into typed values (so an error names
//! the field and the value, which serde's messages alone do not), then checked for the rules serde
//! cannot express. Unknown keys are refused: a typo in a security config must not pass silently.
//! Every field has a default, so `{}` is a valid configuration.

use crate::behaviour::rules::{self, Rule, SequenceRule};
use crate::client::{ClientSource, HashKey};
use crate::detect::ProtocolPolicy;
use crate::endpoint_pattern::EndpointPattern;
use crate::exceptions::{Exception, Exceptions};
use crate::finding::Severity;
use crate::model::Model;
use crate::sensitive::policy::{CompiledPolicies, DataPolicy};
use crate::verdict::Thresholds;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// What Vigil does with a `block` verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Never blocks; the verdict says what block mode would have done.
    #[default]
    Monitor,
    /// Enforces `block` verdicts with a 403 before the upstream sees the request.
    Block,
}

/// A mode for some endpoints only: block on the endpoints that are ready while the rest of the
/// API stays in monitor mode, or the reverse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointMode {
    /// An [`EndpointPattern`].
    pub endpoint: String,
    pub mode: Mode,
}

/// How much of each body is inspected; the rest passes uninspected and is reported as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Inspect {
    pub request_body_bytes: usize,
    pub response_body_bytes: usize,
}

impl Default for Inspect {
    fn default() -> Self {
        Inspect { request_body_bytes: 65_536, response_body_bytes: 262_144 }
    }
}

/// Largest accepted body inspection limit (Envoy's default buffer limit is 1 MiB per connection).
pub const MAX_INSPECT_BYTES: usize = 16 << 20;

/// The shape of alert batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertFormat {
    /// One JSON document per batch: `{"source":"vigil","count":n,"alerts":[...]}`.
    #[default]
    Webhook,
    /// Splunk HTTP Event Collector: one `{"time":..,"sourcetype":"vigil","event":{..}}` per line,
    /// `Authorization: Splunk <token>`.
    SplunkHec,
}

/// Where and how findings are sent as alerts (see [`crate::alert`]). The sink is an Envoy cluster:
/// the filter can only reach what the proxy's configuration names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Alerts {
    /// The Envoy cluster alerts are POSTed to (required).
    pub cluster: String,
    /// `:authority` of the POST; defaults to the cluster name.
    pub authority: String,
    /// `:path` of the POST; defaults to `/` (webhook) or `/services/collector/event` (Splunk HEC).
    pub path: String,
    pub format: AlertFormat,
    /// Exchanges with a finding at or above this severity are alerted.
    pub min_severity: Severity,
    /// Alerts per POST, 1..=10000.
    pub batch_max: usize,
    /// A non-full batch waits at most this long, 10..=60000 ms.
    pub flush_ms: u64,
    /// Alerts waiting per worker, 1..=1000000; past it new alerts are dropped and counted.
    pub queue_max: usize,
    /// Attempts after the first for a batch answered 5xx/429 or not answered, 0..=10.
    pub max_retries: u32,
    /// Timeout of one POST, 100..=60000 ms.
    pub timeout_ms: u64,
    /// Splunk HEC token (required for `splunk_hec`); sent as `Authorization: Splunk <token>`.
    pub token: Option<String>,
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            cluster: String::new(),
            authority: String::new(),
            path: String::new(),
            format: AlertFormat::Webhook,
            min_severity: Severity::High,
            batch_max: 100,
            flush_ms: 1000,
            queue_max: 10_000,
            max_retries: 3,
            timeout_ms: 5000,
            token: None,
        }
    }
}

impl Alerts {
    /// Checks the rules serde cannot express and fills the defaults that depend on other fields.
    fn validate(mut self, raw: &Value) -> Result<Alerts, ConfigError> {
        let field = |name: &str| format!("alerts.{name}");
        let val = |name: &str| raw.get(name).cloned().unwrap_or(Value::Null);
        if self.cluster.trim().is_empty() {
            return Err(err("alerts.cluster", &val("cluster"), "name the Envoy cluster alerts are sent to"));
        }
        if self.authority.is_empty() {
            self.authority = self.cluster.clone();
        }
        if self.path.is_empty() {
            self.path = match self.format {
                AlertFormat::Webhook => "/".into(),
                AlertFormat::SplunkHec => "/services/collector/event".into(),
            };
        }
        if !self.path.starts_with('/') {
            return Err(err(field("path"), &val("path"), "must start with /"));
        }
        let ranges: [(&str, u64, u64, u64); 5] = [
            ("batch_max", self.batch_max as u64, 1, 10_000),
            ("flush_ms", self.flush_ms, 10, 60_000),
            ("queue_max", self.queue_max as u64, 1, 1_000_000),
            ("max_retries", u64::from(self.max_retries), 0, 10),
            ("timeout_ms", self.timeout_ms, 100, 60_000),
        ];
        for (name, v, lo, hi) in ranges {
            if v < lo || v > hi {
                return Err(err(field(name), &val(name), format!("must be in {lo}..={hi}")));
            }
        }
        let token_ok = self.token.as_deref().is_some_and(|t| !t.trim().is_empty());
        if self.format == AlertFormat::SplunkHec && !token_ok {
            return Err(err(field("token"), &val("token"), "splunk_hec needs the HEC token"));
        }
        if self.token.as_deref().is_some_and(|t| t.bytes().any(|b| b.is_ascii_control())) {
            return Err(err(field("token"), &Value::String("(redacted)".into()), "must not contain control characters"));
        }
        Ok(self)
    }
}

/// A validated configuration. Build it with [`Config::from_json`].
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub mode: Mode,
    /// Per-endpoint modes; the most specific matching pattern wins over `mode`.
    pub endpoint_modes: Vec<EndpointMode>,
    pub thresholds: Thresholds,
    pub client_id: Vec<ClientSource>,
    pub client_hash_key: HashKey,
    pub inspect: Inspect,
    pub expose_verdict_to_client: bool,
    pub policies: Policies,
    /// Alert sink; absent means no alerts.
    pub alerts: Option<Alerts>,
    pub behaviour: Tracking,
    pub model: Option<Model>,
}

/// Per-client state (see [`crate::behaviour`]): how many clients are tracked and when an idle
/// one's slot may be taken by another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tracking {
    /// State slots (shared-data keys), 0..=10000000; memory is about `capacity x 360` bytes
    /// (241 bytes of state, the key and the map entry; measured in `benches/behaviour.rs`), plus
    /// up to as many 21-byte slots for source addresses that attempted a login.
    /// 0 turns per-client behaviour off.
    pub capacity: u32,
    /// Seconds after which an idle client's slot may go to another client, 60..=604800.
    pub idle_timeout_s: u32,
}

impl Default for Tracking {
    fn default() -> Self {
        Tracking { capacity: 100_000, idle_timeout_s: 1800 }
    }
}

/// Operator rules, as opposed to learned behaviour.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policies {
    /// Data policies: which sensitive data types an endpoint may send or receive, and the action
    /// on a violation (see [`crate::sensitive::policy`]).
    pub data: Vec<DataPolicy>,
    /// Sequence rules: call order and repetition (see [`crate::behaviour::rules`]).
    pub sequences: Vec<SequenceRule>,
    /// The API's protocol limits (methods, content types, argument sizes); absent means none
    /// (see [`crate::detect::ProtocolPolicy`]).
    pub protocol: Option<ProtocolPolicy>,
    /// Where findings are known to be wrong and are silenced (see [`crate::exceptions`]).
    pub exceptions: Vec<Exception>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Monitor,
            endpoint_modes: Vec::new(),
            thresholds: Thresholds::default(),
            client_id: DEFAULT_CLIENT_ID.iter().filter_map(|s| ClientSource::parse(s).ok()).collect(),
            client_hash_key: HashKey::new(DEFAULT_HASH_KEY),
            inspect: Inspect::default(),
            expose_verdict_to_client: false,
            policies: Policies::default(),
            alerts: None,
            behaviour: Tracking::default(),
            model: None,
        }
    }
}

const DEFAULT_CLIENT_ID: &[&str] = &["jwt_sub", "header:x-api-key", "cookie:session", "xff", "source"];
const DEFAULT_HASH_KEY: &str = "vigil";

/// The configuration's top-level keys, in the order the README documents them.
pub const FIELDS: &[&str] = &[
    "mode",
    "endpoint_modes",
    "thresholds",
    "client_id",
    "client_hash_key",
    "inspect",
    "expose_verdict_to_client",
    "policies",
    "alerts",
    "behaviour",
    "model",
];

/// A refused configuration: which field, what value, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub field: String,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: field `{}`", self.field)?;
        if !self.value.is_empty() {
            write!(f, " = {}", self.value)?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for ConfigError {}

fn err(field: impl Into<String>, value: &Value, reason: impl Into<String>) -> ConfigError {
    let mut v = value.to_string();
    if v.len() > 80 {
        let mut cut = 77;
        while !v.is_char_boundary(cut) {
            cut -= 1;
        }
        v.truncate(cut);
        v.push_str("...");
    }
    ConfigError { field: field.into(), value: v, reason: reason.into() }
}

fn take<T: DeserializeOwned>(field: &str, v: Value) -> Result<T, ConfigError> {
    serde_json::from_value(v.clone()).map_err(|e| err(field, &v, e.to_string()))
}

/// Like [`take`], for an object whose own fields should be named: serde's "unknown field `x`" and
/// "invalid type ... for key `x`" messages are turned into `section.x` where serde says which.
fn take_in<T: DeserializeOwned>(section: &str, v: Value) -> Result<T, ConfigError> {
    if let Value::Object(m) = &v {
        for (k, item) in m {
            let mut probe = Map::new();
            probe.insert(k.clone(), item.clone());
            if let Err(e) = serde_json::from_value::<T>(Value::Object(probe)) {
                return Err(err(format!("{section}.{k}"), item, e.to_string()));
            }
        }
    }
    take(section, v)
}

impl Config {
    /// Parses and validates the plugin configuration. Empty input means `{}`.
    pub fn from_json(bytes: &[u8]) -> Result<Config, ConfigError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Config::default());
        }
        let root: Value = serde_json::from_slice(bytes).map_err(|e| ConfigError {
            field: "(document)".into(),
            value: String::new(),
            reason: format!("not valid JSON: {e}"),
        })?;
        let Value::Object(map) = root else {
            return Err(err("(document)", &root, "the configuration must be a JSON object"));
        };
        Config::from_map(map)
    }

    fn from_map(map: Map<String, Value>) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        for (key, v) in map {
            match key.as_str() {
                "mode" => c.mode = take("mode", v)?,
                "endpoint_modes" => {
                    let list: Vec<EndpointMode> = take("endpoint_modes", v)?;
                    for (i, m) in list.iter().enumerate() {
                        EndpointPattern::parse(&m.endpoint).map_err(|why| err(format!("endpoint_modes[{i}].endpoint"), &Value::from(m.endpoint.as_str()), why))?;
                    }
                    c.endpoint_modes = list;
                }
                "thresholds" => {
                    let t: Thresholds = take("thresholds", v.clone())?;
                    let ok = |x: f64| x > 0.0 && x <= 1.0;
                    if !ok(t.flag) || !ok(t.block) || t.flag > t.block {
                        return Err(err("thresholds", &v, "need 0 < flag <= block <= 1"));
                    }
                    c.thresholds = t;
                }
                "client_id" => {
                    let list: Vec<String> = take("client_id", v.clone())?;
                    if list.is_empty() {
                        return Err(err("client_id", &v, "list at least one source (e.g. \"source\")"));
                    }
                    c.client_id = list
                        .iter()
                        .enumerate()
                        .map(|(i, s)| ClientSource::parse(s).map_err(|why| err(format!("client_id[{i}]"), &Value::from(s.as_str()), why)))
                        .collect::<Result<_, _>>()?;
                }
                "client_hash_key" => {
                    let s: String = take("client_hash_key", v.clone())?;
                    if s.is_empty() {
                        return Err(err("client_hash_key", &v, "must not be empty"));
                    }
                    c.client_hash_key = HashKey::new(&s);
                }
                "inspect" => {
                    let i: Inspect = take("inspect", v.clone())?;
                    for (name, n) in [("request_body_bytes", i.request_body_bytes), ("response_body_bytes", i.response_body_bytes)] {
                        if n > MAX_INSPECT_BYTES {
                            return Err(err(format!("inspect.{name}"), &Value::from(n), format!("at most {MAX_INSPECT_BYTES}")));
                        }
                    }
                    c.inspect = i;
                }
                "expose_verdict_to_client" => c.expose_verdict_to_client = take("expose_verdict_to_client", v)?,
                "policies" => {
                    let p: Policies = take_in("policies", v)?;
                    if let Some(protocol) = &p.protocol {
                        protocol.validate().map_err(|(field, why)| ConfigError { field, value: String::new(), reason: why })?;
                    }
                    c.policies = p;
                    c.compile_policies()?;
                    c.sequence_rules()?;
                    c.compile_exceptions()?;
                }
                "alerts" => {
                    let a: Alerts = take_in("alerts", v.clone())?;
                    c.alerts = Some(a.validate(&v)?);
                }
                "behaviour" => {
                    let t: Tracking = take_in("behaviour", v)?;
                    if t.capacity > 10_000_000 {
                        return Err(err("behaviour.capacity", &Value::from(t.capacity), "must be in 0..=10000000"));
                    }
                    if !(60..=604_800).contains(&t.idle_timeout_s) {
                        return Err(err("behaviour.idle_timeout_s", &Value::from(t.idle_timeout_s), "must be in 60..=604800"));
                    }
                    c.behaviour = t;
                }
                "model" => {
                    let m: Model = take("model", v)?;
                    m.validate().map_err(|(field, why)| ConfigError { field, value: String::new(), reason: why })?;
                    c.model = Some(m);
                }
                _ => {
                    return Err(err(key.clone(), &v, format!("unknown field; expected one of {}", FIELDS.join(", "))));
                }
            }
        }
        Ok(c)
    }

    /// The checked sequence rules; an error names the rule field (`policies.sequences[0].then`).
    pub fn sequence_rules(&self) -> Result<Vec<Rule>, ConfigError> {
        rules::check(&self.policies.sequences).map_err(|(field, why)| ConfigError { field, value: String::new(), reason: why })
    }

    pub fn enforcing(&self) -> bool {
        self.mode == Mode::Block
    }

    /// The per-endpoint modes as patterns, most specific first (ties: the order written).
    pub fn endpoint_modes(&self) -> Vec<(EndpointPattern, Mode)> {
        let mut out: Vec<(EndpointPattern, Mode)> =
            self.endpoint_modes.iter().filter_map(|m| Some((EndpointPattern::parse(&m.endpoint).ok()?, m.mode))).collect();
        out.sort_by_key(|(p, _)| std::cmp::Reverse(p.specificity()));
        out
    }

    /// Compiles the exceptions; an error names the field (`policies.exceptions[0].sources[1]`).
    pub fn compile_exceptions(&self) -> Result<Exceptions, ConfigError> {
        Exceptions::new(&self.policies.exceptions).map_err(|(field, why)| ConfigError {
            field: format!("policies.exceptions{field}"),
            value: String::new(),
            reason: why,
        })
    }

    /// Compiles the data policies; an error names the policy field (`policies.data[1].endpoint`).
    pub fn compile_policies(&self) -> Result<CompiledPolicies, ConfigError> {
        CompiledPolicies::new(&self.policies.data).map_err(|(field, why)| ConfigError {
            field: field.replacen("policies[", "policies.data[", 1),
            value: String::new(),
            reason: why,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(json: &str) -> ConfigError {
        Config::from_json(json.as_bytes()).unwrap_err()
    }

    #[test]
    fn empty_and_braces_are_the_defaults() {
        assert_eq!(Config::from_json(b"").unwrap(), Config::default());
        assert_eq!(Config::from_json(b"{}").unwrap(), Config::default());
        assert_eq!(Config::default().client_id.len(), 5);
    }

    #[test]
    fn a_bad_endpoint_mode_is_refused_with_its_field() {
        assert_eq!(bad(r#"{"endpoint_modes":[{"endpoint":"/a","mode":"block"},{"endpoint":"a/b","mode":"block"}]}"#).field, "endpoint_modes[1].endpoint");
        assert_eq!(bad(r#"{"endpoint_modes":[{"endpoint":"/a","mode":"enforce"}]}"#).field, "endpoint_modes");
    }

    #[test]
    fn a_bad_exception_is_refused_with_its_field() {
        assert_eq!(bad(r#"{"policies":{"exceptions":[{"kinds":["attack.*"],"sources":["10.0.0.0/40"]}]}}"#).field, "policies.exceptions[0].sources[0]");
        assert_eq!(bad(r#"{"policies":{"exceptions":[{}]}}"#).field, "policies.exceptions[0]");
        assert_eq!(bad(r#"{"policies":{"exceptions":[{"endpoint":"/a","kind":"attack.sqli"}]}}"#).field, "policies.exceptions");
    }

    #[test]
    fn full_config_parses() {
        let c = Config::from_json(
            br#"{"mode":"block","thresholds":{"flag":0.4,"block":0.8},"client_id":["header:x-user","source"],
                "client_hash_key":"s3cret","inspect":{"request_body_bytes":1024},"expose_verdict_to_client":true,
                "policies":{"data":[{"endpoint":"GET /api/v1/users/{id}","forbid":["ssn"],"action":"redact"}]},
                "model":{"version":1,"endpoints":[{"method":"GET","template":"/a/{id}","count":3}]}}"#,
        )
        .unwrap();
        assert_eq!(c.mode, Mode::Block);
        assert_eq!(c.thresholds.flag, 0.4);
        assert_eq!(c.inspect.request_body_bytes, 1024);
        assert_eq!(c.inspect.response_body_bytes, Inspect::default().response_body_bytes);
        assert!(c.expose_verdict_to_client);
        assert_eq!(c.policies.data.len(), 1);
        assert_eq!(c.model.unwrap().endpoints.len(), 1);
    }

    #[test]
    fn each_rule_names_its_field() {
        assert_eq!(bad(r#"{"mode":"bogus"}"#).field, "mode");
        assert_eq!(bad(r#"{"mode":"bogus"}"#).value, "\"bogus\"");
        assert_eq!(bad(r#"{"modee":"block"}"#).field, "modee");
        assert!(bad(r#"{"modee":"block"}"#).reason.contains("unknown field"));
        assert_eq!(bad(r#"{"thresholds":{"flag":0.9,"block":0.5}}"#).field, "thresholds");
        assert_eq!(bad(r#"{"thresholds":{"flag":0,"block":0.5}}"#).field, "thresholds");
        assert!(bad(r#"{"thresholds":{"flg":0.1}}"#).reason.contains("flg"));
        assert_eq!(bad(r#"{"client_id":[]}"#).field, "client_id");
        assert_eq!(bad(r#"{"client_id":["source","bogus"]}"#).field, "client_id[1]");
        assert_eq!(bad(r#"{"client_hash_key":""}"#).field, "client_hash_key");
        assert_eq!(bad(r#"{"inspect":{"request_body_bytes":999999999}}"#).field, "inspect.request_body_bytes");
        assert_eq!(bad(r#"{"expose_verdict_to_client":"yes"}"#).field, "expose_verdict_to_client");
        assert_eq!(bad(r#"{"model":{"version":7}}"#).field, "model.version");
        assert_eq!(bad(r#"{"policies":{"dat":[]}}"#).field, "policies.dat");
        assert_eq!(bad(r#"{"policies":{"sequences":[{"before":"GET /a","then":"x"}]}}"#).field, "policies.sequences[0].then");
        assert_eq!(bad(r#"{"policies":{"sequences":[{"endpoint":"POST /login","max_in_a_row":0}]}}"#).field, "policies.sequences[0].max_in_a_row");
        assert_eq!(bad(r#"{"behaviour":{"capacity":-1}}"#).field, "behaviour.capacity");
        assert_eq!(bad(r#"{"behaviour":{"capacity":20000000}}"#).field, "behaviour.capacity");
        assert_eq!(bad(r#"{"behaviour":{"idle_timeout_s":5}}"#).field, "behaviour.idle_timeout_s");
        assert_eq!(bad(r#"{"behaviour":{"capacty":5}}"#).field, "behaviour.capacty");
        assert_eq!(bad(r#"{"policies":{"data":[{"endpoint":"GET x","forbid":["ssn"],"action":"flag"}]}}"#).field, "policies.data[0].endpoint");
        assert!(bad(r#"{"policies":{"data":[{"endpoint":"*","forbid":["nope"],"action":"flag"}]}}"#).reason.contains("nope"));
        assert_eq!(bad(r#"{"model":{"version":1,"endpoints":[{"method":"GET","template":"x","count":1}]}}"#).field, "model.endpoints[0].template");
        assert_eq!(bad("[1]").field, "(document)");
        assert_eq!(bad("{").field, "(document)");
    }

    #[test]
    fn alerts_section_parses_with_defaults() {
        let c = Config::from_json(br#"{"alerts":{"cluster":"vigil_alerts"}}"#).unwrap();
        let a = c.alerts.unwrap();
        assert_eq!((a.cluster.as_str(), a.authority.as_str(), a.path.as_str()), ("vigil_alerts", "vigil_alerts", "/"));
        assert_eq!((a.format, a.min_severity, a.batch_max, a.flush_ms, a.queue_max), (AlertFormat::Webhook, Severity::High, 100, 1000, 10_000));
        let c = Config::from_json(
            br#"{"alerts":{"cluster":"siem","authority":"siem.example","format":"splunk_hec","token":"t0k","min_severity":"medium","batch_max":5}}"#,
        )
        .unwrap();
        let a = c.alerts.unwrap();
        assert_eq!((a.format, a.path.as_str(), a.min_severity, a.batch_max), (AlertFormat::SplunkHec, "/services/collector/event", Severity::Medium, 5));
        assert!(Config::from_json(br#"{}"#).unwrap().alerts.is_none());
    }

    #[test]
    fn each_alerts_rule_names_its_field() {
        assert_eq!(bad(r#"{"alerts":{}}"#).field, "alerts.cluster");
        assert_eq!(bad(r#"{"alerts":{"cluster":" "}}"#).field, "alerts.cluster");
        assert_eq!(bad(r#"{"alerts":{"cluster":"c","clustr":"x"}}"#).field, "alerts.clustr");
        assert_eq!(bad(r#"{"alerts":{"cluster":"c","format":"syslog"}}"#).field, "alerts.format");
        assert_eq!(bad(r#"{"alerts":{"cluster":"c","min_severity":"severe"}}"#).field, "alerts.min_severity");
        assert_eq!(bad(r#"{"alerts":{"cluster":"c","path":"hook"}}"#).field, "alerts.path");
        assert_eq!(bad(r#"{"alerts":{"cluster":"c","batch_max":0}}"#).field, "alerts.batch_max");
        assert_eq!(bad(r#"{"alerts":{"cluster":"c","batch_max":"10"}}"#).field, "alerts.batch_max");
        assert_eq!(bad(r#"{"alerts":{"cluster":"c","flush_ms":5}}"#).field, "alerts.flush_ms");
        assert_eq!(bad(r#"{"alerts":{"cluster":"c","queue_max":0}}"#).field, "alerts.queue_max");
        assert_eq!(bad(r#"{"alerts":{"cluster":"c","max_retries":11}}"#).field, "alerts.max_retries");
        assert_eq!(bad(r#"{"alerts":{"cluster":"c","timeout_ms":1}}"#).field, "alerts.timeout_ms");
        assert_eq!(bad(r#"{"alerts":{"cluster":"c","format":"splunk_hec"}}"#).field, "alerts.token");
        assert_eq!(bad(r#"{"alerts":"c"}"#).field, "alerts");
        let e = bad(r#"{"alerts":{"cluster":"c","token":"a\u0007b"}}"#);
        assert_eq!(e.field, "alerts.token");
        assert!(!e.to_string().contains("a\\u0007b"), "the token is not echoed: {e}");
    }

    #[test]
    fn error_display_is_one_readable_line() {
        let e = bad(r#"{"mode":"bogus"}"#).to_string();
        assert!(e.starts_with("invalid configuration: field `mode` = \"bogus\": unknown variant"), "{e}");
    }
}
