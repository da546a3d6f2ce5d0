//! Globs for names: waiver packages, email patterns, Conventional Commit scopes.

use gix::bstr::ByteSlice as _;

/// Whether `text` matches the glob `pattern` by git's wildmatch (through gix): `*` is any run
/// of characters (`/` included: these are names, not paths), `?` one, `[…]` a class.
///
/// ```
/// use git_release::glob::glob_match;
/// assert!(glob_match("*", "core"));
/// assert!(glob_match("docs-*", "docs-site"));
/// assert!(glob_match("*@users.noreply.github.com", "1+me@users.noreply.github.com"));
/// assert!(glob_match("@scope/*", "@scope/pkg"));
/// assert!(!glob_match("docs", "docs-site"));
/// ```
pub fn glob_match(pattern: &str, text: &str) -> bool {
    gix::glob::wildmatch(
        pattern.as_bytes().as_bstr(),
        text.as_bytes().as_bstr(),
        gix::glob::wildmatch::Mode::empty(),
    )
}
