//! A whole exchange through the engine as the filter drives it, on arbitrary requests and
//! responses: every detector, the sensitive-data scanner, routing, the baseline and the event
//! never panic, whatever the bytes. Runs with the embedded defaults and with the benchmark's
//! model plus a protocol policy in block mode, so the model's and the policies' paths run too.
//!
//! Input: fields separated by 0xFF (a byte UTF-8 never uses): method, path, authority, then
//! header lines (`name:value`), then an empty field, the request body, the response's content
//! type and its body. Text fields go through lossy UTF-8, as the filter receives them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use vigil_model::config::Config;
use vigil_model::engine::Engine;
use vigil_model::facts::{RequestHead, ResponseHead};
use vigil_model::reported::Reported;

const STRICT: &str = r#"{"mode": "block", "policies": {"protocol": {
  "allowed_methods": ["GET", "POST", "PUT", "DELETE"], "allowed_content_types": ["application/json"],
  "require_content_type": true, "required_headers": ["user-agent"], "forbid_method_override": true,
  "max_argument_length": 64, "max_arguments": 8}}}"#;

fn engines() -> &'static [Engine; 2] {
    static E: OnceLock<[Engine; 2]> = OnceLock::new();
    E.get_or_init(|| {
        let model = include_str!("../../scripts/bench/model.json");
        let strict = STRICT.replacen('{', &format!("{{\"model\": {model},"), 1);
        let build = |json: &str| Engine::new(Config::from_json(json.as_bytes()).expect("config")).expect("engine");
        [build("{}"), build(&strict)]
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&c| c == 0xff);
    let mut next = || parts.next().unwrap_or_default();
    let (method, path, authority) = (text(next()), text(next()), text(next()));
    let mut headers = Vec::new();
    loop {
        let line = next();
        if line.is_empty() || headers.len() >= 64 {
            break;
        }
        let (name, value) = match line.iter().position(|&c| c == b':') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &b""[..]),
        };
        headers.push((text(name).to_ascii_lowercase(), text(value)));
    }
    let (req_body, resp_type, resp_body) = (next(), text(next()), next());
    for engine in engines() {
        let head = RequestHead {
            method: method.clone(),
            path: path.clone(),
            authority: authority.clone(),
            scheme: "https".into(),
            headers: headers.clone(),
            source: Some("203.0.113.9".into()),
            ..Default::default()
        };
        let mut ex = engine.start(head);
        // Bodies arrive in chunks: split in two where the input says.
        let cut = req_body.first().map_or(0, |&c| usize::from(c)).min(req_body.len());
        engine.request_body(&mut ex, &req_body[..cut]);
        engine.request_body(&mut ex, &req_body[cut..]);
        engine.end_request(&mut ex);
        let status = 200 + u16::from(resp_body.first().copied().unwrap_or(0)) % 400;
        engine.response_head(&mut ex, ResponseHead { status, headers: vec![("content-type".into(), resp_type.clone())] });
        engine.response_body(&mut ex, resp_body);
        engine.drop_repeated_posture(&mut ex, &mut Reported::default(), 1_763_700_000);
        let verdict = engine.end_response(&mut ex);
        let event = engine.event(&mut ex, verdict, 0);
        assert!(event.to_json().is_ok());
    }
});
