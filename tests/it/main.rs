//! Integration tests against real temporary repositories.

mod changelog;
mod check;
mod exact;
mod finish;
mod fixtures;
mod gate;
mod generated;
mod gh;
mod hook;
mod hostile;
mod hostile_forge;
mod init;
mod many;
mod plan;
mod real_gh;
mod releasable;
mod resume;
mod run;
mod snapshots;
mod support;
mod sync;
mod tag;
