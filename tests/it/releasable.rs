//! The releasable repository the end-to-end tests share: a work tree pushed to a bare
//! `origin` over `file://` (upstream set, tags pushed), with the stand-in `gh` first on PATH,
//! and `git release` run in it with a fixed changelog date. Test files add their own
//! `impl Fixture` blocks for what only they look at.

use std::path::PathBuf;

use crate::gh::{self, Gh};
use crate::support::{Output, TestRepo, file_url};

/// The changelog date every run uses (`SOURCE_DATE_EPOCH`): 2023-11-14.
pub const SOURCE_DATE_EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1700000000");

/// A repository ready to release: the work tree, its bare `origin`, the stand-in `gh`.
pub struct Fixture {
    /// The work tree (and its scratch folder).
    pub r: TestRepo,
    /// The bare `origin`.
    pub bare: PathBuf,
    /// The stand-in `gh`, installed for `r`.
    pub gh: Gh,
}

impl Fixture {
    /// Pushes `main` and the tags of `r` to a new bare `origin`, sets the upstream and
    /// installs the stand-in `gh`.
    pub fn publish(r: TestRepo) -> Self {
        let bare = r.with_origin();
        r.git(["push", "--quiet", "origin", "--tags"]);
        r.git(["branch", "--quiet", "-u", "origin/main"]);
        let gh = Gh::install(&r);
        Fixture { r, bare, gh }
    }

    /// A copy of the fixture `key`, which `make` makes the first time a test of this
    /// process asks for it ([`TestRepo::cached`]), with `origin` pointed at the copied bare
    /// repository and a new stand-in `gh`. `key` must name everything `make` depends on.
    pub fn cached(key: &str, make: impl FnOnce() -> Fixture) -> Fixture {
        let r = TestRepo::cached(key, || {
            let built = make();
            assert_eq!(
                built.bare,
                built.r.scratch().join("remotes/origin.git"),
                "a cached fixture keeps its `origin` where `publish` puts it"
            );
            built.r
        });
        let bare = r.scratch().join("remotes/origin.git");
        r.git(["remote", "set-url", "origin", &file_url(&bare)]);
        let gh = Gh::install(&r);
        Fixture { r, bare, gh }
    }

    /// Runs `git release ARGS` in the work tree with the stand-in `gh` and a fixed date.
    pub fn release(&self, args: &[&str]) -> Output {
        self.release_env(args, &[])
    }

    /// [`Fixture::release`] with extra environment variables.
    pub fn release_env(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let pairs = self.gh.env();
        let mut env = gh::borrow(&pairs);
        env.push(SOURCE_DATE_EPOCH);
        env.extend_from_slice(extra);
        self.r.run_in(&self.r.path(), args, &env, None)
    }

    /// `git ARGS` in the bare remote, trimmed.
    pub fn remote<const N: usize>(&self, args: [&str; N]) -> String {
        self.r.git_in(&self.bare, args)
    }
}
