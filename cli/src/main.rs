//! `vigil`: the operator's command line. Learns baselines from the filter's access logs, checks
//! models and plugin configurations, and renders the configuration proxies load. All logic lives
//! in `vigil-model`; this crate is argument parsing, files and messages.

mod logs;
mod pretty;
mod render;
mod yaml;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::time::Instant;
use vigil_model::config::Config;
use vigil_model::learn::Learner;
use vigil_model::model::Model;

#[derive(Parser)]
#[command(name = "vigil", version, about = "Vigil API runtime protection: learn baselines, check and render configs")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Learn a baseline model from the filter's access logs (JSON lines, gzip accepted).
    Learn {
        /// Access-log files written by the config `render-config` produces.
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// Where to write the model.
        #[arg(short, long)]
        output: PathBuf,
        /// An OpenAPI 3 description (JSON or YAML): its operations are known endpoints even
        /// without traffic, and its parameters' declared types are accepted.
        #[arg(long)]
        openapi: Option<PathBuf>,
        /// The false-positive budget each check is calibrated for (share of normal traffic flagged).
        #[arg(long, default_value_t = vigil_model::model::DEFAULT_TARGET_FPR)]
        target_fpr: f64,
    },
    /// Merge models learned from separate log shards into one.
    Merge {
        #[arg(required = true)]
        models: Vec<PathBuf>,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Validate a model or a whole plugin configuration and print a summary.
    Check { file: PathBuf },
    /// Render the configuration a proxy loads, with the plugin configuration (and model) embedded.
    RenderConfig(RenderArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Target {
    Envoy,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Monitor,
    Block,
}

#[derive(clap::Args)]
struct RenderArgs {
    /// The filter module (target/wasm32-wasip1/release/vigil_filter.wasm).
    #[arg(long)]
    wasm: Option<PathBuf>,
    /// Listener address.
    #[arg(long, default_value = "127.0.0.1:10000")]
    listen: String,
    /// The protected service.
    #[arg(long)]
    upstream: Option<String>,
    /// Answer every request with this file's content (200, JSON) instead of proxying: for benchmarks.
    #[arg(long, conflicts_with = "upstream")]
    direct_response_file: Option<PathBuf>,
    /// Where Envoy writes the JSON access log.
    #[arg(long)]
    access_log: PathBuf,
    /// Admin address (stats, readiness).
    #[arg(long, default_value = "127.0.0.1:9901")]
    admin: String,
    /// A model from `vigil learn`, embedded in the plugin configuration.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Overrides the configuration's mode.
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// A plugin configuration (JSON) to start from; --mode and --model override its fields.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Render the same proxy without the filter (a baseline for benchmarks).
    #[arg(long, conflicts_with_all = ["config", "model", "mode"])]
    no_filter: bool,
    #[arg(long, value_enum, default_value = "envoy")]
    target: Target,
    /// Output file (`-` for standard output).
    #[arg(short, long)]
    output: PathBuf,
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("vigil: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Learn { logs, output, openapi, target_fpr } => learn(&logs, &output, openapi.as_deref(), target_fpr),
        Cmd::Merge { models, output } => merge(&models, &output),
        Cmd::Check { file } => check(&file),
        Cmd::RenderConfig(args) => render_config(args),
    }
}

fn write_output(path: &Path, text: &str) -> Result<()> {
    if path == Path::new("-") {
        print!("{text}");
        return Ok(());
    }
    // Write then rename, so a reader (a proxy watching the file) never sees half a file.
    let tmp = path.with_extension("tmp~");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

fn learn(logs: &[PathBuf], output: &Path, openapi: Option<&Path>, target_fpr: f64) -> Result<()> {
    if !(target_fpr > 0.0 && target_fpr <= 0.5) {
        bail!("--target-fpr {target_fpr}: expected 0 < budget <= 0.5 (e.g. 0.001)");
    }
    let started = Instant::now();
    let mut learner = match openapi {
        Some(p) => Learner::with_seed(read_openapi(p)?),
        None => Learner::new(),
    }
    .target_fpr(target_fpr);
    let progress = indicatif::ProgressBar::new_spinner();
    progress.set_style(indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()));
    for path in logs {
        logs::for_each_line(path, |line| {
            learner.add_line(line);
            if learner.stats.lines % 65_536 == 0 {
                let secs = started.elapsed().as_secs_f64().max(1e-9);
                progress.set_message(format!("{}: {} lines ({:.0}/s)", path.display(), learner.stats.lines, learner.stats.lines as f64 / secs));
            }
        })?;
    }
    progress.finish_and_clear();
    let stats = learner.stats.clone();
    let model = learner.finish();
    let text = model_json(&model)?;
    write_output(output, &text)?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "read {} lines in {:.2}s ({:.0} lines/s): learned {}, attacks left out {}, without a vigil event {}, malformed {}",
        stats.lines,
        secs,
        stats.lines as f64 / secs.max(1e-9),
        stats.learned,
        stats.attacks,
        stats.without_event,
        stats.malformed
    );
    print_model_summary(&model, text.len());
    eprintln!("wrote {}", output.display());
    Ok(())
}

/// The model as written to disk: versioned, readable JSON (see [`pretty`]).
fn model_json(model: &Model) -> Result<String> {
    Ok(pretty::to_string(&serde_json::to_value(model)?))
}

fn read_openapi(path: &Path) -> Result<Vec<vigil_model::model::EndpointModel>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let spec: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) => serde_yaml_ng::from_str(&text).with_context(|| format!("{} is neither JSON nor YAML", path.display()))?,
    };
    let (endpoints, skipped) = vigil_model::openapi::endpoints(&spec).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    eprintln!("{}: {} declared operations", path.display(), endpoints.len());
    for s in skipped {
        eprintln!("  left out {s}");
    }
    Ok(endpoints)
}

fn read_model(path: &Path) -> Result<Model> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let model: Model = serde_json::from_str(&text).with_context(|| format!("{} is not a Vigil model", path.display()))?;
    model.validate().map_err(|(field, why)| anyhow::anyhow!("{}: field `{field}`: {why}", path.display()))?;
    Ok(model)
}

fn merge(models: &[PathBuf], output: &Path) -> Result<()> {
    let mut merged = Model::default();
    for p in models {
        merged.merge(&read_model(p)?);
    }
    let text = model_json(&merged)?;
    write_output(output, &text)?;
    print_model_summary(&merged, text.len());
    Ok(())
}

fn check(path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if v.get("endpoints").is_some() && v.get("version").is_some() {
        let model = read_model(path)?;
        println!("{}: valid model (version {})", path.display(), model.version);
        print_model_summary(&model, text.len());
    } else {
        let config = Config::from_json(text.as_bytes()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        println!("{}: valid plugin configuration, mode {:?}, thresholds flag {} block {}", path.display(), config.mode, config.thresholds.flag, config.thresholds.block);
        match &config.model {
            Some(m) => print_model_summary(m, model_json(m)?.len()),
            None => println!("no model: embedded defaults only"),
        }
    }
    Ok(())
}

/// What a model holds, in plain words: the inventory, what each endpoint learned, what was too
/// rare to learn, and the size against the per-endpoint budget.
fn print_model_summary(m: &Model, bytes: usize) {
    use vigil_model::baseline::{group, MIN_SAMPLES};
    let requests: u64 = m.endpoints.iter().map(|e| e.count).sum();
    let declared = m.endpoints.iter().filter(|e| e.declared).count();
    println!(
        "{} endpoints ({declared} declared by OpenAPI), {} requests learned, calibrated for a {}% false-positive budget",
        m.endpoints.len(),
        group(requests),
        m.calibration.target_fpr * 100.0
    );
    println!("model: {} bytes, {} per endpoint", group(bytes as u64), group((bytes / m.endpoints.len().max(1)) as u64));
    for f in &m.folded {
        println!("  folded high-cardinality segments into {f}");
    }
    let (mut rare, mut rare_params) = (Vec::new(), 0);
    for e in &m.endpoints {
        let trusted: Vec<&String> = e.params.iter().filter(|(_, p)| p.count >= MIN_SAMPLES).map(|(n, _)| n).collect();
        rare_params += e.params.len() - trusted.len();
        if e.count < MIN_SAMPLES {
            rare.push(format!("{} ({} req)", e.name(), e.count));
        }
        let statuses: Vec<String> = e.status.iter().map(|(s, n)| format!("{s}:{n}")).collect();
        let auth: Vec<&str> = e.auth.keys().map(String::as_str).collect();
        let sensitive: Vec<&str> = e.sensitive.keys().map(String::as_str).collect();
        println!(
            "  {:<7} {:<44} {:>9} req  req p99 {:>7} B  resp p99 {:>8} B  p99 {:>5} ms  status {}  auth {}{}",
            e.method,
            e.template,
            group(e.count),
            group(e.request_bytes.quantile(0.99)),
            group(e.response_bytes.quantile(0.99)),
            group(e.latency_ms.quantile(0.99)),
            statuses.join(" "),
            auth.join("|"),
            if sensitive.is_empty() { String::new() } else { format!("  returns {}", sensitive.join(", ")) }
        );
        if e.params_open {
            println!("          parameters: more than {} names, not checked", vigil_model::model::MAX_ENDPOINT_PARAMS);
        } else if !trusted.is_empty() {
            let names: Vec<String> = trusted.iter().map(|n| describe_param(n, &e.params[*n])).collect();
            println!("          parameters: {}", names.join(", "));
        }
    }
    if !rare.is_empty() {
        println!("too rare to learn (fewer than {MIN_SAMPLES} requests; inventory only): {}", rare.join(", "));
    }
    if rare_params > 0 {
        println!("{rare_params} parameters seen fewer than {MIN_SAMPLES} times: known names, shapes not checked");
    }
}

/// `query:limit int 1..100`, `query:sort enum(3)`, `body:$.note text <=180`.
fn describe_param(name: &str, p: &vigil_model::model::ParamModel) -> String {
    let shapes: Vec<&str> = p.shapes.keys().map(|s| s.as_str()).collect();
    let mut s = format!("{name} {}", shapes.join("|"));
    if let (Some(lo), Some(hi)) = (p.min, p.max) {
        s.push_str(&format!(" {lo}..{hi}"));
    } else if !p.values_open && !p.values.is_empty() {
        s.push_str(&format!(" enum({})", p.values.len()));
    } else {
        s.push_str(&format!(" <={}", p.len.quantile(0.99)));
    }
    s
}

fn render_config(a: RenderArgs) -> Result<()> {
    let Target::Envoy = a.target;
    let plugin = if a.no_filter {
        None
    } else {
        let mode = a.mode.map(|m| match m {
            ModeArg::Monitor => "monitor",
            ModeArg::Block => "block",
        });
        Some(render::plugin_config(a.config.as_deref(), mode, a.model.as_deref())?)
    };
    let direct = match &a.direct_response_file {
        Some(p) => Some(std::fs::canonicalize(p).with_context(|| format!("{} not found", p.display()))?.display().to_string()),
        None => None,
    };
    if a.upstream.is_none() && direct.is_none() {
        bail!("give --upstream HOST:PORT (the service to protect) or --direct-response-file FILE");
    }
    let access_log = std::path::absolute(&a.access_log)?;
    let opts = render::EnvoyOptions {
        wasm: a.wasm.as_deref(),
        listen: render::host_port(&a.listen, "--listen")?,
        admin: render::host_port(&a.admin, "--admin")?,
        upstream: a.upstream.as_deref().map(|u| render::host_port(u, "--upstream")).transpose()?,
        direct_response: direct,
        access_log: &access_log,
        body_limit: plugin.as_ref().map_or(0, |(_, c)| c.inspect.request_body_bytes.max(c.inspect.response_body_bytes)),
        plugin_config: plugin.map(|(json, _)| json),
    };
    let bootstrap = render::envoy_bootstrap(&opts)?;
    write_output(&a.output, &yaml::to_yaml(&bootstrap))
}
