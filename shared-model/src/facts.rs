//! Facts: what the proxy saw of one exchange, as plain data.
//!
//! The filter fills these from Envoy callbacks; tests and `vigil eval` fill them from files. Header
//! names are lower-case (HTTP/2 and Envoy normalise them); values were converted from bytes lossily,
//! so invalid UTF-8 shows as U+FFFD and never stops inspection. Bodies are bounded copies: the
//! exchange records how many bytes it saw beyond the inspection limit, so nothing is skipped silently.

/// The request line and headers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestHead {
    pub method: String,
    /// `:path` as received: path and query, still percent-encoded.
    pub path: String,
    pub authority: String,
    /// `http` or `https` as Envoy saw it (`:scheme`).
    pub scheme: String,
    /// The protocol version as the request line gave it (`HTTP/1.1`); empty when unknown. Envoy's
    /// codecs reject malformed versions before any filter runs, so the filter leaves it empty;
    /// recorded and replayed requests (logs, the corpus) carry it.
    pub version: String,
    /// Lower-case names, in arrival order; repeated headers stay repeated.
    pub headers: Vec<(String, String)>,
    /// Downstream peer address without port, when the proxy knows it.
    pub source: Option<String>,
}

impl RequestHead {
    /// The first value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The path without the query string.
    pub fn path_only(&self) -> &str {
        split_query(&self.path).0
    }

    /// The raw query string: everything after the first `?`. A `#` there is kept: clients never
    /// send fragments, so one in a request target is attacker-chosen bytes (and part of every HTML
    /// character reference such as `&#x6A;`) that must be inspected, not cut off.
    pub fn query(&self) -> Option<&str> {
        split_query(&self.path).1
    }
}

/// The response status and headers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseHead {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl ResponseHead {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// A bounded copy of a body that arrives in chunks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body {
    bytes: Vec<u8>,
    seen: u64,
    limit: usize,
}

impl Body {
    /// An empty body that keeps at most `limit` bytes.
    pub fn with_limit(limit: usize) -> Body {
        Body { bytes: Vec::new(), seen: 0, limit }
    }

    /// Appends a chunk, keeping what fits under the limit. Returns how many bytes were kept.
    pub fn push(&mut self, chunk: &[u8]) -> usize {
        self.seen += chunk.len() as u64;
        let room = self.limit.saturating_sub(self.bytes.len());
        let take = room.min(chunk.len());
        self.bytes.extend_from_slice(&chunk[..take]);
        take
    }

    /// Counts `n` bytes that went past without being copied (the caller knew they would not fit).
    pub fn skip(&mut self, n: usize) {
        self.seen += n as u64;
    }

    /// How many more bytes would be kept.
    pub fn room(&self) -> usize {
        self.limit.saturating_sub(self.bytes.len())
    }

    /// The bytes kept for inspection.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Every byte that went past, inspected or not.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// Bytes that went past the inspection limit and were not inspected.
    pub fn uninspected(&self) -> u64 {
        self.seen - self.bytes.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.seen == 0
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn split_query(path: &str) -> (&str, Option<&str>) {
    let (before, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    (before.split('#').next().unwrap_or(before), query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_keeps_up_to_limit_and_counts_the_rest() {
        let mut b = Body::with_limit(5);
        assert_eq!(b.push(b"abc"), 3);
        assert_eq!(b.push(b"defg"), 2);
        assert_eq!(b.bytes(), b"abcde");
        assert_eq!(b.seen(), 7);
        assert_eq!(b.uninspected(), 2);
    }

    #[test]
    fn splits_path_and_query() {
        let h = RequestHead { path: "/a/b?x=1&y=2#frag".into(), ..Default::default() };
        assert_eq!(h.path_only(), "/a/b");
        assert_eq!(h.query(), Some("x=1&y=2#frag"), "a fragment in a request target is inspected");
        let h = RequestHead { path: "/a#x?y".into(), ..Default::default() };
        assert_eq!((h.path_only(), h.query()), ("/a", Some("y")));
        let h = RequestHead { path: "/a".into(), ..Default::default() };
        assert_eq!(h.query(), None);
    }
}
