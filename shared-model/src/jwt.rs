//! The unverified claims of a bearer JWT that Vigil reads: `sub` names the client (see
//! [`crate::client`]), `alg`, `exp` and `iat` feed the token-hygiene posture checks.
//!
//! Parsed once per request into a typed view (serde skips every other claim without building a
//! JSON tree). Nothing here verifies a signature: the gateway or the API does that; Vigil only
//! needs a stable name for the caller and the token's advertised properties.

use crate::normalize::base64url_decode;
use serde::Deserialize;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Mutex;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Jwt {
    /// The header's `alg` (required: without it the token is not a JWT).
    pub alg: String,
    /// `sub` as text (a numeric subject is written in decimal); `None` when absent or empty.
    pub sub: Option<String>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Claims {
    sub: Loose,
    exp: Loose,
    iat: Loose,
}

/// A claim of any JSON type: the ones of the expected type are used, the rest ignored (a token
/// with an odd claim is still a token). Read by hand: serde's untagged enums buffer every value.
#[derive(Default)]
enum Loose {
    Text(String),
    Int(i64),
    Float(f64),
    #[default]
    Other,
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> serde::de::Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::Text(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
        Ok(i64::try_from(v).map_or(Loose::Other, Loose::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
        Ok(if v.is_finite() { Loose::Float(v) } else { Loose::Other })
    }
    fn visit_bool<E>(self, _: bool) -> Result<Loose, E> {
        Ok(Loose::Other)
    }
    fn visit_unit<E>(self) -> Result<Loose, E> {
        Ok(Loose::Other)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Loose::Other)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
        Ok(Loose::Other)
    }
}

impl Loose {
    fn int(&self) -> Option<i64> {
        match self {
            Loose::Int(n) => Some(*n),
            Loose::Float(f) => Some(*f as i64),
            _ => None,
        }
    }

    fn text(self) -> Option<String> {
        match self {
            Loose::Text(s) if !s.is_empty() => Some(s),
            Loose::Int(n) => Some(n.to_string()),
            Loose::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }
}

impl Jwt {
    /// Parses `header.payload.signature` (the signature may be empty, as with `alg: none`).
    pub fn parse(token: &str) -> Option<Jwt> {
        let mut parts = token.split('.');
        let (h, p) = (parts.next()?, parts.next()?);
        parts.next()?;
        let header: Header = object(&base64url_decode(h.as_bytes())?)?;
        let claims: Claims = object(&base64url_decode(p.as_bytes())?)?;
        Some(Jwt { alg: header.alg, exp: claims.exp.int(), iat: claims.iat.int(), sub: claims.sub.text() })
    }
}

/// Slots of [`Tokens`].
const TOKEN_SLOTS: usize = 256;

/// Bearer tokens parsed lately. A client presents the same token on every call, and decoding it
/// (two base64url parts, two JSON objects) was about a fifteenth of a GET's work; parsing is a
/// pure function of the token, so a remembered result is exactly what parsing again would give.
/// Direct-mapped by a fingerprint under a key drawn per engine (as [`crate::memo`] does), 256
/// slots: bounded, and a lost entry costs one parse.
pub struct Tokens {
    key: RandomState,
    /// (fingerprint, what the token parsed to); fingerprint 0 is an empty slot (they are odd).
    slots: Mutex<Vec<(u64, Option<Jwt>)>>,
}

impl Default for Tokens {
    fn default() -> Tokens {
        Tokens { key: RandomState::new(), slots: Mutex::new(vec![(0, None); TOKEN_SLOTS]) }
    }
}

impl Tokens {
    /// [`Jwt::parse`], remembered.
    pub fn parse(&self, token: &str) -> Option<Jwt> {
        let fingerprint = self.key.hash_one(token) | 1;
        let slot = (fingerprint >> 1) as usize % TOKEN_SLOTS;
        if let Some((seen, jwt)) = self.slots.lock().ok().as_ref().and_then(|s| s.get(slot)) {
            if *seen == fingerprint {
                return jwt.clone();
            }
        }
        let jwt = Jwt::parse(token);
        if let Some(entry) = self.slots.lock().ok().as_mut().and_then(|s| s.get_mut(slot)) {
            *entry = (fingerprint, jwt.clone());
        }
        jwt
    }
}

/// A JSON object into `T` (serde would also accept an array for a struct; a JWT part never is one).
fn object<T: serde::de::DeserializeOwned>(json: &[u8]) -> Option<T> {
    let first = json.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    serde_json::from_slice(json).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let b = s.as_bytes();
        let mut out = String::new();
        for c in b.chunks(3) {
            let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..=c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }

    fn token(header: &str, payload: &str) -> String {
        format!("{}.{}.sig", b64(header), b64(payload))
    }

    #[test]
    fn reads_the_claims_it_needs() {
        let t = token(r#"{"alg":"HS256","typ":"JWT"}"#, r#"{"sub":"user-1","scope":["a"],"iat":1700000000,"exp":1700003600.5}"#);
        let j = Jwt::parse(&t).unwrap();
        assert_eq!(j, Jwt { alg: "HS256".into(), sub: Some("user-1".into()), exp: Some(1700003600), iat: Some(1700000000) });
    }

    #[test]
    fn remembered_tokens_parse_as_parsing_does() {
        let tokens = Tokens::default();
        // More tokens than slots, each asked twice, interleaved: hits, misses and evictions.
        let all: Vec<String> = (0..3 * TOKEN_SLOTS)
            .map(|i| match i % 3 {
                0 => token(r#"{"alg":"HS256"}"#, &format!(r#"{{"sub":"user-{i}","exp":{i}}}"#)),
                1 => format!("opaque-{i}"),
                _ => token(r#"{"alg":"none"}"#, &format!(r#"{{"sub":{i}}}"#)),
            })
            .collect();
        for round in 0..2 {
            for (i, t) in all.iter().enumerate() {
                let t = if round == 1 { &all[all.len() - 1 - i] } else { t };
                assert_eq!(tokens.parse(t), Jwt::parse(t), "{t}");
                assert_eq!(tokens.parse(t), Jwt::parse(t), "{t} again");
            }
        }
    }

    #[test]
    fn numeric_subjects_and_odd_claims() {
        let j = Jwt::parse(&token(r#"{"alg":"none"}"#, r#"{"sub":42,"exp":"tomorrow"}"#)).unwrap();
        assert_eq!((j.sub.as_deref(), j.exp), (Some("42"), None));
        let j = Jwt::parse(&token(r#"{"alg":"RS256"}"#, r#"{"sub":"","iat":{"x":1}}"#)).unwrap();
        assert_eq!((j.sub, j.iat), (None, None));
    }

    #[test]
    fn refuses_what_is_not_a_jwt() {
        for t in ["not-a-jwt", "a.b", &token(r#"{"typ":"JWT"}"#, r#"{"sub":"a"}"#), &token(r#"{"alg":"HS256"}"#, "[1,2]"), "%%%.%%%.x"] {
            assert_eq!(Jwt::parse(t), None, "{t}");
        }
    }
}
