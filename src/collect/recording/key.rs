//! What identifies a request in a recording: region and service from the SigV4 credential scope, the
//! operation and the parameters that tell its calls apart, read the way each protocol names them.

use super::Malformed;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use std::collections::BTreeMap;

pub(super) const IGNORED_PARAMS: &[&str] =
    &["Action", "Version", "MaxResults", "MaxRecords", "maxResults", "MaxItems", "PageSize", "Limit"];

/// REST-JSON operations, by method and path: what a recording names them. A `{name}` segment matches any
/// value, which becomes the parameter `name`.
const REST_OPERATIONS: &[(&str, &str, &str)] = &[
    ("GET", "/2021-01-01/domain", "ListDomainNames"),
    ("POST", "/2021-01-01/opensearch/domain-info", "DescribeDomains"),
    ("GET", "/2015-03-31/functions", "ListFunctions"),
    ("GET", "/clusters", "ListClusters"),
    ("GET", "/clusters/{name}", "DescribeCluster"),
    ("GET", "/clusters/{name}/node-groups", "ListNodegroups"),
    ("GET", "/clusters/{name}/node-groups/{nodegroupName}", "DescribeNodegroup"),
    ("POST", "/v1/describecomputeenvironments", "DescribeComputeEnvironments"),
    ("POST", "/v1/describejobqueues", "DescribeJobQueues"),
];

/// Matches a path against a `REST_OPERATIONS` pattern, collecting the `{…}` segments.
fn rest_match(pattern: &str, path: &str, params: &mut BTreeMap<String, String>) -> bool {
    let (p, a): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    if p.len() != a.len() {
        return false;
    }
    let mut found = Vec::new();
    for (p, a) in p.iter().zip(&a) {
        match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) => found.push((name.to_string(), a.to_string())),
            None if p == a => {}
            None => return false,
        }
    }
    params.extend(found);
    true
}

/// What identifies a request in a recording.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    pub(super) region: String,
    pub(super) service: String,
    pub(super) operation: String,
    pub(super) params: BTreeMap<String, String>,
}

impl Key {
    pub(super) fn of(request: &HttpRequest) -> Result<Key, Malformed> {
        let auth = request.headers().get("authorization").ok_or(Malformed::NotSigned)?;
        // `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ec2/aws4_request, SignedHeaders=...`
        let scope = auth.split("Credential=").nth(1).and_then(|s| s.split(',').next()).ok_or(Malformed::NoScope)?;
        let parts: Vec<&str> = scope.split('/').collect();
        if parts.len() < 5 {
            return Err(Malformed::Scope(scope.to_string()));
        }
        if parts[3] == "s3" {
            return Ok(s3(request, parts[2]));
        }
        let body = request.body().bytes().ok_or(Malformed::BodyNotInMemory)?;
        let mut operation = String::new();
        let mut params = BTreeMap::new();
        let target = request.headers().get("x-amz-target");
        let form = request.headers().get("content-type").is_some_and(|c| c.starts_with("application/x-www-form"));
        if let Some(target) = target {
            operation = target.rsplit('.').next().unwrap_or_default().to_string();
            json_params(body, &mut params)?;
        } else if form || request.method() == "POST" && body.starts_with(b"Action=") {
            for (k, v) in form_urlencoded::parse(body) {
                if k == "Action" {
                    operation = v.to_string();
                } else if !IGNORED_PARAMS.contains(&k.as_ref()) {
                    params.insert(k.to_string(), v.to_string());
                }
            }
        } else {
            let uri = request.uri();
            let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
            let path = path.split_once("://").map_or(path, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
            operation = REST_OPERATIONS
                .iter()
                .find(|(m, p, _)| *m == request.method() && rest_match(p, path, &mut params))
                .map(|(_, _, op)| op.to_string())
                .unwrap_or_else(|| format!("{}{}", request.method(), path.replace('/', "_")));
            for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                if !IGNORED_PARAMS.contains(&k.as_ref()) {
                    params.insert(k.to_string(), v.to_string());
                }
            }
            json_params(body, &mut params)?;
        }
        if operation.is_empty() {
            return Err(Malformed::NoAction);
        }
        Ok(Key { region: parts[2].to_string(), service: parts[3].to_string(), operation, params })
    }
}

/// The top-level fields of a JSON request body as parameters (strings as they are, anything else as JSON).
fn json_params(body: &[u8], params: &mut BTreeMap<String, String>) -> Result<(), Malformed> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| Malformed::RequestNotJson(e.to_string()))?;
    for (k, v) in value.as_object().into_iter().flatten() {
        if !IGNORED_PARAMS.contains(&k.as_str()) {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            params.insert(k.clone(), text);
        }
    }
    Ok(())
}

/// An S3 request: the operation (the SDK's `x-id`, else `ListObjectsV2` for `list-type=2`, else the method and
/// `Object`), the bucket and the key, and the query's other fields. The bucket is read from the host in
/// virtual-hosted style (`BUCKET.s3.REGION.amazonaws.com`) and from the path in path style (an endpoint such
/// as 127.0.0.1), so a recording made against a local endpoint replays without one.
fn s3(request: &HttpRequest, region: &str) -> Key {
    let uri = request.uri();
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let (host, path) = match path.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..])),
        None => ("", path),
    };
    let path = path.trim_start_matches('/');
    let (bucket, object) = match host.split_once(".s3.").or_else(|| host.split_once(".s3-")) {
        Some((bucket, _)) => (bucket, path),
        None => path.split_once('/').unwrap_or((path, "")),
    };
    let mut params = BTreeMap::from([("Bucket".to_string(), bucket.to_string())]);
    if !object.is_empty() {
        params.insert("Key".to_string(), object.to_string());
    }
    let mut operation = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("x-id", op) => operation = Some(op.to_string()),
            ("list-type", "2") => operation = Some("ListObjectsV2".to_string()),
            ("max-keys", _) => {}
            _ => {
                params.insert(k.to_string(), v.to_string());
            }
        }
    }
    let operation = operation.unwrap_or_else(|| {
        let method = request.method();
        format!("{}{}Object", &method[..1], method[1..].to_ascii_lowercase())
    });
    Key { region: region.to_string(), service: "s3".to_string(), operation, params }
}

/// Whether a recorded body is an object's bytes (S3 GetObject), kept as they came, neither XML nor JSON.
pub(super) fn is_object(service: &str, operation: &str) -> bool {
    service == "s3" && operation == "GetObject"
}
