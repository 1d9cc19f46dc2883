//! The JSON walker, the access-log member splitter and the body field extraction on arbitrary
//! bytes: never panics, and every content type's parser returns.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_model::fields::{body_fields, Part};

fuzz_target!(|data: &[u8]| {
    let mut n = 0usize;
    let _ = vigil_model::json::walk(data, |path, _leaf| {
        n += 1;
        assert!(path.starts_with('$'));
    });
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = vigil_model::json::members(text);
    }
    for ct in [Some("application/json"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data; boundary=XyZ"), Some("text/xml"), None] {
        let mut names = String::new();
        let mut out = Vec::new();
        let _ = body_fields(Part::Body, ct, data, &mut names, &mut out);
    }
});
