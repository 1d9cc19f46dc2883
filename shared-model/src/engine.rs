//! The engine: facts in, verdict and event out.
//!
//! Built once per configuration ([`Engine::new`] compiles every pattern and the route trie) and
//! shared by all requests of a worker. Each exchange is an [`Exchange`] that the proxy feeds in
//! callback order: [`Engine::start`] with the request head, body chunks, [`Engine::end_request`]
//! (the request-side verdict, which block mode enforces), then the response head, body chunks and
//! [`Engine::end_response`]. Bodies are bounded copies (see [`crate::facts::Body`]); nothing is
//! compiled or allocated per pattern on this path. Time is passed in, never read.
//!
//! Per-client behaviour ([`crate::behaviour`]) needs state the proxy keeps: [`Engine::choose_state`]
//! picks the client's slot (reading through a closure the proxy gives), the proxy hands the
//! stored bytes and the time to [`Engine::behaviour_request`] (request-side findings; nothing is
//! written), and once the exchange is over runs [`Engine::behaviour_commit`] on a fresh read of
//! that slot, writing the returned bytes with compare-and-swap and retrying on a conflict, then
//! [`Engine::add_findings`]. A login attempt also counts against its source address: once the
//! response is seen, [`Engine::choose_address_state`] picks the address's slot the same way and
//! [`Engine::address_commit`] gives its update, written with compare-and-swap like the client's.
//!
//! Memory is bounded by `behaviour.capacity` slots. A client may live in one of two slots (two
//! independent hashes of its id, "two choices"): its own state wherever it is, else an empty
//! slot or one whose owner has been idle past `behaviour.idle_timeout_s` (an eviction). With
//! both held by active clients it goes untracked (fails open, counted). Two choices keep that
//! rare until the slots are nearly all held by clients active within the idle timeout.
//!
//! Data policies act in both directions: a request-side `block` makes the request verdict
//! `block`; on the response side the proxy asks [`Engine::response_needs_buffer`] at the response
//! head and, if so, holds the response until [`Engine::response_action`] says to pass, redact
//! ([`Engine::redact`]) or block it.

use crate::baseline::Baseline;
use crate::behaviour::address::AddressState;
use crate::behaviour::state::{endpoint_key, ClientState, Step};
use crate::behaviour::{is_login, Behaviour, Call, Outcome};
use crate::client::{address, auth_kind, bearer_jwt, identify, Client};
use crate::jwt::{Jwt, Tokens};
use crate::config::{Config, ConfigError, Mode};
use crate::endpoint_pattern::EndpointPattern;
use crate::detect::{ArgumentTally, AttackDetector};
use crate::event::Event;
use crate::exceptions::{Exceptions, Scope};
use crate::facts::{Body, RequestHead, ResponseHead};
use crate::fields::{body_fields, request_head_fields, response_head_fields, BodyParse, Field, Part, ValueType};
use crate::finding::{Finding, Severity};
use crate::memo::Memo;
use crate::observe::{BodyObs, ObjectObs, Observations};
use crate::params;
use crate::posture::{Posture, Seen};
use crate::reported::{self, Reported};
use crate::route::{Route, Router};
use crate::sensitive::policy::{redact_body, CompiledPolicies, PolicyAction};
use crate::sensitive::{self, DataType, SensitiveMatch, SensitiveScanner};
use crate::verdict::{decide, Decision, Verdict};
use std::net::IpAddr;

/// Share of confidence lost when a body could not be inspected (past the limit, compressed).
const UNINSPECTED_PENALTY: f64 = 0.2;

pub struct Engine {
    config: Config,
    router: Router,
    baseline: Option<Baseline>,
    attacks: AttackDetector,
    sensitive: SensitiveScanner,
    policies: CompiledPolicies,
    exceptions: Exceptions,
    /// `endpoint_modes`, most specific first.
    modes: Vec<(EndpointPattern, Mode)>,
    posture: Posture,
    behaviour: Behaviour,
    /// Per model endpoint: `METHOD template`, its [`endpoint_key`], whether it is a login.
    endpoints: Vec<(String, u32, bool)>,
    /// Head fields found clean (see [`crate::memo`]).
    memo: Memo,
    /// Bearer tokens parsed lately (see [`Tokens`]).
    tokens: Tokens,
}

/// Object ids remembered from one response.
const MAX_RETURNED_IDS: usize = 64;

/// What a client's state slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The client's own state.
    Own,
    /// Nothing (or something unreadable): the client starts afresh.
    Empty,
    /// Another client's state, idle past the timeout: replaced by a fresh one.
    Evicted,
    /// Another, active client's state: not usable.
    Busy,
}

/// A state kept in a shared-data slot: a client's or an address's.
trait Slotted: Sized {
    /// The shared-data key prefix of its slots.
    const PREFIX: &'static str;
    fn new(owner: u64, now: u32) -> Self;
    fn decode(b: &[u8]) -> Option<Self>;
    fn owner(&self) -> u64;
    fn idle(&self, now: u32) -> u32;
}

impl Slotted for ClientState {
    const PREFIX: &'static str = "vigil.c.";
    fn new(owner: u64, now: u32) -> Self {
        ClientState::new(owner, now)
    }
    fn decode(b: &[u8]) -> Option<Self> {
        ClientState::decode(b)
    }
    fn owner(&self) -> u64 {
        self.owner
    }
    fn idle(&self, now: u32) -> u32 {
        ClientState::idle(self, now)
    }
}

impl Slotted for AddressState {
    const PREFIX: &'static str = "vigil.a.";
    fn new(owner: u64, now: u32) -> Self {
        AddressState::new(owner, now)
    }
    fn decode(b: &[u8]) -> Option<Self> {
        AddressState::decode(b)
    }
    fn owner(&self) -> u64 {
        self.owner
    }
    fn idle(&self, now: u32) -> u32 {
        AddressState::idle(self, now)
    }
}

/// The slot [`Engine::choose_state`] picked: its shared-data key, what it held, what that was.
#[derive(Debug)]
pub struct Chosen {
    pub key: String,
    pub stored: Option<Vec<u8>>,
    pub slot: Slot,
    /// Which of the `read` calls (0 or 1) returned `stored`, so the caller can pair it with
    /// what else that read gave (the compare-and-swap token).
    pub read: usize,
}

/// The result of [`Engine::behaviour_commit`]: the bytes to store (unless the slot is busy) and
/// the response-side findings.
#[derive(Debug)]
pub struct Commit {
    pub state: Option<Vec<u8>>,
    pub findings: Vec<Finding>,
    pub slot: Slot,
}

/// What the proxy must do with a response it held for a data policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseAction {
    Pass,
    /// Replace the matches of these types with their masks.
    Redact(Vec<DataType>),
    /// Do not send the response.
    Block,
}

/// One request/response exchange in progress.
pub struct Exchange {
    head: RequestHead,
    request_body: Body,
    response: Option<ResponseHead>,
    response_body: Body,
    pub route: Route,
    pub client: Client,
    /// The bearer JWT's unverified claims, read once for the client id and the posture checks.
    jwt: Option<Jwt>,
    pub findings: Vec<Finding>,
    pub obs: Observations,
    request_done: bool,
    response_done: bool,
    coverage: f64,
    /// Sensitive data in the request (head and body), for the request-side data policies.
    request_matches: Vec<SensitiveMatch>,
    /// A data policy demands a block.
    policy_block: bool,
    /// Data types a response-side policy wants redacted.
    redact: Vec<DataType>,
    /// Keyed hash of the client identity (the state's owner); `None` without a client id.
    owner: Option<u64>,
    /// `METHOD template` of an endpoint outside the model (model endpoints are named by index).
    unknown_name: Option<String>,
    endpoint_key: u32,
    login: bool,
    /// Keyed hash of the object id the path names.
    object: Option<u64>,
    /// Login endpoints only: keyed hash of the source address ([`crate::client::address`]).
    address: Option<u64>,
    /// Keyed hashes of the object ids in the response.
    returned_ids: Vec<u64>,
    /// From [`Engine::behaviour_request`]: the time, the bytes read and the state after the
    /// request, reused by [`Engine::behaviour_commit`] when the slot still holds those bytes.
    pending: Option<(u32, Option<Vec<u8>>, ClientState)>,
    /// The query's arguments, counted for the protocol policy's totals over the whole request.
    arguments: ArgumentTally,
    /// The client address the exceptions' `sources` are checked against (parsed only when one
    /// has sources).
    source_ip: Option<IpAddr>,
    /// Findings silenced by an exception so far.
    suppressed: usize,
    /// Block mode applies to this exchange (`mode`, or the endpoint's entry in `endpoint_modes`).
    enforcing: bool,
}

impl Exchange {
    pub fn head(&self) -> &RequestHead {
        &self.head
    }

    /// Whether block mode applies to this exchange: the configuration's `mode`, or its endpoint's
    /// entry in `endpoint_modes`.
    pub fn enforcing(&self) -> bool {
        self.enforcing
    }

    /// Request body bytes that would still be inspected; the proxy need not copy more than this.
    pub fn request_room(&self) -> usize {
        self.request_body.room()
    }

    /// Response body bytes that would still be inspected.
    pub fn response_room(&self) -> usize {
        self.response_body.room()
    }
}

impl Engine {
    pub fn new(config: Config) -> Result<Engine, ConfigError> {
        let internal = |what: &str, e: String| ConfigError { field: "(built-in)".into(), value: what.into(), reason: e };
        let router = match &config.model {
            Some(m) => Router::new(m.endpoints.iter().map(|e| (e.method.as_str(), e.template.as_str()))),
            None => Router::default(),
        };
        let baseline = config.model.as_ref().map(Baseline::new);
        let rules = config.sequence_rules()?;
        let endpoints: Vec<(String, u32, bool)> = config
            .model
            .iter()
            .flat_map(|m| m.endpoints.iter().map(|e| (e.name(), endpoint_key(&e.name()), is_login(&e.method, &e.template))))
            .collect();
        let resolve = |m: &str, t: &str| match router.route(m, t).endpoint.and_then(|i| endpoints.get(i)) {
            Some((name, _, _)) => name.clone(),
            None => format!("{m} {t}"),
        };
        let behaviour = Behaviour::new(config.model.as_ref(), &rules, resolve);
        Ok(Engine {
            behaviour,
            endpoints,
            attacks: AttackDetector::new().map_err(|e| internal("attack patterns", e))?,
            sensitive: SensitiveScanner::new().map_err(|e| internal("sensitive-data patterns", e))?,
            policies: config.compile_policies()?,
            exceptions: config.compile_exceptions()?,
            modes: config.endpoint_modes(),
            posture: Posture::new().map_err(|e| internal("posture checks", e))?,
            router,
            baseline,
            config,
            memo: Memo::new(),
            tokens: Tokens::default(),
        })
    }

    /// The attack and sensitive-data scans of the request head's fields, skipping the fields
    /// the memo knows clean and remembering those found clean now.
    fn scan_head_fields(&self, fields: &[Field<'_>], findings: &mut Vec<Finding>, matches: &mut Vec<SensitiveMatch>) {
        enum Scan {
            Known,
            Fresh(u64),
            Reported,
        }
        let mut scans: Vec<Scan> = fields
            .iter()
            .map(|f| match self.memo.fingerprint(f) {
                p if self.memo.is_clean(p) => Scan::Known,
                p => Scan::Fresh(p),
            })
            .collect();
        for (f, scan) in fields.iter().zip(scans.iter_mut()) {
            if matches!(scan, Scan::Fresh(_)) && self.attacks.scan_field(f, findings) {
                *scan = Scan::Reported;
            }
        }
        let before = matches.len();
        self.sensitive.scan_where(fields, |i| !matches!(scans.get(i), Some(Scan::Known)), matches);
        for m in &matches[before..] {
            if let Some(scan) = scans.get_mut(m.field_index) {
                *scan = Scan::Reported;
            }
        }
        for scan in scans {
            if let Scan::Fresh(p) = scan {
                self.memo.remember_clean(p);
            }
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Starts an exchange from the request head: names the endpoint and the client, and inspects
    /// the path, query, headers and cookies.
    pub fn start(&self, head: RequestHead) -> Exchange {
        let route = self.router.route(&head.method, head.path_only());
        let jwt = bearer_jwt(&head, &self.tokens);
        let client = identify(&head, jwt.as_ref(), &self.config.client_id, &self.config.client_hash_key);
        let mut obs = Observations { route: route.template.clone(), auth: auth_kind(&head).to_string(), ..Default::default() };
        let model_endpoint = route.endpoint.and_then(|i| Some((self.config.model.as_ref()?.endpoints.get(i)?, self.endpoints.get(i)?)));
        let (unknown_name, endpoint_key, login, template) = match model_endpoint {
            Some((e, (_, key, login))) => (None, *key, *login, e.template.as_str()),
            None => {
                let name = format!("{} {}", head.method, route.template);
                let key = endpoint_key(&name);
                (Some(name), key, is_login(&head.method, &route.template), route.template.as_str())
            }
        };
        let object = object_id(template, head.path_only()).map(|id| self.config.client_hash_key.hash(id.as_bytes()));
        obs.object = object.map(|h| ObjectObs { id: h as u32, known: None });
        let address = login.then(|| address(&head, &self.config.client_id)).flatten().map(|a| self.config.client_hash_key.hash(a.as_bytes()));
        obs.address = address.map(|h| h as u32);
        let owner = u64::from_str_radix(&client.id, 16).ok();
        let mut findings = Vec::new();
        self.attacks.scan_head(&head, &mut findings);
        let mut fields = Vec::new();
        request_head_fields(&head, &mut fields);
        let mut request_matches = Vec::new();
        self.scan_head_fields(&fields, &mut findings, &mut request_matches);
        self.attacks.scan_referrals(&head, &mut findings);
        let mut arguments = ArgumentTally::default();
        if let Some(p) = &self.config.policies.protocol {
            p.check_head(&head, &fields, &mut arguments, &mut findings);
        }
        findings.extend(sensitive::findings(&request_matches, &fields));
        obs.params_dropped = params::observe(&fields, &mut obs.params);
        let source_ip = self.exceptions.need_source().then(|| head.source.as_deref()?.parse().ok()).flatten();
        let enforcing = match self.modes.iter().find(|(p, _)| p.matches(&head.method, &route.template)) {
            Some((_, mode)) => *mode == Mode::Block,
            None => self.config.enforcing(),
        };
        let mut ex = Exchange {
            request_body: Body::with_limit(self.config.inspect.request_body_bytes),
            response_body: Body::with_limit(self.config.inspect.response_body_bytes),
            head,
            response: None,
            route,
            client,
            jwt,
            findings,
            obs,
            request_done: false,
            response_done: false,
            coverage: 1.0,
            request_matches,
            policy_block: false,
            redact: Vec::new(),
            owner,
            unknown_name,
            arguments,
            endpoint_key,
            login,
            object,
            address,
            returned_ids: Vec::new(),
            pending: None,
            source_ip,
            suppressed: 0,
            enforcing,
        };
        self.silence(&mut ex);
        ex
    }

    /// Drops the findings an exception silences, counting them ([`crate::exceptions`]). Called
    /// wherever findings join the exchange, so the verdict, headers and event never see them.
    fn silence(&self, ex: &mut Exchange) {
        if self.exceptions.is_empty() {
            return;
        }
        let scope = Scope { method: &ex.head.method, endpoint: &ex.route.template, source: ex.source_ip };
        let before = ex.findings.len();
        ex.findings.retain(|f| !self.exceptions.silences(&scope, f));
        ex.suppressed += before - ex.findings.len();
    }

    /// The shared-data keys of this client's two candidate slots; `None` without a client id,
    /// or when per-client behaviour is off (`behaviour.capacity` 0).
    pub fn state_keys(&self, ex: &Exchange) -> Option<[String; 2]> {
        let slots = self.slots(ex.owner)?;
        Some(slots.map(|s| format!("{}{s:x}", ClientState::PREFIX)))
    }

    /// The two candidate slot numbers of an owner.
    fn slots(&self, owner: Option<u64>) -> Option<[u64; 2]> {
        let capacity = u64::from(self.config.behaviour.capacity);
        let owner = owner.filter(|_| capacity > 0)?;
        let second = owner.rotate_left(32).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Some([owner % capacity, second % capacity])
    }

    /// Picks the client's slot, reading candidates with `read`: its own state in either slot,
    /// else the first empty or evictable one;
    /// `Ok(None)` without a client id or with tracking off; `Err(Slot::Busy)` when both slots
    /// are held by other active clients (the caller counts it; the exchange goes untracked).
    pub fn choose_state(&self, ex: &Exchange, now: u32, read: impl FnMut(&str) -> Option<Vec<u8>>) -> Result<Option<Chosen>, Slot> {
        self.choose::<ClientState>(ex.owner, now, read)
    }

    /// The address a finished login attempt counts against: none before the response, and none
    /// when the address is the client's own identity (its client state counts the failures).
    fn address_owner(&self, ex: &Exchange) -> Option<u64> {
        ex.address.filter(|a| ex.owner != Some(*a) && ex.obs.response.as_ref().is_some_and(|r| r.status != 0))
    }

    /// Picks the slot (`vigil.a.<slot>`) of the source address of a finished login attempt, as
    /// [`Engine::choose_state`] does for clients (the same capacity, a separate key space);
    /// `Ok(None)` for any other exchange. Call after [`Engine::end_response`].
    pub fn choose_address_state(&self, ex: &Exchange, now: u32, read: impl FnMut(&str) -> Option<Vec<u8>>) -> Result<Option<Chosen>, Slot> {
        self.choose::<AddressState>(self.address_owner(ex), now, read)
    }

    fn choose<S: Slotted>(&self, owner: Option<u64>, now: u32, mut read: impl FnMut(&str) -> Option<Vec<u8>>) -> Result<Option<Chosen>, Slot> {
        let (Some(slots), Some(owner)) = (self.slots(owner), owner) else { return Ok(None) };
        let mut free = None;
        // The second key is only formatted when the first slot is not the owner's.
        for (i, slot) in slots.into_iter().enumerate() {
            let key = format!("{}{slot:x}", S::PREFIX);
            let stored = read(&key);
            match self.load::<S>(owner, stored.as_deref(), now).1 {
                Slot::Own => return Ok(Some(Chosen { key, stored, slot: Slot::Own, read: i })),
                Slot::Busy => {}
                slot => {
                    if free.is_none() {
                        free = Some(Chosen { key, stored, slot, read: i });
                    }
                }
            }
        }
        free.map(Some).ok_or(Slot::Busy)
    }

    /// Reads a stored slot: the owner's own state, a fresh one, or `None` when another active
    /// owner holds the slot.
    fn load<S: Slotted>(&self, owner: u64, stored: Option<&[u8]>, now: u32) -> (Option<S>, Slot) {
        match stored.and_then(S::decode) {
            Some(s) if s.owner() == owner => (Some(s), Slot::Own),
            Some(s) if s.idle(now) < self.config.behaviour.idle_timeout_s => (None, Slot::Busy),
            Some(_) => (Some(S::new(owner, now)), Slot::Evicted),
            None => (Some(S::new(owner, now)), Slot::Empty),
        }
    }

    fn call<'a>(&'a self, ex: &'a Exchange, now: u32) -> Call<'a> {
        let name = match (&ex.unknown_name, ex.route.endpoint.and_then(|i| self.endpoints.get(i))) {
            (Some(n), _) => n.as_str(),
            (None, Some((n, _, _))) => n.as_str(),
            (None, None) => "",
        };
        Call { step: Step { now, endpoint: ex.endpoint_key, object: ex.object }, name, login: ex.login }
    }

    /// Request-side behaviour findings (sequence, rules, rate, enumeration, provenance) from the
    /// client's stored state at `now` (seconds since the epoch). Nothing is stored: see
    /// [`Engine::behaviour_commit`]. Call once, after [`Engine::start`].
    pub fn behaviour_request(&self, ex: &mut Exchange, stored: Option<&[u8]>, now: u32) {
        let Some(owner) = ex.owner else { return };
        let (Some(mut state), _) = self.load::<ClientState>(owner, stored, now) else { return };
        let mut findings = Vec::new();
        let seen = self.behaviour.request(&mut state, &self.call(ex, now), &mut findings);
        if let Some(o) = &mut ex.obs.object {
            o.known = seen.known;
        }
        ex.findings.extend(findings);
        self.silence(ex);
        ex.pending = Some((now, stored.map(<[u8]>::to_vec), state));
    }

    /// The client's state after this exchange, from a fresh read of the slot, and the
    /// response-side findings (failed logins, data volume). Pure: on a compare-and-swap conflict
    /// the proxy reads again and calls this again.
    pub fn behaviour_commit(&self, ex: &Exchange, stored: Option<&[u8]>, now: u32) -> Commit {
        let mut findings = Vec::new();
        let Some(owner) = ex.owner else { return Commit { state: None, findings, slot: Slot::Empty } };
        let then = ex.pending.as_ref().map_or(now, |p| p.0);
        let call = self.call(ex, then);
        // Usually nobody wrote the slot in between: continue from the request's own update.
        let (mut state, slot) = match &ex.pending {
            Some((_, read, state)) if read.as_deref() == stored => (state.clone(), Slot::Own),
            _ => {
                let (state, slot) = self.load::<ClientState>(owner, stored, now);
                let Some(mut state) = state else { return Commit { state: None, findings, slot } };
                self.behaviour.request(&mut state, &call, &mut Vec::new());
                (state, slot)
            }
        };
        let outcome = Outcome {
            status: ex.obs.response.as_ref().map_or(0, |r| r.status),
            sensitive: ex.obs.sensitive.values().sum(),
            returned: &ex.returned_ids,
        };
        self.behaviour.response(&mut state, &call, &outcome, &mut findings);
        Commit { state: Some(state.encode()), findings, slot }
    }

    /// The address's login state after this attempt, from a fresh read of its slot, and the
    /// per-address failed-login finding. Pure, like [`Engine::behaviour_commit`].
    pub fn address_commit(&self, ex: &Exchange, stored: Option<&[u8]>, now: u32) -> Commit {
        let mut findings = Vec::new();
        let Some(owner) = self.address_owner(ex) else { return Commit { state: None, findings, slot: Slot::Empty } };
        let (state, slot) = self.load::<AddressState>(owner, stored, now);
        let Some(mut state) = state else { return Commit { state: None, findings, slot } };
        let status = ex.obs.response.as_ref().map_or(0, |r| r.status);
        self.behaviour.login_attempt(&mut state, &self.call(ex, now), status, &mut findings);
        Commit { state: Some(state.encode()), findings, slot }
    }

    /// The request side of a login attempt against its source address's failed logins so far
    /// (the address's slot read with `read`; nothing is read for any other request). Reads only:
    /// the attempt is counted at the end ([`Engine::address_commit`]). Add the findings with
    /// [`Engine::add_findings`].
    pub fn address_request(&self, ex: &Exchange, now: u32, read: impl FnMut(&str) -> Option<Vec<u8>>) -> Vec<Finding> {
        let mut findings = Vec::new();
        let owner = ex.address.filter(|a| ex.owner != Some(*a));
        if let Ok(Some(chosen)) = self.choose::<AddressState>(owner, now, read) {
            if let (Some(state), Slot::Own) = (chosen.stored.as_deref().and_then(AddressState::decode), chosen.slot) {
                self.behaviour.address_request(&state, &self.call(ex, now), &mut findings);
            }
        }
        findings
    }

    /// Adds findings computed outside the exchange's own steps ([`Engine::behaviour_commit`],
    /// [`Engine::address_request`]); one already there with the same kind and location (the
    /// request side's report of the same failed logins) is kept once, the stronger of the two.
    pub fn add_findings(&self, ex: &mut Exchange, findings: Vec<Finding>) {
        for f in findings {
            match ex.findings.iter_mut().find(|g| g.kind == f.kind && g.location == f.location) {
                Some(g) if f.weight() > g.weight() => *g = f,
                Some(_) => {}
                None => ex.findings.push(f),
            }
        }
        self.silence(ex);
    }

    pub fn request_body(&self, ex: &mut Exchange, chunk: &[u8]) {
        ex.request_body.push(chunk);
    }

    /// Counts request body bytes the proxy did not copy because they were past the limit.
    pub fn request_body_skipped(&self, ex: &mut Exchange, n: usize) {
        ex.request_body.skip(n);
    }

    /// Ends the request side: inspects the body, checks the baseline, and returns the verdict so
    /// far (the one block mode enforces before the upstream is contacted). Idempotent.
    pub fn end_request(&self, ex: &mut Exchange) -> Verdict {
        if !ex.request_done {
            ex.request_done = true;
            let ct = ex.head.header("content-type").map(str::to_string);
            let encoded = is_encoded(ex.head.header("content-encoding"));
            let mut names = String::new();
            let mut fields = Vec::new();
            let parse = if encoded {
                BodyParse::Skipped
            } else {
                body_fields(Part::Body, ct.as_deref(), ex.request_body.bytes(), &mut names, &mut fields)
            };
            self.attacks.scan_fields(&fields, &mut ex.findings);
            if !encoded {
                self.attacks.scan_body(&ex.head, ex.request_body.bytes(), &fields, &mut ex.findings);
            }
            self.attacks.scan_content(&ex.head, ex.request_body.seen(), &mut ex.findings);
            if let Some(p) = &self.config.policies.protocol {
                let received = usize::try_from(ex.request_body.seen()).unwrap_or(usize::MAX);
                p.check_body(&ex.head, received, &fields, &mut ex.arguments, &mut ex.findings);
            }
            let before = ex.request_matches.len();
            self.sensitive.scan(&fields, &mut ex.request_matches);
            ex.findings.extend(sensitive::findings(&ex.request_matches[before..], &fields));
            ex.obs.params_dropped += params::observe(&fields, &mut ex.obs.params);
            drop(fields);
            self.apply_policies(ex, false);
            ex.obs.request = BodyObs::new(ex.request_body.seen(), ex.request_body.uninspected(), ct.as_deref(), parse);
            if ex.request_body.uninspected() > 0 || (encoded && !ex.request_body.is_empty()) {
                ex.coverage -= UNINSPECTED_PENALTY;
            }
            if let Some(b) = &self.baseline {
                b.score_request(ex.route.endpoint, &ex.head.method, &ex.obs, &mut ex.findings);
            }
            self.silence(ex);
        }
        self.verdict(ex)
    }

    pub fn response_head(&self, ex: &mut Exchange, head: ResponseHead) {
        ex.response = Some(head);
    }

    pub fn response_body(&self, ex: &mut Exchange, chunk: &[u8]) {
        ex.response_body.push(chunk);
    }

    /// Counts response body bytes the proxy did not copy because they were past the limit.
    pub fn response_body_skipped(&self, ex: &mut Exchange, n: usize) {
        ex.response_body.skip(n);
    }

    /// Ends the response side: scans the response for sensitive data, checks the API's posture
    /// ([`crate::posture`]) and the baseline.
    /// Idempotent; without a response head (a local reply, a reset) only the request is judged.
    pub fn end_response(&self, ex: &mut Exchange) -> Verdict {
        self.end_request(ex);
        if ex.response_done {
            return self.verdict(ex);
        }
        let Some(resp) = ex.response.take() else { return self.verdict(ex) };
        ex.response_done = true;
        let ct = resp.header("content-type").map(str::to_string);
        let encoded = is_encoded(resp.header("content-encoding"));
        let mut names = String::new();
        let mut fields = Vec::new();
        response_head_fields(&resp, &mut fields);
        let parse = if encoded {
            BodyParse::Skipped
        } else {
            body_fields(Part::ResponseBody, ct.as_deref(), ex.response_body.bytes(), &mut names, &mut fields)
        };
        if self.config.behaviour.capacity > 0 && ex.owner.is_some() {
            ex.returned_ids = returned_ids(&fields, &self.config.client_hash_key);
        }
        let mut matches = Vec::new();
        self.sensitive.scan(&fields, &mut matches);
        ex.findings.extend(sensitive::findings(&matches, &fields));
        ex.obs.sensitive = sensitive::counts(&matches).into_iter().map(|(t, n)| (t.as_str().to_string(), n)).collect();
        let seen = Seen { request: &ex.head, jwt: ex.jwt.as_ref(), response: &resp, response_fields: &fields, response_matches: &matches, request_matches: &ex.request_matches };
        self.posture.check(&seen, &mut ex.findings);
        let request_matches = std::mem::replace(&mut ex.request_matches, matches);
        self.apply_policies(ex, true);
        ex.request_matches = request_matches;
        let mut body = BodyObs::new(ex.response_body.seen(), ex.response_body.uninspected(), ct.as_deref(), parse);
        body.status = resp.status;
        ex.obs.response = Some(body);
        if ex.response_body.uninspected() > 0 || (encoded && !ex.response_body.is_empty()) {
            ex.coverage -= UNINSPECTED_PENALTY;
        }
        if let Some(b) = &self.baseline {
            b.score_response(ex.route.endpoint, &ex.obs, &mut ex.findings);
        }
        self.silence(ex);
        ex.response = Some(resp);
        self.verdict(ex)
    }

    /// Evaluates the data policies over the matches in `ex.request_matches` (the request's, or
    /// the response's when `response`), recording findings and the demanded actions.
    fn apply_policies(&self, ex: &mut Exchange, response: bool) {
        if self.policies.is_empty() {
            return;
        }
        for (finding, action) in self.policies.evaluate(&ex.head.method, &ex.route.template, &ex.request_matches, response) {
            match action {
                PolicyAction::Flag => {}
                PolicyAction::Block => ex.policy_block = true,
                PolicyAction::Redact if response => {
                    if let Some(m) = ex.request_matches.iter().find(|m| m.location == finding.location) {
                        if !ex.redact.contains(&m.ty) {
                            ex.redact.push(m.ty);
                        }
                    }
                }
                // A request cannot be redacted on its way up; the finding reports it.
                PolicyAction::Redact => {}
            }
            ex.findings.push(finding);
        }
    }

    /// Whether the response must be held and buffered because a blocking or redacting data
    /// policy applies to this endpoint. Ask after [`Engine::response_head`].
    pub fn response_needs_buffer(&self, ex: &Exchange) -> bool {
        self.policies.acts_on_response(&ex.head.method, &ex.route.template)
    }

    /// After [`Engine::end_response`]: what to do with a held response.
    pub fn response_action(&self, ex: &Exchange) -> ResponseAction {
        if ex.policy_block {
            ResponseAction::Block
        } else if !ex.redact.is_empty() {
            ResponseAction::Redact(ex.redact.clone())
        } else {
            ResponseAction::Pass
        }
    }

    /// The held response body with the policy's data types masked; `None` when nothing changed.
    pub fn redact(&self, ex: &Exchange, body: &[u8]) -> Option<Vec<u8>> {
        let ct = ex.response.as_ref().and_then(|r| r.header("content-type"));
        redact_body(&self.sensitive, ct, body, &ex.redact)
    }

    /// The verdict over every finding so far. A data policy's `block` decides on its own.
    pub fn verdict(&self, ex: &Exchange) -> Verdict {
        let mut v = decide(&ex.findings, &self.config.thresholds, ex.coverage, ex.enforcing);
        if ex.policy_block {
            v.decision = Decision::Block;
            v.enforced = ex.enforcing;
        }
        v
    }

    /// Drops the posture findings below high severity that this worker already reported for the
    /// same endpoint, kind and client within [`crate::reported::INTERVAL_S`] (see
    /// [`crate::reported`]). Call after [`Engine::end_response`], before [`Engine::event`].
    pub fn drop_repeated_posture(&self, ex: &mut Exchange, reported: &mut Reported, now: u32) {
        let (endpoint, client) = (ex.endpoint_key, ex.client.id.as_str());
        ex.findings.retain(|f| !f.kind.starts_with("posture.") || f.severity >= Severity::High || reported.due(reported::key(endpoint, &f.kind, client), now));
    }

    /// The access-log event for a finished exchange. Moves the findings and observations out of
    /// the exchange (no copy per request): call it last.
    pub fn event(&self, ex: &mut Exchange, verdict: Verdict, inspect_us: u64) -> Event {
        let endpoint = ex.route.endpoint.and_then(|i| self.config.model.as_ref()?.endpoints.get(i)).map(|e| e.template.clone());
        let mut event = Event {
            verdict,
            endpoint,
            client: ex.client.id.clone(),
            client_kind: ex.client.kind.clone(),
            findings: std::mem::take(&mut ex.findings),
            findings_dropped: 0,
            findings_suppressed: ex.suppressed,
            obs: std::mem::take(&mut ex.obs),
            inspect_us,
        };
        // Body bytes may have streamed past after the request-side decision: count them all.
        event.obs.request.bytes = ex.request_body.seen();
        event.obs.request.uninspected = ex.request_body.uninspected();
        event.cap_findings();
        event
    }
}

/// The value of the last path parameter of `template` in `path` (the object an id-bearing
/// endpoint names), when the template has one.
fn object_id<'a>(template: &str, path: &'a str) -> Option<&'a str> {
    template.split('/').zip(path.split('/')).filter(|(t, v)| t.starts_with('{') && !v.is_empty()).map(|(_, v)| v).last()
}

/// Keyed hashes of the object ids a response returns: JSON fields named `id`, `*_id` or `*Id`.
fn returned_ids(fields: &[crate::fields::Field], key: &crate::client::HashKey) -> Vec<u64> {
    fields
        .iter()
        .filter(|f| f.part == Part::ResponseBody && matches!(f.ty, ValueType::Text | ValueType::Number) && (1..=64).contains(&f.value.len()))
        .filter(|f| {
            let last = f.name.rsplit(['.', '[']).next().unwrap_or("");
            last == "id" || last.ends_with("_id") || last.ends_with("Id")
        })
        .take(MAX_RETURNED_IDS)
        .map(|f| key.hash(f.value.as_bytes()))
        .collect()
}

/// A body whose bytes are not the representation (gzip, br, ...) cannot be inspected as text.
fn is_encoded(content_encoding: Option<&str>) -> bool {
    content_encoding.is_some_and(|e| !e.trim().is_empty() && !e.trim().eq_ignore_ascii_case("identity"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Decision;

    fn engine(json: &str) -> Engine {
        Engine::new(Config::from_json(json.as_bytes()).unwrap()).unwrap()
    }

    fn get(path: &str, headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: "GET".into(),
            path: path.into(),
            authority: "api.example.com".into(),
            scheme: "http".into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            source: Some("127.0.0.1".into()),
            ..Default::default()
        }
    }

    fn response(e: &Engine, ex: &mut Exchange, status: u16, ct: &str, body: &[u8]) -> Verdict {
        e.response_head(ex, ResponseHead { status, headers: vec![("content-type".into(), ct.into())] });
        // Chunk boundaries must not matter.
        for chunk in body.chunks(7) {
            e.response_body(ex, chunk);
        }
        e.end_response(ex)
    }

    #[test]
    fn posture_below_high_is_reported_once_per_interval_per_endpoint_kind_and_client() {
        let e = engine("{}");
        let mut reported = Reported::default();
        let posture = |ex: &Exchange| -> Vec<String> { ex.findings.iter().filter(|f| f.kind.starts_with("posture.")).map(|f| f.kind.to_string()).collect() };
        // An unsigned token that the API accepts (`posture.jwt_alg_none`, high) for subject `u` or `v`.
        let call = |reported: &mut Reported, path: &str, sub: &str, now: u32| {
            let payload = if sub == "u" { "eyJzdWIiOiJ1In0" } else { "eyJzdWIiOiJ2In0" };
            let token = format!("Bearer eyJhbGciOiJub25lIn0.{payload}.");
            let mut ex = e.start(get(path, &[("authorization", &token)]));
            let before = response(&e, &mut ex, 200, "application/json", br#"{"id":1}"#);
            e.drop_repeated_posture(&mut ex, reported, now);
            (before, e.end_response(&mut ex), ex)
        };
        let (before, after, first) = call(&mut reported, "/api/v1/items", "u", 1000);
        assert!(posture(&first).contains(&"posture.nosniff".to_string()), "{:?}", first.findings);
        assert_eq!((before.decision, before.score), (after.decision, after.score), "low posture weighs nothing");
        let (_, _, again) = call(&mut reported, "/api/v1/items", "u", 1100);
        assert!(!posture(&again).contains(&"posture.nosniff".to_string()), "a repeat within the interval: {:?}", again.findings);
        // High-severity posture (a stack trace in this very answer) is reported every time.
        let high: Vec<String> = first.findings.iter().filter(|f| f.kind.starts_with("posture.") && f.severity >= Severity::High).map(|f| f.kind.to_string()).collect();
        assert!(!high.is_empty() && high.iter().all(|k| posture(&again).contains(k)), "{high:?} vs {:?}", again.findings);
        let (_, _, other_client) = call(&mut reported, "/api/v1/items", "v", 1100);
        assert!(posture(&other_client).contains(&"posture.nosniff".to_string()), "another client");
        let (_, _, later) = call(&mut reported, "/api/v1/items", "u", 1000 + crate::reported::INTERVAL_S);
        assert!(posture(&later).contains(&"posture.nosniff".to_string()), "after the interval");
    }

    #[test]
    fn protocol_policy_counts_arguments_over_query_and_body() {
        let e = engine(r#"{"policies":{"protocol":{"allowed_methods":["GET","POST"],"max_arguments":3}}}"#);
        let run = |method: &str, path: &str, body: &[u8]| {
            let mut head = get(path, &[("content-type", "application/x-www-form-urlencoded")]);
            head.method = method.into();
            let mut ex = e.start(head);
            e.request_body(&mut ex, body);
            let v = e.end_request(&mut ex);
            (v.decision, ex.findings.iter().filter(|f| f.kind == "attack.protocol").map(|f| f.location.clone()).collect::<Vec<_>>())
        };
        assert_eq!(run("POST", "/v1/a?x=1&y=2", b"z=3"), (Decision::Allow, vec![]));
        assert_eq!(run("POST", "/v1/a?x=1&y=2", b"z=3&w=4"), (Decision::Flag, vec!["request".to_string()]));
        assert_eq!(run("DELETE", "/v1/a/1", b""), (Decision::Flag, vec!["method".to_string()]));
        // At `critical` a violation alone is a block, enforced in block mode.
        let strict = engine(r#"{"mode":"block","policies":{"protocol":{"allowed_methods":["GET"],"severity":"critical"}}}"#);
        let mut ex = strict.start(RequestHead { method: "DELETE".into(), ..get("/v1/a/1", &[]) });
        let v = strict.end_request(&mut ex);
        assert_eq!((v.decision, v.enforced), (Decision::Block, true), "{:?}", ex.findings);
        // Without the section nothing is checked.
        let plain = engine("{}");
        let mut ex = plain.start(RequestHead { method: "DELETE".into(), ..get("/v1/a/1?a=1&b=2&c=3&d=4", &[]) });
        plain.end_request(&mut ex);
        assert!(ex.findings.iter().all(|f| f.kind != "attack.protocol"), "{:?}", ex.findings);
    }

    #[test]
    fn repeated_head_fields_are_judged_as_the_first_time() {
        let e = engine("{}");
        let kinds = |headers: &[(&str, &str)]| -> Vec<(String, String)> {
            let mut ex = e.start(get("/api/v1/items?q=shoes", headers));
            e.end_request(&mut ex);
            ex.findings.iter().map(|f| (f.kind.to_string(), f.location.clone())).collect()
        };
        let ua = ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0");
        let attack = ("x-api-filter", "1' UNION SELECT password FROM users--");
        let secret = ("x-customer", "ssn 536-90-4399, card 4539 1488 0343 6467");
        let first = [kinds(&[ua, attack, secret]), kinds(&[ua]), kinds(&[ua, secret])];
        // Again, in another order: the clean value is now remembered, the others never are.
        let again = [kinds(&[attack, ua, secret]), kinds(&[ua]), kinds(&[secret, ua])];
        for (a, b) in first.iter().zip(&again) {
            let (mut a, mut b) = (a.clone(), b.clone());
            a.sort();
            b.sort();
            assert_eq!(a, b);
        }
        assert!(first[0].iter().any(|(k, l)| k == "attack.sqli" && l == "header:x-api-filter"), "{:?}", first[0]);
        assert!(first[2].iter().any(|(k, l)| k == "sensitive.credit_card" && l == "header:x-customer"), "{:?}", first[2]);
        assert!(first[1].is_empty(), "{:?}", first[1]);
        // The clean text under another name, and the attack under the clean one's name.
        assert!(kinds(&[("x-api-filter", ua.1)]).is_empty());
        assert!(kinds(&[("user-agent", attack.1)]).iter().any(|(k, _)| k == "attack.sqli"));
    }

    #[test]
    fn exceptions_silence_findings_only_where_they_apply() {
        let e = engine(
            r#"{"mode":"block","policies":{"exceptions":[
                {"endpoint":"GET /api/v1/search","locations":["query:q"],"kinds":["attack.sqli"],"reason":"SQL console"},
                {"sources":["203.0.113.0/24"],"kinds":["attack.*"],"reason":"our scanner"}]}}"#,
        );
        let run = |path: &str, source: &str| {
            let mut head = get(path, &[]);
            head.source = Some(source.into());
            let mut ex = e.start(head);
            let v = e.end_request(&mut ex);
            let kinds: Vec<String> = ex.findings.iter().map(|f| f.kind.to_string()).collect();
            let ev = e.event(&mut ex, v, 0);
            (ev.verdict.decision, kinds, ev.findings_suppressed)
        };
        let sqli = "1'%20UNION%20SELECT%20password%20FROM%20users--";
        // The excepted parameter passes; its finding is counted, not reported.
        assert_eq!(run(&format!("/api/v1/search?q={sqli}"), "198.51.100.7"), (Decision::Allow, vec![], 1));
        // The same payload in another parameter, or on another endpoint, still blocks.
        let other = run(&format!("/api/v1/search?sort={sqli}"), "198.51.100.7");
        assert_eq!((other.0, other.2), (Decision::Block, 0));
        assert!(other.1.contains(&"attack.sqli".to_string()), "{other:?}");
        assert_eq!(run(&format!("/api/v1/users?q={sqli}"), "198.51.100.7").0, Decision::Block);
        // The scanner's addresses: every attack finding silenced, anywhere.
        assert_eq!(run(&format!("/api/v1/users?q={sqli}"), "203.0.113.50"), (Decision::Allow, vec![], 1));
        // A header cannot claim the scanner's address: only the connection's source counts.
        let mut head = get(&format!("/api/v1/users?q={sqli}"), &[("x-forwarded-for", "203.0.113.50")]);
        head.source = Some("198.51.100.7".into());
        let mut ex = e.start(head);
        assert_eq!(e.end_request(&mut ex).decision, Decision::Block);
    }

    #[test]
    fn endpoint_modes_enforce_where_they_say() {
        let attack = |e: &Engine, path: &str| {
            let mut ex = e.start(get(path, &[]));
            let v = e.end_request(&mut ex);
            (v.decision, v.enforced, ex.enforcing())
        };
        let traversal = "/api/v1/files/..%2f..%2fetc%2fpasswd";
        let sqli = "/api/v1/search?q=1%27%20UNION%20SELECT%20password%20FROM%20users--";
        // Monitor everywhere but the files endpoint.
        let e = engine(r#"{"endpoint_modes":[{"endpoint":"/api/v1/files/*","mode":"block"}]}"#);
        assert_eq!(attack(&e, traversal), (Decision::Block, true, true));
        assert_eq!(attack(&e, sqli), (Decision::Block, false, false));
        // Block everywhere but search; the more specific pattern wins over the broader one.
        let e = engine(
            r#"{"mode":"block","endpoint_modes":[{"endpoint":"/api/*","mode":"block"},{"endpoint":"GET /api/v1/search","mode":"monitor"}]}"#,
        );
        assert_eq!(attack(&e, traversal), (Decision::Block, true, true));
        assert_eq!(attack(&e, sqli), (Decision::Block, false, false));
    }

    #[test]
    fn clean_exchange_is_allowed_and_observed() {
        let e = engine("{}");
        let mut ex = e.start(get("/api/v1/accounts/42?fields=name", &[("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwOTAwfQ.c2ln")]));
        assert_eq!(e.end_request(&mut ex).decision, Decision::Allow);
        let v = response(&e, &mut ex, 200, "application/json", br#"{"id":42,"name":"Alice"}"#);
        assert_eq!(v.decision, Decision::Allow);
        let ev = e.event(&mut ex, v, 3);
        assert_eq!(ev.endpoint, None, "no model: no known endpoint");
        assert_eq!(ev.obs.route, "/api/v1/accounts/{account_id}");
        assert_eq!(ev.client_kind, "jwt_sub");
        assert_eq!(ev.obs.auth, "bearer");
        assert_eq!(ev.obs.response.as_ref().map(|r| (r.status, r.bytes)), Some((200, 24)));
    }

    #[test]
    fn request_attack_blocks_only_when_enforcing() {
        let monitor = engine("{}");
        let mut ex = monitor.start(get("/files/..%2f..%2fetc%2fpasswd", &[]));
        let v = monitor.end_request(&mut ex);
        assert_eq!(v.decision, Decision::Block);
        assert!(!v.enforced);
        assert!(ex.findings.iter().any(|f| f.kind == "attack.traversal" && f.location == "path"));

        let block = engine(r#"{"mode":"block"}"#);
        let mut ex = block.start(get("/search?q=%27%20OR%201%3D1--", &[]));
        let v = block.end_request(&mut ex);
        assert!(v.enforced);
        assert!(ex.findings.iter().any(|f| f.kind == "attack.sqli" && f.location == "query:q"));
    }

    #[test]
    fn body_attack_is_found_with_its_json_path() {
        let e = engine("{}");
        let mut head = get("/api/v1/transfers", &[("content-type", "application/json")]);
        head.method = "POST".into();
        let mut ex = e.start(head);
        e.request_body(&mut ex, br#"{"memo":"x' OR '1'='1","amount":5}"#);
        e.end_request(&mut ex);
        assert!(ex.findings.iter().any(|f| f.kind == "attack.sqli" && f.location == "body:$.memo"), "{:?}", ex.findings);
    }

    #[test]
    fn response_card_number_is_found_masked() {
        let e = engine("{}");
        let mut ex = e.start(get("/api/v1/accounts/7/cards", &[]));
        response(&e, &mut ex, 200, "application/json", br#"{"cards":[{"pan":"4111 1111 1111 1111"}]}"#);
        let f = ex.findings.iter().find(|f| f.kind.starts_with("sensitive.")).expect("a sensitive finding");
        assert_eq!(f.location, "response.body:$.cards[0].pan");
        assert!(!f.evidence.contains("4111 1111 1111 1111"));
        assert!(ex.obs.sensitive.values().sum::<u32>() >= 1);
        let n = ex.findings.len();
        e.end_response(&mut ex);
        assert_eq!(ex.findings.len(), n, "end_response is idempotent");
    }

    #[test]
    fn bodies_past_the_limit_are_reported_and_lower_confidence() {
        let e = engine(r#"{"inspect":{"request_body_bytes":8}}"#);
        let mut head = get("/upload", &[("content-type", "text/plain")]);
        head.method = "POST".into();
        let mut ex = e.start(head);
        e.request_body(&mut ex, b"0123456789abcdef");
        let v = e.end_request(&mut ex);
        assert_eq!(ex.obs.request.uninspected, 8);
        assert!(v.confidence < 1.0);
    }

    #[test]
    fn content_is_judged_on_the_bytes_received() {
        let e = engine(r#"{"inspect":{"request_body_bytes":4}}"#);
        let smuggled = |ex: &Exchange| ex.findings.iter().any(|f| f.kind == "attack.smuggling");
        // A GET whose body no header announced (HTTP/2 DATA frames), past the inspection limit.
        let mut ex = e.start(get("/a", &[]));
        e.request_body(&mut ex, b"0123456789");
        assert_ne!(e.end_request(&mut ex).decision, Decision::Allow);
        assert!(smuggled(&ex));
        // A streamed upload with `Expect` and no Content-Length: its body is its content.
        let mut head = get("/upload", &[("expect", "100-continue"), ("content-type", "application/octet-stream")]);
        head.method = "PUT".into();
        let mut ex = e.start(head.clone());
        e.request_body(&mut ex, b"0123456789");
        e.end_request(&mut ex);
        assert!(!smuggled(&ex), "{:?}", ex.findings);
        // The same head with no body is the expect-based desync.
        let mut ex = e.start(head);
        e.end_request(&mut ex);
        assert!(smuggled(&ex));
    }

    #[test]
    fn model_names_endpoints_and_flags_unknown_ones() {
        let e = engine(r#"{"model":{"version":1,"endpoints":[{"method":"GET","template":"/api/v1/accounts/{account_id}","count":100}]}}"#);
        let mut ex = e.start(get("/api/v1/accounts/9", &[]));
        let v = e.end_request(&mut ex);
        assert_eq!(e.event(&mut ex, v, 0).endpoint.as_deref(), Some("/api/v1/accounts/{account_id}"));
        let mut ex = e.start(get("/api/v1/admin/export", &[]));
        let v = e.end_request(&mut ex);
        assert!(ex.findings.iter().any(|f| f.kind == "baseline.unknown_endpoint"));
        assert_eq!(e.event(&mut ex, v, 0).endpoint, None);
    }

    #[test]
    fn request_side_sensitive_data_and_a_blocking_policy() {
        let e = engine(r#"{"mode":"block","policies":{"data":[{"endpoint":"POST /api/v1/notes","forbid":["credit_card"],"action":"block"}]}}"#);
        let mut head = get("/api/v1/notes", &[("content-type", "application/json")]);
        head.method = "POST".into();
        let mut ex = e.start(head);
        e.request_body(&mut ex, br#"{"text":"my card 4111 1111 1111 1111"}"#);
        let v = e.end_request(&mut ex);
        assert!(ex.findings.iter().any(|f| f.kind == "sensitive.credit_card" && f.location == "body:$.text"), "{:?}", ex.findings);
        assert!(ex.findings.iter().any(|f| f.kind == "sensitive.policy"));
        assert_eq!((v.decision, v.enforced), (Decision::Block, true));
        // Another endpoint is not covered by the policy.
        let mut ex = e.start(get("/api/v1/other?card=4111111111111111", &[]));
        assert_ne!(e.end_request(&mut ex).decision, Decision::Block);
    }

    #[test]
    fn response_redaction_policy_holds_and_masks() {
        let e = engine(r#"{"policies":{"data":[{"endpoint":"GET /api/v1/users/{user_id}","forbid":["ssn"],"action":"redact"}]}}"#);
        let mut ex = e.start(get("/api/v1/users/7", &[]));
        e.end_request(&mut ex);
        e.response_head(&mut ex, ResponseHead { status: 200, headers: vec![("content-type".into(), "application/json".into())] });
        assert!(e.response_needs_buffer(&ex));
        let body = br#"{"name":"Ann","ssn":"536-22-8726"}"#;
        e.response_body(&mut ex, body);
        e.end_response(&mut ex);
        assert_eq!(e.response_action(&ex), ResponseAction::Redact(vec![DataType::Ssn]));
        let out = String::from_utf8(e.redact(&ex, body).expect("redacted")).unwrap();
        assert!(!out.contains("536-22-8726") && out.contains("8726"), "{out}");
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
        let mut other = e.start(get("/api/v1/accounts/7", &[]));
        e.response_head(&mut other, ResponseHead { status: 200, headers: vec![] });
        assert!(!e.response_needs_buffer(&other));
    }

    #[test]
    fn client_state_goes_round_through_the_proxy() {
        let e = engine(r#"{"policies":{"sequences":[{"before":"GET /api/v1/accounts/{account_id}/balance","then":"POST /api/v1/transfers"}]}}"#);
        let jwt = [("authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.")];
        let mut stored: Option<Vec<u8>> = None;
        let mut exchange = |path: &str, method: &str, body: &[u8], now: u32| {
            let mut head = get(path, &jwt);
            head.method = method.into();
            let mut ex = e.start(head);
            let chosen = e.choose_state(&ex, now, |_| stored.clone()).expect("a free slot").expect("a client");
            assert!(chosen.key.starts_with("vigil.c."));
            e.behaviour_request(&mut ex, chosen.stored.as_deref(), now);
            response(&e, &mut ex, 200, "application/json", body);
            let c = e.behaviour_commit(&ex, stored.as_deref(), now);
            assert!(matches!(c.slot, Slot::Own | Slot::Empty), "{:?}", c.slot);
            stored = c.state;
            e.add_findings(&mut ex, c.findings);
            ex
        };
        let ex = exchange("/api/v1/users/me", "GET", br#"{"accounts":[{"id":"1234"}]}"#, 100);
        assert!(ex.obs.object.is_none());
        let ex = exchange("/api/v1/accounts/1234/balance", "GET", b"{}", 101);
        assert_eq!(ex.obs.object.and_then(|o| o.known), Some(true), "returned by /users/me");
        let ex = exchange("/api/v1/accounts/9999/balance", "GET", b"{}", 102);
        assert_eq!(ex.obs.object.and_then(|o| o.known), Some(false));
        let ex = exchange("/api/v1/transfers", "POST", b"{}", 103);
        assert!(!ex.findings.iter().any(|f| f.kind == "behaviour.sequence_rule"), "balance came first");
        let ex = exchange("/api/v1/transfers", "POST", b"{}", 2000);
        assert!(ex.findings.iter().any(|f| f.kind == "behaviour.sequence_rule"), "{:?}", ex.findings);
        // Another active client in the same slot is not tracked; an idle one is replaced.
        let mut other = e.start(get("/x", &[("x-api-key", "k2")]));
        other.owner = Some(1);
        assert_eq!(e.behaviour_commit(&other, stored.as_deref(), 2001).slot, Slot::Busy);
        assert_eq!(e.choose_state(&other, 2001, |_| stored.clone()).unwrap_err(), Slot::Busy, "both candidates held");
        assert_eq!(e.behaviour_commit(&other, stored.as_deref(), 2000 + 1801).slot, Slot::Evicted);
        let mut second = None;
        let chosen = e.choose_state(&other, 2001, |k| if second.is_none() { second = Some(k.to_string()); stored.clone() } else { None });
        assert_eq!(chosen.unwrap().map(|c| c.slot), Some(Slot::Empty), "the second choice is free");
    }

    #[test]
    fn failed_logins_count_per_address_across_rotating_clients() {
        let e = engine("{}");
        let mut store: std::collections::HashMap<String, Vec<u8>> = std::collections::HashMap::new();
        let mut attempt = |headers: &[(&str, &str)], status: u16, now: u32| {
            let mut head = get("/api/v1/login", headers);
            head.method = "POST".into();
            let mut ex = e.start(head);
            response(&e, &mut ex, status, "application/json", b"{}");
            let chosen = e.choose_address_state(&ex, now, |k| store.get(k).cloned()).expect("a free slot");
            if let Some(chosen) = chosen {
                assert!(chosen.key.starts_with("vigil.a."));
                let c = e.address_commit(&ex, store.get(&chosen.key).map(Vec::as_slice), now);
                if let Some(bytes) = c.state {
                    store.insert(chosen.key, bytes);
                }
                e.add_findings(&mut ex, c.findings);
            }
            ex
        };
        // Each attempt presents a new API key (a new client) from one forwarded address.
        let mut flagged = 0;
        for i in 0..25 {
            let key = format!("k{i}");
            let ex = attempt(&[("x-api-key", key.as_str()), ("x-forwarded-for", "203.0.113.9")], 401, 1000 + i);
            assert!(ex.obs.address.is_some(), "login attempts log the address hash");
            if let Some(f) = ex.findings.iter().find(|f| f.kind == "behaviour.auth_failures") {
                assert_eq!(f.location, "address");
                flagged += 1;
            }
        }
        assert_eq!(flagged, 15, "from the 11th failure (the default limit is 10)");
        // The client is the address itself (no key): its own client state counts, not a second one.
        let ex = attempt(&[("x-forwarded-for", "198.51.100.1")], 401, 2000);
        assert!(e.choose_address_state(&ex, 2000, |_| None).unwrap().is_none());
        assert!(ex.obs.address.is_some());
        // Other endpoints carry no address.
        let ex = e.start(get("/api/v1/accounts/1", &[("x-forwarded-for", "203.0.113.9")]));
        assert!(ex.obs.address.is_none());
    }

    #[test]
    fn compressed_bodies_are_skipped_not_misread() {
        let e = engine("{}");
        let mut ex = e.start(get("/x", &[]));
        e.response_head(&mut ex, ResponseHead { status: 200, headers: vec![("content-encoding".into(), "gzip".into())] });
        e.response_body(&mut ex, &[0x1f, 0x8b, 8, 0, 0xff, 0xfe]);
        let v = e.end_response(&mut ex);
        assert_eq!(ex.obs.response.as_ref().unwrap().parse, "skipped");
        assert!(v.confidence < 1.0);
    }
}
