//! Integration tests: the real router and store, served on a loopback port.
//! One test binary; each module covers one area.

mod helpers;
mod http_client;
#[path = "../support/keygen.rs"]
mod keygen;
mod serve;
mod slow_store;

mod auth;
mod authorized_keys;
mod authorized_keys_command;
mod cli;
mod clients;
mod console;
mod create;
mod data;
mod errors;
mod fingerprints;
mod formats;
mod hygiene;
mod keypairs;
mod lifecycle;
mod limits;
mod malformed;
mod migrations;
mod openapi;
mod ownership;
mod postgres_nodes;
mod read_only;
mod resource;
mod shutdown_delay;
mod startup;
mod store_suite;
