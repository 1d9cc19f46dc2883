//! Per-client behaviour state: what Vigil remembers about one client between its requests.
//!
//! The filter keeps one [`ClientState`] per client in proxy-wasm shared data (process-wide, so
//! every Envoy worker sees the same client) and the learner replays access logs through the very
//! same [`ClientState::begin`] / [`ClientState::finish`] steps, so the distributions learned are
//! the ones scored. The engine never reads the clock: `now` (seconds since the Unix epoch) comes in.
//!
//! The state is small and fixed-size ([`STATE_BYTES`] = 241 bytes in a versioned little-endian
//! layout), because memory is `capacity x state size` and every request reads and writes it:
//! - times: last request, start of the 10-minute window and of the 1-minute window;
//! - the last [`HISTORY`] operations (endpoint key and age; consecutive repeats collapsed, with the
//!   run length of the latest), for sequence scoring ([`ClientState::context`]) and precedence rules;
//! - per-endpoint request counts and distinct object ids in the current window, for the
//!   [`RATE_SLOTS`] busiest endpoints (the objects through a 256-bit Bloom filter of
//!   (endpoint, object id) pairs shared by the slots);
//! - the object ids returned to this client in responses (a 512-bit Bloom filter, 3 hashes; cleared
//!   when half full, so about 90 ids at a 1-2% false-positive rate: a false positive only hides a
//!   provenance finding, it never raises one);
//! - sensitive values received this minute, authentication failures this window.
//!
//! A session ends after [`SESSION_IDLE_S`] idle seconds; windows are tumbling, starting at the
//! first request after the previous one closed.

/// Layout version; a state with another version is discarded (the client starts afresh).
/// Version 1 (227 bytes) counted distinct objects across all endpoints in one counter.
pub const STATE_VERSION: u8 = 2;
/// Operations remembered (consecutive repeats collapsed).
pub const HISTORY: usize = 9;
/// Previous operations a call is scored after ([`Context`]): with the call, the last [`HISTORY`].
pub const ORDER: usize = HISTORY - 1;
/// Endpoints whose window counts are kept; the least used is replaced when a new one comes.
pub const RATE_SLOTS: usize = 8;
/// A session ends after this many idle seconds.
pub const SESSION_IDLE_S: u32 = 600;
/// The rate, enumeration and authentication-failure window.
pub const WINDOW_S: u32 = 600;
/// The data-volume window.
pub const MINUTE_S: u32 = 60;
/// The endpoint key of "the start of a session" in transitions.
pub const START: u32 = 0;
/// Serialised size of a state.
pub const STATE_BYTES: usize = 1 + 8 + 4 * 3 + 2 * 2 + 2 + HISTORY * 6 + RATE_SLOTS * 8 + WINDOW_BLOOM + IDS_BLOOM;

const WINDOW_BLOOM: usize = 32;
const IDS_BLOOM: usize = 64;

/// One request as the state sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub now: u32,
    /// [`endpoint_key`] of the endpoint.
    pub endpoint: u32,
    /// Keyed hash of the object id the path names, for id-bearing endpoints.
    pub object: Option<u64>,
}

/// What [`ClientState::begin`] saw for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The previous operation in this session, or [`START`].
    pub prev: u32,
    /// The same endpoint as the previous request (a collapsed repeat: not a transition).
    pub repeat: bool,
    /// Consecutive requests to this endpoint, this one included (saturates at 255).
    pub run: u8,
    /// Requests to this endpoint in the current window, this one included.
    pub endpoint_count: u16,
    /// Distinct object ids requested from this endpoint in the current window (approximate: a
    /// Bloom filter).
    pub endpoint_objects: u16,
    /// Whether the object was returned to this client before or is its own (`None`: no object,
    /// or no id was ever returned to this client, so provenance cannot be judged).
    pub known: Option<bool>,
}

/// What [`ClientState::finish`] counted once the response was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    pub minute_sensitive: u16,
    pub window_auth_failures: u16,
    /// The sensitive-value count of a minute that closed with this request, if one did.
    pub closed_minute: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientState {
    /// Keyed hash of the client identity this state belongs to.
    pub owner: u64,
    pub last_seen: u32,
    window_start: u32,
    minute_start: u32,
    minute_sensitive: u16,
    window_auth_failures: u16,
    run: u8,
    /// (endpoint key, time), oldest first.
    history: Vec<(u32, u32)>,
    /// (endpoint key, requests, distinct objects) in the window.
    rates: [(u32, u16, u16); RATE_SLOTS],
    window_bloom: [u8; WINDOW_BLOOM],
    ids_bloom: [u8; IDS_BLOOM],
}

/// The key of an endpoint in states and transition tables: FNV-1a of `METHOD template`, never
/// [`START`]. A hash rather than a model index, so a state survives a model update.
pub fn endpoint_key(name: &str) -> u32 {
    match crate::params::value_hash(name) {
        START => 1,
        k => k,
    }
}

impl ClientState {
    pub fn new(owner: u64, now: u32) -> ClientState {
        ClientState {
            owner,
            last_seen: now,
            window_start: now,
            minute_start: 0,
            minute_sensitive: 0,
            window_auth_failures: 0,
            run: 0,
            history: Vec::with_capacity(HISTORY),
            rates: [(0, 0, 0); RATE_SLOTS],
            window_bloom: [0; WINDOW_BLOOM],
            ids_bloom: [0; IDS_BLOOM],
        }
    }

    /// Seconds since this client's last request.
    /// Failed logins in the current 10-minute window (after [`ClientState::begin`] rolled it).
    pub fn auth_failures(&self) -> u16 {
        self.window_auth_failures
    }

    pub fn idle(&self, now: u32) -> u32 {
        now.saturating_sub(self.last_seen)
    }

    /// Whether a request at `now` starts a new session.
    pub fn new_session(&self, now: u32) -> bool {
        self.history.is_empty() || self.idle(now) > SESSION_IDLE_S
    }

    /// The sensitive-value count of the minute still open, if any.
    pub fn open_minute(&self) -> Option<u16> {
        (self.minute_start != 0).then_some(self.minute_sensitive)
    }

    /// Whether `endpoint` was called in this client's remembered history within `within` seconds
    /// before `now` (the last [`HISTORY`] distinct operations).
    pub fn preceded_by(&self, endpoint: u32, now: u32, within: u32) -> bool {
        self.history.iter().any(|&(k, t)| k == endpoint && now.saturating_sub(t) <= within)
    }

    /// The operations a call at `now` follows, for sequence scoring: call it before
    /// [`ClientState::begin`]. The learner builds its contexts with it too.
    pub fn context(&self, now: u32) -> Context {
        let mut c = Context { keys: [START; ORDER], len: 1 };
        if self.new_session(now) {
            return c;
        }
        let mut len = 0;
        for (slot, &(k, _)) in c.keys.iter_mut().zip(self.history.iter().rev()) {
            *slot = k;
            len += 1;
        }
        // A history shorter than ORDER has dropped nothing: the session's start precedes it, and
        // START already fills the next slot.
        if len < ORDER {
            len += 1;
        }
        c.len = len as u8;
        c
    }

    /// The request side of one exchange: rolls the session and windows, records the operation,
    /// counts it and its object.
    pub fn begin(&mut self, step: &Step) -> Seen {
        let now = step.now;
        if self.new_session(now) {
            self.history.clear();
            self.run = 0;
        }
        if now.saturating_sub(self.window_start) >= WINDOW_S {
            self.window_start = now;
            self.rates = [(0, 0, 0); RATE_SLOTS];
            self.window_bloom = [0; WINDOW_BLOOM];
            self.window_auth_failures = 0;
        }
        self.last_seen = now;
        let last = self.history.last().map(|&(k, _)| k);
        let repeat = last == Some(step.endpoint);
        let prev = last.unwrap_or(START);
        if repeat {
            self.run = self.run.saturating_add(1);
            if let Some(h) = self.history.last_mut() {
                h.1 = now;
            }
        } else {
            self.run = 1;
            if self.history.len() == HISTORY {
                self.history.remove(0);
            }
            self.history.push((step.endpoint, now));
        }
        let new_object = step.object.is_some_and(|o| bloom_insert(&mut self.window_bloom, window_positions(step.endpoint, o)));
        let (_, endpoint_count, endpoint_objects) = self.count(step.endpoint, new_object);
        let known = step.object.map(|o| o == self.owner || bloom_contains(&self.ids_bloom, id_positions(o)));
        // A client that was never returned an id (new, or its state was evicted) cannot say.
        let known = known.filter(|k| *k || self.ids_bloom.iter().any(|b| *b != 0));
        Seen { prev, repeat, run: self.run, endpoint_count, endpoint_objects, known }
    }

    /// The response side: sensitive values received, an authentication failure, the object ids
    /// the response returned to this client.
    pub fn finish(&mut self, now: u32, auth_failed: bool, sensitive: u32, returned: &[u64]) -> Finished {
        let mut closed_minute = None;
        // minute_start 0: no minute open yet.
        if self.minute_start == 0 || now.saturating_sub(self.minute_start) >= MINUTE_S {
            closed_minute = Some(self.minute_sensitive).filter(|_| self.minute_start != 0);
            self.minute_start = now;
            self.minute_sensitive = 0;
        }
        self.minute_sensitive = self.minute_sensitive.saturating_add(u16::try_from(sensitive).unwrap_or(u16::MAX));
        if auth_failed {
            self.window_auth_failures = self.window_auth_failures.saturating_add(1);
        }
        for &id in returned {
            if popcount(&self.ids_bloom) * 2 > IDS_BLOOM * 8 {
                self.ids_bloom = [0; IDS_BLOOM];
            }
            bloom_insert(&mut self.ids_bloom, id_positions(id));
        }
        Finished { minute_sensitive: self.minute_sensitive, window_auth_failures: self.window_auth_failures, closed_minute }
    }

    /// Counts a request to `endpoint` in the window (and a new object) and returns its slot; a new
    /// endpoint takes the least used slot.
    fn count(&mut self, endpoint: u32, new_object: bool) -> (u32, u16, u16) {
        let found = self.rates.iter().position(|&(k, n, _)| k == endpoint && n > 0);
        let least = || self.rates.iter().enumerate().min_by_key(|(_, &(_, n, _))| n).map_or(0, |(i, _)| i);
        let i = found.unwrap_or_else(least);
        let Some(slot) = self.rates.get_mut(i) else { return (endpoint, 1, u16::from(new_object)) };
        if found.is_none() {
            *slot = (endpoint, 0, 0);
        }
        slot.1 = slot.1.saturating_add(1);
        slot.2 = slot.2.saturating_add(u16::from(new_object));
        *slot
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(STATE_BYTES);
        b.push(STATE_VERSION);
        b.extend_from_slice(&self.owner.to_le_bytes());
        for t in [self.last_seen, self.window_start, self.minute_start] {
            b.extend_from_slice(&t.to_le_bytes());
        }
        for n in [self.minute_sensitive, self.window_auth_failures] {
            b.extend_from_slice(&n.to_le_bytes());
        }
        b.push(self.run);
        b.push(self.history.len() as u8);
        for i in 0..HISTORY {
            let (k, t) = self.history.get(i).copied().unwrap_or((0, self.last_seen));
            let age = u16::try_from(self.last_seen.saturating_sub(t)).unwrap_or(u16::MAX);
            b.extend_from_slice(&k.to_le_bytes());
            b.extend_from_slice(&age.to_le_bytes());
        }
        for (k, n, objects) in self.rates {
            b.extend_from_slice(&k.to_le_bytes());
            b.extend_from_slice(&n.to_le_bytes());
            b.extend_from_slice(&objects.to_le_bytes());
        }
        b.extend_from_slice(&self.window_bloom);
        b.extend_from_slice(&self.ids_bloom);
        b
    }

    /// `None` for anything that is not a state of this version and size (an older version
    /// included: the client starts afresh).
    pub fn decode(b: &[u8]) -> Option<ClientState> {
        if b.len() != STATE_BYTES || b.first() != Some(&STATE_VERSION) {
            return None;
        }
        let mut r = Reader::at(b, 1);
        let owner = u64::from_le_bytes(r.take()?);
        let [last_seen, window_start, minute_start] = [r.u32()?, r.u32()?, r.u32()?];
        let [minute_sensitive, window_auth_failures] = [r.u16()?, r.u16()?];
        let [run, len] = r.take::<2>()?;
        let mut history = Vec::with_capacity(HISTORY);
        for i in 0..HISTORY {
            let (k, age) = (r.u32()?, r.u16()?);
            if i < usize::from(len).min(HISTORY) {
                history.push((k, last_seen.saturating_sub(u32::from(age))));
            }
        }
        let mut rates = [(0, 0, 0); RATE_SLOTS];
        for slot in &mut rates {
            *slot = (r.u32()?, r.u16()?, r.u16()?);
        }
        Some(ClientState {
            owner,
            last_seen,
            window_start,
            minute_start,
            minute_sensitive,
            window_auth_failures,
            run,
            history,
            rates,
            window_bloom: r.take()?,
            ids_bloom: r.take()?,
        })
    }
}

/// The operations before a call, most recent first, ending with [`START`] when the session's
/// start is among them; at most [`ORDER`]. A session's first call follows `[START]` alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    keys: [u32; ORDER],
    len: u8,
}

impl Context {
    pub fn keys(&self) -> &[u32] {
        self.keys.get(..usize::from(self.len)).unwrap_or(&self.keys)
    }

    /// The previous operation, or [`START`].
    pub fn prev(&self) -> u32 {
        self.keys[0]
    }
}

/// Hashes of a context's suffixes, built most recent operation first: `hash(keys[..n])` is
/// `context_hash(hash(keys[..n-1]), keys[n-1])` from `CONTEXT_SEED`. The learner keys its counts
/// and the scorer its lookups by them.
pub const CONTEXT_SEED: u64 = 0x243f_6a88_85a3_08d3;

pub fn context_hash(h: u64, key: u32) -> u64 {
    (h ^ u64::from(key)).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29)
}

/// Little-endian fields of a stored state, in order.
pub(super) struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn at(b: &'a [u8], at: usize) -> Reader<'a> {
        Reader { b, at }
    }
    pub(super) fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let s = self.b.get(self.at..self.at + N)?;
        self.at += N;
        s.try_into().ok()
    }
    pub(super) fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    pub(super) fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }
}

/// Two bit positions in the 256-bit window filter for an (endpoint, object) pair, from the
/// object's low 32 bits only: the access log carries those 32 bits, so the learner counts
/// distinct objects exactly as the filter does.
fn window_positions(endpoint: u32, o: u64) -> [usize; 2] {
    let h = (u64::from(o as u32) ^ (u64::from(endpoint) << 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    [(h >> 56) as usize, ((h >> 48) & 0xff) as usize]
}

fn id_positions(o: u64) -> [usize; 3] {
    [(o & 0x1ff) as usize, ((o >> 21) & 0x1ff) as usize, ((o >> 42) & 0x1ff) as usize]
}

/// Sets the bits; true when at least one was clear (the item is new).
fn bloom_insert<const K: usize>(bits: &mut [u8], positions: [usize; K]) -> bool {
    let mut new = false;
    for p in positions {
        let (byte, mask) = (p / 8 % bits.len(), 1u8 << (p % 8));
        new |= bits[byte] & mask == 0;
        bits[byte] |= mask;
    }
    new
}

fn bloom_contains<const K: usize>(bits: &[u8], positions: [usize; K]) -> bool {
    positions.iter().all(|p| bits[p / 8 % bits.len()] & (1 << (p % 8)) != 0)
}

fn popcount(bits: &[u8]) -> usize {
    bits.iter().map(|b| b.count_ones() as usize).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(now: u32, endpoint: u32, object: Option<u64>) -> Step {
        Step { now, endpoint, object }
    }

    #[test]
    fn round_trips_in_a_fixed_size() {
        let mut s = ClientState::new(7, 1000);
        for i in 0..12u32 {
            s.begin(&step(1000 + i, 10 + i % 11, Some(u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15))));
        }
        s.finish(1012, true, 5, &[42, 43]);
        let b = s.encode();
        assert_eq!(b.len(), STATE_BYTES);
        const { assert!(STATE_BYTES <= 256) };
        assert_eq!(ClientState::decode(&b), Some(s));
        assert_eq!(ClientState::decode(&b[1..]), None);
        let mut other = b.clone();
        other[0] = 99;
        assert_eq!(ClientState::decode(&other), None);
    }

    #[test]
    fn sessions_repeats_and_history() {
        let mut s = ClientState::new(1, 0);
        let a = s.begin(&step(100, 5, None));
        assert_eq!((a.prev, a.repeat, a.run), (START, false, 1));
        let b = s.begin(&step(101, 5, None));
        assert_eq!((b.prev, b.repeat, b.run, b.endpoint_count), (5, true, 2, 2));
        let c = s.begin(&step(102, 6, None));
        assert_eq!((c.prev, c.repeat, c.run), (5, false, 1));
        assert!(s.preceded_by(5, 102, 10));
        assert!(!s.preceded_by(5, 200, 10), "too long ago");
        let d = s.begin(&step(102 + SESSION_IDLE_S + 1, 6, None));
        assert_eq!((d.prev, d.run), (START, 1), "idle: a new session");
        for i in 0..20 {
            s.begin(&step(2000 + i, 100 + i, None));
        }
        assert_eq!(s.history.len(), HISTORY);
    }

    #[test]
    fn windows_count_requests_and_distinct_objects() {
        let mut s = ClientState::new(1, 0);
        for i in 0..30u64 {
            s.begin(&step(10, 5, Some(i.wrapping_mul(0x9e37_79b9_7f4a_7c15))));
        }
        let seen = s.begin(&step(11, 5, Some(0)));
        assert_eq!(seen.endpoint_count, 31);
        assert!((27..=30).contains(&seen.endpoint_objects), "{}", seen.endpoint_objects);
        let later = s.begin(&step(11 + WINDOW_S, 5, Some(0)));
        assert_eq!((later.endpoint_count, later.endpoint_objects), (1, 1), "a new window");
    }

    #[test]
    fn distinct_objects_are_counted_per_endpoint() {
        // A user reading its own three accounts through three id-bearing endpoints: three objects
        // on each, not nine, and rereading them adds none.
        let mut s = ClientState::new(1, 0);
        let mut last = None;
        for round in 0..3 {
            for acct in [11u64, 12, 13] {
                for endpoint in [5, 6, 7] {
                    last = Some(s.begin(&step(10 + round, endpoint, Some(acct.wrapping_mul(0x9e37_79b9_7f4a_7c15)))));
                }
            }
        }
        assert_eq!(last.map(|l| (l.endpoint_count, l.endpoint_objects)), Some((9, 3)));
        assert_eq!(s.begin(&step(20, 8, Some(99))).endpoint_objects, 1, "a new endpoint starts at one");
    }

    #[test]
    fn contexts_hold_the_recent_operations_and_the_session_start() {
        let mut s = ClientState::new(1, 0);
        assert_eq!(s.context(100).keys(), [START], "a session's first call");
        s.begin(&step(100, 5, None));
        s.begin(&step(101, 5, None));
        assert_eq!(s.context(102).keys(), [5, START], "repeats collapse");
        s.begin(&step(102, 6, None));
        assert_eq!(s.context(103).keys(), [6, 5, START]);
        assert_eq!(s.context(103).prev(), 6);
        assert_eq!(s.context(103 + SESSION_IDLE_S).keys(), [START], "idle: a new session");
        for i in 0..(ORDER as u32 - 3) {
            s.begin(&step(104 + i, 10 + i, None));
        }
        // Seven operations: all of them and the start.
        assert_eq!(s.context(200).keys().len(), ORDER);
        assert_eq!(s.context(200).keys().last(), Some(&START));
        s.begin(&step(201, 50, None));
        assert_eq!(s.context(202).keys().len(), ORDER);
        assert!(!s.context(202).keys().contains(&START), "eight operations: the start is past the window");
        for i in 0..20 {
            s.begin(&step(300 + i, 100 + i, None));
        }
        let c = s.context(400);
        assert_eq!(c.keys(), [119, 118, 117, 116, 115, 114, 113, 112], "the most recent first");
    }

    #[test]
    fn other_versions_and_garbage_decode_as_nothing() {
        // A version-1 state (227 bytes) as stored before this layout.
        let mut v1 = vec![0u8; 227];
        v1[0] = 1;
        assert_eq!(ClientState::decode(&v1), None);
        let mut same_size = ClientState::new(3, 5).encode();
        same_size[0] = 1;
        assert_eq!(ClientState::decode(&same_size), None);
        let mut x = 0x1234_5678u32;
        for len in [0, 1, 2, STATE_BYTES - 1, STATE_BYTES, STATE_BYTES + 1] {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let mut versioned = bytes.clone();
            if let Some(b) = versioned.first_mut() {
                *b = STATE_VERSION;
            }
            ClientState::decode(&bytes);
            if let Some(mut s) = ClientState::decode(&versioned) {
                // Any decoded state can be used: its history is bounded and it round-trips.
                assert!(s.history.len() <= HISTORY);
                s.begin(&step(s.last_seen.saturating_add(1), 5, Some(1)));
                assert_eq!(s.encode().len(), STATE_BYTES);
            }
        }
    }

    #[test]
    fn provenance_remembers_returned_ids_and_own_id() {
        let mut s = ClientState::new(77, 0);
        assert_eq!(s.begin(&step(1, 5, Some(1234567))).known, None, "nothing returned yet: cannot judge");
        s.finish(1, false, 0, &[1234567, 999]);
        assert_eq!(s.begin(&step(1, 5, Some(5555))).known, Some(false));
        assert_eq!(s.begin(&step(2, 5, Some(1234567))).known, Some(true));
        assert_eq!(s.begin(&step(3, 5, Some(77))).known, Some(true), "its own id");
        assert_eq!(s.begin(&step(3, 5, None)).known, None);
    }

    #[test]
    fn minutes_and_auth_failures() {
        let mut s = ClientState::new(1, 0);
        s.begin(&step(100, 5, None));
        assert_eq!(s.finish(100, true, 10, &[]).minute_sensitive, 10);
        let f = s.finish(130, true, 5, &[]);
        assert_eq!((f.minute_sensitive, f.window_auth_failures, f.closed_minute), (15, 2, None));
        let f = s.finish(161, false, 1, &[]);
        assert_eq!((f.minute_sensitive, f.closed_minute), (1, Some(15)));
    }

    #[test]
    fn busiest_endpoints_keep_their_counts() {
        let mut s = ClientState::new(1, 0);
        for _ in 0..50 {
            s.begin(&step(1, 5, None));
        }
        for e in 100..120 {
            s.begin(&step(1, e, None));
        }
        assert_eq!(s.begin(&step(2, 5, None)).endpoint_count, 51);
    }
}
