//! Integration tests against real temporary repositories.

mod changelog;
mod check;
mod fixtures;
mod gate;
mod generated;
mod gh;
mod hook;
mod hostile_forge;
mod init;
mod many;
mod plan;
mod resume;
mod run;
mod support;
mod tag;
