//! The collector: the only part of sgaudit that talks to AWS. It reads every region and service
//! concurrently, converts SDK types into the [`crate::model`] at the boundary, and turns every failed call into
//! a [`crate::model::Coverage`] gap.

mod batch;
mod codebuild;
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
#[cfg(feature = "security-hub")]
pub mod securityhub;
mod transit;

use crate::model::{Coverage, Inventory};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use outcome::{Call, Failure};
use recording::{RecordingClient, ReplayClient};
use std::path::PathBuf;
use std::time::Duration;
use tracing::Instrument;

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
}

impl Collection {
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
                return Ok(Collection { inventory: inv, recorder });
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
    Ok(Collection { inventory: inv, recorder })
}

async fn base_config(opts: &Options, replay: Option<&ReplayClient>, recorder: Option<&RecordingClient>) -> SdkConfig {
    let retry = match opts.retry {
        RetryMode::Standard => RetryConfig::standard(),
        RetryMode::Adaptive => RetryConfig::adaptive(),
    }
    .with_max_attempts(opts.max_attempts.max(1));
    let connect = Duration::from_secs(10).min(opts.timeout);
    let timeout = match (&opts.pace, replay) {
        // Paced: the attempt timeout starts when the request leaves (see pace.rs), not when it is queued.
        (Some(_), None) => TimeoutConfig::builder().connect_timeout(connect).build(),
        _ => TimeoutConfig::builder()
            .operation_attempt_timeout(opts.timeout)
            .operation_timeout(opts.timeout * opts.max_attempts.max(1) * 2)
            .connect_timeout(connect)
            .build(),
    };
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry).timeout_config(timeout);
    if let Some(replay) = replay {
        // A recording needs no account: fixed dummy credentials sign the requests, which the replay client
        // matches on region and service only.
        loader = loader
            .credentials_provider(aws_credential_types::Credentials::new("REPLAY", "REPLAY", None, None, "replay"))
            .region(Region::new(replay.regions()[0].clone()))
            .http_client(replay.clone());
    } else {
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        // The recorder sees what was answered; the pace, outermost, decides when a request may leave.
        let mut http = recorder.map(|rec| SharedHttpClient::new(rec.clone()));
        if let Some(pace) = &opts.pace {
            let inner = http.take().unwrap_or_else(https_client);
            http = Some(SharedHttpClient::new(pace::PacedClient::new(inner, pace.clone(), opts.timeout)));
        }
        if let Some(http) = http {
            loader = loader.http_client(http);
        }
    }
    let base = loader.load().await;
    match (&opts.role, replay) {
        (Some(role), None) => {
            // The role is assumed lazily, on the first call (the caller identity, see `collect`), and refreshed
            // before it expires.
            let mut b = aws_config::sts::AssumeRoleProvider::builder(role.arn.clone())
                .session_name(role.session_name.clone())
                .configure(&base);
            if let Some(id) = &role.external_id {
                b = b.external_id(id.clone());
            }
            // STS is called in the profile's region, else the first audited one.
            if base.region().is_none() {
                let region = opts.regions.first().cloned().unwrap_or_else(|| "us-east-1".to_string());
                b = b.region(Region::new(region));
            }
            let provider = b.build().await;
            base.to_builder()
                .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
                .build()
        }
        _ => base,
    }
}

/// The HTTPS client the SDK would build itself, for the layers that wrap it (recording, pacing).
fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build_https()
}

fn for_region(base: &SdkConfig, region: &str) -> SdkConfig {
    base.to_builder().region(Region::new(region.to_string())).build()
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

#[derive(Default)]
struct RegionPart {
    groups: Vec<crate::model::SecurityGroup>,
    rules: Vec<crate::model::Rule>,
    interfaces: Vec<crate::model::NetworkInterface>,
    datastores: Vec<crate::model::Datastore>,
    holders: Vec<crate::model::Holder>,
    load_balancers: Vec<crate::model::LoadBalancer>,
    target_groups: Vec<crate::model::TargetGroup>,
    prefix_lists: Vec<crate::model::PrefixList>,
    subnets: Vec<crate::model::Subnet>,
    route_tables: Vec<crate::model::RouteTable>,
    network_acls: Vec<crate::model::NetworkAcl>,
    vpcs: Vec<crate::model::Vpc>,
    peerings: Vec<crate::model::VpcPeering>,
    transit_gateway_attachments: Vec<crate::model::TransitGatewayAttachment>,
    transit_gateway_route_tables: Vec<crate::model::TransitGatewayRouteTable>,
    stale_checks: Vec<crate::model::StaleCheck>,
    peer_references: Vec<crate::model::PeerReference>,
    flow_logs: Vec<crate::model::FlowLog>,
    notes: Vec<String>,
    coverage: Vec<Coverage>,
}

/// One region: every independent call at once; then what needs their answers (prefix lists named by rules or
/// routes, references across VPCs).
async fn collect_region(base: &SdkConfig, region: &str, partition: &str, flow_logs: bool) -> RegionPart {
    let cfg = for_region(base, region);
    let ec2 = client!(aws_sdk_ec2, &cfg, partition);
    let rds = client!(aws_sdk_rds, &cfg, partition);
    let elasticache = client!(aws_sdk_elasticache, &cfg, partition);
    let redshift = client!(aws_sdk_redshift, &cfg, partition);
    let redshift_serverless = client!(aws_sdk_redshiftserverless, &cfg, partition);
    let opensearch = client!(aws_sdk_opensearch, &cfg, partition);
    let memorydb = client!(aws_sdk_memorydb, &cfg, partition);
    let autoscaling = client!(aws_sdk_autoscaling, &cfg, partition);
    let ecs = client!(aws_sdk_ecs, &cfg, partition);
    let lambda = client!(aws_sdk_lambda, &cfg, partition);
    let eks = client!(aws_sdk_eks, &cfg, partition);
    let elbv2 = client!(aws_sdk_elasticloadbalancingv2, &cfg, partition);
    let batch = client!(aws_sdk_batch, &cfg, partition);
    let eventbridge = client!(aws_sdk_eventbridge, &cfg, partition);
    let codebuild = client!(aws_sdk_codebuild, &cfg, partition);
    let glue = client!(aws_sdk_glue, &cfg, partition);

    // Each future keeps the coverage of its own calls, returned beside what it read.
    let groups_and_rules = async {
        let mut coverage = Vec::new();
        let (groups, rules) = ec2::groups_and_rules(&ec2, region, &mut coverage).await;
        ((groups, rules), coverage)
    };
    let interfaces = async {
        let mut coverage = Vec::new();
        (ec2::interfaces(&ec2, region, &mut coverage).await, coverage)
    };
    let databases = async {
        let mut coverage = Vec::new();
        (rds::datastores(&rds, region, &mut coverage).await, coverage)
    };
    let caches = async {
        let mut coverage = Vec::new();
        (elasticache::datastores(&elasticache, region, &mut coverage).await, coverage)
    };
    let routing = async {
        let (mut route_coverage, mut acl_coverage) = (Vec::new(), Vec::new());
        let (routes, acls) = tokio::join!(
            ec2::routing(&ec2, region, &mut route_coverage),
            network_acl::acls(&ec2, region, &mut acl_coverage)
        );
        ((routes, acls), [route_coverage, acl_coverage].concat())
    };
    let networks = async {
        let (mut vpc_coverage, mut transit_coverage) = (Vec::new(), Vec::new());
        let ((vpcs, peerings), transit) = tokio::join!(
            ec2::vpcs(&ec2, region, &mut vpc_coverage),
            transit::transit(&ec2, region, &mut transit_coverage)
        );
        ((vpcs, peerings, transit), [vpc_coverage, transit_coverage].concat())
    };
    // Flow logs only when their evidence was asked for.
    let flow_log_definitions = async {
        let mut coverage = Vec::new();
        let found = if flow_logs { flowlogs::definitions(&ec2, region, &mut coverage).await } else { Vec::new() };
        (found, coverage)
    };
    // Warehouses, search domains and MemoryDB: one future, their four services concurrently.
    let analytics = async {
        let mut coverage: [Vec<Coverage>; 4] = Default::default();
        let [redshift_coverage, serverless_coverage, search_coverage, memorydb_coverage] = &mut coverage;
        let (mut warehouses, workgroups, (domains, notes), memorydb_clusters) = tokio::join!(
            redshift::clusters(&redshift, region, redshift_coverage),
            redshift_serverless::workgroups(&redshift_serverless, region, serverless_coverage),
            opensearch::domains(&opensearch, region, search_coverage),
            memorydb::clusters(&memorydb, region, memorydb_coverage),
        );
        warehouses.extend(workgroups.into_iter().chain(domains).chain(memorydb_clusters));
        ((warehouses, notes), coverage.concat())
    };
    // What holds groups without running: templates, scaling groups, services, functions, clusters, balancers,
    // and what runs now and then: Batch compute environments, scheduled or event-driven tasks, builds, Glue
    // connections.
    let holders = async {
        let mut coverage: [Vec<Coverage>; 9] = Default::default();
        let [templates, services, functions, clusters, balancers, batches, rules, builds, connections] = &mut coverage;
        let (mut held, by_services, by_functions, by_clusters, elb, by_batch, by_rules, by_builds, by_connections) = tokio::join!(
            launch::holders(&ec2, &autoscaling, region, templates),
            ecs::services(&ecs, region, services),
            lambda::functions(&lambda, region, functions),
            eks::clusters(&eks, region, clusters),
            elbv2::balancers(&elbv2, region, balancers),
            batch::compute_environments(&batch, region, batches),
            events::rules(&eventbridge, region, rules),
            codebuild::projects(&codebuild, region, builds),
            glue::connections(&glue, region, connections),
        );
        held.extend(by_services.into_iter().chain(by_functions).chain(by_clusters).chain(elb.holders));
        held.extend(by_batch.into_iter().chain(by_rules).chain(by_builds).chain(by_connections));
        ((held, elb.load_balancers, elb.target_groups), coverage.concat())
    };
    let (
        ((groups, rules), group_coverage),
        (interfaces, interface_coverage),
        (mut datastores, database_coverage),
        (caches, cache_coverage),
        (((subnets, route_tables), network_acls), routing_coverage),
        ((vpcs, peerings, (transit_gateway_attachments, transit_gateway_route_tables)), network_coverage),
        ((warehouses, notes), analytics_coverage),
        ((holders, load_balancers, target_groups), holder_coverage),
        (flow_logs, flow_log_coverage),
    ) = tokio::join!(
        groups_and_rules,
        interfaces,
        databases,
        caches,
        routing,
        networks,
        analytics,
        holders,
        flow_log_definitions
    );
    datastores.extend(caches);
    datastores.extend(warehouses);
    let mut coverage = [
        group_coverage,
        interface_coverage,
        database_coverage,
        cache_coverage,
        routing_coverage,
        network_coverage,
        analytics_coverage,
        holder_coverage,
        flow_log_coverage,
    ]
    .concat();
    // What crosses a VPC or an account, once the rules and the peering connections are in; beside it, the
    // prefix lists that rules or routes name.
    let mut list_coverage = Vec::new();
    let ((stale_checks, peer_references), prefix_lists) = tokio::join!(
        references::references(&ec2, region, &groups, &rules, &peerings, &mut coverage),
        ec2::prefix_lists(&ec2, region, ec2::named_prefix_lists(&rules, &route_tables), &mut list_coverage),
    );
    coverage.extend(list_coverage);
    RegionPart {
        groups,
        rules,
        interfaces,
        datastores,
        holders,
        load_balancers,
        target_groups,
        prefix_lists,
        subnets,
        route_tables,
        network_acls,
        vpcs,
        peerings,
        transit_gateway_attachments,
        transit_gateway_route_tables,
        stale_checks,
        peer_references,
        flow_logs,
        notes,
        coverage,
    }
}
