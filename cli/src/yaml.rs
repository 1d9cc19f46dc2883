//! A small YAML emitter for rendered configs: block style for readability, every string written as
//! a JSON-quoted scalar (valid YAML), so no value can be misread as another type or break the layout.

use serde_json::Value;
use std::fmt::Write;

pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    emit(v, 0, &mut out);
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => plain_or_quoted(s),
        other => other.to_string(),
    }
}

/// Identifiers and paths stay plain; anything YAML could misread is JSON-quoted.
fn plain_or_quoted(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
        && !s.starts_with(['-', '.'])
        && s.parse::<f64>().is_err()
        && !matches!(s.to_ascii_lowercase().as_str(), "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "~");
    if plain {
        s.to_string()
    } else {
        Value::String(s.to_string()).to_string()
    }
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Object(m) if !m.is_empty()) || matches!(v, Value::Array(a) if !a.is_empty())
}

fn emit(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, item) in map {
                let _ = write!(out, "{pad}{}:", plain_or_quoted(k));
                if is_block(item) {
                    out.push('\n');
                    emit(item, indent + 2, out);
                } else {
                    let _ = writeln!(out, " {}", inline(item));
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                if is_block(item) {
                    // The first line of a block item shares the dash.
                    let mut inner = String::new();
                    emit(item, indent + 2, &mut inner);
                    let _ = write!(out, "{pad}- {}", &inner[indent + 2..]);
                } else {
                    let _ = writeln!(out, "{pad}- {}", inline(item));
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", inline(other));
        }
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
        other => scalar(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn emits_block_yaml_that_keeps_types() {
        let v = json!({"a": 1, "b": "x.y", "c": "true", "d": [ {"e": "f g", "h": []}, 2 ], "i": {}, "j": "{\"k\":1}"});
        let y = to_yaml(&v);
        assert_eq!(
            y,
            "a: 1\nb: x.y\nc: \"true\"\nd:\n  - e: \"f g\"\n    h: []\n  - 2\ni: {}\nj: \"{\\\"k\\\":1}\"\n"
        );
    }
}
