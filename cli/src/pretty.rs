//! Model JSON for people: indented like `to_string_pretty`, except that containers holding only
//! scalars (sketch buckets, status counts, enum values) stay on one line. A learned model is about
//! half the size of serde's pretty form and still reads top-down, one endpoint field per line.

use serde_json::Value;

pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write(v, 0, &mut out);
    out.push('\n');
    out
}

fn is_flat(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.values().all(|c| !c.is_object() && !c.is_array()),
        Value::Array(a) => a.iter().all(|c| !c.is_object() && !c.is_array()),
        _ => true,
    }
}

fn write(v: &Value, indent: usize, out: &mut String) {
    if is_flat(v) {
        out.push_str(&v.to_string());
        return;
    }
    let pad = " ".repeat(indent + 2);
    match v {
        Value::Object(m) => {
            out.push_str("{\n");
            for (i, (k, c)) in m.iter().enumerate() {
                out.push_str(&pad);
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(": ");
                write(c, indent + 2, out);
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
        Value::Array(a) => {
            out.push_str("[\n");
            for (i, c) in a.iter().enumerate() {
                out.push_str(&pad);
                write(c, indent + 2, out);
                out.push_str(if i + 1 < a.len() { ",\n" } else { "\n" });
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
        }
        _ => out.push_str(&v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_containers_stay_on_one_line_and_the_json_round_trips() {
        let v = serde_json::json!({"a": {"bins": {"1": 2, "3": 4}, "count": 6}, "list": [{"x": [1, 2]}], "e": {}});
        let s = to_string(&v);
        let want = "{\n  \"a\": {\n    \"bins\": {\"1\":2,\"3\":4},\n    \"count\": 6\n  },\n  \"list\": [\n    {\n      \"x\": [1,2]\n    }\n  ],\n  \"e\": {}\n}\n";
        assert_eq!(s, want);
        assert_eq!(serde_json::from_str::<Value>(&s).unwrap(), v);
    }
}
