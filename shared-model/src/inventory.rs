//! Endpoint inventory: inferring path templates beyond identifier folding.
//!
//! The learner first groups paths by [`crate::route::fold`] (numbers, UUIDs, hex ids become
//! parameters). That leaves high-cardinality literal segments such as slugs
//! (`/products/blue-widget-3000`) as one endpoint each. [`fold`] looks at every path position
//! (method + template prefix): when it holds [`FOLD_DISTINCT`] or more distinct literal values, the
//! position becomes a parameter named after the segment before it (`/products/{product_id}`);
//! literals seen at least [`KEEP_LITERAL`] times and in 1% of the position's requests stay
//! (`/products/search`), as do endpoints
//! an OpenAPI description declared. Low-cardinality positions keep their literals (`/users/me`).
//!
//! The decision depends only on the endpoint list and on the positions already folded (kept in
//! [`Model::folded`]), so it is re-run after a merge: two shards' literal sets add up to the
//! union's, and a position folded in either shard is folded in the union. One approximation
//! remains: a literal that is rare in one shard (folded there) and frequent in another stays
//! literal with the second shard's count only.

use crate::baseline::MIN_SAMPLES;
use crate::model::{EndpointModel, Model};
use crate::route::param_name;
use std::collections::{BTreeMap, BTreeSet};

/// Distinct literal values at one path position at which it becomes a parameter.
pub const FOLD_DISTINCT: usize = 16;
/// Requests a literal needs to stay a literal at a folded position (and 1% of the position's).
pub const KEEP_LITERAL: u64 = MIN_SAMPLES;

/// Folds high-cardinality positions, merges the endpoints that become equal, and sorts the model.
pub fn fold(m: &mut Model) {
    let mut folded: BTreeSet<String> = m.folded.iter().map(|k| position_of(k).to_string()).collect();
    let mut depth = 0;
    loop {
        // (method, prefix) -> literal value -> requests; and the parameter already there, if any.
        let mut positions: BTreeMap<(String, String), (BTreeMap<String, u64>, Option<String>)> = BTreeMap::new();
        let mut deeper = false;
        for e in &m.endpoints {
            let segs: Vec<&str> = e.template.split('/').skip(1).collect();
            let Some(seg) = segs.get(depth) else { continue };
            deeper = true;
            let slot = positions.entry((e.method.clone(), prefix(&segs[..depth]))).or_default();
            if seg.starts_with('{') {
                slot.1.get_or_insert_with(|| seg.to_string());
            } else {
                *slot.0.entry(seg.to_string()).or_insert(0) += e.count;
            }
        }
        if !deeper {
            break;
        }
        for ((method, pre), (literals, param)) in &positions {
            let key = format!("{method} {pre}");
            if literals.len() < FOLD_DISTINCT && !folded.contains(&key) {
                continue;
            }
            // A literal stays when frequent in absolute terms and against its siblings (with
            // thousands of slugs, some are seen 30 times by chance).
            let total: u64 = literals.values().sum();
            let keep = KEEP_LITERAL.max(total / 100);
            let segs_before: Vec<&str> = pre.split('/').skip(1).collect();
            let name = param.clone().unwrap_or_else(|| format!("{{{}}}", param_name(segs_before.last().copied())));
            folded.insert(key);
            for e in m.endpoints.iter_mut().filter(|e| &e.method == method && !e.declared) {
                let mut segs: Vec<&str> = e.template.split('/').skip(1).collect();
                let folds = segs.len() > depth
                    && prefix(&segs[..depth]) == *pre
                    && !segs[depth].starts_with('{')
                    && literals.get(segs[depth]).is_some_and(|n| *n < keep);
                if folds {
                    segs[depth] = &name;
                    e.template = prefix(&segs);
                }
            }
            m.folded.push(format!("{method} {pre}/{name}"));
        }
        merge_duplicates(&mut m.endpoints);
        depth += 1;
    }
    m.sort();
}

/// `GET /products/{product_id}` -> `GET /products`: the position a folded entry names.
fn position_of(key: &str) -> &str {
    key.rsplit_once('/').map_or(key, |(p, _)| p)
}

fn prefix(segs: &[&str]) -> String {
    if segs.is_empty() {
        return String::new();
    }
    let mut s = String::new();
    for seg in segs {
        s.push('/');
        s.push_str(seg);
    }
    s
}

fn merge_duplicates(endpoints: &mut Vec<EndpointModel>) {
    endpoints.sort_by(|a, b| (&a.method, &a.template).cmp(&(&b.method, &b.template)));
    let mut out: Vec<EndpointModel> = Vec::with_capacity(endpoints.len());
    for e in endpoints.drain(..) {
        match out.last_mut() {
            Some(last) if last.method == e.method && last.template == e.template => last.merge(&e),
            _ => out.push(e),
        }
    }
    *endpoints = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(method: &str, template: &str, count: u64) -> EndpointModel {
        let mut e = EndpointModel::new(method, template);
        e.count = count;
        e.request_bytes.add(count);
        e
    }

    fn templates(m: &Model) -> Vec<String> {
        m.endpoints.iter().map(|e| format!("{} {} {}", e.method, e.template, e.count)).collect()
    }

    #[test]
    fn slugs_fold_frequent_literals_and_small_sets_stay() {
        let mut m = Model::default();
        for i in 0..20 {
            m.endpoints.push(ep("GET", &format!("/products/widget-{}", (b'a' + i as u8) as char), 2));
            m.endpoints.push(ep("GET", &format!("/products/widget-{}/reviews", (b'a' + i as u8) as char), 1));
        }
        m.endpoints.push(ep("GET", "/products/search", 500));
        m.endpoints.push(ep("GET", "/users/me", 3));
        m.endpoints.push(ep("GET", "/users/{user_id}", 40));
        fold(&mut m);
        assert_eq!(
            templates(&m),
            [
                "GET /products/search 500",
                "GET /products/{product_id} 40",
                "GET /products/{product_id}/reviews 20",
                "GET /users/me 3",
                "GET /users/{user_id} 40",
            ]
        );
        assert_eq!(m.folded, ["GET /products/{product_id}"]);
        assert_eq!(m.endpoints[1].request_bytes.count, 20);
    }

    #[test]
    fn a_folded_position_folds_later_literals_too() {
        let mut m = Model { folded: vec!["POST /t/{t_id}".into()], ..Default::default() };
        m.endpoints.push(ep("POST", "/t/{t_id}", 5));
        m.endpoints.push(ep("POST", "/t/new-one", 1));
        fold(&mut m);
        assert_eq!(templates(&m), ["POST /t/{t_id} 6"]);
        assert_eq!(m.folded, ["POST /t/{t_id}"]);
    }

    #[test]
    fn declared_endpoints_stay() {
        let mut m = Model::default();
        for i in 0..20 {
            m.endpoints.push(ep("GET", &format!("/p/s{i}x"), 1));
        }
        let mut d = ep("GET", "/p/docs", 0);
        d.declared = true;
        m.endpoints.push(d);
        fold(&mut m);
        assert_eq!(templates(&m), ["GET /p/docs 0", "GET /p/{p_id} 20"]);
    }
}
