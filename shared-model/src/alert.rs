//! Alerts: exchanges with a finding at or above a severity, batched into HTTP POSTs to a sink.
//!
//! What it owns: choosing what is alerted ([`qualifies`]), the alert document ([`render`]), and the
//! [`Outbox`]: a bounded queue, batching by size and age, the two wire shapes (a generic JSON
//! webhook and Splunk HEC), and retries with exponential backoff. It never does I/O and never reads
//! the clock: the proxy adapter passes `now_ms`, sends the [`Post`]s it is handed, and reports each
//! answer back ([`Outbox::on_response`]). So all of it is tested natively.
//!
//! Main design decisions:
//! - **The request path only enqueues** (a string push, or a counted drop when the queue is full);
//!   POSTs go out from a timer. A full queue drops the *new* alert, so a burst cannot grow memory
//!   and what was already queued is delivered in order.
//! - **Bounded everywhere:** queued + waiting-for-retry alerts <= `queue_max`; at most
//!   [`MAX_IN_FLIGHT`] batches of `batch_max` alerts on the wire. Every alert ends as exactly one of
//!   delivered, dropped (queue full) or failed (retries exhausted, or a 4xx other than 429), so
//!   `offered = delivered + dropped + failed + still queued`.
//! - **Retries:** 5xx, 429 and no answer (connect failure, timeout) retry after
//!   `flush_ms * 2^(attempt-1)` (capped at [`MAX_BACKOFF_MS`]), up to `max_retries` times; other
//!   4xx mean the sink refuses the request and retrying cannot help.

use crate::config::{AlertFormat, Alerts};
use crate::event::Event;
use crate::finding::Finding;
use serde::Serialize;
use std::collections::VecDeque;

/// Batches on the wire at once, per outbox (per worker).
pub const MAX_IN_FLIGHT: usize = 4;
/// Longest wait before a retry.
pub const MAX_BACKOFF_MS: u64 = 30_000;
/// A POST without an answer this long after its timeout is counted as failed (the host always
/// answers dispatched calls, with a local 503/504 at worst; this is a safety net).
const LOST_AFTER_MS: u64 = 2_000;

/// Does this exchange deserve an alert? Any finding at or above the configured severity.
pub fn qualifies(cfg: &Alerts, event: &Event) -> bool {
    event.findings.iter().any(|f| f.severity >= cfg.min_severity)
}

/// What the proxy knows about the exchange besides the event.
#[derive(Debug, Clone, Default)]
pub struct Meta<'a> {
    /// Milliseconds since the Unix epoch.
    pub time_ms: u64,
    pub request_id: &'a str,
    pub method: &'a str,
    pub authority: &'a str,
    /// `:path` as received; the query is left out of the alert (values there may be secrets; the
    /// findings carry redacted evidence of what mattered).
    pub path: &'a str,
}

#[derive(Serialize)]
struct AlertDoc<'a> {
    time: f64,
    request_id: &'a str,
    method: &'a str,
    authority: &'a str,
    path: &'a str,
    verdict: &'a str,
    score: f64,
    confidence: f64,
    enforced: bool,
    endpoint: Option<&'a str>,
    client: &'a str,
    client_kind: &'a str,
    findings: &'a [Finding],
}

/// One queued alert: when it happened and its JSON document.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub time_ms: u64,
    pub json: String,
}

/// The alert document: the verdict, the findings (their evidence is already redacted), the
/// endpoint, the client hash and the request id.
pub fn render(event: &Event, meta: &Meta) -> Alert {
    let path = meta.path.split('?').next().unwrap_or("");
    let doc = AlertDoc {
        time: meta.time_ms as f64 / 1000.0,
        request_id: meta.request_id,
        method: meta.method,
        authority: meta.authority,
        path,
        verdict: event.verdict.decision.as_str(),
        score: round3(event.verdict.score),
        confidence: round3(event.verdict.confidence),
        enforced: event.verdict.enforced,
        endpoint: event.endpoint.as_deref(),
        client: &event.client,
        client_kind: &event.client_kind,
        findings: &event.findings,
    };
    // Serialising plain strings and numbers cannot fail; an empty object is the harmless fallback.
    let json = serde_json::to_string(&doc).unwrap_or_else(|_| "{}".into());
    Alert { time_ms: meta.time_ms, json }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// What became of an offered alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    Queued,
    /// The queue was full: the alert is dropped and must be counted.
    Dropped,
}

/// One POST to send: the adapter dispatches it and reports the answer with its `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub id: u64,
    /// Pseudo-headers first (`:method`, `:path`, `:authority`), then the rest.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub alerts: usize,
    pub timeout_ms: u64,
}

/// What an answer (or its absence) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered(usize),
    /// Will be sent again after `delay_ms`.
    Retrying { alerts: usize, delay_ms: u64 },
    /// Given up: retries exhausted or the sink refused it.
    Failed(usize),
    /// No batch with that id (a late answer to a batch already written off).
    Unknown,
}

/// Counters since the outbox was created (the adapter mirrors them into metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub queued: u64,
    pub dropped: u64,
    pub delivered: u64,
    pub failed: u64,
    pub retries: u64,
}

#[derive(Debug)]
struct Batch {
    alerts: Vec<Alert>,
    /// Failed attempts so far.
    attempt: u32,
    /// Not before (retry) / sent at (in flight), in ms.
    at_ms: u64,
}

/// A bounded, batching, retrying queue of alerts. One per worker VM.
#[derive(Debug)]
pub struct Outbox {
    cfg: Alerts,
    queue: VecDeque<Alert>,
    retry: VecDeque<Batch>,
    in_flight: Vec<(u64, Batch)>,
    /// When the current partial batch started waiting.
    oldest_ms: Option<u64>,
    next_id: u64,
    pub stats: Stats,
}

impl Outbox {
    pub fn new(cfg: Alerts) -> Outbox {
        Outbox {
            cfg,
            queue: VecDeque::new(),
            retry: VecDeque::new(),
            in_flight: Vec::new(),
            oldest_ms: None,
            next_id: 1,
            stats: Stats::default(),
        }
    }

    pub fn config(&self) -> &Alerts {
        &self.cfg
    }

    /// Alerts held (queued or waiting for a retry), the quantity `queue_max` bounds.
    pub fn held(&self) -> usize {
        self.queue.len() + self.retry.iter().map(|b| b.alerts.len()).sum::<usize>()
    }

    /// Alerts currently on the wire.
    pub fn in_flight(&self) -> usize {
        self.in_flight.iter().map(|(_, b)| b.alerts.len()).sum()
    }

    /// Enqueues an alert (the request path's only work), or drops it when the queue is full.
    pub fn offer(&mut self, alert: Alert, now_ms: u64) -> Offer {
        if self.held() >= self.cfg.queue_max {
            self.stats.dropped += 1;
            return Offer::Dropped;
        }
        if self.queue.is_empty() {
            self.oldest_ms = Some(now_ms);
        }
        self.queue.push_back(alert);
        self.stats.queued += 1;
        Offer::Queued
    }

    /// The POSTs due now: retries whose backoff has passed, then full batches, then a partial
    /// batch that has waited `flush_ms`, while fewer than [`MAX_IN_FLIGHT`] are on the wire.
    /// Also writes off batches whose answer never came ([`Outcome`]s of those are returned).
    pub fn poll(&mut self, now_ms: u64) -> (Vec<Post>, Vec<Outcome>) {
        let mut outcomes = Vec::new();
        let lost: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, b)| now_ms.saturating_sub(b.at_ms) > self.cfg.timeout_ms + LOST_AFTER_MS)
            .map(|(id, _)| *id)
            .collect();
        for id in lost {
            outcomes.push(self.on_response(id, None, now_ms));
        }
        let mut posts = Vec::new();
        while self.in_flight.len() < MAX_IN_FLIGHT {
            let batch = if self.retry.front().is_some_and(|b| b.at_ms <= now_ms) {
                self.retry.pop_front()
            } else if self.queue.len() >= self.cfg.batch_max
                || (!self.queue.is_empty() && self.oldest_ms.is_some_and(|t| now_ms.saturating_sub(t) >= self.cfg.flush_ms))
            {
                let n = self.queue.len().min(self.cfg.batch_max);
                let alerts: Vec<Alert> = self.queue.drain(..n).collect();
                self.oldest_ms = if self.queue.is_empty() { None } else { Some(now_ms) };
                Some(Batch { alerts, attempt: 0, at_ms: now_ms })
            } else {
                None
            };
            let Some(mut batch) = batch else { break };
            batch.at_ms = now_ms;
            let id = self.next_id;
            self.next_id += 1;
            posts.push(self.post(id, &batch));
            self.in_flight.push((id, batch));
        }
        (posts, outcomes)
    }

    /// Reports the answer to POST `id`: `Some(status)`, or `None` when it could not be sent or
    /// no answer came.
    pub fn on_response(&mut self, id: u64, status: Option<u16>, now_ms: u64) -> Outcome {
        let Some(pos) = self.in_flight.iter().position(|(i, _)| *i == id) else {
            return Outcome::Unknown;
        };
        let (_, mut batch) = self.in_flight.swap_remove(pos);
        let n = batch.alerts.len();
        match status {
            Some(s) if (200..300).contains(&s) => {
                self.stats.delivered += n as u64;
                Outcome::Delivered(n)
            }
            Some(s) if s < 500 && s != 429 => {
                self.stats.failed += n as u64;
                Outcome::Failed(n)
            }
            _ if batch.attempt >= self.cfg.max_retries => {
                self.stats.failed += n as u64;
                Outcome::Failed(n)
            }
            _ => {
                batch.attempt += 1;
                let delay_ms = backoff_ms(self.cfg.flush_ms, batch.attempt);
                batch.at_ms = now_ms + delay_ms;
                self.stats.retries += 1;
                self.retry.push_back(batch);
                Outcome::Retrying { alerts: n, delay_ms }
            }
        }
    }

    fn post(&self, id: u64, batch: &Batch) -> Post {
        let mut headers = vec![
            (":method", "POST".to_string()),
            (":path", self.cfg.path.clone()),
            (":authority", self.cfg.authority.clone()),
            ("content-type", "application/json".to_string()),
            ("x-vigil-alerts", batch.alerts.len().to_string()),
        ];
        if let Some(token) = &self.cfg.token {
            let scheme = match self.cfg.format {
                AlertFormat::SplunkHec => "Splunk",
                AlertFormat::Webhook => "Bearer",
            };
            headers.push(("authorization", format!("{scheme} {token}")));
        }
        Post { id, headers, body: body(self.cfg.format, &batch.alerts), alerts: batch.alerts.len(), timeout_ms: self.cfg.timeout_ms }
    }
}

/// `flush_ms * 2^(attempt-1)`, at least 100 ms, at most [`MAX_BACKOFF_MS`].
pub fn backoff_ms(flush_ms: u64, attempt: u32) -> u64 {
    let base = flush_ms.max(100);
    base.saturating_mul(1u64 << attempt.saturating_sub(1).min(20)).min(MAX_BACKOFF_MS)
}

/// The POST body of a batch in the configured shape.
pub fn body(format: AlertFormat, alerts: &[Alert]) -> Vec<u8> {
    let mut out = String::with_capacity(alerts.iter().map(|a| a.json.len() + 64).sum::<usize>() + 64);
    match format {
        AlertFormat::Webhook => {
            out.push_str(&format!("{{\"source\":\"vigil\",\"count\":{},\"alerts\":[", alerts.len()));
            for (i, a) in alerts.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&a.json);
            }
            out.push_str("]}");
        }
        AlertFormat::SplunkHec => {
            // HEC accepts several events in one request, concatenated; one per line reads well.
            for a in alerts {
                out.push_str(&format!(
                    "{{\"time\":{:.3},\"sourcetype\":\"vigil\",\"source\":\"vigil\",\"event\":{}}}\n",
                    a.time_ms as f64 / 1000.0,
                    a.json
                ));
            }
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::finding::{Owasp, Severity};
    use crate::verdict::Decision;
    use serde_json::Value;

    fn cfg(extra: &str) -> Alerts {
        let json = format!(r#"{{"alerts":{{"cluster":"sink"{extra}}}}}"#);
        Config::from_json(json.as_bytes()).unwrap().alerts.unwrap()
    }

    fn event(sev: Severity) -> Event {
        let mut e = Event { client: "00ff".into(), client_kind: "jwt_sub".into(), endpoint: Some("/a/{id}".into()), ..Default::default() };
        e.verdict.decision = Decision::Flag;
        e.verdict.score = 0.61234;
        e.findings.push(Finding::new("attack.sqli", Owasp::Api8, sev, 0.9, "query:q", "' OR 1=1--"));
        e
    }

    fn alert(i: u64) -> Alert {
        Alert { time_ms: 1_700_000_000_000 + i, json: format!("{{\"n\":{i}}}") }
    }

    #[test]
    fn only_findings_at_or_above_the_severity_qualify() {
        let c = cfg("");
        assert!(qualifies(&c, &event(Severity::High)));
        assert!(qualifies(&c, &event(Severity::Critical)));
        assert!(!qualifies(&c, &event(Severity::Medium)));
        assert!(!qualifies(&c, &Event::default()));
    }

    #[test]
    fn the_alert_carries_verdict_findings_endpoint_client_and_request_id_but_no_query() {
        let meta = Meta { time_ms: 1_700_000_000_123, request_id: "r-1", method: "GET", authority: "api", path: "/a/1?token=s3cret" };
        let a = render(&event(Severity::High), &meta);
        let v: Value = serde_json::from_str(&a.json).unwrap();
        assert_eq!(v["request_id"], "r-1");
        assert_eq!(v["path"], "/a/1");
        assert!(!a.json.contains("s3cret"));
        assert_eq!(v["verdict"], "flag");
        assert_eq!(v["score"], 0.612);
        assert_eq!(v["endpoint"], "/a/{id}");
        assert_eq!(v["client"], "00ff");
        assert_eq!(v["findings"][0]["kind"], "attack.sqli");
        assert_eq!(v["findings"][0]["evidence"], "' OR 1=1--");
        assert_eq!(v["time"], 1_700_000_000.123);
    }

    #[test]
    fn batches_by_size_then_by_age() {
        let mut o = Outbox::new(cfg(r#","batch_max":3,"flush_ms":1000"#));
        for i in 0..2 {
            assert_eq!(o.offer(alert(i), 0), Offer::Queued);
        }
        assert!(o.poll(500).0.is_empty(), "neither full nor old");
        o.offer(alert(2), 600);
        let (posts, _) = o.poll(600);
        assert_eq!(posts.len(), 1);
        assert_eq!(posts[0].alerts, 3);
        o.offer(alert(3), 700);
        assert!(o.poll(1600).0.is_empty(), "waited 900 ms of 1000");
        let (posts, _) = o.poll(1700);
        assert_eq!(posts.len(), 1);
        assert_eq!(posts[0].alerts, 1);
    }

    #[test]
    fn webhook_body_is_one_json_document() {
        let mut o = Outbox::new(cfg(r#","authority":"siem.example","path":"/hook","batch_max":2"#));
        o.offer(alert(1), 0);
        o.offer(alert(2), 0);
        let p = o.poll(0).0.remove(0);
        let v: Value = serde_json::from_slice(&p.body).unwrap();
        assert_eq!(v["count"], 2);
        assert_eq!(v["alerts"][1]["n"], 2);
        let h = |n: &str| p.headers.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        assert_eq!((h(":method"), h(":path"), h(":authority")), (Some("POST"), Some("/hook"), Some("siem.example")));
        assert_eq!(h("content-type"), Some("application/json"));
        assert_eq!(h("authorization"), None);
    }

    #[test]
    fn splunk_hec_body_is_event_lines_with_the_token() {
        let mut o = Outbox::new(cfg(r#","format":"splunk_hec","token":"abc-123","batch_max":2"#));
        o.offer(alert(1), 0);
        o.offer(alert(2), 0);
        let p = o.poll(0).0.remove(0);
        let text = String::from_utf8(p.body).unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["sourcetype"], "vigil");
        assert_eq!(lines[0]["time"], 1_700_000_000.001);
        assert_eq!(lines[1]["event"]["n"], 2);
        assert!(p.headers.contains(&("authorization", "Splunk abc-123".into())));
        assert!(p.headers.contains(&(":path", "/services/collector/event".into())));
    }

    #[test]
    fn a_full_queue_drops_new_alerts_and_counts_them() {
        let mut o = Outbox::new(cfg(r#","queue_max":3,"batch_max":10"#));
        let offers: Vec<Offer> = (0..5).map(|i| o.offer(alert(i), 0)).collect();
        assert_eq!(offers, [Offer::Queued, Offer::Queued, Offer::Queued, Offer::Dropped, Offer::Dropped]);
        assert_eq!((o.stats.queued, o.stats.dropped), (3, 2));
        // Sending frees room.
        let p = o.poll(5000).0.remove(0);
        assert_eq!(p.alerts, 3);
        assert_eq!(o.offer(alert(9), 5000), Offer::Queued);
    }

    #[test]
    fn server_errors_retry_with_backoff_then_fail() {
        let mut o = Outbox::new(cfg(r#","batch_max":1,"flush_ms":100,"max_retries":2"#));
        o.offer(alert(1), 0);
        let id = o.poll(0).0[0].id;
        assert_eq!(o.on_response(id, Some(503), 10), Outcome::Retrying { alerts: 1, delay_ms: 100 });
        assert!(o.poll(100).0.is_empty(), "backoff not over");
        let p = o.poll(110).0.remove(0);
        assert_eq!(serde_json::from_slice::<Value>(&p.body).unwrap()["alerts"][0]["n"], 1, "the same alert again");
        assert_eq!(o.on_response(p.id, None, 120), Outcome::Retrying { alerts: 1, delay_ms: 200 });
        let p = o.poll(320).0.remove(0);
        assert_eq!(o.on_response(p.id, Some(500), 330), Outcome::Failed(1));
        assert_eq!((o.stats.failed, o.stats.retries, o.held()), (1, 2, 0));
        assert_eq!(o.on_response(p.id, Some(200), 340), Outcome::Unknown);
    }

    #[test]
    fn client_errors_fail_at_once_but_429_retries() {
        let mut o = Outbox::new(cfg(r#","batch_max":1"#));
        o.offer(alert(1), 0);
        o.offer(alert(2), 0);
        let ids: Vec<u64> = o.poll(0).0.iter().map(|p| p.id).collect();
        assert_eq!(o.on_response(ids[0], Some(400), 1), Outcome::Failed(1));
        assert!(matches!(o.on_response(ids[1], Some(429), 1), Outcome::Retrying { .. }));
    }

    #[test]
    fn in_flight_is_bounded_and_lost_answers_are_written_off() {
        let mut o = Outbox::new(cfg(r#","batch_max":1,"timeout_ms":100,"max_retries":0"#));
        for i in 0..10 {
            o.offer(alert(i), 0);
        }
        let (posts, _) = o.poll(0);
        assert_eq!(posts.len(), MAX_IN_FLIGHT);
        assert!(o.poll(1).0.is_empty());
        let (posts, outcomes) = o.poll(100 + LOST_AFTER_MS + 1);
        assert_eq!(outcomes, vec![Outcome::Failed(1); MAX_IN_FLIGHT]);
        assert_eq!(posts.len(), MAX_IN_FLIGHT);
    }

    #[test]
    fn every_alert_is_accounted_for() {
        let mut o = Outbox::new(cfg(r#","batch_max":7,"queue_max":50,"max_retries":1,"flush_ms":10"#));
        let mut now = 0;
        let mut offered = 0u64;
        for round in 0..200u64 {
            for _ in 0..(round % 9) * 4 {
                o.offer(alert(offered), now);
                offered += 1;
            }
            let (posts, _) = o.poll(now);
            for (i, p) in posts.iter().enumerate() {
                let status = [200, 503, 200, 404, 200][(round as usize + i) % 5];
                o.on_response(p.id, Some(status), now);
            }
            now += 7;
        }
        let s = o.stats;
        assert_eq!(offered, s.dropped + s.queued);
        assert_eq!(s.queued, s.delivered + s.failed + o.held() as u64 + o.in_flight() as u64);
        assert!(s.dropped > 0 && s.delivered > 0 && s.failed > 0 && s.retries > 0, "{s:?}");
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(1000, 1), 1000);
        assert_eq!(backoff_ms(1000, 2), 2000);
        assert_eq!(backoff_ms(10, 1), 100);
        assert_eq!(backoff_ms(1000, 30), MAX_BACKOFF_MS);
    }
}
