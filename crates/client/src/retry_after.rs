//! The `Retry-After` header: delay-seconds or an HTTP date.

use std::time::Duration;

/// How long `Retry-After` asks us to wait, measured from `now`. Unparsable values give `None`;
/// dates in the past give zero.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>()
        && seconds.is_finite()
        && seconds >= 0.0
    {
        return Some(Duration::from_secs_f64(seconds.min(86_400.0)));
    }
    static PARSER: jiff::fmt::rfc2822::DateTimeParser = jiff::fmt::rfc2822::DateTimeParser::new();
    let at = PARSER.parse_timestamp(value).ok()?;
    let millis = at.as_millisecond() - now.as_millisecond();
    Some(Duration::from_millis(u64::try_from(millis).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> jiff::Timestamp {
        "1994-11-06T08:49:00Z".parse().unwrap()
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_retry_after("7", now()), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now()), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("1.5", now()), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn http_date() {
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now()), Some(Duration::from_secs(37)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:48:00 GMT", now()), Some(Duration::ZERO));
    }

    #[test]
    fn garbage() {
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("-3", now()), None);
        assert_eq!(parse_retry_after("", now()), None);
    }
}
