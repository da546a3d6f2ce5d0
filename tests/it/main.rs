//! Integration tests against real temporary repositories.

mod generated;
