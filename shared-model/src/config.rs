//! Plugin configuration: the JSON object Envoy passes as a StringValue (Istio `pluginConfig`,
//! Envoy Gateway `config`), validated once per root context.
//!
//! Two stages, as in ripgrep: the JSON is read field by field into typed values (so an error names
//! the field and the value, which serde's messages alone do not), then checked for the rules serde
//! cannot express. Unknown keys are refused: a typo in a security config must not pass silently.
//! Every field has a default, so `{}` is a valid configuration.

use crate::client::{ClientSource, HashKey};
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

/// A validated configuration. Build it with [`Config::from_json`].
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub mode: Mode,
    pub thresholds: Thresholds,
    pub client_id: Vec<ClientSource>,
    pub client_hash_key: HashKey,
    pub inspect: Inspect,
    pub expose_verdict_to_client: bool,
    pub policies: Policies,
    pub model: Option<Model>,
}

/// Operator rules, as opposed to learned behaviour.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policies {
    /// Data policies: which sensitive data types an endpoint may send or receive, and the action
    /// on a violation (see [`crate::sensitive::policy`]).
    pub data: Vec<DataPolicy>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Monitor,
            thresholds: Thresholds::default(),
            client_id: DEFAULT_CLIENT_ID.iter().filter_map(|s| ClientSource::parse(s).ok()).collect(),
            client_hash_key: HashKey::new(DEFAULT_HASH_KEY),
            inspect: Inspect::default(),
            expose_verdict_to_client: false,
            policies: Policies::default(),
            model: None,
        }
    }
}

const DEFAULT_CLIENT_ID: &[&str] = &["jwt_sub", "header:x-api-key", "cookie:session", "xff", "source"];
const DEFAULT_HASH_KEY: &str = "vigil";

/// The configuration's top-level keys, in the order the README documents them.
pub const FIELDS: &[&str] =
    &["mode", "thresholds", "client_id", "client_hash_key", "inspect", "expose_verdict_to_client", "policies", "model"];

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
                    let p: Policies = take("policies", v)?;
                    c.policies.data = p.data;
                    c.compile_policies()?;
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

    pub fn enforcing(&self) -> bool {
        self.mode == Mode::Block
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
        assert_eq!(bad(r#"{"policies":{"dat":[]}}"#).field, "policies");
        assert_eq!(bad(r#"{"policies":{"data":[{"endpoint":"GET x","forbid":["ssn"],"action":"flag"}]}}"#).field, "policies.data[0].endpoint");
        assert!(bad(r#"{"policies":{"data":[{"endpoint":"*","forbid":["nope"],"action":"flag"}]}}"#).reason.contains("nope"));
        assert_eq!(bad(r#"{"model":{"version":1,"endpoints":[{"method":"GET","template":"x","count":1}]}}"#).field, "model.endpoints[0].template");
        assert_eq!(bad("[1]").field, "(document)");
        assert_eq!(bad("{").field, "(document)");
    }

    #[test]
    fn error_display_is_one_readable_line() {
        let e = bad(r#"{"mode":"bogus"}"#).to_string();
        assert!(e.starts_with("invalid configuration: field `mode` = \"bogus\": unknown variant"), "{e}");
    }
}
