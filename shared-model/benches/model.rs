//! Model load and baseline scoring cost (issue 5).
//!
//! - `load/...`: `Config::from_json` + `Engine::new` for a plugin configuration carrying a learned
//!   model of ~500 endpoints (~1 MB of JSON): what each proxy VM pays on (re)configuration.
//! - `score/<N>ep/...`: `Engine::start` .. `end_response` with an N-endpoint model, for a typical
//!   GET with a query and a 4 KB JSON POST.
//!
//! Models are learned from generated shop traffic (tests/support/traffic.rs) replicated under
//! `/svcK` prefixes, through the engine and the learner as in production.
//! Run: `cargo bench -p vigil-model --bench model`.

#[path = "../tests/support/traffic.rs"]
mod traffic;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use traffic::{benign, run, Exchange, Rng};
use vigil_model::config::Config;
use vigil_model::engine::Engine;
use vigil_model::learn::Learner;

/// The shop API under `services` prefixes (11 endpoints each), learned from `per_service` exchanges each.
fn model_config(services: u64, per_service: u64) -> String {
    let plain = Engine::new(Config::default()).expect("engine");
    let mut rng = Rng::new(5);
    let mut learner = Learner::new();
    for k in 0..services {
        for i in 0..per_service {
            let mut x = benign(&mut rng);
            x.head.path = format!("/svc{k}{}", x.head.path);
            learner.add_line(&run(&plain, &x, i).0);
        }
    }
    let model = learner.finish();
    format!(r#"{{"model":{}}}"#, serde_json::to_string_pretty(&model).expect("model"))
}

/// A GET with a query, and a POST with a ~4 KB JSON body, on service 0.
fn typical() -> (Exchange, Exchange) {
    let mut rng = Rng::new(9);
    let mut get = None;
    let mut post = None;
    while get.is_none() || post.is_none() {
        let x = benign(&mut rng);
        if x.head.path.starts_with("/api/v1/products?") && get.is_none() {
            get = Some(x);
        } else if x.head.method == "POST" && x.head.path == "/api/v1/orders" && post.is_none() {
            post = Some(x);
        }
    }
    let (mut get, mut post) = (get.expect("get"), post.expect("post"));
    get.head.path = format!("/svc0{}", get.head.path);
    post.head.path = format!("/svc0{}", post.head.path);
    let items: Vec<String> = (0..110).map(|i| format!(r#"{{"product_id":{},"qty":{}}}"#, 100 + i, 1 + i % 5)).collect();
    post.body = format!(r#"{{"items":[{}],"shipping":{{"address":"12 lamp street","zip":"12345"}}}}"#, items.join(",")).into_bytes();
    (get, post)
}

fn bench(c: &mut Criterion) {
    let big = model_config(45, 400);
    println!("load model: {} bytes of plugin configuration", big.len());
    // To measure the load inside Envoy: `VIGIL_MODEL_OUT=big.json cargo bench -p vigil-model --bench model -- load`,
    // then run an Envoy rendered with `vigil render-config --config big.json` and read its
    // `vigil: configured in N ms` log lines (BENCHMARKS.md).
    if let Some(path) = std::env::var_os("VIGIL_MODEL_OUT") {
        std::fs::write(path, &big).expect("write VIGIL_MODEL_OUT");
    }
    c.bench_function(&format!("load/{}KB", big.len() / 1024), |b| {
        b.iter(|| Engine::new(Config::from_json(black_box(big.as_bytes())).expect("config")).expect("engine"))
    });
    let (get, post) = typical();
    println!("typical POST body: {} bytes", post.body.len());
    for (name, services) in [("30ep", 3), ("500ep", 45)] {
        let json = if services == 45 { big.clone() } else { model_config(services, 400) };
        let engine = Engine::new(Config::from_json(json.as_bytes()).expect("config")).expect("engine");
        for (what, x) in [("get", &get), ("post4k", &post)] {
            c.bench_function(&format!("score/{name}/{what}"), |b| b.iter(|| run_exchange(&engine, black_box(x))));
        }
    }
}

/// The engine calls of one exchange (no log line: that is the filter's serialisation cost).
fn run_exchange(engine: &Engine, x: &Exchange) -> vigil_model::verdict::Verdict {
    let mut ex = engine.start(x.head.clone());
    engine.request_body(&mut ex, &x.body);
    engine.end_request(&mut ex);
    engine.response_head(&mut ex, vigil_model::facts::ResponseHead { status: x.status, headers: vec![("content-type".into(), x.response_type.into())] });
    engine.response_body(&mut ex, &x.response);
    engine.end_response(&mut ex)
}

criterion_group!(benches, bench);
criterion_main!(benches);
