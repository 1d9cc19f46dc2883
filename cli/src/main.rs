//! `vigil`: the operator's command line. Learns baselines from the filter's access logs, checks
//! models and plugin configurations, and renders the configuration proxies load. All logic lives
//! in `vigil-model`; this crate is argument parsing, files and messages.

mod cases;
mod logs;
mod render;
mod report;
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
    /// Group the findings of access logs into cases (severity, OWASP ids, description, evidence).
    Cases {
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// A gap longer than this between findings of one group starts a new case (30s, 10m, 2h, 1d).
        #[arg(long, default_value = "10m")]
        window: String,
        /// Exchanges kept as evidence per case.
        #[arg(long, default_value_t = 3)]
        evidence: usize,
        /// JSON for SIEMs and ticket systems instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write one self-contained HTML page: inventory, cases with evidence, sequences, charts.
    Report {
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// A model from `vigil learn`: marks known endpoints and lists those without traffic.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Case window, as for `vigil cases`.
        #[arg(long, default_value = "10m")]
        window: String,
        #[arg(short, long)]
        output: PathBuf,
    },
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
        Cmd::Learn { logs, output } => learn(&logs, &output),
        Cmd::Merge { models, output } => merge(&models, &output),
        Cmd::Check { file } => check(&file),
        Cmd::RenderConfig(args) => render_config(args),
        Cmd::Cases { logs, window, evidence, json } => cases::run(&logs, &window, evidence, json),
        Cmd::Report { logs, model, window, output } => {
            let model = model.as_deref().map(read_model).transpose()?;
            report::run(&logs, model.as_ref(), &window, &output)
        }
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

fn learn(logs: &[PathBuf], output: &Path) -> Result<()> {
    let started = Instant::now();
    let mut learner = Learner::new();
    for path in logs {
        logs::for_each_line(path, |line| {
            learner.add_line(line);
            if learner.stats.lines % 1_000_000 == 0 {
                eprintln!("  {} lines ...", learner.stats.lines);
            }
        })?;
    }
    let stats = learner.stats.clone();
    let model = learner.finish();
    write_output(output, &(serde_json::to_string_pretty(&model)? + "\n"))?;
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
    print_model_summary(&model);
    eprintln!("wrote {}", output.display());
    Ok(())
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
    write_output(output, &(serde_json::to_string_pretty(&merged)? + "\n"))?;
    print_model_summary(&merged);
    Ok(())
}

fn check(path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if v.get("endpoints").is_some() && v.get("version").is_some() {
        let model = read_model(path)?;
        println!("{}: valid model (version {}), {} bytes", path.display(), model.version, text.len());
        print_model_summary(&model);
    } else {
        let config = Config::from_json(text.as_bytes()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        println!("{}: valid plugin configuration, mode {:?}, thresholds flag {} block {}", path.display(), config.mode, config.thresholds.flag, config.thresholds.block);
        match &config.model {
            Some(m) => print_model_summary(m),
            None => println!("no model: embedded defaults only"),
        }
    }
    Ok(())
}

fn print_model_summary(m: &Model) {
    let requests: u64 = m.endpoints.iter().map(|e| e.count).sum();
    println!("{} endpoints, {} requests learned", m.endpoints.len(), requests);
    for e in &m.endpoints {
        let rare = if e.count < vigil_model::baseline::MIN_SAMPLES { "  (too rare to score sizes)" } else { "" };
        println!(
            "  {:<7} {:<48} {:>8} req  req p99 {:>7} B  resp p99 {:>8} B{rare}",
            e.method,
            e.template,
            e.count,
            e.request_bytes.quantile(0.99),
            e.response_bytes.quantile(0.99)
        );
    }
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
