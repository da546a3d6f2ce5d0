//! Git access: [`read`] through gix for every read, [`cli`] through the `git` binary for
//! what must honour the user's setup (push, fetch, ls-remote, tags, worktrees).

pub mod ahead;
pub mod bulk;
pub mod cli;
pub mod read;
