//! The retry policy every forge call goes through (DESIGN.md › Pipeline, seed 000 section 2).
//!
//! A failed call is retried after `base * 2^attempt + jitter` milliseconds, `jitter` uniform in
//! `[0, base)`, up to `forge.retries` attempts in all. A failure saying the object already
//! exists counts as success (a re-run after a partial one); authentication and validation
//! failures are not retried, since trying again cannot fix them. The sleeper and the random
//! source are parameters, so the schedule is tested exactly.

use std::fmt;
use std::time::Duration;

use crate::error::{ErrorCode, redact};

/// How often and how patiently a forge call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (`forge.retries`); 0 counts as 1.
    pub attempts: u32,
    /// The base delay, in milliseconds (`forge.base_delay_ms`).
    pub base_ms: u64,
}

impl Default for RetryPolicy {
    /// 3 attempts, 1000 ms base: the defaults of `[forge]` and seed 000.
    fn default() -> Self {
        Self { attempts: 3, base_ms: 1000 }
    }
}

impl From<&crate::config::Forge> for RetryPolicy {
    fn from(forge: &crate::config::Forge) -> Self {
        Self { attempts: forge.retries, base_ms: forge.base_delay_ms }
    }
}

/// The delay before retry number `attempt + 1`, after attempt `attempt` (0-based) failed:
/// `base_ms * 2^attempt + jitter` milliseconds, where `jitter = random() % base_ms`, uniform
/// in `[0, base_ms)` for a uniform `random`. Saturates instead of overflowing; a zero base
/// gives no delay.
///
/// ```
/// use std::time::Duration;
/// use git_release::forge::delay;
/// assert_eq!(delay(2, 1000, &mut || 1250), Duration::from_millis(4250));
/// ```
pub fn delay(attempt: u32, base_ms: u64, random: &mut impl FnMut() -> u64) -> Duration {
    if base_ms == 0 {
        return Duration::ZERO;
    }
    let factor = 1u64.checked_shl(attempt).unwrap_or(u64::MAX);
    let jitter = random() % base_ms;
    Duration::from_millis(base_ms.saturating_mul(factor).saturating_add(jitter))
}

/// What kind of failure a forge call ended with, which decides whether it is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// May succeed if tried again (server error, network, rate limit): retried.
    Transient,
    /// The object to create exists already: counts as success.
    AlreadyExists,
    /// Not authenticated or not allowed: not retried.
    Auth,
    /// The request is invalid (HTTP 422, bad argument): not retried.
    Validation,
    /// The object asked for does not exist (`release not found`, HTTP 404): an answer, not
    /// retried; lookups turn it into "absent".
    NotFound,
    /// The call ran past `forge.timeout_secs` and was killed: not retried (a hung forge
    /// would otherwise cost the limit once per attempt).
    Timeout,
}

/// A failed forge call: its kind and what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Whether and how to retry.
    pub kind: FailureKind,
    /// What the call said, e.g. `gh`'s stderr.
    pub message: String,
}

impl Failure {
    /// A failure of `kind` with `message`.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// A failure classified from `gh`'s stderr by [`classify`].
    pub fn from_stderr(stderr: &str) -> Self {
        Self::new(classify(stderr), stderr.trim())
    }
}

/// The kind of a `gh` failure from its stderr: "already exists" → `AlreadyExists`;
/// authentication or permission words, HTTP 401/403 → `Auth`; HTTP 422, "validation failed",
/// unknown flags and bad arguments → `Validation`; anything else (HTTP 5xx, timeouts, network,
/// rate limits) → `Transient`.
///
/// ```
/// use git_release::forge::{classify, FailureKind};
/// assert_eq!(classify("HTTP 502: Bad Gateway"), FailureKind::Transient);
/// assert_eq!(classify("a release with the same tag name already exists: v1.0.0"), FailureKind::AlreadyExists);
/// ```
pub fn classify(stderr: &str) -> FailureKind {
    let text = stderr.to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if any(&["already exists"]) {
        FailureKind::AlreadyExists
    } else if any(&["rate limit", "secondary rate"]) {
        FailureKind::Transient
    } else if any(&[
        "http 401",
        "http 403",
        "bad credentials",
        "authentication",
        "gh auth login",
        "not logged in",
        "resource not accessible",
        "must have admin rights",
        "permission",
    ]) {
        FailureKind::Auth
    } else if any(&[
        "not found",
        "http 404",
        "could not resolve to a",
        "no pull requests found",
        "no releases found",
    ]) {
        FailureKind::NotFound
    } else if any(&["http 422", "validation failed", "unknown flag", "invalid argument", "usage:"])
    {
        FailureKind::Validation
    } else {
        FailureKind::Transient
    }
}

/// How a retried call ended well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// The call succeeded with this value.
    Done(T),
    /// The call said the object already exists (its message here): nothing more to do.
    AlreadyExists(String),
}

/// A forge call that failed for good: the last failure and how many attempts were made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RetryError {
    /// The last failure; its message has credentials redacted.
    pub failure: Failure,
    /// Attempts made, 1 or more.
    pub attempts: u32,
}

impl RetryError {
    /// The stable code: `FORGE_AUTH` for an auth failure, `TIMEOUT` for a call killed at its
    /// time limit, `FORGE_FAILED` otherwise.
    pub fn code(&self) -> ErrorCode {
        match self.failure.kind {
            FailureKind::Auth => ErrorCode::ForgeAuth,
            FailureKind::Timeout => ErrorCode::Timeout,
            _ => ErrorCode::ForgeFailed,
        }
    }
}

impl fmt::Display for RetryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.failure.kind {
            FailureKind::Auth => "authentication failed",
            FailureKind::Validation => "the request was refused as invalid",
            FailureKind::NotFound => "not found",
            FailureKind::Timeout => "the call timed out",
            FailureKind::Transient | FailureKind::AlreadyExists => "the call failed",
        };
        let plural = if self.attempts == 1 { "" } else { "s" };
        write!(f, "{what} after {} attempt{plural}: {}", self.attempts, self.failure.message)
    }
}

/// Runs `op` until it succeeds, says the object already exists, fails with an auth or
/// validation error, or has been tried `policy.attempts` times; between attempts it calls
/// `sleep` with [`delay`]`(attempt, policy.base_ms, random)`. `op` gets the 0-based attempt
/// number.
///
/// # Errors
/// The last failure, as a [`RetryError`] with the number of attempts made, when no attempt
/// succeeded; the failure's message has credentials redacted.
pub fn retry<T>(
    policy: &RetryPolicy,
    sleep: &mut impl FnMut(Duration),
    random: &mut impl FnMut() -> u64,
    mut op: impl FnMut(u32) -> Result<T, Failure>,
) -> Result<Outcome<T>, RetryError> {
    let attempts = policy.attempts.max(1);
    let mut attempt = 0;
    loop {
        let failure = match op(attempt) {
            Ok(value) => return Ok(Outcome::Done(value)),
            Err(failure) => failure,
        };
        let last = attempt + 1 >= attempts;
        match failure.kind {
            FailureKind::AlreadyExists => {
                return Ok(Outcome::AlreadyExists(redact(&failure.message)));
            }
            FailureKind::Transient if !last => {
                sleep(delay(attempt, policy.base_ms, random));
                attempt += 1;
            }
            _ => {
                let failure = Failure::new(failure.kind, redact(&failure.message));
                return Err(RetryError { failure, attempts: attempt + 1 });
            }
        }
    }
}

/// The real sleeper for [`retry`].
pub fn sleep(duration: Duration) {
    std::thread::sleep(duration);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing test should stop at the failing call")]
mod tests {
    use super::*;

    /// A fake random source returning `values` in turn.
    fn fake_random(values: &[u64]) -> impl FnMut() -> u64 + '_ {
        let mut next = values.iter().copied().cycle();
        move || next.next().expect("cycle is endless")
    }

    fn transient() -> Failure {
        Failure::new(FailureKind::Transient, "HTTP 502: Bad Gateway")
    }

    #[test]
    fn delay_is_exponential_plus_jitter_below_base() {
        let mut random = fake_random(&[0, 999, 1000, 1234]);
        let delays: Vec<_> = (0..4).map(|a| delay(a, 1000, &mut random).as_millis()).collect();
        assert_eq!(delays, [1000, 2999, 4000, 8234]);
        assert_eq!(delay(3, 0, &mut || 7), Duration::ZERO);
        assert_eq!(delay(200, 1000, &mut || 0), Duration::from_millis(u64::MAX));
    }

    #[test]
    fn transient_failures_follow_the_schedule_then_succeed() {
        let mut slept = Vec::new();
        let mut random = fake_random(&[250, 1999, 10]);
        let policy = RetryPolicy { attempts: 4, base_ms: 1000 };
        let mut calls = Vec::new();
        let outcome = retry(&policy, &mut |d| slept.push(d), &mut random, |attempt| {
            calls.push(attempt);
            if attempt < 3 { Err(transient()) } else { Ok("v1.0.0") }
        });
        assert_eq!(outcome, Ok(Outcome::Done("v1.0.0")));
        assert_eq!(calls, [0, 1, 2, 3]);
        let ms: Vec<_> = slept.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [1250, 2999, 4010]);
    }

    #[test]
    fn gives_up_after_the_last_attempt_without_sleeping_after_it() {
        let mut slept = Vec::new();
        let policy = RetryPolicy::default();
        let result = retry(&policy, &mut |d| slept.push(d), &mut || 0, |_| -> Result<(), _> {
            Err(Failure::new(FailureKind::Transient, "dial https://me:tok@api.github.com: timeout"))
        });
        let err = result.unwrap_err();
        assert_eq!(err.attempts, 3);
        assert_eq!(err.code(), ErrorCode::ForgeFailed);
        assert_eq!(slept, [Duration::from_secs(1), Duration::from_secs(2)]);
        assert_eq!(
            err.to_string(),
            "the call failed after 3 attempts: dial https://***@api.github.com: timeout"
        );
    }

    #[test]
    fn already_exists_is_success_and_auth_and_validation_are_not_retried() {
        let policy = RetryPolicy { attempts: 5, base_ms: 10 };
        let mut slept = Vec::new();
        let outcome =
            retry(&policy, &mut |d| slept.push(d), &mut || 3, |attempt| -> Result<(), _> {
                Err(if attempt == 0 {
                    transient()
                } else {
                    Failure::from_stderr("tag already exists")
                })
            });
        assert_eq!(outcome, Ok(Outcome::AlreadyExists("tag already exists".into())));
        assert_eq!(slept, [Duration::from_millis(13)]);

        for (stderr, code) in [
            ("HTTP 401: Bad credentials", ErrorCode::ForgeAuth),
            ("HTTP 422: Validation Failed", ErrorCode::ForgeFailed),
        ] {
            let mut calls = 0;
            let err =
                retry(&policy, &mut |_| panic!("no sleep"), &mut || 0, |_| -> Result<(), _> {
                    calls += 1;
                    Err(Failure::from_stderr(stderr))
                })
                .unwrap_err();
            assert_eq!((calls, err.attempts, err.code()), (1, 1, code), "{stderr}");
        }
    }

    #[test]
    fn zero_attempts_still_calls_once() {
        let policy = RetryPolicy { attempts: 0, base_ms: 1000 };
        let err = retry(&policy, &mut |_| panic!("no sleep"), &mut || 0, |_| -> Result<(), _> {
            Err(transient())
        })
        .unwrap_err();
        assert_eq!(err.attempts, 1);
    }

    #[test]
    fn classify_reads_gh_stderr() {
        let cases = [
            ("HTTP 502: Bad Gateway (https://api.github.com/graphql)", FailureKind::Transient),
            ("error connecting to api.github.com", FailureKind::Transient),
            ("API rate limit exceeded for user ID 1. HTTP 403", FailureKind::Transient),
            (
                "a pull request for branch \"release/x\" into branch \"main\" already exists",
                FailureKind::AlreadyExists,
            ),
            ("HTTP 401: Bad credentials", FailureKind::Auth),
            ("To get started with GitHub CLI, please run:  gh auth login", FailureKind::Auth),
            ("HTTP 403: Resource not accessible by integration", FailureKind::Auth),
            ("HTTP 422: Validation Failed", FailureKind::Validation),
            ("unknown flag: --frobnicate", FailureKind::Validation),
        ];
        for (stderr, kind) in cases {
            assert_eq!(classify(stderr), kind, "{stderr}");
        }
    }
}
