//! Integration tests against real temporary repositories.

mod fixtures;
mod generated;
