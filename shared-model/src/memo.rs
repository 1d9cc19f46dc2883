//! Request fields this engine has already inspected and found clean.
//!
//! A client's calls repeat the same User-Agent, Accept, bearer token and cookies; scanning them
//! again for attacks and sensitive data finds nothing new, yet on a GET those scans are most of
//! the engine's work (and, inside Envoy, most of the cache lines it touches). The memo keeps a
//! fingerprint of each head field whose scans found nothing, so the next identical field skips
//! both. A field with any finding is never remembered, and a scan's outcome depends only on the
//! field (part, type, name, value), so what is detected does not change.
//!
//! Fingerprints are 64-bit SipHash values under a key drawn at random when the engine is built
//! (WASI `random_get`, which Envoy provides), so nobody outside can craft a value that collides
//! with a remembered clean one. The table is fixed and direct-mapped (4,096 slots, 32 KiB): a new
//! fingerprint overwrites its slot, so memory is bounded and a lost entry costs one rescan.

use crate::fields::Field;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

const SLOTS: usize = 4096;

pub struct Memo {
    key: RandomState,
    /// Fingerprints, 0 for an empty slot (fingerprints are odd).
    slots: Box<[AtomicU64]>,
}

impl Memo {
    pub fn new() -> Memo {
        Memo {
            key: RandomState::new(),
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// The field's fingerprint: its part, type, name and value, under the engine's key.
    pub fn fingerprint(&self, f: &Field<'_>) -> u64 {
        let mut h = self.key.build_hasher();
        h.write_u8(f.part as u8);
        h.write_u8(f.ty as u8);
        h.write(f.name.as_bytes());
        // 0xff never occurs in UTF-8: the name ends here whatever the value holds.
        h.write_u8(0xff);
        h.write(f.value.as_bytes());
        h.finish() | 1
    }

    /// Whether a field with this fingerprint was found clean (and its slot kept it since).
    pub fn is_clean(&self, fingerprint: u64) -> bool {
        self.slot(fingerprint).load(Relaxed) == fingerprint
    }

    /// Remembers a field found clean.
    pub fn remember_clean(&self, fingerprint: u64) {
        self.slot(fingerprint).store(fingerprint, Relaxed);
    }

    fn slot(&self, fingerprint: u64) -> &AtomicU64 {
        &self.slots[(fingerprint >> 1) as usize % SLOTS]
    }
}

impl Default for Memo {
    fn default() -> Memo {
        Memo::new()
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::{Part, ValueType};
    use std::borrow::Cow;

    fn field<'a>(part: Part, name: &'a str, value: &'a str) -> Field<'a> {
        Field {
            part,
            name: Cow::Borrowed(name),
            value: Cow::Borrowed(value),
            ty: ValueType::Text,
        }
    }

    #[test]
    fn remembers_exactly_the_field_found_clean() {
        let m = Memo::new();
        let ua = m.fingerprint(&field(Part::Header, "user-agent", "curl/8.5"));
        assert!(!m.is_clean(ua));
        m.remember_clean(ua);
        assert!(m.is_clean(ua));
        assert!(m.is_clean(m.fingerprint(&field(Part::Header, "user-agent", "curl/8.5"))));
        // The same text elsewhere, or under another name, or split differently, is another field.
        for other in [
            field(Part::Query, "user-agent", "curl/8.5"),
            field(Part::Header, "referer", "curl/8.5"),
            field(Part::Header, "user-agentc", "url/8.5"),
            field(Part::Header, "user-agent", "curl/8.6"),
        ] {
            assert!(!m.is_clean(m.fingerprint(&other)), "{other:?}");
        }
    }

    #[test]
    fn keys_differ_between_engines() {
        let (a, b) = (Memo::new(), Memo::new());
        let f = field(Part::Cookie, "session", "9f8e7d6c");
        assert_ne!(a.fingerprint(&f), b.fingerprint(&f));
    }

    #[test]
    fn a_colliding_slot_forgets_the_older_field() {
        let m = Memo::new();
        let first = m.fingerprint(&field(Part::Header, "x-request-id", "0"));
        m.remember_clean(first);
        let slot = (first >> 1) as usize % SLOTS;
        let rival = (0..100_000u32)
            .map(|i| m.fingerprint(&field(Part::Header, "x-request-id", &i.to_string())))
            .find(|&fp| fp != first && (fp >> 1) as usize % SLOTS == slot)
            .expect("some id shares the slot");
        m.remember_clean(rival);
        assert!(m.is_clean(rival) && !m.is_clean(first));
    }
}
