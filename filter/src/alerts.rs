//! Alert plumbing: HTTP contexts hand qualifying events to the worker's [`Outbox`]; the root
//! context's timer sends the batches with `dispatch_http_call` and reports each answer back.
//! Batching, formatting, bounds and backoff are [`vigil_model::alert`]'s; this is only wiring.
//!
//! Design: one outbox per worker VM, shared by `Rc` between the root context (timer, callouts) and
//! its HTTP contexts (enqueue in `on_log`, after the response went out). Chosen over a shared queue
//! drained by a singleton `envoy.bootstrap.wasm` service (platform.md sections 3 and 6) because it
//! needs nothing outside the HTTP filter: Istio's `WasmPlugin`/`TrafficExtension` and Envoy
//! Gateway's `EnvoyExtensionPolicy` can only install HTTP filters, not bootstrap extensions. The
//! price: each worker sends its own batches (N workers -> up to N POSTs per flush) and `queue_max`
//! bounds each worker separately. Callouts never run on the request path: a callout from an HTTP
//! context gets no answer once the stream ends and was measured to drop alerts silently under load.

use crate::metrics::Metrics;
use proxy_wasm::hostcalls;
use proxy_wasm::types::MapType;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use vigil_model::alert::{self, Meta, Offer, Outbox, Outcome};
use vigil_model::config::Alerts as AlertsConfig;
use vigil_model::event::Event;

/// The worker's outbox, as HTTP contexts see it.
#[derive(Clone)]
pub struct Sender {
    outbox: Rc<RefCell<Outbox>>,
    metrics: Option<Rc<Metrics>>,
}

impl Sender {
    /// Queues an alert for `event` if it qualifies. Never blocks, never sends.
    pub fn offer(&self, event: &Event, meta: &Meta) {
        let Ok(mut outbox) = self.outbox.try_borrow_mut() else { return };
        if !alert::qualifies(outbox.config(), event) {
            return;
        }
        let offered = outbox.offer(alert::render(event, meta), meta.time_ms);
        if let Some(m) = &self.metrics {
            match offered {
                Offer::Queued => m.alert("queued", 1),
                Offer::Dropped => m.error("alert_dropped"),
            }
        }
    }
}

/// The root context's side: the timer and the callouts in flight (host token -> batch id).
pub struct Flusher {
    sender: Sender,
    calls: HashMap<u32, u64>,
}

impl Flusher {
    pub fn new(cfg: AlertsConfig, metrics: Option<Rc<Metrics>>) -> Flusher {
        // Tick often enough that a full batch leaves promptly; a partial one waits flush_ms.
        let tick = Duration::from_millis(cfg.flush_ms.clamp(10, 100));
        if hostcalls::set_tick_period(tick).is_err() {
            log::warn!("vigil: cannot set the alert timer; alerts stay queued");
        }
        Flusher { sender: Sender { outbox: Rc::new(RefCell::new(Outbox::new(cfg))), metrics }, calls: HashMap::new() }
    }

    pub fn sender(&self) -> Sender {
        self.sender.clone()
    }

    /// Sends what is due.
    pub fn tick(&mut self, now_ms: u64) {
        let Ok(mut outbox) = self.sender.outbox.try_borrow_mut() else { return };
        let cluster = outbox.config().cluster.clone();
        let (posts, lost) = outbox.poll(now_ms);
        for o in lost {
            self.count(o);
        }
        for p in posts {
            let headers: Vec<(&str, &str)> = p.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            match hostcalls::dispatch_http_call(&cluster, headers, Some(&p.body), vec![], Duration::from_millis(p.timeout_ms)) {
                Ok(token) => {
                    self.calls.insert(token, p.id);
                }
                Err(e) => {
                    log::warn!("vigil: alert POST to cluster {cluster} not sent: {e:?}");
                    let o = outbox.on_response(p.id, None, now_ms);
                    self.count(o);
                }
            }
        }
    }

    /// The answer to a callout (`:status` absent means none came).
    pub fn response(&mut self, token: u32, now_ms: u64) {
        let Some(id) = self.calls.remove(&token) else { return };
        let status = hostcalls::get_map_value(MapType::HttpCallResponseHeaders, ":status")
            .ok()
            .flatten()
            .and_then(|s| s.parse::<u16>().ok());
        let outcome = match self.sender.outbox.try_borrow_mut() {
            Ok(mut outbox) => outbox.on_response(id, status, now_ms),
            Err(_) => return,
        };
        self.count(outcome);
    }

    fn count(&self, o: Outcome) {
        let Some(m) = &self.sender.metrics else { return };
        match o {
            Outcome::Delivered(n) => m.alert("delivered", n as u64),
            Outcome::Retrying { .. } => m.alert("retried", 1),
            Outcome::Failed(n) => {
                for _ in 0..n {
                    m.error("alert_failed");
                }
            }
            Outcome::Unknown => {}
        }
    }
}
