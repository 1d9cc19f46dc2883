//! The reference configurations in `envoy-config/` are exactly what `vigil render-config` writes
//! with the commands below, so the examples operators copy never drift from the renderer (and
//! what the renderer writes is what the other tests run in Envoy). After a deliberate change to
//! the renderer, `VIGIL_BLESS=1 cargo test -p vigil-integration-tests --test reference_configs`
//! rewrites the files.

use std::path::Path;
use vigil_integration_tests::*;

const ENVOY: &[&str] = &[
    "--wasm", "/etc/envoy/vigil_filter.wasm", "--listen", "0.0.0.0:10000", "--admin", "127.0.0.1:9901",
    "--upstream", "api.internal:8080", "--access-log", "/var/log/envoy/access.jsonl",
];
const OCI: &[&str] = &["--url", "oci://registry.example.com/vigil:0.1.0"];

/// Runs `vigil render-config ARGS -o DIR/out` and returns what it wrote, with DIR written as
/// `/etc/envoy` (where the ECDS example keeps its resource file).
fn render(dir: &Path, args: &[&str]) -> String {
    let out = dir.join("out");
    let o = std::process::Command::new(&Paths::get().vigil).arg("render-config").args(args).arg("-o").arg(&out).output().unwrap();
    assert!(o.status.success(), "render-config {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(&out).unwrap().replace(&dir.display().to_string(), "/etc/envoy")
}

#[test]
fn reference_configs_are_what_render_config_writes() {
    Paths::get().require(&[Artifact::Vigil]);
    let dir = tempfile::tempdir().unwrap();
    let ecds = dir.path().join("vigil-ecds.json");
    let ecds_arg = ecds.display().to_string();
    let with = |extra: &[&str]| -> Vec<String> { ENVOY.iter().chain(extra).map(|s| s.to_string()).collect() };
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("envoy.yaml", with(&[])),
        ("envoy-ecds.yaml", with(&["--ecds", &ecds_arg])),
        ("envoy-mirror.yaml", with(&["--target", "envoy-mirror", "--mirror-listen", "127.0.0.1:10001"])),
        ("istio-wasmplugin.yaml", [&["--target", "istio"][..], OCI].concat().iter().map(|s| s.to_string()).collect()),
        ("istio-trafficextension.yaml", [&["--target", "istio-traffic-extension"][..], OCI].concat().iter().map(|s| s.to_string()).collect()),
        ("envoy-gateway.yaml", [&["--target", "envoy-gateway", "--target-ref", "Gateway/eg"][..], OCI].concat().iter().map(|s| s.to_string()).collect()),
    ];
    let root = workspace_root().join("envoy-config");
    let bless = std::env::var_os("VIGIL_BLESS").is_some();
    let mut stale = Vec::new();
    let mut check = |name: &str, rendered: String| {
        let path = root.join(name);
        if bless {
            std::fs::write(&path, &rendered).unwrap();
        } else if std::fs::read_to_string(&path).unwrap_or_default() != rendered {
            stale.push(name.to_string());
        }
    };
    for (name, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        check(name, render(dir.path(), &args));
    }
    // The ECDS resource the ECDS bootstrap points at, written by the same command.
    check("vigil-ecds.json", std::fs::read_to_string(&ecds).unwrap());
    assert!(stale.is_empty(), "envoy-config/ differs from render-config for {stale:?}: rerun with VIGIL_BLESS=1 after a deliberate change");
}

/// The three Envoy bootstraps load in Envoy as written, with their paths pointed at this machine.
#[test]
fn reference_bootstraps_pass_envoy_validate() {
    let paths = Paths::get();
    paths.require(&[Artifact::Envoy, Artifact::Wasm]);
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path().display().to_string();
    let root = workspace_root().join("envoy-config");
    let ecds = std::fs::read_to_string(root.join("vigil-ecds.json")).unwrap().replace("/etc/envoy/vigil_filter.wasm", &paths.wasm.display().to_string());
    std::fs::write(dir.path().join("vigil-ecds.json"), ecds).unwrap();
    for name in ["envoy.yaml", "envoy-ecds.yaml", "envoy-mirror.yaml"] {
        let text = std::fs::read_to_string(root.join(name))
            .unwrap()
            .replace("/etc/envoy/vigil_filter.wasm", &paths.wasm.display().to_string())
            .replace("/etc/envoy", &here)
            .replace("/var/log/envoy", &here);
        let copy = dir.path().join(name);
        std::fs::write(&copy, text).unwrap();
        let o = envoy_validate(&copy);
        assert!(o.status.success(), "{name}: {}{}", String::from_utf8_lossy(&o.stdout), tail(&String::from_utf8_lossy(&o.stderr), 5));
    }
}
