//! The one place that writes: data to stdout, status and errors to stderr.
//!
//! Commands build strings and hand them here; nothing else in the crate prints. This keeps
//! `--quiet`, colour and the split between data and diagnostics in one spot.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "this module is the crate's only writer"
)]

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};

use anyhow::{Context, Result};

/// When to colour output (`--color`), like git's `color.ui`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Output handles and verbosity for one invocation.
#[derive(Debug, Clone)]
pub struct Ui {
    quiet: bool,
    verbose: u8,
    color: bool,
    progress: bool,
}

/// A spinner with the elapsed time on stderr while something is waited for (issue 14, item
/// 6), from [`Ui::progress`]; cleared when finished or dropped. Empty (it draws nothing)
/// when stderr is not a terminal, under `--quiet`, or when progress is off (JSON output).
#[derive(Debug)]
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// Whether anything is drawn.
    pub fn shown(&self) -> bool {
        self.0.is_some()
    }

    /// Clears the spinner's line.
    pub fn finish(self) {}
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}

impl Ui {
    /// Builds the writer from the global flags; `NO_COLOR` turns colour off under `auto`.
    pub fn new(quiet: bool, verbose: u8, color: ColorChoice) -> Self {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        };
        TRACE.store(verbose, std::sync::atomic::Ordering::Relaxed);
        Self { quiet, verbose, color, progress: true }
    }

    /// Turns progress spinners on or off: off for `--format json`, so that what a program
    /// reads is never mixed with a terminal animation.
    pub fn set_progress(&mut self, on: bool) {
        self.progress = on;
    }

    /// A spinner reading `{message} ({elapsed})` on stderr until the [`Progress`] is finished
    /// or dropped; nothing at all unless stderr is a terminal, `--quiet` is off and progress
    /// is on ([`Ui::set_progress`]).
    pub fn progress(&self, message: &str) -> Progress {
        if !self.progress || self.quiet || !io::stderr().is_terminal() {
            return Progress(None);
        }
        let style = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr())
                .with_style(style)
                .with_message(terminal_safe(message).into_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress(Some(bar))
    }

    /// Whether `-v` was given at least `level` times.
    pub fn verbose(&self, level: u8) -> bool {
        self.verbose >= level
    }

    /// Whether `--quiet` was given.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Whether colour escapes may be used on stdout.
    pub fn color(&self) -> bool {
        self.color
    }

    /// Writes data to stdout, control characters escaped ([`terminal_safe`]; with colour on,
    /// the few colour codes this crate paints with are kept). A closed pipe (`| head`) is
    /// not an error. Under `--quiet` nothing is written: `-q` prints nothing but errors,
    /// and the exit code answers (as `git diff --quiet` does).
    ///
    /// # Errors
    /// Writing to stdout fails for another reason.
    pub fn data(&self, text: &str) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        let text = sanitize(text, self.color);
        let mut out = io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("failed to write to stdout"),
        }
    }

    /// A status line on stderr, unless `--quiet`.
    pub fn status(&self, line: &str) {
        if !self.quiet {
            eprintln!("{}", terminal_safe(line));
        }
    }

    /// A warning on stderr (`warning: …`), unless `--quiet`.
    pub fn warn(&self, line: &str) {
        if !self.quiet {
            eprintln!("warning: {}", terminal_safe(line));
        }
    }

    /// A detail on stderr when `-v` was given.
    pub fn debug(&self, line: &str) {
        if self.verbose > 0 {
            eprintln!("{}", terminal_safe(line));
        }
    }
}

/// The verbosity of the last [`Ui`] made: [`trace`] prints at 2 (`-vv`).
static TRACE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Writes `line()` to stderr under `-vv` (every git command the crate runs is logged so).
pub fn trace(line: &dyn Fn() -> String) {
    if TRACE.load(std::sync::atomic::Ordering::Relaxed) >= 2 {
        eprintln!("trace: {}", terminal_safe(&line()));
    }
}

/// Prints an error with its causes and hint on stderr, the format of STYLE.md:
/// `error: <msg>` (`error[CODE]: <msg>` for a pipeline error with a stable code), then
/// `  caused by: …` lines, then `hint: …`.
pub fn print_error(err: &anyhow::Error) {
    // A pipeline error shows its stable code, as in the state file and the JSON result.
    // No message ends in a stray `: ` (issue 15), whatever built it: `what: {detail}` with
    // an empty detail. (A message ending in `:` alone, such as a quoted YAML line, is kept.)
    let whole = |text: String| match text.strip_suffix(": ") {
        Some(head) => head.trim_end().to_owned(),
        None => text,
    };
    match crate::error::code_of(err) {
        Some(code) => eprintln!("error[{code}]: {}", terminal_safe(&whole(err.to_string()))),
        None => eprintln!("error: {}", terminal_safe(&whole(err.to_string()))),
    }
    for cause in err.chain().skip(1) {
        let text = whole(cause.to_string());
        if !text.is_empty() {
            eprintln!("  caused by: {}", terminal_safe(&text));
        }
    }
    for hint in crate::error::hints(err) {
        eprintln!("hint: {}", terminal_safe(hint));
    }
}

/// `text` safe to print on a terminal (issue 12, item 8): every control character but
/// newline and tab (ESC, CR, BEL, backspace, DEL, the C1 range) is written as its Rust escape,
/// e.g. `\u{1b}`, as the pre-push hook does. A commit message can then not move the cursor,
/// rewrite a line, hide text or set the window title. Borrowed when there is nothing to
/// escape.
///
/// ```
/// use git_release::ui::terminal_safe;
/// assert_eq!(terminal_safe("fix: \x1b[2Jgone\r"), "fix: \\u{1b}[2Jgone\\r");
/// assert_eq!(terminal_safe("two\nlines"), "two\nlines");
/// ```
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    sanitize(text, false)
}

/// Whether `c` is escaped by [`terminal_safe`].
fn unsafe_char(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Whether `text` has a character [`unsafe_char`] escapes, judged on its UTF-8 bytes: the
/// C0 controls are single bytes below 0x20 and 0x7F, and the C1 controls (U+0080-U+009F)
/// are 0xC2 followed by 0x80-0x9F. A byte loop, because `plan --format json` passes
/// megabytes through here and decoding every `char` cost a tenth of its rendering.
#[expect(
    clippy::needless_bitwise_bool,
    reason = "non-short-circuit operators keep the block test branch-free, so it vectorizes"
)]
fn has_unsafe_char(text: &str) -> bool {
    let bytes = text.as_bytes();
    // A branch-free test per 64-byte block, which the compiler vectorizes; only a block
    // with a suspect byte (any control but newline and tab, or 0xC2) is looked at closely.
    bytes.chunks(64).enumerate().any(|(block, chunk)| {
        let suspect = chunk.iter().fold(false, |acc, &b| {
            acc | ((b < 0x20) & (b != b'\n') & (b != b'\t')) | (b == 0x7f) | (b == 0xc2)
        });
        suspect
            && chunk.iter().enumerate().any(|(i, &b)| match b {
                b'\n' | b'\t' => false,
                0..0x20 | 0x7f => true,
                0xc2 => {
                    bytes.get(block * 64 + i + 1).is_some_and(|next| (0x80..0xa0).contains(next))
                }
                _ => false,
            })
    })
}

/// [`terminal_safe`]; with `paint`, the colour sequences this crate writes (`ESC[0m`,
/// `ESC[2m`, `ESC[31m`-`ESC[33m`) are kept.
fn sanitize(text: &str, paint: bool) -> Cow<'_, str> {
    if !has_unsafe_char(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if paint && c == '\x1b' {
            let ours = ["\x1b[0m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[33m"];
            if let Some(seq) = ours.iter().find(|seq| rest.starts_with(**seq)) {
                out.push_str(seq);
                rest = &rest[seq.len()..];
                continue;
            }
        }
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// `text` for Markdown (issue 12, item 8): control characters other than newline and tab
/// dropped, so a CHANGELOG or release note carries no terminal escapes.
///
/// ```
/// use git_release::ui::markdown_safe;
/// assert_eq!(markdown_safe("fix: \x1b]0;pwned\x07the parser"), "fix: ]0;pwnedthe parser");
/// ```
pub fn markdown_safe(text: &str) -> Cow<'_, str> {
    if has_unsafe_char(text) {
        Cow::Owned(text.chars().filter(|c| !unsafe_char(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// A command line to suggest (a hint, a dry run's action): every word shell-quoted with
/// shell-words (issue 12, item 9), so a tag named `v1.7;touch${IFS}/tmp/x` is suggested as
/// one quoted argument, never as a second command.
///
/// ```
/// use git_release::ui::command_line;
/// assert_eq!(command_line(&["git", "tag", "-d", "v1.7;touch${IFS}/tmp/x"]), "git tag -d 'v1.7;touch${IFS}/tmp/x'");
/// assert_eq!(command_line(&["git", "switch", "main"]), "git switch main");
/// ```
pub fn command_line<S: AsRef<str>>(words: &[S]) -> String {
    shell_words::join(words)
}

/// A borderless, aligned table with trailing spaces trimmed: the table format every
/// command prints. `header` names the columns; each row has one cell per column.
pub fn plain_table<const N: usize>(
    header: [&str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) -> String {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::NOTHING);
    table.set_header(header);
    for row in rows {
        table.add_row(row);
    }
    let mut out = String::new();
    for line in table.to_string().lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte scan agrees with `char::is_control` on every character of the first three
    /// UTF-8 lengths, alone and between other text.
    #[test]
    fn the_byte_scan_finds_what_char_decoding_finds() {
        for code in (0..0x1_0000).chain([0x1_F600, 0x10_FFFF]) {
            let Some(c) = char::from_u32(code) else { continue };
            for text in [c.to_string(), format!("a{c}"), format!("é{c}ü"), format!("{c}\u{c2}x")]
            {
                assert_eq!(has_unsafe_char(&text), text.chars().any(unsafe_char), "{text:?}");
            }
        }
    }
}
