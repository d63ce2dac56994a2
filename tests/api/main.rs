//! Integration tests: the real HTTP stack against real PostgreSQL.

mod agencies;
mod cli;
mod database;
mod health;
mod helpers;
mod openapi;
mod recommendations;
mod seed;
