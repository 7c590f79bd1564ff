//! Turning SDK results into coverage entries: every call either succeeds with a page count or becomes a gap
//! with region, service, operation, AWS error code, message and a hint.

use crate::model::{Coverage, CoverageStatus};
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Where a call was made.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub region: &'a str,
    pub service: &'static str,
    pub operation: &'static str,
}

/// A failure, flattened to what the report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

impl<E> From<SdkError<E, HttpResponse>> for Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn from(err: SdkError<E, HttpResponse>) -> Failure {
        let (code, message) = match &err {
            SdkError::ServiceError(ctx) => (
                ctx.err().code().unwrap_or("UnknownServiceError").to_string(),
                ctx.err().message().map(str::to_string).unwrap_or_else(|| DisplayErrorContext(ctx.err()).to_string()),
            ),
            SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_) if is_credentials(&chain(&err)) => {
                ("NoCredentials".to_string(), chain(&err))
            }
            SdkError::TimeoutError(_) => ("Timeout".to_string(), chain(&err)),
            SdkError::DispatchFailure(_) => ("DispatchFailure".to_string(), chain(&err)),
            SdkError::ResponseError(_) => ("ResponseError".to_string(), chain(&err)),
            SdkError::ConstructionFailure(_) => ("ConstructionFailure".to_string(), chain(&err)),
            _ => ("Unknown".to_string(), chain(&err)),
        };
        Failure { code, message: one_line(&message) }
    }
}

/// A call that never left because no credentials could be loaded (none found, a broken profile, a role that
/// could not be assumed).
fn is_credentials(message: &str) -> bool {
    message.to_ascii_lowercase().contains("credential")
}

/// The error and its sources, each by its `Display`, joined with `: ` (no `Debug` dumps).
fn chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A port as the APIs report it (`i32`, 0 when unset) as the model keeps it.
pub fn port(p: Option<i32>) -> Option<u16> {
    p.filter(|p| *p > 0).and_then(|p| u16::try_from(p).ok())
}

/// Reads every page of a paginated call. Stops at the first failed page: a partial list is never passed off
/// as complete.
pub async fn drain<O, E, T>(
    mut stream: PaginationStream<Result<O, SdkError<E, HttpResponse>>>,
    mut each: impl FnMut(O, &mut Vec<T>),
) -> Result<(Vec<T>, u32), Failure>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut items = Vec::new();
    let mut pages = 0;
    while let Some(page) = stream.next().await {
        let page = page.map_err(Failure::from)?;
        pages += 1;
        each(page, &mut items);
    }
    Ok((items, pages))
}

/// What one call (or one operation's calls) gave: items and pages, or the failure.
pub type Outcome<T> = Result<(Vec<T>, u32), Failure>;

/// One operation made as many calls (per cluster, per batch of names): items and pages summed. Any failed call
/// fails the operation, since some resources were not read.
pub fn combine<T>(results: impl IntoIterator<Item = Outcome<T>>) -> Outcome<T> {
    let mut items = Vec::new();
    let mut pages = 0;
    for r in results {
        let (i, p) = r?;
        items.extend(i);
        pages += p;
    }
    Ok((items, pages))
}

/// Records the outcome of a call and returns its items (empty when it failed).
pub fn settle<T>(call: Call, result: Result<(Vec<T>, u32), Failure>, coverage: &mut Vec<Coverage>) -> Vec<T> {
    match result {
        Ok((items, pages)) => {
            coverage.push(ok(call, pages));
            items
        }
        Err(f) => {
            tracing::warn!("{} {} {} failed: {}", call.region, call.service, call.operation, f.code);
            tracing::debug!("{} {} {}: {}", call.region, call.service, call.operation, f.message);
            coverage.push(failed(call, f));
            Vec::new()
        }
    }
}

/// The span every AWS call runs in: `-v` prints it with its duration when it closes.
pub fn span(region: &str, service: &'static str, operation: &'static str) -> tracing::Span {
    tracing::info_span!("call", region, service, operation)
}

/// Tells whoever watches (the progress line on a terminal) that a call is done.
fn progress(call: Call, status: &str) {
    tracing::info!(target: "sgaudit::progress", "{} {} {} {status}", call.region, call.service, call.operation);
}

pub fn ok(call: Call, pages: u32) -> Coverage {
    progress(call, "ok");
    Coverage {
        account: None,
        region: call.region.to_string(),
        service: call.service.to_string(),
        operation: call.operation.to_string(),
        status: CoverageStatus::Ok,
        error_code: None,
        message: None,
        hint: None,
        pages,
    }
}

pub fn failed(call: Call, f: Failure) -> Coverage {
    progress(call, "failed");
    let hint = hint(call, &f);
    Coverage {
        account: None,
        region: call.region.to_string(),
        service: call.service.to_string(),
        operation: call.operation.to_string(),
        status: CoverageStatus::Failed,
        error_code: Some(f.code),
        message: Some(f.message),
        hint: Some(hint),
        pages: 0,
    }
}

/// What the operator can do about a failure.
pub(super) fn hint(call: Call, f: &Failure) -> String {
    // Every service sgaudit reads signs with its IAM prefix: `ec2`, `rds`, `es`, `elasticloadbalancing`, ...
    // and its actions are named as its operations, but for S3's listing.
    let action = match (call.service, call.operation) {
        ("s3", "ListObjectsV2") => "s3:ListBucket".to_string(),
        _ => format!("{}:{}", call.service, call.operation),
    };
    let code = f.code.as_str();
    let msg = f.message.to_ascii_lowercase();
    if code == "NoCredentials" {
        return if msg.contains("assume") || msg.contains("role") {
            "the role could not be assumed: check --role-arn, --external-id and the role's trust policy".to_string()
        } else {
            "set AWS_PROFILE or pass --profile, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".to_string()
        };
    }
    if code == "InvalidAccessException" && call.service == "securityhub" {
        return format!(
            "Security Hub is not enabled in {} for this account: enable it (securityhub:EnableSecurityHub), or leave \
             --security-hub off",
            call.region
        );
    }
    if code.contains("AccessDenied")
        || code == "UnauthorizedOperation"
        || code == "AuthFailure" && msg.contains("not authorized")
    {
        format!("grant {action} to the audit role (see docs/iam-policy.json), or check SCPs for {}", call.region)
    } else if code == "OptInRequired"
        || code == "UnrecognizedClientException"
        || code == "InvalidClientTokenId"
        || code == "AuthFailure"
    {
        format!("the credentials are not valid in {}: is the region enabled for this account?", call.region)
    } else if code.contains("Throttl") || code == "RequestLimitExceeded" {
        "throttled past the retry budget: raise --max-attempts or use --retry-mode adaptive".to_string()
    } else if code == "Timeout" {
        "raise --timeout, or check connectivity to the endpoint".to_string()
    } else if code == "NotRecorded" {
        "the recording has no response for this call: re-record the account with `sgaudit record`".to_string()
    } else if msg.contains("not included in your current license")
        || msg.contains("not yet implemented")
        || code == "NotImplemented"
        || code == "InternalFailure"
        || code.starts_with("InternalError")
    {
        "the endpoint does not serve this operation (an emulator gap, or a service outage): the resources it lists were not audited".to_string()
    } else if code == "DispatchFailure" {
        "the request could not be sent: check --endpoint-url, proxy settings and network access".to_string()
    } else {
        format!(
            "retry later; if it persists, check that {action} is allowed and the service is available in {}",
            call.region
        )
    }
}
