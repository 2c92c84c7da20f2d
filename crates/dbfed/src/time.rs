//! Time arithmetic on values from outside — JWT claims, `expires_in` / `expires_on`,
//! `Retry-After`, configured durations — held to bounds, so that no value can overflow a clock
//! or panic in any build profile.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The latest time dbfed represents, 9999-12-31T23:59:59Z, in seconds since the epoch: later
/// claims are read as this "far future", which every binding's date type and HTTP dates hold.
pub(crate) const FAR_FUTURE_UNIX_SECONDS: u64 = 253_402_300_799;

/// The longest span dbfed counts with (ten years): longer lifetimes, leeways and pauses are held
/// to it, so adding one to any clock reading cannot overflow.
pub(crate) const MAX_SPAN: Duration = Duration::from_secs(10 * 366 * 24 * 60 * 60);

/// 9999-12-31T23:59:59Z.
pub(crate) fn far_future() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(FAR_FUTURE_UNIX_SECONDS)
}

/// The time `seconds` after the epoch, at most [`far_future`].
pub(crate) fn from_unix_seconds(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds.min(FAR_FUTURE_UNIX_SECONDS))
}

/// A JSON NumericDate (RFC 7519: seconds since the epoch, maybe fractional or negative) as whole
/// seconds from 0 to [`FAR_FUTURE_UNIX_SECONDS`]; `None` if `value` is not a number.
pub(crate) fn numeric_date(value: &serde_json::Value) -> Option<u64> {
    if let Some(seconds) = value.as_u64() {
        return Some(seconds.min(FAR_FUTURE_UNIX_SECONDS));
    }
    let seconds = value.as_f64()?;
    // The float-to-int cast saturates; negative times are the epoch.
    Some((seconds.max(0.0) as u64).min(FAR_FUTURE_UNIX_SECONDS))
}

/// `span`, at most [`MAX_SPAN`].
pub(crate) fn capped(span: Duration) -> Duration {
    span.min(MAX_SPAN)
}

/// `start + span` on the monotonic clock, with `span` held to [`MAX_SPAN`].
pub(crate) fn after(start: Instant, span: Duration) -> Instant {
    // Ten years past any reading fits every platform's `Instant`; were it not so, `start` is the
    // safe answer (the span is treated as over).
    start.checked_add(capped(span)).unwrap_or(start)
}

/// `at + span` by the wall clock, at most [`far_future`].
pub(crate) fn wall_after(at: SystemTime, span: Duration) -> SystemTime {
    at.checked_add(span)
        .map_or_else(far_future, |later| later.min(far_future()))
}

/// How long from now until `at` by the wall clock: zero once past, at most [`MAX_SPAN`].
pub(crate) fn until(at: SystemTime) -> Duration {
    at.duration_since(SystemTime::now())
        .map_or(Duration::ZERO, capped)
}

/// A server's count of seconds (`expires_in`, a relative `expires_on`) as a span of at most
/// [`MAX_SPAN`]; `None` unless it is finite and positive.
pub(crate) fn positive_seconds(seconds: f64) -> Option<Duration> {
    (seconds.is_finite() && seconds > 0.0)
        .then(|| Duration::try_from_secs_f64(seconds).map_or(MAX_SPAN, capped))
}

/// `at` as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`), held to the epoch and the far future.
pub(crate) fn http_date(at: SystemTime) -> String {
    httpdate::fmt_http_date(at.clamp(UNIX_EPOCH, far_future()))
}

/// Now, in seconds since the epoch (zero on a clock set before 1970).
pub(crate) fn unix_now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The extremes every time computation is tried at.
    const EXTREMES: [u64; 7] = [
        0,
        1 << 31,
        1 << 53,
        (1 << 53) + 1,
        1 << 63,
        u64::MAX,
        FAR_FUTURE_UNIX_SECONDS + 1,
    ];

    #[test]
    fn numeric_dates_are_held_between_the_epoch_and_the_far_future() {
        for (value, expected) in [
            (json!(0), 0),
            (json!(1_700_000_000), 1_700_000_000),
            (json!(1_700_000_000.75), 1_700_000_000),
            (json!(-5), 0),
            (json!(-1e300), 0),
            (json!(1e300), FAR_FUTURE_UNIX_SECONDS),
            (json!(u64::MAX), FAR_FUTURE_UNIX_SECONDS),
            (json!(i64::MIN), 0),
            (json!(FAR_FUTURE_UNIX_SECONDS), FAR_FUTURE_UNIX_SECONDS),
            (json!(FAR_FUTURE_UNIX_SECONDS + 1), FAR_FUTURE_UNIX_SECONDS),
        ] {
            assert_eq!(numeric_date(&value), Some(expected), "{value}");
        }
        for not_a_number in [json!("1700000000"), json!(null), json!([1]), json!(true)] {
            assert_eq!(numeric_date(&not_a_number), None, "{not_a_number}");
        }
    }

    #[test]
    fn sums_at_the_extremes_saturate() {
        let now = Instant::now();
        for seconds in EXTREMES {
            let span = Duration::from_secs(seconds);
            assert!(after(now, span) <= now + MAX_SPAN);
            assert!(wall_after(SystemTime::now(), span) <= far_future());
            assert!(from_unix_seconds(seconds) <= far_future());
            assert!(until(from_unix_seconds(seconds)) <= MAX_SPAN);
            assert!(until(wall_after(SystemTime::now(), span)) <= MAX_SPAN);
        }
        assert_eq!(after(now, Duration::MAX), now + MAX_SPAN);
        assert_eq!(wall_after(far_future(), Duration::MAX), far_future());
        assert_eq!(until(UNIX_EPOCH), Duration::ZERO);
        let beyond = UNIX_EPOCH + Duration::from_secs(u64::MAX / 4);
        assert_eq!(http_date(beyond), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn server_seconds_must_be_finite_and_positive() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(positive_seconds(bad), None, "{bad}");
        }
        assert_eq!(positive_seconds(1.5), Some(Duration::from_millis(1500)));
        assert_eq!(positive_seconds(1e300), Some(MAX_SPAN));
        assert_eq!(positive_seconds(f64::MAX), Some(MAX_SPAN));
        assert_eq!(positive_seconds(u64::MAX as f64), Some(MAX_SPAN));
    }
}
