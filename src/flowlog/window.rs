//! The time window the flow logs are read for, and the dates people type and read.

use serde::Serialize;

/// A closed time window in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The first second.
    pub start: i64,
    /// The last second.
    pub end: i64,
}

/// How close to the window's ends an interface's records must come for its log to count as whole: the
/// aggregation interval (up to 10 minutes) and the delivery delay (S3: about 10 minutes, best effort).
pub const SLACK: i64 = 3600;

impl Window {
    /// `days` days up to `end`.
    pub fn days_until(days: u32, end: i64) -> Window {
        Window { start: end - i64::from(days) * 86_400, end }
    }

    /// Whether a record's interval touches the window.
    pub fn touches(&self, start: i64, end: i64) -> bool {
        end >= self.start && start <= self.end
    }

    /// The window's length in whole days (at least 1).
    pub fn days(&self) -> i64 {
        ((self.end - self.start) / 86_400).max(1)
    }

    /// `2026-11-07 → 2026-12-07`.
    pub fn text(&self) -> String {
        format!("{} → {}", date(self.start), date(self.end))
    }
}

/// `2026-11-07`, UTC.
pub fn date(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs).map_or_else(|_| secs.to_string(), |t| t.date().to_string())
}

/// `2026-11-07 14:05Z`, UTC.
pub fn minute(secs: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!("{} {:02}:{:02}Z", t.date(), t.hour(), t.minute()),
        Err(_) => secs.to_string(),
    }
}

/// `2026-11-07T14:05:00Z`, UTC: RFC 3339 to the second, as AWS APIs take times.
pub fn rfc3339(secs: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!("{}T{:02}:{:02}:{:02}Z", t.date(), t.hour(), t.minute(), t.second()),
        Err(_) => secs.to_string(),
    }
}

/// A date that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an RFC 3339 date (2026-11-07, 2026-11-07T14:05:00Z or 2026-11-07T15:05:00+01:00)")]
pub struct BadDate(pub String);

/// Reads an RFC 3339 date-time (`2026-11-07T14:05:00Z`, fractions and offsets allowed) or a full date
/// (`2026-11-07`, midnight UTC), as Unix seconds.
pub fn parse_date(text: &str) -> Result<i64, BadDate> {
    let bad = || BadDate(text.to_string());
    let t = text.trim();
    let digits = |s: &str| -> Result<i64, BadDate> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let (day, rest) = match t.find(['T', 't', ' ']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let mut parts = day.splitn(3, '-');
    let (y, m, d) = (parts.next().ok_or_else(bad)?, parts.next().ok_or_else(bad)?, parts.next().ok_or_else(bad)?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let month = time::Month::try_from(u8::try_from(digits(m)?).map_err(|_| bad())?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(i32::try_from(digits(y)?).map_err(|_| bad())?, month, {
        u8::try_from(digits(d)?).map_err(|_| bad())?
    })
    .map_err(|_| bad())?;
    let Some(rest) = rest else {
        return Ok(date.midnight().assume_utc().unix_timestamp());
    };
    // hh:mm:ss[.frac](Z|±hh:mm)
    let (clock, offset) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let i = rest.rfind(['+', '-']).ok_or_else(bad)?;
        let (c, o) = rest.split_at(i);
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let (oh, om) = o[1..].split_once(':').ok_or_else(bad)?;
        if oh.len() != 2 || om.len() != 2 {
            return Err(bad());
        }
        (c, sign * (digits(oh)? * 3600 + digits(om)? * 60))
    };
    let clock = clock.split_once('.').map_or(clock, |(c, frac)| if digits(frac).is_ok() { c } else { "" });
    let mut hms = clock.splitn(3, ':');
    let (h, mi, s) = (hms.next().ok_or_else(bad)?, hms.next().ok_or_else(bad)?, hms.next().ok_or_else(bad)?);
    if h.len() != 2 || mi.len() != 2 || s.len() != 2 {
        return Err(bad());
    }
    let byte = |v: i64| u8::try_from(v).map_err(|_| bad());
    let at = date.with_hms(byte(digits(h)?)?, byte(digits(mi)?)?, byte(digits(s)?)?).map_err(|_| bad())?;
    Ok(at.assume_utc().unix_timestamp() - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_reads_back() {
        for secs in [0, 1_796_601_600, 1_796_605_201] {
            assert_eq!(parse_date(&rfc3339(secs)), Ok(secs));
        }
        assert_eq!(rfc3339(1_796_605_201), "2026-12-07T01:00:01Z");
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-02"), Ok(86_400));
        assert_eq!(parse_date("2026-12-07T00:00:00Z"), parse_date("2026-12-07"));
        assert_eq!(parse_date("2026-12-07T01:00:00+01:00"), parse_date("2026-12-07"));
        assert_eq!(parse_date("2026-12-06T23:00:00.250-01:00"), parse_date("2026-12-07"));
        for bad in ["", "2026-13-01", "2026-02-30", "26-1-1", "2026-12-07T25:00:00Z", "2026-12-07T10:00:00", "x"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        let w = Window::days_until(30, parse_date("2026-12-07").unwrap());
        assert_eq!(w.text(), "2026-11-07 → 2026-12-07");
        assert_eq!(w.days(), 30);
    }
}
