//! One module per subcommand, each with its `Args` and a `run`; `git_release::run` is the
//! single exhaustive match. No command imports another: what two commands share lives in
//! the layers below (`release`, `checks`, `plan`, …).

pub mod calibrate;
pub mod changelog;
pub mod check;
pub mod completions;
pub mod doctor;
pub mod hook;
pub mod init;
pub mod notes;
pub mod plan;
pub mod rc;
pub mod rollback;
pub mod run;
pub mod status;
pub mod sync;
pub mod tag;
