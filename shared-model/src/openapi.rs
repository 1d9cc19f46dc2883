//! OpenAPI 3 seeding: an API description's operations become declared endpoints (known even with
//! zero traffic) with their query and JSON/form body parameters' declared shapes.
//!
//! Works on a `serde_json::Value` so the CLI can feed it JSON or YAML. Templates keep the
//! description's parameter names (`/users/{userId}`) and are prefixed with the first server URL's
//! path (`https://api.example.com/v1` -> `/v1`). `$ref`s into the same document are followed to a
//! bounded depth; operations whose paths are not whole-segment templates are reported, not fatal.

use crate::model::{EndpointModel, ParamModel, MAX_ENDPOINT_PARAMS};
use crate::params::Shape;
use serde_json::Value;

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options", "trace"];
/// How deep `$ref`s and nested schemas are followed.
const MAX_DEPTH: usize = 12;

/// The declared endpoints, and a note for each operation left out.
pub fn endpoints(spec: &Value) -> Result<(Vec<EndpointModel>, Vec<String>), String> {
    let version = spec.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with('3') {
        return Err(format!("not an OpenAPI 3 description (openapi: {version:?})"));
    }
    let paths = spec.get("paths").and_then(Value::as_object).ok_or("no `paths` object")?;
    let base = server_path(spec);
    let (mut out, mut skipped) = (Vec::new(), Vec::new());
    for (path, item) in paths {
        let template = format!("{base}{}", sanitize(path));
        if let Err(why) = crate::route::check_template(&template) {
            skipped.push(format!("{path}: {why}"));
            continue;
        }
        let shared = item.get("parameters");
        for method in METHODS {
            let Some(op) = item.get(*method) else { continue };
            let mut e = EndpointModel::new(&method.to_ascii_uppercase(), &template);
            e.declared = true;
            for list in [shared, op.get("parameters")].into_iter().flatten() {
                for p in list.as_array().into_iter().flatten() {
                    let p = resolve(spec, p, 0);
                    if p.get("in").and_then(Value::as_str) == Some("query") {
                        if let Some(name) = p.get("name").and_then(Value::as_str) {
                            declare(&mut e, format!("query:{name}"), p.get("schema").and_then(|s| shape(spec, s)));
                        }
                    }
                }
            }
            let content = op.get("requestBody").map(|b| resolve(spec, b, 0)).and_then(|b| b.get("content"));
            for (ct, media) in content.and_then(Value::as_object).into_iter().flatten() {
                let prefix = if ct.contains("json") { "body:$" } else if ct == "application/x-www-form-urlencoded" { "body:" } else { continue };
                if let Some(schema) = media.get("schema") {
                    body(spec, schema, prefix.to_string(), prefix == "body:$", 0, &mut e);
                }
            }
            out.push(e);
        }
    }
    Ok((out, skipped))
}

fn declare(e: &mut EndpointModel, name: String, shape: Option<Shape>) {
    if e.params_open || (!e.params.contains_key(&name) && e.params.len() >= MAX_ENDPOINT_PARAMS) {
        e.params_open = true;
        e.params.clear();
        return;
    }
    let p = e.params.entry(name).or_insert_with(ParamModel::default);
    p.declared = p.declared.or(shape);
}

/// Walks a body schema: object properties (`$.a.b`, or `a` for forms), array items (`[*]`).
fn body(spec: &Value, schema: &Value, name: String, json: bool, depth: usize, e: &mut EndpointModel) {
    if depth > MAX_DEPTH {
        return;
    }
    let schema = resolve(spec, schema, 0);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, s) in props {
            if !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                continue;
            }
            let child = if json { format!("{name}.{k}") } else if depth == 0 { format!("{name}{k}") } else { continue };
            body(spec, s, child, json, depth + 1, e);
        }
    } else if let Some(items) = schema.get("items").filter(|_| json) {
        body(spec, items, format!("{name}[*]"), json, depth + 1, e);
    } else if depth > 0 {
        declare(e, name, shape(spec, schema));
    }
}

/// The shape a leaf schema declares.
fn shape(spec: &Value, schema: &Value) -> Option<Shape> {
    let s = resolve(spec, schema, 0);
    let format = s.get("format").and_then(Value::as_str).unwrap_or("");
    match s.get("type").and_then(Value::as_str)? {
        "integer" => Some(Shape::Int),
        "number" => Some(Shape::Number),
        "boolean" => Some(Shape::Bool),
        "string" => Some(match format {
            "uuid" => Shape::Uuid,
            "email" => Shape::Email,
            "date" | "date-time" => Shape::Date,
            _ if s.get("enum").is_some() => Shape::Word,
            _ => Shape::Text,
        }),
        _ => None,
    }
}

/// Follows `{"$ref": "#/components/..."}` within the document.
fn resolve<'a>(spec: &'a Value, v: &'a Value, depth: usize) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) if depth < MAX_DEPTH => spec.pointer(pointer).map_or(v, |t| resolve(spec, t, depth + 1)),
        _ => v,
    }
}

/// The path of the first server URL, without a trailing slash (`""` when none).
fn server_path(spec: &Value) -> String {
    let url = spec.pointer("/servers/0/url").and_then(Value::as_str).unwrap_or("");
    let after_host = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url,
    };
    after_host.trim_end_matches('/').to_string()
}

/// `{user-id}` -> `{user_id}`: parameter names as templates allow them.
fn sanitize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => in_param = true,
            '}' => in_param = false,
            _ => {}
        }
        out.push(if in_param && c != '{' && !c.is_ascii_alphanumeric() { '_' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_become_declared_endpoints_with_parameter_shapes() {
        let spec = serde_json::json!({
            "openapi": "3.0.3",
            "servers": [{"url": "https://api.example.com/api/v1/"}],
            "paths": {
                "/users/{user-id}": {
                    "parameters": [{"$ref": "#/components/parameters/Fields"}],
                    "get": {"parameters": [{"name": "user-id", "in": "path"}]},
                    "patch": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}}}
                },
                "/files/{name}.json": {"get": {}}
            },
            "components": {
                "parameters": {"Fields": {"name": "fields", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}}},
                "schemas": {"User": {"type": "object", "properties": {
                    "email": {"type": "string", "format": "email"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "age": {"type": "integer"}
                }}}
            }
        });
        let (eps, skipped) = endpoints(&spec).unwrap();
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        let names: Vec<String> = eps.iter().map(|e| e.name()).collect();
        assert_eq!(names, ["GET /api/v1/users/{user_id}", "PATCH /api/v1/users/{user_id}"]);
        assert!(eps.iter().all(|e| e.declared && e.count == 0));
        assert_eq!(eps[0].params["query:fields"].declared, Some(Shape::Word));
        let patch = &eps[1].params;
        assert_eq!(patch["body:$.email"].declared, Some(Shape::Email));
        assert_eq!(patch["body:$.tags[*]"].declared, Some(Shape::Text));
        assert_eq!(patch["body:$.age"].declared, Some(Shape::Int));
        assert!(endpoints(&serde_json::json!({"swagger": "2.0"})).is_err());
    }
}
