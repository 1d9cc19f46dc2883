//! Evaluation: labelled corpus cases through the same engine the filter runs, tallied per group.
//!
//! Shared by `vigil eval` and the corpus tests, so the figures in the README and the ones the
//! tests assert are computed one way. An HTTP case goes through [`Engine`] exactly as the filter
//! feeds it (head, body, end of request, then the response when the case has one). Two outcomes
//! are kept apart: `attack` is the verdict over the `attack.*` findings alone (is this request an
//! attack?), `overall` the full verdict (which may also flag sensitive data or posture). Cases
//! that test the response (CRS `RESPONSE-95x`: SQL errors, stack traces, PHP source, web shells
//! in response bodies) are scored on a leak finding instead ([`LEAK_KINDS`]). A string
//! case is scanned for sensitive data as free text and as a JSON value under its category's
//! natural key; [`SENSITIVE_CATEGORIES`] says which Vigil types count as found.

use crate::corpus::{HttpCase, Label, StringCase};
use crate::engine::Engine;
use crate::facts::ResponseHead;
use crate::fields::{Field, Part, ValueType};
use crate::finding::Finding;
use crate::sensitive::{DataType, SensitiveMatch, SensitiveScanner};
use crate::verdict::{decide, Decision};
use std::borrow::Cow;

/// Detection counts for one group of cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Positive cases (attack / sensitive) and how many were detected.
    pub positives: u32,
    pub detected: u32,
    /// Negative cases (benign / not sensitive) and how many were (wrongly) flagged.
    pub negatives: u32,
    pub flagged: u32,
}

impl Tally {
    pub fn add(&mut self, positive: bool, hit: bool) {
        if positive {
            self.positives += 1;
            self.detected += u32::from(hit);
        } else {
            self.negatives += 1;
            self.flagged += u32::from(hit);
        }
    }

    pub fn merge(&mut self, o: &Tally) {
        self.positives += o.positives;
        self.detected += o.detected;
        self.negatives += o.negatives;
        self.flagged += o.flagged;
    }

    /// Share of positives detected (recall); 1 when there are none.
    pub fn detection_rate(&self) -> f64 {
        ratio(self.detected, self.positives, 1.0)
    }

    /// Share of negatives flagged (false-positive rate); 0 when there are none.
    pub fn false_positive_rate(&self) -> f64 {
        ratio(self.flagged, self.negatives, 0.0)
    }

    /// Of everything flagged or detected, the share that was positive; 1 when nothing was.
    pub fn precision(&self) -> f64 {
        ratio(self.detected, self.detected + self.flagged, 1.0)
    }
}

fn ratio(n: u32, d: u32, empty: f64) -> f64 {
    if d == 0 {
        empty
    } else {
        f64::from(n) / f64::from(d)
    }
}

/// The finding kinds that say a response leaks what it must not (internals, a backdoor's page).
/// They are posture of the API (API8), not attacks by the client, so they never enter the attack
/// verdict; they are what the response-side CRS rules (`RESPONSE-95x`) test.
pub const LEAK_KINDS: &[&str] = &["posture.verbose_error", "posture.web_shell"];

/// What the engine made of one HTTP case.
#[derive(Debug, Clone)]
pub struct HttpOutcome {
    /// Verdict over the attack findings alone.
    pub attack: Decision,
    /// The full verdict.
    pub overall: Decision,
    /// A response-side case whose response got a [`LEAK_KINDS`] finding.
    pub leak: bool,
    pub findings: Vec<Finding>,
}

impl HttpOutcome {
    pub fn is_attack(&self) -> bool {
        self.attack != Decision::Allow
    }

    /// What the case is scored on: the attack verdict, or for a response-side case, a leak.
    pub fn detected(&self) -> bool {
        self.is_attack() || self.leak
    }
}

/// Whether the case tests the response (a CRS `RESPONSE-*` rule file) rather than the request.
pub fn is_response_case(case: &HttpCase) -> bool {
    case.response.is_some() && case.source.contains("/RESPONSE-")
}

/// Runs one HTTP case through the engine as the filter would.
pub fn run_http(engine: &Engine, case: &HttpCase) -> HttpOutcome {
    let mut ex = engine.start(case.request_head());
    engine.request_body(&mut ex, case.body());
    engine.end_request(&mut ex);
    if let Some(r) = &case.response {
        let headers = r.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
        engine.response_head(&mut ex, ResponseHead { status: r.status, headers });
        engine.response_body(&mut ex, r.body.as_bytes());
    }
    let overall = engine.end_response(&mut ex).decision;
    let attacks: Vec<Finding> = ex.findings.iter().filter(|f| f.kind.starts_with("attack.")).cloned().collect();
    let attack = decide(&attacks, &engine.config().thresholds, 1.0, false).decision;
    let leak = is_response_case(case) && ex.findings.iter().any(|f| LEAK_KINDS.contains(&f.kind.as_ref()));
    HttpOutcome { attack, overall, leak, findings: ex.findings.clone() }
}

/// The group an HTTP case is reported in: the CRS rule file and paranoia level for CRS cases
/// (`crs:942-SQLI:PL1`), else `<file>:<category>`.
pub fn http_group(file: &str, case: &HttpCase) -> String {
    if let Some(pl) = case.meta_u64("rule_paranoia_level") {
        // `.../REQUEST-942-APPLICATION-ATTACK-SQLI/942100.yaml` -> `942-APPLICATION-ATTACK-SQLI`
        let rule_file = case
            .source
            .split('/')
            .find(|s| s.starts_with("REQUEST-") || s.starts_with("RESPONSE-"))
            .map(|s| s.split_once('-').map_or(s, |(_, rest)| rest))
            .unwrap_or("other");
        return format!("{file}:{rule_file}:PL{pl}");
    }
    format!("{file}:{}", case.category)
}

/// Corpus category -> (Vigil types that count as found, natural JSON key).
/// `None` for a category Vigil has no type for.
pub fn sensitive_category(category: &str) -> Option<(&'static [DataType], Option<&'static str>)> {
    SENSITIVE_CATEGORIES.iter().find(|(c, _, _)| *c == category).map(|(_, t, k)| (*t, *k))
}

use DataType as T;

/// The corpus categories Vigil supports, with the types that count and the key that gives
/// context. Categories whose negatives are country- or vendor-specific while Vigil's type is
/// generic (a UK-passport negative `A12345678` is a valid US passport number), or whose dates are
/// not dates of birth, are in [`SENSITIVE_INFORMATIONAL`]: measured, not held to the bar.
pub const SENSITIVE_CATEGORIES: &[(&str, &[DataType], Option<&str>)] = &[
    ("pii:aba_routing_number", &[T::AbaRouting], Some("routing_number")),
    ("pii:credit_card", &[T::CreditCard], Some("card_number")),
    ("pii:email_address", &[T::Email], Some("email")),
    ("pii:es_nie", &[T::EsDni], Some("nie")),
    ("pii:es_nif", &[T::EsDni], Some("nif")),
    ("pii:iban_code", &[T::Iban], Some("iban")),
    ("pii:in_aadhaar", &[T::InAadhaar], Some("aadhaar")),
    ("pii:ip_address", &[T::IpAddress, T::InternalIp], None),
    ("pii:it_fiscal_code", &[T::ItFiscalCode], Some("codice_fiscale")),
    ("pii:phone_number", &[T::Phone], Some("phone")),
    ("pii:uk_nino", &[T::UkNino], Some("nino")),
    ("pii:us_itin", &[T::Itin], Some("itin")),
    ("pii:us_ssn", &[T::Ssn], Some("ssn")),
    ("pii:ip_public", &[T::IpAddress], None),
    ("secret:aws_key", &[T::AwsAccessKey, T::AwsSecretKey], None),
    ("secret:azure_storage_key", &[T::AzureStorageKey], None),
    ("secret:basic_auth_url", &[T::BasicAuthUrl], None),
    ("secret:github_token", &[T::GithubToken], None),
    ("secret:gitlab_token", &[T::GitlabToken], None),
    ("secret:jwt", &[T::Jwt], None),
    ("secret:mailchimp_key", &[T::MailchimpKey], None),
    ("secret:npm", &[T::NpmToken], None),
    ("secret:openai", &[T::OpenaiKey], None),
    ("secret:private_key", &[T::PrivateKey], None),
    ("secret:pypi_token", &[T::PypiToken], None),
    ("secret:sendgrid", &[T::SendgridKey], None),
    ("secret:slack", &[T::SlackToken], None),
    ("secret:square_oauth", &[T::SquareToken], None),
    ("secret:stripe_key", &[T::StripeKey], None),
    ("secret:telegram_token", &[T::TelegramBotToken], None),
    ("secret:twilio", &[T::TwilioKey], None),
];

/// Measured and printed, not held to the bar (see [`SENSITIVE_CATEGORIES`]).
pub const SENSITIVE_INFORMATIONAL: &[(&str, &[DataType], Option<&str>)] = &[
    ("pii:us_passport", &[T::Passport], Some("passport_number")),
    ("pii:uk_passport", &[T::Passport], Some("passport_number")),
    ("pii:in_passport", &[T::Passport], Some("passport_number")),
    ("pii:es_passport", &[T::Passport], Some("passport_number")),
    ("pii:it_passport", &[T::Passport], Some("passport_number")),
    ("pii:kr_passport", &[T::Passport], Some("passport_number")),
    ("pii:de_passport", &[T::Passport], Some("passport_number")),
    ("pii:ph_mobile_number", &[T::Phone], Some("phone")),
    ("pii:tr_phone_number", &[T::Phone], Some("phone")),
    ("pii:date_time", &[T::DateOfBirth], Some("date_of_birth")),
    ("secret:cloudant", &[T::GenericSecret, T::Password, T::BasicAuthUrl], None),
    ("secret:ibm_cloud_iam", &[T::GenericSecret, T::Password], None),
    ("secret:ibm_cos_hmac", &[T::GenericSecret, T::Password], None),
    ("secret:softlayer", &[T::GenericSecret, T::Password], None),
];

/// The fields a string case is scanned as: free text, and `{"<key>": text}` when a key is given.
pub fn string_fields<'a>(text: &'a str, key: Option<&str>) -> Vec<Field<'a>> {
    let field = |name: String| Field { part: Part::ResponseBody, name: Cow::Owned(name), value: Cow::Borrowed(text), ty: ValueType::Text };
    let mut fields = vec![field(String::new())];
    if let Some(k) = key {
        fields.push(field(format!("$.{k}")));
    }
    fields
}

/// Scans a string case; `None` when its category is not one Vigil scores. Returns whether a
/// counting type was found, and the matches (for leak checks).
pub fn run_string(scanner: &SensitiveScanner, case: &StringCase, table: &[(&str, &[DataType], Option<&str>)]) -> Option<(bool, Vec<SensitiveMatch>)> {
    let (_, types, key) = table.iter().find(|(c, _, _)| *c == case.category)?;
    let fields = string_fields(&case.text, *key);
    let mut matches = Vec::new();
    scanner.scan(&fields, &mut matches);
    let found = matches.iter().any(|m| types.contains(&m.ty));
    Some((found, matches))
}

/// Whether a labelled case is a positive (attack or sensitive).
pub fn is_positive(label: Label) -> bool {
    matches!(label, Label::Attack | Label::Sensitive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn tally_rates() {
        let mut t = Tally::default();
        t.add(true, true);
        t.add(true, false);
        t.add(false, true);
        t.add(false, false);
        t.add(false, false);
        assert_eq!(t.detection_rate(), 0.5);
        assert!((t.false_positive_rate() - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(t.precision(), 0.5);
        assert_eq!(Tally::default().detection_rate(), 1.0);
    }

    #[test]
    fn http_case_through_the_engine() {
        let line = r#"{"id":"x","source":"coreruleset/coreruleset@abc:tests/regression/tests/REQUEST-942-APPLICATION-ATTACK-SQLI/942100.yaml","label":"attack","category":"sqli","request":{"method":"GET","path":"/?id=1%27%20OR%20%271%27%3D%271","headers":[["Host","localhost"]],"body":""},"meta":{"rule_paranoia_level":1}}"#;
        let cases = crate::corpus::parse_jsonl(line).unwrap();
        let crate::corpus::Case::Http(case) = &cases[0] else { panic!("an HTTP case") };
        let engine = Engine::new(Config::default()).unwrap();
        let out = run_http(&engine, case);
        assert!(out.is_attack(), "{:?}", out.findings);
        assert_eq!(http_group("crs", case), "crs:942-APPLICATION-ATTACK-SQLI:PL1");
    }

    #[test]
    fn string_case_counts_only_its_types() {
        let scanner = SensitiveScanner::new().unwrap();
        let case = StringCase {
            id: "s".into(),
            source: String::new(),
            label: Label::Sensitive,
            category: "pii:us_ssn".into(),
            text: "536-22-8726".into(),
            meta: serde_json::Value::Null,
        };
        assert_eq!(run_string(&scanner, &case, SENSITIVE_CATEGORIES).map(|r| r.0), Some(true));
        let other = StringCase { category: "pii:unknown_thing".into(), ..case };
        assert!(run_string(&scanner, &other, SENSITIVE_CATEGORIES).is_none());
    }
}
