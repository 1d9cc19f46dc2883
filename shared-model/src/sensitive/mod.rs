//! Sensitive data (first cut: Luhn-valid payment card numbers; the full scanner replaces this).

use crate::fields::Field;
use crate::finding::{Finding, Owasp, Severity};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataType {
    CreditCard,
}

impl DataType {
    pub fn as_str(self) -> &'static str {
        "credit_card"
    }
}

pub struct SensitiveMatch {
    pub ty: DataType,
    pub location: String,
    pub masked: String,
    pub field_index: usize,
    pub span: std::ops::Range<usize>,
}

pub struct SensitiveScanner {
    card: regex::Regex,
}

impl SensitiveScanner {
    pub fn new() -> Result<SensitiveScanner, String> {
        Ok(SensitiveScanner { card: regex::Regex::new(r"\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,4}\b").map_err(|e| e.to_string())? })
    }

    pub fn scan(&self, fields: &[Field<'_>], out: &mut Vec<SensitiveMatch>) {
        for (i, f) in fields.iter().enumerate() {
            for m in self.card.find_iter(&f.value) {
                let digits: Vec<u32> = m.as_str().chars().filter_map(|c| c.to_digit(10)).collect();
                if (13..=19).contains(&digits.len()) && luhn(&digits) {
                    out.push(SensitiveMatch {
                        ty: DataType::CreditCard,
                        location: f.location(),
                        masked: crate::redact::mask_keep_last(m.as_str(), 4),
                        field_index: i,
                        span: m.range(),
                    });
                }
            }
        }
    }
}

fn luhn(d: &[u32]) -> bool {
    let sum: u32 = d.iter().rev().enumerate().map(|(i, &x)| if i % 2 == 1 { let y = x * 2; if y > 9 { y - 9 } else { y } } else { x }).sum();
    sum % 10 == 0
}

pub fn findings(matches: &[SensitiveMatch], _fields: &[Field<'_>]) -> Vec<Finding> {
    matches
        .iter()
        .map(|m| Finding::new(format!("sensitive.{}", m.ty.as_str()), Owasp::Api3, Severity::High, 0.9, m.location.clone(), m.masked.clone()))
        .collect()
}

pub fn counts(matches: &[SensitiveMatch]) -> BTreeMap<DataType, u32> {
    let mut c = BTreeMap::new();
    for m in matches {
        *c.entry(m.ty).or_insert(0) += 1;
    }
    c
}
