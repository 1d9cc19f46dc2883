//! `vigil report`: access logs (and optionally the model) in, one self-contained HTML page out.
//!
//! The page holds the endpoint inventory (traffic, clients, credential kinds, data types
//! returned, statuses, sizes), the open cases by severity with their evidence
//! ([`vigil_model::cases`]), the top endpoint-to-endpoint transitions per client, and inline SVG
//! charts (traffic and verdicts over time, findings by OWASP id, response sizes per endpoint).
//! Self-contained on purpose: inline CSS and SVG, no scripts, no fetches, so it can be mailed,
//! attached to a ticket or opened offline. Every string from the logs is attacker-controlled and
//! goes through [`esc`]; nothing from a log is ever placed in an attribute without it.

use crate::logs;
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;
use vigil_model::cases::{Case, CaseBuilder, CaseOptions};
use vigil_model::finding::Owasp;
use vigil_model::model::Model;
use vigil_model::record::{format_time, Record};
use vigil_model::sketch::Sketch;
use vigil_model::verdict::Decision;

/// Endpoints shown in the size chart, transitions in the sequence table.
const TOP_ENDPOINTS: usize = 12;
const TOP_TRANSITIONS: usize = 20;
/// Time buckets in the traffic chart.
const TIME_BUCKETS: i64 = 48;

const COLOR_ALLOW: &str = "#4c9a6a";
const COLOR_FLAG: &str = "#e0a030";
const COLOR_BLOCK: &str = "#c0392b";

/// Per endpoint, over the logs.
#[derive(Default)]
struct Endpoint {
    requests: u64,
    clients: BTreeSet<String>,
    auth: BTreeMap<String, u64>,
    data: BTreeMap<String, u64>,
    status: BTreeMap<u16, u64>,
    response_bytes: Sketch,
    flagged: u64,
    blocked: u64,
    in_model: bool,
}

/// Everything the page shows, gathered in one pass over the logs.
#[derive(Default)]
pub struct Report {
    lines: u64,
    malformed: u64,
    without_event: u64,
    /// (time ms, verdict) of every exchange with an event.
    timeline: Vec<(i64, Decision)>,
    endpoints: BTreeMap<String, Endpoint>,
    owasp: BTreeMap<Owasp, u64>,
    /// client -> (time ms, endpoint) in log order; sorted by time before use.
    walks: HashMap<String, Vec<(i64, String)>>,
    cases: Vec<Case>,
}

impl Report {
    /// One access-log record.
    fn add(&mut self, r: &Record) {
        let Some(ev) = &r.event else {
            self.without_event += 1;
            return;
        };
        let name = r.endpoint();
        let ep = self.endpoints.entry(name.clone()).or_default();
        ep.requests += 1;
        ep.clients.insert(ev.client.clone());
        *ep.auth.entry(if ev.obs.auth.is_empty() { "none".into() } else { ev.obs.auth.clone() }).or_insert(0) += 1;
        for (ty, n) in &ev.obs.sensitive {
            *ep.data.entry(ty.clone()).or_insert(0) += u64::from(*n);
        }
        *ep.status.entry(r.status).or_insert(0) += 1;
        ep.response_bytes.add(ev.obs.response.as_ref().map_or(r.bytes_out, |b| b.bytes));
        ep.flagged += u64::from(ev.verdict.decision != Decision::Allow);
        ep.blocked += u64::from(ev.verdict.enforced);
        for f in &ev.findings {
            *self.owasp.entry(f.owasp).or_insert(0) += 1;
        }
        self.timeline.push((r.time_ms, ev.verdict.decision));
        if !ev.client.is_empty() {
            self.walks.entry(ev.client.clone()).or_default().push((r.time_ms, name));
        }
    }

    /// Marks the model's endpoints (and lists those without traffic).
    fn add_model(&mut self, model: &Model) {
        for e in &model.endpoints {
            self.endpoints.entry(format!("{} {}", e.method, e.template)).or_default().in_model = true;
        }
    }

    /// Transition counts `from -> to` between consecutive requests of each client, by time.
    fn transitions(&self) -> Vec<((String, String), u64)> {
        let mut counts: HashMap<(&str, &str), u64> = HashMap::new();
        for walk in self.walks.values() {
            let mut walk: Vec<&(i64, String)> = walk.iter().collect();
            walk.sort_by_key(|(t, _)| *t);
            for pair in walk.windows(2) {
                *counts.entry((pair[0].1.as_str(), pair[1].1.as_str())).or_insert(0) += 1;
            }
        }
        let mut out: Vec<((String, String), u64)> = counts.into_iter().map(|((a, b), n)| ((a.to_string(), b.to_string()), n)).collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.truncate(TOP_TRANSITIONS);
        out
    }
}

/// Reads the logs (and model) into a [`Report`].
pub fn read(logs: &[PathBuf], model: Option<&Model>, window_ms: i64) -> Result<Report> {
    let mut report = Report::default();
    let mut cases = CaseBuilder::new(CaseOptions { window_ms, evidence: 3 });
    for path in logs {
        logs::for_each_line(path, |line| {
            if line.trim().is_empty() {
                return;
            }
            report.lines += 1;
            match Record::parse(line.trim()) {
                Ok(r) => {
                    report.add(&r);
                    cases.add(r);
                }
                Err(_) => report.malformed += 1,
            }
        })?;
    }
    if let Some(m) = model {
        report.add_model(m);
    }
    report.cases = cases.finish();
    Ok(report)
}

/// HTML-escapes text for element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #e2e2e2;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px;word-break:break-all}
.case{border:1px solid #ddd;border-left:6px solid #999;padding:8px 12px;margin:10px 0;border-radius:4px}
.sev-critical{border-left-color:#7b1fa2}.sev-high{border-left-color:#c0392b}.sev-medium{border-left-color:#e0a030}.sev-low{border-left-color:#6a8caf}
.badge{display:inline-block;padding:1px 7px;border-radius:9px;color:#fff;font-size:12px;margin-right:6px}
.b-critical{background:#7b1fa2}.b-high{background:#c0392b}.b-medium{background:#c98a00}.b-low{background:#6a8caf}
.muted{color:#666}.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #eee;padding:8px}
dl{margin:4px 0}dt{font-weight:600;margin-top:4px}dd{margin:0 0 0 12px}";

/// The whole page.
pub fn html(r: &Report) -> String {
    let mut h = String::new();
    let (first, last) = r.timeline.iter().fold((i64::MAX, i64::MIN), |(a, b), (t, _)| (a.min(*t), b.max(*t)));
    let count = |d: Decision| r.timeline.iter().filter(|(_, v)| *v == d).count();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Vigil report</title><style>{CSS}</style></head><body>\
<h1>Vigil report</h1><p class=\"muted\">{} exchanges from {} to {} ({} lines, {} malformed, {} without a Vigil event). \
Verdicts: {} allow, {} flag, {} block. {} open cases.</p>",
        r.timeline.len(),
        esc(&if r.timeline.is_empty() { "-".into() } else { format_time(first) }),
        esc(&if r.timeline.is_empty() { "-".into() } else { format_time(last) }),
        r.lines,
        r.malformed,
        r.without_event,
        count(Decision::Allow),
        count(Decision::Flag),
        count(Decision::Block),
        r.cases.len()
    );
    h.push_str("<h2>Traffic</h2><div class=\"charts\">");
    h.push_str(&traffic_chart(&r.timeline));
    let owasp: Vec<(String, u64)> = r.owasp.iter().map(|(o, n)| (format!("{o} {}", o.title()), *n)).collect();
    h.push_str(&hbar_chart("findings-by-owasp", "Findings by OWASP API Top 10 (2023)", &owasp, "#6a8caf"));
    h.push_str(&size_chart(r));
    h.push_str("</div>");
    cases_html(&mut h, &r.cases);
    inventory_html(&mut h, r);
    h.push_str("<h2>Top sequences</h2><p class=\"muted\">Consecutive requests of each client, by start time.</p><table><tr><th>from</th><th>to</th><th>times</th></tr>");
    for ((a, b), n) in r.transitions() {
        let _ = write!(h, "<tr><td><code>{}</code></td><td><code>{}</code></td><td class=\"n\">{n}</td></tr>", esc(&a), esc(&b));
    }
    h.push_str("</table></body></html>\n");
    h
}

fn cases_html(h: &mut String, cases: &[Case]) {
    h.push_str("<h2>Open cases</h2>");
    if cases.is_empty() {
        h.push_str("<p>No cases.</p>");
    }
    for c in cases {
        let sev = c.severity.as_str();
        let owasp: Vec<&str> = c.owasp.iter().map(|o| o.as_str()).collect();
        let _ = write!(
            h,
            "<div class=\"case sev-{sev}\" id=\"case-{id}\"><h3 class=\"case-title\"><span class=\"badge b-{sev}\">{sev}</span>{title}</h3>\
<p class=\"muted\">case {id} &middot; {owasp} &middot; confidence {conf:.2} &middot; {first} .. {last} &middot; {n} exchanges, {c} client(s), {b} blocked</p>\
<dl><dt>What happened</dt><dd>{what}</dd><dt>Why it matters</dt><dd>{why}</dd><dt>What to do</dt><dd>{todo}</dd></dl>\
<table><tr><th>time</th><th>request</th><th>status</th><th>verdict</th><th>findings</th><th>request id / client</th></tr>",
            id = esc(&c.id),
            title = esc(&c.title),
            owasp = esc(&owasp.join(" ")),
            conf = c.confidence,
            first = esc(&c.first_seen),
            last = esc(&c.last_seen),
            n = c.counts.exchanges,
            c = c.counts.clients,
            b = c.counts.blocked,
            what = esc(&c.description.what_happened),
            why = esc(&c.description.why_it_matters),
            todo = esc(&c.description.what_to_do),
        );
        for e in &c.evidence {
            let findings: Vec<String> = e.findings.iter().map(|f| format!("{} {} at {}: <code>{}</code>", esc(f.severity.as_str()), esc(&f.kind), esc(&f.location), esc(&f.evidence))).collect();
            let _ = write!(
                h,
                "<tr><td>{}</td><td><code>{} {}</code></td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td><code>{}</code><br><code>{}</code></td></tr>",
                esc(&e.time),
                esc(&e.method),
                esc(&e.path),
                e.status,
                e.verdict.as_str(),
                findings.join("<br>"),
                esc(&e.request_id),
                esc(&e.client)
            );
        }
        h.push_str("</table></div>");
    }
}

fn inventory_html(h: &mut String, r: &Report) {
    h.push_str("<h2>Endpoint inventory</h2><table><tr><th>endpoint</th><th>requests</th><th>clients</th><th>credentials</th><th>data types returned</th><th>statuses</th><th>response bytes p50 / p99</th><th>flagged</th><th>in model</th></tr>");
    let list = |m: &BTreeMap<String, u64>| m.iter().map(|(k, n)| format!("{} ({n})", esc(k))).collect::<Vec<_>>().join(", ");
    for (name, e) in &r.endpoints {
        let status: BTreeMap<String, u64> = e.status.iter().map(|(s, n)| (s.to_string(), *n)).collect();
        let _ = write!(
            h,
            "<tr class=\"endpoint\"><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{} / {}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(name),
            e.requests,
            e.clients.len(),
            list(&e.auth),
            list(&e.data),
            list(&status),
            e.response_bytes.quantile(0.5),
            e.response_bytes.quantile(0.99),
            e.flagged,
            match (e.in_model, e.requests) {
                (true, 0) => "yes (no traffic)",
                (true, _) => "yes",
                (false, _) => "no",
            }
        );
    }
    h.push_str("</table>");
}

fn svg_open(id: &str, title: &str, w: u32, hgt: u32) -> String {
    format!(
        "<div class=\"chart\"><svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{hgt}\" viewBox=\"0 0 {w} {hgt}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>\
<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"600\">{t}</text>",
        t = esc(title)
    )
}

/// Stacked bars of allow / flag / block per time bucket.
fn traffic_chart(timeline: &[(i64, Decision)]) -> String {
    let (w, hgt, left, top, bottom) = (1160.0, 240.0, 50.0, 30.0, 40.0);
    let mut s = svg_open("traffic-chart", "Traffic and verdicts over time", w as u32, hgt as u32);
    if timeline.is_empty() {
        return s + "<text x=\"8\" y=\"60\">no traffic</text></svg></div>";
    }
    let (first, last) = timeline.iter().fold((i64::MAX, i64::MIN), |(a, b), (t, _)| (a.min(*t), b.max(*t)));
    let width_ms = ((last - first) / TIME_BUCKETS + 1).max(1000);
    let n = ((last - first) / width_ms + 1) as usize;
    let mut buckets = vec![[0u64; 3]; n];
    for (t, d) in timeline {
        let i = (((t - first) / width_ms) as usize).min(n - 1);
        buckets[i][*d as usize] += 1;
    }
    let max = buckets.iter().map(|b| b.iter().sum::<u64>()).max().unwrap_or(1).max(1) as f64;
    let plot_h = hgt - top - bottom;
    let bw = (w - left - 10.0) / n as f64;
    for (i, b) in buckets.iter().enumerate() {
        let mut y = top + plot_h;
        for (k, color) in [COLOR_ALLOW, COLOR_FLAG, COLOR_BLOCK].iter().enumerate() {
            let bh = plot_h * b[k] as f64 / max;
            if bh > 0.0 {
                y -= bh;
                let _ = write!(s, "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{color}\"/>", left + i as f64 * bw, (bw - 1.0).max(1.0));
            }
        }
    }
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"{:.0}\" font-size=\"11\">{}</text><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{}</text>\
<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{max}</text><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">0</text>\
<text x=\"{:.0}\" y=\"18\" font-size=\"11\" text-anchor=\"end\"><tspan fill=\"{COLOR_ALLOW}\">&#9632; allow</tspan> <tspan fill=\"{COLOR_FLAG}\">&#9632; flag</tspan> <tspan fill=\"{COLOR_BLOCK}\">&#9632; block</tspan> &#183; {}s per bar</text></svg></div>",
        hgt - 20.0,
        format_time(first),
        w - 10.0,
        hgt - 20.0,
        format_time(last),
        left - 6.0,
        top + 10.0,
        left - 6.0,
        top + plot_h,
        w - 10.0,
        width_ms / 1000,
    );
    s
}

/// Horizontal bars with labels.
fn hbar_chart(id: &str, title: &str, rows: &[(String, u64)], color: &str) -> String {
    let (w, row_h, label_w) = (570.0, 22.0, 330.0);
    let hgt = 34.0 + row_h * rows.len().max(1) as f64;
    let mut s = svg_open(id, title, w as u32, hgt as u32);
    if rows.is_empty() {
        return s + "<text x=\"8\" y=\"48\">none</text></svg></div>";
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = 30.0 + i as f64 * row_h;
        let bw = (w - label_w - 60.0) * *n as f64 / max;
        let _ = write!(
            s,
            "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{y:.0}\" width=\"{bw:.1}\" height=\"{:.0}\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.0}\" font-size=\"11\">{n}</text>",
            label_w - 6.0,
            y + 14.0,
            esc(&truncate(label, 52)),
            row_h - 6.0,
            label_w + bw + 4.0,
            y + 14.0
        );
    }
    s + "</svg></div>"
}

/// Response sizes per endpoint: p50..p99 as a bar, the max as a tick, on a log scale.
fn size_chart(r: &Report) -> String {
    let mut eps: Vec<(&String, &Endpoint)> = r.endpoints.iter().filter(|(_, e)| e.requests > 0).collect();
    eps.sort_by_key(|e| std::cmp::Reverse(e.1.requests));
    eps.truncate(TOP_ENDPOINTS);
    let (w, row_h, label_w) = (570.0, 22.0, 280.0);
    let hgt = 50.0 + row_h * eps.len().max(1) as f64;
    let mut s = svg_open("size-chart", "Response bytes per endpoint (p50-p99 bar, max tick, log scale)", w as u32, hgt as u32);
    // Log scale from half the smallest median to the largest max, so endpoints of similar sizes
    // are still told apart.
    let top = eps.iter().map(|(_, e)| e.response_bytes.max).max().unwrap_or(1).max(10) as f64;
    let low = (eps.iter().map(|(_, e)| e.response_bytes.quantile(0.5)).min().unwrap_or(1).max(2) / 2) as f64;
    let span = (top / low).log10().max(0.1);
    let scale = |v: u64| (w - label_w - 20.0) * ((v as f64).max(low) / low).log10() / span;
    for (i, (name, e)) in eps.iter().enumerate() {
        let y = 30.0 + i as f64 * row_h;
        let (p50, p99, max) = (e.response_bytes.quantile(0.5), e.response_bytes.quantile(0.99), e.response_bytes.max);
        let _ = write!(
            s,
            "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{}</text><rect x=\"{:.1}\" y=\"{y:.0}\" width=\"{:.1}\" height=\"{:.0}\" fill=\"#8fb3d9\"><title>p50 {p50} B, p99 {p99} B, max {max} B</title></rect><rect x=\"{:.1}\" y=\"{y:.0}\" width=\"2\" height=\"{:.0}\" fill=\"#333\"/>",
            label_w - 6.0,
            y + 14.0,
            esc(&truncate(name, 44)),
            label_w + scale(p50),
            (scale(p99) - scale(p50)).max(2.0),
            row_h - 6.0,
            label_w + scale(max),
            row_h - 6.0
        );
    }
    let _ = write!(s, "<text x=\"{label_w}\" y=\"{:.0}\" font-size=\"11\">{low} B</text><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">{top} B</text></svg></div>", hgt - 6.0, w - 20.0, hgt - 6.0);
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
}

pub fn run(logs: &[PathBuf], model: Option<&Model>, window: &str, output: &std::path::Path) -> Result<()> {
    let report = read(logs, model, crate::cases::parse_duration_ms(window)?)?;
    let page = html(&report);
    crate::write_output(output, &page)?;
    eprintln!(
        "read {} lines ({} malformed): {} endpoints, {} cases; wrote {} ({} bytes)",
        report.lines,
        report.malformed,
        report.endpoints.len(),
        report.cases.len(),
        output.display(),
        page.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t: &str, client: &str, path: &str, verdict: &str, findings: &str) -> String {
        let ev = format!(r#"{{"verdict":"{verdict}","score":0.6,"confidence":0.9,"enforced":false,"client":"{client}","findings":{findings},"obs":{{"route":"{}","auth":"bearer","response":{{"bytes":120,"parse":"json","status":200}},"sensitive":{{"email":1}}}}}}"#, path.split('?').next().unwrap_or(""));
        serde_json::json!({"start_time": t, "request_id": "r", "method": "GET", "path": path, "status": 200, "vigil": ev}).to_string()
    }

    fn report(lines: &[String]) -> Report {
        let mut r = Report::default();
        let mut cases = CaseBuilder::new(CaseOptions::default());
        for l in lines {
            let rec = Record::parse(l).unwrap();
            r.add(&rec);
            cases.add(rec);
        }
        r.cases = cases.finish();
        r
    }

    #[test]
    fn escapes_everything_from_the_logs() {
        assert_eq!(esc("<script>alert('x')</script>&\""), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
        let xss = r#"[{"kind":"attack.xss","owasp":"API8:2023","severity":"high","confidence":0.9,"location":"query:q","evidence":"<img src=x onerror=alert(1)>"}]"#;
        let page = html(&report(&[line("2026-11-21T06:00:00Z", "c<b>1", "/s?q=<script>alert(1)</script>", "flag", xss)]));
        assert!(!page.contains("<script") && !page.contains("<img") && !page.contains("c<b>1"), "{page}");
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(page.contains("<svg id=\"traffic-chart\""));
    }

    #[test]
    fn transitions_follow_each_clients_time_order() {
        let r = report(&[
            line("2026-11-21T06:00:02Z", "a", "/cart", "allow", "[]"),
            line("2026-11-21T06:00:01Z", "a", "/login", "allow", "[]"),
            line("2026-11-21T06:00:03Z", "a", "/pay", "allow", "[]"),
            line("2026-11-21T06:00:01Z", "b", "/login", "allow", "[]"),
            line("2026-11-21T06:00:05Z", "b", "/cart", "allow", "[]"),
        ]);
        let t = r.transitions();
        assert_eq!(t[0], (("GET /login".to_string(), "GET /cart".to_string()), 2));
        assert_eq!(t[1], (("GET /cart".to_string(), "GET /pay".to_string()), 1));
        assert_eq!(t.len(), 2);
        let ep = &r.endpoints["GET /login"];
        assert_eq!((ep.requests, ep.clients.len(), ep.auth.get("bearer"), ep.data.get("email")), (2, 2, Some(&2), Some(&2)));
    }
}
