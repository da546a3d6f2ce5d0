//! Run ids (`release-YYYYMMDD-xxxxxx`) and the timestamps written to the state.

#[allow(clippy::wildcard_imports, reason = "one module split in files")]
use super::*;

/// A run id for a run started at `now` (its UTC date) with `random`'s low 24 bits as six
/// lowercase hex digits: `release-20260225-a3f7b2`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use git_release::release::state::run_id;
/// let now = UNIX_EPOCH + Duration::from_secs(1_740_477_600);
/// assert_eq!(run_id(now, 0xff_a3f7b2), "release-20250225-a3f7b2");
/// ```
pub fn run_id(now: SystemTime, random: u64) -> String {
    let date = crate::time::day_of(now).strftime("%Y%m%d");
    format!("release-{date}-{:06x}", random & 0x00ff_ffff)
}

/// A fresh run id for `now`, its six hex digits from [`random_u64`].
pub fn new_run_id(now: SystemTime) -> String {
    run_id(now, random_u64())
}

/// 64 random bits (fastrand, seeded per thread from the OS). Not for secrets.
pub fn random_u64() -> u64 {
    fastrand::u64(..)
}

/// Whether `id` has the form `release-YYYYMMDD-xxxxxx` (six lowercase hex digits), which also
/// makes it safe as a file name.
pub fn is_run_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("release-") else { return false };
    let Some((date, hex)) = rest.split_once('-') else { return false };
    date.len() == 8
        && date.bytes().all(|b| b.is_ascii_digit())
        && hex.len() == 6
        && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `time` as RFC 3339 UTC to the second (see [`crate::time::timestamp`]).
pub fn timestamp(time: SystemTime) -> String {
    crate::time::timestamp(time)
}
