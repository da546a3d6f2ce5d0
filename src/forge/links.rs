//! Links to a repository's pages on its forge — commits, issues, pull requests,
//! comparisons — from the remote's URL (parsed with `gix::url`), for the changelog and the
//! release notes. Works for forges git-release cannot drive (GitLab, Gitea, Bitbucket).

use gix::bstr::ByteSlice as _;
use gix::url::Scheme;

/// The forges whose URLs are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgeKind {
    /// github.com and GitHub Enterprise hosts with `github` in the name.
    GitHub,
    /// gitlab.com and hosts with `gitlab` in the name.
    GitLab,
    /// Gitea and Forgejo: hosts with `gitea` or `forgejo` in the name, and codeberg.org.
    Gitea,
    /// bitbucket.org.
    Bitbucket,
}

/// A repository on a known forge: builds links to commits, issues, pull requests and
/// comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// Which forge.
    pub kind: ForgeKind,
    /// `https://<host>/<owner>/<repo>`, without `.git`.
    pub base: String,
}

impl Links {
    /// The forge of a remote URL, in https (`https://github.com/o/r.git`), ssh
    /// (`ssh://git@github.com:22/o/r.git`) or scp-like (`git@github.com:o/r.git`) form;
    /// `None` for a local path or a host that is not a known forge.
    ///
    /// ```
    /// use git_release::forge::links::{ForgeKind, Links};
    /// let f = Links::from_remote_url("git@github.com:o/r.git").unwrap();
    /// assert_eq!((f.kind, f.base.as_str()), (ForgeKind::GitHub, "https://github.com/o/r"));
    /// let f = Links::from_remote_url("https://me:token@gitlab.com/g/sub/r").unwrap();
    /// assert_eq!(f.base, "https://gitlab.com/g/sub/r");
    /// let f = Links::from_remote_url("https://github.com/o/r.git?access_token=t#x").unwrap();
    /// assert_eq!(f.base, "https://github.com/o/r");
    /// assert!(Links::from_remote_url("/srv/git/r.git").is_none());
    /// assert!(Links::from_remote_url("https://git.example.com/o/r").is_none());
    /// ```
    pub fn from_remote_url(url: &str) -> Option<Links> {
        // Links are built from the host and path alone: never a user part, a query or a
        // fragment, where tokens live (`?access_token=…`; issue 12, item 7).
        let url = url.trim();
        let url = url.split(['?', '#']).next().unwrap_or(url);
        let parsed = gix::url::parse(url.as_bytes().as_bstr()).ok()?;
        // `git+ssh` and `ssh+git` parse as ssh; a local path, `ext::` and remote helpers have
        // no forge pages.
        if !matches!(parsed.scheme, Scheme::Https | Scheme::Http | Scheme::Ssh | Scheme::Git) {
            return None;
        }
        let host = parsed.host()?.to_ascii_lowercase();
        let path = parsed.path.to_str_lossy();
        let path = path.trim_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        if host.is_empty() || !path.contains('/') {
            return None;
        }
        let kind = if host.contains("github") {
            ForgeKind::GitHub
        } else if host.contains("gitlab") {
            ForgeKind::GitLab
        } else if host.contains("bitbucket") {
            ForgeKind::Bitbucket
        } else if host.contains("gitea") || host.contains("forgejo") || host == "codeberg.org" {
            ForgeKind::Gitea
        } else {
            return None;
        };
        // GitHub's ssh-over-443 host serves the same repositories as github.com.
        let host = if host == "ssh.github.com" { "github.com".to_owned() } else { host };
        Some(Links { kind, base: format!("https://{host}/{path}") })
    }

    /// The page of commit `id`.
    pub fn commit_url(&self, id: &str) -> String {
        match self.kind {
            ForgeKind::GitHub | ForgeKind::Gitea => format!("{}/commit/{id}", self.base),
            ForgeKind::GitLab => format!("{}/-/commit/{id}", self.base),
            ForgeKind::Bitbucket => format!("{}/commits/{id}", self.base),
        }
    }

    /// The page of issue `number` (GitHub and Gitea redirect it to the pull request when
    /// the number is one).
    pub fn issue_url(&self, number: u64) -> String {
        match self.kind {
            ForgeKind::GitLab => format!("{}/-/issues/{number}", self.base),
            _ => format!("{}/issues/{number}", self.base),
        }
    }

    /// The page of pull request `number` (a `(#123)` at the end of a squash-merged
    /// subject); on GitLab `#123` names an issue, so the issue page.
    pub fn pull_url(&self, number: u64) -> String {
        match self.kind {
            ForgeKind::GitHub => format!("{}/pull/{number}", self.base),
            ForgeKind::Gitea => format!("{}/pulls/{number}", self.base),
            ForgeKind::Bitbucket => format!("{}/pull-requests/{number}", self.base),
            ForgeKind::GitLab => self.issue_url(number),
        }
    }

    /// The comparison of `from` (older) and `to` (newer).
    pub fn compare_url(&self, from: &str, to: &str) -> String {
        match self.kind {
            ForgeKind::GitHub | ForgeKind::Gitea => format!("{}/compare/{from}...{to}", self.base),
            ForgeKind::GitLab => format!("{}/-/compare/{from}...{to}", self.base),
            ForgeKind::Bitbucket => format!("{}/branches/compare/{to}%0D{from}", self.base),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forge_urls_in_every_form() {
        for (url, base) in [
            ("https://github.com/o/r.git", "https://github.com/o/r"),
            ("git@github.com:o/r.git", "https://github.com/o/r"),
            ("ssh://git@ssh.github.com:443/o/r.git", "https://github.com/o/r"),
            ("git@gitlab.com:group/sub/r.git", "https://gitlab.com/group/sub/r"),
            ("https://codeberg.org/o/r", "https://codeberg.org/o/r"),
            ("git@bitbucket.org:o/r.git", "https://bitbucket.org/o/r"),
        ] {
            assert_eq!(Links::from_remote_url(url).map(|f| f.base), Some(base.to_owned()), "{url}");
        }
        for url in ["file:///srv/r.git", "../r.git", "https://example.com/o/r", "C:\\r"] {
            assert!(Links::from_remote_url(url).is_none(), "{url}");
        }
        let gl = Links::from_remote_url("git@gitlab.com:g/r.git").expect("gitlab");
        assert_eq!(gl.commit_url("abc"), "https://gitlab.com/g/r/-/commit/abc");
        assert_eq!(gl.compare_url("v1", "v2"), "https://gitlab.com/g/r/-/compare/v1...v2");
    }
}
