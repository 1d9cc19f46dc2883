//! A proxy-wasm filter that does only what every inspecting filter must do, so the load benchmark
//! can tell the platform's cost from Vigil's own:
//! - no features: every callback returns at once (creating the stream context and dispatching the
//!   callbacks into the VM);
//! - `read`: also reads the request headers, each request body chunk, the response headers and
//!   each response body chunk into the module, as Vigil does;
//! - `event`: also sets a 1 KB filter-state property at the end of the stream, which the access log
//!   rendered by `vigil render-config` prints, as Vigil's event.

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};
use std::hint::black_box;

/// Shaped like a GET's event (965 bytes, quotes to escape in the access log).
#[cfg(feature = "event")]
const EVENT: &str = concat!(
    r#"{"verdict":"allow","score":0.0,"confidence":0.0,"enforced":false,"mode":"monitor","#,
    r#""endpoint":"GET /api/v1/accounts/{account_id}/transactions","client":"c1f0e2d3b4a59687","#,
    r#""client_kind":"jwt_sub","findings":[],"observations":{"method":"GET","host":"127.0.0.1","#,
    r#""path":"/api/v1/accounts/1001/transactions","status":200,"req_bytes":0,"resp_bytes":57,"#,
    r#""req_content_type":null,"resp_content_type":"application/json","auth":["bearer"],"#,
    r#""params":[["query","from","date"],["query","to","date"],["query","limit","int:50"],"#,
    r#"["query","cursor","b64:12"]],"body_fields":[],"resp_fields":[["$.id","str"],["$.status","str"],"#,
    r#"["$.ok","bool"]],"sensitive":{},"latency_ms":0,"session":{"seq":12,"prev":"GET /api/v1/accounts/{account_id}","#,
    r#""gap_s":1}},"inspected":{"request_body":"none","response_body":"complete"},"inspect_us":0,"#,
    r#""padding":"...................................................................................................................................................."}"#
);

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(Root) });
}}

struct Root;

impl Context for Root {}

impl RootContext for Root {
    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Probe))
    }
}

struct Probe;

impl Context for Probe {}

impl HttpContext for Probe {
    fn on_http_request_headers(&mut self, _headers: usize, _end_of_stream: bool) -> Action {
        if cfg!(feature = "read") {
            black_box(self.get_http_request_headers_bytes());
        }
        Action::Continue
    }

    fn on_http_request_body(&mut self, body_size: usize, _end_of_stream: bool) -> Action {
        if cfg!(feature = "read") && body_size > 0 {
            black_box(self.get_http_request_body(0, body_size));
        }
        Action::Continue
    }

    fn on_http_response_headers(&mut self, _headers: usize, _end_of_stream: bool) -> Action {
        if cfg!(feature = "read") {
            black_box(self.get_http_response_headers_bytes());
        }
        Action::Continue
    }

    fn on_http_response_body(&mut self, body_size: usize, _end_of_stream: bool) -> Action {
        if cfg!(feature = "read") && body_size > 0 {
            black_box(self.get_http_response_body(0, body_size));
        }
        Action::Continue
    }

    fn on_log(&mut self) {
        #[cfg(feature = "event")]
        {
            let _ = self.set_property(vec!["vigil"], Some(EVENT.as_bytes()));
        }
    }
}
