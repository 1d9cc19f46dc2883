//! # vigil-model
//!
//! Vigil's engine, in pure Rust so it is tested natively and runs unchanged inside the proxy-wasm
//! filter. Data flows one way: facts -> fields -> detectors -> findings -> verdict -> event.
//!
//! Floors (each uses only the floors below it):
//! 1. plain data and small helpers: [`facts`], [`fields`], [`finding`], [`verdict`], [`redact`],
//!    [`normalize`];
//! 2. one concept each: detectors ([`detect`]: attack families);
//! 3. the engine and the learner.

pub mod corpus;
pub mod detect;
pub mod facts;
pub mod fields;
pub mod finding;
pub mod normalize;
pub mod redact;
pub mod verdict;
