//! Integration tests: the real router and store, served on a loopback port.
//! One test binary; each module covers one area.

mod helpers;
mod http_client;
#[path = "../support/keygen.rs"]
mod keygen;
mod serve;
mod slow_store;

mod auth;
mod cli;
mod console;
mod create;
mod errors;
mod hygiene;
mod lifecycle;
mod limits;
mod malformed;
mod openapi;
mod ownership;
mod postgres_nodes;
mod resource;
mod startup;
mod store_suite;
