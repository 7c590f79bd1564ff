//! The record format of a flow log: which fields, in which order.
//!
//! AWS writes a flow log's format in two places: DescribeFlowLogs' `LogFormat` (`${version} ${srcaddr} …`) and
//! the header line of every text object delivered to S3 (`version srcaddr …`). Both are read here. The
//! default format is the fourteen version 2 fields in AWS's order; a custom format is any non-empty selection
//! of the fields of versions 2 to 8, in any order.

use std::fmt;

/// One field of a flow log record, as AWS names it in a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `version`: the record format's version.
    Version,
    /// `account-id`: the owner of the interface.
    AccountId,
    /// `interface-id`: the interface whose traffic the record counts.
    InterfaceId,
    /// `srcaddr`: the source address at the interface.
    SrcAddr,
    /// `dstaddr`: the destination address at the interface.
    DstAddr,
    /// `srcport`: the source port.
    SrcPort,
    /// `dstport`: the destination port.
    DstPort,
    /// `protocol`: the IANA protocol number.
    Protocol,
    /// `packets`: packets in the aggregation interval.
    Packets,
    /// `bytes`: bytes in the aggregation interval.
    Bytes,
    /// `start`: the interval's first packet, in Unix seconds.
    Start,
    /// `end`: the interval's end, in Unix seconds.
    End,
    /// `action`: ACCEPT or REJECT.
    Action,
    /// `log-status`: OK, NODATA or SKIPDATA.
    LogStatus,
    /// `vpc-id` (version 3).
    VpcId,
    /// `subnet-id` (version 3).
    SubnetId,
    /// `instance-id` (version 3).
    InstanceId,
    /// `tcp-flags` (version 3): the OR of the flags seen (FIN 1, SYN 2, RST 4, SYN-ACK 18).
    TcpFlags,
    /// `type` (version 3): IPv4, IPv6 or EFA.
    Type,
    /// `pkt-srcaddr` (version 3): the packet's original source (behind a NAT or load balancer).
    PktSrcAddr,
    /// `pkt-dstaddr` (version 3): the packet's original destination.
    PktDstAddr,
    /// `flow-direction` (version 5): ingress or egress, relative to the interface.
    FlowDirection,
    /// Any other field AWS defines (region, az-id, traffic-path, the ECS fields, reject-reason, ...): read
    /// past, not used.
    Other,
}

/// The names AWS gives the fields sgaudit reads, and the ones it reads past.
const NAMES: &[(&str, Field)] = &[
    ("version", Field::Version),
    ("account-id", Field::AccountId),
    ("interface-id", Field::InterfaceId),
    ("srcaddr", Field::SrcAddr),
    ("dstaddr", Field::DstAddr),
    ("srcport", Field::SrcPort),
    ("dstport", Field::DstPort),
    ("protocol", Field::Protocol),
    ("packets", Field::Packets),
    ("bytes", Field::Bytes),
    ("start", Field::Start),
    ("end", Field::End),
    ("action", Field::Action),
    ("log-status", Field::LogStatus),
    ("vpc-id", Field::VpcId),
    ("subnet-id", Field::SubnetId),
    ("instance-id", Field::InstanceId),
    ("tcp-flags", Field::TcpFlags),
    ("type", Field::Type),
    ("pkt-srcaddr", Field::PktSrcAddr),
    ("pkt-dstaddr", Field::PktDstAddr),
    ("flow-direction", Field::FlowDirection),
    // Version 4.
    ("region", Field::Other),
    ("az-id", Field::Other),
    ("sublocation-type", Field::Other),
    ("sublocation-id", Field::Other),
    // Version 5.
    ("pkt-src-aws-service", Field::Other),
    ("pkt-dst-aws-service", Field::Other),
    ("traffic-path", Field::Other),
    // Version 7.
    ("ecs-cluster-arn", Field::Other),
    ("ecs-cluster-name", Field::Other),
    ("ecs-container-instance-arn", Field::Other),
    ("ecs-container-instance-id", Field::Other),
    ("ecs-container-id", Field::Other),
    ("ecs-second-container-id", Field::Other),
    ("ecs-service-name", Field::Other),
    ("ecs-task-definition-arn", Field::Other),
    ("ecs-task-arn", Field::Other),
    ("ecs-task-id", Field::Other),
    // Version 8.
    ("reject-reason", Field::Other),
];

impl Field {
    /// The field AWS names so, if it names one.
    pub fn named(name: &str) -> Option<Field> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    /// Every field name AWS defines, versions 2 to 8.
    pub fn names() -> impl Iterator<Item = &'static str> {
        NAMES.iter().map(|(n, _)| *n)
    }
}

/// The fields of the default format, in order.
pub const DEFAULT_FIELDS: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets \
                                  bytes start end action log-status";

/// A format that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// No field at all.
    #[error("the format names no field")]
    Empty,
    /// A name AWS does not define.
    #[error("`{0}` is not a flow log field (fields: version, account-id, interface-id, srcaddr, ...)")]
    Unknown(String),
    /// A field named twice.
    #[error("field `{0}` is named twice")]
    Twice(String),
}

/// A record format: the fields in order, and where each field sgaudit reads stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    names: Vec<String>,
    fields: Vec<Field>,
}

impl Format {
    /// The default (version 2) format.
    pub fn default_v2() -> Format {
        Format::parse(DEFAULT_FIELDS).expect("the default format is valid")
    }

    /// Reads a format: `${field} ${field} …` as DescribeFlowLogs gives it and `--flow-log-format` takes it, or
    /// `field field …` as the header line of an S3 text object.
    pub fn parse(text: &str) -> Result<Format, FormatError> {
        let mut names = Vec::new();
        let mut fields = Vec::new();
        for token in text.split_ascii_whitespace() {
            let name = token.strip_prefix("${").and_then(|t| t.strip_suffix('}')).unwrap_or(token);
            let field = Field::named(name).ok_or_else(|| FormatError::Unknown(name.to_string()))?;
            if names.iter().any(|n| n == name) {
                return Err(FormatError::Twice(name.to_string()));
            }
            names.push(name.to_string());
            fields.push(field);
        }
        if fields.is_empty() {
            return Err(FormatError::Empty);
        }
        Ok(Format { names, fields })
    }

    /// The format a text object's first line declares, when that line is a header (every token a field name)
    /// rather than a record.
    pub fn from_header(line: &str) -> Option<Format> {
        Format::parse(line).ok()
    }

    /// The fields, in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The fields' names as AWS writes them, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether the format has this field.
    pub fn has(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text: Vec<String> = self.names.iter().map(|n| format!("${{{n}}}")).collect();
        f.write_str(&text.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_and_errors() {
        let a = Format::parse("${srcaddr} ${dstaddr} ${action}").unwrap();
        let b = Format::from_header("srcaddr dstaddr action").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "${srcaddr} ${dstaddr} ${action}");
        assert_eq!(Format::default_v2().fields().len(), 14);
        assert_eq!(Format::parse("  "), Err(FormatError::Empty));
        assert_eq!(Format::parse("${srcaddr} ${bogus}"), Err(FormatError::Unknown("bogus".into())));
        assert_eq!(Format::parse("start start"), Err(FormatError::Twice("start".into())));
        // A record is not a header.
        assert!(Format::from_header("2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK").is_none());
    }
}
