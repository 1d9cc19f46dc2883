//! `vigil`: the operator's command line. Learns baselines from the filter's access logs, checks
//! models and plugin configurations, and renders the configuration proxies load. All logic lives
//! in `vigil-model`; this crate is argument parsing, files and messages.

mod eval;
mod cases;
mod logs;
mod mesh;
mod pretty;
mod render;
mod sequences;
mod sha256;
mod report;

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
    /// Run labelled corpus cases (JSON lines) through the engine; print detection and
    /// false-positive rates per group.
    Eval {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A plugin configuration to evaluate with (default: `{}`).
        #[arg(long)]
        config: Option<PathBuf>,
        /// List up to N missed attacks and false positives per group.
        #[arg(long, default_value_t = 0)]
        misses: usize,
        /// Evaluate one half of the held-out split only (cases by the parity of the MD5 of their id).
        #[arg(long, value_enum)]
        half: Option<eval::Half>,
    },
    /// Print the most important call sequences, per-endpoint rate limits and the sequence rules
    /// that held in the training traffic (ready for `policies.sequences`).
    Sequences {
        #[arg(required = true)]
        logs: Vec<PathBuf>,
        /// Sequences to print.
        #[arg(long, default_value_t = 15)]
        top: usize,
    },
    /// Push a plugin configuration (a new model) to running Envoys through an ECDS file: validated,
    /// then written atomically (temporary file + rename), which Envoy picks up without a restart.
    Push(PushArgs),
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

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Target {
    /// A runnable Envoy bootstrap (with --ecds FILE: the filter comes from that ECDS file).
    Envoy,
    /// The ECDS resource alone (what `vigil push` writes).
    Ecds,
    /// Out-of-band: the client path mirrors requests to an analyzer listener running Vigil.
    EnvoyMirror,
    /// Istio `WasmPlugin`.
    Istio,
    /// Istio 1.30+ `TrafficExtension`.
    IstioTrafficExtension,
    /// Envoy Gateway `EnvoyExtensionPolicy`.
    EnvoyGateway,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Both,
    Front,
    Analyzer,
}

#[derive(clap::Args)]
struct PushArgs {
    /// The ECDS file the Envoy bootstrap's `config_discovery` watches.
    #[arg(long)]
    ecds: PathBuf,
    /// The filter module path on the proxy.
    #[arg(long)]
    wasm: PathBuf,
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    model: Option<PathBuf>,
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// Point the `alerts` section at the `vigil_alerts` cluster with this URL's authority and path.
    #[arg(long)]
    alerts_url: Option<String>,
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
    /// Where Envoy writes the JSON access log (Envoy targets).
    #[arg(long)]
    access_log: Option<PathBuf>,
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
    /// Envoy: load the filter through ECDS from this file (written too), so `vigil push` can
    /// replace the configuration and model without a restart.
    #[arg(long)]
    ecds: Option<PathBuf>,
    /// Envoy: proxies in front whose `x-forwarded-for` entries are trusted (a load balancer: 1).
    /// The client address comes from the connection past them, never from what a client writes.
    #[arg(long, default_value_t = 0)]
    xff_trusted_hops: u32,
    /// Send alerts to http://HOST:PORT/PATH: adds the cluster (Envoy: `vigil_alerts`; Istio: a
    /// ServiceEntry; Envoy Gateway: an EnvoyPatchPolicy) and points the `alerts` section at it.
    #[arg(long)]
    alerts_url: Option<String>,
    /// envoy-mirror: the analyzer listener (Vigil in monitor mode in front of a sink).
    #[arg(long, default_value = "127.0.0.1:10001")]
    mirror_listen: String,
    /// envoy-mirror: the analyzer's access log (default: the --access-log name with `.mirror`).
    #[arg(long)]
    mirror_access_log: Option<PathBuf>,
    /// envoy-mirror: which listeners this bootstrap holds (run the analyzer in its own Envoy so its
    /// CPU never competes with the client path).
    #[arg(long, value_enum, default_value = "both")]
    mirror_role: RoleArg,
    /// Istio / Envoy Gateway: where the proxy fetches the module (oci://REGISTRY/REPO:TAG,
    /// https://HOST/vigil.wasm, or for Istio file:///PATH). Default for Istio: file://<--wasm>.
    #[arg(long)]
    url: Option<String>,
    /// The module's SHA-256 (64 hex digits); computed from --wasm for http(s)/file URLs.
    #[arg(long)]
    sha256: Option<String>,
    /// Resource name.
    #[arg(long, default_value = "vigil")]
    name: String,
    /// Resource namespace (default: istio-system for Istio, default for Envoy Gateway).
    #[arg(long)]
    namespace: Option<String>,
    /// Istio workload selector label KEY=VALUE (repeatable; default istio=ingressgateway).
    #[arg(long)]
    selector: Vec<String>,
    /// Attach to KIND/NAME (repeatable): Istio Gateway/GatewayClass/Service/ServiceEntry,
    /// Envoy Gateway Gateway/HTTPRoute/GRPCRoute.
    #[arg(long)]
    target_ref: Vec<String>,
    /// Istio phase: AUTHN (before Istio authentication, so Vigil also sees what it would reject),
    /// AUTHZ, STATS or UNSPECIFIED_PHASE.
    #[arg(long, default_value = "AUTHN")]
    phase: String,
    /// Istio priority within the phase (higher runs first).
    #[arg(long, default_value_t = 10)]
    priority: i32,
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
        Cmd::Eval { files, config, misses, half } => eval::run(&eval::EvalArgs { files: &files, config: config.as_deref(), misses, half }),
        Cmd::Push(args) => push(args),
        Cmd::Cases { logs, window, evidence, json } => cases::run(&logs, &window, evidence, json),
        Cmd::Report { logs, model, window, output } => {
            let model = model.as_deref().map(read_model).transpose()?;
            report::run(&logs, model.as_ref(), &window, &output)
        }
        Cmd::Sequences { logs, top } => sequences::run(&logs, top),
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
    logs::parse_in_parallel(logs, vigil_model::learn::parse_line, |line| {
        learner.add(line);
        if learner.stats.lines % 65_536 == 0 {
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            progress.set_message(format!("{} lines ({:.0}/s)", learner.stats.lines, learner.stats.lines as f64 / secs));
        }
    })?;
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
        for m in &config.endpoint_modes {
            println!("  mode {:?} on {}", m.mode, m.endpoint);
        }
        let p = &config.policies;
        println!(
            "policies: {} data, {} sequence, protocol {}, {} exceptions",
            p.data.len(),
            p.sequences.len(),
            if p.protocol.is_some() { "on" } else { "off" },
            p.exceptions.len()
        );
        for e in &p.exceptions {
            let any = |list: &[String], none: &str| if list.is_empty() { none.to_string() } else { list.join(", ") };
            println!(
                "  silences {} at {} on {} from {}{}",
                any(&e.kinds, "every finding"),
                any(&e.locations, "any location"),
                e.endpoint.as_deref().unwrap_or("any endpoint"),
                if e.sources.is_empty() { "any client".to_string() } else { e.sources.join(", ") },
                e.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
            );
        }
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

fn mode_str(m: Option<ModeArg>) -> Option<&'static str> {
    m.map(|m| match m {
        ModeArg::Monitor => "monitor",
        ModeArg::Block => "block",
    })
}

fn push(a: PushArgs) -> Result<()> {
    let alerts = a.alerts_url.as_deref().map(render::AlertsUrl::parse).transpose()?;
    let (json, _) = render::plugin_config_with(
        a.config.as_deref(),
        mode_str(a.mode),
        a.model.as_deref(),
        alerts.as_ref().map(|u| (u, render::ALERTS_CLUSTER)),
    )?;
    let resource = render::ecds_resource(&render::wasm_path(Some(&a.wasm))?, &json);
    write_output(&a.ecds, &(serde_json::to_string_pretty(&resource)? + "\n"))?;
    eprintln!("pushed version {} ({} bytes of plugin configuration) to {}", resource["version_info"].as_str().unwrap_or(""), json.len(), a.ecds.display());
    Ok(())
}

fn render_config(a: RenderArgs) -> Result<()> {
    let alerts = a.alerts_url.as_deref().map(render::AlertsUrl::parse).transpose()?;
    let mesh = matches!(a.target, Target::Istio | Target::IstioTrafficExtension | Target::EnvoyGateway);
    let alerts_cluster = match (&alerts, a.target) {
        (Some(u), Target::Istio | Target::IstioTrafficExtension) => Some(mesh::istio_alerts_cluster(u)),
        (Some(_), _) => Some(render::ALERTS_CLUSTER.to_string()),
        (None, _) => None,
    };
    let plugin = if a.no_filter {
        None
    } else {
        // The analyzer of an out-of-band deployment only observes: blocking a copy means nothing.
        let mode = if a.target == Target::EnvoyMirror {
            if matches!(a.mode, Some(ModeArg::Block)) {
                eprintln!("vigil: note: the mirror analyzer runs in monitor mode (it cannot block the client path)");
            }
            Some("monitor")
        } else {
            mode_str(a.mode)
        };
        Some(render::plugin_config_with(
            a.config.as_deref(),
            mode,
            a.model.as_deref(),
            alerts.as_ref().zip(alerts_cluster.as_deref()),
        )?)
    };
    if mesh {
        return render_mesh(&a, plugin.map(|(json, _)| json).context("--no-filter makes no sense for a mesh target")?, alerts);
    }
    if a.target == Target::Ecds {
        let (json, _) = plugin.context("--no-filter makes no sense for --target ecds")?;
        let resource = render::ecds_resource(&render::wasm_path(a.wasm.as_deref())?, &json);
        return write_output(&a.output, &(serde_json::to_string_pretty(&resource)? + "\n"));
    }
    let direct = match &a.direct_response_file {
        Some(p) => Some(std::fs::canonicalize(p).with_context(|| format!("{} not found", p.display()))?.display().to_string()),
        None => None,
    };
    let role = match a.mirror_role {
        RoleArg::Both => render::MirrorRole::Both,
        RoleArg::Front => render::MirrorRole::Front,
        RoleArg::Analyzer => render::MirrorRole::Analyzer,
    };
    let analyzer_only = a.target == Target::EnvoyMirror && role == render::MirrorRole::Analyzer;
    if a.upstream.is_none() && direct.is_none() && !analyzer_only {
        bail!("give --upstream HOST:PORT (the service to protect) or --direct-response-file FILE");
    }
    let access_log = std::path::absolute(a.access_log.as_deref().context("--access-log is required for Envoy targets")?)?;
    let mirror_log = match &a.mirror_access_log {
        Some(p) => std::path::absolute(p)?,
        None if analyzer_only => access_log.clone(),
        None => access_log.with_extension("mirror.jsonl"),
    };
    let ecds = a.ecds.as_deref().map(std::path::absolute).transpose()?;
    let opts = render::EnvoyOptions {
        wasm: a.wasm.as_deref(),
        listen: render::host_port(&a.listen, "--listen")?,
        admin: render::host_port(&a.admin, "--admin")?,
        upstream: a.upstream.as_deref().map(|u| render::host_port(u, "--upstream")).transpose()?,
        direct_response: direct,
        access_log: &access_log,
        body_limit: plugin.as_ref().map_or(0, |(_, c)| c.inspect.request_body_bytes.max(c.inspect.response_body_bytes)),
        plugin_config: plugin.as_ref().map(|(json, _)| json.clone()),
        ecds: ecds.as_deref(),
        alerts: alerts.as_ref().map(|u| (u.host.clone(), u.port)),
        xff_trusted_hops: a.xff_trusted_hops,
        mirror: if a.target == Target::EnvoyMirror {
            Some(render::Mirror { listen: render::host_port(&a.mirror_listen, "--mirror-listen")?, access_log: &mirror_log, role })
        } else {
            None
        },
    };
    let bootstrap = render::envoy_bootstrap(&opts)?;
    if let (Some(path), Some((json, _))) = (&ecds, &plugin) {
        // The bootstrap refers to the ECDS file: write its first version too.
        let resource = render::ecds_resource(&render::wasm_path(a.wasm.as_deref())?, json);
        write_output(path, &(serde_json::to_string_pretty(&resource)? + "\n"))?;
    }
    write_output(&a.output, &serde_yaml_ng::to_string(&bootstrap)?)
}

fn render_mesh(a: &RenderArgs, plugin_json: String, alerts: Option<render::AlertsUrl>) -> Result<()> {
    let url = match (&a.url, &a.wasm, a.target) {
        (Some(u), _, _) => u.clone(),
        (None, Some(w), Target::Istio | Target::IstioTrafficExtension) => format!("file://{}", std::path::absolute(w)?.display()),
        _ => bail!("give --url (oci://REGISTRY/REPO:TAG or https://HOST/vigil.wasm) for where the proxy fetches the module"),
    };
    let sha256 = match &a.sha256 {
        Some(s) => {
            if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                bail!("--sha256 wants 64 lower-case hex digits, got {s:?}");
            }
            Some(s.clone())
        }
        // The file's digest verifies http(s) and file modules; an OCI image is verified by its
        // image digest, which only the registry push knows.
        None if !url.starts_with("oci://") && a.wasm.as_ref().is_some_and(|w| w.is_file()) => {
            let w = a.wasm.as_ref().context("--wasm")?;
            Some(sha256::hex(&std::fs::read(w).with_context(|| format!("reading {}", w.display()))?))
        }
        None => None,
    };
    let pair = |s: &str, sep: char, flag: &str| -> Result<(String, String)> {
        match s.split_once(sep) {
            Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => bail!("{flag} wants K{sep}V, got {s:?}"),
        }
    };
    if !mesh::PHASES.contains(&a.phase.as_str()) {
        bail!("--phase must be one of {}, got {:?}", mesh::PHASES.join(", "), a.phase);
    }
    let istio = a.target != Target::EnvoyGateway;
    let o = mesh::MeshOptions {
        name: a.name.clone(),
        namespace: a.namespace.clone().unwrap_or_else(|| if istio { "istio-system".into() } else { "default".into() }),
        url,
        sha256,
        selector: a.selector.iter().map(|s| pair(s, '=', "--selector")).collect::<Result<_>>()?,
        target_refs: a.target_ref.iter().map(|s| pair(s, '/', "--target-ref")).collect::<Result<_>>()?,
        phase: a.phase.clone(),
        priority: a.priority,
        plugin_config: serde_json::from_str(&plugin_json)?,
        alerts,
    };
    let docs = match a.target {
        Target::Istio => mesh::istio_wasm_plugin(&o)?,
        Target::IstioTrafficExtension => mesh::istio_traffic_extension(&o)?,
        _ => mesh::envoy_gateway(&o)?,
    };
    let text = docs.iter().map(serde_yaml_ng::to_string).collect::<Result<Vec<_>, _>>()?;
    write_output(&a.output, &text.join("---\n"))
}
