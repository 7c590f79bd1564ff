//! Flow-log objects in Apache Parquet (a flow log's FileFormat `parquet`, its columns Gzip-compressed), read
//! row by row into the same lines a text object gives, so attribution cannot tell them apart. The columns
//! are the record's fields, named with `_` where the format writes `-` (`interface_id`, `log_status`); a
//! column that names no flow-log field is read past. Built with the `parquet` feature; without it, a Parquet
//! object is a failed read that says so.

use crate::flowlog::{Tally, TextFeed};

/// Whether these bytes start as a Parquet file does (`PAR1`). Only the first bytes are needed, as a reader
/// sees them before it has read the rest.
pub(super) fn starts_parquet(head: &[u8]) -> bool {
    head.starts_with(b"PA")
}

/// Whether a whole file is Parquet: `PAR1` at both ends, around at least a footer length.
pub(super) fn is_parquet(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1")
}

/// Reads a whole Parquet file's rows ([`is_parquet`]) into the feed: first a header line naming the columns
/// that are flow-log fields, then one line per row (`-` for a null or empty value).
#[cfg(feature = "parquet")]
pub(super) fn read(bytes: Vec<u8>, feed: &mut TextFeed, tally: &mut Tally) -> Result<(), String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field as Value;
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).map_err(|e| format!("Parquet: {e}"))?;
    let columns: Vec<String> =
        reader.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().replace('_', "-")).collect();
    let kept: Vec<bool> = columns.iter().map(|n| crate::flowlog::Field::named(n).is_some()).collect();
    let header: Vec<&str> = columns.iter().zip(&kept).filter(|(_, k)| **k).map(|(n, _)| n.as_str()).collect();
    if header.is_empty() {
        return Err(format!("Parquet: no column is a flow-log field (columns: {})", columns.join(", ")));
    }
    feed.line(&header.join(" "), tally);
    let rows = reader.get_row_iter(None).map_err(|e| format!("Parquet: {e}"))?;
    let mut line = String::with_capacity(256);
    for row in rows {
        let row = row.map_err(|e| format!("Parquet: {e}"))?;
        line.clear();
        for ((_, value), _) in row.get_column_iter().zip(&kept).filter(|(_, k)| **k) {
            if !line.is_empty() {
                line.push(' ');
            }
            match value {
                Value::Null => line.push('-'),
                Value::Str(s) if s.is_empty() => line.push('-'),
                Value::Str(s) => line.push_str(s),
                other => line.push_str(&other.to_string()),
            }
        }
        feed.line(&line, tally);
    }
    Ok(())
}

/// Without the `parquet` feature: a failed read that says how to read it.
#[cfg(not(feature = "parquet"))]
pub(super) fn read(_: Vec<u8>, _: &mut TextFeed, _: &mut Tally) -> Result<(), String> {
    Err("a Parquet object: this sgaudit was built without Parquet support; build it with `--features parquet`"
        .to_string())
}

#[cfg(test)]
mod any_build {
    /// A damaged Parquet file, or any Parquet file in a build without the feature: a failed read that names it.
    #[test]
    fn a_parquet_file_that_cannot_be_read_is_a_failed_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flow.parquet");
        std::fs::write(&path, [&b"PAR1"[..], &[0u8; 8], &b"PAR1"[..]].concat()).unwrap();
        let inv = crate::model::Inventory::default();
        let window = crate::flowlog::Window { start: 0, end: 86_400 };
        let (evidence, gaps) = super::super::read_paths(&inv, &[path], None, window);
        let error = evidence.reads[0].error.as_deref().unwrap_or_default();
        assert!(error.contains("Parquet"), "{error}");
        assert_eq!(gaps.len(), 1);
    }
}

#[cfg(all(test, feature = "parquet"))]
mod tests {
    use crate::flowlog::Window;
    use crate::model::{Inventory, NetworkInterface};
    use parquet::basic::{Compression, GzipLevel};
    use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::sync::Arc;

    /// A Parquet file of the default format's fields, Gzip-compressed, as a flow log delivers it: two ACCEPT
    /// records and a NODATA record (nulls for the addresses, ports and counts), plus a column that is no field.
    fn file() -> Vec<u8> {
        let schema = parse_message_type(
            "message flow_log {
                optional int32 version;
                optional binary account_id (UTF8);
                optional binary interface_id (UTF8);
                optional binary srcaddr (UTF8);
                optional binary dstaddr (UTF8);
                optional int32 srcport;
                optional int32 dstport;
                optional int32 protocol;
                optional int64 packets;
                optional int64 bytes;
                optional int64 start;
                optional int64 end;
                optional binary action (UTF8);
                optional binary log_status (UTF8);
                optional binary not_a_field (UTF8);
            }",
        )
        .unwrap();
        let props = WriterProperties::builder().set_compression(Compression::GZIP(GzipLevel::default())).build();
        let mut out = Vec::new();
        let mut writer = SerializedFileWriter::new(&mut out, Arc::new(schema), Arc::new(props)).unwrap();
        let mut group = writer.next_row_group().unwrap();
        let t = 1_764_547_800i64;
        let text = |v: &[Option<&str>]| -> (Vec<ByteArray>, Vec<i16>) {
            (
                v.iter().flatten().map(|s| ByteArray::from(*s)).collect(),
                v.iter().map(|s| i16::from(s.is_some())).collect(),
            )
        };
        let mut k = 0;
        while let Some(mut column) = group.next_column().unwrap() {
            match k {
                0 | 5 | 6 | 7 => {
                    let v: [Option<i32>; 3] = match k {
                        0 => [Some(2), Some(2), Some(2)],
                        5 => [Some(50000), Some(50001), None],
                        6 => [Some(443), Some(443), None],
                        _ => [Some(6), Some(6), None],
                    };
                    let values: Vec<i32> = v.iter().flatten().copied().collect();
                    let def: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                    column.typed::<Int32Type>().write_batch(&values, Some(&def), None).unwrap();
                }
                8..=11 => {
                    let v: [Option<i64>; 3] = match k {
                        8 => [Some(10), Some(4), None],
                        9 => [Some(840), Some(300), None],
                        10 => [Some(t), Some(t), Some(t)],
                        _ => [Some(t + 60), Some(t + 60), Some(t + 60)],
                    };
                    let values: Vec<i64> = v.iter().flatten().copied().collect();
                    let def: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                    column.typed::<Int64Type>().write_batch(&values, Some(&def), None).unwrap();
                }
                _ => {
                    let v: [Option<&str>; 3] = match k {
                        1 => [Some("123456789012"); 3],
                        2 => [Some("eni-1"); 3],
                        3 => [Some("198.51.100.7"), Some("203.0.113.9"), None],
                        4 => [Some("10.0.0.5"), Some("10.0.0.5"), None],
                        12 => [Some("ACCEPT"), Some("ACCEPT"), None],
                        13 => [Some("OK"), Some("OK"), Some("NODATA")],
                        _ => [Some("x y"), None, Some("")],
                    };
                    let (values, def) = text(&v);
                    column.typed::<ByteArrayType>().write_batch(&values, Some(&def), None).unwrap();
                }
            }
            column.close().unwrap();
            k += 1;
        }
        group.close().unwrap();
        writer.close().unwrap();
        out
    }

    #[test]
    fn parquet_rows_read_as_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("123456789012_vpcflowlogs_us-east-1_fl-1_20261201T0000Z_0a1b2c3d.log.parquet");
        std::fs::write(&path, file()).unwrap();
        let mut inv = Inventory::default();
        let eni: NetworkInterface = serde_json::from_value(
            serde_json::json!({"id": "eni-1", "region": "us-east-1", "private_ips": ["10.0.0.5"]}),
        )
        .unwrap();
        inv.interfaces.push(eni);
        let window = Window { start: 1_764_547_200, end: 1_764_547_200 + 86_400 };
        let (evidence, gaps) = super::super::read_paths(&inv, &[path], None, window);
        assert!(gaps.is_empty(), "{gaps:?}");
        let read = &evidence.reads[0];
        assert_eq!(read.error, None);
        assert_eq!((read.records, read.malformed), (3, 0), "{read:?}");
        assert_eq!(
            read.format,
            "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} \
             ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
        );
        assert_eq!((evidence.counts.accepted, evidence.counts.nodata), (2, 1));
        assert!(evidence.seen("eni-1").is_some());
    }
}
