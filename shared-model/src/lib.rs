//! # vigil-model
//!
//! Vigil's engine, in pure Rust so it is tested natively and runs unchanged inside the proxy-wasm
//! filter. Data flows one way: facts -> fields -> detectors -> findings -> verdict -> event.
//!
//! Floors (each uses only the floors below it):
//! 1. plain data and small helpers: [`facts`], [`fields`], [`finding`], [`verdict`], [`redact`],
//!    [`normalize`], [`config`], [`model`], [`sketch`], [`client`];
//! 2. one concept each: detectors, [`route`], [`params`] (parameter features, shared by the filter
//!    and the learner), [`baseline`] (scoring against the model), [`inventory`] (template
//!    inference), [`openapi`] (seeding from an API description);
//! 3. the [`engine`] and the [`learn`]er.

pub mod facts;
pub mod fields;
pub mod finding;
pub mod normalize;
pub mod redact;
pub mod verdict;
pub mod baseline;
pub mod detect;
pub mod engine;
pub mod event;
pub mod inventory;
pub mod learn;
pub mod observe;
pub mod openapi;
pub mod params;
pub mod sensitive;
pub mod client;
pub mod config;
pub mod model;
pub mod route;
pub mod sketch;
