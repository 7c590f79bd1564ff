//! One flow log record, read from one line of text in a known [`Format`]. Reading allocates nothing: the
//! record borrows its strings from the line.

use super::format::{Field, Format};
use std::net::IpAddr;

/// What the security groups and network ACLs did with the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Let through.
    Accept,
    /// Dropped.
    Reject,
}

/// Whether the interval was logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStatus {
    /// Logged.
    Ok,
    /// Logged, and there was no traffic.
    NoData,
    /// Some records of the interval were skipped: a hole in the log, never "no traffic".
    SkipData,
}

/// Which way the packets went, relative to the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards the interface.
    Ingress,
    /// From the interface.
    Egress,
}

/// One record. A field the format lacks, or that holds `-`, is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Record<'a> {
    /// The interface.
    pub interface: Option<&'a str>,
    /// The source address at the interface.
    pub src: Option<IpAddr>,
    /// The destination address at the interface.
    pub dst: Option<IpAddr>,
    /// The packet's original source.
    pub pkt_src: Option<IpAddr>,
    /// The packet's original destination.
    pub pkt_dst: Option<IpAddr>,
    /// The source port.
    pub src_port: Option<u16>,
    /// The destination port.
    pub dst_port: Option<u16>,
    /// The IANA protocol number.
    pub protocol: Option<u8>,
    /// Packets.
    pub packets: Option<u64>,
    /// Bytes.
    pub bytes: Option<u64>,
    /// The interval's start, Unix seconds.
    pub start: Option<i64>,
    /// The interval's end, Unix seconds.
    pub end: Option<i64>,
    /// ACCEPT or REJECT.
    pub action: Option<Action>,
    /// OK, NODATA or SKIPDATA.
    pub status: Option<LogStatus>,
    /// The OR of the TCP flags seen.
    pub tcp_flags: Option<u32>,
    /// Ingress or egress.
    pub direction: Option<Direction>,
    /// The interface's VPC.
    pub vpc: Option<&'a str>,
    /// The interface's subnet.
    pub subnet: Option<&'a str>,
}

/// A line that is not a record of its format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Not as many values as the format has fields.
    #[error("{found} values where the format has {expected} fields")]
    Count {
        /// The format's fields.
        expected: usize,
        /// The line's values.
        found: usize,
    },
    /// A value that its field cannot hold.
    #[error("`{value}` is not a valid {field}")]
    Value {
        /// The field, as AWS names it.
        field: &'static str,
        /// The value, cut to 40 characters.
        value: String,
    },
}

fn bad(field: &'static str, value: &str) -> LineError {
    LineError::Value { field, value: value.chars().take(40).collect() }
}

/// A decimal number of at most `T`'s size: digits only (flow logs write no sign).
fn num<T: TryFrom<u64>>(field: &'static str, v: &str) -> Result<T, LineError> {
    super::scan::number(v.as_bytes()).ok_or_else(|| bad(field, v))
}

fn addr(field: &'static str, v: &str) -> Result<IpAddr, LineError> {
    v.parse().map_err(|_| bad(field, v))
}

/// The values of a line: separated by white space, as AWS writes them (one space).
fn values(line: &str) -> impl Iterator<Item = &str> {
    line.split_ascii_whitespace()
}

impl Format {
    /// Reads one line. Values are separated by spaces; `-` stands for a value that does not apply.
    pub fn record<'a>(&self, line: &'a str) -> Result<Record<'a>, LineError> {
        let mut r = Record::default();
        let mut found = 0;
        let fields = self.fields();
        for (i, value) in values(line).enumerate() {
            found += 1;
            let Some(field) = fields.get(i) else { continue };
            if value == "-" {
                continue;
            }
            match field {
                Field::InterfaceId => r.interface = Some(value),
                Field::SrcAddr => r.src = Some(addr("srcaddr", value)?),
                Field::DstAddr => r.dst = Some(addr("dstaddr", value)?),
                Field::PktSrcAddr => r.pkt_src = Some(addr("pkt-srcaddr", value)?),
                Field::PktDstAddr => r.pkt_dst = Some(addr("pkt-dstaddr", value)?),
                Field::SrcPort => r.src_port = Some(num("srcport", value)?),
                Field::DstPort => r.dst_port = Some(num("dstport", value)?),
                Field::Protocol => r.protocol = Some(num("protocol", value)?),
                Field::Packets => r.packets = Some(num("packets", value)?),
                Field::Bytes => r.bytes = Some(num("bytes", value)?),
                Field::Start => r.start = Some(num("start", value)?),
                Field::End => r.end = Some(num("end", value)?),
                Field::TcpFlags => r.tcp_flags = Some(num("tcp-flags", value)?),
                Field::VpcId => r.vpc = Some(value),
                Field::SubnetId => r.subnet = Some(value),
                Field::Action => {
                    r.action = Some(match value {
                        "ACCEPT" => Action::Accept,
                        "REJECT" => Action::Reject,
                        _ => return Err(bad("action", value)),
                    })
                }
                Field::LogStatus => {
                    r.status = Some(match value {
                        "OK" => LogStatus::Ok,
                        "NODATA" => LogStatus::NoData,
                        "SKIPDATA" => LogStatus::SkipData,
                        _ => return Err(bad("log-status", value)),
                    })
                }
                Field::FlowDirection => {
                    r.direction = Some(match value {
                        "ingress" => Direction::Ingress,
                        "egress" => Direction::Egress,
                        _ => return Err(bad("flow-direction", value)),
                    })
                }
                Field::Version | Field::AccountId | Field::InstanceId | Field::Type | Field::Other => {}
            }
        }
        if found != fields.len() {
            return Err(LineError::Count { expected: fields.len(), found });
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_format_line() {
        let f = Format::default_v2();
        let r = f
            .record("2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK")
            .unwrap();
        assert_eq!(r.interface, Some("eni-1235b8ca123456789"));
        assert_eq!(r.dst_port, Some(22));
        assert_eq!(r.protocol, Some(6));
        assert_eq!(r.action, Some(Action::Accept));
        assert_eq!(r.status, Some(LogStatus::Ok));
        let nodata = f.record("2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA").unwrap();
        assert_eq!(nodata.status, Some(LogStatus::NoData));
        assert_eq!(nodata.src, None);
        assert_eq!(f.record("2 1 eni-1"), Err(LineError::Count { expected: 14, found: 3 }));
        assert!(matches!(
            f.record("2 1 eni-1 10.0.0.1 10.0.0.2 1 99999 6 1 1 1 2 ACCEPT OK"),
            Err(LineError::Value { field: "dstport", .. })
        ));
    }
}
