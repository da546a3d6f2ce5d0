//! Integration tests against real temporary repositories.

mod calibrate;
mod changelog;
mod check;
mod completion;
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
mod newcomer;
mod onboard;
mod plan;
mod readme;
mod real_gh;
mod releasable;
mod resume;
mod run;
mod snapshots;
mod support;
mod tag;
