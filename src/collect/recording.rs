//! Recorded accounts: the raw HTTP responses of a collection run, replayed through the SDK's own HTTP layer so
//! that the real deserializers, paginators and collector code run against them.
//!
//! A recording is a directory with `index.json` and one file per response body:
//!
//! ```json
//! { "format": "sgaudit/recording@1", "regions": ["us-east-1"],
//!   "responses": [ { "region": "us-east-1", "service": "ec2", "operation": "DescribeSecurityGroups",
//!                    "params": { "NextToken": "p2" }, "status": 200,
//!                    "file": "us-east-1/ec2/DescribeSecurityGroups.2.xml" } ] }
//! ```
//!
//! A request is matched on region and service (from the SigV4 credential scope), operation and parameters, so
//! page tokens and filters must match. The three protocols of the services sgaudit reads name them so:
//!
//! - query (EC2, RDS, ElastiCache, Redshift, STS, Auto Scaling, ELBv2): the `Action` form field, and every other form field;
//! - JSON (`X-Amz-Target: Service.Operation`: Redshift Serverless, MemoryDB, ECS, EventBridge, CodeBuild,
//!   Glue, CloudWatch Logs): the target's operation, and the top-level fields of the JSON body;
//! - REST-JSON (OpenSearch, Lambda, EKS, Batch): the operation named by method and path (see
//!   `REST_OPERATIONS`), the names in the path, and the query string and top-level body fields;
//! - S3 (flow-log objects, `record --flow-logs` with a window): the operation, the bucket (from the host or
//!   the path, so that path style and virtual-hosted style name it alike), the key, and the query's fields.
//!   GetObject's bodies are the objects' bytes, kept as `.bin` files.
//!
//! Page sizes (`Version`, `MaxResults`, `MaxRecords`, `maxResults`, `MaxItems`, `PageSize`, `Limit`) are not
//! matched. Bodies are XML or JSON as
//! the service sent them. A request with no recorded response gets an HTTP 400 `NotRecorded` error in the
//! service's own dialect, which the collector reports as a coverage gap.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod key;
use key::Key;

/// The format identifier in a recording's `index.json`.
pub const FORMAT: &str = "sgaudit/recording@1";

/// Signing names of the services whose bodies are JSON.
const JSON_SERVICES: &[&str] =
    &["redshift-serverless", "memorydb", "es", "ecs", "lambda", "eks", "batch", "events", "codebuild", "glue", "logs"];

/// Whether a service's bodies are JSON (else XML).
fn is_json(service: &str) -> bool {
    JSON_SERVICES.contains(&service)
}

/// A recording's `index.json`: the regions recorded and one entry per response.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// Always [`FORMAT`].
    pub format: String,
    /// The regions the recorded collection covered.
    pub regions: Vec<String>,
    /// The recorded responses, in the order they were received.
    pub responses: Vec<Entry>,
}

/// One recorded response: the call it answers and the file that holds its body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The region the call was made in.
    pub region: String,
    /// The service, as the SDK names it (`ec2`, `rds`, ...).
    pub service: String,
    /// The API operation (`DescribeSecurityGroups`, ...).
    pub operation: String,
    /// The request parameters that tell calls of one operation apart (pagination tokens, filters, IDs).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// The HTTP status of the response.
    pub status: u16,
    /// The body's file, relative to the recording's folder.
    pub file: String,
}

/// A recording that could not be read: names the file and the place.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct RecordingError {
    /// The file at fault.
    pub path: PathBuf,
    /// What is wrong, and where in the file.
    pub message: String,
}

/// Serves a recording. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ReplayClient {
    inner: Arc<Replay>,
}

#[derive(Debug)]
struct Replay {
    index_path: PathBuf,
    regions: Vec<String>,
    responses: BTreeMap<Key, (u16, bytes::Bytes)>,
}

impl ReplayClient {
    /// Reads and validates `DIR/index.json` and every file it names.
    pub fn load(dir: &Path) -> Result<ReplayClient, RecordingError> {
        let index_path = dir.join("index.json");
        let err = |message: String| RecordingError { path: index_path.clone(), message };
        let text = std::fs::read_to_string(&index_path).map_err(|e| err(format!("cannot read: {e}")))?;
        let index: Index =
            serde_json::from_str(&text).map_err(|e| err(format!("line {} column {}: {e}", e.line(), e.column())))?;
        if index.format != FORMAT {
            return Err(err(format!("format is `{}`, expected `{FORMAT}`", index.format)));
        }
        if index.regions.is_empty() {
            return Err(err("`regions` is empty".to_string()));
        }
        let mut responses = BTreeMap::new();
        for (i, e) in index.responses.iter().enumerate() {
            let file = dir.join(&e.file);
            let body = std::fs::read(&file).map_err(|io| err(format!("responses[{i}].file `{}`: {io}", e.file)))?;
            // Error bodies are kept as the endpoint sent them (an emulator's 500 may be HTML); successful
            // ones must be XML the SDK can read.
            if (200..300).contains(&e.status) && !key::is_object(&e.service, &e.operation) {
                let checked = if is_json(&e.service) { check_json(&body) } else { check_xml(&body) };
                checked.map_err(|m| RecordingError { path: file.clone(), message: m.to_string() })?;
            }
            let key = Key {
                region: e.region.clone(),
                service: e.service.clone(),
                operation: e.operation.clone(),
                params: e.params.clone(),
            };
            if responses.insert(key, (e.status, bytes::Bytes::from(body))).is_some() {
                return Err(err(format!(
                    "responses[{i}]: a second response for {} {} in {} with the same params",
                    e.service, e.operation, e.region
                )));
            }
        }
        Ok(ReplayClient { inner: Arc::new(Replay { index_path, regions: index.regions, responses }) })
    }

    /// The regions the recording covers.
    pub fn regions(&self) -> &[String] {
        &self.inner.regions
    }

    fn respond(&self, request: &HttpRequest) -> HttpResponse {
        let (service, status, body) = match Key::of(request) {
            Ok(key) => match self.inner.responses.get(&key) {
                Some((status, body)) => (key.service, *status, body.clone()),
                None => {
                    let message = format!(
                        "{} has no response for {} {} in {} with params {:?}",
                        self.inner.index_path.display(),
                        key.service,
                        key.operation,
                        key.region,
                        key.params
                    );
                    let body = error_body(&key.service, "NotRecorded", &message);
                    (key.service, 400, body)
                }
            },
            Err(e) => (String::new(), 400, error_body("", "NotRecorded", &format!("cannot replay this request: {e}"))),
        };
        let mut response = HttpResponse::new(
            StatusCode::try_from(status).unwrap_or(StatusCode::try_from(500).expect("500")),
            SdkBody::from(body),
        );
        if is_json(&service) {
            response.headers_mut().insert("content-type", "application/x-amz-json-1.1");
            if !(200..300).contains(&status) {
                // Headers are not recorded: the error type comes from the body, as the service also writes it.
                let code = json_error_type(response.body().bytes().unwrap_or_default());
                response.headers_mut().insert("x-amzn-errortype", code);
            }
        } else {
            response.headers_mut().insert("content-type", "text/xml");
        }
        response
    }
}

/// The `__type` (or `code`) of a JSON error body, without its namespace; `NotRecorded` when it has none.
fn json_error_type(body: &[u8]) -> String {
    let doc: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = doc.get("__type").or_else(|| doc.get("code")).and_then(|c| c.as_str()).unwrap_or("NotRecorded");
    code.rsplit('#').next().unwrap_or(code).to_string()
}

/// An error document in the service's own dialect (JSON, or the XML of EC2 or of the other query services).
fn error_body(service: &str, code: &str, message: &str) -> bytes::Bytes {
    if is_json(service) {
        let doc = serde_json::json!({ "__type": code, "message": message });
        return bytes::Bytes::from(doc.to_string());
    }
    let message = xml_escape(message);
    let xml = if service == "ec2" || service.is_empty() {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>replay</RequestID></Response>")
    } else {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>replay</RequestId></ErrorResponse>")
    };
    bytes::Bytes::from(xml)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Why a request cannot be matched to a recorded response, or why a recorded body is damaged.
#[derive(Debug, thiserror::Error)]
enum Malformed {
    #[error("request is not signed")]
    NotSigned,
    #[error("no credential scope in the signature")]
    NoScope,
    #[error("unexpected credential scope `{0}`")]
    Scope(String),
    #[error("request body is not in memory")]
    BodyNotInMemory,
    #[error("request has no Action")]
    NoAction,
    #[error("request body is not JSON: {0}")]
    RequestNotJson(String),
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not UTF-8: {0}")]
    NotUtf8(String),
    #[error("not well-formed XML: {0}")]
    NotXml(String),
}

/// Rejects a body that is not JSON, so that a damaged recording fails at load with its file name.
fn check_json(body: &[u8]) -> Result<(), Malformed> {
    serde_json::from_slice::<serde_json::Value>(body).map(|_| ()).map_err(|e| Malformed::NotJson(e.to_string()))
}

/// Rejects a body that is not well-formed XML (syntax, unbalanced or mismatched tags), so that a damaged
/// recording fails at load with its file name rather than as a parse error deep in the SDK.
fn check_xml(body: &[u8]) -> Result<(), Malformed> {
    use xmlparser::{ElementEnd, Token};
    let text = std::str::from_utf8(body).map_err(|e| Malformed::NotUtf8(e.to_string()))?;
    let mut open: Vec<&str> = Vec::new();
    let mut seen_root = false;
    for token in xmlparser::Tokenizer::from(text) {
        match token.map_err(|e| Malformed::NotXml(e.to_string()))? {
            Token::ElementStart { local, .. } => {
                open.push(local.as_str());
                seen_root = true;
            }
            Token::ElementEnd { end: ElementEnd::Empty, .. } => {
                open.pop();
            }
            Token::ElementEnd { end: ElementEnd::Close(_, local), span } if open.pop() != Some(local.as_str()) => {
                return Err(Malformed::NotXml(format!("mismatched `</{}>` at byte {}", local.as_str(), span.start())));
            }
            _ => {}
        }
    }
    match (seen_root, open.last()) {
        (false, _) => Err(Malformed::NotXml("no element".to_string())),
        (true, Some(el)) => Err(Malformed::NotXml(format!("`<{el}>` is never closed"))),
        (true, None) => Ok(()),
    }
}

impl HttpConnector for ReplayClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        HttpConnectorFuture::ready(Ok(self.respond(&request)))
    }
}

impl HttpClient for ReplayClient {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// Wraps a real HTTP client and keeps every request's key with the response's status and body.
#[derive(Debug, Clone)]
pub struct RecordingClient {
    inner: SharedHttpClient,
    log: Arc<Mutex<Vec<(Key, u16, bytes::Bytes)>>>,
}

#[derive(Debug)]
struct RecordingConnector {
    inner: SharedHttpConnector,
    log: Arc<Mutex<Vec<(Key, u16, bytes::Bytes)>>>,
}

impl RecordingClient {
    /// Wraps `inner` so that every response it returns is kept for the recording.
    pub fn new(inner: SharedHttpClient) -> RecordingClient {
        RecordingClient { inner, log: Arc::default() }
    }

    /// Writes `DIR/index.json` and the bodies. Files are named `REGION/SERVICE/OPERATION[.N].xml` (`.json` for
    /// JSON services), numbered in
    /// key order, so that recording the same account twice gives the same tree.
    pub fn write(&self, dir: &Path, regions: &[String]) -> std::io::Result<usize> {
        let mut log = self.log.lock().expect("recording log").clone();
        // A retried call leaves one entry per attempt: the last one is what the collector acted on.
        let mut last: BTreeMap<Key, (u16, bytes::Bytes)> = BTreeMap::new();
        for (key, status, body) in log.drain(..) {
            last.insert(key, (status, body));
        }
        let log: Vec<(Key, u16, bytes::Bytes)> = last.into_iter().map(|(k, (s, b))| (k, s, b)).collect();
        let mut responses = Vec::new();
        let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        for (key, status, body) in &log {
            let n = seen.entry((key.region.clone(), key.service.clone(), key.operation.clone())).or_insert(0);
            *n += 1;
            let suffix = if *n == 1 { String::new() } else { format!(".{n}") };
            let ext = if key::is_object(&key.service, &key.operation) {
                "bin"
            } else if is_json(&key.service) {
                "json"
            } else {
                "xml"
            };
            let file = format!("{}/{}/{}{suffix}.{ext}", key.region, key.service, key.operation);
            let path = dir.join(&file);
            std::fs::create_dir_all(path.parent().expect("file has a parent"))?;
            std::fs::write(&path, body)?;
            responses.push(Entry {
                region: key.region.clone(),
                service: key.service.clone(),
                operation: key.operation.clone(),
                params: key.params.clone(),
                status: *status,
                file,
            });
        }
        let index = Index { format: FORMAT.to_string(), regions: regions.to_vec(), responses };
        let mut text = serde_json::to_string_pretty(&index).expect("index serializes");
        text.push('\n');
        std::fs::write(dir.join("index.json"), text)?;
        Ok(log.len())
    }
}

impl HttpClient for RecordingClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(RecordingConnector {
            inner: self.inner.http_connector(settings, components),
            log: self.log.clone(),
        })
    }
}

impl HttpConnector for RecordingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let key = Key::of(&request);
        let inner = self.inner.clone();
        let log = self.log.clone();
        HttpConnectorFuture::new(async move {
            let response = inner.call(request).await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = ByteStream::new(response.into_body())
                .collect()
                .await
                .map_err(|e| ConnectorError::io(Box::new(e)))?
                .into_bytes();
            if let Ok(key) = key {
                log.lock().expect("recording log").push((key, status.as_u16(), body.clone()));
            }
            let mut rebuilt = HttpResponse::new(status, SdkBody::from(body));
            *rebuilt.headers_mut() = headers;
            Ok(rebuilt)
        })
    }
}
