//! Context: what a JSON key, parameter or header name (or the words just before a value in
//! free text) says about the value.
//!
//! Many sensitive values have no distinctive shape of their own: nine bare digits are an SSN, a
//! routing number or an order id; `Jane Doe` is a name only under `first_name`. Detectors mark
//! such candidates *weak*; a weak candidate is reported only when its context class is present.
//! Context comes from one case-insensitive Aho-Corasick pass over the key (or a window of text),
//! and a keyword counts only at word edges (`_`, `-`, `.`, space, digits, camelCase), so `pan`
//! does not fire inside `company` and `dob` not inside `adobe`.

use super::bytes;

/// A set of context classes, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ctx(pub u32);

impl Ctx {
    pub const NONE: Ctx = Ctx(0);
    pub const SSN: Ctx = Ctx(1);
    pub const TAX: Ctx = Ctx(1 << 1);
    pub const ROUTING: Ctx = Ctx(1 << 2);
    pub const PHONE: Ctx = Ctx(1 << 3);
    pub const AADHAAR: Ctx = Ctx(1 << 4);
    pub const PAN: Ctx = Ctx(1 << 5);
    pub const PASSPORT: Ctx = Ctx(1 << 6);
    pub const DOB: Ctx = Ctx(1 << 7);
    pub const NAME: Ctx = Ctx(1 << 8);
    pub const ADDRESS: Ctx = Ctx(1 << 9);
    pub const SECRET: Ctx = Ctx(1 << 10);
    pub const PASSWORD: Ctx = Ctx(1 << 11);
    pub const AWS: Ctx = Ctx(1 << 12);
    pub const FISCAL: Ctx = Ctx(1 << 13);
    /// Words that say a secret-looking key holds no secret (`next_page_token`, `token_type`).
    const NOT_SECRET: Ctx = Ctx(1 << 30);
    /// Words that say an `address` key holds no postal address (`ip_address`, `email_address`).
    const NOT_ADDRESS: Ctx = Ctx(1 << 31);

    pub fn has(self, other: Ctx) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn with(self, other: Ctx) -> Ctx {
        Ctx(self.0 | other.0)
    }

    fn without(self, other: Ctx) -> Ctx {
        Ctx(self.0 & !other.0)
    }
}

/// Keywords and the class each one implies. Matched case-insensitively at word edges.
const KEYWORDS: &[(&str, Ctx)] = &[
    ("ssn", Ctx::SSN),
    ("social security", Ctx::SSN),
    ("social_security", Ctx::SSN),
    ("socialsecurity", Ctx::SSN),
    ("social-security", Ctx::SSN),
    ("itin", Ctx::TAX),
    ("tin", Ctx::TAX),
    ("tax id", Ctx::TAX),
    ("tax_id", Ctx::TAX),
    ("taxid", Ctx::TAX),
    ("tax", Ctx::TAX),
    ("routing", Ctx::ROUTING),
    ("aba", Ctx::ROUTING),
    ("rtn", Ctx::ROUTING),
    ("phone", Ctx::PHONE),
    ("telephone", Ctx::PHONE),
    ("tel", Ctx::PHONE),
    ("mobile", Ctx::PHONE),
    ("cell", Ctx::PHONE),
    ("fax", Ctx::PHONE),
    ("msisdn", Ctx::PHONE),
    ("whatsapp", Ctx::PHONE),
    ("aadhaar", Ctx::AADHAAR),
    ("aadhar", Ctx::AADHAAR),
    ("uidai", Ctx::AADHAAR),
    ("pan", Ctx::PAN),
    ("pancard", Ctx::PAN),
    ("passport", Ctx::PASSPORT),
    ("pasaporte", Ctx::PASSPORT),
    ("passeport", Ctx::PASSPORT),
    ("reisepass", Ctx::PASSPORT),
    ("travel document", Ctx::PASSPORT),
    ("dob", Ctx::DOB),
    ("birth", Ctx::DOB),
    ("birthday", Ctx::DOB),
    ("birthdate", Ctx::DOB),
    ("born", Ctx::DOB),
    ("firstname", Ctx::NAME),
    ("first_name", Ctx::NAME),
    ("lastname", Ctx::NAME),
    ("last_name", Ctx::NAME),
    ("fullname", Ctx::NAME),
    ("full_name", Ctx::NAME),
    ("givenname", Ctx::NAME),
    ("given_name", Ctx::NAME),
    ("familyname", Ctx::NAME),
    ("family_name", Ctx::NAME),
    ("middlename", Ctx::NAME),
    ("middle_name", Ctx::NAME),
    ("maidenname", Ctx::NAME),
    ("surname", Ctx::NAME),
    ("cardholder", Ctx::NAME),
    ("holder_name", Ctx::NAME),
    ("holdername", Ctx::NAME),
    ("address", Ctx::ADDRESS),
    ("street", Ctx::ADDRESS),
    ("addr", Ctx::ADDRESS),
    ("address_line", Ctx::ADDRESS),
    ("addressline", Ctx::ADDRESS),
    ("secret", Ctx::SECRET),
    ("token", Ctx::SECRET),
    ("apikey", Ctx::SECRET),
    ("api_key", Ctx::SECRET),
    ("api-key", Ctx::SECRET),
    ("accesskey", Ctx::SECRET),
    ("access_key", Ctx::SECRET),
    ("privatekey", Ctx::SECRET),
    ("private_key", Ctx::SECRET),
    ("credential", Ctx::SECRET),
    ("credentials", Ctx::SECRET),
    ("authkey", Ctx::SECRET),
    ("auth_key", Ctx::SECRET),
    ("signing_key", Ctx::SECRET),
    ("client_secret", Ctx::SECRET),
    ("password", Ctx::PASSWORD),
    ("passwd", Ctx::PASSWORD),
    ("passphrase", Ctx::PASSWORD),
    ("pwd", Ctx::PASSWORD),
    ("pw", Ctx::PASSWORD),
    ("pass", Ctx::PASSWORD),
    ("aws", Ctx::AWS),
    ("codice fiscale", Ctx::FISCAL),
    ("codice_fiscale", Ctx::FISCAL),
    ("codicefiscale", Ctx::FISCAL),
    ("fiscal", Ctx::FISCAL),
    ("cf", Ctx::FISCAL),
    // Negative context.
    ("page", Ctx::NOT_SECRET),
    ("next", Ctx::NOT_SECRET),
    ("cursor", Ctx::NOT_SECRET),
    ("continuation", Ctx::NOT_SECRET),
    ("type", Ctx::NOT_SECRET),
    ("count", Ctx::NOT_SECRET),
    ("max", Ctx::NOT_SECRET),
    ("min", Ctx::NOT_SECRET),
    ("length", Ctx::NOT_SECRET),
    ("expires", Ctx::NOT_SECRET),
    ("expiry", Ctx::NOT_SECRET),
    ("expiration", Ctx::NOT_SECRET),
    ("ttl", Ctx::NOT_SECRET),
    ("id", Ctx::NOT_SECRET),
    ("ids", Ctx::NOT_SECRET),
    ("name", Ctx::NOT_SECRET),
    ("url", Ctx::NOT_SECRET),
    ("uri", Ctx::NOT_SECRET),
    ("at", Ctx::NOT_SECRET),
    ("date", Ctx::NOT_SECRET),
    ("policy", Ctx::NOT_SECRET),
    ("hint", Ctx::NOT_SECRET),
    ("reset", Ctx::NOT_SECRET),
    ("required", Ctx::NOT_SECRET),
    ("enabled", Ctx::NOT_SECRET),
    ("usage", Ctx::NOT_SECRET),
    ("limit", Ctx::NOT_SECRET),
    ("ip", Ctx::NOT_ADDRESS),
    ("ipv4", Ctx::NOT_ADDRESS),
    ("ipv6", Ctx::NOT_ADDRESS),
    ("ip_address", Ctx::NOT_ADDRESS),
    ("email", Ctx::NOT_ADDRESS),
    ("mail", Ctx::NOT_ADDRESS),
    ("mac", Ctx::NOT_ADDRESS),
    ("wallet", Ctx::NOT_ADDRESS),
    ("web", Ctx::NOT_ADDRESS),
    ("server", Ctx::NOT_ADDRESS),
    ("host", Ctx::NOT_ADDRESS),
    ("gateway", Ctx::NOT_ADDRESS),
    ("public", Ctx::NOT_ADDRESS),
    ("private", Ctx::NOT_ADDRESS),
    ("network", Ctx::NOT_ADDRESS),
    ("bind", Ctx::NOT_ADDRESS),
    ("listen", Ctx::NOT_ADDRESS),
    ("remote", Ctx::NOT_ADDRESS),
    ("ipaddress", Ctx::NOT_ADDRESS),
];

/// The compiled keyword matcher: the keywords by their first two letters.
///
/// PERF: a keyword counts only where a word starts, so instead of an Aho-Corasick pass (whose
/// per-call setup dominates on keys of a few bytes) only word starts are looked up: first in
/// the classes any keyword of that letter pair implies (most pairs have none, or none the
/// caller asks for), then against those keywords (rarely more than two). The result is a set,
/// so order is moot.
#[derive(Debug, Clone)]
pub struct Context {
    /// The keywords by their first two bytes ([`pair`]), folded to lower case.
    by_pair: Vec<Vec<(&'static [u8], Ctx)>>,
    /// The union of the classes of each slot's keywords.
    pair_classes: Vec<Ctx>,
}

/// A letter's place in the alphabet, either case; 26 for any other byte.
const LETTER: [u8; 256] = {
    let mut t = [26u8; 256];
    let mut c = 0;
    while c < 26 {
        t[b'a' as usize + c] = c as u8;
        t[b'A' as usize + c] = c as u8;
        c += 1;
    }
    t
};

/// The slot of a keyword starting with `first` (a letter) followed by `second` (any byte, or
/// none): 26 letters by 27 (letters, then anything else).
fn pair(first: u8, second: Option<u8>) -> usize {
    let f = usize::from(LETTER[usize::from(first)]).min(25);
    f * 27 + second.map_or(26, |c| usize::from(LETTER[usize::from(c)]))
}

/// The classes some negative word can take away, and that word's class.
const NEGATED: [(Ctx, Ctx); 2] = [(Ctx(Ctx::SECRET.0 | Ctx::PASSWORD.0), Ctx::NOT_SECRET), (Ctx::ADDRESS, Ctx::NOT_ADDRESS)];

impl Context {
    pub fn new() -> Result<Context, String> {
        let mut by_pair = vec![Vec::new(); 26 * 27];
        let mut pair_classes = vec![Ctx::NONE; 26 * 27];
        for &(k, c) in KEYWORDS {
            let b = k.as_bytes();
            // A keyword of one letter, or whose second byte is not a letter, would need every
            // slot of its first letter; there is none.
            if b.len() < 2 || !b[0].is_ascii_alphabetic() || !b[1].is_ascii_alphabetic() {
                return Err(format!("context keyword {k:?} must start with two letters"));
            }
            let slot = pair(b[0], Some(b[1]));
            if let (Some(list), Some(classes)) = (by_pair.get_mut(slot), pair_classes.get_mut(slot)) {
                list.push((b, c));
                *classes = classes.with(c);
            }
        }
        Ok(Context { by_pair, pair_classes })
    }

    /// The classes named in `text` (a key or a window of prose), negative words applied.
    pub fn classes(&self, text: &str) -> Ctx {
        self.classes_of(text, Ctx(u32::MAX))
    }

    /// Whether `text` names one of the classes in `need` (as `classes(text).has(need)`, reading
    /// only the keywords that can decide it).
    pub fn names(&self, text: &str, need: Ctx) -> bool {
        self.classes_of(text, need).has(need)
    }

    /// The classes of `interest` named in `text`, negative words applied.
    fn classes_of(&self, text: &str, interest: Ctx) -> Ctx {
        let interest = NEGATED.iter().fold(interest, |i, &(negated, by)| if i.has(negated) { i.with(by) } else { i });
        let b = text.as_bytes();
        let mut ctx = Ctx::NONE;
        // A word starts at a letter after a non-letter, or at camelCase's upper-case letter.
        let mut prev = 0u8;
        for (i, &c) in b.iter().enumerate() {
            let class = bytes::of(c) & bytes::ALPHA;
            let edge = class != 0 && (prev == 0 || (prev == bytes::LOWER && class == bytes::UPPER));
            prev = class;
            if !edge {
                continue;
            }
            let slot = pair(c, b.get(i + 1).copied());
            if !self.pair_classes.get(slot).map_or(false, |c| c.has(interest)) {
                continue;
            }
            let Some(list) = self.by_pair.get(slot) else { continue };
            let rest = &b[i..];
            for &(k, class) in list {
                if rest.len() >= k.len() && rest[..k.len()].eq_ignore_ascii_case(k) && edge_after(b, i + k.len()) {
                    ctx = ctx.with(class);
                }
            }
        }
        for (negated, by) in NEGATED {
            if ctx.has(by) {
                ctx = ctx.without(negated);
            }
        }
        Ctx(ctx.0 & interest.0).without(Ctx::NOT_SECRET).without(Ctx::NOT_ADDRESS)
    }
}

/// The classes of the keys met in one scan, remembered by key.
///
/// PERF: the fields of a JSON array of objects repeat the same keys; a slot compare costs a
/// fraction of classifying the key again. Open addressing over a few slots from a hash of the
/// key's last eight bytes (most keys are no longer), which each slot keeps as one word: a slot
/// holds the key when the words and lengths agree and so do the bytes before those eight (none,
/// for most keys). When all probed slots hold other keys the first is overwritten (a miss only
/// costs a reclassify).
pub struct KeyClasses<'a> {
    /// Key, [`tail_word`], classes. Keys are never empty (an empty key has no classes), so an
    /// empty slot needs no flag.
    slots: [(&'a str, u64, Ctx); KEY_SLOTS],
}

const KEY_SLOTS: usize = 64;
const KEY_PROBES: usize = 4;

impl<'a> KeyClasses<'a> {
    pub fn new() -> KeyClasses<'a> {
        KeyClasses { slots: [("", 0, Ctx::NONE); KEY_SLOTS] }
    }

    /// The classes of `key`, as [`Context::classes`].
    ///
    /// PERF: inlined into the scanner's field loop, which calls it for nearly every field; a
    /// key met before costs a hash and a compare or two.
    #[inline]
    pub fn get(&mut self, context: &Context, key: &'a str) -> Ctx {
        let b = key.as_bytes();
        if b.is_empty() {
            return Ctx::NONE;
        }
        let tail = tail_word(b);
        let home = ((tail ^ b.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize;
        let mut free = home % KEY_SLOTS;
        for probe in 0..KEY_PROBES {
            let i = (home + probe) % KEY_SLOTS;
            let (k, t, c) = self.slots[i];
            if t == tail && k.len() == b.len() && same_head(k.as_bytes(), b) {
                return c;
            }
            if k.is_empty() {
                free = i;
                break;
            }
        }
        self.learn(context, key, tail, free)
    }

    /// Classifies a key met for the first time and keeps it in slot `free`.
    #[cold]
    fn learn(&mut self, context: &Context, key: &'a str, tail: u64, free: usize) -> Ctx {
        let c = context.classes(key);
        if let Some(slot) = self.slots.get_mut(free) {
            *slot = (key, tail, c);
        }
        c
    }
}

/// Whether keys `a` and `b`, of one length and one [`tail_word`], agree before their last
/// eight bytes: up to 16 bytes long, their first eight bytes cover the rest.
fn same_head(a: &[u8], b: &[u8]) -> bool {
    let first = |k: &[u8]| k.get(..8).and_then(|w| <[u8; 8]>::try_from(w).ok()).map(u64::from_le_bytes);
    match b.len() {
        0..=8 => true,
        9..=16 => first(a) == first(b),
        n => a.get(..n - 8) == b.get(..n - 8),
    }
}

/// The last eight bytes of `b` as a word, or all of them when it is shorter (distinct for
/// distinct keys of one length).
fn tail_word(b: &[u8]) -> u64 {
    match b.len().checked_sub(8).and_then(|s| b.get(s..)).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        Some(w) => u64::from_le_bytes(w),
        None => b.iter().fold(0, |acc, &c| acc << 8 | u64::from(c)),
    }
}

/// The key a field's name points at: the last JSON path segment, or the name itself.
///
/// PERF: inlined where the scanner reads each field's key. The common cases cost a compare or
/// a backward search eight bytes at a time: a parameter, header or cookie name is its own key;
/// a JSON path to an object member (`$.a.b.key`) ends with it.
#[inline]
pub fn last_key(name: &str) -> &str {
    let b = name.as_bytes();
    if b.last() != Some(&b']') {
        if b.first() != Some(&b'$') {
            return name;
        }
        if let Some(key) = bytes::rfind(b, b'.').and_then(|i| name.get(i + 1..)) {
            return key;
        }
    }
    last_key_of_any(name)
}

/// [`last_key`] of names of every other form: array elements and bracketed members (`$.a[0]`,
/// `$["odd key"]`, `items[]`), a bare `$`.
fn last_key_of_any(name: &str) -> &str {
    let rfind = |s: &str, c: u8| s.bytes().rposition(|b| b == c);
    let mut s = name;
    while s.ends_with(']') {
        match rfind(s, b'[') {
            Some(i) if s[i + 1..s.len() - 1].bytes().all(|c| c.is_ascii_digit()) => s = &s[..i],
            Some(i) => return s[i + 1..s.len() - 1].trim_matches('"'),
            None => break,
        }
    }
    match rfind(s, b'.') {
        Some(i) if s.starts_with('$') => &s[i + 1..],
        _ => s.trim_start_matches('$'),
    }
}

fn edge_after(b: &[u8], i: usize) -> bool {
    i >= b.len() || !b[i].is_ascii_alphabetic() || (b[i - 1].is_ascii_lowercase() && b[i].is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_give_classes_at_word_edges() {
        let c = Context::new().unwrap();
        assert!(c.classes("ssn").has(Ctx::SSN));
        assert!(c.classes("customerSsn").has(Ctx::SSN));
        assert!(c.classes("date_of_birth").has(Ctx::DOB));
        assert!(c.classes("dateOfBirth").has(Ctx::DOB));
        assert!(!c.classes("adobe_id").has(Ctx::DOB));
        assert!(!c.classes("company").has(Ctx::PAN));
        assert!(!c.classes("hotel").has(Ctx::PHONE));
        assert!(c.classes("client_secret").has(Ctx::SECRET));
        assert!(!c.classes("next_page_token").has(Ctx::SECRET));
        assert!(!c.classes("token_type").has(Ctx::SECRET));
        assert!(c.classes("billing_address").has(Ctx::ADDRESS));
        assert!(!c.classes("ip_address").has(Ctx::ADDRESS));
        assert!(c.classes("SSN: ").has(Ctx::SSN));
        assert!(c.classes("user_password").has(Ctx::PASSWORD));
        assert!(!c.classes("passenger").has(Ctx::PASSWORD));
    }

    #[test]
    fn names_agrees_with_classes() {
        let c = Context::new().unwrap();
        let texts = ["my passport is", "ssn: ", "next_page_token", "ip_address", "home address", "aws secret", "the company pan", "", "Tel"];
        let classes = [Ctx::SSN, Ctx::PASSPORT, Ctx::SECRET, Ctx::ADDRESS, Ctx::PASSWORD, Ctx::PHONE, Ctx::PAN, Ctx(Ctx::SSN.0 | Ctx::TAX.0)];
        for t in texts {
            for need in classes {
                assert_eq!(c.names(t, need), c.classes(t).has(need), "{t:?} {need:?}");
            }
        }
    }

    #[test]
    fn key_classes_remember_and_survive_collisions() {
        let c = Context::new().unwrap();
        // Keys that share their last eight bytes, or all but one byte, or a length.
        let keys: Vec<String> = (0..300).map(|i| ["ssn", "id", "first_name", "token_type", "x", "my_ssn_in_the_record", "my_tsn_in_the_record", "the_record", "Ssn", "ssn_of_record", "tsn_of_record"][i % 11].to_string() + &"_".repeat(i % 7)).collect();
        assert!(c.classes("my_ssn_in_the_record").has(Ctx::SSN) && !c.classes("my_tsn_in_the_record").has(Ctx::SSN));
        assert!(c.classes("ssn_of_record").has(Ctx::SSN) && !c.classes("tsn_of_record").has(Ctx::SSN));
        let mut cache = KeyClasses::new();
        for _ in 0..2 {
            for k in &keys {
                assert_eq!(cache.get(&c, k), c.classes(k), "{k}");
            }
        }
        assert_eq!(cache.get(&c, ""), Ctx::NONE);
    }

    #[test]
    fn last_key_of_paths() {
        assert_eq!(last_key("$.user.ssn"), "ssn");
        assert_eq!(last_key("$.phones[0]"), "phones");
        assert_eq!(last_key("$[\"odd key\"]"), "odd key");
        assert_eq!(last_key("x-api-key"), "x-api-key");
        assert_eq!(last_key(""), "");
        assert_eq!(last_key("$"), "");
        assert_eq!(last_key("$$a"), "a");
        assert_eq!(last_key("a.b"), "a.b");
        assert_eq!(last_key("ids[]"), "ids");
        assert_eq!(last_key("user[email]"), "email");
        assert_eq!(last_key("$.a[\"b.c\"]"), "b.c");
        // The fast paths agree with the general reading of every form.
        for name in ["$.user.ssn", "$", "$.", "$..a", "$.a.", "x-api-key", "a.b", "$.é.ü", "$[0]", "$.a[0].b", "q[]", "]", "$]", ".$", "$a"] {
            assert_eq!(last_key(name), last_key_of_any(name), "{name}");
        }
    }
}
