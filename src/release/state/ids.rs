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
    let date = day_of(unix_secs(now));
    format!("release-{:04}{:02}{:02}-{:06x}", date.year, date.month, date.day, random & 0x00ff_ffff)
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

/// `time` as RFC 3339 UTC to the second, `2025-02-25T10:00:00Z`; times before 1970 give the
/// epoch.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use git_release::release::state::timestamp;
/// assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
/// ```
pub fn timestamp(time: SystemTime) -> String {
    let secs = unix_secs(time);
    let of_day = secs % 86_400;
    format!("{}T{:02}:{:02}:{:02}Z", day_of(secs), of_day / 3600, of_day % 3600 / 60, of_day % 60)
}

pub(super) fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The UTC day of the Unix time `secs`.
pub(super) fn day_of(secs: u64) -> Date {
    Date::from_days(i64::try_from(secs / 86_400).unwrap_or(i64::MAX))
}
