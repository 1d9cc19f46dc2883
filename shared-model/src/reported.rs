//! Repeats of posture findings: an endpoint's missing `nosniff`, a client's token sent over plain
//! HTTP, are properties of the deployment, not events of one request. The proxy keeps one
//! [`Reported`] per worker and lets the engine drop a posture finding below high severity that
//! this worker reported for the same endpoint, kind and client within [`INTERVAL_S`]
//! ([`crate::engine::Engine::drop_repeated_posture`]), so access-log lines, metrics and alerts
//! carry it every ten minutes instead of on every call. Such findings weigh nothing in the score
//! ([`crate::verdict`]), so verdicts do not change; high-severity posture (an unsigned token that
//! was accepted, a stack trace in this very answer) is reported every time.
//!
//! Bounded: at most [`CAPACITY`] remembered reports; when full, the expired ones go, and if none
//! has expired, all of them (a burst of distinct clients then sees each report again once).

use std::collections::HashMap;

/// How long a reported posture finding is not reported again, in seconds.
pub const INTERVAL_S: u32 = 600;
/// Reports remembered per worker.
pub const CAPACITY: usize = 4096;

#[derive(Debug, Default)]
pub struct Reported {
    /// Report key ([`key`]) -> when it was last reported (seconds).
    last: HashMap<u64, u32>,
}

impl Reported {
    /// Whether a report with this key is due at `now` (never reported, or longer ago than
    /// [`INTERVAL_S`]); a due report is remembered as made.
    pub fn due(&mut self, key: u64, now: u32) -> bool {
        if let Some(t) = self.last.get(&key) {
            if now.saturating_sub(*t) < INTERVAL_S {
                return false;
            }
        }
        if self.last.len() >= CAPACITY && !self.last.contains_key(&key) {
            self.last.retain(|_, t| now.saturating_sub(*t) < INTERVAL_S);
            if self.last.len() >= CAPACITY {
                self.last.clear();
            }
        }
        self.last.insert(key, now);
        true
    }
}

/// The key of one report: endpoint, finding kind and client (FNV-1a over the three).
pub fn key(endpoint: u32, kind: &str, client: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in endpoint.to_le_bytes().iter().chain(kind.as_bytes()).chain([0u8].iter()).chain(client.as_bytes()) {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_due_once_per_interval() {
        let mut r = Reported::default();
        let k = key(7, "posture.nosniff", "ab");
        assert!(r.due(k, 1000));
        assert!(!r.due(k, 1000 + INTERVAL_S - 1));
        assert!(r.due(k, 1000 + INTERVAL_S));
        assert!(r.due(key(7, "posture.nosniff", "cd"), 1000), "another client");
        assert!(r.due(key(8, "posture.nosniff", "ab"), 1000), "another endpoint");
        assert!(r.due(key(7, "posture.hsts", "ab"), 1000), "another kind");
    }

    #[test]
    fn memory_stays_bounded() {
        let mut r = Reported::default();
        for i in 0..(3 * CAPACITY as u64) {
            assert!(r.due(i, 5));
            assert!(r.last.len() <= CAPACITY);
        }
        // Expired reports make room before live ones are forgotten.
        let mut r = Reported::default();
        for i in 0..CAPACITY as u64 {
            r.due(i, 0);
        }
        assert!(r.due(u64::MAX, INTERVAL_S));
        assert_eq!(r.last.len(), 1);
    }
}
