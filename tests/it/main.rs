//! Integration tests against real temporary repositories.

mod fixtures;
mod generated;
mod init;
mod plan;
mod support;
