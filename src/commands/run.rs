//! `git release run` and `git release resume`: checks → plan → gate → steps → summary
//! (DESIGN.md › Pipeline): the
//! command lines and the JSON error; the work is in [`crate::release`].

use anyhow::Result;

use crate::context::GlobalArgs;
use crate::error::{Error, redact};
pub use crate::release::options::{ResumeArgs, RunArgs, RunFormat};
use crate::release::run::{resume_run, run_or_resume};

/// Runs `git release run`.
///
/// # Errors
/// A configuration or usage error (exit 2); a failed check (exit 1); a declined gate or a
/// mismatched attestation (exit 4); a failed or partial release (exit 1 or 3, after the
/// summary).
pub fn run(global: &GlobalArgs, args: &RunArgs) -> Result<()> {
    let result = run_or_resume(global, args);
    json_error(global, args.format, &result);
    result
}

/// With `--format json`, a run that stops before its summary still prints exactly one JSON
/// document on stdout (issue 12, item 20), whatever stopped it — failed checks, a refused
/// gate, a held lock, a missing state, a configuration error:
/// `{"schema_version": 1, "status": "FAILED", "exit": N, "error": {"code", "message", "hint"}}`.
/// `code` is the pipeline's stable code when the error has one, else `CONFIG_INVALID`,
/// `USAGE_ERROR` or `FAILED` by the kind of error. A silent error means the summary was
/// printed already.
fn json_error(global: &GlobalArgs, format: RunFormat, result: &Result<()>) {
    let Err(err) = result else { return };
    if format != RunFormat::Json || crate::error::is_silent(err) {
        return;
    }
    let code = match crate::error::code_of(err) {
        Some(code) => code.as_str(),
        None => match err.chain().find_map(|e| e.downcast_ref::<Error>()).map(|e| &e.kind) {
            Some(crate::error::Kind::Config) => "CONFIG_INVALID",
            Some(crate::error::Kind::Usage) => "USAGE_ERROR",
            _ => "FAILED",
        },
    };
    let doc = serde_json::json!({
        "schema_version": 1,
        "status": "FAILED",
        "exit": crate::error::exit_code(err) as u8,
        "error": {
            "code": code,
            "message": redact(&err.to_string()),
            "hint": crate::error::hint(err).map(redact),
        },
    });
    let ui = crate::ui::Ui::new(global.quiet, global.verbose, global.color);
    let _ = ui.data(&format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default()));
}

/// Runs `git release resume RUN`.
///
/// # Errors
/// `STATE_NOT_FOUND`, `STATE_CORRUPT` or `WRONG_REPOSITORY` for the state file; a declined
/// gate; a live lock; then as [`run`].
pub fn resume(global: &GlobalArgs, args: &ResumeArgs) -> Result<()> {
    let result = resume_run(global, args);
    json_error(global, args.format, &result);
    result
}
