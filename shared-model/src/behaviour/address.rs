//! Per-address login state: failed logins counted per source address as well as per client, so
//! credential stuffing or brute force that presents a new identity on every attempt (a fresh
//! token, cookie or username, hence a fresh client state) is still seen (OWASP API2:2023).
//!
//! The address is the one the client sources trust ([`crate::client::address`]). Its state is a
//! few counters in its own shared-data slot, read and written only by login attempts, so the
//! clean path does not pay for it. A NAT or proxy address carries many users whose logins mostly
//! succeed; it only counts against its limit while failures are the majority of its login
//! attempts in the window. The learner replays each address's attempts through the same
//! [`AddressState::attempt`], so the learned per-address distribution is counted as it is scored.

use super::state::{Reader, WINDOW_S};

/// Layout version; distinct from every client-state version, so neither decodes as the other.
pub const ADDRESS_VERSION: u8 = 0xa1;
/// Serialised size of an address state.
pub const ADDRESS_BYTES: usize = 1 + 8 + 4 * 2 + 2 * 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressState {
    /// Keyed hash of the address this state belongs to.
    pub owner: u64,
    pub last_seen: u32,
    window_start: u32,
    failures: u16,
    attempts: u16,
}

/// The address's login attempts in the current 10-minute window, this one included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    pub failures: u16,
    pub attempts: u16,
    /// The failure count of a window that closed with this attempt, if one did.
    pub closed: Option<u16>,
}

impl Attempts {
    /// Failures are the majority of the attempts: not a NAT of users who mostly log in fine.
    pub fn mostly_failing(&self) -> bool {
        u32::from(self.failures) * 2 > u32::from(self.attempts)
    }
}

impl AddressState {
    pub fn new(owner: u64, now: u32) -> AddressState {
        AddressState { owner, last_seen: now, window_start: now, failures: 0, attempts: 0 }
    }

    /// Seconds since this address's last login attempt.
    pub fn idle(&self, now: u32) -> u32 {
        now.saturating_sub(self.last_seen)
    }

    /// Counts one login attempt at `now`; windows are tumbling, as the client's.
    pub fn attempt(&mut self, now: u32, failed: bool) -> Attempts {
        let mut closed = None;
        if now.saturating_sub(self.window_start) >= WINDOW_S {
            closed = Some(self.failures).filter(|_| self.attempts > 0);
            self.window_start = now;
            self.failures = 0;
            self.attempts = 0;
        }
        self.last_seen = now;
        self.attempts = self.attempts.saturating_add(1);
        self.failures = self.failures.saturating_add(u16::from(failed));
        Attempts { failures: self.failures, attempts: self.attempts, closed }
    }

    /// The window's attempts as they stand at `now`, before a new attempt is counted; `None`
    /// when the window has closed or saw no attempt.
    pub fn so_far(&self, now: u32) -> Option<Attempts> {
        (self.attempts > 0 && now.saturating_sub(self.window_start) < WINDOW_S)
            .then_some(Attempts { failures: self.failures, attempts: self.attempts, closed: None })
    }

    /// The failures of the window still open, if it saw any attempt.
    pub fn open_window(&self) -> Option<u16> {
        (self.attempts > 0).then_some(self.failures)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(ADDRESS_BYTES);
        b.push(ADDRESS_VERSION);
        b.extend_from_slice(&self.owner.to_le_bytes());
        b.extend_from_slice(&self.last_seen.to_le_bytes());
        b.extend_from_slice(&self.window_start.to_le_bytes());
        b.extend_from_slice(&self.failures.to_le_bytes());
        b.extend_from_slice(&self.attempts.to_le_bytes());
        b
    }

    /// `None` for anything that is not an address state of this version and size.
    pub fn decode(b: &[u8]) -> Option<AddressState> {
        if b.len() != ADDRESS_BYTES || b.first() != Some(&ADDRESS_VERSION) {
            return None;
        }
        let mut r = Reader::at(b, 1);
        Some(AddressState {
            owner: u64::from_le_bytes(r.take()?),
            last_seen: r.u32()?,
            window_start: r.u32()?,
            failures: r.u16()?,
            attempts: r.u16()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_bytes() {
        let mut s = AddressState::new(9, 100);
        s.attempt(101, true);
        let b = s.encode();
        assert_eq!(b.len(), ADDRESS_BYTES);
        assert_eq!(AddressState::decode(&b), Some(s));
        assert_eq!(AddressState::decode(&b[1..]), None);
        assert_eq!(AddressState::decode(&[]), None);
        let client = super::super::state::ClientState::new(9, 100).encode();
        assert_eq!(AddressState::decode(&client), None, "a client state is not an address state");
    }

    #[test]
    fn counts_attempts_in_tumbling_windows() {
        let mut s = AddressState::new(1, 0);
        for i in 0..5 {
            s.attempt(10 + i, true);
        }
        let a = s.attempt(20, false);
        assert_eq!((a.failures, a.attempts, a.closed), (5, 6, None));
        assert!(a.mostly_failing());
        let a = s.attempt(10 + WINDOW_S, false);
        assert_eq!((a.failures, a.attempts, a.closed), (0, 1, Some(5)), "a new window");
        assert!(!a.mostly_failing());
        assert_eq!(s.open_window(), Some(0));
    }

    #[test]
    fn a_shared_address_with_few_failures_is_not_mostly_failing() {
        let mut s = AddressState::new(1, 0);
        let mut last = None;
        for i in 0..300u32 {
            last = Some(s.attempt(i, i % 10 == 0));
        }
        let a = last.unwrap();
        assert_eq!((a.failures, a.attempts), (30, 300));
        assert!(!a.mostly_failing());
    }
}
