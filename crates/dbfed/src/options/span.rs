//! [`Span`]: a duration as a binding receives it (seconds, milliseconds, or already a duration),
//! checked once.

use std::time::Duration;

use crate::error::{Error, Result};

/// A length of time given to an option, in the unit of the binding's language.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Span {
    /// A number of seconds (Python).
    Seconds(f64),
    /// A number of milliseconds (JavaScript).
    Millis(f64),
    /// A duration the language already checked (Rust, Kotlin, Swift).
    Exact(Duration),
}

impl Span {
    /// The duration, or a `ConfigError` naming `option` when the number is negative, NaN or
    /// infinite.
    pub fn duration(self, option: &str) -> Result<Duration> {
        let (value, unit, seconds) = match self {
            Span::Exact(duration) => return Ok(duration),
            Span::Seconds(value) => (value, "seconds", value),
            Span::Millis(value) => (value, "milliseconds", value / 1000.0),
        };
        Duration::try_from_secs_f64(seconds).map_err(|_| {
            Error::config(format!(
                "`{option}` must be a finite number of {unit} ≥ 0, not {value}"
            ))
        })
    }

    /// The optional duration of an optional span.
    pub(crate) fn optional(span: Option<Span>, option: &str) -> Result<Option<Duration>> {
        span.map(|span| span.duration(option)).transpose()
    }
}

impl From<Duration> for Span {
    fn from(duration: Duration) -> Self {
        Span::Exact(duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_in_each_unit() {
        assert_eq!(
            Span::Seconds(1.5).duration("x").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(
            Span::Millis(250.0).duration("x").unwrap(),
            Duration::from_millis(250)
        );
        for bad in [
            Span::Seconds(-1.0),
            Span::Millis(f64::NAN),
            Span::Seconds(f64::INFINITY),
        ] {
            let err = bad.duration("request_timeout").unwrap_err().to_string();
            assert!(
                err.contains("`request_timeout` must be a finite number"),
                "{err}"
            );
        }
        let err = Span::Millis(-5.0).duration("t").unwrap_err().to_string();
        assert!(err.contains("milliseconds ≥ 0, not -5"), "{err}");
    }
}
