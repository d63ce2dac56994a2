//! Integration tests: the real HTTP stack against real PostgreSQL.

mod access;
mod agencies;
mod architecture;
mod auth;
mod cli;
mod contract;
mod database;
mod deadlines;
mod events;
mod events_tail;
mod fixture;
mod health;
mod helpers;
mod jobs_process;
mod lifecycle;
mod milestones;
mod openapi;
mod proposals;
mod read_cache;
mod reads;
mod recommendations;
mod reports;
mod roles;
mod seed;
mod webhook_receiver;
mod webhooks;
