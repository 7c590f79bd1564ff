//! VPC flow logs, as DescribeFlowLogs describes them: what each one logs and where it delivers. Which
//! interfaces carried which traffic is `crate::flowlog`'s business; this is only the definition.

use serde::{Deserialize, Serialize};

/// One flow log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FlowLog {
    /// The flow log ID (`fl-…`).
    pub id: String,
    /// Its region.
    pub region: String,
    /// What it logs: a VPC (`vpc-…`), a subnet (`subnet-…`), an interface (`eni-…`), or a transit gateway or
    /// attachment (`tgw-…`, `tgw-attach-…`).
    pub resource_id: String,
    /// `ACCEPT`, `REJECT` or `ALL`.
    pub traffic_type: String,
    /// `s3`, `cloud-watch-logs` or `kinesis-data-firehose`.
    pub destination_type: String,
    /// The bucket ARN (with its prefix), the log group, or the delivery stream ARN.
    #[serde(default)]
    pub destination: Option<String>,
    /// `${field} …`; none means the default format.
    #[serde(default)]
    pub log_format: Option<String>,
    /// When it was created, Unix seconds: it logs nothing before.
    #[serde(default)]
    pub created: Option<i64>,
    /// `plain-text` or `parquet` (S3 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_format: Option<String>,
    /// S3 keys with Hive-compatible partitions.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hive_partitions: bool,
    /// S3 keys partitioned by hour.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub per_hour: bool,
    /// `ACTIVE`, or why it stopped.
    #[serde(default)]
    pub status: Option<String>,
}

impl FlowLog {
    /// Whether it records accepted traffic (`ACCEPT` or `ALL`).
    pub fn logs_accepted(&self) -> bool {
        self.traffic_type.eq_ignore_ascii_case("ACCEPT") || self.traffic_type.eq_ignore_ascii_case("ALL")
    }

    /// Whether it is active (a flow log whose status is not given counts as active).
    pub fn is_active(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"))
    }
}
