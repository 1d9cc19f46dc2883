//! One HTTP exchange: Envoy's callbacks feed the engine; the verdict goes out as headers, filter
//! state for the access log, metrics, and in block mode a 403.
//!
//! Callback contract (Envoy 1.40, see shared/docs/platform.md):
//! - monitor mode never holds traffic: headers and body chunks continue at once; the filter keeps a
//!   bounded copy of each body for inspection.
//! - block mode holds the request headers while a request body is read (`Pause`; the plugin needs
//!   `allow_on_headers_stop_iteration: true`), up to the inspection limit, so a block is answered
//!   before the upstream is contacted. Past the limit it decides on what it has and lets the rest
//!   stream through, reported as uninspected.
//! - while held, Envoy buffers the body and `body_size` is cumulative, so only the new bytes are read.
//! - a response is held (headers and body) only when a data policy that blocks or redacts applies
//!   to its endpoint; at the end of the body the engine says pass, redact (the body is replaced
//!   and `content-length` fixed while the headers are still held) or block (a local reply). A body
//!   past the inspection limit cannot be acted on: it is released and reported.
//! - the access-log event is written in `on_log`, which runs before the access log line is written.

use crate::alerts::Sender;
use crate::metrics::Metrics;
use proxy_wasm::traits::{Context, HttpContext};
use proxy_wasm::types::{Action, Bytes, Status};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::UNIX_EPOCH;
use vigil_model::engine::{self, Engine, ResponseAction, Slot};
use vigil_model::facts::{RequestHead, ResponseHead};
use vigil_model::alert::Meta;
use vigil_model::reported::Reported;
use vigil_model::verdict::Verdict;

/// Headers the filter owns; a client's copies are removed so the upstream can trust them.
const VERDICT_HEADERS: [&str; 3] = ["x-vigil-verdict", "x-vigil-score", "x-vigil-findings"];

/// Compare-and-swap attempts on a client's state before the update is given up (fail open).
const STATE_ATTEMPTS: usize = 4;

/// A shared-data read: the stored bytes and their compare-and-swap token.
type SharedRead = (Option<Bytes>, Option<u32>);

/// What becomes of a held response.
enum Held {
    Block,
    Replace(Vec<u8>),
}

pub struct Exchange {
    engine: Option<Rc<Engine>>,
    metrics: Option<Rc<Metrics>>,
    alerts: Option<Sender>,
    /// The worker's memory of posture findings reported lately (shared by its exchanges).
    reported: Rc<RefCell<Reported>>,
    ex: Option<engine::Exchange>,
    /// Request headers are held (block mode, body expected).
    holding: bool,
    /// The request-side decision was made (headers released or 403 sent).
    decided: bool,
    /// Bytes of the held request body already read (body_size is cumulative while held).
    held_read: usize,
    /// The filter answered with its own 403: the response callbacks see that reply, not the upstream's.
    blocked: bool,
    /// Response headers and body are held for a data policy.
    response_held: bool,
    /// The client's behaviour-state slot: its key and, when the request side's read carried a
    /// compare-and-swap token, that read.
    state_read: Option<(String, Option<SharedRead>)>,
    /// Host clock at the start of the current callback (one clock read per callback edge: each
    /// read is a host call).
    clock_ns: u64,
    /// Time in all of this exchange's callbacks, engine included, for `inspect_us`.
    spent_ns: u64,
}

impl Context for Exchange {}

impl Exchange {
    pub fn new(engine: Option<Rc<Engine>>, metrics: Option<Rc<Metrics>>, alerts: Option<Sender>, reported: Rc<RefCell<Reported>>) -> Exchange {
        Exchange {
            engine,
            metrics,
            alerts,
            reported,
            ex: None,
            holding: false,
            decided: false,
            held_read: 0,
            blocked: false,
            response_held: false,
            state_read: None,
            clock_ns: 0,
            spent_ns: 0,
        }
    }

    fn now_ns(&self) -> u64 {
        self.get_current_time().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
    }

    /// Runs `f` on the engine and the exchange. Does nothing when either is missing.
    fn with_engine<R>(&mut self, f: impl FnOnce(&Engine, &mut engine::Exchange) -> R) -> Option<R> {
        let engine = self.engine.clone()?;
        Some(f(&engine, self.ex.as_mut()?))
    }

    /// Runs one callback's work and adds its duration to `spent_ns`.
    fn timed(&mut self, f: impl FnOnce(&mut Self) -> Action) -> Action {
        self.clock_ns = self.now_ns();
        let action = f(self);
        self.spent_ns += self.now_ns().saturating_sub(self.clock_ns);
        action
    }

    /// Seconds since the epoch at the start of the current callback, for client state windows.
    fn now_s(&self) -> u32 {
        (self.clock_ns / 1_000_000_000) as u32
    }

    fn error(&self, kind: &'static str) {
        if let Some(m) = &self.metrics {
            m.error(kind);
        }
    }

    /// Request side: finds the client's state slot and scores the call against it, and a login
    /// attempt against its source address's failed logins so far (reads only).
    fn behaviour_request(&mut self) {
        let (Some(engine), Some(ex)) = (self.engine.clone(), self.ex.as_ref()) else { return };
        let now = self.now_s();
        // The compare-and-swap token of each slot read (at most two), for the commit's first attempt.
        let mut tokens = [None; 2];
        let mut reads = 0;
        let chosen = engine.choose_state(ex, now, |key| {
            let (bytes, cas) = self.get_shared_data(key);
            if let Some(t) = tokens.get_mut(reads) {
                *t = cas;
            }
            reads += 1;
            bytes
        });
        match chosen {
            Ok(Some(chosen)) => {
                if chosen.slot == Slot::Evicted {
                    self.state_event("evicted");
                }
                self.with_engine(|e, ex| e.behaviour_request(ex, chosen.stored.as_deref(), now));
                // Only a read with a token can be swapped against: an empty slot is read again at
                // the commit (a write without a token would overwrite whoever took it meanwhile).
                let cas = tokens.get(chosen.read).copied().flatten();
                self.state_read = Some((chosen.key, cas.map(|c| (chosen.stored, Some(c)))));
            }
            Ok(None) => {}
            Err(_) => self.state_event("busy"),
        }
        // A login attempt: its source address's failed logins so far (one more shared-data read,
        // login requests only; the engine reads nothing for any other request).
        let Some(ex) = self.ex.as_ref() else { return };
        let findings = engine.address_request(ex, now, |key| self.get_shared_data(key).0);
        if !findings.is_empty() {
            self.with_engine(|e, ex| e.add_findings(ex, findings));
        }
    }

    /// End of the exchange: read, update and compare-and-swap the client's state, then (login
    /// attempts only) the source address's; see [`Exchange::compare_and_swap`].
    fn behaviour_commit(&mut self) {
        let now = self.now_s();
        if let Some((key, read)) = self.state_read.take() {
            self.compare_and_swap(&key, read, |e, ex, stored| e.behaviour_commit(ex, stored, now));
        }
        let (Some(engine), Some(ex)) = (self.engine.clone(), self.ex.as_ref()) else { return };
        match engine.choose_address_state(ex, now, |key| self.get_shared_data(key).0) {
            Ok(Some(chosen)) => {
                if chosen.slot == Slot::Evicted {
                    self.state_event("evicted");
                }
                self.compare_and_swap(&chosen.key, None, |e, ex, stored| e.address_commit(ex, stored, now));
            }
            Ok(None) => {}
            Err(_) => self.state_event("busy"),
        }
    }

    /// Reads a state slot, lets `commit` update it and writes it back with compare-and-swap,
    /// retrying a few times when another worker wrote in between; on failure the update is lost
    /// (fail open). The findings count once the write succeeded. `read` is the slot as the
    /// request side read it: the first attempt writes against it without reading again (a
    /// client's state rarely changes during one of its own calls; when it did, the swap fails
    /// and the retry reads afresh).
    fn compare_and_swap(&mut self, key: &str, mut read: Option<SharedRead>, commit: impl Fn(&Engine, &engine::Exchange, Option<&[u8]>) -> engine::Commit) {
        for _ in 0..STATE_ATTEMPTS {
            let (stored, cas) = read.take().unwrap_or_else(|| self.get_shared_data(key));
            let Some(commit) = self.with_engine(|e, ex| commit(e, ex, stored.as_deref())) else { return };
            // Taken by another client since the request was scored: give up this update.
            if commit.slot == Slot::Busy {
                return self.state_event("busy");
            }
            let Some(bytes) = commit.state else { return };
            match self.set_shared_data(key, Some(&bytes), cas) {
                Ok(()) => {
                    self.with_engine(|e, ex| e.add_findings(ex, commit.findings));
                    return;
                }
                Err(Status::CasMismatch) => self.state_event("retried"),
                Err(_) => return self.error("state_write"),
            }
        }
        self.error("state_conflict");
    }

    fn state_event(&self, outcome: &'static str) {
        if let Some(m) = &self.metrics {
            m.state(outcome);
        }
    }

    fn request_head(&self) -> RequestHead {
        let mut head = RequestHead::default();
        for (name, value) in self.get_http_request_headers_bytes() {
            let value = lossy(value);
            match name.as_str() {
                ":method" => head.method = value,
                ":path" => head.path = value,
                ":authority" => head.authority = value,
                ":scheme" => head.scheme = value,
                _ => head.headers.push((name, value)),
            }
        }
        head.source = self.get_property(vec!["source", "address"]).map(lossy).map(|a| strip_port(&a).to_string());
        head
    }

    /// Applies the request-side verdict: 403 when enforced, else the verdict headers upstream.
    fn decide_request(&mut self, verdict: Verdict) -> Action {
        self.decided = true;
        if verdict.enforced {
            return self.send_block();
        }
        self.set_verdict_headers(verdict);
        Action::Continue
    }

    /// Answers 403 `{"error":"blocked","request_id":...}` in place of the upstream.
    fn send_block(&mut self) -> Action {
        self.blocked = true;
        let request_id = self.ex.as_ref().and_then(|ex| ex.head().header("x-request-id")).unwrap_or_default();
        let body = serde_json::json!({"error": "blocked", "request_id": request_id}).to_string();
        let mut headers = vec![("content-type", "application/json")];
        if self.engine.as_ref().is_some_and(|e| e.config().expose_verdict_to_client) {
            headers.push(("x-vigil-verdict", "block"));
        }
        self.send_http_response(403, headers, Some(body.as_bytes()));
        Action::Pause
    }

    /// Ends a held response: passes it, replaces it with its redacted form, or blocks it.
    fn release_response(&mut self, body_size: usize) -> Action {
        self.response_held = false;
        let body: Bytes = self.get_http_response_body(0, body_size).unwrap_or_default();
        let action = self.with_engine(|e, ex| {
            e.response_body(ex, &body);
            e.end_response(ex);
            match e.response_action(ex) {
                ResponseAction::Redact(_) => e.redact(ex, &body).map(Held::Replace),
                ResponseAction::Block => Some(Held::Block),
                ResponseAction::Pass => None,
            }
        });
        match action.flatten() {
            Some(Held::Block) => self.send_block(),
            Some(Held::Replace(redacted)) => {
                self.set_http_response_body(0, body_size, &redacted);
                self.set_http_response_header("content-length", Some(&redacted.len().to_string()));
                Action::Continue
            }
            None => Action::Continue,
        }
    }

    /// Distinct finding kinds, comma separated, capped so the header stays small.
    fn finding_kinds(&self) -> String {
        let mut kinds: Vec<&str> = Vec::new();
        for f in self.ex.iter().flat_map(|ex| ex.findings.iter()) {
            if !kinds.contains(&f.kind.as_ref()) && kinds.len() < 16 {
                kinds.push(&f.kind);
            }
        }
        kinds.join(",")
    }
}

/// The callbacks' work; [`HttpContext`] below times each call into `spent_ns`.
impl Exchange {
    fn request_headers(&mut self, end_of_stream: bool) -> Action {
        let Some(engine) = self.engine.clone() else {
            self.error("unconfigured");
            return Action::Continue;
        };
        let head = self.request_head();
        // A client's own verdict headers are removed (one host call each, so only when present).
        for h in VERDICT_HEADERS {
            if head.header(h).is_some() {
                self.set_http_request_header(h, None);
            }
        }
        self.ex = Some(engine.start(head));
        self.behaviour_request();
        if end_of_stream {
            let verdict = self.with_engine(|e, ex| e.end_request(ex)).unwrap_or_default();
            return self.decide_request(verdict);
        }
        if self.ex.as_ref().is_some_and(engine::Exchange::enforcing) && engine.config().inspect.request_body_bytes > 0 {
            self.holding = true;
            return Action::Pause;
        }
        // Monitor mode: headers go on now with the head-only verdict; the body is inspected as it passes.
        let verdict = self.with_engine(|e, ex| e.verdict(ex)).unwrap_or_default();
        self.decided = true;
        self.set_verdict_headers(verdict);
        Action::Continue
    }

    fn request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if self.ex.is_none() || self.blocked {
            return Action::Continue;
        }
        // Held: body_size is everything buffered so far; streaming: it is this chunk.
        let (start, len) = if self.holding { (self.held_read, body_size.saturating_sub(self.held_read)) } else { (0, body_size) };
        let want = self.ex.as_ref().map_or(0, |ex| ex.request_room()).min(len);
        let chunk = if want > 0 { self.get_http_request_body(start, want) } else { None };
        if want > 0 && chunk.is_none() {
            self.error("body_read");
        }
        let chunk: Bytes = chunk.unwrap_or_default();
        self.with_engine(|e, ex| {
            e.request_body(ex, &chunk);
            e.request_body_skipped(ex, len.saturating_sub(chunk.len()));
        });
        if self.holding {
            self.held_read = body_size;
            let full = self.ex.as_ref().is_some_and(|ex| ex.request_room() == 0);
            if !end_of_stream && !full {
                return Action::Pause;
            }
            self.holding = false;
            let verdict = self.with_engine(|e, ex| e.end_request(ex)).unwrap_or_default();
            return self.decide_request(verdict);
        }
        if end_of_stream {
            self.with_engine(|e, ex| e.end_request(ex));
        }
        Action::Continue
    }

    fn response_headers(&mut self, end_of_stream: bool) -> Action {
        if self.blocked || self.ex.is_none() {
            return Action::Continue;
        }
        let mut head = ResponseHead::default();
        for (name, value) in self.get_http_response_headers_bytes() {
            if name == ":status" {
                head.status = lossy(value).parse().unwrap_or(0);
            } else {
                head.headers.push((name, lossy(value)));
            }
        }
        let verdict = self.with_engine(|e, ex| {
            e.end_request(ex);
            e.response_head(ex, head);
            if end_of_stream {
                e.end_response(ex)
            } else {
                e.verdict(ex)
            }
        });
        // Only block mode holds traffic: in monitor mode a policy violation is reported, not acted on.
        let hold = !end_of_stream && self.ex.as_ref().zip(self.engine.as_ref()).is_some_and(|(ex, e)| ex.enforcing() && e.response_needs_buffer(ex));
        if let Some(v) = verdict.filter(|_| self.engine.as_ref().is_some_and(|e| e.config().expose_verdict_to_client)) {
            self.set_http_response_header("x-vigil-verdict", Some(v.decision.as_str()));
            self.set_http_response_header("x-vigil-score", Some(&format!("{:.3}", v.score)));
        }
        if hold {
            self.response_held = true;
            return Action::Pause;
        }
        Action::Continue
    }

    fn response_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if self.blocked || self.ex.is_none() {
            return Action::Continue;
        }
        if self.response_held {
            // Held: body_size is everything buffered so far.
            let limit = self.engine.as_ref().map_or(0, |e| e.config().inspect.response_body_bytes);
            if end_of_stream && body_size <= limit {
                return self.release_response(body_size);
            }
            if body_size <= limit {
                return Action::Pause;
            }
            // Too large to act on: release it, inspect what fits, and say so.
            self.response_held = false;
            self.error("policy_body_too_large");
            let chunk: Bytes = self.get_http_response_body(0, limit).unwrap_or_default();
            self.with_engine(|e, ex| {
                e.response_body(ex, &chunk);
                e.response_body_skipped(ex, body_size.saturating_sub(chunk.len()));
                if end_of_stream {
                    e.end_response(ex);
                }
            });
            return Action::Continue;
        }
        let want = self.ex.as_ref().map_or(0, |ex| ex.response_room()).min(body_size);
        let chunk = if want > 0 { self.get_http_response_body(0, want) } else { None };
        if want > 0 && chunk.is_none() {
            self.error("body_read");
        }
        let chunk: Bytes = chunk.unwrap_or_default();
        self.with_engine(|e, ex| {
            e.response_body(ex, &chunk);
            e.response_body_skipped(ex, body_size.saturating_sub(chunk.len()));
            if end_of_stream {
                e.end_response(ex);
            }
        });
        Action::Continue
    }

    fn log(&mut self) {
        self.clock_ns = self.now_ns();
        self.with_engine(|e, ex| e.end_response(ex));
        self.behaviour_commit();
        let (reported, now) = (self.reported.clone(), self.now_s());
        if let Ok(mut reported) = reported.try_borrow_mut() {
            self.with_engine(|e, ex| e.drop_repeated_posture(ex, &mut reported, now));
        }
        // Measured up to here: the event's own encoding is not in its figure.
        let inspect_us = (self.spent_ns + self.now_ns().saturating_sub(self.clock_ns)) / 1000;
        let Some(event) = self.with_engine(|e, ex| {
            let verdict = e.end_response(ex);
            e.event(ex, verdict, inspect_us)
        }) else {
            return;
        };
        match event.to_json() {
            Ok(json) => self.set_property(vec!["vigil"], Some(&json)),
            Err(_) => self.error("event_encode"),
        }
        if let Some(m) = &self.metrics {
            m.request(event.verdict.decision, &event.findings, event.findings_suppressed, inspect_us);
        }
        if let (Some(alerts), Some(ex)) = (&self.alerts, &self.ex) {
            let head = ex.head();
            let header = |n: &str| head.headers.iter().find(|(k, _)| k == n).map_or("", |(_, v)| v.as_str());
            let meta = Meta {
                time_ms: self.clock_ns / 1_000_000,
                request_id: header("x-request-id"),
                method: &head.method,
                authority: &head.authority,
                path: &head.path,
            };
            alerts.offer(&event, &meta);
        }
    }
}

impl Exchange {
    fn set_verdict_headers(&self, verdict: Verdict) {
        self.set_http_request_header("x-vigil-verdict", Some(verdict.decision.as_str()));
        self.set_http_request_header("x-vigil-score", Some(&format!("{:.3}", verdict.score)));
        let kinds = self.finding_kinds();
        if !kinds.is_empty() {
            self.set_http_request_header("x-vigil-findings", Some(&kinds));
        }
    }
}

impl HttpContext for Exchange {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        self.timed(|x| x.request_headers(end_of_stream))
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        self.timed(|x| x.request_body(body_size, end_of_stream))
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        self.timed(|x| x.response_headers(end_of_stream))
    }

    fn on_http_response_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        self.timed(|x| x.response_body(body_size, end_of_stream))
    }

    fn on_log(&mut self) {
        self.log();
    }
}

fn lossy(b: Bytes) -> String {
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `1.2.3.4:5678` -> `1.2.3.4`; `[::1]:5678` -> `::1`.
fn strip_port(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_ports() {
        assert_eq!(strip_port("1.2.3.4:5678"), "1.2.3.4");
        assert_eq!(strip_port("[::1]:80"), "::1");
        assert_eq!(strip_port("::1"), "::1");
        assert_eq!(strip_port("host"), "host");
    }
}
