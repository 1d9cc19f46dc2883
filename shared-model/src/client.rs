//! Client: who is calling, as a stable keyed hash, and which credential they presented.
//!
//! Sources are tried in the configured order and the first that yields wins: `jwt_sub` (the `sub`
//! claim of an *unverified* `Authorization: Bearer` JWT: identification, not authentication; the
//! gateway or the service verifies), `header:NAME`, `cookie:NAME`, `xff` (the left-most
//! `x-forwarded-for` address, i.e. the address the first proxy saw; only meaningful behind proxies
//! you trust), `source` (the peer address). The raw value never leaves this module: it is hashed
//! with SipHash-2-4 under a configured key, so logs can correlate a client without holding its token.

use crate::facts::RequestHead;
use crate::jwt::{Jwt, Tokens};
use serde::{Deserialize, Serialize};

/// One way of telling clients apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientSource {
    JwtSub,
    Header(String),
    Cookie(String),
    Xff,
    Source,
}

impl ClientSource {
    /// Parses `jwt_sub`, `header:NAME`, `cookie:NAME`, `xff`, `source`.
    pub fn parse(s: &str) -> Result<ClientSource, String> {
        let named = |name: &str, what: &str| -> Result<String, String> {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b';' && b != b'=') {
                Err(format!("{what} needs a name, as in {what}:x-api-key"))
            } else {
                Ok(name.to_string())
            }
        };
        match s.split_once(':') {
            Some(("header", name)) => Ok(ClientSource::Header(named(name, "header")?.to_ascii_lowercase())),
            Some(("cookie", name)) => Ok(ClientSource::Cookie(named(name, "cookie")?)),
            None if s == "jwt_sub" => Ok(ClientSource::JwtSub),
            None if s == "xff" => Ok(ClientSource::Xff),
            None if s == "source" => Ok(ClientSource::Source),
            _ => Err("expected jwt_sub, header:NAME, cookie:NAME, xff or source".to_string()),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            ClientSource::JwtSub => "jwt_sub",
            ClientSource::Header(_) => "header",
            ClientSource::Cookie(_) => "cookie",
            ClientSource::Xff => "xff",
            ClientSource::Source => "source",
        }
    }

    fn value(&self, head: &RequestHead, jwt: Option<&Jwt>) -> Option<String> {
        match self {
            ClientSource::JwtSub => jwt.and_then(|j| j.sub.clone()),
            ClientSource::Header(name) => head.header(name).map(str::trim).filter(|v| !v.is_empty()).map(String::from),
            ClientSource::Cookie(name) => cookie(head, name).map(String::from),
            ClientSource::Xff => forwarded_for(head).map(String::from),
            ClientSource::Source => peer(head).map(String::from),
        }
    }
}

/// The identified client: which source matched and the keyed hash of its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub kind: String,
    /// 16 hex digits; empty when no source yielded anything.
    pub id: String,
}

/// A SipHash key derived once from the configured string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashKey(u64, u64);

impl HashKey {
    pub fn new(secret: &str) -> HashKey {
        // Two FNV-1a passes with different offsets spread any string over the 128-bit key.
        let fnv = |basis: u64| secret.bytes().fold(basis, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
        HashKey(fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142))
    }

    /// SipHash-2-4 of `data`, as 16 hex digits.
    pub fn hash_hex(&self, data: &[u8]) -> String {
        format!("{:016x}", self.hash(data))
    }

    /// SipHash-2-4 of `data`: object ids hash like client identities, so an id equal to the
    /// client's own identity hashes to its client hash.
    pub fn hash(&self, data: &[u8]) -> u64 {
        siphash24(self.0, self.1, data)
    }
}

/// Identifies the client with the first source that yields a value; `jwt` is the request's
/// bearer token, parsed once by the caller ([`bearer_jwt`]).
pub fn identify(head: &RequestHead, jwt: Option<&Jwt>, sources: &[ClientSource], key: &HashKey) -> Client {
    for s in sources {
        if let Some(v) = s.value(head, jwt) {
            return Client { kind: s.kind().to_string(), id: key.hash_hex(v.as_bytes()) };
        }
    }
    Client { kind: "none".to_string(), id: String::new() }
}

/// The address a request comes from, as the client sources trust it: what the first `xff` or
/// `source` among `sources` yields (the left-most `x-forwarded-for` behind trusted proxies), else
/// the peer address. Failed logins are counted per address as well as per client.
pub fn address<'a>(head: &'a RequestHead, sources: &[ClientSource]) -> Option<&'a str> {
    sources
        .iter()
        .find_map(|s| match s {
            ClientSource::Xff => forwarded_for(head),
            ClientSource::Source => peer(head),
            _ => None,
        })
        .or_else(|| peer(head))
}

/// The left-most `x-forwarded-for` address.
fn forwarded_for(head: &RequestHead) -> Option<&str> {
    head.header("x-forwarded-for").and_then(|v| v.split(',').next()).map(str::trim).filter(|v| !v.is_empty())
}

fn peer(head: &RequestHead) -> Option<&str> {
    head.source.as_deref().filter(|s| !s.is_empty())
}

/// The kind of credential the request carries: `bearer`, `basic`, `api_key`, `cookie` or `none`.
pub fn auth_kind(head: &RequestHead) -> &'static str {
    if let Some(a) = head.header("authorization") {
        let scheme = a.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        return match scheme.as_str() {
            "bearer" => "bearer",
            "basic" => "basic",
            _ => "other",
        };
    }
    const KEY_HEADERS: &[&str] = &["x-api-key", "api-key", "apikey", "x-auth-token", "x-access-token"];
    if KEY_HEADERS.iter().any(|h| head.header(h).is_some()) {
        return "api_key";
    }
    if let Some(c) = head.header("cookie") {
        let session = c.split(';').any(|p| {
            let name = p.split('=').next().unwrap_or("").trim().to_ascii_lowercase();
            name.contains("sess") || name == "sid" || name.contains("token") || name.contains("auth")
        });
        if session {
            return "cookie";
        }
    }
    "none"
}

/// The request's bearer token parsed as a JWT (unverified), when it is one; `tokens` remembers
/// the tokens parsed lately.
pub fn bearer_jwt(head: &RequestHead, tokens: &Tokens) -> Option<Jwt> {
    let a = head.header("authorization")?;
    let (scheme, token) = a.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| tokens.parse(token.trim()))?
}

fn cookie<'a>(head: &'a RequestHead, name: &str) -> Option<&'a str> {
    head.headers
        .iter()
        .filter(|(k, _)| k == "cookie")
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// SipHash-2-4 (Aumasson and Bernstein), the keyed hash std uses for HashMap, written out because
/// std's keyed variant is deprecated and its default hasher is not stable across Rust releases.
fn siphash24(k0: u64, k1: u64, data: &[u8]) -> u64 {
    let mut v = [k0 ^ 0x736f_6d65_7073_6575, k1 ^ 0x646f_7261_6e64_6f6d, k0 ^ 0x6c79_6765_6e65_7261, k1 ^ 0x7465_6462_7974_6573];
    fn round(v: &mut [u64; 4]) {
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let m = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        v[3] ^= m;
        round(&mut v);
        round(&mut v);
        v[0] ^= m;
    }
    let mut last = (data.len() as u64) << 56;
    for (i, b) in chunks.remainder().iter().enumerate() {
        last |= (*b as u64) << (8 * i);
    }
    v[3] ^= last;
    round(&mut v);
    round(&mut v);
    v[0] ^= last;
    v[2] ^= 0xff;
    for _ in 0..4 {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_the_trusted_one() {
        let mut h = head(&[("x-forwarded-for", "203.0.113.7, 10.0.0.1")]);
        h.source = Some("10.0.0.2".into());
        let all = crate::config::Config::default().client_id;
        assert_eq!(address(&h, &all), Some("203.0.113.7"), "xff is a default source");
        assert_eq!(address(&h, &[ClientSource::Source, ClientSource::Xff]), Some("10.0.0.2"), "the first listed wins");
        assert_eq!(address(&h, &[ClientSource::JwtSub]), Some("10.0.0.2"), "untrusted xff: the peer");
        h.headers.clear();
        assert_eq!(address(&h, &all), Some("10.0.0.2"));
        h.source = None;
        assert_eq!(address(&h, &all), None);
    }

    fn head(headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            source: Some("10.0.0.9".into()),
            ..Default::default()
        }
    }

    /// `identify` as the engine calls it, with the head's bearer JWT.
    fn identify_(head: &RequestHead, sources: &[ClientSource], key: &HashKey) -> Client {
        identify(head, bearer_jwt(head, &Tokens::default()).as_ref(), sources, key)
    }

    fn sources() -> Vec<ClientSource> {
        ["jwt_sub", "header:X-Api-Key", "cookie:session", "xff", "source"].iter().map(|s| ClientSource::parse(s).unwrap()).collect()
    }

    #[test]
    fn siphash_matches_the_reference_vector() {
        // Reference: key 00..0f, message 00..0e (15 bytes) -> a129ca6149be45e5 (SipHash paper, appendix A).
        let k0 = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
        let k1 = u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]);
        let msg: Vec<u8> = (0..15).collect();
        assert_eq!(siphash24(k0, k1, &msg), 0xa129_ca61_49be_45e5);
    }

    #[test]
    fn first_source_that_yields_wins() {
        let key = HashKey::new("k");
        // {"sub":"alice"} unsigned
        let jwt = "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
        let c = identify_(&head(&[("authorization", jwt), ("x-api-key", "k1")]), &sources(), &key);
        assert_eq!(c.kind, "jwt_sub");
        assert_eq!(c.id, key.hash_hex(b"alice"));
        assert_eq!(identify_(&head(&[("x-api-key", "k1")]), &sources(), &key).kind, "header");
        assert_eq!(identify_(&head(&[("cookie", "a=1; session=xyz")]), &sources(), &key).kind, "cookie");
        let xff = identify_(&head(&[("x-forwarded-for", "1.2.3.4, 10.0.0.1")]), &sources(), &key);
        assert_eq!((xff.kind.as_str(), xff.id.clone()), ("xff", key.hash_hex(b"1.2.3.4")));
        assert_eq!(identify_(&head(&[("authorization", "Bearer not-a-jwt")]), &sources(), &key).kind, "source");
    }

    #[test]
    fn hash_is_keyed_and_never_raw() {
        let c1 = identify_(&head(&[("x-api-key", "secret-key")]), &sources(), &HashKey::new("a"));
        let c2 = identify_(&head(&[("x-api-key", "secret-key")]), &sources(), &HashKey::new("b"));
        assert_ne!(c1.id, c2.id);
        assert!(!c1.id.contains("secret"));
        assert_eq!(c1.id.len(), 16);
    }

    #[test]
    fn parses_sources_and_refuses_bad_ones() {
        assert_eq!(ClientSource::parse("header:X-Key").unwrap(), ClientSource::Header("x-key".into()));
        assert!(ClientSource::parse("header:").is_err());
        assert!(ClientSource::parse("jwt").is_err());
        assert!(ClientSource::parse("cookie:a b").is_err());
    }

    #[test]
    fn auth_kinds() {
        assert_eq!(auth_kind(&head(&[("authorization", "Bearer x")])), "bearer");
        assert_eq!(auth_kind(&head(&[("authorization", "Basic eA==")])), "basic");
        assert_eq!(auth_kind(&head(&[("x-api-key", "x")])), "api_key");
        assert_eq!(auth_kind(&head(&[("cookie", "theme=dark; sessionid=1")])), "cookie");
        assert_eq!(auth_kind(&head(&[("cookie", "theme=dark")])), "none");
        assert_eq!(auth_kind(&head(&[])), "none");
    }

}
