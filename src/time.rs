//! Calendar dates and timestamps, all in UTC unless an offset is given, on `jiff`.
//!
//! - waiver expiry days (`expires = "YYYY-MM-DD"`, DESIGN.md › Checks and waivers);
//! - the changelog's release dates (`git log --date=short` in the committer's own zone);
//! - the RFC 3339 timestamps of the run state and the run ids' `YYYYMMDD`.

use std::time::SystemTime;

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

/// A calendar day (proleptic Gregorian), `jiff`'s civil date. Ordered by time; displayed as
/// `YYYY-MM-DD`.
pub use jiff::civil::Date;

/// Parses exactly `YYYY-MM-DD` (ten characters); `None` for anything else, including days a
/// month does not have.
///
/// ```
/// use git_release::time::parse_date;
/// assert!(parse_date("2024-02-29").is_some());
/// assert!(parse_date("2023-02-29").is_none());
/// assert!(parse_date("2024-1-31").is_none());
/// assert!(parse_date("next week").is_none());
/// ```
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() });
    shaped.then(|| text.parse().ok()).flatten()
}

/// Today in UTC, from the system clock.
pub fn today() -> Date {
    Timestamp::now().to_zoned(TimeZone::UTC).date()
}

/// The day of `seconds` since the Unix epoch in the zone `offset` seconds east of UTC; an
/// offset or time out of range counts as UTC / the epoch.
///
/// ```
/// use git_release::time::date_of;
/// assert_eq!(date_of(1_700_000_000, 0).to_string(), "2023-11-14");
/// assert_eq!(date_of(1_700_000_000, 10 * 3600).to_string(), "2023-11-15");
/// assert_eq!(date_of(0, -3600).to_string(), "1969-12-31");
/// ```
pub fn date_of(seconds: i64, offset: i32) -> Date {
    let time = Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH);
    let zone = Offset::from_seconds(offset).unwrap_or(Offset::UTC);
    time.to_zoned(TimeZone::fixed(zone)).date()
}

/// The UTC day of `time`; times before 1970 give 1970-01-01.
pub fn day_of(time: SystemTime) -> Date {
    date_of(unix_seconds(time), 0)
}

/// `time` as RFC 3339 UTC to the second, `2025-02-25T10:00:00Z`; times before 1970 give the
/// epoch.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use git_release::time::timestamp;
/// assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
/// assert_eq!(timestamp(UNIX_EPOCH - Duration::from_secs(5)), "1970-01-01T00:00:00Z");
/// ```
pub fn timestamp(time: SystemTime) -> String {
    let time = Timestamp::from_second(unix_seconds(time)).unwrap_or(Timestamp::UNIX_EPOCH);
    time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Whole seconds of `time` since the Unix epoch; 0 before it.
pub fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The variable that sets the clock the cadence windows are judged by (test-only; see
/// [`now`]).
pub const NOW_VARIABLE: &str = "GIT_RELEASE_NOW";

/// The time release windows are judged by (`[cadence]`, issue 17 item 7), in UTC, and
/// whether it came from the system clock. `GIT_RELEASE_NOW` (an RFC 3339 timestamp such as
/// `2026-03-12T10:00:00Z`) replaces the clock: it exists for the tests, which must not
/// depend on today's date, and a run that uses it says so in its evidence (`clock`).
///
/// # Errors
/// `GIT_RELEASE_NOW` is set but is not an RFC 3339 timestamp (a configuration error naming
/// the variable).
pub fn now() -> anyhow::Result<(jiff::Zoned, bool)> {
    match std::env::var(NOW_VARIABLE) {
        Ok(text) if !text.trim().is_empty() => {
            let time: Timestamp = text.trim().parse().map_err(|e| {
                crate::error::Error::config(format!(
                    "`{NOW_VARIABLE}` is `{text}`, which is not an RFC 3339 timestamp: {e}"
                ))
                .with_hint("unset it (it is for tests), or write e.g. `2026-03-12T10:00:00Z`")
            })?;
            Ok((time.to_zoned(TimeZone::UTC), false))
        }
        _ => Ok((Timestamp::now().to_zoned(TimeZone::UTC), true)),
    }
}
