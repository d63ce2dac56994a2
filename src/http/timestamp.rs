//! Timestamps in JSON exactly as chrono writes them (RFC 3339, UTC as `Z`, a fraction of 0, 3,
//! 6 or 9 digits), without chrono's formatting machinery. Through serde_json that machinery
//! writes one character at a time, and a list page has three timestamps a row.
//!
//! Use on hot fields: `#[serde(serialize_with = "crate::http::timestamp::serialize")]`, or
//! `timestamp::option::serialize` for an `Option`.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Serialize, Serializer};

/// Longest form: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
const MAX_LEN: usize = 30;

pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; MAX_LEN];
    match write(at, &mut buf).and_then(|len| std::str::from_utf8(&buf[..len]).ok()) {
        Some(text) => serializer.serialize_str(text),
        // Years chrono writes with a sign: rare enough to leave to chrono.
        None => at.serialize(serializer),
    }
}

pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(
        at: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => serializer.serialize_some(&Rfc3339(at)),
            None => serializer.serialize_none(),
        }
    }

    struct Rfc3339<'a>(&'a DateTime<Utc>);

    impl Serialize for Rfc3339<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            super::serialize(self.0, serializer)
        }
    }
}

/// Writes `at` into `buf`; its length, or `None` for a year outside 0–9999.
fn write(at: &DateTime<Utc>, buf: &mut [u8; MAX_LEN]) -> Option<usize> {
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    let (mut second, mut nano) = (at.second(), at.nanosecond());
    // chrono's leap second: written as second 60.
    if nano >= 1_000_000_000 {
        second += 1;
        nano -= 1_000_000_000;
    }
    let mut len = 0;
    let mut put = |value: u32, width: usize, before: Option<u8>| {
        if let Some(separator) = before {
            buf[len] = separator;
            len += 1;
        }
        let mut rest = value;
        for slot in buf[len..len + width].iter_mut().rev() {
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        len += width;
    };
    put(year, 4, None);
    put(at.month(), 2, Some(b'-'));
    put(at.day(), 2, Some(b'-'));
    put(at.hour(), 2, Some(b'T'));
    put(at.minute(), 2, Some(b':'));
    put(second, 2, Some(b':'));
    if nano == 0 {
    } else if nano % 1_000_000 == 0 {
        put(nano / 1_000_000, 3, Some(b'.'));
    } else if nano % 1_000 == 0 {
        put(nano / 1_000, 6, Some(b'.'));
    } else {
        put(nano, 9, Some(b'.'));
    }
    buf[len] = b'Z';
    Some(len + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[derive(Serialize)]
    struct Ours {
        #[serde(serialize_with = "serialize")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "option::serialize")]
        maybe: Option<DateTime<Utc>>,
    }

    #[derive(Serialize)]
    struct Chrono {
        at: DateTime<Utc>,
        maybe: Option<DateTime<Utc>>,
    }

    fn same_as_chrono(at: DateTime<Utc>) {
        for maybe in [Some(at), None] {
            let ours = serde_json::to_string(&Ours { at, maybe }).expect("ours");
            let chrono = serde_json::to_string(&Chrono { at, maybe }).expect("chrono");
            assert_eq!(ours, chrono);
        }
    }

    #[test]
    fn writes_what_chrono_writes_for_every_fraction_and_field() {
        let base = Utc
            .with_ymd_and_hms(2026, 11, 26, 17, 5, 9)
            .single()
            .expect("valid");
        for nanos in [
            0,
            1,
            999,
            1_000,
            120_000,
            123_456_000,
            500_000_000,
            999_999_999,
            7_000_000,
        ] {
            same_as_chrono(base + chrono::Duration::nanoseconds(nanos));
        }
        for (y, mo, d, h, mi, s) in [
            (0, 1, 1, 0, 0, 0),
            (1, 2, 3, 4, 5, 6),
            (999, 12, 31, 23, 59, 59),
            (1970, 1, 1, 0, 0, 0),
            (2024, 2, 29, 12, 30, 0),
            (9999, 12, 31, 23, 59, 59),
        ] {
            same_as_chrono(
                Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
                    .single()
                    .expect("valid"),
            );
        }
    }

    #[test]
    fn leaves_signed_years_and_leap_seconds_as_chrono_writes_them() {
        same_as_chrono(
            Utc.with_ymd_and_hms(-1, 6, 1, 0, 0, 0)
                .single()
                .expect("valid"),
        );
        same_as_chrono(
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0)
                .single()
                .expect("valid"),
        );
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .expect("a leap second")
            .and_utc();
        same_as_chrono(leap);
    }
}
