//! A mergeable quantile sketch for sizes and latencies.
//!
//! Values fall into logarithmic buckets (`gamma = 1.04`, so any quantile is within 2% of the true
//! value, as in DDSketch). Merging two sketches adds their bucket counts, so a model learned from
//! log shards and merged is *identical* to one learned from the union: learning scales out.
//! A sketch over 0..1 GB holds at most ~530 buckets; real endpoints use a few dozen.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const GAMMA: f64 = 1.04;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sketch {
    /// Values seen.
    pub count: u64,
    /// Count of zeros (a bucket of its own: empty bodies are common).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub zeros: u64,
    /// Bucket index -> count; bucket `i` holds values in `(gamma^(i-1), gamma^i]`.
    #[serde(default)]
    pub bins: BTreeMap<i32, u64>,
    #[serde(default)]
    pub max: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Sketch {
    pub fn add(&mut self, v: u64) {
        self.count += 1;
        self.max = self.max.max(v);
        if v == 0 {
            self.zeros += 1;
        } else {
            *self.bins.entry(bucket(v)).or_insert(0) += 1;
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        self.count += other.count;
        self.zeros += other.zeros;
        self.max = self.max.max(other.max);
        for (&k, &n) in &other.bins {
            *self.bins.entry(k).or_insert(0) += n;
        }
    }

    /// The value at quantile `q` in [0,1] (upper bound of its bucket, never above the max seen).
    pub fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        if rank <= self.zeros {
            return 0;
        }
        let mut seen = self.zeros;
        for (&k, &n) in &self.bins {
            seen += n;
            if seen >= rank {
                return (GAMMA.powi(k).floor() as u64).min(self.max);
            }
        }
        self.max
    }

    /// Fraction of values strictly above `v` (a tail probability, for scoring).
    pub fn fraction_above(&self, v: u64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let above: u64 = if v == 0 {
            self.count - self.zeros
        } else {
            let b = bucket(v);
            self.bins.range(b + 1..).map(|(_, n)| n).sum()
        };
        above as f64 / self.count as f64
    }
}

fn bucket(v: u64) -> i32 {
    ((v as f64).ln() / GAMMA.ln()).ceil() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_relative_error() {
        let mut s = Sketch::default();
        for v in 1..=10_000u64 {
            s.add(v);
        }
        for q in [0.5, 0.9, 0.99, 0.999] {
            let got = s.quantile(q) as f64;
            let want = q * 10_000.0;
            assert!((got - want).abs() / want < 0.05, "q{q}: {got} vs {want}");
        }
        assert_eq!(s.quantile(1.0), 10_000);
        assert!(s.fraction_above(9_000) < 0.12);
    }

    #[test]
    fn merge_equals_learning_on_the_union() {
        let (mut a, mut b, mut all) = (Sketch::default(), Sketch::default(), Sketch::default());
        for v in 0..500u64 {
            let x = v * v % 977;
            if v % 2 == 0 { a.add(x) } else { b.add(x) }
            all.add(x);
        }
        a.merge(&b);
        assert_eq!(a, all);
    }

    #[test]
    fn zeros_are_kept_apart() {
        let mut s = Sketch::default();
        s.add(0);
        s.add(0);
        s.add(100);
        assert_eq!(s.quantile(0.5), 0);
        assert_eq!(s.quantile(1.0), 100);
        assert!((s.fraction_above(0) - 1.0 / 3.0).abs() < 1e-9);
    }
}
