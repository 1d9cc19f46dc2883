//! # vigil-filter
//!
//! The thin proxy-wasm adapter around [`vigil_model::engine::Engine`]: Envoy callbacks in, engine
//! calls, outputs out (filter state for the access log, `x-vigil-*` headers, metrics, 403 in block
//! mode). No detection logic lives here.
//!
//! Lifecycle: each root context parses and compiles the plugin configuration once in
//! `on_configure`; a bad configuration is refused there (`false`), with a log line naming the field
//! and the value, so Envoy keeps the previous configuration (or refuses to start). HTTP contexts
//! share the compiled engine through an `Rc`. With an `alerts` section the root context also owns
//! the worker's alert outbox and its timer (see [`alerts`]).

mod alerts;
mod http;
mod metrics;

use metrics::Metrics;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{ContextType, LogLevel};
use std::cell::RefCell;
use std::rc::Rc;
use vigil_model::config::Config;
use vigil_model::engine::Engine;
use vigil_model::reported::Reported;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root::default()) });
}}

#[derive(Default)]
struct Root {
    engine: Option<Rc<Engine>>,
    metrics: Option<Rc<Metrics>>,
    alerts: Option<alerts::Flusher>,
    /// Posture findings this worker reported lately ([`vigil_model::reported`]).
    reported: Rc<RefCell<Reported>>,
}

impl Root {
    fn now_ms(&self) -> u64 {
        self.get_current_time().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
    }
}

impl Context for Root {
    fn on_http_call_response(&mut self, token_id: u32, _num_headers: usize, _body_size: usize, _num_trailers: usize) {
        let now = self.now_ms();
        if let Some(f) = &mut self.alerts {
            f.response(token_id, now);
        }
    }
}

impl RootContext for Root {
    fn on_configure(&mut self, _size: usize) -> bool {
        let started = self.now_ms();
        let bytes = self.get_plugin_configuration().unwrap_or_default();
        let config = match Config::from_json(&bytes) {
            Ok(c) => c,
            Err(e) => {
                log::error!("vigil: {e}; configuration refused");
                return false;
            }
        };
        let endpoints = config.model.as_ref().map_or(0, |m| m.endpoints.len());
        let mode = config.mode;
        let alerts = config.alerts.clone();
        match Engine::new(config) {
            Ok(engine) => {
                let took = self.now_ms().saturating_sub(started);
                log::info!("vigil: configured in {took} ms ({} bytes, mode {mode:?}, {endpoints} model endpoints)", bytes.len());
                self.engine = Some(Rc::new(engine));
                let metrics = self.metrics.get_or_insert_with(|| Rc::new(Metrics::define())).clone();
                self.alerts = alerts.map(|a| alerts::Flusher::new(a, Some(metrics)));
                true
            }
            Err(e) => {
                log::error!("vigil: {e}; configuration refused");
                false
            }
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        // Always a context: without an engine (never configured) it passes traffic untouched.
        let alerts = self.alerts.as_ref().map(alerts::Flusher::sender);
        Some(Box::new(http::Exchange::new(self.engine.clone(), self.metrics.clone(), alerts, self.reported.clone())))
    }

    fn on_tick(&mut self) {
        let now = self.now_ms();
        if let Some(f) = &mut self.alerts {
            f.tick(now);
        }
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}
