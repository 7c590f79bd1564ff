//! The SDK configuration every client of one account shares: retries, timeouts, the endpoint or the replay
//! client, the recording and pacing layers, and the role's credentials.

use super::recording::{RecordingClient, ReplayClient};
use super::{pace, Options, RetryMode};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use std::time::Duration;

pub(super) async fn base_config(
    opts: &Options,
    replay: Option<&ReplayClient>,
    recorder: Option<&RecordingClient>,
) -> SdkConfig {
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
pub(super) fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build_https()
}

/// The same configuration, for another region.
pub(super) fn for_region(base: &SdkConfig, region: &str) -> SdkConfig {
    base.to_builder().region(Region::new(region.to_string())).build()
}
