//! Integration tests against real temporary repositories.

mod changelog;
mod check;
mod fixtures;
mod generated;
mod init;
mod plan;
mod support;
