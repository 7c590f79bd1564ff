//! Flow logs in CloudWatch Logs, counted by one Logs Insights aggregate query: the query for a flow log's
//! record format, and its rows read back as records of a narrower format, each row standing for the records
//! it counts. Pure: the collector runs the query and hands the rows here.
//!
//! The query parses each event's message with the flow log's own format (so it works for custom formats, not
//! only the default one Logs Insights discovers by itself) and groups by every field attribution reads:
//! interface, the four addresses, both ports, protocol, action, log status, TCP flags, direction, VPC and
//! subnet. What is summed is only what attribution sums: records, packets and bytes, and the first start and
//! last end. So a row read back counts for exactly the rules its records would have counted for one by one.
//!
//! A query answers at most [`ROWS`] rows; a full answer may have left rows out, and the caller reads that
//! time range again in smaller parts (or event by event), never as if it were complete.

use super::format::{Field, Format};

/// The most rows a Logs Insights query returns.
pub const ROWS: usize = 10_000;

/// The fields a row is grouped by, when the format has them: everything attribution reads except what is
/// summed.
const KEYS: &[Field] = &[
    Field::InterfaceId,
    Field::SrcAddr,
    Field::DstAddr,
    Field::PktSrcAddr,
    Field::PktDstAddr,
    Field::SrcPort,
    Field::DstPort,
    Field::Protocol,
    Field::Action,
    Field::LogStatus,
    Field::TcpFlags,
    Field::FlowDirection,
    Field::VpcId,
    Field::SubnetId,
];

/// The summed fields: the field, the aggregate, and its column.
const SUMS: &[(Field, &str, &str)] = &[
    (Field::Packets, "sum", "sg_sum_packets"),
    (Field::Bytes, "sum", "sg_sum_bytes"),
    (Field::Start, "min", "sg_first"),
    (Field::End, "max", "sg_last"),
];

/// The column of the number of records a row stands for.
const RECORDS: &str = "sg_records";

/// The aggregate query for one record format, and how to read its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    query: String,
    /// The rows' format: the keys, then the sums, as the format has them.
    format: Format,
    /// The column of each field of the rows' format, in order.
    columns: Vec<String>,
}

/// A field's name in a query: `sg_` and the AWS name with `_` for `-` (`sg_interface_id`).
fn column(name: &str) -> String {
    format!("sg_{}", name.replace('-', "_"))
}

impl Aggregate {
    /// The query for records of `format`.
    pub fn new(format: &Format) -> Aggregate {
        let names = format.names();
        let pattern = vec!["*"; names.len()].join(" ");
        let parsed: Vec<String> = names.iter().map(|n| column(n)).collect();
        let mut row_names = Vec::new();
        let mut columns = Vec::new();
        let mut keys = Vec::new();
        for key in KEYS {
            if let Some(k) = format.fields().iter().position(|f| f == key) {
                row_names.push(names[k].clone());
                columns.push(parsed[k].clone());
                keys.push(parsed[k].clone());
            }
        }
        let mut stats = vec![format!("count(*) as {RECORDS}")];
        for (field, how, name) in SUMS {
            if let Some(k) = format.fields().iter().position(|f| f == field) {
                row_names.push(names[k].clone());
                columns.push(name.to_string());
                stats.push(format!("{how}({}) as {name}", parsed[k]));
            }
        }
        let mut query = format!("parse @message \"{pattern}\" as {}\n| stats {}", parsed.join(", "), stats.join(", "));
        if !keys.is_empty() {
            query.push_str(&format!(" by {}", keys.join(", ")));
        }
        query.push_str(&format!("\n| limit {ROWS}"));
        let format = Format::parse(&row_names.join(" ")).unwrap_or_else(|_| Format::default_v2());
        Aggregate { query, format, columns }
    }

    /// The query text.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The format of the lines [`Aggregate::line`] writes.
    pub fn format(&self) -> &Format {
        &self.format
    }

    /// One row (its columns and values) as a line of [`Aggregate::format`], with the number of records it
    /// stands for; `None` when the row is not one of this query's aggregates (it has no record count).
    pub fn line(&self, row: &[(String, String)]) -> Option<(String, u64)> {
        let value = |name: &str| row.iter().find(|(c, _)| c == name).map(|(_, v)| v.trim());
        let records = number(value(RECORDS)?)?;
        let summed: Vec<&str> = SUMS.iter().map(|s| s.2).collect();
        let values: Vec<String> = self
            .columns
            .iter()
            .map(|c| match value(c).filter(|v| !v.is_empty()) {
                // A sum, minimum or maximum: a whole number, however the answer writes it.
                Some(v) if summed.contains(&c.as_str()) => number(v).map_or_else(|| v.to_string(), |n| n.to_string()),
                Some(v) => v.to_string(),
                None => "-".to_string(),
            })
            .collect();
        Some((values.join(" "), records))
    }
}

/// A whole number written as an integer (`840`) or as a number with a fraction or an exponent (`840.0`,
/// `1.7e9`), as aggregates may be written.
fn number(text: &str) -> Option<u64> {
    text.parse::<u64>().ok().or_else(|| {
        let f: f64 = text.parse().ok()?;
        (f.is_finite() && f >= 0.0).then(|| f.round() as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(c, v)| (c.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_default_format() {
        let a = Aggregate::new(&Format::default_v2());
        assert_eq!(
            a.query(),
            "parse @message \"* * * * * * * * * * * * * *\" as sg_version, sg_account_id, sg_interface_id, \
             sg_srcaddr, sg_dstaddr, sg_srcport, sg_dstport, sg_protocol, sg_packets, sg_bytes, sg_start, sg_end, \
             sg_action, sg_log_status\n\
             | stats count(*) as sg_records, sum(sg_packets) as sg_sum_packets, sum(sg_bytes) as sg_sum_bytes, \
             min(sg_start) as sg_first, max(sg_end) as sg_last by sg_interface_id, sg_srcaddr, sg_dstaddr, \
             sg_srcport, sg_dstport, sg_protocol, sg_action, sg_log_status\n| limit 10000"
        );
        assert_eq!(
            a.format().to_string(),
            "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${action} ${log-status} \
             ${packets} ${bytes} ${start} ${end}"
        );
        let r = row(&[
            ("sg_interface_id", "eni-1"),
            ("sg_srcaddr", "198.51.100.7"),
            ("sg_dstaddr", "10.0.0.5"),
            ("sg_srcport", "50000"),
            ("sg_dstport", "443"),
            ("sg_protocol", "6"),
            ("sg_action", "ACCEPT"),
            ("sg_log_status", "OK"),
            ("sg_records", "3"),
            ("sg_sum_packets", "30.0"),
            ("sg_sum_bytes", "2.52e3"),
            ("sg_first", "1764547200"),
            ("sg_last", "1764547260"),
        ]);
        let (line, n) = a.line(&r).unwrap();
        assert_eq!(line, "eni-1 198.51.100.7 10.0.0.5 50000 443 6 ACCEPT OK 30 2520 1764547200 1764547260");
        assert_eq!(n, 3);
        let record = a.format().record(&line).unwrap();
        assert_eq!(record.dst_port, Some(443));
        assert_eq!(record.bytes, Some(2520));
    }

    #[test]
    fn missing_values_and_rows_that_are_not_aggregates() {
        let a = Aggregate::new(&Format::default_v2());
        // NODATA: no addresses, no sums.
        let (line, n) = a
            .line(&row(&[
                ("sg_interface_id", "eni-1"),
                ("sg_log_status", "NODATA"),
                ("sg_records", "2"),
                ("sg_first", "10"),
                ("sg_last", "70"),
            ]))
            .unwrap();
        assert_eq!(line, "eni-1 - - - - - - NODATA - - 10 70");
        assert_eq!(n, 2);
        assert!(a.format().record(&line).is_ok());
        // A raw event, as a query engine that ignores `stats` answers.
        assert_eq!(a.line(&row(&[("@message", "2 123 eni-1 …"), ("@ptr", "x")])), None);
    }

    #[test]
    fn a_custom_format_keeps_only_what_it_has() {
        let f =
            Format::parse("${flow-direction} ${interface-id} ${pkt-srcaddr} ${srcaddr} ${dstport} ${region}").unwrap();
        let a = Aggregate::new(&f);
        assert!(a.query().starts_with(
            "parse @message \"* * * * * *\" as sg_flow_direction, sg_interface_id, sg_pkt_srcaddr, sg_srcaddr, \
             sg_dstport, sg_region\n| stats count(*) as sg_records by sg_interface_id, sg_srcaddr, sg_pkt_srcaddr, \
             sg_dstport, sg_flow_direction\n"
        ));
        assert_eq!(a.format().to_string(), "${interface-id} ${srcaddr} ${pkt-srcaddr} ${dstport} ${flow-direction}");
    }
}
