//! The fast reader of a record: one pass over the line's bytes, splitting and reading each value as it goes.
//!
//! It reads the lines AWS writes (values separated by one space, nothing before the first or after the last,
//! addresses and numbers in their plain forms) and declines every other line, which [`Format::record`] then
//! reads, or rejects with its reason. So the two readers never disagree: where this one gives a record, it is
//! the record `Format::record` gives for the same line (the property tests hold them to that).

use super::format::{Field, Format};
use super::record::{Action, Direction, LogStatus, Record};
use std::net::{IpAddr, Ipv4Addr};

/// The first byte at or after `at` that is at most `b' '` (every ASCII white space is), or the line's length.
/// Eight bytes at a time: a byte `b` below 0x21 borrows in `b - 0x21` and has its high bit clear; the lowest
/// flagged byte is exact (a borrow only carries upwards).
#[inline]
fn value_end(line: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = line.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let flagged = word.wrapping_sub(ONES * 0x21) & !word & HIGH;
        if flagged != 0 {
            return at + (flagged.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < line.len() && line[at] > b' ' {
        at += 1;
    }
    at
}

/// A decimal number of at most `T`'s size: digits only (flow logs write no sign), read without the generic
/// parser's checks for signs and radixes. Both readers read numbers so.
pub(super) fn number<T: TryFrom<u64>>(v: &[u8]) -> Option<T> {
    if v.is_empty() || v.len() > 20 {
        return None;
    }
    let mut n: u64 = 0;
    if v.len() < 20 {
        // At most 19 digits: no overflow.
        for &b in v {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            n = n * 10 + u64::from(d);
        }
    } else {
        for &b in v {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            n = n.checked_mul(10)?.checked_add(u64::from(d))?;
        }
    }
    T::try_from(n).ok()
}

/// An address: dotted IPv4 in its plain form (four decimal octets, no leading zero) read here, anything else
/// by the standard parser, as [`Format::record`] reads it.
#[inline]
fn address(v: &[u8]) -> Option<IpAddr> {
    let mut octets = [0u8; 4];
    let mut k = 0;
    let mut value: u32 = 0;
    let mut digits = 0;
    let mut plain = true;
    for &b in v {
        if b == b'.' {
            if digits == 0 || k == 3 {
                plain = false;
                break;
            }
            octets[k] = value as u8;
            k += 1;
            value = 0;
            digits = 0;
        } else {
            let d = b.wrapping_sub(b'0');
            // A digit, not a fourth one, and no leading zero.
            if d > 9 || digits == 3 || (digits == 1 && value == 0) {
                plain = false;
                break;
            }
            value = value * 10 + u32::from(d);
            if value > 255 {
                plain = false;
                break;
            }
            digits += 1;
        }
    }
    if plain && k == 3 && digits > 0 {
        octets[3] = value as u8;
        return Some(IpAddr::V4(Ipv4Addr::from(octets)));
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// Eight bytes of the line from `at`, when the line has them.
#[inline]
fn word(line: &[u8], at: usize) -> Option<u64> {
    line.get(at..at + 8).map(|b| u64::from_le_bytes(b.try_into().expect("eight bytes")))
}

/// The number the first `len` (1 to 8) bytes of `word` write in decimal, if they are all digits; without a
/// branch per digit. The digits move to the top of the word, below them go zero digits, and pairs, quads and
/// eights of digits combine in three multiplications (no lane carries into the next: 99, 9,999 and
/// 99,999,999 fit).
#[inline]
fn digits8(word: u64, len: usize) -> Option<u64> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let shift = (8 - len) * 8;
    let w = if shift == 0 { word } else { (word << shift) | (ZEROS >> (64 - shift)) };
    // Every byte 0x30 to 0x39: its high half 3, and still 3 with 6 added.
    if (w & HIGH) | ((w.wrapping_add(0x0606_0606_0606_0606) & HIGH) >> 4) != 0x3333_3333_3333_3333 {
        return None;
    }
    let d = w - ZEROS;
    let d = (d * 10 + (d >> 8)) & 0x00FF_00FF_00FF_00FF;
    let d = (d * 100 + (d >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((d * 10_000 + (d >> 32)) & 0xFFFF_FFFF)
}

/// The number `line[at..end]` writes, as [`number`] reads it (the tests hold them to it): eight digits at a time where the line has the
/// bytes to load.
#[inline]
fn number_at<T: TryFrom<u64>>(line: &[u8], at: usize, end: usize) -> Option<T> {
    let len = end - at;
    let n = match (len, word(line, at)) {
        (1..=8, Some(w)) => digits8(w, len)?,
        (9..=16, Some(w)) => digits8(w, len - 8)? * 100_000_000 + digits8(word(line, end - 8)?, 8)?,
        _ => return number(&line[at..end]),
    };
    T::try_from(n).ok()
}

impl Format {
    /// Reads one line as AWS writes it, in one pass; `None` for any line it does not read (a malformed one, or
    /// one that white space other than single spaces separates), which [`Format::record`] reads instead.
    pub fn record_bytes<'a>(&self, line: &'a [u8]) -> Option<Record<'a>> {
        let mut r = Record::default();
        let fields = self.fields();
        let last = fields.len() - 1;
        let mut at = 0;
        for (k, field) in fields.iter().enumerate() {
            let end = value_end(line, at);
            if end == at {
                // An empty value: white space at the start or doubled, or too few values.
                return None;
            }
            let v = &line[at..end];
            if v != b"-" {
                match field {
                    Field::InterfaceId => r.interface = Some(std::str::from_utf8(v).ok()?),
                    Field::SrcAddr => r.src = Some(address(v)?),
                    Field::DstAddr => r.dst = Some(address(v)?),
                    Field::PktSrcAddr => r.pkt_src = Some(address(v)?),
                    Field::PktDstAddr => r.pkt_dst = Some(address(v)?),
                    Field::SrcPort => r.src_port = Some(number_at(line, at, end)?),
                    Field::DstPort => r.dst_port = Some(number_at(line, at, end)?),
                    Field::Protocol => r.protocol = Some(number_at(line, at, end)?),
                    Field::Packets => r.packets = Some(number_at(line, at, end)?),
                    Field::Bytes => r.bytes = Some(number_at(line, at, end)?),
                    Field::Start => r.start = Some(number_at(line, at, end)?),
                    Field::End => r.end = Some(number_at(line, at, end)?),
                    Field::TcpFlags => r.tcp_flags = Some(number_at(line, at, end)?),
                    Field::VpcId => r.vpc = Some(std::str::from_utf8(v).ok()?),
                    Field::SubnetId => r.subnet = Some(std::str::from_utf8(v).ok()?),
                    Field::Action => {
                        r.action = Some(match v {
                            b"ACCEPT" => Action::Accept,
                            b"REJECT" => Action::Reject,
                            _ => return None,
                        })
                    }
                    Field::LogStatus => {
                        r.status = Some(match v {
                            b"OK" => LogStatus::Ok,
                            b"NODATA" => LogStatus::NoData,
                            b"SKIPDATA" => LogStatus::SkipData,
                            _ => return None,
                        })
                    }
                    Field::FlowDirection => {
                        r.direction = Some(match v {
                            b"ingress" => Direction::Ingress,
                            b"egress" => Direction::Egress,
                            _ => return None,
                        })
                    }
                    Field::Version | Field::AccountId | Field::InstanceId | Field::Type | Field::Other => {}
                }
            }
            match (k == last, line.get(end)) {
                // The last value ends the line.
                (true, None) => return Some(r),
                // One space before the next value.
                (false, Some(b' ')) => at = end + 1,
                // Too few values, too many, or other white space.
                _ => return None,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_ends() {
        let line = b"2 123456789010 eni-1235b8ca123456789 172.31.16.139\t-";
        assert_eq!(value_end(line, 0), 1);
        assert_eq!(value_end(line, 2), 14);
        assert_eq!(value_end(line, 15), 36);
        assert_eq!(value_end(line, 37), 50);
        assert_eq!(value_end(line, 51), 52);
        assert_eq!(value_end(b"\x80\xff\x21abcdefgh\x20", 0), 11);
        assert_eq!(value_end(b"abcdefghijklmnopq\r", 0), 17);
    }

    #[test]
    fn addresses_and_numbers() {
        assert_eq!(address(b"10.0.0.1"), Some(IpAddr::from([10, 0, 0, 1])));
        assert_eq!(address(b"255.255.255.255"), Some(IpAddr::from([255, 255, 255, 255])));
        assert_eq!(address(b"0.0.0.0"), Some(IpAddr::from([0, 0, 0, 0])));
        assert_eq!(address(b"2001:db8::1"), "2001:db8::1".parse().ok());
        assert_eq!(address(b"::ffff:10.0.0.1"), "::ffff:10.0.0.1".parse().ok());
        for bad in [
            &b"256.0.0.1"[..],
            b"01.0.0.1",
            b"1.2.3",
            b"1.2.3.4.5",
            b"1..2.3",
            b"1.2.3.",
            b".1.2.3",
            b"1234.1.1.1",
            b"",
        ] {
            assert_eq!(address(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(number::<u16>(b"65535"), Some(65535));
        assert_eq!(number::<u16>(b"65536"), None);
        assert_eq!(number::<u64>(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(number::<u64>(b"18446744073709551616"), None);
        assert_eq!(number::<u64>(b"99999999999999999999"), None);
        assert_eq!(number::<u64>(b"+1"), None);
    }

    /// `v` alone on a line, and followed by more of a line (so that the word loads apply).
    fn placed(v: &[u8]) -> [Vec<u8>; 2] {
        [v.to_vec(), [v, &b" 1234567890123456 x"[..]].concat()]
    }

    #[test]
    fn word_readers_agree_with_byte_readers() {
        let cases: &[&[u8]] = &[
            b"10.0.0.1",
            b"255.255.255.255",
            b"1.2.3.4",
            b"100.64.0.0",
            b"01.2.3.4",
            b"1.2.3.04",
            b"1.2.3.00",
            b"256.1.1.1",
            b"1.2.3.256",
            b"1.2.3",
            b"1.2.3.4.5",
            b"1..2.3",
            b"1.2.3.",
            b".1.2.3",
            b"1.2.3.4a",
            b"a.b.c.d",
            b"1.2.3.-1",
            b"1.2.3.+1",
            b"1.2.3.1/",
            b"2001:db8::1",
            b"::ffff:1.2.3.4",
            b"1.2.3.4\xff",
            b"0",
            b"7",
            b"65535",
            b"65536",
            b"255",
            b"256",
            b"1418530010",
            b"18446744073709551615",
            b"18446744073709551616",
            b"99999999999999999999",
            b"0000000000000012",
            b"00000000000000012",
            b"12a",
            b"1:2",
            b"/",
            b":",
            b"-",
            b"123456789",
            b"1234567890123456",
            b"12345678901234567",
        ];
        for v in cases {
            for line in placed(v) {
                let name = String::from_utf8_lossy(v);
                assert_eq!(number_at::<u64>(&line, 0, v.len()), number::<u64>(v), "{name}");
                assert_eq!(number_at::<u16>(&line, 0, v.len()), number::<u16>(v), "{name}");
                assert_eq!(number_at::<u8>(&line, 0, v.len()), number::<u8>(v), "{name}");
            }
        }
        // Every port.
        for n in 0..=70_000u32 {
            let v = n.to_string();
            for line in placed(v.as_bytes()) {
                assert_eq!(number_at::<u16>(&line, 0, v.len()), u16::try_from(n).ok(), "{v}");
            }
        }
    }

    #[test]
    fn reads_what_record_reads_and_declines_the_rest() {
        let f = Format::default_v2();
        for line in [
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
            "2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA",
            "2 1 eni-1 2001:db8::1 10.0.0.1 1 2 17 1 1 1 2 REJECT OK",
        ] {
            assert_eq!(f.record_bytes(line.as_bytes()), Some(f.record(line).unwrap()), "{line}");
        }
        for line in [
            "",
            "2 1 eni-1",
            " 2 1 eni-1 - - - - - - - 1 2 - NODATA",
            "2 1 eni-1 - - - - - - - 1 2 - NODATA ",
            "2 1 eni-1 - - - - - - - 1 2 - NODATA x",
            "2 1 eni-1  - - - - - - 1 2 - NODATA x",
            "2\t1 eni-1 - - - - - - - 1 2 - NODATA",
            "2 1 eni-1 - - - - - - - 1 2 - NODATA\r",
            "2 1 eni-1 10.0.0.1 10.0.0.2 1 99999 6 1 1 1 2 ACCEPT OK",
            "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 accept OK",
        ] {
            assert_eq!(f.record_bytes(line.as_bytes()), None, "{line:?}");
        }
    }
}
