//! The collector: the only part of sgaudit that talks to AWS. It reads every region and service
//! concurrently, converts SDK types into the [`crate::model`] at the boundary, and turns every failed call into
//! a [`Coverage`](crate::model::Coverage) gap.

mod batch;
mod codebuild;
mod ec2;
mod ecs;
mod eks;
mod elasticache;
mod elbv2;
mod events;
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
    pub profile: Option<String>,
    pub regions: Vec<String>,
    pub all_regions: bool,
    pub endpoint_url: Option<String>,
    /// Read a recorded account instead of calling AWS.
    pub replay: Option<PathBuf>,
    /// Keep every raw response, to write with [`Collection::write_recording`].
    pub record: bool,
    pub retry: RetryMode,
    pub max_attempts: u32,
    /// Per-attempt timeout.
    pub timeout: Duration,
    /// Audit another account through this role, assumed with the credentials of the profile or environment.
    pub role: Option<Role>,
    /// A cap on the request rate, shared by every collection that holds the same `Pace`.
    pub pace: Option<std::sync::Arc<pace::Pace>>,
}

/// A role to assume before collecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub arn: String,
    pub external_id: Option<String>,
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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RetryMode {
    #[default]
    Standard,
    Adaptive,
}

/// Errors that stop a collection before it starts. Everything after that is a coverage gap.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Recording(#[from] recording::RecordingError),
    #[error("no region: pass --region, --all-regions, or set AWS_REGION (or a region in the profile)")]
    NoRegion,
    #[error("cannot write the recording to {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// The result of a collection run.
pub struct Collection {
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
    let per_region = futures::future::join_all(regions.iter().map(|r| collect_region(&base, r, partition)));
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
    notes: Vec<String>,
    coverage: Vec<Coverage>,
}

/// One region: every independent call at once; then what needs their answers (prefix lists named by rules or
/// routes, references across VPCs).
async fn collect_region(base: &SdkConfig, region: &str, partition: &str) -> RegionPart {
    let cfg = for_region(base, region);
    let ec2c = client!(aws_sdk_ec2, &cfg, partition);
    let rdsc = client!(aws_sdk_rds, &cfg, partition);
    let ecc = client!(aws_sdk_elasticache, &cfg, partition);
    let rsc = client!(aws_sdk_redshift, &cfg, partition);
    let rssc = client!(aws_sdk_redshiftserverless, &cfg, partition);
    let osc = client!(aws_sdk_opensearch, &cfg, partition);
    let mdbc = client!(aws_sdk_memorydb, &cfg, partition);
    let asgc = client!(aws_sdk_autoscaling, &cfg, partition);
    let ecsc = client!(aws_sdk_ecs, &cfg, partition);
    let lambdac = client!(aws_sdk_lambda, &cfg, partition);
    let eksc = client!(aws_sdk_eks, &cfg, partition);
    let elbc = client!(aws_sdk_elasticloadbalancingv2, &cfg, partition);
    let batchc = client!(aws_sdk_batch, &cfg, partition);
    let eventsc = client!(aws_sdk_eventbridge, &cfg, partition);
    let buildc = client!(aws_sdk_codebuild, &cfg, partition);
    let gluec = client!(aws_sdk_glue, &cfg, partition);

    let groups_and_rules = async {
        let mut cov = Vec::new();
        let (groups, rules) = ec2::groups_and_rules(&ec2c, region, &mut cov).await;
        (groups, rules, cov)
    };
    let interfaces = async {
        let mut cov = Vec::new();
        (ec2::interfaces(&ec2c, region, &mut cov).await, cov)
    };
    let databases = async {
        let mut cov = Vec::new();
        (rds::datastores(&rdsc, region, &mut cov).await, cov)
    };
    let caches = async {
        let mut cov = Vec::new();
        (elasticache::datastores(&ecc, region, &mut cov).await, cov)
    };
    let routing = async {
        let (mut cov, mut acl_cov) = (Vec::new(), Vec::new());
        let (routes, acls) =
            tokio::join!(ec2::routing(&ec2c, region, &mut cov), network_acl::acls(&ec2c, region, &mut acl_cov));
        cov.extend(acl_cov);
        ((routes, acls), cov)
    };
    let networks = async {
        let (mut cov, mut tgw_cov) = (Vec::new(), Vec::new());
        let ((vpcs, peerings), transit) =
            tokio::join!(ec2::vpcs(&ec2c, region, &mut cov), transit::transit(&ec2c, region, &mut tgw_cov));
        cov.extend(tgw_cov);
        ((vpcs, peerings, transit), cov)
    };
    // Warehouses, search domains and MemoryDB: one future, their four services concurrently.
    let analytics = async {
        let (mut c1, mut c2, mut c3, mut c4) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut a, b, (c, notes), d) = tokio::join!(
            redshift::clusters(&rsc, region, &mut c1),
            redshift_serverless::workgroups(&rssc, region, &mut c2),
            opensearch::domains(&osc, region, &mut c3),
            memorydb::clusters(&mdbc, region, &mut c4),
        );
        a.extend(b.into_iter().chain(c).chain(d));
        c1.extend(c2.into_iter().chain(c3).chain(c4));
        ((a, notes), c1)
    };
    // What holds groups without running: templates, scaling groups, services, functions, clusters, balancers,
    // and what runs now and then: Batch compute environments, scheduled or event-driven tasks, builds, Glue
    // connections.
    let holders = async {
        let (mut c1, mut c2, mut c3, mut c4, mut c5) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut c6, mut c7, mut c8, mut c9) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut a, b, c, d, e, f, g, h, i) = tokio::join!(
            launch::holders(&ec2c, &asgc, region, &mut c1),
            ecs::services(&ecsc, region, &mut c2),
            lambda::functions(&lambdac, region, &mut c3),
            eks::clusters(&eksc, region, &mut c4),
            elbv2::balancers(&elbc, region, &mut c5),
            batch::compute_environments(&batchc, region, &mut c6),
            events::rules(&eventsc, region, &mut c7),
            codebuild::projects(&buildc, region, &mut c8),
            glue::connections(&gluec, region, &mut c9),
        );
        a.extend(b.into_iter().chain(c).chain(d).chain(e.holders).chain(f).chain(g).chain(h).chain(i));
        c1.extend(c2.into_iter().chain(c3).chain(c4).chain(c5).chain(c6).chain(c7).chain(c8).chain(c9));
        ((a, e.load_balancers, e.target_groups), c1)
    };
    let (
        (groups, rules, c1),
        (interfaces, c2),
        (mut datastores, c3),
        (caches, c4),
        (((subnets, route_tables), network_acls), c5),
        ((vpcs, peerings, (transit_gateway_attachments, transit_gateway_route_tables)), c6),
        ((warehouses, notes), c7),
        ((holders, load_balancers, target_groups), c8),
    ) = tokio::join!(groups_and_rules, interfaces, databases, caches, routing, networks, analytics, holders);
    datastores.extend(caches);
    datastores.extend(warehouses);
    let mut coverage = c1;
    for c in [c2, c3, c4, c5, c6, c7, c8] {
        coverage.extend(c);
    }
    // What crosses a VPC or an account, once the rules and the peering connections are in; beside it, the
    // prefix lists that rules or routes name.
    let mut list_cov = Vec::new();
    let ((stale_checks, peer_references), prefix_lists) = tokio::join!(
        references::references(&ec2c, region, &groups, &rules, &peerings, &mut coverage),
        ec2::prefix_lists(&ec2c, region, ec2::named_prefix_lists(&rules, &route_tables), &mut list_cov),
    );
    coverage.extend(list_cov);
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
        notes,
        coverage,
    }
}
