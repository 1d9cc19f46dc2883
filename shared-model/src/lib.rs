//! # vigil-model
//!
//! Vigil's engine, in pure Rust so it is tested natively and runs unchanged inside the proxy-wasm
//! filter. Data flows one way: facts -> fields -> detectors -> findings -> verdict -> event.
//!
//! Floors (each uses only the floors below it):
//! 1. plain data and small helpers: [`facts`], [`fields`], [`finding`], [`verdict`], [`redact`],
//!    [`normalize`], [`config`], [`model`], [`sketch`], [`jwt`], [`client`], [`alert`], [`record`],
//!    [`endpoint_pattern`];
//! 2. one concept each: [`detect`] (attack families), [`sensitive`] (data types and policies),
//!    [`posture`] (the API's own misconfigurations), [`exceptions`] (findings operators silence),
//!    [`route`], [`params`] (parameter features, shared by the filter and the learner),
//!    [`baseline`] (scoring against the model),
//!    [`inventory`] (template inference), [`openapi`] (seeding from an API description),
//!    [`behaviour`] (per-client state, sequences, rates, BOLA);
//! 3. the [`engine`], the [`learn`]er, [`eval`] (corpus evaluation) and [`cases`] (findings from
//!    logs grouped for people).

// floor 1: plain data and small helpers
pub mod alert;
pub mod client;
pub mod endpoint_pattern;
pub mod config;
pub mod corpus;
pub mod event;
pub mod facts;
pub mod fields;
pub mod finding;
pub mod json;
pub mod jwt;
pub mod model;
pub mod normalize;
pub mod observe;
pub mod record;
pub mod redact;
pub mod sketch;
pub(crate) mod swar;
pub mod verdict;
// floor 2: one concept each
pub mod baseline;
pub mod behaviour;
pub mod detect;
pub mod exceptions;
pub mod inventory;
pub mod openapi;
pub mod params;
pub mod posture;
pub mod memo;
pub mod reported;
pub mod route;
pub mod sensitive;
// floor 3: the engine and the learner
pub mod cases;
pub mod engine;
pub mod eval;
pub mod learn;
