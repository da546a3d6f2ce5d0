//! `LOCKED`, `LINT` and publishing: the configured `[commands]`, run with a time limit.

#[allow(clippy::wildcard_imports, reason = "a step shares the imports and helpers of `steps`")]
use super::*;

/// Splits a `[commands]` entry into argv (shell quoting rules, no expansion) and expands
/// `{name}`, `{version}` and `{tag}` in each argument.
///
/// # Errors
/// Unbalanced quotes, or an empty command.
pub fn command_argv(command: &str, name: &str, version: &str, tag: &str) -> Result<Vec<String>> {
    let words = shell_words::split(command)
        .map_err(|e| anyhow::anyhow!("cannot split `{command}` into arguments: {e}"))?;
    anyhow::ensure!(!words.is_empty(), "the command is empty");
    Ok(words
        .into_iter()
        .map(|w| w.replace("{name}", name).replace("{version}", version).replace("{tag}", tag))
        .collect())
}

/// Runs a configured command in `dir`; on failure, `code` with the command and its last lines.
/// Runs a `[commands]` entry in `dir`, killed past `limit` (`commands.timeout_secs`).
///
/// # Errors
/// It cannot start or fails (`code`), or runs past the limit (`TIMEOUT`); the message has
/// its last lines.
pub(crate) fn run_command(
    argv: &[String],
    dir: &Path,
    limit: Duration,
    code: ErrorCode,
    what: &str,
) -> Result<String> {
    let shown = shell_words::join(argv);
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).current_dir(dir);
    let ended = crate::child::output_within(&mut cmd, Some(limit))
        .map_err(|e| fail(code, format!("cannot run {what} `{shown}`: {e}")))?;
    let text = |out: &[u8], err: &[u8]| {
        format!("{}{}", String::from_utf8_lossy(out), String::from_utf8_lossy(err))
    };
    match ended {
        crate::child::Ended::TimedOut { stdout, stderr } => Err(Error::coded(
            ErrorCode::Timeout,
            format!(
                "{what} `{shown}` did not finish within {} s and was stopped:\n{}",
                limit.as_secs(),
                last_lines(&text(&stdout, &stderr), 10)
            ),
        )
        .with_hint("raise `commands.timeout_secs` or fix the command, then `git release resume`")
        .into()),
        crate::child::Ended::Exited { status, stdout, stderr } => {
            let text = text(&stdout, &stderr);
            if !status.success() {
                return Err(fail(
                    code,
                    format!("{what} `{shown}` failed ({status}):\n{}", last_lines(&text, 10)),
                ));
            }
            Ok(text)
        }
    }
}

pub(super) fn command_step(job: &mut Job<'_>, act: Act, step: Phase) -> Result<bool> {
    let (configured, code, what) = match step {
        Phase::Locked => {
            (job.env.config.commands.lock.clone(), ErrorCode::LockFailed, "`commands.lock`")
        }
        _ => (job.env.config.commands.lint.clone(), ErrorCode::LintFailed, "`commands.lint`"),
    };
    let Some(command) = configured else { return Ok(true) };
    let argv = command_argv(&command, job.name(), job.version(), &job.tag())
        .map_err(|e| fail(code, format!("{what}: {e:#}")))?;
    match act {
        // The command leaves no trace to check; its effect is in the release commit.
        Act::Verify => Ok(true),
        Act::Describe => {
            job.describe(step, format!("run {what}: {}", shell_words::join(&argv)), None);
            Ok(true)
        }
        Act::Perform => {
            let result =
                run_command(&argv, &job.worktree(), job.env.config.commands.timeout(), code, what);
            // What the command changed is the run's own, whether it succeeded or not.
            record_changes(job)?;
            result?;
            Ok(true)
        }
    }
}
