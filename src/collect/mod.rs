//! The collector: the only part of sgaudit that talks to AWS. It reads every region and service
//! concurrently, converts SDK types into the [`crate::model`] at the boundary, and turns every failed call into
//! a [`crate::model::Coverage`] gap.

/// A client of one SDK crate whose retry quota and adaptive rate belong to one account (`$partition`): the SDK
/// shares them per service across the whole process otherwise, and one throttled account would slow, or use
/// up the retries of, every other.
macro_rules! client {
    ($sdk:ident, $cfg:expr, $partition:expr) => {
        $sdk::Client::from_conf(
            $sdk::config::Builder::from($cfg)
                .retry_partition($sdk::config::retry::RetryPartition::new(format!(
                    "{}/{}",
                    stringify!($sdk),
                    $partition
                )))
                .build(),
        )
    };
}

mod batch;
mod codebuild;
mod config;
mod ec2;
mod ecs;
mod eks;
mod elasticache;
mod elbv2;
mod events;
pub mod flowlogs;
mod glue;
mod lambda;
mod launch;
#[cfg(feature = "cloudwatch-logs")]
pub mod logs;
mod memorydb;
mod network_acl;
mod opensearch;
pub mod organizations;
mod outcome;
pub mod pace;
mod rds;
pub mod recording;
mod redshift;
mod redshift_serverless;
mod references;
mod region;
pub mod s3;
#[cfg(feature = "security-hub")]
pub mod securityhub;
mod transit;

use crate::model::{Coverage, Inventory};
use aws_config::SdkConfig;
use config::{base_config, for_region, https_client};
use outcome::{Call, Failure};
use recording::{RecordingClient, ReplayClient};
use region::collect_region;
use std::path::PathBuf;
use std::time::Duration;
use tracing::Instrument;

/// Where the data comes from and how to ask for it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The named profile of the shared AWS configuration and credentials files; the default chain when `None`.
    pub profile: Option<String>,
    /// Regions to collect; empty means the configured region (or every enabled one with `all_regions`).
    pub regions: Vec<String>,
    /// Collect every region enabled for the account (DescribeRegions).
    pub all_regions: bool,
    /// A custom endpoint for every service (moto, LocalStack); the AWS endpoints when `None`.
    pub endpoint_url: Option<String>,
    /// Read a recorded account instead of calling AWS.
    pub replay: Option<PathBuf>,
    /// Keep every raw response, to write with [`Collection::write_recording`].
    pub record: bool,
    /// The SDK's retry strategy.
    pub retry: RetryMode,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// Per-attempt timeout.
    pub timeout: Duration,
    /// Audit another account through this role, assumed with the credentials of the profile or environment.
    pub role: Option<Role>,
    /// A cap on the request rate, shared by every collection that holds the same `Pace`.
    pub pace: Option<std::sync::Arc<pace::Pace>>,
    /// Also read the flow logs' definitions (DescribeFlowLogs), for flow-log evidence.
    pub flow_logs: bool,
}

/// A role to assume before collecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The role's ARN.
    pub arn: String,
    /// The external ID the role's trust policy asks for, if any.
    pub external_id: Option<String>,
    /// The session name, as CloudTrail records it.
    pub session_name: String,
}

impl Role {
    /// The account the role is in, from its ARN.
    pub fn account(&self) -> Option<&str> {
        role_account(&self.arn)
    }
}

/// The account field of an ARN (`arn:aws:iam::123456789012:role/x` → `123456789012`); `None` when the text is
/// not an ARN or names no account.
pub fn role_account(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:")?.split(':').nth(3).filter(|a| !a.is_empty())
}

/// The SDK's retry strategy: `standard`, or `adaptive` (client-side rate limiting as throttling errors come back).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RetryMode {
    /// Exponential backoff with jitter on retryable errors.
    #[default]
    Standard,
    /// Standard retries, and a client-side rate that slows down on throttling.
    Adaptive,
}

/// Errors that stop a collection before it starts. Everything after that is a coverage gap.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The recording to replay cannot be read.
    #[error(transparent)]
    Recording(#[from] recording::RecordingError),
    /// No region was given or configured.
    #[error("no region: pass --region, --all-regions, or set AWS_REGION (or a region in the profile)")]
    NoRegion,
    /// The recording could not be written.
    #[error("cannot write the recording to {path}: {source}")]
    Write {
        /// The recording's folder.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
}

/// The result of a collection run.
pub struct Collection {
    /// What was collected, with the coverage of every call.
    pub inventory: Inventory,
    recorder: Option<RecordingClient>,
    replay: Option<ReplayClient>,
}

/// The HTTP layer of a collection, for the calls made after it (the flow logs' objects and log groups): the
/// recording being made, or the recording being replayed, or neither (the network).
#[derive(Debug, Clone, Default)]
#[cfg_attr(not(any(feature = "s3", feature = "cloudwatch-logs")), allow(dead_code))]
pub struct Http {
    replay: Option<ReplayClient>,
    recorder: Option<RecordingClient>,
}

impl Collection {
    /// The HTTP layer the collection used, so that later calls are recorded or replayed with it.
    pub fn http(&self) -> Http {
        Http { replay: self.replay.clone(), recorder: self.recorder.clone() }
    }

    /// Writes the raw responses (when `record` was set) as a recording directory.
    pub fn write_recording(&self, dir: &std::path::Path) -> Result<usize, Error> {
        let Some(recorder) = &self.recorder else { return Ok(0) };
        let werr = |source| Error::Write { path: dir.to_path_buf(), source };
        std::fs::create_dir_all(dir).map_err(werr)?;
        recorder.write(dir, &self.inventory.regions).map_err(werr)
    }
}

/// Collects the inventory of every requested region.
pub async fn collect(opts: &Options) -> Result<Collection, Error> {
    let replay = match &opts.replay {
        Some(dir) => Some(ReplayClient::load(dir)?),
        None => None,
    };
    let recorder = opts.record.then(|| RecordingClient::new(https_client()));
    let base = base_config(opts, replay.as_ref(), recorder.as_ref()).await;
    // One retry partition per account (the role's, or the caller's own).
    let partition = opts.role.as_ref().map_or("default", |r| r.arn.as_str());

    let mut coverage: Vec<Coverage> = Vec::new();
    let mut regions = opts.regions.clone();
    let home = base.region().map(|r| r.to_string());
    if regions.is_empty() {
        if let Some(replay) = &replay {
            regions = replay.regions().to_vec();
        }
    }
    if opts.all_regions {
        let region = regions.first().cloned().or(home.clone()).ok_or(Error::NoRegion)?;
        let client = client!(aws_sdk_ec2, &for_region(&base, &region), partition);
        let call = Call { region: &region, service: "ec2", operation: "DescribeRegions" };
        match ec2::enabled_regions(&client).instrument(outcome::span(&region, "ec2", "DescribeRegions")).await {
            Ok(all) => {
                coverage.push(outcome::ok(call, 1));
                regions = all;
            }
            Err(f) => {
                coverage.push(outcome::failed(call, f));
                regions = vec![region];
            }
        }
    }
    if regions.is_empty() {
        regions.extend(home.clone());
    }
    if regions.is_empty() {
        return Err(Error::NoRegion);
    }
    regions.sort();
    regions.dedup();

    let account_region = home.clone().unwrap_or_else(|| regions[0].clone());
    let account_cfg = for_region(&base, &account_region);
    let role_account = opts.role.as_ref().and_then(Role::account).map(str::to_string);
    // Lazy: nothing is sent until it is awaited.
    let per_region =
        futures::future::join_all(regions.iter().map(|r| collect_region(&base, r, partition, opts.flow_logs)));
    let (account, per_region) = match (&opts.role, &replay) {
        (Some(role), None) => {
            // The role first: when it cannot be assumed nothing in the account can be read, and one gap says
            // so, instead of one per call.
            let account = account_id(&account_cfg, &account_region, &mut coverage, partition).await;
            if account.is_none() && coverage.last().and_then(|c| c.error_code.as_deref()) == Some("NoCredentials") {
                let mut inv = Inventory {
                    account: role_account.clone(),
                    regions: regions.clone(),
                    coverage,
                    ..Inventory::default()
                };
                inv.notes.push(format!(
                    "the role {} could not be assumed: nothing in account {} was read",
                    role.arn,
                    role_account.as_deref().unwrap_or("?")
                ));
                for c in &mut inv.coverage {
                    c.account = inv.account.clone();
                }
                return Ok(Collection { inventory: inv, recorder, replay });
            }
            (account, per_region.await)
        }
        _ => tokio::join!(account_id(&account_cfg, &account_region, &mut coverage, partition), per_region),
    };

    let mut inv = Inventory { account, regions: regions.clone(), ..Inventory::default() };
    inv.coverage = coverage;
    for part in per_region {
        inv.groups.extend(part.groups);
        inv.rules.extend(part.rules);
        inv.interfaces.extend(part.interfaces);
        inv.datastores.extend(part.datastores);
        inv.holders.extend(part.holders);
        inv.load_balancers.extend(part.load_balancers);
        inv.target_groups.extend(part.target_groups);
        inv.prefix_lists.extend(part.prefix_lists);
        inv.subnets.extend(part.subnets);
        inv.route_tables.extend(part.route_tables);
        inv.network_acls.extend(part.network_acls);
        inv.vpcs.extend(part.vpcs);
        inv.peerings.extend(part.peerings);
        inv.transit_gateway_attachments.extend(part.transit_gateway_attachments);
        inv.transit_gateway_route_tables.extend(part.transit_gateway_route_tables);
        inv.stale_checks.extend(part.stale_checks);
        inv.peer_references.extend(part.peer_references);
        inv.flow_logs.extend(part.flow_logs);
        inv.notes.extend(part.notes);
        inv.coverage.extend(part.coverage);
    }
    if inv.account.is_none() {
        // The owner of the account's own groups is the account; failing that, the role's account.
        inv.account = inv.groups.iter().find_map(|g| g.owner_id.clone()).or(role_account);
    }
    for c in &mut inv.coverage {
        c.account = inv.account.clone();
    }
    Ok(Collection { inventory: inv, recorder, replay })
}

async fn account_id(cfg: &SdkConfig, region: &str, coverage: &mut Vec<Coverage>, partition: &str) -> Option<String> {
    let client = client!(aws_sdk_sts, cfg, partition);
    let call = Call { region, service: "sts", operation: "GetCallerIdentity" };
    match client.get_caller_identity().send().instrument(outcome::span(region, "sts", "GetCallerIdentity")).await {
        Ok(out) => {
            coverage.push(outcome::ok(call, 1));
            out.account().map(str::to_string)
        }
        Err(e) => {
            coverage.push(outcome::failed(call, Failure::from(e)));
            None
        }
    }
}
